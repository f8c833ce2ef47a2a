// SPDX-License-Identifier: MIT
#include "settingsdialog.h"

#include <QCheckBox>
#include <QColor>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleValidator>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QIntValidator>
#include <QLabel>
#include <QLineEdit>
#include <QPalette>
#include <QPushButton>
#include <QVBoxLayout>

namespace vigil {

namespace {
/// validate() and the field checks speak in lower-case clauses; the label shows a sentence.
QString sentence(QString text)
{
    if (text.isEmpty())
        return text;
    text[0] = text.at(0).toUpper();
    if (!text.endsWith(u'.'))
        text.append(u'.');
    return text;
}
} // namespace

SettingsDialog::SettingsDialog(Settings *settings, QWidget *parent)
    : QDialog(parent)
    , m_settings(settings)
{
    setWindowTitle(tr("Vigil Settings"));
    // Digits exactly as the user's locale writes them, but without group separators: "1,000" in a seconds field
    // reads as one thousand in one locale and one in another.
    m_locale.setNumberOptions(m_locale.numberOptions() | QLocale::OmitGroupSeparator);
    const GuardPolicy defaults;

    m_interval = addNumberField(QStringLiteral("intervalEdit"), tr("the sample interval"), tr("s"),
        Settings::kIntervalRange, 3,
        tr("How often the guard takes a sample, in seconds. It must be a whole multiple of the collector tick. "
           "Default %1 s.")
            .arg(number(defaults.intervalSeconds)));
    m_baseline
        = addNumberField(QStringLiteral("baselineEdit"), tr("the baseline"), tr("s"), Settings::kBaselineRange, 3,
            tr("How far back before an action the baseline reaches, in seconds: the samples the window is compared "
               "with. At least one sample interval. Default %1 s.")
                .arg(number(defaults.baselineSeconds)));
    m_window
        = addNumberField(QStringLiteral("windowEdit"), tr("the observation window"), tr("s"), Settings::kWindowRange, 3,
            tr("How long an action is watched after it finished before it is kept, in seconds. At least one sample "
               "interval. Default %1 s.")
                .arg(number(defaults.windowSeconds)));
    m_latency = addNumberField(QStringLiteral("latencyEdit"), tr("the latency threshold"), tr("%"),
        Settings::kLatencyPctRange, 2,
        tr("A sample is degraded when p95 latency is worse than the baseline by more than this many percent "
           "(%1 to %2). Default %3 %.")
            .arg(number(Settings::kLatencyPctRange.min), number(Settings::kLatencyPctRange.max),
                number(defaults.latencyPct)));
    m_throughput = addNumberField(QStringLiteral("throughputEdit"), tr("the throughput threshold"), tr("%"),
        Settings::kThroughputPctRange, 2,
        tr("A sample is degraded when throughput is below the baseline by more than this many percent (%1 to %2). "
           "Default %3 %.")
            .arg(number(Settings::kThroughputPctRange.min), number(Settings::kThroughputPctRange.max),
                number(defaults.throughputPct)));
    m_consecutive = addNumberField(QStringLiteral("consecutiveEdit"), tr("consecutive samples"), tr("samples"),
        Settings::kConsecutiveRange, 0,
        tr("How many degraded samples in a row roll an action back. They must fit in the observation window. "
           "Default %1.")
            .arg(defaults.consecutive));
    m_rateLimit = addNumberField(QStringLiteral("rateLimitEdit"), tr("the rate limit"), tr("actions per hour"),
        Settings::kRateLimitRange, 0,
        tr("At most this many actions per hour on one target (%1 to %2). Default %3.")
            .arg(number(Settings::kRateLimitRange.min), number(Settings::kRateLimitRange.max))
            .arg(Settings::kDefaultRateLimitPerHour));
    m_cooldown
        = addNumberField(QStringLiteral("cooldownEdit"), tr("the cool-down"), tr("min"), Settings::kCooldownRange, 0,
            tr("After a rollback, no new action on that target for this many minutes (%1 to %2). Default %3 min.")
                .arg(number(Settings::kCooldownRange.min), number(Settings::kCooldownRange.max))
                .arg(Settings::kDefaultCooldownMinutes));
    m_tick = addNumberField(QStringLiteral("tickEdit"), tr("the collector tick"), tr("s"), Settings::kTickRange, 3,
        tr("How often the collector reads the server's counters, in seconds (%1 to %2). The guard's sample "
           "interval is a whole multiple of it. Default %3 s.")
            .arg(number(Settings::kTickRange.min), number(Settings::kTickRange.max),
                number(Settings::kDefaultTickSeconds)));

    m_mode = new QComboBox;
    m_mode->setObjectName(QStringLiteral("modeCombo"));
    m_mode->addItem(tr("Observe"), int(Settings::Mode::Observe));
    m_mode->addItem(tr("Approve"), int(Settings::Mode::Approve));
    m_mode->addItem(tr("Autonomous"), int(Settings::Mode::Autonomous));
    // The toolbar's words for the same three modes.
    m_mode->setToolTip(tr("Observe: watch and recommend, never act. Approve: a person confirms each action before "
                          "it runs. Autonomous: actions run on their own, within the rate limit."));

    m_askBeforeRollback = new QCheckBox(tr("&Ask before rolling back"));
    m_askBeforeRollback->setObjectName(QStringLiteral("askBeforeRollbackCheck"));
    m_askBeforeRollback->setToolTip(
        tr("In approve mode, ask before rolling back an action that made the database slower. Off by default: "
           "the rollback is automatic, because while it waits for a person the harm stays in place."));

    m_rollbackUnverified = new QCheckBox(tr("Roll back &unverified actions"));
    m_rollbackUnverified->setObjectName(QStringLiteral("rollbackUnverifiedCheck"));
    m_rollbackUnverified->setToolTip(
        tr("When the observation window (extended twice) saw too little traffic to judge, or only outside load, "
           "roll the action back. Off by default: the action is kept and marked unverified, with the reason, "
           "because a rollback for lack of traffic would undo every change on a quiet database."));

    auto *guardGroup = new QGroupBox(tr("Guard"));
    auto *guardForm = new QFormLayout(guardGroup);
    addFieldRow(guardForm, tr("Sample &interval:"), m_interval, tr("s"));
    addFieldRow(guardForm, tr("&Baseline:"), m_baseline, tr("s"));
    addFieldRow(guardForm, tr("Observation &window:"), m_window, tr("s"));
    addFieldRow(guardForm, tr("&Latency threshold (p95 worse by):"), m_latency, tr("%"));
    addFieldRow(guardForm, tr("&Throughput threshold (lower by):"), m_throughput, tr("%"));
    addFieldRow(guardForm, tr("&Consecutive degraded samples:"), m_consecutive, QString());
    guardForm->addRow(QString(), m_rollbackUnverified);

    auto *actionsGroup = new QGroupBox(tr("Actions"));
    auto *actionsForm = new QFormLayout(actionsGroup);
    actionsForm->addRow(tr("&Mode:"), m_mode);
    addFieldRow(actionsForm, tr("&Rate limit:"), m_rateLimit, tr("actions per hour per target"));
    addFieldRow(actionsForm, tr("C&ool-down after a rollback:"), m_cooldown, tr("min"));
    actionsForm->addRow(QString(), m_askBeforeRollback);

    auto *collectorGroup = new QGroupBox(tr("Collector"));
    auto *collectorForm = new QFormLayout(collectorGroup);
    addFieldRow(collectorForm, tr("Tic&k:"), m_tick, tr("s"));
    m_storageProbeDir = new QLineEdit(m_settings->storageProbeDirectory());
    m_storageProbeDir->setObjectName(QStringLiteral("storageProbeDirEdit"));
    m_storageProbeDir->setPlaceholderText(tr("empty: no probe"));
    m_storageProbeDir->setAccessibleName(tr("Storage probe directory"));
    m_storageProbeDir->setToolTip(
        tr("For a server on this machine: a directory on the file system of its data directory, where Vigil writes "
           "and flushes 8 kB ten times a second. A stalled disk then reads as outside load, not as the action's "
           "harm. Empty (the default): no probe. Used from the next connection; for a server on another machine, "
           "or a directory on another file system than the data directory, the status bar says why it is not. The "
           "sandbox (vigil --sandbox) always probes beside its own data directory."));
    auto *browse = new QPushButton(tr("Brows&e…"));
    browse->setObjectName(QStringLiteral("storageProbeBrowseButton"));
    browse->setToolTip(tr("Choose the storage probe's directory."));
    connect(browse, &QPushButton::clicked, this, &SettingsDialog::onBrowseStorageProbe);
    auto *probeRow = new QWidget;
    auto *probeLayout = new QHBoxLayout(probeRow);
    probeLayout->setContentsMargins(0, 0, 0, 0);
    probeLayout->addWidget(m_storageProbeDir, 1);
    probeLayout->addWidget(browse);
    auto *probeLabel = new QLabel(tr("&Storage probe directory:"));
    probeLabel->setBuddy(m_storageProbeDir); // its shortcut lands in the field, not in the row around it
    collectorForm->addRow(probeLabel, probeRow);

    auto *eventsGroup = new QGroupBox(tr("Events"));
    auto *eventsForm = new QFormLayout(eventsGroup);
    m_natsUrl = new QLineEdit(m_settings->natsUrl());
    m_natsUrl->setObjectName(QStringLiteral("natsUrlEdit"));
    m_natsUrl->setPlaceholderText(tr("nats://host:4222 — empty: off"));
    m_natsUrl->setToolTip(tr("Publish this Vigil's events to NATS and show the whole fleet (every Vigil publishing "
                             "there) on the Fleet page. A password in the URL is not saved."));
    eventsForm->addRow(tr("&NATS URL:"), m_natsUrl);

    m_summary = new QLabel;
    m_summary->setObjectName(QStringLiteral("policySummary"));
    m_summary->setWordWrap(true);

    m_error = new QLabel;
    m_error->setObjectName(QStringLiteral("errorLabel"));
    m_error->setWordWrap(true);
    QPalette errorPalette = m_error->palette();
    errorPalette.setColor(QPalette::WindowText, QColor(0xc0, 0x1c, 0x28));
    m_error->setPalette(errorPalette);
    m_error->hide();

    auto *buttons
        = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::RestoreDefaults);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    m_ok->setObjectName(QStringLiteral("okButton"));
    buttons->button(QDialogButtonBox::Cancel)->setObjectName(QStringLiteral("cancelButton"));
    QPushButton *restore = buttons->button(QDialogButtonBox::RestoreDefaults);
    restore->setObjectName(QStringLiteral("restoreDefaultsButton"));
    restore->setToolTip(tr("Fill the guard, action and tick fields with Vigil's defaults (the storage probe's "
                           "directory and the NATS URL stay). Nothing is saved until OK."));
    connect(buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);
    connect(restore, &QPushButton::clicked, this, &SettingsDialog::onRestoreDefaults);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(guardGroup);
    layout->addWidget(actionsGroup);
    layout->addWidget(collectorGroup);
    layout->addWidget(eventsGroup);
    layout->addWidget(m_summary);
    layout->addWidget(m_error);
    layout->addStretch();
    layout->addWidget(buttons);

