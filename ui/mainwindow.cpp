// SPDX-License-Identifier: MIT
#include "mainwindow.h"

#include "historyformat.h"

#include "actionhistorymodel.h"
#include "approvalspage.h"
#include "connectdialog.h"
#include "dashboardpage.h"
#include "detectorsettingsdialog.h"
#include "enginerunner.h"
#include "findingsmodel.h"
#include "findingspage.h"
#include "fleetmodel.h"
#include "fleetpage.h"
#include "guardedchangedialog.h"
#include "historypage.h"
#include "sessionsmodel.h"
#include "sessionspage.h"
#include "settings.h"
#include "settingsdialog.h"
#include "statementsmodel.h"
#include "statementspage.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QFrame>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QSystemTrayIcon>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>

namespace vigil {

namespace {
/// The verdict's numbers without the samples and statements behind them: "p95 latency ×1,580 (0.0522 ms -> 82.6
/// ms), throughput -87.0% (…)". The whole reason is one click away (the banner's Details).
QString headlineOf(const QString &reason)
{
    qsizetype end = reason.indexOf(QLatin1StringView(" vs baseline"));
    if (end < 0)
        end = reason.indexOf(QLatin1StringView("; "));
    return shortSql(end < 0 ? reason : reason.left(end), 180);
}
} // namespace

MainWindow::MainWindow(Settings *settings, QWidget *parent)
    : QMainWindow(parent)
    , m_settings(settings)
{
    setWindowTitle(QStringLiteral("Vigil"));
    setObjectName(QStringLiteral("mainWindow"));
    connect(&m_notifier, &DesktopNotifier::actionActivated, this, &MainWindow::openAction);
    resize(1280, 820);

    // Toolbar: what Vigil may do, and the DBA's own guarded change.
    QToolBar *bar = addToolBar(tr("Actions"));
    bar->setObjectName(QStringLiteral("actionsToolBar"));
    bar->setMovable(false);
    bar->addWidget(new QLabel(tr(" Mode: "), bar));
    m_modes = new QActionGroup(this);
    const std::pair<QString, QString> modes[] = {
        { QStringLiteral("observe"), tr("Observe: watch and report, never act") },
        { QStringLiteral("approve"), tr("Approve: a person confirms each action before it runs") },
        { QStringLiteral("autonomous"), tr("Autonomous: act within the rate limits, roll back on its own") },
    };
    for (const auto &[name, tip] : modes) {
        QAction *a = bar->addAction(name.left(1).toUpper() + name.mid(1));
        a->setObjectName(QStringLiteral("mode_") + name);
        a->setCheckable(true);
        a->setToolTip(tip);
        a->setData(name);
        m_modes->addAction(a);
    }
    connect(m_modes, &QActionGroup::triggered, this, [this](QAction *a) {
        if (const std::optional<Mode> mode = modeFromName(a->data().toString()))
            setMode(*mode);
    });
    bar->addSeparator();
    m_pause = bar->addAction(style()->standardIcon(QStyle::SP_MediaPause), tr("Pause actions"));
    m_pause->setObjectName(QStringLiteral("pauseActions"));
    m_pause->setCheckable(true);
    m_pause->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    m_pause->setToolTip(tr("Stop starting any action on this target (Ctrl+P)"));
    connect(m_pause, &QAction::toggled, this, [this](bool paused) {
        if (m_runner)
            m_runner->setPaused(paused);
        m_pause->setText(paused ? tr("Resume actions") : tr("Pause actions"));
    });
    m_guardedChange = bar->addAction(style()->standardIcon(QStyle::SP_FileDialogNewFolder), tr("Guarded change…"));
    m_guardedChange->setObjectName(QStringLiteral("guardedChange"));
    m_guardedChange->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_G));
    m_guardedChange->setToolTip(tr("Apply a statement under watch: rolled back on its own if it slows the database "
                                   "(Ctrl+G)"));
    m_guardedChange->setEnabled(false);
    connect(m_guardedChange, &QAction::triggered, this, &MainWindow::onGuardedChange);

    // A banner for what the DBA must not miss (a rollback), above the pages.
    m_banner = new QFrame(this);
    m_banner->setObjectName(QStringLiteral("banner"));
    m_banner->setStyleSheet(QStringLiteral("QFrame#banner { background: #cc0000; } QLabel { color: white; }"));
    auto *bannerLayout = new QHBoxLayout(m_banner);
    m_bannerText = new QLabel(m_banner);
    m_bannerText->setObjectName(QStringLiteral("bannerHeadline"));
    m_bannerText->setWordWrap(true);
    m_bannerText->setTextFormat(Qt::PlainText);
    // A short headline; the verdict's whole reason (samples, statements) under Details.
    m_bannerDetails = new QLabel(m_banner);
    m_bannerDetails->setObjectName(QStringLiteral("bannerDetails"));
    m_bannerDetails->setWordWrap(true);
    m_bannerDetails->setTextFormat(Qt::PlainText);
    m_bannerDetails->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_bannerDetails->hide();
    auto *bannerTexts = new QVBoxLayout;
    bannerTexts->addWidget(m_bannerText);
    bannerTexts->addWidget(m_bannerDetails);
    bannerLayout->addLayout(bannerTexts, 1);
    m_bannerMore = new QToolButton(m_banner);
    m_bannerMore->setObjectName(QStringLiteral("bannerMore"));
    m_bannerMore->setText(tr("Details"));
    m_bannerMore->setCheckable(true);
    m_bannerMore->setToolTip(tr("The whole verdict: the samples and the statements behind it"));
    connect(m_bannerMore, &QToolButton::toggled, m_bannerDetails, &QWidget::setVisible);
    bannerLayout->addWidget(m_bannerMore);
    // Ask before rolling back (approve mode): the decision is taken here, on the banner that says why.
    m_rollbackNow = new QToolButton(m_banner);
    m_rollbackNow->setObjectName(QStringLiteral("rollbackNow"));
    m_rollbackNow->setText(tr("Roll back now"));
    m_rollbackNow->setToolTip(tr("Take the change back now, as the guard recommends"));
    m_keepIt = new QToolButton(m_banner);
    m_keepIt->setObjectName(QStringLiteral("keepDespiteVerdict"));
    m_keepIt->setText(tr("Keep it"));
    m_keepIt->setToolTip(tr("Keep the change although it made the database slower (journaled with your name)"));
    const QString who = qEnvironmentVariable("USER", QStringLiteral("the desktop user"));
    connect(m_rollbackNow, &QToolButton::clicked, this, [this, who] {
        if (m_runner && m_rollbackDecisionId)
            m_runner->confirmRollback(m_rollbackDecisionId, who);
    });
    connect(m_keepIt, &QToolButton::clicked, this, [this, who] {
        if (m_runner && m_rollbackDecisionId)
            m_runner->keepDespiteVerdict(m_rollbackDecisionId, who);
    });
    bannerLayout->addWidget(m_rollbackNow);
    bannerLayout->addWidget(m_keepIt);
    m_rollbackNow->hide();
    m_keepIt->hide();
    auto *dismiss = new QToolButton(m_banner);
    dismiss->setText(tr("Dismiss"));
    dismiss->setObjectName(QStringLiteral("dismissBanner"));
    connect(dismiss, &QToolButton::clicked, m_banner, &QWidget::hide);
    bannerLayout->addWidget(dismiss);
    m_banner->hide();

    // The hint: the palette's tooltip colours, so it reads as advice on a light or a dark desktop, not as alarm.
    m_hint = new QFrame(this);
    m_hint->setObjectName(QStringLiteral("hint"));
    m_hint->setAutoFillBackground(true);
    m_hint->setBackgroundRole(QPalette::ToolTipBase);
    m_hint->setForegroundRole(QPalette::ToolTipText);
    m_hint->setFrameShape(QFrame::StyledPanel);
    auto *hintLayout = new QHBoxLayout(m_hint);
    m_hintText = new QLabel(m_hint);
    m_hintText->setObjectName(QStringLiteral("hintText"));
    m_hintText->setWordWrap(true);
    m_hintText->setTextFormat(Qt::PlainText);
    m_hintText->setForegroundRole(QPalette::ToolTipText);
    hintLayout->addWidget(m_hintText, 1);
    auto *dismissHint = new QToolButton(m_hint);
    dismissHint->setText(tr("Dismiss"));
    dismissHint->setObjectName(QStringLiteral("dismissHint"));
    connect(dismissHint, &QToolButton::clicked, m_hint, &QWidget::hide);
    hintLayout->addWidget(dismissHint);
    m_hint->hide();

    m_nav = new QListWidget(this);
    m_nav->setObjectName(QStringLiteral("navigation"));
    m_nav->setAccessibleName(tr("Pages"));
    m_nav->setFixedWidth(150);
    m_pages = new QStackedWidget(this);
    connect(m_nav, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);
    m_dashboard = new DashboardPage(this);
    m_findings = new FindingsModel(this);
    m_statements = new StatementsModel(60, this);
    m_sessions = new SessionsModel(this);
    addPage(tr("Dashboard"), m_dashboard, tr("Live charts with the actions marked (Ctrl+1)"));

    auto *central = new QWidget(this);
    auto *centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    centralLayout->addWidget(m_banner);
    centralLayout->addWidget(m_hint);
    auto *body = new QHBoxLayout;
    body->addWidget(m_nav);
    body->addWidget(m_pages, 1);
    centralLayout->addLayout(body, 1);
    setCentralWidget(central);

    QMenu *fileMenu = menuBar()->addMenu(tr("&File"));
    QAction *connectAction = fileMenu->addAction(tr("&Connect…"), this, &MainWindow::onConnect);
    connectAction->setObjectName(QStringLiteral("actionConnect"));
    connectAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_O));
    connectAction->setToolTip(tr("Watch another database: the connection is tried before anything is saved (Ctrl+O)"));
    addAction(connectAction);
    m_reconnect = fileMenu->addAction(tr("&Reconnect"), this, [this] { emit reconnectRequested(); });
    m_reconnect->setObjectName(QStringLiteral("actionReconnect"));
    m_reconnect->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    m_reconnect->setToolTip(tr("Connect to the same database again, with a new engine (Ctrl+Shift+R)"));
    m_reconnect->setEnabled(false);
    addAction(m_reconnect);
    fileMenu->addSeparator();
    fileMenu->addAction(m_guardedChange);
    QAction *settingsAction = fileMenu->addAction(tr("&Settings…"), this, &MainWindow::onSettings);
    settingsAction->setObjectName(QStringLiteral("actionSettings"));
    settingsAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    settingsAction->setToolTip(tr("Sample interval, baseline, window, thresholds, rate limits, storage probe (Ctrl+,)"));
    addAction(settingsAction);
    QAction *detectorsAction = fileMenu->addAction(tr("&Detector thresholds…"), this, [this] {
        DetectorSettingsDialog dialog(m_settings, this);
        dialog.exec(); // accepting writes the settings; the engine takes them from the next analysis
    });
    detectorsAction->setObjectName(QStringLiteral("actionDetectorSettings"));
    detectorsAction->setToolTip(tr("What the detectors count as a problem, and how long a rollback is remembered"));
    QAction *quit = fileMenu->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setObjectName(QStringLiteral("actionQuit"));
    quit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q)); // explicit: StandardKey::Quit is empty on some platforms
    quit->setToolTip(tr("Close Vigil"));
    addAction(quit); // the window owns the shortcut, so it works whether or not the menu bar has focus
    QMenu *helpMenu = menuBar()->addMenu(tr("&Help"));
    helpMenu->addAction(tr("&About Vigil"), this, [this] {
        QMessageBox::about(this, tr("About Vigil"),
            tr("Vigil %1\nWatches a PostgreSQL database, applies tuning actions, and rolls back any action that "
               "made it slower.")
                .arg(QApplication::applicationVersion()));
    });

    m_connectionState = new QLabel(tr("● not connected — File → Connect… (Ctrl+O)"), this);
    m_connectionState->setObjectName(QStringLiteral("connectionState"));
    m_modeLabel = new QLabel(this);
    m_modeLabel->setObjectName(QStringLiteral("modeLabel"));
    m_activity = new QLabel(this);
    m_activity->setObjectName(QStringLiteral("activity"));
    // Long activity text is clipped by the status bar rather than widening the window or running into the NATS
    // label; the whole text is in the tooltip.
    m_activity->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("activityProgress"));
    m_progress->setMaximumWidth(180);
    m_progress->hide();
    statusBar()->addWidget(m_connectionState);
    statusBar()->addWidget(m_modeLabel);
    statusBar()->addWidget(m_activity, 1);
    statusBar()->addPermanentWidget(m_progress);
    m_natsState = new QLabel(this);
    m_natsState->setObjectName(QStringLiteral("natsState"));
    m_natsState->hide();
    statusBar()->addPermanentWidget(m_natsState);
    m_countdown.setInterval(1000);
    connect(&m_countdown, &QTimer::timeout, this, &MainWindow::updateObserving);
    m_baselineCountdown.setInterval(1000);
    connect(&m_baselineCountdown, &QTimer::timeout, this, &MainWindow::updateBaseline);

    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(style()->standardIcon(QStyle::SP_MessageBoxInformation), this);
        m_tray->setToolTip(QStringLiteral("Vigil"));
        m_tray->show();
    }

    restoreGeometry(m_settings->mainWindowGeometry());
    setMode(m_settings->mode());
}

