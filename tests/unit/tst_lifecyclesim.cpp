// SPDX-License-Identifier: MIT
// The action lifecycle (engine/act/lifecycle.h) driven by a seeded simulation: a fake executor (index builds that take
// minutes, locks held by another Vigil, failing applies and rollbacks, cancels), a fake journal (writes that fail for
// a while, the real transition rules), a guard that decides at random, a DBA who approves, rejects, pauses and
// switches modes at random, clock jumps, and crashes at any step followed by start-up recovery. After every step the
// invariants of docs/engine.md are checked. A failing schedule prints its seed: VIGIL_SIM_SEED=<seed> replays it.
#include "act/lifecycle.h"
#include "act/recovery.h"
#include "analyse/finding.h"
#include "analyse/proposalpolicy.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QTest>
#include <QTimeZone>

#include <deque>
#include <functional>
#include <map>
#include <set>

using namespace vigil;

namespace {

const QString kTarget = QStringLiteral("sim:5432/db");

/// The journal: the store's transition rules, and writes that fail while `failing` is on.
struct FakeJournal
{
    struct Row
    {
        Action action;
        std::vector<ActionState> path;
    };
    std::map<qint64, Row> rows;
    qint64 nextId = 1;
    bool failing = false;
    QString violation;
    const double *clock = nullptr; ///< the simulation's time, for the rows' timestamps

    QDateTime at() const { return QDateTime::fromSecsSinceEpoch(qint64(*clock), Qt::UTC); }

    qint64 create(const Action &a)
    {
        if (failing)
            return 0;
        Row row { a, { a.state } };
        row.action.id = nextId;
        row.action.createdAt = row.action.updatedAt = at();
        rows[nextId] = row;
        return nextId++;
    }
    bool transition(qint64 id, ActionState to, const QString &reason)
    {
        if (failing)
            return false;
        auto it = rows.find(id);
        if (it == rows.end()) {
            violation = QStringLiteral("a transition of action %1, which the journal does not have").arg(id);
            return false;
        }
        if (!isAllowedTransition(it->second.action.state, to)) {
            violation = QStringLiteral("illegal transition of action %1: %2 -> %3 (%4)")
                            .arg(id)
                            .arg(stateName(it->second.action.state), stateName(to), reason);
            return false;
        }
        it->second.action.state = to;
        it->second.action.reason = reason;
        it->second.action.updatedAt = at();
        it->second.path.push_back(to);
        return true;
    }
    std::optional<Action> action(qint64 id) const
    {
        auto it = rows.find(id);
        return it == rows.end() ? std::nullopt : std::optional<Action>(it->second.action);
    }
    int inFlight() const
    {
        int n = 0;
        for (const auto &[id, row] : rows)
            n += isInFlight(row.action.state) ? 1 : 0;
        return n;
    }
};

/// The executor and the server behind it: one request at a time, answered at a simulated time.
struct FakeExecutor
{
    enum class Request { None, Prepare, Lock, Apply, Rollback };
    Request pending = Request::None;
    Action action;
    double readyAt = 0;
    bool cancelled = false;
    std::set<qint64> inEffect; ///< actions whose change is in place on the server
};

class Simulation
{
public:
    Simulation(quint64 seed, ActionLifecycle::Settings::Faults faults)
        : m_seed(seed)
        , m_rng(seed)
        , m_faults(faults)
    {
        m_journal.clock = &m_now;
        restart();
    }

    /// How the journal's rows ended, and how many crashes the schedule had: what the schedules covered.
    void tally(std::map<QString, int> &counts) const
    {
        for (const auto &[id, row] : m_journal.rows)
            ++counts[stateName(row.action.state)];
        counts[QStringLiteral("(crashes)")] += m_crashes;
        counts[QStringLiteral("(journal writes failed)")] += m_failedWrites;
    }

