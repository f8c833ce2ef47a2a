// SPDX-License-Identifier: MIT
#pragma once

#include "act/action.h"
#include "act/executor.h"

#include <QJsonObject>
#include <QString>

#include <optional>
#include <vector>

namespace vigil {

/// One thing the lifecycle asks its shell to do. Executor commands answer later through the lifecycle's inputs
/// (prepared, locked, applied, rolledBack); journal commands answer at once through journalled().
struct LifecycleCommand
{
    enum class Type {
        Prepare, ///< executor: validate `action` against the catalog; answer prepared()
        Lock, ///< executor: take the target's advisory lock; answer locked()
        Apply, ///< executor: run the apply SQL; answer applied()
        Rollback, ///< executor: run the rollback SQL; answer rolledBack()
        Unlock, ///< executor: release the target's advisory lock (no answer)
        CancelStatement, ///< cancel the statement the executor runs (an index build); it then answers applied()
        CreateRow, ///< journal: store `action` as a new row in its state; answer journalled(ok, id, error)
        Transition, ///< journal: `action` goes to `to` with `reason` and `evidence`; answer journalled()
        Publish, ///< event action.`transition` about `action`, with `reason` and `extra`
        CollectBaseline, ///< the lock is held: collect the baseline, then answer baselineReady()
        QueueCleanup, ///< a failed build left an INVALID index: drop it when the engine is idle
        Finished, ///< `action` reached an end (kept, rolled back, failed, rejected, dropped)
        Refused, ///< the request was refused; nothing was changed: `reason`
    };
    Type type = Type::Refused;
    Action action;
    ActionState to = ActionState::Proposed;
    QString transition; ///< Publish: what happened (kept, rolled_back, ...; the event is action.<transition>)
    QString reason;
    QJsonObject evidence;
    QJsonObject extra;
};
using LifecycleCommands = std::vector<LifecycleCommand>;

/**
 * The life of one action on one target, as a pure state machine: no I/O, no event loop, no wall clock.
 *
 * Inputs are requests (submit, propose, approve, reject, pause, a switch to Observe, a DBA's rollback decision),
 * the executor's and the journal's answers, the guard's verdict (the shell opens the window when the executor
 * reports the action applied, and feeds it while the step is Observing) and ticks carrying the time of an injected
 * monotonic clock. Outputs are commands (LifecycleCommand) for its shell to carry out in order. Engine is the live
 * shell; tests/sim drives the same class with a fake server, a fake journal and crashes at every step.
 *
 * Journal first: a step is journalled before the command that takes it, and every journal command waits for its
 * answer (journalled()) before anything else is asked for, so the shell never runs a step the journal lacks.
 * One action at a time: a request while one is in hand is refused.
 */
class ActionLifecycle
{
public:
    enum class Step {
        Idle,
        Preparing,
        Locking,
        Baseline,
        Applying,
        Observing,
        AwaitingRollbackDecision,
        RollingBack,
    };

    struct Settings
    {
        QString target; ///< the target's name: approvals for other targets are refused
        /// A degraded verdict waits for a DBA instead of rolling back at once (approve mode's "ask first").
        bool askBeforeRollback = false;
        double rollbackDecisionSeconds = 600; ///< then it rolls back on its own
        /// An index build waiting this long for its table's lock (which queues others' DDL) is cancelled.
        double tableLockWaitSeconds = 5;
        /// Deliberate defects, for the simulator's test of itself only (tests/unit/tst_lifecyclesim.cpp shows that
        /// it catches them). Never set in the product.
        struct Faults
        {
            bool skipJournalBeforeRollback = false;
        } faults;
    };

    explicit ActionLifecycle(Settings settings);

    void setAskBeforeRollback(bool ask) { m_settings.askBeforeRollback = ask; }
    void setTarget(const QString &target) { m_settings.target = target; }
    Step step() const { return m_step; }
    bool isIdle() const { return m_step == Step::Idle && !m_pending; }
    /// The action in hand (the last one handled when idle).
    const Action &action() const { return m_action; }
    bool isPaused() const { return m_paused; }
    /// A write failed after the action had taken effect: the journal still shows it in flight. No new action starts
    /// until the shell has settled that row (recovery) and says so with journalCaughtUp().
    bool journalBehind() const { return !m_journalBehind.isEmpty(); }
    void journalCaughtUp() { m_journalBehind.clear(); }
    /// What a request is told while the journal is behind.
    QString journalBehindReason() const { return m_journalBehind.isEmpty() ? QString() : busyReason(); }