MainWindow::~MainWindow() = default;

void MainWindow::addPage(const QString &name, QWidget *page, const QString &toolTip)
{
    auto *item = new QListWidgetItem(name, m_nav);
    item->setToolTip(toolTip);
    m_pages->addWidget(page);
    const int index = m_pages->count() - 1;
    auto *shortcut = new QAction(this);
    shortcut->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + index)));
    connect(shortcut, &QAction::triggered, this, [this, index] { m_nav->setCurrentRow(index); });
    addAction(shortcut);
    if (m_nav->currentRow() < 0)
        m_nav->setCurrentRow(0);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    m_settings->setMainWindowGeometry(saveGeometry());
    QMainWindow::closeEvent(event);
}

void MainWindow::setMode(Mode mode)
{
    for (QAction *a : m_modes->actions())
        a->setChecked(a->data().toString() == modeName(mode));
    if (mode == m_mode) {
        updateModeLabel();
        return;
    }
    m_mode = mode;
    updateModeLabel();
    m_settings->setMode(mode);
    emit modeChanged(mode);
}

void MainWindow::updateModeLabel()
{
    // The engine checked the role's grants at connect (ui runs no SQL): say when they do not allow this mode.
    const QString name = modeName(m_mode);
    const bool allowed = m_allowedModes.isEmpty() || m_allowedModes.contains(name);
    m_modeLabel->setText(allowed ? tr("mode: %1").arg(name)
                                 : tr("mode: %1 — not allowed by the role's grants (hover for the GRANTs)").arg(name));
    m_modeLabel->setStyleSheet(allowed ? QString() : QStringLiteral("color: #b00020;"));
    m_modeLabel->setToolTip(m_privileges.isEmpty()
            ? QString()
            : tr("The role allows: %1\n\n%2").arg(m_allowedModes.join(QStringLiteral(", ")), m_privileges));
}

