// SPDX-License-Identifier: MIT
#include "events/natsconnection.h"

#include <QFileInfo>

#include <nats/nats.h>

#include <algorithm>
#include <mutex>
#include <vector>

namespace vigil {

/// What libnats' callbacks reach us through: they check `open` under the mutex, so none runs after close().
struct NatsConnection::Gate
{
    std::mutex mutex;
    NatsConnection *owner = nullptr;
    std::vector<natsSubscription *> subscriptions;
};

namespace {

struct SubscriptionHook
{
    std::shared_ptr<NatsConnection::Gate> gate;
    NatsConnection::Handler handler;
};

// Backoff between passes over the server list: 250 ms, 500 ms, 1 s, 2 s, 4 s, then 5 s.
int64_t reconnectDelay(natsConnection *, int attempts, void *)
{
    const int shift = std::clamp(attempts - 1, 0, 5);
    return std::min<int64_t>(int64_t(250) << shift, 5000);
}

QString statusText(natsStatus s)
{
    QString text = QString::fromUtf8(natsStatus_GetText(s));
    natsStatus ignored;
    if (const char *last = nats_GetLastError(&ignored); last && *last)
        text += QStringLiteral(" (%1)").arg(QString::fromUtf8(last));
    return text;
}

} // namespace

// The connection callbacks get this pointer; the closed callback (the last one libnats makes) deletes it.
struct ConnectionHook
{
    std::shared_ptr<NatsConnection::Gate> gate;
};

NatsConnection::NatsConnection(NatsOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{ }

NatsConnection::~NatsConnection()
{
    close(0);
}

void NatsConnection::setConnected(bool connected)
{
    if (m_connected.exchange(connected) != connected)
        emit connectionChanged(connected);
}

bool NatsConnection::open(QString *error)
{
    if (m_nc)
        return true;
    // libnats reads the credentials only when it connects, and with retries on a failed connect it would then
    // retry for ever without a word: a file that cannot be read is refused here.
    for (const auto &[file, what] : { std::pair { m_options.credsFile, QStringLiteral("the credentials file") },
             std::pair { m_options.caFile, QStringLiteral("the CA file") } }) {
        if (!file.isEmpty() && !QFileInfo(file).isReadable()) {
            if (error)
                *error = QStringLiteral("NATS: cannot read %1 %2").arg(what, file);
            return false;
        }
    }
    m_gate = std::make_shared<Gate>();
    m_gate->owner = this;
    auto *hook = new ConnectionHook { m_gate };
    static auto onUp = +[](natsConnection *, void *closure) {
        auto *h = static_cast<ConnectionHook *>(closure);
        const std::lock_guard lock(h->gate->mutex);
        if (h->gate->owner)
            h->gate->owner->setConnected(true);
    };
    static auto onDown = +[](natsConnection *, void *closure) {
        auto *h = static_cast<ConnectionHook *>(closure);
        const std::lock_guard lock(h->gate->mutex);
        if (h->gate->owner)
            h->gate->owner->setConnected(false);
    };
    static auto onClosed = +[](natsConnection *, void *closure) { delete static_cast<ConnectionHook *>(closure); };

    natsOptions *opts = nullptr;
    natsStatus s = natsOptions_Create(&opts);
    const QByteArray url = m_options.url.toUtf8();
    const QByteArray name = m_options.clientName.toUtf8();
    const QByteArray creds = m_options.credsFile.toLocal8Bit();
    const QByteArray ca = m_options.caFile.toLocal8Bit();
    QString what;
    auto step = [&](natsStatus status, const QString &doing) {
        if (s == NATS_OK && status != NATS_OK) {
            s = status;
            what = doing;
        }
    };
    if (s == NATS_OK) {
        step(natsOptions_SetURL(opts, url.constData()), QStringLiteral("the URL"));
        step(natsOptions_SetName(opts, name.constData()), QStringLiteral("the client name"));
        step(natsOptions_SetTimeout(opts, 2000), QStringLiteral("the connect timeout"));
        step(natsOptions_SetPingInterval(opts, 10000), QStringLiteral("the ping interval"));
        step(natsOptions_SetAllowReconnect(opts, true), QStringLiteral("reconnection"));
        step(natsOptions_SetMaxReconnect(opts, -1), QStringLiteral("reconnection"));
        step(natsOptions_SetReconnectWait(opts, 250), QStringLiteral("reconnection"));
        step(natsOptions_SetCustomReconnectDelay(opts, reconnectDelay, nullptr), QStringLiteral("the backoff"));
        step(natsOptions_SetRetryOnFailedConnect(opts, true, onUp, hook), QStringLiteral("retrying"));
        step(natsOptions_SetDisconnectedCB(opts, onDown, hook), QStringLiteral("callbacks"));
        step(natsOptions_SetReconnectedCB(opts, onUp, hook), QStringLiteral("callbacks"));
        step(natsOptions_SetClosedCB(opts, onClosed, hook), QStringLiteral("callbacks"));
        if (!m_options.credsFile.isEmpty())
            step(natsOptions_SetUserCredentialsFromFiles(opts, creds.constData(), nullptr),
                QStringLiteral("the credentials file %1").arg(m_options.credsFile));
        if (!m_options.caFile.isEmpty()) {
            step(natsOptions_SetSecure(opts, true), QStringLiteral("TLS"));
            step(natsOptions_LoadCATrustedCertificates(opts, ca.constData()),
                QStringLiteral("the CA file %1").arg(m_options.caFile));
        }
    }
    if (s != NATS_OK) {
        if (error)
            *error = QStringLiteral("NATS: cannot use %1: %2").arg(what, statusText(s));
        natsOptions_Destroy(opts);
        delete hook; // no connection was created, so no callback holds it
        m_gate.reset();
        return false;
    }
    natsConnection *nc = nullptr;
    s = natsConnection_Connect(&nc, opts);
    natsOptions_Destroy(opts); // the connection keeps its own copy
    if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
        if (error)
            *error = QStringLiteral("NATS: cannot connect to %1: %2").arg(displayUrl(), statusText(s));
        if (nc)
            natsConnection_Destroy(nc);
        // Deliberately not deleting hook: whether libnats already called the closed callback on this path is not
        // documented; a few bytes leaked once beat a double free.
        m_gate.reset();
        return false;
    }
    m_nc = nc;
    setConnected(s == NATS_OK);
    return true;
}

void NatsConnection::close(int flushMs)
{
    if (!m_nc)
        return;
    std::vector<natsSubscription *> subscriptions;
    {
        const std::lock_guard lock(m_gate->mutex);
        m_gate->owner = nullptr; // from here on no handler and no state callback reaches this object
        subscriptions.swap(m_gate->subscriptions);
    }
    if (flushMs > 0 && m_connected.load())
        natsConnection_FlushTimeout(m_nc, flushMs);
    natsConnection_Close(m_nc);
    for (natsSubscription *sub : subscriptions)
        natsSubscription_Destroy(sub);
    natsConnection_Destroy(m_nc);
    m_nc = nullptr;
    m_connected = false;
}

bool NatsConnection::publish(const QByteArray &subject, const QByteArray &data, const QByteArray &reply, QString *error)
{
    if (!m_nc) {
        if (error)
            *error = QStringLiteral("not open");
        return false;
    }
    const natsStatus s = reply.isEmpty()
        ? natsConnection_Publish(m_nc, subject.constData(), data.constData(), int(data.size()))
        : natsConnection_PublishRequest(
            m_nc, subject.constData(), reply.constData(), data.constData(), int(data.size()));
    if (s != NATS_OK && error)
        *error = statusText(s);
    return s == NATS_OK;
}

bool NatsConnection::subscribe(const QByteArray &subject, Handler handler, QString *error)
{
    if (!m_nc) {
        if (error)
            *error = QStringLiteral("not open");
        return false;
    }
    auto *hook = new SubscriptionHook { m_gate, std::move(handler) };
    static auto onMessage = +[](natsConnection *, natsSubscription *, natsMsg *msg, void *closure) {
        auto *h = static_cast<SubscriptionHook *>(closure);
        NatsMessage m;
        m.subject = QByteArray(natsMsg_GetSubject(msg));
        if (const char *reply = natsMsg_GetReply(msg))
            m.reply = QByteArray(reply);
        m.data = QByteArray(natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
        natsMsg_Destroy(msg);
        const std::lock_guard lock(h->gate->mutex);
        if (h->gate->owner)
            h->handler(m);
    };
    static auto onComplete = +[](void *closure) { delete static_cast<SubscriptionHook *>(closure); };
    natsSubscription *sub = nullptr;
    natsStatus s = natsConnection_Subscribe(&sub, m_nc, subject.constData(), onMessage, hook);
    if (s != NATS_OK) {
        delete hook;
        if (error)
            *error = statusText(s);
        return false;
    }
    natsSubscription_SetOnCompleteCB(sub, onComplete, hook);
    const std::lock_guard lock(m_gate->mutex);
    m_gate->subscriptions.push_back(sub);
    return true;
}

void NatsConnection::flush(int ms)
{
    if (m_nc && m_connected.load())
        natsConnection_FlushTimeout(m_nc, ms);
}

QByteArray NatsConnection::newInbox()
{
    natsInbox *inbox = nullptr;
    if (natsInbox_Create(&inbox) != NATS_OK)
        return {};
    QByteArray result(inbox);
    natsInbox_Destroy(inbox);
    return result;
}

} // namespace vigil
