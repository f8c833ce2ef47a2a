// SPDX-License-Identifier: MIT
#include "events/natsapprovals.h"

#include "events/natsconnection.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace vigil {

NatsApprovals::NatsApprovals(NatsOptions options, Decide decide, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_decide(std::move(decide))
{
    m_options.clientName = QStringLiteral("vigil-approvals");
}

NatsApprovals::~NatsApprovals()
{
    stop();
}

bool NatsApprovals::start(const QString &target, QString *error)
{
    if (m_connection)
        return true;
    m_connection = std::make_unique<NatsConnection>(m_options);
    if (!m_connection->open(error)) {
        m_connection.reset();
        return false;
    }
    for (const bool approve : { true, false }) {
        const QString subject = natsSubject(target, approve ? QStringLiteral("approve") : QStringLiteral("reject"));
        // On libnats' thread: only hand the request over to this object's thread.
        const bool ok = m_connection->subscribe(
            subject.toUtf8(),
            [this, approve](const NatsMessage &m) {
                QMetaObject::invokeMethod(
                    this, [this, approve, data = m.data, reply = m.reply] { handle(approve, data, reply); },
                    Qt::QueuedConnection);
            },
            error);
        if (!ok) {
            stop();
            return false;
        }
    }
    m_connection->flush(2000); // the subscriptions are in place when start() returns (if a server answers)
    return true;
}

void NatsApprovals::stop()
{
    if (!m_connection)
        return;
    m_connection->close(500);
    m_connection.reset();
}

void NatsApprovals::handle(bool approve, const QByteArray &data, const QByteArray &reply)
{
    if (!m_connection)
        return;
    const QJsonObject request = QJsonDocument::fromJson(data).object();
    const qint64 id = request.value(QLatin1StringView("action_id")).toInteger();
    const QString by = request.value(QLatin1StringView("by")).toString().simplified().left(200);
    QJsonObject answer;
    QString refusal;
    if (id <= 0 || by.isEmpty())
        refusal = QStringLiteral("expected {\"action_id\": N, \"by\": \"who decides\"}");
    else
        refusal = m_decide(approve, id, by);
    if (refusal.isEmpty())
        answer = { { QStringLiteral("ok"), true }, { QStringLiteral("action_id"), id },
            { QStringLiteral("decision"), approve ? QStringLiteral("approved") : QStringLiteral("rejected") },
            { QStringLiteral("by"), by } };
    else
        answer = { { QStringLiteral("ok"), false }, { QStringLiteral("action_id"), id },
            { QStringLiteral("error"), refusal } };
    if (!reply.isEmpty())
        m_connection->publish(reply, QJsonDocument(answer).toJson(QJsonDocument::Compact));
}

} // namespace vigil
