// SPDX-License-Identifier: MIT
#pragma once

#include "events/natsoptions.h"

#include <QObject>
#include <QString>

#include <functional>
#include <memory>

namespace vigil {

class NatsConnection;

/**
 * The agent's side of remote approval: answers requests on `vigil.<target>.approve` and `vigil.<target>.reject`
 * (payload {"action_id": N, "by": "who"}) by calling decide in this object's thread (the engine's), and replies
 * {"ok": true, "action_id", "decision", "by"} or {"ok": false, "error"}.
 *
 * Who may send these is the NATS server's business (accounts, users, subject permissions): whoever may publish on
 * `vigil.<target>.approve` may approve. The journal records the "by" the request names, marked as over NATS.
 */
class NatsApprovals : public QObject
{
    Q_OBJECT
public:
    /// Returns why the decision was refused, or an empty string when it was taken.
    using Decide = std::function<QString(bool approve, qint64 actionId, const QString &by)>;

    NatsApprovals(NatsOptions options, Decide decide, QObject *parent = nullptr);
    ~NatsApprovals() override;

    bool start(const QString &target, QString *error);
    void stop();

private:
    void handle(bool approve, const QByteArray &data, const QByteArray &reply);

    NatsOptions m_options;
    Decide m_decide;
    std::unique_ptr<NatsConnection> m_connection;
};

} // namespace vigil
