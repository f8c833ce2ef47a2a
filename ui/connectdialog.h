// SPDX-License-Identifier: MIT
#pragma once

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace vigil {

class Settings;

/**
 * Where to connect: host, port, database and user (or a libpq service from ~/.pg_service.conf), with the password
 * typed here or found by libpq in ~/.pgpass. A typed password can be kept in the desktop keyring (never in a
 * file or a log); recent targets are remembered without their passwords.
 */
class ConnectDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ConnectDialog(Settings *settings, QWidget *parent = nullptr);

    /// The libpq connection string, password included when one was typed (kept in memory only).
    QString conninfo() const;
    /// The same without the password: what is shown and remembered.
    QString conninfoWithoutPassword() const;
    /// host:port/database as libpq connected to them when Connect succeeded (the window's name for the target).
    QString connectedName() const { return m_connectedName; }

    /// Quotes a value for a libpq connection string: single quotes, backslash before ' and \.
    static QString quoteValue(const QString &value);
    /// The sslmode proposed for a host: verify-full when it is remote, libpq's default (empty) when it is local.
    static QString suggestedSslMode(const QString &host);

private:
    /// The fields from PGSERVICE, PGHOST, PGPORT, PGDATABASE and PGUSER, as psql would take them.
    void prefillFromEnvironment();
    void onRecentChosen(int index);
    void onAccept();
    void updateOk();
    void showProblem(const QString &text);
    void onHostChanged(const QString &host);
    QString keyringKey() const;

    Settings *m_settings;
    QComboBox *m_recent = nullptr;
    QLineEdit *m_service = nullptr;
    QLineEdit *m_host = nullptr;
    QSpinBox *m_port = nullptr;
    QLineEdit *m_database = nullptr;
    QLineEdit *m_user = nullptr;
    QLineEdit *m_password = nullptr;
    QComboBox *m_sslMode = nullptr;
    QLineEdit *m_sslRootCert = nullptr;
    bool m_sslModeChosen = false; ///< the user (or a recent target) picked the sslmode: stop suggesting one
    QCheckBox *m_remember = nullptr;
    QLabel *m_note = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
    QString m_connectedName;
};

} // namespace vigil
