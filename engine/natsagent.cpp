// SPDX-License-Identifier: MIT
#include "natsagent.h"

#include "Engine.h"
#include "events/natsapprovals.h"
#include "events/natspublisher.h"
#include "store/knowledgestore.h"

namespace vigil {

NatsAgent::NatsAgent(Engine *engine, QString targetName, NatsOptions options, QObject *parent)
    : QObject(parent)
    , m_engine(engine)
    , m_target(std::move(targetName))
    , m_options(std::move(options))
{ }

NatsAgent::~NatsAgent()
{
    stop(0);
}

bool NatsAgent::start(bool acceptApprovals, QString *error)
{
    m_publisher = std::make_unique<NatsPublisher>(m_options);
    m_publisher->setTarget(m_target);
    if (!m_publisher->start(error)) {
        m_publisher.reset();
        return false;
    }
    // Direct: the bus and the publisher share the engine's thread; publish() only queues.
    connect(m_engine->events(), &EventBus::published, m_publisher.get(), &NatsPublisher::publish, Qt::DirectConnection);
    if (acceptApprovals) {
        m_approvals = std::make_unique<NatsApprovals>(
            m_options, [this](bool approve, qint64 id, const QString &by) { return decide(approve, id, by); });
        if (!m_approvals->start(m_target, error)) {
            stop(0);
            return false;
        }
    }
    return true;
}

void NatsAgent::stop(int flushMs)
{
    if (m_approvals)
        m_approvals->stop();
    m_approvals.reset();
    if (m_publisher) {
        disconnect(m_engine->events(), nullptr, m_publisher.get(), nullptr);
        m_publisher->stop(flushMs); // kept: its counters stay readable for the last status line
    }
}

QString NatsAgent::decide(bool approve, qint64 actionId, const QString &by)
{
    // A shared store holds other targets' actions too: this agent decides for its own target only.
    KnowledgeStore *store = m_engine->store();
    const std::optional<Action> action = store ? store->action(actionId) : std::nullopt;
    if (!action || action->target != m_target)
        return QStringLiteral("action %1 is not an action on %2").arg(actionId).arg(m_target);
    QString refusal;
    // Engine::approve/reject refuse synchronously (actionRefused) or go ahead.
    const QMetaObject::Connection c
        = connect(m_engine, &Engine::actionRefused, this, [&refusal](const QString &why) { refusal = why; });
    const QString who = QStringLiteral("%1 (over NATS)").arg(by);
    if (approve)
        m_engine->approve(actionId, who);
    else
        m_engine->reject(actionId, who);
    disconnect(c);
    return refusal;
}

} // namespace vigil