    for (const NumberField &field : std::as_const(m_fields))
        connect(field.edit, &QLineEdit::textChanged, this, &SettingsDialog::onEdited);
    connect(m_mode, &QComboBox::currentIndexChanged, this, &SettingsDialog::onEdited);
    connect(m_rollbackUnverified, &QCheckBox::toggled, this, &SettingsDialog::onEdited);
    connect(m_natsUrl, &QLineEdit::textChanged, this, &SettingsDialog::onEdited);
    connect(m_storageProbeDir, &QLineEdit::textChanged, this, &SettingsDialog::onEdited);

    fill(m_settings->guardPolicy(), m_settings->collectorTickSeconds(), m_settings->mode(),
        m_settings->rateLimitPerHour(), m_settings->cooldownMinutes(), m_settings->askBeforeRollback());
}

QLineEdit *SettingsDialog::addNumberField(const QString &objectName, const QString &name, const QString &unit,
    Settings::Range range, int decimals, const QString &toolTip)
{
    auto *edit = new QLineEdit;
    edit->setObjectName(objectName);
    // Room for the longest value a field takes, not the dialog's width: the unit then sits next to the number.
    edit->setMaximumWidth(edit->fontMetrics().horizontalAdvance(QStringLiteral("0000000000")) + 12);
    edit->setToolTip(toolTip);
    // Its row's label names the row (the field and its unit), not the field: a screen reader reads this.
    QString spoken = name.startsWith(QLatin1StringView("the ")) ? name.mid(4) : name;
    if (!spoken.isEmpty())
        spoken[0] = spoken[0].toUpper();
    edit->setAccessibleName(unit.isEmpty() ? spoken : QStringLiteral("%1 (%2)").arg(spoken, unit));
    // The validator keeps out letters, excess decimals and absurd lengths, but its bounds are wider than the range
    // (mirrored below zero, ten times above): a key that silently does nothing teaches nothing, while the error
    // label can say why a negative value, or 100 % where 99 is the most, is wrong.
    const double bound = range.max * 10;
    if (decimals == 0) {
        auto *validator = new QIntValidator(int(-bound), int(bound), edit);
        validator->setLocale(m_locale);
        edit->setValidator(validator);
    } else {
        auto *validator = new QDoubleValidator(-bound, bound, decimals, edit);
        validator->setNotation(QDoubleValidator::StandardNotation);
        validator->setLocale(m_locale);
        edit->setValidator(validator);
    }
    m_fields.append({ edit, name, unit, range, decimals == 0 });
    return edit;
}