bool MainWindow::actionsPaused() const
{
    return m_pause->isChecked();
}
QString MainWindow::bannerText() const
{
    if (!m_banner->isVisible())
        return {};
    return m_bannerDetails->text().isEmpty() ? m_bannerText->text()
                                             : m_bannerText->text() + u'\n' + m_bannerDetails->text();
}

void MainWindow::attachEngine(EngineRunner *runner, const QString &targetName)
{
    if (m_runner) {
        // Another engine (another target, or the same one reconnected): nothing of the old one's state stays. The
        // old runner is gone by now, and its connections with it; the new one hands over its stored samples again.
        m_dashboard->clear();
        m_statements->clear();
        m_sessions->clear();
        m_banner->hide();
        m_rollbackDecisionId = 0;
        m_rollbackNow->hide();
        m_keepIt->hide();
        m_countdown.stop();
        m_baselineCountdown.stop();
        m_progress->hide();
        setActivity(QString());
        m_allowedModes.clear();
        m_privileges.clear();
        updateModeLabel();
    }
    m_runner = runner;
    m_guardedChange->setEnabled(false);
    m_reconnect->setEnabled(true);
    // New guard rules apply without a restart (from the next action on).
    connect(m_settings, &Settings::policyChanged, runner, &EngineRunner::setPolicy);
    // An empty name (a connection string from the command line) becomes what libpq reached once the engine has
    // connected (engine.started): host:port/database, the name the journal and the fleet use.
    m_target = targetName;
    setWindowTitle(targetName.isEmpty() ? QStringLiteral("Vigil") : targetName); // the platform adds " — Vigil"
    m_connectionState->setText(tr("● connecting to %1…").arg(targetLabel()));
    connect(runner, &EngineRunner::started, this, [this](bool ok, const QString &error) {
        m_guardedChange->setEnabled(ok);
        if (!ok) {
            m_connectionState->setText(tr("● not connected — File → Reconnect (Ctrl+Shift+R) or Connect… (Ctrl+O)"));
            warn(tr("Cannot watch %1").arg(targetLabel()), error);
        }
    });
    connect(runner, &EngineRunner::event, this, &MainWindow::onEngineEvent);
    connect(runner, &EngineRunner::event, m_dashboard, &DashboardPage::onEvent);
    connect(runner, &EngineRunner::event, m_statements, &StatementsModel::onEvent);
    connect(runner, &EngineRunner::event, m_sessions, &SessionsModel::onEvent);
    connect(runner, &EngineRunner::storedSamplesLoaded, m_dashboard, &DashboardPage::addStoredSamples);
    // The toolbar's mode decides what the analyser's recommendations become; the settings bound what it may start.
    connect(this, &MainWindow::modeChanged, runner, &EngineRunner::setMode);
    auto sendLimits = [this, runner] {
        ProposalLimits limits;
        limits.maxActionsPerHour = m_settings->rateLimitPerHour();
        limits.cooldownSeconds = 60.0 * m_settings->cooldownMinutes();
        limits.memorySeconds = 3600.0 * m_settings->rollbackMemoryHours();
        runner->setLimits(limits);
    };
    connect(m_settings, &Settings::rollbackMemoryHoursChanged, runner, sendLimits);
    connect(m_settings, &Settings::analyserThresholdsChanged, runner, &EngineRunner::setThresholds);
    connect(m_settings, &Settings::askBeforeRollbackChanged, runner, &EngineRunner::setAskBeforeRollback);
    connect(m_settings, &Settings::rateLimitPerHourChanged, runner, sendLimits);
    connect(m_settings, &Settings::cooldownMinutesChanged, runner, sendLimits);
    connect(runner, &EngineRunner::actionRefused, this, [this](const QString &reason) {
        setActivity(tr("not applied: %1").arg(reason));
        // A refusal of a decision usually means the card was a moment behind the engine (the journal is read off
        // this thread): read it again so the page shows what the engine holds.
        if (m_history)
            m_history->refresh();
        warn(tr("Change not applied"), reason);
    });
}

