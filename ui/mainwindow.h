// SPDX-License-Identifier: MIT
#pragma once

#include "desktopnotifier.h"
#include "events/engineevent.h"
#include "mode.h"

#include <QJsonObject>
#include <QMainWindow>
#include <QTimer>

class QAction;
class QActionGroup;
class QFrame;
class QLabel;
class QListWidget;
class QProgressBar;
class QStackedWidget;
class QSystemTrayIcon;
class QToolButton;

namespace vigil {

class ActionHistoryModel;
class DashboardPage;
class FindingsModel;
class StatementsModel;
class SessionsModel;
class FleetModel;
class FleetPage;
class HistoryPage;
class EngineRunner;
class Settings;
struct Action;

/**
 * Vigil's window: a toolbar (mode, pause, guarded change), pages (dashboard, ...), a status bar that tells the
 * connection, the mode and what Vigil is doing, and a banner plus a desktop notification when an action is
 * rolled back. It shows what the engine reports and forwards the DBA's decisions; it holds no SQL.
 */
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    /// settings (not owned) keeps the mode, the window's geometry and the guard rules; it must outlive the window.
    explicit MainWindow(Settings *settings, QWidget *parent = nullptr);
    ~MainWindow() override;

    /// Shows this engine's target and forwards decisions to it (not owned; it must outlive the window). An empty
    /// `targetName` is replaced by the name of what the engine reached (host:port/database) once it has connected.
    void attachEngine(EngineRunner *runner, const QString &targetName);
    /// Adds the History page over the journal at storeLocation (read through its own connection).
    void showHistory(const QString &storeLocation);

    /// Adds the Fleet page over model (not owned; fed from NATS by a FleetLink). A rollback on any other target of
    /// the fleet raises the same banner and notification as a local one.
    void showFleet(FleetModel *model);
    /// Where the fleet is heard from (status bar and Fleet page).
    void setFleetStatus(const QString &text);
    /// The answer of a remote approval or rejection.
    void showFleetAnswer(bool ok, const QString &text);

    DashboardPage *dashboard() const { return m_dashboard; }
    /// observe | approve | autonomous
    Mode mode() const { return m_mode; }
    void setMode(vigil::Mode mode);
    bool actionsPaused() const;
    QString bannerText() const;
    /// A neutral, dismissible line above the pages: what to try (the sandbox's showcase says it at start).
    void showHint(const QString &text);
    QString hintText() const;
    void addPage(const QString &name, QWidget *page, const QString &toolTip);

signals:
    void modeChanged(vigil::Mode mode);
    /// File → Connect… succeeded: watch this target instead (TargetSession swaps the engine).
    void connectRequested(const QString &conninfo, const QString &name);
    /// File → Reconnect: the same target with a new engine.
    void reconnectRequested();
    /// The DBA approved (or rejected) a remote agent's action on the Fleet page; who is the desktop user.
    void fleetDecisionRequested(const QString &target, qint64 actionId, bool approve, const QString &who);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void onEngineEvent(const vigil::EngineEvent &event);
    /// An action's transition: the banners, the observation countdown, the history's refresh.
    void onActionEvent(const vigil::ActionEvent &action);
    void onStatusEvent(const QString &name, const QJsonObject &fields);
    /// action.progress: an index build's phase, percent and the sessions it waits for.
    void showBuildProgress(const QJsonObject &fields);
    /// The target's name for messages ("the target" before the engine has named it).
    QString targetLabel() const;
    void onGuardedChange();
    void onSettings();
    void onConnect();
    void setActivity(const QString &text); ///< the status line, its whole text in the tooltip
    void warn(const QString &title, const QString &text); ///< a window-modal box that does not block the caller
    /// The red banner: a short headline, the whole text under Details, and a desktop notification.
    void showBanner(
        const QString &headline, const QString &details = {}, const QString &title = {}, qint64 actionId = 0);
    /// Brings the window up on History with this action selected (a click on its desktop notification).
    void openAction(qint64 actionId);
    void updateObserving();
    void updateBaseline();
    void updateModeLabel();

    Settings *m_settings = nullptr;
    EngineRunner *m_runner = nullptr;
    DashboardPage *m_dashboard = nullptr;
    ActionHistoryModel *m_history = nullptr;
    HistoryPage *m_historyPage = nullptr;
    FindingsModel *m_findings = nullptr;
    StatementsModel *m_statements = nullptr;
    SessionsModel *m_sessions = nullptr;
    QListWidget *m_nav = nullptr;
    QStackedWidget *m_pages = nullptr;
    QActionGroup *m_modes = nullptr;
    QAction *m_pause = nullptr;
    QAction *m_guardedChange = nullptr;
    QAction *m_reconnect = nullptr;
    QFrame *m_banner = nullptr;
    QFrame *m_hint = nullptr;
    QLabel *m_hintText = nullptr;
    QLabel *m_bannerText = nullptr; ///< the headline
    QLabel *m_bannerDetails = nullptr; ///< the whole reason, shown with Details
    QToolButton *m_bannerMore = nullptr;
    QLabel *m_connectionState = nullptr;
    QLabel *m_modeLabel = nullptr;
    QLabel *m_activity = nullptr;
    QLabel *m_natsState = nullptr;
    FleetPage *m_fleet = nullptr;
    QProgressBar *m_progress = nullptr;
    QSystemTrayIcon *m_tray = nullptr;
    DesktopNotifier m_notifier; ///< rollbacks and alerts on the desktop's notification service
    QTimer m_countdown;
    QTimer m_baselineCountdown; ///< the status bar's count of the baseline's seconds left
    double m_baselineUntil = 0;
    double m_baselineSeconds = 0;
    Mode m_mode = Mode::Approve;
    QStringList m_allowedModes; ///< what the target's role allows (engine.privileges); empty until known
    QString m_privileges; ///< the engine's report on the role's privileges, for the mode label's tooltip
    QString m_target; ///< as the user named it (the title)
    QString m_engineTarget; ///< as the engine names it (TargetIdentity), in journal rows and on NATS
    qint64 m_observedId = 0;
    qint64 m_rollbackDecisionId = 0; ///< the action whose rollback waits for the DBA (ask before rolling back)
    QToolButton *m_rollbackNow = nullptr;
    QToolButton *m_keepIt = nullptr;
    QString m_observedSql;
    double m_observedSince = 0;
    double m_windowSeconds = 60;
};

} // namespace vigil