    /// Runs `steps` steps; false with the first invariant broken.
    bool run(int steps, QString *failure)
    {
        for (m_step = 0; m_step < steps; ++m_step) {
            oneStep();
            if (m_violation.isEmpty() && !m_journal.violation.isEmpty())
                m_violation = m_journal.violation;
            if (m_violation.isEmpty())
                checkInvariants();
            if (!m_violation.isEmpty()) {
                *failure = QStringLiteral("seed %1, step %2: %3 (replay: VIGIL_SIM_SEED=%1)%4")
                               .arg(m_seed)
                               .arg(m_step)
                               .arg(m_violation, journalText());
                return false;
            }
        }
        return true;
    }

private:
    /// The journal's rows that are not closed, with their paths: what a replay of a failing seed starts from.
    QString journalText() const
    {
        QString text;
        for (const auto &[id, row] : m_journal.rows) {
            QStringList path;
            for (const ActionState s : row.path)
                path << stateName(s);
            text += QStringLiteral("\n  action %1: %2 (%3)")
                        .arg(id)
                        .arg(path.join(QStringLiteral(" > ")), row.action.reason);
        }
        return text;
    }

    bool chance(double p) { return m_rng.generateDouble() < p; }
    double uniform(double a, double b) { return a + (b - a) * m_rng.generateDouble(); }

    void restart()
    {
        ActionLifecycle::Settings settings;
        settings.target = kTarget;
        settings.askBeforeRollback = chance(0.3);
        settings.rollbackDecisionSeconds = uniform(5, 120);
        settings.faults = m_faults;
        m_machine = std::make_unique<ActionLifecycle>(settings);
        m_observeMode = false;
    }

    Action newAction()
    {
        Action a;
        a.kind = chance(0.5) ? ActionKind::CreateIndex : ActionKind::SetParameter;
        a.origin = chance(0.5) ? ActionOrigin::Auto : ActionOrigin::User;
        a.applySql = QStringLiteral("apply %1").arg(++m_tags);
        a.rollbackSql = QStringLiteral("undo %1").arg(m_tags);
        a.details.insert(QStringLiteral("sim_tag"), m_tags);
        a.details.insert(QStringLiteral("subject"), QStringLiteral("subject%1").arg(m_rng.bounded(6)));
        return a;
    }
    static int tagOf(const Action &a) { return a.details.value(QLatin1StringView("sim_tag")).toInt(); }

    void oneStep()
    {
        // The clock moves on; now and then it jumps (a suspended laptop, a stalled process).
        m_now += chance(0.02) ? uniform(60, 900) : uniform(0.05, 3);
        if (chance(0.05))
            m_journal.failing = !m_journal.failing;
        if (chance(0.01)) {
            crashAndRecover();
            return;
        }
        if (m_recovering) {
            recover();
            return;
        }
        // The journal fell behind (a write failed after the action took effect): the shell settles it, as
        // Engine does on an idle tick, before anything new starts.
        if (m_machine->journalBehind() && m_machine->isIdle() && m_executor.pending == FakeExecutor::Request::None) {
            recover();
            if (!m_recovering)
                m_machine->journalCaughtUp();
            return;
        }
        const double r = m_rng.generateDouble();
        if (r < 0.06)
            request(false);
        else if (r < 0.12)
            request(true);
        else if (r < 0.20)
            decideApproval(true);
        else if (r < 0.25)
            decideApproval(false);
        else if (r < 0.28)
            pause(!m_machine->isPaused());
        else if (r < 0.30)
            switchMode();
        else if (r < 0.34)
            decideRollback();
        else if (r < 0.38)
            analyse();
        else
            tick();
    }

    void request(bool proposing) { hand(newAction(), proposing); }

    void hand(const Action &action, bool proposing)
    {
        const LifecycleCommands out = proposing ? m_machine->propose(action) : m_machine->submit(action);
        if (!out.empty() && out.front().type == LifecycleCommand::Type::Prepare)
            m_handProposing = proposing;
        feed(out);
    }

    /// A detector recommends a change on one of a few subjects, as the analyser does; the policy decides with the
    /// journal's rows what becomes of it. A subject a DBA rejected within the policy's memory is not proposed again.
    void analyse()
    {
        Action wanted = newAction();
        Recommendation r;
        r.subject = wanted.details.value(QLatin1StringView("subject")).toString();
        r.sql = wanted.applySql;
        std::vector<Action> history;
        for (auto it = m_journal.rows.rbegin(); it != m_journal.rows.rend(); ++it) // newest first, as the store
            history.push_back(it->second.action);
        ProposalLimits limits;
        limits.mode = m_observeMode ? Mode::Observe : chance(0.5) ? Mode::Approve : Mode::Autonomous;
        limits.maxActionsPerHour = 1000;
        limits.cooldownSeconds = 0;
        const ProposalDecision d = ProposalPolicy::decide(r, history, m_journal.at(), limits);
        const bool proposed = d.kind == ProposalDecision::Kind::Queue || d.kind == ProposalDecision::Kind::Execute;
        for (const Action &a : history)
            if (proposed && a.state == ActionState::Rejected
                && a.details.value(QLatin1StringView("subject")).toString() == r.subject
                && a.updatedAt.secsTo(m_journal.at()) < limits.memorySeconds) {
                m_violation = QStringLiteral("%1 proposed again %2 s after action %3 on it was rejected")
                                  .arg(r.subject)
                                  .arg(a.updatedAt.secsTo(m_journal.at()))
                                  .arg(a.id);
                return;
            }
        wanted.origin = ActionOrigin::Auto;
        if (proposed)
            hand(wanted, d.kind == ProposalDecision::Kind::Queue);
    }