void MainWindow::showHistory(const QString &storeLocation)
{
    if (m_history)
        return;
    m_history = new ActionHistoryModel(storeLocation, this);
    auto *page = new HistoryPage(m_history, this);
    m_historyPage = page;
    connect(page, &HistoryPage::actionNotFound, this,
        [this](qint64 actionId) { setActivity(tr("action #%1 is not in this window's journal").arg(actionId)); });
    addPage(tr("History"), page, tr("Every action with its status, reason and evidence; export to CSV (Ctrl+2)"));
    auto *approvals = new ApprovalsPage(m_history, this);
    addPage(tr("Approvals"), approvals, tr("Actions waiting for a person: Approve or Reject (Ctrl+3)"));
    const int approvalsRow = m_nav->count() - 1;
    auto badge = [this, approvalsRow](int count) {
        m_nav->item(approvalsRow)->setText(count ? tr("Approvals (%1)").arg(count) : tr("Approvals"));
    };
    connect(approvals, &ApprovalsPage::pendingCountChanged, this, badge);
    badge(approvals->pendingCount());
    auto *findings = new FindingsPage(m_findings, this);
    addPage(tr("Findings"), findings, tr("What the detectors see now, with severity and proposed actions (Ctrl+4)"));
    const int findingsRow = m_nav->count() - 1;
    connect(m_findings, &FindingsModel::analysed, this, [this, findingsRow] {
        const int serious = m_findings->seriousCount();
        m_nav->item(findingsRow)->setText(serious ? tr("Findings (%1)").arg(serious) : tr("Findings"));
    });
    connect(findings, &FindingsPage::analyseRequested, this, [this] {
        if (m_runner)
            m_runner->analyseNow();
    });
    addPage(tr("Statements"), new StatementsPage(m_statements, this),
        tr("The statements behind the numbers: the costliest of the last minute, and their change since the last "
           "action (Ctrl+5)"));
    addPage(tr("Sessions"), new SessionsPage(m_sessions, this),
        tr("Who is connected now, what each session runs or waits for, and which sessions block which (Ctrl+6)"));
    // The person who decides is the desktop user; the journal records who approved or rejected.
    const QString who = qEnvironmentVariable("USER", QStringLiteral("the desktop user"));
    connect(approvals, &ApprovalsPage::approveRequested, this, [this, who](qint64 id) {
        if (m_runner)
            m_runner->approve(id, who);
    });
    connect(approvals, &ApprovalsPage::rejectRequested, this, [this, who](qint64 id) {
        if (m_runner)
            m_runner->reject(id, who);
    });
}

