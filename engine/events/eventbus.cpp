// SPDX-License-Identifier: MIT
#include "events/eventbus.h"

#include <QDateTime>

namespace vigil {

void EventBus::publish(const QString &name, QJsonObject payload)
{
    payload.insert(QStringLiteral("event"), name);
    payload.insert(QStringLiteral("ts"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    emit published(name, payload);
}

} // namespace vigil