void SettingsDialog::addFieldRow(QFormLayout *form, const QString &label, QLineEdit *edit, const QString &unit)
{
    // The label's shortcut must land in the field: QFormLayout would make the row around it (which takes no focus)
    // the label's buddy, and the shortcut would do nothing.
    auto *name = new QLabel(label);
    name->setBuddy(edit);
    form->addRow(name, withUnit(edit, unit));
}

QWidget *SettingsDialog::withUnit(QLineEdit *edit, const QString &unit)
{
    auto *row = new QWidget;
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit);
    if (!unit.isEmpty()) {
        auto *label = new QLabel(unit);
        label->setToolTip(edit->toolTip());
        layout->addWidget(label);
    }
    layout->addStretch();
    return row;
}

QString SettingsDialog::number(double value) const
{
    return m_locale.toString(value, 'g', QLocale::FloatingPointShortest);
}

void SettingsDialog::fill(const GuardPolicy &policy, double tickSeconds, Settings::Mode mode, int rateLimitPerHour,
    int cooldownMinutes, bool askBeforeRollback)
{
    m_interval->setText(number(policy.intervalSeconds));
    m_baseline->setText(number(policy.baselineSeconds));
    m_window->setText(number(policy.windowSeconds));
    m_latency->setText(number(policy.latencyPct));
    m_throughput->setText(number(policy.throughputPct));
    m_consecutive->setText(m_locale.toString(policy.consecutive));
    m_rateLimit->setText(m_locale.toString(rateLimitPerHour));
    m_cooldown->setText(m_locale.toString(cooldownMinutes));
    m_tick->setText(number(tickSeconds));
    m_mode->setCurrentIndex(m_mode->findData(int(mode)));
    m_askBeforeRollback->setChecked(askBeforeRollback);
    m_rollbackUnverified->setChecked(policy.rollbackWhenUnverified);
    onEdited();
}