    void pause(bool paused)
    {
        rememberWhatMustNotRun();
        feed(m_machine->setPaused(paused));
    }

    void switchMode()
    {
        m_observeMode = !m_observeMode;
        if (m_observeMode) {
            rememberWhatMustNotRun();
            feed(m_machine->switchedToObserve());
        }
    }

    /// The action in hand whose SQL has not run yet: from now on it must not run, and it ends dropped (or refused,
    /// or failed on its lock) rather than failed.
    void rememberWhatMustNotRun()
    {
        using Step = ActionLifecycle::Step;
        const Step s = m_machine->step();
        // A proposal being validated only journals a question for a person: it may go on.
        const bool proposingOnly = s == Step::Preparing && m_handProposing;
        if ((s == Step::Preparing || s == Step::Locking || s == Step::Baseline) && !proposingOnly)
            m_mustNotRun.insert(tagOf(m_machine->action()));
    }

    void decideApproval(bool approve)
    {
        std::vector<qint64> awaiting;
        for (const auto &[id, row] : m_journal.rows)
            if (row.action.state == ActionState::AwaitingApproval)
                awaiting.push_back(id);
        // Sometimes an id that is not waiting (decided already, unknown): it must be refused.
        const qint64 id = awaiting.empty() || chance(0.2) ? qint64(m_rng.bounded(int(m_journal.nextId + 2)))
                                                          : awaiting[m_rng.bounded(int(awaiting.size()))];
        std::optional<Action> stored = m_journal.action(id);
        if (stored && chance(0.05))
            stored->target = QStringLiteral("other:5432/db");
        const bool inHand = m_machine->step() != ActionLifecycle::Step::Idle && m_machine->action().id == id;
        const LifecycleCommands out = approve ? m_machine->approve(id, stored, QStringLiteral("dba"))
                                              : m_machine->reject(id, stored, QStringLiteral("dba"));
        const bool accepted = std::none_of(out.begin(), out.end(),
            [](const LifecycleCommand &c) { return c.type == LifecycleCommand::Type::Refused; });
        // A decision is taken once: the approved action in hand cannot be rejected (or approved again).
        if (accepted && inHand)
            m_violation = QStringLiteral("action %1, approved and in hand, was %2 again")
                              .arg(id)
                              .arg(approve ? QStringLiteral("approved") : QStringLiteral("rejected"));
        feed(out);
    }

    void decideRollback()
    {
        const qint64 id = m_machine->action().id;
        feed(chance(0.5) ? m_machine->confirmRollback(id, QStringLiteral("dba"))
                         : m_machine->keepDespiteVerdict(id, QStringLiteral("dba")));
    }

    void tick()
    {
        using Step = ActionLifecycle::Step;
        // The executor answers what is due.
        if (m_executor.pending != FakeExecutor::Request::None && m_now >= m_executor.readyAt) {
            answerExecutor();
            return;
        }
        std::optional<QStringList> holders;
        if (m_machine->step() == Step::Applying && m_tableLockUntil > m_now)
            holders = QStringList { QStringLiteral("4242") };
        feed(m_machine->tick(m_now, holders));
        if (m_machine->step() == Step::Baseline && chance(0.3))
            feed(m_machine->baselineReady(m_now, 20));
        else if (m_machine->step() == Step::Observing && chance(0.2))
            feed(m_machine->verdict(chance(0.35), QStringLiteral("sim verdict"), {}, m_now));
    }

