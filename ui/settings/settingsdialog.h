// SPDX-License-Identifier: MIT
#pragma once

#include "settings.h"

#include <QDialog>
#include <QList>
#include <QLocale>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;

namespace vigil {

/**
 * Edits Settings: the guard (interval, baseline, window, thresholds, consecutive samples), what Vigil may do
 * (mode, rate limit, cool-down, ask before rolling back), the collector (its tick, the storage probe's directory)
 * and the NATS URL.
 *
 * Every keystroke is checked: the label "errorLabel" says in words what is wrong, one field at a time and then how
 * the guard values fit together (GuardPolicy::validate()), and OK stays disabled until nothing is. OK writes every
 * value to Settings at once, so the engine receives one Settings::policyChanged() and applies it without a restart.
 * "Restore defaults" refills the guard, action and tick fields with the defaults (where to reach NATS and where the
 * probe writes are choices of place, not tuning, and stay); nothing is written before OK.
 *
 * Child object names, for tests and accessibility tools: intervalEdit, baselineEdit, windowEdit, latencyEdit,
 * throughputEdit, consecutiveEdit, modeCombo, rateLimitEdit, cooldownEdit, askBeforeRollbackCheck, tickEdit,
 * storageProbeDirEdit, storageProbeBrowseButton, natsUrlEdit, policySummary, errorLabel, okButton, cancelButton,
 * restoreDefaultsButton.
 */
class SettingsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit SettingsDialog(Settings *settings, QWidget *parent = nullptr);

    /// Empty when the fields can be saved; otherwise the first thing wrong, as errorLabel shows it.
    QString problem() const { return m_problem; }

    void accept() override;

private:
    /// A number typed into a QLineEdit, with what the error messages call it.
    struct NumberField
    {
        QLineEdit *edit = nullptr;
        QString name; ///< "the sample interval"
        QString unit; ///< "s", "%", ... (empty for a count)
        Settings::Range range;
        bool integer = false;
    };
    struct Values
    {
        GuardPolicy policy;
        double tickSeconds = Settings::kDefaultTickSeconds;
        int rateLimitPerHour = Settings::kDefaultRateLimitPerHour;
        int cooldownMinutes = Settings::kDefaultCooldownMinutes;
    };

    QLineEdit *addNumberField(const QString &objectName, const QString &name, const QString &unit,
        Settings::Range range, int decimals, const QString &toolTip);
    /// A row of form: label (its shortcut focuses edit) and edit with its unit beside it.
    void addFieldRow(QFormLayout *form, const QString &label, QLineEdit *edit, const QString &unit);
    QWidget *withUnit(QLineEdit *edit, const QString &unit);
    QString number(double value) const;
    void fill(const GuardPolicy &policy, double tickSeconds, Settings::Mode mode, int rateLimitPerHour,
        int cooldownMinutes, bool askBeforeRollback);
    /// Reads every field; the first problem goes to problem (empty when there is none).
    Values read(QString *problem) const;
    /// Empty when directory can take the storage probe's file, or is empty (no probe); otherwise what is wrong.
    static QString storageProbeProblem(const QString &directory);
    void onEdited();
    void onRestoreDefaults();
    void onBrowseStorageProbe();

    Settings *m_settings;
    QLocale m_locale;
    QList<NumberField> m_fields;
    QLineEdit *m_interval = nullptr;
    QLineEdit *m_baseline = nullptr;
    QLineEdit *m_window = nullptr;
    QLineEdit *m_latency = nullptr;
    QLineEdit *m_throughput = nullptr;
    QLineEdit *m_consecutive = nullptr;
    QComboBox *m_mode = nullptr;
    QLineEdit *m_rateLimit = nullptr;
    QLineEdit *m_cooldown = nullptr;
    QCheckBox *m_rollbackUnverified = nullptr;
    QCheckBox *m_askBeforeRollback = nullptr;
    QLineEdit *m_tick = nullptr;
    QLineEdit *m_storageProbeDir = nullptr;
    QLineEdit *m_natsUrl = nullptr;
    QLabel *m_summary = nullptr;
    QLabel *m_error = nullptr;
    QPushButton *m_ok = nullptr;
    QString m_problem;
};

} // namespace vigil
