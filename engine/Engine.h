// SPDX-License-Identifier: MIT
#pragma once

#include "act/action.h"
#include "act/executor.h"
#include "act/executorthread.h"
#include "act/indexcleanup.h"
#include "act/lifecycle.h"
#include "act/recovery.h"
#include "analyse/analysisinput.h"
#include "analyse/finding.h"
#include "analyse/findingpublisher.h"
#include "analyse/proposalpolicy.h"
#include "analyse/recentsamples.h"
#include "collect/collectorwatch.h"
#include "collect/dbcollector.h"
#include "collect/hostcollector.h"
#include "collect/statementnamer.h"
#include "collect/tickplan.h"
#include "events/eventbus.h"
#include "guard/guardpolicy.h"
#include "guard/guardsampler.h"
#include "metrics/sample.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <memory>
#include <optional>

namespace vigil {

class KnowledgeStore;
class LiveAnalyser;
class StorageProbe;
struct SharedStatements;

/// Everything the engine needs to know about its target and its rules.
struct EngineConfig
{
    QString targetConninfo; ///< libpq conninfo or URI of the database to watch
    QString storeLocation; ///< SQLite file or PostgreSQL conninfo of the knowledge store
    GuardPolicy policy;
    double tickSeconds = 1.0; ///< collector tick (cheap counters); statements at the policy's interval when idle
    Mode mode = Mode::Approve;
    /// How often the detectors run (seconds; 0 = never). Each run reads the catalog (well under 20 ms).
    double analyseSeconds = 60.0;
    AnalyserThresholds thresholds;
    ProposalLimits limits; ///< its mode is taken from `mode`
    /// Approve mode only: a degraded verdict waits for a DBA (confirmRollback / keepDespiteVerdict) instead of
    /// rolling back at once — for at most rollbackDecisionSeconds, then it rolls back on its own.
    bool askBeforeRollback = false;
    /// Publish the target's client sessions every 5 s (event `sessions`): the desktop's Sessions page asks for
    /// them; an agent does not (one query, and a large line, every 5 s for nobody).
    bool publishSessions = false;
    double rollbackDecisionSeconds = 600;
    /// Reads the host's metrics from this directory (files stat, meminfo, loadavg) instead of choosing a source for
    /// the target: for tests of a failing host metrics source. Empty in production.
    QString hostProcRoot;
    /// A directory on the file system of the server's data directory, for the storage probe (StorageProbe): how
    /// long a small write and its flush wait there, which tells the guard a stalled disk from an action's harm.
    /// Empty: no probe. Used only when the server runs on this machine.
    QString storageProbeDirectory;
};

/**
 * The orchestrator: collects, journals, acts through the executor thread, guards and rolls back.
 *
 * Lives in one thread (the "engine thread"; the CLI's main thread). The executor runs on its own QThread owned
 * here. One action is handled at a time per target, and a PostgreSQL advisory lock on the target keeps any other
 * Vigil from acting on it meanwhile.
 *
 * Every step is journaled before it is taken: an action is `applying` before its SQL runs and `rolling_back`
 * before its rollback runs, so a crash at any point leaves a record recover() can finish.
 */
class Engine : public QObject
{
    Q_OBJECT
public:
    explicit Engine(EngineConfig config, QObject *parent = nullptr);
    ~Engine() override;

    /// Opens the store, connects the collector and the executor, starts ticking. False with a message a DBA can
    /// act on when the target or the store cannot be used (nothing has been changed then).
    bool start(QString *error);
    /// After a failed start(): true when it failed because the server could not be reached or refused the
    /// connection (worth retrying), false when the configuration was wrong (the connection string, the store).
    bool startFailedToConnect() const { return m_startFailedToConnect; }
    void stop();

    EventBus *events() { return &m_events; }
    QString targetName() const { return m_targetName; }
    KnowledgeStore *store() { return m_store.get(); }
    /// The executor session's backend pid (for measurements and tests).
    int executorPid() const { return m_executorPid; }

