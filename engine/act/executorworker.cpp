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

void ExecutorWorker::prepare(const Action &action)
{
    Action prepared = action;
    const ExecResult result
        = m_executor ? m_executor->prepare(prepared) : ExecResult::failure(QStringLiteral("executor not connected"));
    emit this->prepared(prepared, result);
}

void ExecutorWorker::lockTarget(const Action &action)
{
    QString error;
    const bool ok = m_executor && m_executor->tryLockTarget(&error);
    emit locked(action, ok, m_executor ? error : QStringLiteral("executor not connected"));
}

void ExecutorWorker::apply(const Action &action)
{
    emit applied(
        action, m_executor ? m_executor->apply(action) : ExecResult::failure(QStringLiteral("executor not connected")));
}

void ExecutorWorker::rollback(const Action &action)
{
    emit rolledBack(action,
        m_executor ? m_executor->rollback(action) : ExecResult::failure(QStringLiteral("executor not connected")));
}

void ExecutorWorker::inspect(const Action &action)
{
    QString error;
    const std::optional<bool> inEffect = m_executor ? m_executor->isInEffect(action, &error) : std::optional<bool>();
    emit inspected(action, inEffect ? int(*inEffect) : -1, error);
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