    void answerExecutor()
    {
        FakeExecutor &x = m_executor;
        const FakeExecutor::Request request = std::exchange(x.pending, FakeExecutor::Request::None);
        const Action action = x.action;
        switch (request) {
        case FakeExecutor::Request::Prepare: {
            const double r = m_rng.generateDouble();
            Action prepared = action;
            if (r < 0.05)
                prepared.needsRestart = true;
            feed(m_machine->prepared(
                prepared, r > 0.9 ? ExecResult::failure(QStringLiteral("bad input")) : ExecResult::success()));
            return;
        }
        case FakeExecutor::Request::Lock:
            feed(m_machine->locked(!chance(0.1), QStringLiteral("another Vigil holds the target's lock")));
            return;
        case FakeExecutor::Request::Apply: {
            const bool ok = !x.cancelled && !chance(0.15);
            if (ok)
                x.inEffect.insert(action.id);
            ExecResult result = ok ? ExecResult::success() : ExecResult::failure(QStringLiteral("apply error"));
            if (!ok && action.kind == ActionKind::CreateIndex && chance(0.5))
                result.details.insert(QStringLiteral("invalid_index_left"), true);
            x.cancelled = false;
            feed(m_machine->applied(result, 15, {}));
            return;
        }
        case FakeExecutor::Request::Rollback: {
            const bool ok = !chance(0.05);
            if (ok)
                x.inEffect.erase(action.id);
            feed(m_machine->rolledBack(
                ok ? ExecResult::success() : ExecResult::failure(QStringLiteral("rollback error"))));
            return;
        }
        case FakeExecutor::Request::None:
            return;
        }
    }

    void ask(FakeExecutor::Request request, const Action &action, double seconds)
    {
        if (m_executor.pending != FakeExecutor::Request::None) {
            m_violation = QStringLiteral("a second executor request while one is running");
            return;
        }
        m_executor.pending = request;
        m_executor.action = action;
        m_executor.readyAt = m_now + seconds;
        m_executor.cancelled = false;
    }

    /// Carries out commands as Engine does, checking each against the journal as it goes.
    void feed(const LifecycleCommands &commands)
    {
        using Type = LifecycleCommand::Type;
        for (const LifecycleCommand &c : commands) {
            if (!m_violation.isEmpty())
                return;
            switch (c.type) {
            case Type::Prepare:
                ask(FakeExecutor::Request::Prepare, c.action, 0.05);
                break;
            case Type::Lock:
                ask(FakeExecutor::Request::Lock, c.action, 0.01);
                break;
            case Type::Apply: {
                const std::optional<Action> row = m_journal.action(c.action.id);
                if (!row || row->state != ActionState::Applying)
                    m_violation = QStringLiteral("action %1 applied while the journal says %2")
                                      .arg(c.action.id)
                                      .arg(row ? stateName(row->state) : QStringLiteral("nothing"));
                else if (m_mustNotRun.count(tagOf(c.action)))
                    m_violation = QStringLiteral("action %1 applied after a pause or a switch to Observe before it ran")
                                      .arg(c.action.id);
                else if (m_journal.inFlight() > 1)
                    m_violation = QStringLiteral("two actions in flight at once");
                const bool slowBuild = c.action.kind == ActionKind::CreateIndex && chance(0.3);
                if (slowBuild && chance(0.3))
                    m_tableLockUntil = m_now + uniform(1, 20);
                ask(FakeExecutor::Request::Apply, c.action, slowBuild ? uniform(60, 400) : uniform(0.05, 1));
                break;
            }
            case Type::Rollback: {
                const std::optional<Action> row = m_journal.action(c.action.id);
                if ((!row || row->state != ActionState::RollingBack) && !m_lastWriteFailed)
                    m_violation = QStringLiteral("action %1 rolled back without a journalled reason (journal: %2)")
                                      .arg(c.action.id)
                                      .arg(row ? stateName(row->state) : QStringLiteral("nothing"));
                ask(FakeExecutor::Request::Rollback, c.action, uniform(0.05, 1));
                break;
            }
            case Type::Unlock:
                break;
            case Type::CancelStatement:
                if (m_executor.pending == FakeExecutor::Request::Apply) {
                    m_executor.cancelled = true;
                    m_executor.readyAt = std::min(m_executor.readyAt, m_now + 0.1);
                }
                break;
            case Type::CreateRow: {
                const qint64 id = m_journal.create(c.action);
                m_lastWriteFailed = id == 0;
                feed(m_machine->journalled(id != 0, id, QStringLiteral("journal down")));
                break;
            }
            case Type::Transition: {
                if (c.to == ActionState::Failed && m_mustNotRun.count(tagOf(c.action))
                    && !c.reason.contains(QLatin1StringView("lock")))
                    m_violation = QStringLiteral("action %1, stopped before it ran, journalled as failed: %2")
                                      .arg(c.action.id)
                                      .arg(c.reason);
                const bool ok = m_journal.transition(c.action.id, c.to, c.reason);
                m_lastWriteFailed = !ok;
                m_failedWrites += ok ? 0 : 1;
                feed(m_machine->journalled(ok, 0, QStringLiteral("journal down")));
                break;
            }
            case Type::Finished:
                // Its hand-over is over: approving it again later (a row whose drop could not be journalled still
                // awaits approval) is a new decision.
                m_mustNotRun.erase(tagOf(c.action));
                break;
            case Type::CollectBaseline:
            case Type::Publish:
            case Type::QueueCleanup:
            case Type::Refused:
                break;
            }
        }
    }

