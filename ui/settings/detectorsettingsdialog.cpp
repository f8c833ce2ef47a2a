// SPDX-License-Identifier: MIT
#include "detectorsettingsdialog.h"

#include "settings.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

namespace vigil {

DetectorSettingsDialog::DetectorSettingsDialog(Settings *settings, QWidget *parent)
    : QDialog(parent)
    , m_settings(settings)
{
    setWindowTitle(tr("Detector thresholds"));
    m_locale.setNumberOptions(m_locale.numberOptions() | QLocale::OmitGroupSeparator);
    const AnalyserThresholds defaults;

    auto *form = new QFormLayout;
    m_memory = new QLineEdit;
    m_memory->setObjectName(QStringLiteral("rollbackMemoryEdit"));
    m_memory->setToolTip(tr("An action rolled back on a target is not proposed again there for this many hours "
                            "(%1 to %2). Default %3 h.")
                             .arg(Settings::kRollbackMemoryRange.min)
                             .arg(Settings::kRollbackMemoryRange.max)
                             .arg(Settings::kDefaultRollbackMemoryHours));
    form->addRow(tr("Remember rollbacks for (hours):"), m_memory);
    for (int i = 0; i < kThresholdFieldCount; ++i) {
        const ThresholdField &f = kThresholdFields[i];
        auto *edit = new QLineEdit;
        const QString name = QLatin1StringView(f.name);
        edit->setObjectName(name);
        // No validator: one that refuses "-" turns a typed "-1" into "1" without a word. Every field is checked as
        // it is edited instead, and what is wrong is said in red under the form.
        QString description = QString::fromUtf8(f.description);
        edit->setToolTip(tr("%1: %2 (%3 to %4). Default %5.")
                             .arg(name, description, m_locale.toString(f.min), m_locale.toString(f.max),
                                 m_locale.toString(defaults.*f.member)));
        description[0] = description[0].toUpper();
        auto *label = new QLabel(description + u':');
        label->setToolTip(edit->toolTip());
        label->setBuddy(edit);
        form->addRow(label, edit);
        m_fields.push_back(edit);
        connect(edit, &QLineEdit::textEdited, this, &DetectorSettingsDialog::check);
    }
    auto *inner = new QWidget;
    inner->setLayout(form);
    auto *scroll = new QScrollArea;
    scroll->setWidget(inner);
    scroll->setWidgetResizable(true);

    connect(m_memory, &QLineEdit::textEdited, this, &DetectorSettingsDialog::check);
    m_error = new QLabel;
    m_error->setObjectName(QStringLiteral("errorLabel"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_error->hide();

    auto *buttons
        = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::RestoreDefaults);
    connect(buttons, &QDialogButtonBox::accepted, this, &DetectorSettingsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    m_ok->setDefault(true);
    QPushButton *restore = buttons->button(QDialogButtonBox::RestoreDefaults);
    // Enter means OK, even right after Restore Defaults (a focused push button would otherwise take it, again).
    restore->setAutoDefault(false);
    connect(restore, &QPushButton::clicked, this, [this] {
        fill(AnalyserThresholds(), Settings::kDefaultRollbackMemoryHours);
        m_ok->setFocus();
    });

    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("What the detectors count as a problem (docs/analyse.md). Changes apply from the next "
                                "analysis."));
    intro->setWordWrap(true);
    layout->addWidget(intro);
    layout->addWidget(scroll, 1);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    resize(560, 640);
    fill(settings->analyserThresholds(), settings->rollbackMemoryHours());
}

void DetectorSettingsDialog::fill(const AnalyserThresholds &thresholds, int memoryHours)
{
    for (int i = 0; i < kThresholdFieldCount; ++i)
        m_fields[std::size_t(i)]->setText(m_locale.toString(thresholds.*kThresholdFields[i].member, 'g', 10));
    m_memory->setText(m_locale.toString(memoryHours));
    check();
}

QLineEdit *DetectorSettingsDialog::field(const QString &name) const
{
    for (int i = 0; i < kThresholdFieldCount; ++i)
        if (name == QLatin1StringView(kThresholdFields[i].name))
            return m_fields[std::size_t(i)];
    return nullptr;
}

QString DetectorSettingsDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

QString DetectorSettingsDialog::problem(AnalyserThresholds *thresholds, int *memory) const
{
    QString problem;
    for (int i = 0; i < kThresholdFieldCount && problem.isEmpty(); ++i) {
        const ThresholdField &f = kThresholdFields[i];
        bool ok = false;
        const double value = m_locale.toDouble(m_fields[std::size_t(i)]->text().trimmed(), &ok);
        if (!ok || !setThreshold(*thresholds, QLatin1StringView(f.name), value, &problem))
            problem = tr("\"%1\" (%2) must be a number from %3 to %4")
                          .arg(QString::fromUtf8(f.description), QLatin1StringView(f.name), m_locale.toString(f.min),
                              m_locale.toString(f.max));
    }
    bool memoryOk = false;
    *memory = m_locale.toInt(m_memory->text().trimmed(), &memoryOk);
    if (problem.isEmpty() && (!memoryOk || !Settings::kRollbackMemoryRange.contains(*memory)))
        problem = tr("the rollback memory must be a whole number of hours from %1 to %2")
                      .arg(Settings::kRollbackMemoryRange.min)
                      .arg(Settings::kRollbackMemoryRange.max);
    return problem;
}

void DetectorSettingsDialog::check()
{
    AnalyserThresholds thresholds;
    int memory = 0;
    const QString wrong = problem(&thresholds, &memory);
    m_error->setText(wrong.isEmpty() ? QString() : tr("Not saved: %1.").arg(wrong));
    m_error->setVisible(!wrong.isEmpty());
    m_ok->setEnabled(wrong.isEmpty());
}

void DetectorSettingsDialog::accept()
{
    AnalyserThresholds thresholds;
    int memory = 0;
    QString problem = this->problem(&thresholds, &memory);
    if (problem.isEmpty())
        m_settings->setAnalyserThresholds(thresholds, &problem); // validates the same ranges again
    if (!problem.isEmpty()) {
        m_error->setText(tr("Not saved: %1.").arg(problem));
        m_error->show();
        return;
    }
    m_settings->setRollbackMemoryHours(memory);
    QDialog::accept();
}

} // namespace vigil