void MainWindow::showFleet(FleetModel *model)
{
    if (m_fleet)
        return;
    m_fleet = new FleetPage(model, this);
    addPage(tr("Fleet"), m_fleet,
        tr("Every Vigil heard on NATS: last state, last action, rollbacks; approve remote actions (Ctrl+%1)")
            .arg(m_pages->count() + 1));
    connect(model, &FleetModel::rollbackSeen, this,
        [this](const QString &target, const QString &sql, const QString &reason, bool failed) {
            if (target == m_engineTarget)
                return; // this window's own engine has already said so
            showBanner(failed ? tr("ATTENTION: \"%1\" could not be rolled back on %2: %3")
                                    .arg(shortSql(sql, 80), target, headlineOf(reason))
                              : tr("Rolled back \"%1\" on %2: %3").arg(shortSql(sql, 80), target, headlineOf(reason)),
                reason);
        });
    const QString who = qEnvironmentVariable("USER", QStringLiteral("the desktop user"));
    connect(m_fleet, &FleetPage::decisionRequested, this, [this, who](const QString &target, qint64 id, bool approve) {
        setActivity(approve ? tr("asking %1 to approve #%2…").arg(target).arg(id)
                            : tr("asking %1 to reject #%2…").arg(target).arg(id));
        emit fleetDecisionRequested(target, id, approve, who);
    });
}

