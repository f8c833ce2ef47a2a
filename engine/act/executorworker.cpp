// SPDX-License-Identifier: MIT
#include "act/executorworker.h"

namespace vigil {

ExecutorWorker::ExecutorWorker(Executor::Options options)
    : m_options(std::move(options))
{ }

ExecutorWorker::~ExecutorWorker() = default;

void ExecutorWorker::open()
{
    m_executor = std::make_unique<Executor>(m_options);
    QString error;
    const bool ok = m_executor->open(&error);
    emit opened(ok, error, ok ? m_executor->backendPid() : 0);
}

bool ExecutorWorker::ready(QString *error)
{
    if (!m_executor) {
        *error = QStringLiteral("executor not connected");
        return false;
    }
    const bool ok = m_executor->ensureConnected(error);
    reportSession();
    return ok;
}

void ExecutorWorker::reportSession()
{
    if (m_executor && m_executor->reconnections() != m_reconnectionsSeen) {
        m_reconnectionsSeen = m_executor->reconnections();
        emit sessionChanged(m_executor->isOpen() ? m_executor->backendPid() : 0);
    }
}

void ExecutorWorker::prepare(const Action &action)
{
    Action prepared = action;
    QString error;
    const ExecResult result = ready(&error) ? m_executor->prepare(prepared) : ExecResult::failure(error);
    emit this->prepared(prepared, result);
}

void ExecutorWorker::lockTarget(const Action &action)
{
    QString error;
    const bool ok = ready(&error) && m_executor->tryLockTarget(&error);
    emit locked(action, ok, error);
}

void ExecutorWorker::apply(const Action &action)
{
    QString error;
    const ExecResult result = ready(&error) ? m_executor->apply(action) : ExecResult::failure(error);
    reportSession();
    emit applied(action, result);
}

void ExecutorWorker::rollback(const Action &action)
{
    QString error;
    const ExecResult result = ready(&error) ? m_executor->rollback(action) : ExecResult::failure(error);
    reportSession();
    emit rolledBack(action, result);
}

void ExecutorWorker::inspect(const Action &action)
{
    QString error;
    const std::optional<bool> inEffect = ready(&error) ? m_executor->isInEffect(action, &error) : std::nullopt;
    emit inspected(action, inEffect ? int(*inEffect) : -1, error);
}

void ExecutorWorker::cleanUp(const Action &action)
{
    QString error;
    const std::optional<bool> dropped = ready(&error) ? m_executor->dropInvalidIndex(action, &error) : std::nullopt;
    emit cleanedUp(action, dropped ? int(*dropped) : -1, error);
}

void ExecutorWorker::unlockTarget()
{
    if (m_executor)
        m_executor->unlockTarget();
}

void ExecutorWorker::close()
{
    m_executor.reset();
}

} // namespace vigil