    // Requests
    LifecycleCommands submit(const Action &action);
    LifecycleCommands propose(const Action &action);
    /// `stored` is the journal's row for `id` (none when there is no such action).
    LifecycleCommands approve(qint64 id, const std::optional<Action> &stored, const QString &by);
    LifecycleCommands reject(qint64 id, const std::optional<Action> &stored, const QString &by);
    /// Paused: nothing new starts; an action not applied yet is dropped; a running index build is cancelled; one
    /// being observed finishes its window and verdict (its rollback must not be lost).
    LifecycleCommands setPaused(bool paused);
    /// A switch to Observe drops the action in hand if its SQL has not run (Vigil changes nothing in Observe).
    LifecycleCommands switchedToObserve();
    LifecycleCommands confirmRollback(qint64 id, const QString &by);
    LifecycleCommands keepDespiteVerdict(qint64 id, const QString &by);

    // Answers and observations
    LifecycleCommands prepared(const Action &prepared, const ExecResult &result);
    LifecycleCommands locked(bool ok, const QString &error);
    /// The shell's baseline (`baselineSeconds` long) is complete and steady: apply.
    LifecycleCommands baselineReady(double now, double baselineSeconds);
    /// `timing` goes into the journal's observing row and the action.executed event.
    LifecycleCommands applied(const ExecResult &result, double windowSeconds, const QJsonObject &timing);
    /// The guard decided (the shell runs the window between OpenWindow and this).
    LifecycleCommands verdict(bool rollback, const QString &reason, const QJsonObject &evidence, double now);
    LifecycleCommands rolledBack(const ExecResult &result);
    LifecycleCommands journalled(bool ok, qint64 id, const QString &error);
    /// A tick: `tableLockHolders` is set while an index build waits for its table's lock (the sessions holding it).
    LifecycleCommands tick(double now, const std::optional<QStringList> &tableLockHolders = std::nullopt);

    /// When the action in hand started applying (its baseline is the interval before it), by the injected clock.
    double applyStartedAt() const { return m_applyStartT; }

private:
    /// What a journal write in flight was for: its answer decides what follows.
    enum class Pending {
        Created,
        Applying,
        Observing,
        Kept,
        RollingBack,
        RollingBackLate, ///< the rolling_back row written after the rollback, the journal having been down before it
        RolledBack,
        RollbackFailed,
        Failed,
        FailedUnlocked, ///< failed before the lock was taken: nothing to unlock
        Dropped,
        Rejected,
        AwaitingDecision,
    };

    /// A new action to validate: to run (submit) or to journal as awaiting approval (propose).
    LifecycleCommands take(const Action &action, bool proposing);
    LifecycleCommands write(Pending pending, ActionState to, const QString &reason, const QJsonObject &evidence = {});
    LifecycleCommand publish(
        const QString &transition, const QString &reason = {}, const QJsonObject &extra = {}) const;
    LifecycleCommands finish(bool unlock);
    LifecycleCommands beginRollback(const QString &reason, const QJsonObject &evidence);
    LifecycleCommands drop(const QString &reason);
    static LifecycleCommand refuse(const QString &reason);
    /// Why a DBA's approval or rejection (`verb`) of action `id` cannot be taken here, or empty.
    QString notDecidableHere(qint64 id, const std::optional<Action> &stored, const QString &verb) const;
    /// Why a new action may not start now (paused is the caller's), or empty.
    QString busyReason() const;

    Settings m_settings;
    Step m_step = Step::Idle;
    Action m_action;
    std::optional<Pending> m_pending;
    Action m_rejecting; ///< the awaiting action being rejected (while its journal write is answered)
    bool m_proposing = false;
    bool m_paused = false;
    QString m_approvedBy;
    LifecycleCommand m_writing; ///< the journal write in flight
    QString m_publishReason; ///< what the event after the write in flight says, when not its journal reason
    QJsonObject m_publishExtra; ///< and what it carries
    struct RollbackEnd
    {
        Pending pending = Pending::RolledBack;
        ActionState to = ActionState::RolledBack;
        QString reason;
    } m_rollbackEnd; ///< how the rollback ended, journalled once its rolling_back row is
    bool m_rollingBackJournalled = false;
    QString m_journalBehind; ///< why the journal is behind (the failed write's error), empty when it is not
    QString m_stopBeforeRunning; ///< paused or switched to Observe while the executor held it: drop it
    double m_applyStartT = 0;
    std::optional<double> m_tableLockWaitSince;
    QString m_cancelledBecause;
    std::optional<double> m_decisionSince;
    QString m_pendingRollbackReason;
    QJsonObject m_pendingRollbackEvidence;
};

/// How a rollback that has run ends, in the journal and in its event: rolled back (with the retry, if any), or
/// failed with both the reason for rolling back and the rollback's error (an alert: never silently kept).
struct RollbackEnding
{
    ActionState to = ActionState::RolledBack;
    QString reason;
    QString transition; ///< rolled_back or failed (the event action.<transition>)
    QJsonObject extra;
};
RollbackEnding rollbackEnding(const QString &rollingBackBecause, const ExecResult &result);

} // namespace vigil