    /// A guarded change: validate, lock the target, collect the baseline, apply, observe, keep or roll back.
    /// Ends with actionFinished() (kept, rolled back or failed) or actionRefused() (bad input, nothing changed).
    void submit(const vigil::Action &action);
    /// Finishes every action the journal has in flight on this target; ends with recoveryFinished().
    void recover();
    /// Approve mode: validates the action and journals it as awaiting_approval (event action.awaiting_approval);
    /// nothing runs until approve(). Bad input ends with actionRefused().
    void propose(const vigil::Action &action);
    /// Runs an action that awaits approval, as submit() runs a new one (by: who approved, for the journal).
    void approve(qint64 actionId, const QString &by);
    /// Closes an action that awaits approval as rejected, with the reason.
    void reject(qint64 actionId, const QString &by);
    /// New guard rules, applied from the next action on (the one being observed keeps the rules it started with).
    void setPolicy(const vigil::GuardPolicy &policy);
    /// Paused: no new action starts; one not applied yet is dropped (journalled `dropped`), one being applied is
    /// cancelled at once (pg_cancel_backend), one being observed finishes its window and verdict (its rollback must
    /// not be lost).
    void setPaused(bool paused);
    bool isPaused() const { return m_lifecycle.isPaused(); }
    /// Runs the detectors now (they also run every analyseSeconds): publishes `finding` events for new or changed
    /// findings and `analysis.finished` with all of them, then advises, queues or executes what they recommend as
    /// the mode and the limits allow (one action per run).
    void analyseNow();
    /// Answers a rollback that waits for a DBA (askBeforeRollback): roll it back now, or keep the change in spite of
    /// the verdict. Both are journaled with who decided; an id that is not waiting ends with actionRefused().
    void confirmRollback(qint64 actionId, const QString &by);
    void keepDespiteVerdict(qint64 actionId, const QString &by);
    void setAskBeforeRollback(bool ask);
    /// What the analyser's recommendations become from now on. A switch to Observe drops the action in hand if its
    /// SQL has not run yet.
    void setMode(vigil::Mode mode);
    void setLimits(const vigil::ProposalLimits &limits);
    void setThresholds(const vigil::AnalyserThresholds &thresholds);
    /// The engine's slot form of start(), for a queued call into its thread: answers with started().
    void startQueued();

signals:
    void started(bool ok, const QString &error);
    void actionFinished(const vigil::Action &action);
    void actionRefused(const QString &reason);
    void recoveryFinished(int recovered, int failed);
    /// At start: the target's samples stored in the last 24 h (by an earlier run of vigil, vigilctl watch or apply),
    /// oldest first, for the charts to show what happened before this start.
    void storedSamplesLoaded(const QList<vigil::Sample> &samples);

private:
    /// start()'s steps: the store, the collector's session and what the role may do; the executor's thread and
    /// session; then the events that say so, the stored history, the analyser and the timers.
    bool openStoreAndTarget(QString *error);
    bool openExecutor(QString *error);
    void beginWatching();
    void onTick();
    /// The target's client sessions now (event `sessions`), for the Sessions page, when the front end asked for them.
    void publishSessions();
    /// The guard's rules (and the detectors' look-back, which counts in guard intervals) from now on.
    void applyPolicy(const GuardPolicy &policy);
    void onHostTick();
    /// Starts the storage probe when one is asked for and the server is local; a notice says why not otherwise.
    void startStorageProbe();
    void onPrepared(const vigil::Action &action, const vigil::ExecResult &result);
    void onLocked(const vigil::Action &action, bool ok, const QString &error);
    void onApplied(const vigil::Action &action, const vigil::ExecResult &result);
    void onRolledBack(const vigil::Action &action, const vigil::ExecResult &result);
    void onInspected(const vigil::Action &action, int inEffect, const QString &error);
    /// Keeps the statements' plans an executor step read (`plans_before` on apply, `plans_after` before a rollback)
    /// in the action's journalled details.
    void keepPlans(qint64 actionId, const ExecResult &result, const QString &key);
    void onCleanedUp(const vigil::Action &action, int dropped, const QString &error);

