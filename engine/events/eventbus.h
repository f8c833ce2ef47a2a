// SPDX-License-Identifier: MIT
#pragma once

#include "events/engineevent.h"

#include <QObject>

namespace vigil {

/**
 * In-process events: every action transition and notable engine happening, typed (events/engineevent.h).
 * The desktop's models and pages read the typed fields; vigilctl prints EngineEvent::toJson() as JSON lines and the
 * NATS publisher writes the same JSON in its own thread. docs/events.md lists the names and fields.
 */
class EventBus : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    /// Stamps the event with the time (UTC) and emits it.
    void publish(EngineEvent event);
    /// A status event (engine.started, collector.notice, ...).
    void publish(const QString &name, const QJsonObject &fields = {}) { publish(statusEvent(name, fields)); }

signals:
    void published(const vigil::EngineEvent &event);
};

} // namespace vigil
