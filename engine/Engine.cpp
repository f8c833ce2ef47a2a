// SPDX-License-Identifier: MIT
#include "Engine.h"

#include "act/actionfromsql.h"
#include "act/executorworker.h"
#include "analyse/analyser.h"
#include "conninfo.h"
#include "guard/baseline.h"
#include "guard/verdictjson.h"
#include "metrics/samplederiver.h"
#include "metrics/sampleseries.h"
#include "privilegecheck.h"
#include "store/knowledgestore.h"

#include <QDateTime>
#include <QJsonArray>
#include <QSet>

#include <cmath>
#include <future>

namespace vigil {

namespace {
/// How long a statement of Vigil's may wait for a lock that others queue behind.
constexpr int kLockTimeoutMs = 5000;

QJsonObject actionPayload(const Action &a)
{
    return QJsonObject { { QStringLiteral("action_id"), a.id }, { QStringLiteral("target"), a.target },
        { QStringLiteral("kind"), kindName(a.kind) }, { QStringLiteral("state"), stateName(a.state) },
        { QStringLiteral("apply_sql"), a.applySql }, { QStringLiteral("rollback_sql"), a.rollbackSql } };
}

QJsonObject sampleJson(const Sample &s)
{
    QJsonObject o { { QStringLiteral("t"), s.tEnd }, { QStringLiteral("seconds"), s.seconds() },
        { QStringLiteral("valid"), s.valid } };
    auto put = [&o](const char *key, const std::optional<double> &v) {
        o.insert(QLatin1StringView(key), v ? QJsonValue(*v) : QJsonValue(QJsonValue::Null));
    };
    put("tps", s.tps);
    put("qps", s.qps);
    put("latency_mean_ms", s.latencyMeanMs);
    put("latency_p95_ms", s.latencyP95Ms);
    put("sessions_active", s.sessionsActive);
    put("sessions_total", s.sessionsTotal);
    put("max_connections", s.maxConnections);
    put("cache_hit_ratio", s.cacheHitRatio);
    put("cpu_pct", s.cpuPct);
    put("mem_pct", s.memPct);
    put("load1", s.load1);
    return o;
}
} // namespace

Engine::Engine(EngineConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{
    qRegisterMetaType<vigil::Action>();
    qRegisterMetaType<vigil::ExecResult>();
    qRegisterMetaType<vigil::Sample>();
    m_tick.setTimerType(Qt::PreciseTimer);
    m_tick.setInterval(int(std::lround(m_config.tickSeconds * 1000)));
    connect(&m_tick, &QTimer::timeout, this, &Engine::onTick);
    m_hostTick.setInterval(int(std::lround(m_config.tickSeconds * 1000)));
    connect(&m_hostTick, &QTimer::timeout, this, &Engine::onHostTick);
    connect(&m_analyseTimer, &QTimer::timeout, this, &Engine::analyseNow);
    m_rollbackDecisionTimer.setSingleShot(true);
    connect(&m_rollbackDecisionTimer, &QTimer::timeout, this, [this] {
        if (m_phase != Phase::AwaitingRollbackDecision)
            return;
        // Nobody answered: the harm has waited long enough.
        beginRollback(QStringLiteral("%1; no decision within %2 min, rolled back on its own")
                          .arg(m_pendingRollbackReason)
                          .arg(m_config.rollbackDecisionSeconds / 60.0, 0, 'f', 0),
            m_pendingRollbackEvidence);
    });
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
    QString why;
    m_startFailedToConnect = false;
    const std::optional<ConnInfo> info = ConnInfo::parse(m_config.targetConninfo, &why);
    if (!info) {
        *error = QStringLiteral("the target's connection string is not valid: %1").arg(why);
        return false;
    }
    m_targetName = info->displayName();
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

    m_worker = new ExecutorWorker({ m_config.targetConninfo, kLockTimeoutMs, 30 * 60 * 1000 });
    m_worker->moveToThread(&m_executorThread);
    // Deleted in its own thread when the thread ends: its destructor closes the Qt SQL connection it opened there.
    connect(&m_executorThread, &QThread::finished, m_worker, &QObject::deleteLater);
    // Every connection to the worker is made before its thread starts, and the open hand-over is single-shot:
    // nothing here touches the worker's connections while its thread may be emitting (Qt guards them with futexes
    // ThreadSanitizer cannot see, and there is then nothing to guard).
    connect(m_worker, &ExecutorWorker::prepared, this, &Engine::onPrepared);
    connect(m_worker, &ExecutorWorker::locked, this, &Engine::onLocked);
    connect(m_worker, &ExecutorWorker::applied, this, &Engine::onApplied);
    connect(m_worker, &ExecutorWorker::rolledBack, this, &Engine::onRolledBack);
    connect(m_worker, &ExecutorWorker::inspected, this, &Engine::onInspected);
    connect(m_worker, &ExecutorWorker::cleanedUp, this, &Engine::onCleanedUp);
    connect(m_worker, &ExecutorWorker::sessionChanged, this, [this](int pid) {
        // The old session was lost (terminated, server restarted): index progress is read for the new pid.
        m_executorPid = pid;
        m_events.publish(QStringLiteral("executor.reconnected"), { { QStringLiteral("backend_pid"), pid } });
    });
    // The session is opened as the thread starts (started() runs in the new thread), and the answer comes back
    // through a std::future, which ThreadSanitizer sees, unlike a blocking queued call.
    struct Opened
    {
        bool ok = false;
        QString error;
        int pid = 0;
    };
    std::promise<Opened> openedPromise;
    std::future<Opened> openedFuture = openedPromise.get_future();
    connect(&m_executorThread, &QThread::started, m_worker, &ExecutorWorker::open,
        Qt::ConnectionType(Qt::DirectConnection | Qt::SingleShotConnection));
    connect(
        m_worker, &ExecutorWorker::opened, m_worker,
        [&openedPromise](bool ok, const QString &e, int pid) {
            openedPromise.set_value({ ok, e, pid });
        },
        Qt::ConnectionType(Qt::DirectConnection | Qt::SingleShotConnection));
    m_executorThread.setObjectName(QStringLiteral("vigil-executor"));
    m_executorThread.start();
    const Opened opened = openedFuture.get();
    m_executorPid = opened.pid;
    if (!opened.ok) {
        *error = QStringLiteral("the executor cannot connect to %1: %2").arg(m_targetName, opened.error);
        m_startFailedToConnect = true;
        stop();
        return false;
    }

    m_events.publish(QStringLiteral("engine.started"),
        { { QStringLiteral("target"), m_targetName },
            { QStringLiteral("server_version"), m_collector->serverVersion() },
            { QStringLiteral("mode"), m_config.mode },
            { QStringLiteral("statement_statistics"), m_collector->hasStatementStatistics() },
            { QStringLiteral("host_metrics"), m_host->sourceDescription() } });
    // Samples stay at full rate for 24 h, then are averaged per minute: once at start, then hourly.
    m_store->prune(QDateTime::currentDateTimeUtc());
    {
        const double now = nowSeconds();
        const std::vector<Sample> stored = m_store->samples(m_targetName, now - 24 * 3600, now);
        if (!stored.empty())
            emit storedSamplesLoaded(QList<Sample>(stored.begin(), stored.end()));
    }
    connect(&m_pruneTimer, &QTimer::timeout, this, [this] { m_store->prune(QDateTime::currentDateTimeUtc()); });
    m_pruneTimer.start(std::chrono::hours(1));
    m_analyser = std::make_unique<LiveAnalyser>(m_collector->connection(), m_config.thresholds);
    if (QString primeError; !m_analyser->prime(&primeError))
        m_events.publish(QStringLiteral("collector.notice"),
            { { QStringLiteral("message"),
                QStringLiteral("the analyser cannot read the catalog: %1").arg(primeError) } });
    onHostTick();
    onTick();
    m_tick.start();
    m_hostTick.start();
    if (m_config.analyseSeconds > 0)
        m_analyseTimer.start(int(std::lround(m_config.analyseSeconds * 1000)));
    return true;
}

void Engine::stop()
{
    m_tick.stop();
    m_hostTick.stop();
    m_pruneTimer.stop();
    m_analyseTimer.stop();
    m_rollbackDecisionTimer.stop();
    if (m_executorThread.isRunning()) {
        // The worker closes its session in its destructor, run in its thread as the thread finishes (deleteLater).
        m_executorThread.quit();
        m_executorThread.wait();
        m_worker = nullptr;
    }
}

void Engine::onHostTick()
{
    // Its own timer: reading /proc (or pg_read_file) never delays the database tick.
    if (!m_host)
        return;
    m_lastHost = m_host->read();
    if (m_host->source() == HostCollector::Source::Unavailable)
        return;
    // CPU needs two readings, so memory and load tell whether the source answers at all.
    const bool answering = m_lastHost.memPct || m_lastHost.load1 || m_lastHost.cpuPct;
    if (answering != std::exchange(m_hostAnswering, answering))
        m_events.publish(QStringLiteral("collector.notice"),
            { { QStringLiteral("message"),
                answering ? QStringLiteral("host metrics answer again (%1)").arg(m_host->sourceDescription())
                          : QStringLiteral("host metrics stopped answering (%1): samples carry no CPU, memory or "
                                           "load until it answers again; the guard goes on with the database's "
                                           "own numbers")
                                .arg(m_host->sourceDescription()) } });
}

bool Engine::baselineReady() const
{
    return m_statementsSince >= 0 && !m_ticks.empty()
        && m_ticks.back().t - m_statementsSince >= m_config.policy.baselineSeconds - 1e-6;
}

bool Engine::baselineSettled()
{
    // A baseline taken while the workload is still settling (its clients catching up after an earlier rollback, a
    // warm-up) makes the window look worse or better than the action made it: live, an index built right after
    // another was rolled back was judged against a baseline whose throughput was still 10 % low, and rolled back.
    // The baseline slides on, one tick at a time, until it is steady, for at most two more baselines.
    const GuardPolicy &p = m_config.policy;
    const std::vector<Snapshot> ticks(m_ticks.begin(), m_ticks.end());
    const std::span<const Snapshot> span(ticks);
    const std::vector<Sample> samples
        = SampleSeries::derive(span, ticks.back().t - p.baselineSamples() * p.intervalSeconds, p.intervalSeconds,
            p.baselineSamples(), 0.25 * m_config.tickSeconds);
    const QString unsteady = Baseline(samples).unsteadiness(p.latencyPct, p.throughputPct);
    if (unsteady.isEmpty())
        return true;
    const double waited = ticks.back().t - m_statementsSince - p.baselineSeconds;
    const double longest = 2 * p.baselineSeconds;
    if (waited >= longest - 1e-6) {
        m_events.publish(QStringLiteral("collector.notice"),
            { { QStringLiteral("message"),
                QStringLiteral("applying action %1 on an unsteady baseline (%2) after waiting %3 s for a steady one")
                    .arg(m_action.id)
                    .arg(unsteady)
                    .arg(waited, 0, 'f', 0) } });
        return true;
    }
    if (!std::exchange(m_unsteadyAnnounced, true))
        m_events.publish(QStringLiteral("baseline.unsteady"),
            { { QStringLiteral("action_id"), m_action.id }, { QStringLiteral("reason"), unsteady },
                { QStringLiteral("waiting_up_to_seconds"), longest } });
    return false;
}

void Engine::onTick()
{
    const qint64 statementsEvery
        = std::max<qint64>(1, std::llround(m_config.policy.intervalSeconds / m_config.tickSeconds));
    // While an action is in the pipeline every tick reads the statements (the baseline and the window need
    // them at every boundary); idle, only every interval.
    const bool busy = m_phase != Phase::Idle && m_phase != Phase::Recovering;
    const bool withStatements = busy || m_tickIndex % statementsEvery == 0;
    ++m_tickIndex;
    std::optional<Snapshot> snapshot = m_collector->collect(withStatements);
    if (!snapshot) {
        m_events.publish(QStringLiteral("collector.gap"), { { QStringLiteral("reason"), m_collector->lastError() } });
        m_statementsSince = -1;
    } else {
        snapshot->host = m_lastHost;
        // Without pg_stat_statements the baseline is made of what there is (transactions, session times), so its
        // clock starts at once rather than never.
        const bool complete = snapshot->hasStatements || !m_collector->hasStatementStatistics();
        if (busy && complete && m_statementsSince < 0)
            m_statementsSince = snapshot->t;
        if (!snapshot->hasStatements && m_collector->hasStatementStatistics())
            m_statementsSince = -1;
        m_ticks.push_back(std::move(*snapshot));
        if (m_ticks.size() >= 2 && m_phase != Phase::Observing && (m_tickIndex - 1) % statementsEvery == 0) {
            // Outside an observation window: one sample per interval for the log and the charts (inside one, the
            // window's own samples are published as the guard reads them).
            const qsizetype n = qsizetype(m_ticks.size());
            qsizetype from = n - 1;
            while (from > 0
                && (m_ticks.back().t - m_ticks[std::size_t(from)].t)
                    < m_config.policy.intervalSeconds - 0.25 * m_config.tickSeconds)
                --from;
            const std::vector<Snapshot> span(m_ticks.begin() + from, m_ticks.end());
            const Sample sample = SampleDeriver::derive(span);
            if (sample.valid) {
                rememberSample(sample);
                emit sampleAvailable(sample);
                m_events.publish(QStringLiteral("sample"), sampleJson(sample));
                m_store->addSample(m_targetName, sample);
            }
        }
        trimTicks();
    }
    if (m_phase == Phase::Applying && m_action.kind == ActionKind::CreateIndex && m_executorPid > 0)
        watchIndexBuild(nowSeconds());
    if (m_phase == Phase::Idle && !m_cleaning && !m_cleanups.empty()) {
        m_cleaning = true;
        QMetaObject::invokeMethod(m_worker, "cleanUp", Qt::QueuedConnection, Q_ARG(vigil::Action, m_cleanups.front()));
    }
    if (m_phase == Phase::Baseline && baselineReady() && baselineSettled())
        startApplying();
    else if (m_phase == Phase::Observing)
        feedWindow(nowSeconds());
}

void Engine::trimTicks()
{
    const GuardPolicy &p = m_config.policy;
    const double keep = p.baselineSeconds + 2 * p.windowSeconds + 4 * p.intervalSeconds + 10;
    if (m_ticks.empty())
        return;
    double oldest = m_ticks.back().t - keep;
    // While an action runs (an index build can take minutes) its baseline, the interval before it started, stays.
    if (m_phase == Phase::Applying)
        oldest = std::min(oldest, m_applyStartT - p.baselineSeconds - 2 * p.intervalSeconds - m_config.tickSeconds);
    while (!m_ticks.empty() && m_ticks.front().t < oldest)
        m_ticks.pop_front();
}

bool Engine::journal(ActionState to, const QString &reason, const QJsonObject &evidence)
{
    if (!m_store->transition(m_action.id, to, reason, evidence)) {
        m_events.publish(QStringLiteral("engine.error"),
            { { QStringLiteral("message"),
                QStringLiteral("cannot write the journal (%1); Vigil stops acting").arg(m_store->lastError()) } });
        return false;
    }
    m_action.state = to;
    m_action.reason = reason;
    if (!evidence.isEmpty())
        m_action.evidence = evidence;
    return true;
}

void Engine::publishAction(const QString &event, const QString &reason, const QJsonObject &extra)
{
    QJsonObject payload = actionPayload(m_action);
    if (!reason.isEmpty())
        payload.insert(QStringLiteral("reason"), reason);
    for (auto it = extra.begin(); it != extra.end(); ++it)
        payload.insert(it.key(), it.value());
    m_events.publish(event, payload);
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
    if (m_phase == Phase::Idle)
        m_config.policy = policy;
    else
        m_pendingPolicy = policy;
}

void Engine::setPaused(bool paused)
{
    m_paused = paused;
    if (paused && m_phase == Phase::Baseline) {
        // Not applied yet: it simply does not go ahead.
        journal(ActionState::Failed, QStringLiteral("not applied: actions were paused during the baseline"));
        publishAction(QStringLiteral("action.failed"), m_action.reason);
        finish(true);
    } else if (paused && m_phase == Phase::Applying && m_executorPid > 0) {
        // Stop the statement at once (an index build can run for minutes); the executor then reports the failure,
        // drops an INVALID index left behind, and the action ends as failed.
        cancelExecutorStatement();
    }
    m_events.publish(QStringLiteral("engine.paused"), { { QStringLiteral("paused"), paused } });
}

void Engine::submit(const Action &action)
{
    if (m_paused) {
        emit actionRefused(QStringLiteral("actions are paused: resume them to apply this change"));
        return;
    }
    if (m_phase != Phase::Idle) {
        emit actionRefused(QStringLiteral("an action is already being handled on this target"));
        return;
    }
    m_action = action;
    m_action.target = m_targetName;
    m_phase = Phase::Preparing;
    QMetaObject::invokeMethod(m_worker, "prepare", Qt::QueuedConnection, Q_ARG(vigil::Action, m_action));
}

void Engine::propose(const Action &action)
{
    if (m_phase != Phase::Idle) {
        emit actionRefused(QStringLiteral("an action is already being handled on this target"));
        return;
    }
    m_proposing = true;
    m_action = action;
    m_action.target = m_targetName;
    m_phase = Phase::Preparing;
    QMetaObject::invokeMethod(m_worker, "prepare", Qt::QueuedConnection, Q_ARG(vigil::Action, m_action));
}

void Engine::approve(qint64 actionId, const QString &by)
{
    const std::optional<Action> stored = m_store->action(actionId);
    if (!stored || stored->state != ActionState::AwaitingApproval) {
        emit actionRefused(QStringLiteral("action %1 is not waiting for approval").arg(actionId));
        return;
    }
    // A shared store holds other targets' actions: only this engine's target is this engine's to run.
    if (stored->target != m_targetName) {
        emit actionRefused(QStringLiteral("action %1 is for %2, not %3: approve it where that target is watched")
                               .arg(QString::number(actionId), stored->target, m_targetName));
        return;
    }
    if (m_paused || m_phase != Phase::Idle) {
        emit actionRefused(m_paused ? QStringLiteral("actions are paused: resume them to run an approved action")
                                    : QStringLiteral("an action is already being handled on this target"));
        return;
    }
    m_action = *stored;
    m_action.reason = QStringLiteral("approved by %1").arg(by);
    m_approvedBy = by;
    publishAction(QStringLiteral("action.approved"), m_action.reason);
    m_phase = Phase::Locking;
    QMetaObject::invokeMethod(m_worker, "lockTarget", Qt::QueuedConnection, Q_ARG(vigil::Action, m_action));
}

void Engine::reject(qint64 actionId, const QString &by)
{
    const std::optional<Action> stored = m_store->action(actionId);
    if (!stored || stored->state != ActionState::AwaitingApproval) {
        emit actionRefused(QStringLiteral("action %1 is not waiting for approval").arg(actionId));
        return;
    }
    if (stored->target != m_targetName) {
        emit actionRefused(QStringLiteral("action %1 is for %2, not %3: reject it where that target is watched")
                               .arg(QString::number(actionId), stored->target, m_targetName));
        return;
    }
    // Approved already (its baseline is being collected): a decision is taken once. Pausing drops it instead.
    if (m_phase != Phase::Idle && m_action.id == actionId) {
        emit actionRefused(QStringLiteral("action %1 was approved and is collecting its baseline: pause actions to "
                                          "drop it before it runs")
                               .arg(actionId));
        return;
    }
    const QString reason = QStringLiteral("rejected by %1").arg(by);
    if (!m_store->transition(actionId, ActionState::Rejected, reason)) {
        emit actionRefused(QStringLiteral("cannot write the journal: %1").arg(m_store->lastError()));
        return;
    }
    Action rejected = *m_store->action(actionId);
    QJsonObject payload { { QStringLiteral("action_id"), actionId }, { QStringLiteral("reason"), reason },
        { QStringLiteral("apply_sql"), rejected.applySql }, { QStringLiteral("state"), stateName(rejected.state) } };
    m_events.publish(QStringLiteral("action.rejected"), payload);
    emit actionFinished(rejected);
}

void Engine::onPrepared(const Action &prepared, const ExecResult &result)
{
    if (m_phase != Phase::Preparing)
        return;
    const bool proposing = std::exchange(m_proposing, false);
    if (!result.ok) {
        m_phase = Phase::Idle;
        emit actionRefused(result.error);
        return;
    }
    m_action = prepared;
    if (m_action.details.value(QLatin1StringView("rollback_from")).toString() == QLatin1StringView("user"))
        m_action.rollbackSql = m_action.details.value(QLatin1StringView("user_rollback_sql")).toString();
    if (m_action.needsRestart) {
        m_phase = Phase::Idle;
        emit actionRefused(QStringLiteral("%1 takes effect only after a server restart: Vigil cannot observe it, so it "
                                          "does not apply it (plan it for a maintenance window)")
                               .arg(m_action.details.value(QLatin1StringView("name")).toString()));
        return;
    }
    m_action.state = proposing ? ActionState::AwaitingApproval : ActionState::Proposed;
    m_action.id = m_store->createAction(m_action, m_action.reason);
    if (m_action.id == 0) {
        m_phase = Phase::Idle;
        emit actionRefused(QStringLiteral("cannot write the journal: %1").arg(m_store->lastError()));
        return;
    }
    if (proposing) {
        // Validated and journaled; it waits for a person (approve() or reject()).
        publishAction(QStringLiteral("action.awaiting_approval"), m_action.reason);
        m_phase = Phase::Idle;
        return;
    }
    publishAction(QStringLiteral("action.proposed"));
    m_phase = Phase::Locking;
    QMetaObject::invokeMethod(m_worker, "lockTarget", Qt::QueuedConnection, Q_ARG(vigil::Action, m_action));
}

void Engine::onLocked(const Action &, bool ok, const QString &error)
{
    if (m_phase == Phase::Recovering) {
        if (!ok) {
            m_events.publish(QStringLiteral("engine.error"), { { QStringLiteral("message"), error } });
            m_recoveryQueue.clear();
            m_phase = Phase::Idle;
            emit recoveryFinished(m_recovered, m_recoveryFailed + 1);
            return;
        }
        recoverNext();
        return;
    }
    if (m_phase != Phase::Locking)
        return;
    if (!ok) {
        journal(ActionState::Failed, error);
        publishAction(QStringLiteral("action.failed"), error);
        finish(false);
        return;
    }
    m_phase = Phase::Baseline;
    m_statementsSince = -1; // the baseline is collected now, with statements at every tick
    m_unsteadyAnnounced = false;
    m_events.publish(QStringLiteral("baseline.collecting"),
        { { QStringLiteral("action_id"), m_action.id },
            { QStringLiteral("seconds"), m_config.policy.baselineSeconds } });
}

void Engine::startApplying()
{
    m_applyStartT = nowSeconds();
    m_tableLockWaitSince.reset();
    m_cancelledBecause.clear();
    // Written before the SQL runs: a crash from here on leaves an `applying` row for recovery to inspect.
    // Who approved goes into the journal with the step it allowed (approve mode, desktop or over NATS).
    const QString approval = std::exchange(m_approvedBy, QString());
    if (!journal(ActionState::Applying,
            (approval.isEmpty() ? QString() : QStringLiteral("approved by %1; ").arg(approval))
                + QStringLiteral("applying after a %1 s baseline").arg(m_config.policy.baselineSeconds))) {
        publishAction(QStringLiteral("action.failed"),
            QStringLiteral("not applied: the journal cannot be written (%1)").arg(m_store->lastError()));
        finish(true);
        return;
    }
    publishAction(QStringLiteral("action.applying"));
    m_phase = Phase::Applying;
    QMetaObject::invokeMethod(m_worker, "apply", Qt::QueuedConnection, Q_ARG(vigil::Action, m_action));
}

void Engine::watchIndexBuild(double now)
{
    const std::optional<DbCollector::IndexBuildProgress> progress = m_collector->indexBuildProgress(m_executorPid);
    const std::optional<DbCollector::LockWait> wait = m_collector->lockWait(m_executorPid);
    const bool tableLock = wait && wait->lockType == QLatin1StringView("relation");
    if (progress || wait) {
        QJsonObject payload { { QStringLiteral("action_id"), m_action.id },
            { QStringLiteral("phase"), progress ? progress->phase : QStringLiteral("waiting for the table's lock") } };
        if (progress && progress->percent)
            payload.insert(QStringLiteral("percent"), *progress->percent);
        if (wait) {
            payload.insert(QStringLiteral("waiting_for"),
                tableLock ? QStringLiteral("table_lock") : QStringLiteral("transactions"));
            QJsonArray blockers;
            for (const DbCollector::LockWait::Blocker &b : wait->blockers) {
                QJsonObject blocker { { QStringLiteral("pid"), b.pid } };
                if (b.transactionSeconds)
                    blocker.insert(QStringLiteral("transaction_seconds"), *b.transactionSeconds);
                blockers.append(blocker);
            }
            payload.insert(QStringLiteral("blockers"), blockers);
        }
        m_events.publish(QStringLiteral("action.progress"), payload);
    }
    if (!tableLock) {
        m_tableLockWaitSince.reset();
        return;
    }
    if (!m_tableLockWaitSince)
        m_tableLockWaitSince = now;
    if (!m_cancelledBecause.isEmpty() || now - *m_tableLockWaitSince < kLockTimeoutMs / 1000.0)
        return;
    QStringList holders;
    for (const DbCollector::LockWait::Blocker &b : wait->blockers)
        holders << QString::number(b.pid);
    m_cancelledBecause = QStringLiteral("the build waited over %1 s for the table's lock (held by session %2), and "
                                        "a build waiting for it holds up other sessions' DDL and VACUUM: cancelled")
                             .arg(kLockTimeoutMs / 1000.0, 0, 'g', 3)
                             .arg(holders.isEmpty() ? QStringLiteral("?") : holders.join(QStringLiteral(", ")));
    cancelExecutorStatement();
}

void Engine::cancelExecutorStatement()
{
    // From the collector's session: the executor's is busy running the statement.
    m_collector->connection().query(
        "/* vigil-collector */ SELECT pg_cancel_backend($1)", { QString::number(m_executorPid) });
}

void Engine::onApplied(const Action &, const ExecResult &result)
{
    m_applyFinishedT = nowSeconds();
    if (m_phase != Phase::Applying)
        return;
    if (!result.ok) {
        if (result.details.value(QLatin1StringView("invalid_index_left")).toBool())
            m_cleanups.push_back(m_action); // dropped from the next idle tick on, once the lock that stopped it goes
        const QString error = m_cancelledBecause.isEmpty()
            ? result.error
            : QStringLiteral("%1 (%2)").arg(std::exchange(m_cancelledBecause, QString()), result.error);
        journal(ActionState::Failed, QStringLiteral("apply failed: %1").arg(error));
        publishAction(QStringLiteral("action.failed"), error);
        finish(true);
        return;
    }
    // The baseline: the samples before the action started, from the ticks collected while waiting.
    const std::vector<Snapshot> ticks(m_ticks.begin(), m_ticks.end());
    const std::span<const Snapshot> span(ticks);
    const qsizetype before = SampleSeries::indexAtOrBefore(span, m_applyStartT);
    const double anchor = before >= 0 ? ticks[std::size_t(before)].t : m_applyStartT;
    const GuardPolicy &p = m_config.policy;
    const std::vector<Sample> baselineSamples
        = SampleSeries::derive(span, anchor - p.baselineSamples() * p.intervalSeconds, p.intervalSeconds,
            p.baselineSamples(), 0.25 * m_config.tickSeconds);
    Baseline baseline(baselineSamples, m_collector->statementTexts());
    m_window = std::make_unique<ObservationWindow>(
        p, DegradationDetector::create(DegradationDetector::Kind::Vigil, p, baseline));
    m_windowStart = -1;
    m_windowSamplesFed = 0;
    m_phase = Phase::Observing;
    const QJsonObject timing { { QStringLiteral("apply_seconds"), result.seconds },
        { QStringLiteral("baseline"), baseline.summary() } };
    if (!journal(ActionState::Observing,
            QStringLiteral("applied in %1 s; observing for %2 s").arg(result.seconds, 0, 'f', 2).arg(p.windowSeconds),
            timing)) {
        // Applied but not recorded as such: a change nobody can account for is taken back at once.
        beginRollback(QStringLiteral("the journal cannot be written (%1): a change Vigil cannot record is taken back")
                          .arg(m_store->lastError()),
            {});
        return;
    }
    publishAction(QStringLiteral("action.executed"), {}, timing);
}

void Engine::feedWindow(double now)
{
    const GuardPolicy &p = m_config.policy;
    const double tolerance = 0.25 * m_config.tickSeconds;
    const std::vector<Snapshot> ticks(m_ticks.begin(), m_ticks.end());
    const std::span<const Snapshot> span(ticks);
    if (m_windowStart < 0) {
        // The window opens at the first tick after the action finished (an index build can outlast a window: what
        // the guard judges is the database with the index, not while it was being built).
        const qsizetype first = SampleSeries::indexAtOrAfter(span, m_applyFinishedT);
        if (first < 0)
            return;
        m_windowStart = ticks[std::size_t(first)].t;
    }
    while (m_window && !m_window->isDecided()) {
        const double gridStart = m_windowStart + m_windowSamplesFed * p.intervalSeconds;
        const double gridEnd = gridStart + p.intervalSeconds;
        std::optional<Verdict> verdict;
        const bool closedByTick = !ticks.empty() && ticks.back().t >= gridEnd - tolerance;
        if (closedByTick || now >= gridEnd + m_config.tickSeconds + tolerance) {
            // The sample is over (a tick closed it, or time ran past it without one: a gap).
            const std::vector<Sample> sample = SampleSeries::derive(span, gridStart, p.intervalSeconds, 1, tolerance);
            ++m_windowSamplesFed;
            m_events.publish(QStringLiteral("sample"), sampleJson(sample.front()));
            rememberSample(sample.front());
            emit sampleAvailable(sample.front());
            m_store->addSample(m_targetName, sample.front());
            verdict = m_window->addSample(sample.front());
        } else {
            // Inside the sample: show the detector what has arrived so far (overwhelming harm only).
            const qsizetype open = SampleSeries::indexAtOrBefore(span, gridStart + tolerance);
            if (open >= 0 && std::abs(ticks[std::size_t(open)].t - gridStart) <= tolerance
                && qsizetype(ticks.size()) - 1 > open)
                verdict = m_window->peek(SampleDeriver::derive(span.subspan(std::size_t(open))),
                    SampleDeriver::derive(span.subspan(span.size() - 2)));
            if (!verdict)
                return;
        }
        if (!verdict)
            continue;
        const QJsonObject evidence = verdictToJson(*verdict);
        if (verdict->isRollback()) {
            publishAction(
                QStringLiteral("action.degraded"), verdict->reason, { { QStringLiteral("evidence"), evidence } });
            if (m_config.askBeforeRollback && m_config.mode == QLatin1StringView("approve"))
                awaitRollbackDecision(verdict->reason, evidence);
            else
                beginRollback(verdict->reason, evidence);
        } else {
            journal(ActionState::Kept, verdict->reason, evidence);
            publishAction(QStringLiteral("action.kept"), verdict->reason, { { QStringLiteral("evidence"), evidence } });
            finish(true);
        }
        return;
    }
}

void Engine::awaitRollbackDecision(const QString &reason, const QJsonObject &evidence)
{
    // The change stays in place while a DBA decides: journaled as still observing (recovery after a crash observes
    // it again), with the verdict, and bounded in time.
    m_pendingRollbackReason = reason;
    m_pendingRollbackEvidence = evidence;
    const QString waiting = QStringLiteral("degraded: %1 — waiting for a DBA to confirm the rollback").arg(reason);
    journal(ActionState::Observing, waiting, evidence);
    publishAction(QStringLiteral("action.rollback_requested"), reason,
        QJsonObject { { QStringLiteral("evidence"), evidence },
            { QStringLiteral("decide_within_seconds"), m_config.rollbackDecisionSeconds } });
    m_phase = Phase::AwaitingRollbackDecision;
    m_rollbackDecisionTimer.start(int(std::lround(m_config.rollbackDecisionSeconds * 1000)));
}

void Engine::confirmRollback(qint64 actionId, const QString &by)
{
    if (m_phase != Phase::AwaitingRollbackDecision || actionId != m_action.id) {
        emit actionRefused(QStringLiteral("action %1 is not waiting for a rollback decision").arg(actionId));
        return;
    }
    m_rollbackDecisionTimer.stop();
    beginRollback(
        QStringLiteral("%1; rollback confirmed by %2").arg(m_pendingRollbackReason, by), m_pendingRollbackEvidence);
}

void Engine::keepDespiteVerdict(qint64 actionId, const QString &by)
{
    if (m_phase != Phase::AwaitingRollbackDecision || actionId != m_action.id) {
        emit actionRefused(QStringLiteral("action %1 is not waiting for a rollback decision").arg(actionId));
        return;
    }
    m_rollbackDecisionTimer.stop();
    const QString reason = QStringLiteral("kept by %1 despite the verdict: %2").arg(by, m_pendingRollbackReason);
    journal(ActionState::Kept, reason, m_pendingRollbackEvidence);
    publishAction(QStringLiteral("action.kept"), reason, { { QStringLiteral("evidence"), m_pendingRollbackEvidence } });
    finish(true);
}

void Engine::setAskBeforeRollback(bool ask)
{
    m_config.askBeforeRollback = ask;
}

void Engine::beginRollback(const QString &reason, const QJsonObject &evidence)
{
    // Written before the rollback runs, with the verdict's evidence. When the journal cannot be written the
    // rollback still runs: leaving a harmful change in place is worse than a journal one step behind (the row
    // stays `observing`, which recovery rolls back again, a no-op then).
    if (!journal(ActionState::RollingBack, reason, evidence))
        m_action.reason = reason;
    publishAction(QStringLiteral("action.rolling_back"), reason);
    m_phase = Phase::RollingBack;
    QMetaObject::invokeMethod(m_worker, "rollback", Qt::QueuedConnection, Q_ARG(vigil::Action, m_action));
}

void Engine::onRolledBack(const Action &, const ExecResult &result)
{
    if (m_phase != Phase::RollingBack && m_phase != Phase::Recovering)
        return;
    const bool recovering = m_phase == Phase::Recovering;
    QString why = m_action.reason;
    if (const QString retried = result.details.value(QLatin1StringView("retried_after")).toString();
        result.ok && !retried.isEmpty())
        why += QStringLiteral(" (the rollback ran again on a new session after: %1)").arg(retried);
    if (result.ok) {
        journal(ActionState::RolledBack, why);
        publishAction(
            QStringLiteral("action.rolled_back"), why, { { QStringLiteral("rollback_seconds"), result.seconds } });
        ++m_recovered;
    } else {
        // Never silently kept: the action failed, with both the reason for rolling back and the rollback's error.
        const QString both = QStringLiteral("rollback failed: %1 (rolling back because: %2)").arg(result.error, why);
        journal(ActionState::Failed, both);
        publishAction(QStringLiteral("action.failed"), both, { { QStringLiteral("alert"), true } });
        ++m_recoveryFailed;
    }
    if (recovering)
        recoverNext();
    else
        finish(true);
}

void Engine::finish(bool unlock)
{
    if (unlock)
        QMetaObject::invokeMethod(m_worker, "unlockTarget", Qt::QueuedConnection);
    m_window.reset();
    m_phase = Phase::Idle;
    m_approvedBy.clear();
    if (m_pendingPolicy) {
        m_config.policy = *m_pendingPolicy;
        m_pendingPolicy.reset();
    }
    if (const std::optional<Action> stored = m_store->action(m_action.id))
        m_action = *stored;
    emit actionFinished(m_action);
}

void Engine::onCleanedUp(const Action &action, int dropped, const QString &error)
{
    m_cleaning = false;
    if (dropped < 0) {
        m_events.publish(QStringLiteral("engine.notice"),
            { { QStringLiteral("action_id"), action.id },
                { QStringLiteral("message"),
                    QStringLiteral("the INVALID index of action %1 cannot be dropped yet: %2")
                        .arg(action.id)
                        .arg(error) } });
        return; // tried again at the next idle tick
    }
    if (!m_cleanups.empty() && m_cleanups.front().id == action.id)
        m_cleanups.erase(m_cleanups.begin());
    // The action stays failed; its details now say what became of its leftover.
    std::optional<Action> stored = m_store->action(action.id);
    QJsonObject details = stored ? stored->details : action.details;
    const QString what = dropped
        ? QStringLiteral("dropped by Vigil at %1").arg(QDateTime::currentDateTimeUtc().toString(Qt::ISODate))
        : QStringLiteral("gone (dropped by someone else)");
    details[QStringLiteral("invalid_index")] = what;
    details.remove(QStringLiteral("invalid_index_left"));
    m_store->updateDetails(action.id, details);
    m_events.publish(QStringLiteral("action.cleaned_up"),
        { { QStringLiteral("action_id"), action.id }, { QStringLiteral("invalid_index"), what } });
}

void Engine::recover()
{
    if (m_phase != Phase::Idle) {
        emit recoveryFinished(0, 0);
        return;
    }
    m_recoveryQueue = m_store->inFlight(m_targetName);
    m_recovered = 0;
    m_recoveryFailed = 0;
    if (m_recoveryQueue.empty()) {
        emit recoveryFinished(0, 0);
        return;
    }
    m_phase = Phase::Recovering;
    QMetaObject::invokeMethod(
        m_worker, "lockTarget", Qt::QueuedConnection, Q_ARG(vigil::Action, m_recoveryQueue.front()));
}

void Engine::recoverNext()
{
    if (m_recoveryQueue.empty()) {
        QMetaObject::invokeMethod(m_worker, "unlockTarget", Qt::QueuedConnection);
        m_phase = Phase::Idle;
        emit recoveryFinished(m_recovered, m_recoveryFailed);
        return;
    }
    m_action = m_recoveryQueue.front();
    m_recoveryQueue.erase(m_recoveryQueue.begin());
    QMetaObject::invokeMethod(m_worker, "inspect", Qt::QueuedConnection, Q_ARG(vigil::Action, m_action));
}

void Engine::onInspected(const Action &, int inEffect, const QString &error)
{
    if (m_phase != Phase::Recovering)
        return;
    const QString effect = inEffect == 1 ? QStringLiteral("its effect is in place")
        : inEffect == 0                  ? QStringLiteral("its effect is not in place")
                                         : QStringLiteral("its effect cannot be inspected (%1)").arg(error);
    QString reason;
    switch (m_action.state) {
    case ActionState::Applying:
        if (inEffect == 0) {
            reason = QStringLiteral("recovery: Vigil stopped while applying and %1: the action never took effect")
                         .arg(effect);
            journal(ActionState::Failed, reason);
            publishAction(QStringLiteral("action.recovered"), reason);
            ++m_recovered;
            recoverNext();
            return;
        }
        reason = QStringLiteral("recovery: Vigil stopped while applying and %1; it was never observed, so it is "
                                "taken back")
                     .arg(effect);
        break;
    case ActionState::Observing:
        reason = QStringLiteral("recovery: Vigil stopped during the observation window (%1); without a complete "
                                "window the action is taken back")
                     .arg(effect);
        break;
    case ActionState::RollingBack:
        if (inEffect == 0) {
            reason = QStringLiteral("recovery: the rollback had completed before Vigil stopped (%1)").arg(effect);
            journal(ActionState::RolledBack, reason);
            publishAction(QStringLiteral("action.recovered"), reason);
            ++m_recovered;
            recoverNext();
            return;
        }
        reason = QStringLiteral("recovery: Vigil stopped while rolling back and %1: rolling back again").arg(effect);
        break;
    default:
        recoverNext();
        return;
    }
    if (!journal(ActionState::RollingBack, reason)) {
        ++m_recoveryFailed;
        recoverNext();
        return;
    }
    publishAction(QStringLiteral("action.rolling_back"), reason);
    QMetaObject::invokeMethod(m_worker, "rollback", Qt::QueuedConnection, Q_ARG(vigil::Action, m_action));
}

void Engine::rememberSample(const Sample &sample)
{
    if (!sample.valid)
        return;
    m_recentSamples.push_back(sample);
    // The detectors look at the last analysis period (at least a few intervals, at most an hour of samples).
    const double keep = std::clamp(m_config.analyseSeconds, 3 * m_config.policy.intervalSeconds, 3600.0);
    while (!m_recentSamples.empty() && sample.tEnd - m_recentSamples.front().tEnd > keep + 1e-6)
        m_recentSamples.pop_front();
}

void Engine::setMode(const QString &mode)
{
    if (mode != QLatin1StringView("observe") && mode != QLatin1StringView("approve")
        && mode != QLatin1StringView("autonomous"))
        return;
    m_config.mode = mode;
    m_config.limits.mode = mode;
    m_events.publish(QStringLiteral("engine.mode"), { { QStringLiteral("mode"), mode } });
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

void Engine::analyseNow()
{
    if (!m_analyser)
        return;
    const std::vector<Sample> samples(m_recentSamples.begin(), m_recentSamples.end());
    QString error;
    std::optional<std::vector<Finding>> findings = m_analyser->run(samples, m_lastHost.memTotalBytes, &error);
    if (!findings) {
        m_events.publish(QStringLiteral("analysis.failed"), { { QStringLiteral("reason"), error } });
        return;
    }
    actOnRecommendations(*findings);
    QJsonArray all;
    QSet<QString> current;
    for (const Finding &f : *findings) {
        QJsonObject payload = findingJson(f);
        all.append(payload);
        const QString key = f.key();
        current.insert(key);
        // A finding is published when it appears or changes; the full list goes with analysis.finished.
        // (Not on its numbers, which move every run: on what a DBA would act on.)
        const QString shown = severityName(f.severity)
            + (f.recommendation ? u'|' + f.recommendation->sql + u'|' + f.recommendation->decision : QString());
        if (m_publishedFindings.value(key) != shown) {
            m_publishedFindings.insert(key, shown);
            payload.insert(QStringLiteral("target"), m_targetName);
            m_events.publish(QStringLiteral("finding"), payload);
        }
    }
    for (auto it = m_publishedFindings.begin(); it != m_publishedFindings.end();)
        it = current.contains(it.key()) ? std::next(it) : m_publishedFindings.erase(it);
    m_events.publish(QStringLiteral("analysis.finished"),
        { { QStringLiteral("target"), m_targetName }, { QStringLiteral("samples"), qint64(samples.size()) },
            { QStringLiteral("findings"), all } });
}

void Engine::actOnRecommendations(std::vector<Finding> &findings)
{
    // The newest actions on this target are enough for the memory (24 h) and the rate limit (1 h).
    ActionFilter filter;
    filter.target = m_targetName;
    const std::vector<Action> history = m_store->actionsPage(0, 1000, filter);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    bool started = false; // one action per run: the guard attributes one change at a time
    for (Finding &f : findings) {
        if (!f.recommendation)
            continue;
        Recommendation &r = *f.recommendation;
        ProposalDecision decision = ProposalPolicy::decide(r, history, now, m_config.limits);
        using Kind = ProposalDecision::Kind;
        if ((decision.kind == Kind::Queue || decision.kind == Kind::Execute)
            && (started || m_paused || m_phase != Phase::Idle)) {
            decision = { Kind::Suppressed,
                m_paused ? QStringLiteral("actions are paused")
                         : QStringLiteral("another action is being handled on this target; proposed again later") };
        }
        if (decision.kind == Kind::Queue || decision.kind == Kind::Execute) {
            QString why;
            std::optional<Action> action = actionFromSql(r.sql, {}, &why);
            if (!action) {
                decision = { Kind::Suppressed, QStringLiteral("Vigil cannot build this action: %1").arg(why) };
            } else {
                action->origin = ActionOrigin::Auto;
                action->reason = f.summary;
                action->details.insert(QStringLiteral("subject"), r.subject);
                action->details.insert(QStringLiteral("finding"), findingJson(f));
                started = true;
                if (decision.kind == Kind::Queue)
                    propose(*action);
                else
                    submit(*action);
            }
        }
        r.decision = decisionName(decision.kind);
        r.decisionReason = decision.reason;
    }
}

} // namespace vigil
