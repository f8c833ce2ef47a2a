// SPDX-License-Identifier: MIT
#pragma once

#include "events/natsoptions.h"

#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QString>

#include <atomic>
#include <memory>

namespace vigil {

class NatsConnection;

/**
 * The listening side of the fleet: subscribes to a subject (`vigil.>` for every target) and delivers each JSON
 * message as a value by a queued signal in the subscriber's thread (the GUI's), and sends requests (remote
 * approval) whose replies come back the same way. Messages that are not JSON objects are counted and dropped.
 *
 * Parsing happens on libnats' thread; the owner's thread only receives finished QJsonObjects.
 */
class NatsSubscriber : public QObject
{
    Q_OBJECT
public:
    explicit NatsSubscriber(NatsOptions options, QObject *parent = nullptr);
    ~NatsSubscriber() override;

    /// Connects (in the background when the server is down) and subscribes; false when the options are unusable.
    bool start(const QString &subject, QString *error);
    void stop();
    bool isConnected() const;
    QString displayUrl() const;
    quint64 malformedCount() const { return m_malformed; }

    /// Sends payload as a request to subject; the answer (or a timeout) comes as replied() with the returned id.
    quint64 request(const QString &subject, const QJsonObject &payload, int timeoutMs = 5000);

signals:
    void received(const QString &subject, const QJsonObject &payload);
    /// error is empty when reply holds the answer.
    void replied(quint64 requestId, const QJsonObject &reply, const QString &error);
    void connectionChanged(bool connected);

private:
    void finishRequest(quint64 id, const QJsonObject &reply, const QString &error);

    NatsOptions m_options;
    std::unique_ptr<NatsConnection> m_connection;
    QByteArray m_inbox;
    quint64 m_nextRequest = 0;
    QSet<quint64> m_pending;
    std::atomic<quint64> m_malformed { 0 };
};

} // namespace vigil
