// SPDX-License-Identifier: MIT
#pragma once

#include "events/natsoptions.h"

#include <QByteArray>
#include <QObject>

#include <atomic>
#include <functional>
#include <memory>

struct __natsConnection;

namespace vigil {

/// One message as libnats delivered it.
struct NatsMessage
{
    QByteArray subject;
    QByteArray reply; ///< where to answer a request, empty for a plain message
    QByteArray data;
};

/**
 * A libnats connection that never holds anyone up: open() returns at once whether or not a server answers, and
 * libnats then connects and reconnects in the background, for ever, with a backoff from 250 ms doubling to 5 s.
 * While it is away, what is published waits in libnats' reconnect buffer (8 MB) and goes out on reconnect.
 *
 * Thread-safe: publish() and subscribe() may be called from any thread. Message handlers run on a libnats thread
 * and are never called once close() has returned (so they may use objects that close() outlives).
 * connectionChanged() is emitted from libnats threads: receivers in Qt threads get it queued.
 */
class NatsConnection : public QObject
{
    Q_OBJECT
public:
    using Handler = std::function<void(const NatsMessage &message)>;

    explicit NatsConnection(NatsOptions options, QObject *parent = nullptr);
    ~NatsConnection() override;

    /// False, with the reason, only when the options cannot be used (bad URL, unreadable creds or CA file).
    bool open(QString *error);
    /// Flushes what is buffered (up to flushMs when connected), then closes. No handler runs after it returns.
    void close(int flushMs = 1000);
    bool isOpen() const { return m_nc != nullptr; }
    bool isConnected() const { return m_connected.load(); }
    /// The URL without its password.
    QString displayUrl() const { return natsUrlWithoutPassword(m_options.url); }
    const NatsOptions &options() const { return m_options; }

    /// Hands data to libnats (sent, or buffered while reconnecting). False when libnats refused it (its buffer is
    /// full, the connection is closed).
    bool publish(
        const QByteArray &subject, const QByteArray &data, const QByteArray &reply = {}, QString *error = nullptr);
    /// Subscribes subject (wildcards allowed); handler runs on a libnats thread.
    bool subscribe(const QByteArray &subject, Handler handler, QString *error = nullptr);
    /// When connected, waits (at most ms) until the server has everything sent so far, subscriptions included.
    void flush(int ms);
    /// A fresh unique inbox subject for replies.
    static QByteArray newInbox();

    /// Internal: what libnats' callbacks reach this object through (defined in the .cpp).
    struct Gate;

signals:
    void connectionChanged(bool connected);

private:
    void setConnected(bool connected);

    NatsOptions m_options;
    __natsConnection *m_nc = nullptr;
    std::shared_ptr<Gate> m_gate;
    std::atomic<bool> m_connected { false };
};

} // namespace vigil
