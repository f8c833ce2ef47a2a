// SPDX-License-Identifier: MIT
#include "events/natssubscriber.h"

#include "events/natsconnection.h"

#include <QJsonDocument>
#include <QPointer>
#include <QTimer>

namespace vigil {

NatsSubscriber::NatsSubscriber(NatsOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{ }

NatsSubscriber::~NatsSubscriber()
{
    stop();
}

bool NatsSubscriber::start(const QString &subject, QString *error)
{
    if (m_connection)
        return true;
    m_connection = std::make_unique<NatsConnection>(m_options);
    connect(m_connection.get(), &NatsConnection::connectionChanged, this, &NatsSubscriber::connectionChanged,
        Qt::QueuedConnection);
    if (!m_connection->open(error)) {
        m_connection.reset();
        return false;
    }
    // Handlers run on a libnats thread and never after stop(): they only post values into this object's thread.
    const bool ok = m_connection->subscribe(
        subject.toUtf8(),
        [this](const NatsMessage &m) {
            const QJsonDocument doc = QJsonDocument::fromJson(m.data);
            if (!doc.isObject()) {
                ++m_malformed;
                return;
            }
            QMetaObject::invokeMethod(
                this,
                [this, subject = QString::fromUtf8(m.subject), payload = doc.object()] {
                    emit received(subject, payload);
                },
                Qt::QueuedConnection);
        },
        error);
    m_inbox = NatsConnection::newInbox();
    const bool inboxOk = ok
        && m_connection->subscribe(
            m_inbox + ".*",
            [this](const NatsMessage &m) {
                const quint64 id = m.subject.mid(m.subject.lastIndexOf('.') + 1).toULongLong();
                const QJsonDocument doc = QJsonDocument::fromJson(m.data);
                const QString problem = doc.isObject() ? QString() : QStringLiteral("the answer is not a JSON object");
                QMetaObject::invokeMethod(
                    this, [this, id, reply = doc.object(), problem] { finishRequest(id, reply, problem); },
                    Qt::QueuedConnection);
            },
            error);
    if (!inboxOk) {
        m_connection->close(0);
        m_connection.reset();
        return false;
    }
    m_connection->flush(2000); // the subscriptions are in place when start() returns (if a server answers)
    return true;
}

void NatsSubscriber::stop()
{
    if (!m_connection)
        return;
    m_connection->close(0);
    m_connection.reset();
}

bool NatsSubscriber::isConnected() const
{
    return m_connection && m_connection->isConnected();
}

QString NatsSubscriber::displayUrl() const
{
    return natsUrlWithoutPassword(m_options.url);
}

quint64 NatsSubscriber::request(const QString &subject, const QJsonObject &payload, int timeoutMs)
{
    const quint64 id = ++m_nextRequest;
    m_pending.insert(id);
    QString error;
    if (!m_connection
        || !m_connection->publish(subject.toUtf8(), QJsonDocument(payload).toJson(QJsonDocument::Compact),
            m_inbox + '.' + QByteArray::number(id), &error)) {
        const QString why = m_connection ? error : QStringLiteral("not connected to NATS");
        QMetaObject::invokeMethod(
            this, [this, id, why] { finishRequest(id, {}, why); }, Qt::QueuedConnection);
        return id;
    }
    QTimer::singleShot(timeoutMs, this, [this, id, timeoutMs] {
        finishRequest(id, {}, QStringLiteral("no answer within %1 s").arg(timeoutMs / 1000.0));
    });
    return id;
}

void NatsSubscriber::finishRequest(quint64 id, const QJsonObject &reply, const QString &error)
{
    if (!m_pending.remove(id))
        return; // already answered or timed out
    emit replied(id, reply, error);
}

} // namespace vigil
