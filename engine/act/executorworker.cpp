// SPDX-License-Identifier: MIT
#include "act/executorworker.h"

#include "act/planreader.h"

#include <QJsonArray>

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
    if (!ready(&error)) {
        emit applied(action, ExecResult::failure(error));
        return;
    }
    // The plans as they are before the action: what a DBA compares a regressed statement's plan with.
    const PlanReader plans(m_executor->connectionName());
    QString plansError;
    const std::vector<StatementPlan> before = plans.costliest(PlanReader::kCostliest, &plansError);
    ExecResult result = m_executor->apply(action);
    if (result.ok && !before.empty())
        result.details.insert(QStringLiteral("plans_before"), PlanReader::toJson(before));
    else if (result.ok && !plansError.isEmpty())
        result.details.insert(QStringLiteral("plans_before"),
            QJsonArray { QJsonObject { { QStringLiteral("error"),
                QStringLiteral("pg_stat_statements could not be read: %1").arg(plansError) } } });
    reportSession();
    emit applied(action, result);
}

void ExecutorWorker::rollback(const Action &action)
{
    QString error;
    if (!ready(&error)) {
        emit rolledBack(action, ExecResult::failure(error));
        return;
    }
    // The regressed statements' plans while the action is still in effect, before it is taken back. A few
    // milliseconds each: the rollback is not held up for long.
    std::vector<StatementPlan> after;
    for (const QJsonValue &r : action.evidence.value(QLatin1StringView("regressed")).toArray()) {
        if (after.size() == std::size_t(kRegressedPlans))
            break;
        const QJsonObject o = r.toObject();
        after.push_back({ o.value(QLatin1StringView("queryid")).toString().toLongLong(),
            o.value(QLatin1StringView("query")).toString(), {}, {} });
    }
    PlanReader(m_executor->connectionName()).explain(after);
    ExecResult result = m_executor->rollback(action);
    if (!after.empty())
        result.details.insert(QStringLiteral("plans_after"), PlanReader::toJson(after));
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
