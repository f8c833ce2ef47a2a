// SPDX-License-Identifier: MIT
#include "act/lifecycle.h"

#include <utility>

namespace vigil {

namespace {
using Type = LifecycleCommand::Type;

LifecycleCommand command(Type type, const Action &action)
{
    LifecycleCommand c;
    c.type = type;
    c.action = action;
    return c;
}

void append(LifecycleCommands &to, LifecycleCommands more)
{
    for (LifecycleCommand &c : more)
        to.push_back(std::move(c));
}
} // namespace

ActionLifecycle::ActionLifecycle(Settings settings)
    : m_settings(std::move(settings))
{ }

LifecycleCommand ActionLifecycle::refuse(const QString &reason)
{
    LifecycleCommand c;
    c.reason = reason;
    return c;
}

LifecycleCommand ActionLifecycle::publish(
    const QString &transition, const QString &reason, const QJsonObject &extra) const
{
    LifecycleCommand c = command(Type::Publish, m_action);
    c.transition = transition;
    c.reason = reason;
    c.extra = extra;
    return c;
}

LifecycleCommands ActionLifecycle::write(
    Pending pending, ActionState to, const QString &reason, const QJsonObject &evidence)
{
    m_pending = pending;
    LifecycleCommand c = command(Type::Transition, m_action);
    c.to = to;
    c.reason = reason;
    c.evidence = evidence;
    m_writing = c;
    return { c };
}

QString ActionLifecycle::busyReason() const
{
    if (!isIdle())
        return QStringLiteral("an action is already being handled on this target");
    if (!m_journalBehind.isEmpty())
        return QStringLiteral("cannot write the journal (%1): Vigil acts again once the journal has caught up with "
                              "what it did")
            .arg(m_journalBehind);
    return {};
}

LifecycleCommands ActionLifecycle::submit(const Action &action)
{
    if (m_paused)
        return { refuse(QStringLiteral("actions are paused: resume them to apply this change")) };
    return take(action, false);
}

LifecycleCommands ActionLifecycle::propose(const Action &action)
{
    return take(action, true);
}

LifecycleCommands ActionLifecycle::take(const Action &action, bool proposing)
{
    if (const QString busy = busyReason(); !busy.isEmpty())
        return { refuse(busy) };
    m_action = action;
    m_action.target = m_settings.target;
    m_proposing = proposing;
    m_stopBeforeRunning.clear();
    m_step = Step::Preparing;
    return { command(Type::Prepare, m_action) };
}

QString ActionLifecycle::notDecidableHere(qint64 id, const std::optional<Action> &stored, const QString &verb) const
{
    if (!stored || stored->state != ActionState::AwaitingApproval)
        return QStringLiteral("action %1 is not waiting for approval").arg(id);
    // A shared store holds other targets' actions: only this engine's target is this engine's to decide on.
    if (stored->target != m_settings.target)
        return QStringLiteral("action %1 is for %2, not %3: %4 it where that target is watched")
            .arg(QString::number(id), stored->target, m_settings.target, verb);
    return {};
}

LifecycleCommands ActionLifecycle::approve(qint64 id, const std::optional<Action> &stored, const QString &by)
{
    if (const QString why = notDecidableHere(id, stored, QStringLiteral("approve")); !why.isEmpty())
        return { refuse(why) };
    if (m_paused)
        return { refuse(QStringLiteral("actions are paused: resume them to run an approved action")) };
    if (const QString busy = busyReason(); !busy.isEmpty())
        return { refuse(busy) };
    m_action = *stored;
    m_action.reason = QStringLiteral("approved by %1").arg(by);
    m_approvedBy = by;
    m_proposing = false;
    m_stopBeforeRunning.clear();
    m_step = Step::Locking;
    return { publish(QStringLiteral("approved"), m_action.reason), command(Type::Lock, m_action) };
}

LifecycleCommands ActionLifecycle::reject(qint64 id, const std::optional<Action> &stored, const QString &by)
{
    if (const QString why = notDecidableHere(id, stored, QStringLiteral("reject")); !why.isEmpty())
        return { refuse(why) };
    // Approved already (its baseline is being collected): a decision is taken once. Pausing drops it instead.
    if (m_step != Step::Idle && m_action.id == id)
        return { refuse(QStringLiteral("action %1 was approved and is collecting its baseline: pause actions to "
                                       "drop it before it runs")
                            .arg(id)) };
    m_rejecting = *stored;
    m_pending = Pending::Rejected;
    LifecycleCommand c = command(Type::Transition, m_rejecting);
    c.to = ActionState::Rejected;
    c.reason = QStringLiteral("rejected by %1").arg(by);
    m_writing = c;
    return { c };
}

LifecycleCommands ActionLifecycle::setPaused(bool paused)
{
    m_paused = paused;
    if (!paused)
        return {};
    const QString why = QStringLiteral("not applied: actions were paused before it ran");
    switch (m_step) {
    case Step::Baseline:
        return drop(QStringLiteral("not applied: actions were paused during the baseline"));
    case Step::Preparing:
    case Step::Locking:
        // The executor's answer is still to come: the action is dropped when it arrives (the lock released).
        if (!m_proposing)
            m_stopBeforeRunning = why;
        return {};
    case Step::Applying:
        // Stop the statement at once (an index build can run for minutes); the executor then reports the failure,
        // drops an INVALID index left behind, and the action ends as failed.
        if (m_cancelledBecause.isEmpty())
            m_cancelledBecause = QStringLiteral("cancelled: actions were paused while it was being applied");
        return { command(Type::CancelStatement, m_action) };
    default:
        return {};
    }
}

LifecycleCommands ActionLifecycle::switchedToObserve()
{
    const QString why = QStringLiteral("not applied: the mode was switched to Observe before it ran");
    switch (m_step) {
    case Step::Baseline:
        return drop(why);
    case Step::Preparing:
    case Step::Locking:
        if (!m_proposing)
            m_stopBeforeRunning = why;
        return {};
    default:
        return {}; // applied already: it is observed and judged like any other
    }
}

LifecycleCommands ActionLifecycle::prepared(const Action &prepared, const ExecResult &result)
{
    if (m_step != Step::Preparing)
        return {};
    if (!result.ok) {
        m_step = Step::Idle;
        return { refuse(result.error) };
    }
    m_action = prepared;
    m_action.target = m_settings.target;
    if (m_action.details.value(QLatin1StringView("rollback_from")).toString() == QLatin1StringView("user"))
        m_action.rollbackSql = m_action.details.value(QLatin1StringView("user_rollback_sql")).toString();
    if (m_action.needsRestart) {
        m_step = Step::Idle;
        return { refuse(QStringLiteral("%1 takes effect only after a server restart: Vigil cannot observe it, so it "
                                       "does not apply it (plan it for a maintenance window)")
                            .arg(m_action.details.value(QLatin1StringView("name")).toString())) };
    }
    if (!m_stopBeforeRunning.isEmpty()) {
        // Paused or switched to Observe while it was being validated: nothing was written, nothing runs.
        m_step = Step::Idle;
        return { refuse(std::exchange(m_stopBeforeRunning, QString())) };
    }
    m_action.state = m_proposing ? ActionState::AwaitingApproval : ActionState::Proposed;
    m_pending = Pending::Created;
    return { command(Type::CreateRow, m_action) };
}

LifecycleCommands ActionLifecycle::locked(bool ok, const QString &error)
{
    if (m_step != Step::Locking)
        return {};
    if (!ok)
        return write(Pending::FailedUnlocked, ActionState::Failed, error);
    if (!m_stopBeforeRunning.isEmpty())
        return drop(std::exchange(m_stopBeforeRunning, QString()));
    m_step = Step::Baseline;
    return { command(Type::CollectBaseline, m_action) };
}

LifecycleCommands ActionLifecycle::baselineReady(double now, double baselineSeconds)
{
    if (m_step != Step::Baseline)
        return {};
    m_applyStartT = now;
    m_tableLockWaitSince.reset();
    m_cancelledBecause.clear();
    // Written before the SQL runs: a crash from here on leaves an `applying` row for recovery to inspect.
    // Who approved goes into the journal with the step it allowed (approve mode, desktop or over NATS).
    const QString approval = std::exchange(m_approvedBy, QString());
    return write(Pending::Applying, ActionState::Applying,
        (approval.isEmpty() ? QString() : QStringLiteral("approved by %1; ").arg(approval))
            + QStringLiteral("applying after a %1 s baseline").arg(baselineSeconds));
}

LifecycleCommands ActionLifecycle::applied(const ExecResult &result, double windowSeconds, const QJsonObject &timing)
{
    if (m_step != Step::Applying)
        return {};
    if (!result.ok) {
        LifecycleCommands out;
        if (result.details.value(QLatin1StringView("invalid_index_left")).toBool())
            out.push_back(command(Type::QueueCleanup, m_action)); // dropped once the lock that stopped it goes
        const QString error = m_cancelledBecause.isEmpty()
            ? result.error
            : QStringLiteral("%1 (%2)").arg(std::exchange(m_cancelledBecause, QString()), result.error);
        m_publishReason = error;
        append(out, write(Pending::Failed, ActionState::Failed, QStringLiteral("apply failed: %1").arg(error)));
        return out;
    }
    m_step = Step::Observing;
    m_publishExtra = timing;
    return write(Pending::Observing, ActionState::Observing,
        QStringLiteral("applied in %1 s; observing for %2 s").arg(result.seconds, 0, 'f', 2).arg(windowSeconds),
        timing);
}

LifecycleCommands ActionLifecycle::verdict(
    bool rollback, const QString &reason, const QJsonObject &evidence, double now)
{
    if (m_step != Step::Observing)
        return {};
    const QJsonObject withEvidence { { QStringLiteral("evidence"), evidence } };
    if (!rollback) {
        m_publishExtra = withEvidence;
        return write(Pending::Kept, ActionState::Kept, reason, evidence);
    }
    LifecycleCommands out { publish(QStringLiteral("degraded"), reason, withEvidence) };
    if (m_settings.askBeforeRollback) {
        // The change stays in place while a DBA decides: journalled as still observing (recovery after a crash
        // takes it back), with the verdict, and bounded in time.
        m_pendingRollbackReason = reason;
        m_pendingRollbackEvidence = evidence;
        m_decisionSince = now;
        append(out,
            write(Pending::AwaitingDecision, ActionState::Observing,
                QStringLiteral("degraded: %1 — waiting for a DBA to confirm the rollback").arg(reason), evidence));
    } else {
        append(out, beginRollback(reason, evidence));
    }
    return out;
}

LifecycleCommands ActionLifecycle::confirmRollback(qint64 id, const QString &by)
{
    if (m_step != Step::AwaitingRollbackDecision || id != m_action.id)
        return { refuse(QStringLiteral("action %1 is not waiting for a rollback decision").arg(id)) };
    return beginRollback(
        QStringLiteral("%1; rollback confirmed by %2").arg(m_pendingRollbackReason, by), m_pendingRollbackEvidence);
}

LifecycleCommands ActionLifecycle::keepDespiteVerdict(qint64 id, const QString &by)
{
    if (m_step != Step::AwaitingRollbackDecision || id != m_action.id)
        return { refuse(QStringLiteral("action %1 is not waiting for a rollback decision").arg(id)) };
    m_publishExtra = { { QStringLiteral("evidence"), m_pendingRollbackEvidence } };
    return write(Pending::Kept, ActionState::Kept,
        QStringLiteral("kept by %1 despite the verdict: %2").arg(by, m_pendingRollbackReason),
        m_pendingRollbackEvidence);
}

LifecycleCommands ActionLifecycle::beginRollback(const QString &reason, const QJsonObject &evidence)
{
    // Written before the rollback runs, with the verdict's evidence. When the journal cannot be written the
    // rollback still runs (see journalled()).
    m_decisionSince.reset();
    if (m_settings.faults.skipJournalBeforeRollback) {
        m_step = Step::RollingBack;
        return { publish(QStringLiteral("rolling_back"), reason), command(Type::Rollback, m_action) };
    }
    m_publishReason = reason;
    return write(Pending::RollingBack, ActionState::RollingBack, reason, evidence);
}

LifecycleCommands ActionLifecycle::rolledBack(const ExecResult &result)
{
    if (m_step != Step::RollingBack)
        return {};
    const RollbackEnding end = rollbackEnding(m_action.reason, result);
    m_publishReason = end.reason;
    m_publishExtra = end.extra;
    m_rollbackEnd
        = { end.to == ActionState::RolledBack ? Pending::RolledBack : Pending::RollbackFailed, end.to, end.reason };
    // The journal was down when the rollback began: its rolling_back row comes first (the journal's order).
    if (!m_rollingBackJournalled)
        return write(Pending::RollingBackLate, ActionState::RollingBack, m_action.reason);
    return write(m_rollbackEnd.pending, m_rollbackEnd.to, m_rollbackEnd.reason);
}

LifecycleCommands ActionLifecycle::tick(double now, const std::optional<QStringList> &tableLockHolders)
{
    if (m_step == Step::AwaitingRollbackDecision && m_decisionSince
        && now - *m_decisionSince >= m_settings.rollbackDecisionSeconds) {
        // Nobody answered: the harm has waited long enough.
        return beginRollback(QStringLiteral("%1; no decision within %2 min, rolled back on its own")
                                 .arg(m_pendingRollbackReason)
                                 .arg(m_settings.rollbackDecisionSeconds / 60.0, 0, 'f', 0),
            m_pendingRollbackEvidence);
    }
    if (m_step != Step::Applying || m_action.kind != ActionKind::CreateIndex)
        return {};
    if (!tableLockHolders) {
        m_tableLockWaitSince.reset();
        return {};
    }
    if (!m_tableLockWaitSince)
        m_tableLockWaitSince = now;
    if (!m_cancelledBecause.isEmpty() || now - *m_tableLockWaitSince < m_settings.tableLockWaitSeconds)
        return {};
    m_cancelledBecause
        = QStringLiteral("the build waited over %1 s for the table's lock (held by session %2), and "
                         "a build waiting for it holds up other sessions' DDL and VACUUM: cancelled")
              .arg(m_settings.tableLockWaitSeconds, 0, 'g', 3)
              .arg(tableLockHolders->isEmpty() ? QStringLiteral("?") : tableLockHolders->join(QStringLiteral(", ")));
    return { command(Type::CancelStatement, m_action) };
}

LifecycleCommands ActionLifecycle::drop(const QString &reason)
{
    m_publishReason = reason;
    return write(Pending::Dropped, ActionState::Dropped, reason);
}

LifecycleCommands ActionLifecycle::finish(bool unlock)
{
    LifecycleCommands out;
    if (unlock)
        out.push_back(command(Type::Unlock, m_action));
    m_step = Step::Idle;
    m_approvedBy.clear();
    m_stopBeforeRunning.clear();
    m_decisionSince.reset();
    out.push_back(command(Type::Finished, m_action));
    return out;
}

LifecycleCommands ActionLifecycle::journalled(bool ok, qint64 id, const QString &error)
{
    if (!m_pending)
        return {};
    const Pending pending = *std::exchange(m_pending, std::nullopt);
    const LifecycleCommand written = std::exchange(m_writing, {});
    if (!ok && pending != Pending::Created && pending != Pending::Rejected && isInFlight(m_action.state))
        m_journalBehind = error.isEmpty() ? QStringLiteral("unknown error") : error;
    if (ok && pending != Pending::Created && pending != Pending::Rejected) {
        m_action.state = written.to;
        m_action.reason = written.reason;
        if (!written.evidence.isEmpty())
            m_action.evidence = written.evidence;
    }
    const QString reason = std::exchange(m_publishReason, QString());
    const QJsonObject extra = std::exchange(m_publishExtra, {});
    switch (pending) {
    case Pending::Created:
        if (!ok) {
            m_step = Step::Idle;
            return { refuse(QStringLiteral("cannot write the journal: %1").arg(error)) };
        }
        m_action.id = id;
        if (m_proposing) {
            // Validated and journalled; it waits for a person (approve() or reject()).
            m_proposing = false;
            m_step = Step::Idle;
            return { publish(QStringLiteral("awaiting_approval"), m_action.reason) };
        }
        m_step = Step::Locking;
        return { publish(QStringLiteral("proposed")), command(Type::Lock, m_action) };
    case Pending::Rejected: {
        if (!ok)
            return { refuse(QStringLiteral("cannot write the journal: %1").arg(error)) };
        Action rejected = std::exchange(m_rejecting, {});
        rejected.state = ActionState::Rejected;
        rejected.reason = written.reason;
        LifecycleCommand event = command(Type::Publish, rejected);
        event.transition = QStringLiteral("rejected");
        event.reason = written.reason;
        return { event, command(Type::Finished, rejected) };
    }
    case Pending::Applying:
        if (!ok) {
            LifecycleCommands out { publish(QStringLiteral("failed"),
                QStringLiteral("not applied: the journal cannot be written (%1)").arg(error)) };
            append(out, finish(true));
            return out;
        }
        m_step = Step::Applying;
        return { publish(QStringLiteral("applying")), command(Type::Apply, m_action) };
    case Pending::Observing:
        if (!ok) // applied but not recorded as such: a change nobody can account for is taken back at once
            return beginRollback(
                QStringLiteral("the journal cannot be written (%1): a change Vigil cannot record is taken back")
                    .arg(error),
                {});
        return { publish(QStringLiteral("executed"), {}, extra) };
    case Pending::AwaitingDecision:
        m_step = Step::AwaitingRollbackDecision;
        return { publish(QStringLiteral("rollback_requested"), m_pendingRollbackReason,
            QJsonObject { { QStringLiteral("evidence"), m_pendingRollbackEvidence },
                { QStringLiteral("decide_within_seconds"), m_settings.rollbackDecisionSeconds } }) };
    case Pending::RollingBack:
        // Not journalled: the rollback still runs. Leaving a harmful change in place is worse than a journal one
        // step behind (the row stays `observing`, which recovery rolls back again, a no-op then).
        if (!ok)
            m_action.reason = written.reason;
        m_rollingBackJournalled = ok;
        m_step = Step::RollingBack;
        return { publish(QStringLiteral("rolling_back"), reason), command(Type::Rollback, m_action) };
    case Pending::RollingBackLate:
        if (ok) {
            // What the event after the end says was set with the end; keep it for that write.
            m_publishReason = reason;
            m_publishExtra = extra;
            return write(m_rollbackEnd.pending, m_rollbackEnd.to, m_rollbackEnd.reason);
        } else {
            // Still down: the row stays where it was, which recovery finishes (the change is gone or not: it
            // inspects). The event says what happened.
            const bool rolledBack = m_rollbackEnd.to == ActionState::RolledBack;
            LifecycleCommands out { publish(
                rolledBack ? QStringLiteral("rolled_back") : QStringLiteral("failed"), reason, extra) };
            append(out, finish(true));
            return out;
        }
    case Pending::Kept: {
        LifecycleCommands out { publish(QStringLiteral("kept"), written.reason, extra) };
        append(out, finish(true));
        return out;
    }
    case Pending::RolledBack: {
        LifecycleCommands out { publish(QStringLiteral("rolled_back"), reason, extra) };
        append(out, finish(true));
        return out;
    }
    case Pending::RollbackFailed:
    case Pending::Failed: {
        LifecycleCommands out { publish(QStringLiteral("failed"), reason.isEmpty() ? written.reason : reason, extra) };
        append(out, finish(true));
        return out;
    }
    case Pending::FailedUnlocked: {
        LifecycleCommands out { publish(QStringLiteral("failed"), written.reason) };
        append(out, finish(false));
        return out;
    }
    case Pending::Dropped: {
        LifecycleCommands out { publish(QStringLiteral("dropped"), reason) };
        append(out, finish(true));
        return out;
    }
    }
    return {};
}

RollbackEnding rollbackEnding(const QString &rollingBackBecause, const ExecResult &result)
{
    QString why = rollingBackBecause;
    if (const QString retried = result.details.value(QLatin1StringView("retried_after")).toString();
        result.ok && !retried.isEmpty())
        why += QStringLiteral(" (the rollback ran again on a new session after: %1)").arg(retried);
    if (result.ok)
        return { ActionState::RolledBack, why, QStringLiteral("rolled_back"),
            { { QStringLiteral("rollback_seconds"), result.seconds } } };
    return { ActionState::Failed,
        QStringLiteral("rollback failed: %1 (rolling back because: %2)").arg(result.error, why),
        QStringLiteral("failed"), { { QStringLiteral("alert"), true } } };
}

} // namespace vigil
