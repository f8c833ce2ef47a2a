// SPDX-License-Identifier: MIT
#include "events/natspublisher.h"

#include "events/natsconnection.h"

#include <QDateTime>
#include <QJsonDocument>

namespace vigil {

NatsPublisher::NatsPublisher(NatsOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{ }

NatsPublisher::~NatsPublisher()
{
    stop(0);
}

bool NatsPublisher::start(QString *error)
{
    if (m_connection)
        return true;
    m_connection = std::make_unique<NatsConnection>(m_options);
    // Queued into this object's thread: the signal comes from a libnats thread.
    connect(m_connection.get(), &NatsConnection::connectionChanged, this, &NatsPublisher::connectionChanged,
        Qt::QueuedConnection);
    if (!m_connection->open(error)) {
        m_connection.reset();
        return false;
    }
    m_stopping = false;
    m_worker = std::thread([this] { run(); });
    return true;
}

void NatsPublisher::stop(int flushMs)
{
    if (!m_connection)
        return;
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_one();
    if (m_worker.joinable())
        m_worker.join(); // the worker hands over what is queued before it ends
    m_connection->close(flushMs);
    m_connection.reset();
}

void NatsPublisher::setTarget(const QString &target)
{
    m_target = target;
}

quint64 NatsPublisher::queuedCount() const
{
    const std::lock_guard lock(m_mutex);
    return m_queue.size();
}

bool NatsPublisher::isConnected() const
{
    return m_connection && m_connection->isConnected();
}

QJsonObject NatsPublisher::status() const
{
    return { { QStringLiteral("event"), QStringLiteral("nats.status") },
        { QStringLiteral("url"), natsUrlWithoutPassword(m_options.url) },
        { QStringLiteral("connected"), isConnected() }, { QStringLiteral("published"), qint64(publishedCount()) },
        { QStringLiteral("dropped"), qint64(droppedCount()) }, { QStringLiteral("queued"), qint64(queuedCount()) } };
}

void NatsPublisher::publish(const EngineEvent &event)
{
    if (!m_connection)
        return;
    const QString name = event.name();
    // Statement texts travel with the samples, which they name: both are detail a fleet asks for, or not.
    if ((name == QLatin1StringView("statements.named") || name == QLatin1StringView("sessions"))
        && !m_options.publishSamples)
        return;
    if (name == QLatin1StringView("sample")) {
        if (!m_options.publishSamples)
            return;
        const double now = double(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
        if (m_lastSampleAt >= 0 && now - m_lastSampleAt < m_options.sampleEverySeconds)
            return;
        m_lastSampleAt = now;
    }
    // The payload is written here, in the caller's thread, so that nothing the worker touches is shared with the
    // caller: an event's fields are implicitly shared Qt values whose reference counts live in Qt's own
    // (uninstrumented) code, and a copy handed to the worker left ThreadSanitizer unable to see the hand-over. It
    // also numbers every event before the queue can drop it, so that a drop is a gap in `seq` (docs/events.md).
    QJsonObject o = event.toJson();
    o.insert(QStringLiteral("schema"), QStringLiteral("vigil-event/1"));
    if (o.value(QLatin1StringView("target")).toString().isEmpty())
        o.insert(QStringLiteral("target"), m_target);
    o.insert(QStringLiteral("seq"), qint64(++m_seq));
    Item item { natsSubject(m_target, name).toUtf8(), QJsonDocument(o).toJson(QJsonDocument::Compact) };
    bool wasEmpty = false;
    {
        const std::lock_guard lock(m_mutex);
        if (int(m_queue.size()) >= std::max(1, m_options.queueCapacity)) {
            m_queue.pop_front(); // the newest tells the fleet more than the oldest
            ++m_dropped;
        }
        wasEmpty = m_queue.empty();
        m_queue.push_back(std::move(item));
    }
    if (wasEmpty)
        m_wake.notify_one();
}

void NatsPublisher::run()
{
    std::deque<Item> batch;
    for (;;) {
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
            if (m_queue.empty() && m_stopping)
                return;
            batch.swap(m_queue);
        }
        for (const Item &item : batch) {
            if (m_connection->publish(item.subject, item.payload))
                ++m_published;
            else
                ++m_dropped;
        }
        batch.clear();
    }
}

} // namespace vigil
