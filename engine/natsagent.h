// SPDX-License-Identifier: MIT
#pragma once

#include "events/natsoptions.h"

#include <QObject>
#include <QString>

#include <memory>

namespace vigil {

class Engine;
class NatsApprovals;
class NatsPublisher;

/**
 * A headless Engine on the fleet's bus: publishes its events (NatsPublisher) and, when asked to, answers remote
 * approvals for its target (NatsApprovals) by calling Engine::approve / Engine::reject. Lives in the engine's
 * thread; vigilctl watch and apply use it, and so can a test.
 */
class NatsAgent : public QObject
{
    Q_OBJECT
public:
    /// targetName: the engine's target as Engine::targetName() will spell it (ConnInfo::displayName()), known
    /// before start() so that engine.started is published under it.
    NatsAgent(Engine *engine, QString targetName, NatsOptions options, QObject *parent = nullptr);
    ~NatsAgent() override;

    /// Starts publishing, and answering approvals when acceptApprovals. Call before Engine::start().
    bool start(bool acceptApprovals, QString *error);
    /// Flushes what is queued (at most flushMs) and disconnects; publisher() stays readable.
    void stop(int flushMs = 2000);
    NatsPublisher *publisher() const { return m_publisher.get(); }

private:
    QString decide(bool approve, qint64 actionId, const QString &by);

    Engine *m_engine;
    QString m_target;
    NatsOptions m_options;
    std::unique_ptr<NatsPublisher> m_publisher;
    std::unique_ptr<NatsApprovals> m_approvals;
};

} // namespace vigil