void MainWindow::setFleetStatus(const QString &text)
{
    m_natsState->setText(text);
    m_natsState->setVisible(!text.isEmpty());
    if (m_fleet)
        m_fleet->setStatus(text);
}

void MainWindow::warn(const QString &title, const QString &text)
{
    // Opened, not exec()'d: these answer signals from the engine or the fleet, and a nested event loop inside a
    // signal handler would hold whoever emitted it (and a test driving the window) until someone clicks OK.
    auto *box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("warningBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::showFleetAnswer(bool ok, const QString &text)
{
    setActivity(text);
    if (!ok)
        warn(tr("Remote decision not taken"), text);
}

void MainWindow::onGuardedChange()
{
    GuardedChangeDialog dialog(this);
    if (dialog.exec() != QDialog::Accepted || !dialog.action() || !m_runner)
        return;
    if (dialog.askForApproval()) {
        setActivity(tr("proposed for approval"));
        m_runner->propose(*dialog.action());
        return;
    }
    setActivity(tr("collecting the baseline before applying…"));
    m_runner->submit(*dialog.action());
}

void MainWindow::setActivity(const QString &text)
{
    m_activity->setText(text);
    m_activity->setToolTip(text);
}

void MainWindow::onConnect()
{
    ConnectDialog dialog(m_settings, this);
    if (dialog.exec() != QDialog::Accepted)
        return; // the dialog connected once before accepting: a target that does not answer never gets here
    emit connectRequested(dialog.conninfo(), dialog.connectedName());
}

void MainWindow::onSettings()
{
    SettingsDialog dialog(m_settings, this);
    dialog.exec(); // accepting writes the settings; their signals reach the engine and the toolbar
}

void MainWindow::openAction(qint64 actionId)
{
    if (!m_historyPage)
        return;
    showNormal();
    raise();
    activateWindow();
    m_nav->setCurrentRow(m_pages->indexOf(m_historyPage));
    m_historyPage->showAction(actionId); // actionNotFound says so in the status line
}

void MainWindow::showBanner(const QString &headline, const QString &details, const QString &title, qint64 actionId)
{
    m_bannerText->setText(headline);
    m_bannerDetails->setText(details);
    m_bannerMore->setChecked(false);
    m_bannerMore->setVisible(!details.isEmpty());
    m_banner->show();
    // On the desktop's notification service first (it keeps a critical one until it is dismissed); the tray icon,
    // where there is one, when there is no such service.
    const QString summary = title.isEmpty() ? tr("Vigil rolled back a change") : title;
    if (!m_notifier.notify(summary, headline, true, actionId) && m_tray)
        m_tray->showMessage(summary, headline, QSystemTrayIcon::Warning, 15000);
}

void MainWindow::showHint(const QString &text)
{
    m_hintText->setText(text);
    m_hint->setVisible(!text.isEmpty());
}

QString MainWindow::hintText() const
{
    return m_hint->isVisible() ? m_hintText->text() : QString();
}

void MainWindow::updateBaseline()
{
    const double left = m_baselineUntil - double(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
    setActivity(left > 0.5
            ? tr("collecting a %1 s baseline before applying: %2 s left")
                  .arg(m_baselineSeconds)
                  .arg(int(std::ceil(left - 0.5)))
            : tr("collecting a %1 s baseline before applying: checking that it is steady…").arg(m_baselineSeconds));
}

void MainWindow::updateObserving()
{
    const double now = double(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
    const int elapsed = int(now - m_observedSince);
    m_progress->setRange(0, int(m_windowSeconds));
    m_progress->setValue(std::min(elapsed, int(m_windowSeconds)));
    m_progress->setFormat(QStringLiteral("%1/%2 s").arg(elapsed).arg(int(m_windowSeconds)));
    setActivity(tr("observing \"%1\"").arg(shortSql(m_observedSql, 60)));
}

QString MainWindow::targetLabel() const
{
    return m_target.isEmpty() ? tr("the target") : m_target;
}

void MainWindow::onEngineEvent(const EngineEvent &event)
{
    if (const ActionEvent *action = event.action())
        onActionEvent(*action);
    else if (const AnalysisEvent *analysis = event.analysis())
        m_findings->setFindings(analysis->findings);
    else if (event.sample() && m_connectionState->text().contains(tr("lost")))
        m_connectionState->setText(tr("● connected to %1").arg(m_target));
    else if (const StatusEvent *status = event.status())
        onStatusEvent(status->name, status->fields);
}

void MainWindow::onActionEvent(const ActionEvent &action)
{
    const QString &transition = action.transition;
    auto is = [&transition](const char *name) { return transition == QLatin1StringView(name); };
    if (m_rollbackDecisionId && action.actionId == m_rollbackDecisionId
        && (is("rolling_back") || is("kept") || is("failed"))) {
        m_rollbackDecisionId = 0;
        m_rollbackNow->hide();
        m_keepIt->hide();
        if (is("kept"))
            m_banner->hide();
    }
    if (m_history)
        m_history->refresh(); // the journal row changed: merge it into the table
    m_baselineCountdown.stop(); // applying, dropped, failed: the baseline is over either way
    const QString &sql = action.applySql;
    if (is("executed")) {
        m_observedId = action.actionId;
        m_observedSql = sql;
        m_observedSince = double(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
        m_progress->show();
        m_countdown.start();
        updateObserving();
    } else if (is("kept")) {
        m_countdown.stop();
        m_progress->hide();
        setActivity(tr("kept \"%1\": %2").arg(shortSql(sql, 60), action.reason));
    } else if (is("rollback_requested")) {
        m_countdown.stop();
        m_progress->hide();
        m_rollbackDecisionId = action.actionId;
        const int minutes = int(action.extra.value(QLatin1StringView("decide_within_seconds")).toDouble() / 60.0 + 0.5);
        setActivity(tr("waiting for your decision on \"%1\"").arg(shortSql(sql, 60)));
        showBanner(tr("\"%1\" made %2 slower: %3. Roll it back now, or keep it? (Rolled back on its own in %4 min.)")
                       .arg(shortSql(sql, 80), m_target, headlineOf(action.reason))
                       .arg(minutes),
            action.reason, tr("A change made the database slower: your decision"), m_rollbackDecisionId);
        m_rollbackNow->show();
        m_keepIt->show();
    } else if (is("rolled_back")) {
        m_countdown.stop();
        m_progress->hide();
        setActivity(tr("rolled back \"%1\"").arg(shortSql(sql, 60)));
        showBanner(tr("Rolled back \"%1\" on %2: %3").arg(shortSql(sql, 80), m_target, headlineOf(action.reason)),
            action.reason, {}, action.actionId);
    } else if (is("failed")) {
        m_countdown.stop();
        m_progress->hide();
        setActivity(tr("failed: %1").arg(action.reason));
        if (action.extra.value(QLatin1StringView("alert")).toBool())
            showBanner(tr("ATTENTION: \"%1\" could not be rolled back on %2: %3")
                           .arg(shortSql(sql, 80), m_target, headlineOf(action.reason)),
                action.reason, {}, action.actionId);
    } else if (is("dropped")) {
        m_progress->hide();
        setActivity(tr("dropped \"%1\": %2").arg(shortSql(sql, 60), action.reason));
    }
}

void MainWindow::onStatusEvent(const QString &name, const QJsonObject &fields)
{
    if (name == QLatin1StringView("engine.started")) {
        m_engineTarget = fields.value(QLatin1StringView("target")).toString(); // as the fleet hears it
        if (m_target.isEmpty() && !m_engineTarget.isEmpty()) {
            m_target = m_engineTarget;
            setWindowTitle(m_target);
        }
        m_connectionState->setText(tr("● connected to %1 (PostgreSQL %2)")
                                       .arg(fields.value(QLatin1StringView("target")).toString(),
                                           fields.value(QLatin1StringView("server_version")).toString()));
        m_connectionState->setToolTip(fields.value(QLatin1StringView("host_metrics")).toString());
    } else if (name == QLatin1StringView("engine.privileges")) {
        m_allowedModes.clear();
        for (const QJsonValue &mode : fields.value(QLatin1StringView("modes")).toArray())
            m_allowedModes << mode.toString();
        m_privileges = fields.value(QLatin1StringView("text")).toString();
        updateModeLabel();
    } else if (name == QLatin1StringView("collector.gap")) {
        m_connectionState->setText(
            tr("● connection lost — retrying (%1)").arg(fields.value(QLatin1StringView("reason")).toString().left(80)));
    } else if (name == QLatin1StringView("collector.notice") || name == QLatin1StringView("engine.notice")) {
        setActivity(fields.value(QLatin1StringView("message")).toString());
    } else if (name == QLatin1StringView("baseline.collecting")) {
        // Counted down every second: a DBA who has just asked for a change sees when it will run.
        m_baselineSeconds = fields.value(QLatin1StringView("seconds")).toDouble();
        m_baselineUntil = double(QDateTime::currentMSecsSinceEpoch()) / 1000.0 + m_baselineSeconds;
        m_baselineCountdown.start();
        updateBaseline();
    } else if (name == QLatin1StringView("baseline.unsteady")) {
        m_baselineCountdown.stop();
        setActivity(tr("waiting for a steady baseline before applying (%1)…")
                        .arg(fields.value(QLatin1StringView("reason")).toString()));
    } else if (name == QLatin1StringView("action.progress")) {
        showBuildProgress(fields);
    } else if (name == QLatin1StringView("action.cleaned_up")) {
        if (m_history)
            m_history->refresh(); // the failed build's details now say what became of its INVALID index
    } else if (name == QLatin1StringView("engine.paused")) {
        setActivity(fields.value(QLatin1StringView("paused")).toBool() ? tr("actions paused") : tr("actions resumed"));
    }
}

void MainWindow::showBuildProgress(const QJsonObject &fields)
{
    m_progress->show();
    m_progress->setRange(0, 100);
    m_progress->setValue(int(fields.value(QLatin1StringView("percent")).toDouble()));
    m_progress->setFormat(QStringLiteral("%p%"));
    QString text = tr("building the index: %1").arg(fields.value(QLatin1StringView("phase")).toString());
    const QJsonArray blockers = fields.value(QLatin1StringView("blockers")).toArray();
    if (!blockers.isEmpty()) {
        // Which session the build waits for, and for how long it has been open: what a DBA acts on.
        const QJsonObject first = blockers.first().toObject();
        const QJsonValue open = first.value(QLatin1StringView("transaction_seconds"));
        text += tr(" — waiting for session %1%2%3; Pause cancels the build")
                    .arg(first.value(QLatin1StringView("pid")).toInt())
                    .arg(open.isDouble() ? tr(" (transaction open for %1 s)").arg(qRound(open.toDouble())) : QString())
                    .arg(blockers.size() > 1 ? tr(" and %n other(s)", nullptr, int(blockers.size() - 1)) : QString());
    }
    setActivity(text);
}

} // namespace vigil
