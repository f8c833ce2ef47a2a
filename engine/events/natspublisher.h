// SPDX-License-Identifier: MIT
#pragma once

#include "events/engineevent.h"
#include "events/natsoptions.h"

#include <QByteArray>
#include <QJsonObject>
#include <QObject>
#include <QString>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace vigil {

class NatsConnection;

/**
 * Publishes the EventBus's events to NATS (docs/events.md): event `a.b` of target T goes to `vigil.<T>.a.b`
 * (natsSubject()), as a JSON object with "schema": "vigil-event/1", "target", "seq" and the event's own fields.
 * Samples go out only when NatsOptions::publishSamples is on, at most one per sampleEverySeconds.
 *
 * It never holds up the thread that calls publish() (the engine's): publish() writes the event's JSON (a few
 * microseconds) and puts it in a bounded queue (the oldest is dropped, and counted, when it is full); a worker
 * thread of its own hands it to libnats, which sends it or, while the server is away, buffers it (8 MB) and
 * reconnects with backoff. What libnats refuses (its buffer full) is dropped and counted too. Every event is
 * numbered (`seq`) before it can be dropped, so subscribers see drops as gaps.
 *
 * publish() and setTarget() are called from one thread (the one that owns the object); the counters may be read
 * from any.
 */
class NatsPublisher : public QObject
{
    Q_OBJECT
public:
    explicit NatsPublisher(NatsOptions options, QObject *parent = nullptr);
    ~NatsPublisher() override;

    /// Opens the connection (a server that is down is no error: it is retried in the background) and starts the
    /// worker. False, with the reason, only when the options cannot be used.
    bool start(QString *error);
    /// Hands what is queued to libnats and flushes it (at most flushMs), then closes.
    void stop(int flushMs = 2000);

    /// The target named in subjects and payloads (the Engine's targetName()).
    void setTarget(const QString &target);
    QString target() const { return m_target; }

    quint64 publishedCount() const { return m_published.load(); }
    quint64 droppedCount() const { return m_dropped.load(); }
    quint64 queuedCount() const;
    bool isConnected() const;
    /// {"event": "nats.status", "url" (no password), "connected", "published", "dropped", "queued"}
    QJsonObject status() const;

public slots:
    /// Connect EventBus::published here. Cheap: the JSON is written and queued, never sent, in the caller's thread.
    void publish(const vigil::EngineEvent &event);

signals:
    /// Emitted in the publisher's thread (queued) when the server goes away or comes back.
    void connectionChanged(bool connected);

private:
    /// What the worker sends: made whole in the caller's thread, owned by the queue alone after that.
    struct Item
    {
        QByteArray subject;
        QByteArray payload;
    };
    void run();

    NatsOptions m_options;
    std::unique_ptr<NatsConnection> m_connection;
    QString m_target;
    double m_lastSampleAt = -1;

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Item> m_queue;
    bool m_stopping = false;
    std::thread m_worker;
    std::atomic<quint64> m_published { 0 };
    std::atomic<quint64> m_dropped { 0 };
    quint64 m_seq = 0; ///< the caller's thread only
};

} // namespace vigil
