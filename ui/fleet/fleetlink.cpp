// SPDX-License-Identifier: MIT
#include "fleetlink.h"

#include "enginerunner.h"
#include "events/natspublisher.h"
#include "events/natssubscriber.h"
#include "fleetmodel.h"

#include <QJsonObject>

namespace vigil {

namespace {
constexpr qint64 kUnreachableAfterMs = 4000; ///< libnats reaches a live server well within this (status: every 5 s)
} // namespace

FleetLink::FleetLink(FleetModel *model, QObject *parent)
    : QObject(parent)
    , m_model(model)
{
    m_statusTimer.setInterval(5000);
    connect(&m_statusTimer, &QTimer::timeout, this, [this] { emit statusChanged(statusText()); });
}

FleetLink::~FleetLink() = default;

void FleetLink::setLocalEngine(EngineRunner *runner, const QString &targetName)
{
    if (m_runner)
        disconnect(m_runner, nullptr, this, nullptr);
    m_runner = runner;
    m_target = targetName;
    // Subjects name the target as the engine does (what libpq connected to), which the user's name for it (a
    // sandbox, a typed host) need not be. Connected before the publisher is, so the name changes first.
    if (m_runner)
        connect(m_runner, &EngineRunner::event, this, [this](const EngineEvent &event) {
            if (event.name() != QLatin1StringView("engine.started"))
                return;
            m_target = event.fields().value(QLatin1StringView("target")).toString(m_target);
            if (m_publisher)
                m_publisher->setTarget(m_target);
        });
    restart();
}

void FleetLink::setUrl(const QString &url)
{
    if (url == m_url)
        return;
    m_url = url;
    restart();
}

void FleetLink::restart()
{
    m_publisher.reset();
    m_subscriber.reset();
    m_error.clear();
    m_since.start();
    if (!m_url.isEmpty()) {
        NatsOptions options;
        options.url = m_url;
        options.clientName = QStringLiteral("vigil-desktop");
        m_subscriber = std::make_unique<NatsSubscriber>(options);
        connect(m_subscriber.get(), &NatsSubscriber::received, m_model, &FleetModel::addEvent);
        connect(
            m_subscriber.get(), &NatsSubscriber::connectionChanged, this, [this] { emit statusChanged(statusText()); });
        if (!m_subscriber->start(QStringLiteral("vigil.>"), &m_error))
            m_subscriber.reset();
        if (m_runner && m_subscriber) {
            m_publisher = std::make_unique<NatsPublisher>(options);
            m_publisher->setTarget(m_target);
            if (m_publisher->start(&m_error))
                connect(m_runner, &EngineRunner::event, m_publisher.get(), &NatsPublisher::publish);
            else
                m_publisher.reset();
        }
    }
    if (m_subscriber)
        m_statusTimer.start();
    else
        m_statusTimer.stop();
    emit statusChanged(statusText());
}

QString FleetLink::statusText() const
{
    if (m_url.isEmpty())
        return tr("NATS is off: set its URL in Settings (Ctrl+,) to see the fleet.");
    if (!m_error.isEmpty())
        return tr("NATS: %1").arg(m_error);
    const QString where = m_subscriber ? m_subscriber->displayUrl() : m_url;
    const bool connected = m_subscriber && m_subscriber->isConnected();
    // The client keeps trying for ever; after a few seconds say that it does not answer, not "connecting…".
    QString text = connected ? tr("NATS: connected to %1").arg(where)
        : m_since.isValid() && m_since.elapsed() > kUnreachableAfterMs
        ? tr("NATS: cannot reach %1 — still trying (check the URL in Settings, Ctrl+,)").arg(where)
        : tr("NATS: connecting to %1…").arg(where);
    // Events handed over while not connected wait in the client's buffer: they are not published yet.
    if (m_publisher)
        text += (connected ? tr(" · %1 events published, %2 dropped")
                           : tr(" · %1 events waiting to be sent, %2 dropped"))
                    .arg(m_publisher->publishedCount())
                    .arg(m_publisher->droppedCount());
    return text;
}

void FleetLink::decide(const QString &target, qint64 actionId, bool approve, const QString &who)
{
    if (!m_subscriber) {
        emit decisionAnswered(false, tr("NATS is not connected"));
        return;
    }
    const quint64 request
        = m_subscriber->request(natsSubject(target, approve ? QStringLiteral("approve") : QStringLiteral("reject")),
            { { QStringLiteral("action_id"), actionId }, { QStringLiteral("by"), who } });
    auto *context = new QObject(this);
    connect(m_subscriber.get(), &NatsSubscriber::replied, context,
        [this, context, request, actionId, target](quint64 id, const QJsonObject &reply, const QString &error) {
            if (id != request)
                return;
            context->deleteLater();
            if (!error.isEmpty())
                emit decisionAnswered(false, tr("%1 did not answer: %2").arg(target, error));
            else if (!reply.value(QLatin1StringView("ok")).toBool())
                emit decisionAnswered(
                    false, tr("%1 refused: %2").arg(target, reply.value(QLatin1StringView("error")).toString()));
            else
                emit decisionAnswered(true,
                    tr("#%1 on %2: %3")
                        .arg(actionId)
                        .arg(target, reply.value(QLatin1StringView("decision")).toString()));
        });
}

} // namespace vigil
