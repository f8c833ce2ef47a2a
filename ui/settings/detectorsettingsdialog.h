// SPDX-License-Identifier: MIT
#pragma once

#include "analyse/analysisinput.h"

#include <QDialog>
#include <QLocale>

#include <vector>

class QLabel;
class QLineEdit;
class QPushButton;

namespace vigil {

class Settings;

/**
 * Edits the detectors' thresholds (one field per entry of kThresholdFields, each with its range and meaning as a
 * tooltip) and how long a rollback is remembered. Accepting validates every field and writes them to Settings;
 * an invalid one keeps the dialog open and says which and why.
 */
class DetectorSettingsDialog : public QDialog
{
    Q_OBJECT

public:
    explicit DetectorSettingsDialog(Settings *settings, QWidget *parent = nullptr);

    void accept() override;
    /// The field of one threshold (by its name in docs/analyse.md), for tests.
    QLineEdit *field(const QString &name) const;
    QLineEdit *memoryField() const { return m_memory; }
    QString errorText() const;

private:
    void fill(const AnalyserThresholds &thresholds, int memoryHours);
    /// What is wrong with the fields as typed (empty when nothing is), with the values read into the arguments.
    QString problem(AnalyserThresholds *thresholds, int *memory) const;
    /// Says what is wrong as the DBA types, and enables OK only when nothing is.
    void check();

    Settings *m_settings;
    QLocale m_locale;
    std::vector<QLineEdit *> m_fields; ///< in the order of kThresholdFields
    QLineEdit *m_memory;
    QLabel *m_error;
    QPushButton *m_ok = nullptr;
};

} // namespace vigil