SettingsDialog::Values SettingsDialog::read(QString *problem) const
{
    problem->clear();
    for (const NumberField &field : m_fields) {
        const QString text = field.edit->text().trimmed();
        QString range = QStringLiteral("%1 to %2").arg(number(field.range.min), number(field.range.max));
        if (!field.unit.isEmpty())
            range += u' ' + field.unit;
        bool ok = false;
        const double value = field.integer ? double(m_locale.toInt(text, &ok)) : m_locale.toDouble(text, &ok);
        if (text.isEmpty())
            *problem = tr("%1 is empty: enter %2").arg(field.name, range);
        else if (!ok)
            *problem = tr("%1 \u201c%2\u201d is not a number").arg(field.name, text);
        else if (value < 0 && field.range.min >= 0)
            *problem = tr("%1 cannot be negative: enter %2").arg(field.name, range);
        else if (!field.range.contains(value))
            *problem = tr("%1 must be %2 (not %3)").arg(field.name, range, text);
        if (!problem->isEmpty()) {
            *problem = sentence(*problem);
            return {};
        }
    }

    Values values;
    values.policy = m_settings->guardPolicy();
    values.policy.intervalSeconds = m_locale.toDouble(m_interval->text());
    values.policy.baselineSeconds = m_locale.toDouble(m_baseline->text());
    values.policy.windowSeconds = m_locale.toDouble(m_window->text());
    values.policy.latencyPct = m_locale.toDouble(m_latency->text());
    values.policy.throughputPct = m_locale.toDouble(m_throughput->text());
    values.policy.consecutive = m_locale.toInt(m_consecutive->text());
    values.policy.rollbackWhenUnverified = m_rollbackUnverified->isChecked();
    values.rateLimitPerHour = m_locale.toInt(m_rateLimit->text());
    values.cooldownMinutes = m_locale.toInt(m_cooldown->text());
    values.tickSeconds = m_locale.toDouble(m_tick->text());
    // One place decides how the guard values fit together: the policy the engine itself checks before using it.
    *problem = sentence(values.policy.validate(values.tickSeconds));
    if (problem->isEmpty() && !Settings::isAcceptableNatsUrl(m_natsUrl->text()))
        *problem = tr("The NATS URL must look like nats://host:4222 (or tls://, ws://, wss://), or be empty.");
    if (problem->isEmpty())
        *problem = storageProbeProblem(m_storageProbeDir->text());
    return values;
}