    /// The process dies: the machine and the executor's session are gone; a statement that was running may or may
    /// not have finished on the server. Start-up recovery then finishes every action left in flight.
    void crashAndRecover()
    {
        ++m_crashes;
        FakeExecutor &x = m_executor;
        if (x.pending == FakeExecutor::Request::Apply && !x.cancelled && chance(0.5))
            x.inEffect.insert(x.action.id);
        if (x.pending == FakeExecutor::Request::Rollback && chance(0.5))
            x.inEffect.erase(x.action.id);
        x.pending = FakeExecutor::Request::None;
        m_tableLockUntil = 0;
        m_mustNotRun.clear();
        restart();
        m_recovering = true;
        recover();
    }

    /// Recovery by the engine's own ActionRecovery (act/recovery.h), answered by the fake executor and journal as
    /// Engine's executor and store answer it: journal answers at once, executor answers after the batch. With the
    /// journal down a row stays in flight and recovery is tried again at the next step, while every request is
    /// refused (Engine::refusedWhileRecovering).
    void recover()
    {
        std::vector<Action> inFlight;
        for (const auto &[id, row] : m_journal.rows)
            if (isInFlight(row.action.state))
                inFlight.push_back(row.action);
        ActionRecovery recovery;
        std::deque<RecoveryCommand> executor; // asked of the executor, answered in order
        std::function<void(const RecoveryCommands &)> carryOut = [&](const RecoveryCommands &commands) {
            for (const RecoveryCommand &c : commands) {
                switch (c.type) {
                case RecoveryCommand::Type::Lock:
                case RecoveryCommand::Type::Inspect:
                case RecoveryCommand::Type::Rollback:
                    executor.push_back(c);
                    break;
                case RecoveryCommand::Type::Transition:
                    carryOut(recovery.journalled(m_journal.transition(c.action.id, c.to, c.reason)));
                    break;
                case RecoveryCommand::Type::Publish:
                case RecoveryCommand::Type::Unlock:
                case RecoveryCommand::Type::Error:
                case RecoveryCommand::Type::Finished:
                    break;
                }
            }
        };
        carryOut(recovery.start(std::move(inFlight)));
        FakeExecutor &x = m_executor;
        while (!executor.empty()) {
            const RecoveryCommand c = executor.front();
            executor.pop_front();
            if (c.type == RecoveryCommand::Type::Lock) {
                carryOut(recovery.locked(true, {}));
            } else if (c.type == RecoveryCommand::Type::Inspect) {
                carryOut(recovery.inspected(x.inEffect.count(c.action.id) ? 1 : 0, {}));
            } else if (chance(0.95)) {
                x.inEffect.erase(c.action.id);
                carryOut(recovery.rolledBack(ExecResult::success()));
            } else {
                carryOut(recovery.rolledBack(ExecResult::failure(QStringLiteral("the rollback failed (simulated)"))));
            }
        }
        if (recovery.isRunning())
            m_violation = QStringLiteral("recovery still waits with every answer given");
        m_recovering = m_journal.inFlight() > 0;
    }

