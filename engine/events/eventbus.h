// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QObject>
#include <QString>

namespace vigil {

/**
 * In-process events: every action transition and notable engine happening, as a name and a JSON payload.
 * The CLI prints them as JSON lines; the GUI's models and the NATS publisher (later) subscribe to the same signal.
 *
 * Names: action.proposed, action.applying, action.executed, action.degraded, action.rolling_back,
 * action.rolled_back, action.kept, action.failed, action.recovered, sample, collector.gap, collector.notice,
 * engine.started, engine.error, engine.mode, finding, analysis.finished, analysis.failed.
 */
class EventBus : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    /// Stamps the payload with "event" and "ts" (ISO-8601 UTC, ms) and emits it.
    void publish(const QString &name, QJsonObject payload = {});

signals:
    void published(const QString &name, const QJsonObject &payload);
};

} // namespace vigil
