// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>

#include <memory>

namespace vigil {

class EngineRunner;
class FleetModel;
class NatsPublisher;
class NatsSubscriber;

/**
 * The desktop app on the fleet's bus: publishes the local engine's events (NatsPublisher, fed from the
 * EngineRunner's queued events, so the engine thread never waits on it), listens to `vigil.>` into a FleetModel
 * (NatsSubscriber), and sends remote approvals. setUrl("") turns all of it off; a new URL reconnects.
 */
class FleetLink : public QObject
{
    Q_OBJECT
public:
    explicit FleetLink(FleetModel *model, QObject *parent = nullptr);
    ~FleetLink() override;

    /// The local engine whose events are published, under targetName (not owned).
    void setLocalEngine(EngineRunner *runner, const QString &targetName);
    void setUrl(const QString &url);
    QString url() const { return m_url; }
    /// "NATS: connected to URL · N published, M dropped", or why not.
    QString statusText() const;
    NatsPublisher *publisher() const { return m_publisher.get(); }

public slots:
    /// Asks target's agent to approve or reject actionId on behalf of who; the answer comes as decisionAnswered().
    void decide(const QString &target, qint64 actionId, bool approve, const QString &who);

signals:
    void statusChanged(const QString &text);
    void decisionAnswered(bool ok, const QString &text);

private:
    void restart();

    FleetModel *m_model;
    EngineRunner *m_runner = nullptr;
    QString m_target;
    QString m_url;
    QString m_error;
    std::unique_ptr<NatsPublisher> m_publisher;
    std::unique_ptr<NatsSubscriber> m_subscriber;
    QTimer m_statusTimer; ///< the counts in the status move without a connection change
    QElapsedTimer m_since; ///< since the current URL was set: how long a connection has been tried
};

} // namespace vigil
