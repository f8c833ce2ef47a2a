// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QProcess>
#include <QString>
#include <QVariantMap>

namespace vigil::testing {

/// A D-Bus session bus of the test's own (dbus-daemon in the foreground): the machine's session bus is never touched.
class PrivateSessionBus
{
public:
    ~PrivateSessionBus();
    bool start(QString *error);
    QString address() const { return m_address; }

private:
    QProcess m_daemon;
    QString m_address;
};

/// A stand-in for the desktop's freedesktop Notifications service: remembers what it was sent.
class FakeNotifications : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.freedesktop.Notifications")
public:
    struct Received
    {
        QString app, icon, summary, body;
        QStringList actions; ///< key, label, key, label...
        QVariantMap hints;
    };
    QList<Received> received;

    ~FakeNotifications() override;
    /// Registers the service on the bus at `address`, on a connection of its own.
    bool attach(const QString &address);
    /// What the desktop does when the user clicks notification `index` (0-based, in the order received): emits
    /// ActionInvoked(id, key) on the bus.
    bool click(int index, const QString &key = QStringLiteral("default"));

public slots:
    uint Notify(const QString &app, uint replacesId, const QString &icon, const QString &summary, const QString &body,
        const QStringList &actions, const QVariantMap &hints, int timeout);

private:
    QString m_connection;
};

} // namespace vigil::testing