    /// Carries out what the action's lifecycle asks for, in order (journal answers go back to it at once).
    void run(const LifecycleCommands &commands);
    void carryOut(const LifecycleCommand &command);
    /// Emits actionRefused when recovery runs (one action at a time: recovery's come first).
    bool refusedWhileRecovering();
    bool inPipeline() const { return !m_lifecycle.isIdle() || m_recovery.isRunning(); }
    void publishAction(
        const QString &transition, const Action &action, const QString &reason = {}, const QJsonObject &extra = {});
    /// While an index builds: its progress and what it waits for, published; returns the sessions holding the
    /// table's lock when the build waits for it (the lifecycle cancels a wait longer than the lock timeout).
    std::optional<QStringList> watchIndexBuild();
    /// Cancels the statement the executor is running (an index build), which then reports its failure.
    void cancelExecutorStatement();
    /// Feeds the guard's window what the ticks closed; its samples are recorded, its verdict goes to the lifecycle.
    void feedWindow(double now);
    /// A sample for the log, the charts, the analyser and the sample archive.
    void recordSample(const Sample &sample);
    /// Carries out what recovery asks for, in order (journal answers go back to it at once).
    void runRecovery(const RecoveryCommands &commands);
    /// The baseline's last baselineSeconds are a steady reference, or the engine has waited long enough for one.
    bool baselineSettled();
    double nowSeconds() const;
    void rememberSample(const Sample &sample);
    void actOnRecommendations(std::vector<Finding> &findings);
    /// The statements of the collector's latest reading, for the analyser; null when there is none.
    std::unique_ptr<SharedStatements> sharedStatements() const;

    EngineConfig m_config;
    EventBus m_events { this }; // children of the engine: moveToThread() takes them along
    std::unique_ptr<KnowledgeStore> m_store;
    std::unique_ptr<DbCollector> m_collector;
    std::unique_ptr<HostCollector> m_host;
    HostMetrics m_lastHost;
    std::unique_ptr<StorageProbe> m_storageProbe; ///< when EngineConfig::storageProbeDirectory is set and usable
    std::unique_ptr<ExecutorThread> m_executor; ///< the executor's thread and session, opened by start()
    int m_executorPid = 0; ///< its session's backend pid (index progress, cancelling a build)
    QTimer m_tick { this };
    QTimer m_hostTick { this };
    QTimer m_pruneTimer { this };
    TickPlan m_tickPlan; ///< what each tick reads and records (collect/tickplan.h)
    CollectorWatch m_collectorWatch; ///< says when a source stops and comes back (collect/collectorwatch.h)
    QString m_targetName; ///< TargetIdentity::name() once connected
    QString m_typedTargetName;
    QDateTime m_startedAt; ///< when start() began: proposals journalled before it are a crashed run's ///<
                           ///< ConnInfo::displayName(): the name older versions journalled

    ActionLifecycle m_lifecycle; ///< the action in hand and what happens to it next (act/lifecycle.h)
    GuardSampler m_sampler; ///< the ticks as the guard reads them: baseline and window (guard/guardsampler.h)
    bool m_stopping = false; ///< stop() was called: executor answers are no longer acted on
    double m_lastCatchUpT = 0; ///< when recovery last tried to settle a journal that fell behind
    bool m_unsteadyAnnounced = false; ///< the wait for a steady baseline was said once for this action
    bool m_startFailedToConnect = false;
    std::optional<GuardPolicy> m_pendingPolicy;
    std::unique_ptr<LiveAnalyser> m_analyser;
    QTimer m_analyseTimer { this };
    RecentSamples m_recentSamples; ///< the detectors' input: the last analysis period (analyse/recentsamples.h)
    FindingPublisher m_findingPublisher; ///< which findings are news (analyse/findingpublisher.h)
    StatementNamer m_statementNamer; ///< which statements' texts have been published (collect/statementnamer.h)
    IndexCleanup m_cleanup; ///< failed builds whose INVALID index is still to be dropped (act/indexcleanup.h)
    ActionRecovery m_recovery; ///< start-up recovery of what a crash left in flight (act/recovery.h)
};

} // namespace vigil
