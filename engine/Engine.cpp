// SPDX-License-Identifier: MIT
#include "Engine.h"

#include "act/executorworker.h"
#include "act/indexbuildreport.h"
#include "analyse/analyser.h"
#include "collect/storageprobe.h"
#include "conninfo.h"
#include "guard/verdictjson.h"
#include "privilegecheck.h"
#include "store/knowledgestore.h"

#include <QDateTime>
#include <QJsonArray>

#include <algorithm>
#include <cmath>

namespace vigil {

namespace {
/// How long a statement of Vigil's may wait for a lock that others queue behind.
constexpr int kLockTimeoutMs = 5000;
/// How often a journal that fell behind (a write failed) is tried again: recovery settles what it missed.
constexpr double kCatchUpSeconds = 10;

ActionLifecycle::Settings lifecycleSettings(const EngineConfig &config)
{
    ActionLifecycle::Settings s;
    s.askBeforeRollback = config.askBeforeRollback && config.mode == Mode::Approve;
    s.rollbackDecisionSeconds = config.rollbackDecisionSeconds;
    s.tableLockWaitSeconds = kLockTimeoutMs / 1000.0;
    return s; // the target's name is set once start() has read it
}

} // namespace

Engine::Engine(EngineConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_tickPlan(m_config.tickSeconds)
    , m_lifecycle(lifecycleSettings(m_config))
    , m_sampler(m_config.policy, m_config.tickSeconds)
    , m_recentSamples(m_config.analyseSeconds, m_config.policy.intervalSeconds)
{
    qRegisterMetaType<vigil::Action>();
    qRegisterMetaType<vigil::ExecResult>();
    qRegisterMetaType<vigil::Sample>();
    qRegisterMetaType<vigil::EngineEvent>();
    m_tick.setTimerType(Qt::PreciseTimer);
    m_tick.setInterval(int(std::lround(m_config.tickSeconds * 1000)));
    connect(&m_tick, &QTimer::timeout, this, &Engine::onTick);
    m_hostTick.setInterval(int(std::lround(m_config.tickSeconds * 1000)));
    connect(&m_hostTick, &QTimer::timeout, this, &Engine::onHostTick);
    connect(&m_analyseTimer, &QTimer::timeout, this, &Engine::analyseNow);
    connect(&m_pruneTimer, &QTimer::timeout, this, [this] { m_store->prune(QDateTime::currentDateTimeUtc()); });
    m_config.limits.mode = m_config.mode;
}

Engine::~Engine()
{
    stop();
}

double Engine::nowSeconds() const
{
    return double(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
}

bool Engine::start(QString *error)
{
    m_startFailedToConnect = false;
    m_stopping = false;
    if (!openStoreAndTarget(error) || !openExecutor(error))
        return false;
    beginWatching();
    return true;
}

bool Engine::openStoreAndTarget(QString *error)
{
    QString why;
    const std::optional<ConnInfo> info = ConnInfo::parse(m_config.targetConninfo, &why);
    if (!info) {
        *error = QStringLiteral("the target's connection string is not valid: %1").arg(why);
        return false;
    }
    // Until libpq has connected, the name from the connection string (for messages); then what libpq reached.
    m_targetName = info->displayName();
    m_typedTargetName = m_targetName;
    m_startedAt = QDateTime::currentDateTimeUtc();
    m_store = KnowledgeStore::open(m_config.storeLocation, &why);
    if (!m_store) {
        *error = QStringLiteral("cannot open the knowledge store: %1").arg(why);
        return false;
    }
    m_collector = std::make_unique<DbCollector>(m_config.targetConninfo);
    if (!m_collector->connect(&why)) {
        *error = QStringLiteral("cannot connect to %1: %2").arg(m_targetName, why);
        m_startFailedToConnect = true;
        return false;
    }
    m_targetName = m_collector->targetName();
    m_lifecycle.setTarget(m_targetName);
    if (!m_collector->statementStatisticsAdvice().isEmpty())
        m_events.publish(QStringLiteral("collector.notice"),
            { { QStringLiteral("message"), m_collector->statementStatisticsAdvice() } });
    // What the role may do, and the grants for what it may not, before anything is tried (docs/security.md).
    PgConnection &connection = m_collector->connection();
    if (const auto privileges = PrivilegeCheck::run(connection, PrivilegeCheck::isRemote(connection), &why))
        m_events.publish(QStringLiteral("engine.privileges"), privileges->toJson(m_config.mode));
    m_host = std::make_unique<HostCollector>(m_config.hostProcRoot.isEmpty()
            ? HostCollector::forTarget(m_collector->connection())
            : HostCollector(HostCollector::Source::Local, HostCollector::localReader(m_config.hostProcRoot)));
    startStorageProbe();
    return true;
}

bool Engine::openExecutor(QString *error)
{
    m_executor = std::make_unique<ExecutorThread>(
        Executor::Options { m_config.targetConninfo, kLockTimeoutMs }); // its statement timeout: 30 min
    ExecutorWorker *worker = m_executor->worker();
    connect(worker, &ExecutorWorker::prepared, this, &Engine::onPrepared);
    connect(worker, &ExecutorWorker::locked, this, &Engine::onLocked);
    connect(worker, &ExecutorWorker::applied, this, &Engine::onApplied);
    connect(worker, &ExecutorWorker::rolledBack, this, &Engine::onRolledBack);
    connect(worker, &ExecutorWorker::inspected, this, &Engine::onInspected);
    connect(worker, &ExecutorWorker::cleanedUp, this, &Engine::onCleanedUp);
    connect(worker, &ExecutorWorker::sessionChanged, this, [this](int pid) {
        // The old session was lost (terminated, server restarted): index progress is read for the new pid.
        m_executorPid = pid;
        m_events.publish(QStringLiteral("executor.reconnected"), { { QStringLiteral("backend_pid"), pid } });
    });
    QString why;
    if (!m_executor->open(&why, &m_executorPid)) {
        *error = QStringLiteral("the executor cannot connect to %1: %2").arg(m_targetName, why);
        m_startFailedToConnect = true;
        stop();
        return false;
    }
    return true;
}

void Engine::beginWatching()
{
    m_events.publish(QStringLiteral("engine.started"),
        { { QStringLiteral("target"), m_targetName },
            { QStringLiteral("system_identifier"), m_collector->identity().systemIdentifier },
            { QStringLiteral("server_version"), m_collector->serverVersion() },
            { QStringLiteral("mode"), modeName(m_config.mode) },
            { QStringLiteral("statement_statistics"), m_collector->hasStatementStatistics() },
            { QStringLiteral("host_metrics"), m_host->sourceDescription() } });
    if (const QString warning = m_config.policy.shortBaselineWarning(); !warning.isEmpty())
        m_events.publish(QStringLiteral("engine.notice"), { { QStringLiteral("message"), warning } });
    // Samples stay at full rate for 24 h, then are averaged per minute: once at start, then hourly.
    m_store->prune(QDateTime::currentDateTimeUtc());
    const double now = nowSeconds();
    if (const std::vector<Sample> stored = m_store->samples(m_targetName, now - 24 * 3600, now); !stored.empty())
        emit storedSamplesLoaded(QList<Sample>(stored.begin(), stored.end()));
    m_pruneTimer.start(std::chrono::hours(1));
    m_analyser = std::make_unique<LiveAnalyser>(m_collector->connection(), m_config.thresholds);
    onHostTick();
    onTick();
    if (QString primeError; !m_analyser->prime(&primeError, sharedStatements().get()))
        m_events.publish(QStringLiteral("collector.notice"),
            { { QStringLiteral("message"),
                QStringLiteral("the analyser cannot read the catalog: %1").arg(primeError) } });
    m_tick.start();
    m_hostTick.start();
    if (m_config.analyseSeconds > 0)
        m_analyseTimer.start(int(std::lround(m_config.analyseSeconds * 1000)));
}

void Engine::stop()
{
    m_tick.stop();
    m_hostTick.stop();
    m_pruneTimer.stop();
    m_analyseTimer.stop();
    // What the executor still reports (a build cancelled below fails) is left to the next start's recovery: the
    // journal keeps the step it had, and nothing is journalled for an engine that no longer runs.
    m_stopping = true;
    if (m_executor && m_executor->isRunning()) {
        if (m_lifecycle.step() == ActionLifecycle::Step::Applying
            && m_lifecycle.action().kind == ActionKind::CreateIndex && m_executorPid > 0 && m_collector) {
            // The build would hold the stop for as long as it runs (up to the statement timeout, 30 min). Cancelled,
            // it leaves the journal at `applying` and an INVALID index, which the next start's recovery drops.
            m_events.publish(QStringLiteral("engine.notice"),
                { { QStringLiteral("action_id"), m_lifecycle.action().id },
                    { QStringLiteral("message"),
                        QStringLiteral("Vigil is stopping: the index build of action %1 is cancelled; the next "
                                       "start's recovery drops what it left")
                            .arg(m_lifecycle.action().id) } });
            cancelExecutorStatement();
        }
        m_executor->close(); // the worker closes its session in its own thread as that thread finishes
    }
}

void Engine::startStorageProbe()
{
    if (m_config.storageProbeDirectory.isEmpty())
        return;
    QString why;
    m_storageProbe = StorageProbe::besideServer(m_collector->connection(),
        m_host->source() == HostCollector::Source::Local, m_config.storageProbeDirectory, &why);
    if (!m_storageProbe)
        m_events.publish(QStringLiteral("collector.notice"),
            { { QStringLiteral("message"),
                QStringLiteral("no storage probe: %1; the guard cannot tell a stalled disk from an action's harm")
                    .arg(why) } });
}

void Engine::onHostTick()
{
    // Its own timer: reading /proc (or pg_read_file) never delays the database tick.
    if (!m_host)
        return;
    m_lastHost = m_host->read();
    if (m_storageProbe)
        m_lastHost.storageWaitMs = m_storageProbe->takeLongestWaitMs();
    if (m_host->source() == HostCollector::Source::Unavailable)
        return;
    if (std::optional<EngineEvent> notice = m_collectorWatch.hostRead(m_lastHost, m_host->sourceDescription()))
        m_events.publish(std::move(*notice));
}

bool Engine::baselineSettled()
{
    const GuardSampler::Steadiness steadiness = m_sampler.baselineSteadiness();
    if (steadiness.unsteady.isEmpty())
        return true;
    if (steadiness.waitedSeconds >= steadiness.longestSeconds - 1e-6) {
        m_events.publish(QStringLiteral("collector.notice"),
            { { QStringLiteral("message"),
                QStringLiteral("applying action %1 on an unsteady baseline (%2) after waiting %3 s for a steady one")
                    .arg(m_lifecycle.action().id)
                    .arg(steadiness.unsteady)
                    .arg(steadiness.waitedSeconds, 0, 'f', 0) } });
        return true;
    }
    if (!std::exchange(m_unsteadyAnnounced, true))
        m_events.publish(QStringLiteral("baseline.unsteady"),
            { { QStringLiteral("action_id"), m_lifecycle.action().id },
                { QStringLiteral("reason"), steadiness.unsteady },
                { QStringLiteral("waiting_up_to_seconds"), steadiness.longestSeconds } });
    return false;
}

void Engine::publishSessions()
{
    if (!m_config.publishSessions)
        return;
    QString error;
    if (const std::optional<QJsonArray> sessions = m_collector->sessions(200, &error))
        m_events.publish(QStringLiteral("sessions"), { { QStringLiteral("sessions"), *sessions } });
}

void Engine::onTick()
{
    const ActionLifecycle::Step step = m_lifecycle.step();
    const bool busy = !m_lifecycle.isIdle();
    const TickPlan::Tick plan
        = m_tickPlan.next(m_config.policy.intervalSeconds, busy, step == ActionLifecycle::Step::Observing);
    std::optional<Snapshot> snapshot = m_collector->collect(plan.statements, plan.cpuProbe);
    const double now = nowSeconds(); // after the collector's query, which may have waited for its timeout
    if (!snapshot) {
        m_events.publish(m_collectorWatch.snapshotMissing(now, m_collector->lastError()));
        m_sampler.collectorGap();
    } else {
        if (std::optional<EngineEvent> resumed = m_collectorWatch.snapshotArrived(now))
            m_events.publish(std::move(*resumed));
        snapshot->host = m_lastHost;
        m_sampler.addTick(std::move(*snapshot), busy, m_collector->hasStatementStatistics());
        if (plan.recordsSample)
            if (const std::optional<Sample> sample = m_sampler.lastIntervalSample())
                recordSample(*sample);
        // While an action runs (an index build can take minutes) its baseline, the interval before it started, stays.
        m_sampler.trim(m_lifecycle.step() == ActionLifecycle::Step::Applying
                ? std::optional<double>(m_lifecycle.applyStartedAt())
                : std::nullopt);
        if (plan.sessions)
            publishSessions();
    }
    std::optional<QStringList> tableLockHolders;
    if (step == ActionLifecycle::Step::Applying && m_lifecycle.action().kind == ActionKind::CreateIndex
        && m_executorPid > 0)
        tableLockHolders = watchIndexBuild();
    run(m_lifecycle.tick(now, tableLockHolders));
    if (m_lifecycle.journalBehind() && !inPipeline() && now - m_lastCatchUpT >= kCatchUpSeconds) {
        // A step could not be journalled: settle the journal (recovery) before anything new starts.
        m_lastCatchUpT = now;
        recover();
    }
    if (const std::optional<Action> leftover = m_cleanup.next(!inPipeline()))
        m_executor->cleanUp(*leftover);
    if (m_lifecycle.step() == ActionLifecycle::Step::Baseline && m_sampler.baselineReady() && baselineSettled())
        run(m_lifecycle.baselineReady(now, m_config.policy.baselineSeconds));
    else if (m_lifecycle.step() == ActionLifecycle::Step::Observing)
        feedWindow(now);
}

void Engine::recordSample(const Sample &sample)
{
    rememberSample(sample);
    m_events.publish(sampleEvent(sample));
    m_store->addSample(m_targetName, sample);
}

void Engine::publishAction(
    const QString &transition, const Action &action, const QString &reason, const QJsonObject &extra)
{
    m_events.publish(actionEvent(transition, action, reason, extra));
}

void Engine::run(const LifecycleCommands &commands)
{
    for (const LifecycleCommand &c : commands)
        carryOut(c);
}

void Engine::carryOut(const LifecycleCommand &c)
{
    using Type = LifecycleCommand::Type;
    switch (c.type) {
    // The executor answers each through the worker's signal connected in start().
    case Type::Prepare:
        m_executor->prepare(c.action);
        return;
    case Type::Lock:
        m_executor->lockTarget(c.action);
        return;
    case Type::Apply:
        m_executor->apply(c.action);
        return;
    case Type::Rollback:
        m_executor->rollback(c.action);
        return;
    case Type::Unlock:
        m_executor->unlockTarget();
        return;
    case Type::CancelStatement:
        cancelExecutorStatement();
        return;
    case Type::CreateRow: {
        const qint64 id = m_store->createAction(c.action, c.action.reason);
        run(m_lifecycle.journalled(id != 0, id, m_store->lastError()));
        return;
    }
    case Type::Transition: {
        const bool ok = m_store->transition(c.action.id, c.to, c.reason, c.evidence);
        if (!ok)
            m_events.publish(QStringLiteral("engine.error"),
                { { QStringLiteral("message"),
                    QStringLiteral("cannot write the journal (%1); Vigil stops acting").arg(m_store->lastError()) } });
        run(m_lifecycle.journalled(ok, 0, m_store->lastError()));
        return;
    }
    case Type::Publish:
        publishAction(c.transition, c.action, c.reason, c.extra);
        return;
    case Type::CollectBaseline:
        m_sampler.restartBaseline(); // the baseline is collected now, with statements at every tick
        m_unsteadyAnnounced = false;
        m_events.publish(QStringLiteral("baseline.collecting"),
            { { QStringLiteral("action_id"), c.action.id },
                { QStringLiteral("seconds"), m_config.policy.baselineSeconds } });
        return;
    case Type::QueueCleanup:
        m_cleanup.add(c.action); // dropped from the next idle tick on, once the lock that stopped it goes
        return;
    case Type::Finished: {
        m_sampler.closeWindow();
        if (m_pendingPolicy)
            applyPolicy(*std::exchange(m_pendingPolicy, std::nullopt));
        const std::optional<Action> stored = c.action.id ? m_store->action(c.action.id) : std::nullopt;
        emit actionFinished(stored ? *stored : c.action);
        return;
    }
    case Type::Refused:
        emit actionRefused(c.reason);
        return;
    }
}

void Engine::startQueued()
{
    QString error;
    const bool ok = start(&error);
    emit started(ok, error);
}

void Engine::setPolicy(const GuardPolicy &policy)
{
    if (!policy.validate(m_config.tickSeconds).isEmpty())
        return;
    if (m_lifecycle.isIdle())
        applyPolicy(policy);
    else
        m_pendingPolicy = policy;
}

void Engine::applyPolicy(const GuardPolicy &policy)
{
    m_config.policy = policy;
    m_sampler.setPolicy(policy);
    m_recentSamples.setPeriod(m_config.analyseSeconds, policy.intervalSeconds);
}

void Engine::setPaused(bool paused)
{
    const LifecycleCommands commands = m_lifecycle.setPaused(paused);
    run(commands);
    m_events.publish(QStringLiteral("engine.paused"), { { QStringLiteral("paused"), paused } });
}

bool Engine::refusedWhileRecovering()
{
    if (m_recovery.isRunning())
        emit actionRefused(m_lifecycle.journalBehind()
                ? m_lifecycle.journalBehindReason()
                : QStringLiteral("Vigil is finishing the actions a crash left in flight: try again when recovery is "
                                 "done"));
    return m_recovery.isRunning();
}

void Engine::submit(const Action &action)
{
    if (refusedWhileRecovering())
        return;
    run(m_lifecycle.submit(action));
}

void Engine::propose(const Action &action)
{
    if (refusedWhileRecovering())
        return;
    run(m_lifecycle.propose(action));
}

void Engine::approve(qint64 actionId, const QString &by)
{
    if (refusedWhileRecovering())
        return;
    run(m_lifecycle.approve(actionId, m_store->action(actionId), by));
}

void Engine::reject(qint64 actionId, const QString &by)
{
    run(m_lifecycle.reject(actionId, m_store->action(actionId), by));
}

void Engine::onPrepared(const Action &prepared, const ExecResult &result)
{
    if (m_stopping)
        return;
    run(m_lifecycle.prepared(prepared, result));
}

void Engine::onLocked(const Action &, bool ok, const QString &error)
{
    if (m_stopping)
        return;
    if (m_recovery.isRunning()) {
        runRecovery(m_recovery.locked(ok, error));
        return;
    }
    run(m_lifecycle.locked(ok, error));
}

std::optional<QStringList> Engine::watchIndexBuild()
{
    const IndexBuildReport report = reportIndexBuild(
        m_lifecycle.action().id, m_collector->indexBuildProgress(m_executorPid), m_collector->lockWait(m_executorPid));
    if (report.progress)
        m_events.publish(QStringLiteral("action.progress"), *report.progress);
    return report.tableLockHolders;
}

void Engine::cancelExecutorStatement()
{
    if (m_executorPid <= 0)
        return;
    // From the collector's session: the executor's is busy running the statement.
    m_collector->connection().query(
        "/* vigil-collector */ SELECT pg_cancel_backend($1)", { QString::number(m_executorPid) });
}

void Engine::onApplied(const Action &action, const ExecResult &result)
{
    if (m_stopping)
        return;
    const double finishedAt = nowSeconds(); // the window opens at the first tick after this
    keepPlans(action.id, result, QStringLiteral("plans_before"));
    QJsonObject timing { { QStringLiteral("apply_seconds"), result.seconds } };
    if (result.ok && m_lifecycle.step() == ActionLifecycle::Step::Applying)
        timing.insert(QStringLiteral("baseline"),
            m_sampler.openWindow(m_lifecycle.applyStartedAt(), finishedAt, m_collector->statementTexts(),
                ActionReach::ofJournalled(kindName(action.kind), action.applySql, action.rollbackSql, action.details)));
    run(m_lifecycle.applied(result, m_config.policy.windowSeconds, timing));
}

void Engine::feedWindow(double now)
{
    const GuardSampler::WindowStep step = m_sampler.feedWindow(now);
    for (const Sample &sample : step.samples)
        recordSample(sample);
    if (step.verdict)
        run(m_lifecycle.verdict(step.verdict->isRollback(), step.verdict->reason, verdictToJson(*step.verdict), now));
}

void Engine::confirmRollback(qint64 actionId, const QString &by)
{
    run(m_lifecycle.confirmRollback(actionId, by));
}

void Engine::keepDespiteVerdict(qint64 actionId, const QString &by)
{
    run(m_lifecycle.keepDespiteVerdict(actionId, by));
}

void Engine::setAskBeforeRollback(bool ask)
{
    m_config.askBeforeRollback = ask;
    m_lifecycle.setAskBeforeRollback(ask && m_config.mode == Mode::Approve);
}

void Engine::onRolledBack(const Action &action, const ExecResult &result)
{
    if (m_stopping)
        return;
    keepPlans(action.id, result, QStringLiteral("plans_after"));
    if (m_recovery.isRunning())
        runRecovery(m_recovery.rolledBack(result));
    else
        run(m_lifecycle.rolledBack(result));
}

void Engine::keepPlans(qint64 actionId, const ExecResult &result, const QString &key)
{
    // Into the journal's details beside what the action already keeps there (the saved index definition, ...);
    // a plan that cannot be written is lost, and the action goes on: plans explain, they decide nothing.
    const QJsonValue plans = result.details.value(key);
    if (actionId <= 0 || !plans.isArray())
        return;
    std::optional<Action> stored = m_store->action(actionId);
    if (!stored)
        return;
    stored->details.insert(key, plans);
    m_store->updateDetails(actionId, stored->details);
}

void Engine::onCleanedUp(const Action &action, int dropped, const QString &error)
{
    if (m_stopping)
        return;
    const IndexCleanup::Outcome outcome = m_cleanup.cleaned(action, dropped, error, QDateTime::currentDateTimeUtc());
    if (outcome.retry) {
        m_events.publish(QStringLiteral("engine.notice"),
            { { QStringLiteral("action_id"), action.id }, { QStringLiteral("message"), outcome.notice } });
        return;
    }
    // Read only now: a drop that waits is retried every idle tick, with nothing to write.
    const std::optional<Action> stored = m_store->action(action.id);
    m_store->updateDetails(action.id, IndexCleanup::detailsAfter(stored ? stored->details : action.details, outcome));
    m_events.publish(QStringLiteral("action.cleaned_up"),
        { { QStringLiteral("action_id"), action.id }, { QStringLiteral("invalid_index"), outcome.invalidIndex } });
}

void Engine::recover()
{
    if (inPipeline()) {
        emit recoveryFinished(0, 0);
        return;
    }
    std::vector<Action> inFlight = m_store->inFlight(m_targetName);
    // Actions journalled before Vigil named targets by what libpq connected to carry the connection string's name.
    if (m_typedTargetName != m_targetName)
        for (Action &action : m_store->inFlight(m_typedTargetName))
            inFlight.push_back(std::move(action));
    // Proposals a crashed Vigil left behind (journalled, never applied). Only those last touched before this engine
    // started, with a margin: another Vigil's proposal of this very moment, not yet holding the target's lock, is
    // its own; any older one is handled under the lock that recovery takes, which a live owner would hold.
    ActionFilter proposed;
    proposed.target = m_targetName;
    proposed.states = { ActionState::Proposed };
    const QDateTime staleBefore = m_startedAt.addSecs(-2);
    for (Action &action : m_store->actionsPage(0, 1000, proposed, ActionFields::Summary))
        if (action.updatedAt < staleBefore && action.id != m_lifecycle.action().id)
            inFlight.push_back(std::move(action));
    runRecovery(m_recovery.start(std::move(inFlight)));
}

void Engine::runRecovery(const RecoveryCommands &commands)
{
    using Type = RecoveryCommand::Type;
    for (const RecoveryCommand &c : commands) {
        switch (c.type) {
        case Type::Lock:
            m_executor->lockTarget(c.action);
            break;
        case Type::Inspect:
            m_executor->inspect(c.action);
            break;
        case Type::Rollback:
            m_executor->rollback(c.action);
            break;
        case Type::Unlock:
            m_executor->unlockTarget();
            break;
        case Type::Transition:
            runRecovery(m_recovery.journalled(m_store->transition(c.action.id, c.to, c.reason)));
            break;
        case Type::Publish:
            publishAction(c.transition, c.action, c.reason, c.extra);
            break;
        case Type::Error:
            m_events.publish(QStringLiteral("engine.error"), { { QStringLiteral("message"), c.reason } });
            break;
        case Type::Finished:
            if (c.failed == 0)
                m_lifecycle.journalCaughtUp(); // nothing left in flight: new actions may start
            emit recoveryFinished(c.recovered, c.failed);
            break;
        }
    }
}

void Engine::onInspected(const Action &, int inEffect, const QString &error)
{
    if (m_stopping)
        return;
    runRecovery(m_recovery.inspected(inEffect, error));
}

void Engine::rememberSample(const Sample &sample)
{
    if (!sample.valid)
        return;
    if (const QJsonObject texts = m_statementNamer.newTexts(sample, m_collector->statementTexts()); !texts.isEmpty())
        m_events.publish(QStringLiteral("statements.named"),
            { { QStringLiteral("target"), m_targetName }, { QStringLiteral("texts"), texts } });
    m_recentSamples.add(sample);
}

void Engine::setMode(Mode mode)
{
    const bool toObserve = mode == Mode::Observe && m_config.mode != mode;
    m_config.mode = mode;
    m_config.limits.mode = mode;
    setAskBeforeRollback(m_config.askBeforeRollback);
    m_events.publish(QStringLiteral("engine.mode"), { { QStringLiteral("mode"), modeName(mode) } });
    if (toObserve) // Vigil changes nothing in Observe: what has not run yet does not run
        run(m_lifecycle.switchedToObserve());
}

void Engine::setLimits(const ProposalLimits &limits)
{
    m_config.limits = limits;
    m_config.limits.mode = m_config.mode;
}

void Engine::setThresholds(const AnalyserThresholds &thresholds)
{
    m_config.thresholds = thresholds;
    if (m_analyser)
        m_analyser->setThresholds(thresholds);
}

std::unique_ptr<SharedStatements> Engine::sharedStatements() const
{
    // pg_stat_statements as the collector read it last: one read per interval serves the guard and the detectors.
    const Snapshot *latest = m_sampler.latestWithStatements();
    if (!latest)
        return nullptr; // none yet, or not readable: the analyser reads (or misses) it itself
    return std::make_unique<SharedStatements>(SharedStatements { latest->statements, m_collector->statementTexts() });
}

void Engine::analyseNow()
{
    if (!m_analyser)
        return;
    const std::vector<Sample> samples = m_recentSamples.all();
    QString error;
    const std::unique_ptr<SharedStatements> shared = sharedStatements();
    std::optional<std::vector<Finding>> findings
        = m_analyser->run(samples, m_lastHost.memTotalBytes, &error, shared.get());
    if (!findings) {
        m_events.publish(QStringLiteral("analysis.failed"), { { QStringLiteral("reason"), error } });
        return;
    }
    actOnRecommendations(*findings);
    for (const std::size_t i : m_findingPublisher.select(*findings))
        m_events.publish(findingEvent(m_targetName, (*findings)[i]));
    m_events.publish(analysisEvent(m_targetName, qint64(samples.size()), std::move(*findings)));
}

void Engine::actOnRecommendations(std::vector<Finding> &findings)
{
    // The newest actions on this target are enough for the memory (24 h) and the rate limit (1 h).
    ActionFilter filter;
    filter.target = m_targetName;
    const QString busy = m_lifecycle.isPaused() ? QStringLiteral("actions are paused")
        : inPipeline()                          ? anotherActionInHandReason()
                                                : QString();
    const std::optional<RoutedAction> routed = routeRecommendations(
        findings, m_store->actionsPage(0, 1000, filter), QDateTime::currentDateTimeUtc(), m_config.limits, busy);
    if (routed && routed->awaitsApproval)
        propose(routed->action);
    else if (routed)
        submit(routed->action);
}

} // namespace vigil