    void checkInvariants()
    {
        if (m_journal.inFlight() > 1) {
            m_violation = QStringLiteral("two actions in flight at once");
            return;
        }
        // Every change in place is kept, failed with an alert (its rollback failed), or in flight (recoverable).
        for (const qint64 id : m_executor.inEffect) {
            const std::optional<Action> row = m_journal.action(id);
            const ActionState s = row ? row->state : ActionState::Proposed;
            if (!row || !(s == ActionState::Kept || s == ActionState::Failed || isInFlight(s))) {
                m_violation = QStringLiteral("action %1's change is in place while the journal says %2")
                                  .arg(id)
                                  .arg(row ? stateName(s) : QStringLiteral("nothing"));
                return;
            }
        }
        // A rolled-back action went through rolling_back (its reason journalled first).
        for (const auto &[id, row] : m_journal.rows) {
            const auto &p = row.path;
            if (!p.empty() && p.back() == ActionState::RolledBack
                && std::find(p.begin(), p.end(), ActionState::RollingBack) == p.end()) {
                m_violation = QStringLiteral("action %1 rolled back without a rolling_back row").arg(id);
                return;
            }
        }
        // Idle means nothing of the machine's is still running on the server.
        if (m_machine->isIdle() && m_executor.pending == FakeExecutor::Request::Apply)
            m_violation = QStringLiteral("the machine is idle while its apply still runs");
    }

    quint64 m_seed;
    QRandomGenerator m_rng;
    ActionLifecycle::Settings::Faults m_faults;
    std::unique_ptr<ActionLifecycle> m_machine;
    FakeJournal m_journal;
    FakeExecutor m_executor;
    double m_now = 1000;
    double m_tableLockUntil = 0;
    int m_tags = 0;
    int m_step = 0;
    bool m_observeMode = false;
    bool m_handProposing = false;
    bool m_recovering = false;
    int m_crashes = 0;
    int m_failedWrites = 0;
    bool m_lastWriteFailed = false;
    std::set<int> m_mustNotRun;
    QString m_violation;
};

int envInt(const char *name, int fallback)
{
    bool ok = false;
    const int v = qEnvironmentVariableIntValue(name, &ok);
    return ok ? v : fallback;
}

} // namespace

class TestLifecycleSim : public QObject
{
    Q_OBJECT
private slots:
    void thousandsOfSchedulesKeepEveryInvariant()
    {
        const int steps = envInt("VIGIL_SIM_STEPS", 600);
        bool oneSeed = false;
        const quint64 only = qEnvironmentVariableIntValue("VIGIL_SIM_SEED", &oneSeed);
        const int schedules = oneSeed ? 1 : envInt("VIGIL_SIM_SCHEDULES", 20000);
        QElapsedTimer clock;
        clock.start();
        std::map<QString, int> counts;
        for (int i = 0; i < schedules; ++i) {
            const quint64 seed = oneSeed ? only : quint64(i) + 1;
            Simulation sim(seed, {});
            QString failure;
            if (!sim.run(steps, &failure))
                QFAIL(qPrintable(failure));
            sim.tally(counts);
        }
        qInfo("simulated %d schedules of %d steps (%lld steps) in %.2f s", schedules, steps, qint64(schedules) * steps,
            clock.nsecsElapsed() / 1e9);
        QStringList ends;
        for (const auto &[what, n] : counts)
            ends << QStringLiteral("%1 %2").arg(what).arg(n);
        qInfo("actions ended: %s", qPrintable(ends.join(QStringLiteral(", "))));
        // Every end the lifecycle has was reached (a schedule generator that never got there proves nothing).
        for (const char *end : { "kept", "rolled_back", "failed", "rejected", "dropped", "awaiting_approval" })
            QVERIFY2(counts[QLatin1StringView(end)] > 0, end);
    }

    /// The simulation is worth only what it catches: a lifecycle that rolls back before journalling why is found.
    void aRollbackWithoutItsJournalRowIsCaught()
    {
        ActionLifecycle::Settings::Faults faults;
        faults.skipJournalBeforeRollback = true;
        QString failure;
        int seed = 1;
        for (; seed <= 500 && failure.isEmpty(); ++seed) {
            Simulation sim(quint64(seed), faults);
            sim.run(600, &failure);
        }
        qInfo("caught at %s", qPrintable(failure));
        QVERIFY2(failure.contains(QLatin1StringView("without a journalled reason"))
                || failure.contains(QLatin1StringView("rolling_back")),
            qPrintable(failure.isEmpty() ? QStringLiteral("not caught in 500 schedules") : failure));
    }
};

QTEST_GUILESS_MAIN(TestLifecycleSim)
#include "tst_lifecyclesim.moc"
