// SPDX-License-Identifier: MIT
#include "act/recovery.h"

#include <utility>

namespace vigil {

RecoveryStep recoveryStep(ActionState state, int inEffect, const QString &inspectError)
{
    const QString effect = inEffect == 1 ? QStringLiteral("its effect is in place")
        : inEffect == 0                  ? QStringLiteral("its effect is not in place")
                                         : QStringLiteral("its effect cannot be inspected (%1)").arg(inspectError);
    switch (state) {
    case ActionState::Proposed:
        // `applying` is journalled before any SQL runs: a proposal still journalled as such never ran, whatever
        // the catalog says now (a setting may equal its value by chance). Closed, so History does not show a
        // proposal nobody is handling.
        return { RecoveryStep::Kind::Close, ActionState::Dropped,
            QStringLiteral("recovery: Vigil stopped before applying this action; nothing of it ran") };
    case ActionState::Applying:
        if (inEffect == 0)
            return { RecoveryStep::Kind::Close, ActionState::Failed,
                QStringLiteral("recovery: Vigil stopped while applying and %1: the action never took effect")
                    .arg(effect) };
        return { RecoveryStep::Kind::RollBack, ActionState::RollingBack,
            QStringLiteral("recovery: Vigil stopped while applying and %1; it was never observed, so it is taken back")
                .arg(effect) };
    case ActionState::Observing:
        return { RecoveryStep::Kind::RollBack, ActionState::RollingBack,
            QStringLiteral("recovery: Vigil stopped during the observation window (%1); without a complete window "
                           "the action is taken back")
                .arg(effect) };
    case ActionState::RollingBack:
        if (inEffect == 0)
            return { RecoveryStep::Kind::Close, ActionState::RolledBack,
                QStringLiteral("recovery: the rollback had completed before Vigil stopped (%1)").arg(effect) };
        return { RecoveryStep::Kind::RollBack, ActionState::RollingBack,
            QStringLiteral("recovery: Vigil stopped while rolling back and %1: rolling back again").arg(effect) };
    default:
        return {};
    }
}

namespace {

RecoveryCommand command(RecoveryCommand::Type type, const Action &action = {})
{
    RecoveryCommand c;
    c.type = type;
    c.action = action;
    return c;
}

RecoveryCommand publish(const QString &transition, const Action &action, const QString &reason, QJsonObject extra = {})
{
    RecoveryCommand c = command(RecoveryCommand::Type::Publish, action);
    c.transition = transition;
    c.reason = reason;
    c.extra = std::move(extra);
    return c;
}

RecoveryCommand transition(const Action &action, ActionState to, const QString &reason)
{
    RecoveryCommand c = command(RecoveryCommand::Type::Transition, action);
    c.to = to;
    c.reason = reason;
    return c;
}

} // namespace

RecoveryCommands ActionRecovery::start(std::vector<Action> inFlight)
{
    if (isRunning())
        return {}; // one recovery at a time: the one running settles these too
    m_queue.assign(std::make_move_iterator(inFlight.begin()), std::make_move_iterator(inFlight.end()));
    m_recovered = 0;
    m_failed = 0;
    if (m_queue.empty())
        return finish();
    m_wait = Wait::Lock;
    return { command(RecoveryCommand::Type::Lock, m_queue.front()) };
}

RecoveryCommands ActionRecovery::locked(bool ok, const QString &error)
{
    if (m_wait != Wait::Lock)
        return {};
    if (ok)
        return next();
    // Another Vigil holds the target: it may be finishing these very actions. Nothing is touched; tried again later.
    m_queue.clear();
    ++m_failed;
    RecoveryCommand e = command(RecoveryCommand::Type::Error);
    e.reason = error;
    return finish({ e });
}

RecoveryCommands ActionRecovery::next()
{
    if (m_queue.empty()) {
        RecoveryCommands out { command(RecoveryCommand::Type::Unlock) };
        return finish(std::move(out));
    }
    m_current = std::move(m_queue.front());
    m_queue.pop_front();
    m_wait = Wait::Inspect;
    return { command(RecoveryCommand::Type::Inspect, m_current) };
}

RecoveryCommands ActionRecovery::finish(RecoveryCommands commands)
{
    m_wait = Wait::Nothing;
    RecoveryCommand done = command(RecoveryCommand::Type::Finished);
    done.recovered = m_recovered;
    done.failed = m_failed;
    commands.push_back(std::move(done));
    return commands;
}

RecoveryCommands ActionRecovery::inspected(int inEffect, const QString &error)
{
    if (m_wait != Wait::Inspect)
        return {};
    m_step = recoveryStep(m_current.state, inEffect, error);
    if (m_step.kind == RecoveryStep::Kind::Skip)
        return next();
    m_wait = Wait::StepJournal;
    return { transition(m_current, m_step.to, m_step.reason) };
}

RecoveryCommands ActionRecovery::journalled(bool ok)
{
    if (m_wait == Wait::StepJournal) {
        if (!ok) {
            // Still in flight in the journal: not settled, whatever the step was (nothing runs without its row).
            ++m_failed;
            return next();
        }
        m_current.state = m_step.to;
        m_current.reason = m_step.reason;
        if (m_step.kind == RecoveryStep::Kind::Close) {
            ++m_recovered;
            RecoveryCommands out { publish(QStringLiteral("recovered"), m_current, m_step.reason) };
            for (RecoveryCommand &c : next())
                out.push_back(std::move(c));
            return out;
        }
        m_wait = Wait::Rollback;
        return { publish(QStringLiteral("rolling_back"), m_current, m_step.reason),
            command(RecoveryCommand::Type::Rollback, m_current) };
    }
    if (m_wait == Wait::EndJournal) {
        if (ok)
            m_current.state = m_ending.to;
        // The event says what happened on the server even when its row could not be written (the next recovery
        // finds the rollback done and closes the row).
        ++(ok && m_rollbackOk ? m_recovered : m_failed);
        RecoveryCommands out { publish(m_ending.transition, m_current, m_ending.reason, m_ending.extra) };
        for (RecoveryCommand &c : next())
            out.push_back(std::move(c));
        return out;
    }
    return {};
}

RecoveryCommands ActionRecovery::rolledBack(const ExecResult &result)
{
    if (m_wait != Wait::Rollback)
        return {};
    m_ending = rollbackEnding(m_current.reason, result);
    m_rollbackOk = result.ok;
    m_wait = Wait::EndJournal;
    return { transition(m_current, m_ending.to, m_ending.reason) };
}

} // namespace vigil