QString SettingsDialog::storageProbeProblem(const QString &text)
{
    const QString directory = text.trimmed();
    if (directory.isEmpty())
        return {};
    if (!Settings::isAcceptableStorageProbeDirectory(directory))
        return tr("The storage probe directory must be an absolute path (such as /var/lib/vigil), or be empty.");
    // Checked as it is chosen; the engine checks again at each connection (the file system, the server's place).
    const QFileInfo info(directory);
    if (!info.exists())
        return tr("The storage probe directory %1 does not exist: create it on the file system of the server's data "
                  "directory, or leave the field empty.")
            .arg(directory);
    if (!info.isDir())
        return tr("The storage probe directory %1 is a file: choose a directory, or leave the field empty.")
            .arg(directory);
    if (!info.isWritable())
        return tr("Vigil cannot write in the storage probe directory %1: give this user write access to it, choose "
                  "another, or leave the field empty.")
            .arg(directory);
    return {};
}

void SettingsDialog::onBrowseStorageProbe()
{
    const QString current = m_storageProbeDir->text().trimmed();
    const QString chosen = QFileDialog::getExistingDirectory(
        this, tr("Storage probe directory"), current.isEmpty() ? QDir::homePath() : current);
    if (!chosen.isEmpty())
        m_storageProbeDir->setText(chosen);
}

void SettingsDialog::onEdited()
{
    const Values values = read(&m_problem);
    m_error->setText(m_problem);
    m_error->setVisible(!m_problem.isEmpty());
    m_ok->setEnabled(m_problem.isEmpty());
    if (m_problem.isEmpty()) {
        const GuardPolicy &p = values.policy;
        m_summary->setText(tr("The baseline holds %1 samples and the window %2; %3 degraded samples in a row "
                              "(%4 s) roll an action back.")
                               .arg(p.baselineSamples())
                               .arg(p.windowSamples())
                               .arg(p.consecutive)
                               .arg(number(p.consecutive * p.intervalSeconds)));
    } else {
        m_summary->clear();
    }
    // Asking first is a choice of approve mode only; elsewhere the checkbox stays as set but says it does not apply.
    m_askBeforeRollback->setEnabled(Settings::Mode(m_mode->currentData().toInt()) == Settings::Mode::Approve);
}

void SettingsDialog::onRestoreDefaults()
{
    fill(GuardPolicy(), Settings::kDefaultTickSeconds, Settings::kDefaultMode, Settings::kDefaultRateLimitPerHour,
        Settings::kDefaultCooldownMinutes, Settings::kDefaultAskBeforeRollback);
}

void SettingsDialog::accept()
{
    // OK is disabled while something is wrong, but Enter in a field can still get here.
    QString problem;
    const Values values = read(&problem);
    if (!problem.isEmpty())
        return;
    QString error;
    if (!m_settings->setGuardPolicy(values.policy, values.tickSeconds, &error)) {
        m_problem = sentence(error);
        m_error->setText(m_problem);
        m_error->show();
        return;
    }
    m_settings->setMode(Settings::Mode(m_mode->currentData().toInt()));
    m_settings->setRateLimitPerHour(values.rateLimitPerHour);
    m_settings->setCooldownMinutes(values.cooldownMinutes);
    m_settings->setAskBeforeRollback(m_askBeforeRollback->isChecked());
    m_settings->setNatsUrl(m_natsUrl->text());
    m_settings->setStorageProbeDirectory(m_storageProbeDir->text());
    QDialog::accept();
}

} // namespace vigil
