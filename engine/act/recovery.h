// SPDX-License-Identifier: MIT
#pragma once

#include "act/action.h"
#include "act/executor.h"
#include "act/lifecycle.h"

#include <QJsonObject>
#include <QString>

#include <deque>
#include <vector>

namespace vigil {

/// What start-up recovery does with an action a crash left in flight, given what the catalog says of its effect.
struct RecoveryStep
{
    enum class Kind {
        Skip, ///< not in flight: nothing to do
        Close, ///< journal `to` with `reason`: nothing to run
        RollBack, ///< journal rolling_back with `reason`, then run the rollback
    };
    Kind kind = Kind::Skip;
    ActionState to = ActionState::Failed;
    QString reason;
};
/// `inEffect`: 1 in place, 0 not in place, -1 cannot tell (`inspectError` says why).
RecoveryStep recoveryStep(ActionState state, int inEffect, const QString &inspectError);

/// One thing start-up recovery asks its shell to do. Executor commands answer later (locked, inspected,
/// rolledBack); a journal command answers at once through journalled().
struct RecoveryCommand
{
    enum class Type {
        Lock, ///< executor: take the target's advisory lock (recovery acts as one more Vigil would); answer locked()
        Inspect, ///< executor: is `action`'s change in place? answer inspected()
        Transition, ///< journal: `action` goes to `to` with `reason`; answer journalled(ok)
        Publish, ///< event action.`transition` about `action`, with `reason` and `extra`
        Rollback, ///< executor: run `action`'s rollback; answer rolledBack()
        Unlock, ///< executor: release the target's advisory lock (no answer)
        Error, ///< event engine.error with `reason`
        Finished, ///< recovery is over: `recovered` actions settled, `failed` not (the journal still has them)
    };
    Type type = Type::Finished;
    Action action;
    ActionState to = ActionState::Failed;
    QString transition; ///< Publish: what happened (recovered, rolled_back, ...)
    QString reason;
    QJsonObject extra;
    int recovered = 0;
    int failed = 0;
};
using RecoveryCommands = std::vector<RecoveryCommand>;

/**
 * Start-up recovery as a pure state machine: no I/O, no event loop, no clock.
 *
 * Given the actions a crash (or a journal write that failed) left in flight, it takes the target's lock, then for
 * each action asks whether its change is in place and settles it by recoveryStep(): closed with a journalled
 * reason, or journalled `rolling_back` and rolled back (then rolled_back, or failed with an alert). Engine is the live
 * shell; tests/unit/tst_lifecyclesim.cpp runs the same class after every simulated crash.
 *
 * Journal first, as in ActionLifecycle: a rollback runs only once its `rolling_back` row is written; a row that
 * cannot be written counts as failed and stays in flight for the next recovery.
 */
class ActionRecovery
{
public:
    bool isRunning() const { return m_wait != Wait::Nothing; }

    /// Starts on these actions (oldest first); with none it is Finished at once.
    RecoveryCommands start(std::vector<Action> inFlight);
    RecoveryCommands locked(bool ok, const QString &error);
    /// `inEffect`: 1 in place, 0 not in place, -1 cannot tell (`error` says why).
    RecoveryCommands inspected(int inEffect, const QString &error);
    RecoveryCommands journalled(bool ok);
    RecoveryCommands rolledBack(const ExecResult &result);

private:
    enum class Wait { Nothing, Lock, Inspect, StepJournal, Rollback, EndJournal };
    /// The next action's inspection, or the end.
    RecoveryCommands next();
    RecoveryCommands finish(RecoveryCommands commands = {});

    Wait m_wait = Wait::Nothing;
    std::deque<Action> m_queue;
    Action m_current;
    RecoveryStep m_step;
    RollbackEnding m_ending;
    bool m_rollbackOk = false;
    int m_recovered = 0;
    int m_failed = 0;
};

} // namespace vigil
