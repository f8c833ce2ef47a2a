// SPDX-License-Identifier: MIT
#include "events/eventbus.h"

namespace vigil {

void EventBus::publish(EngineEvent event)
{
    event.at = QDateTime::currentDateTimeUtc();
    emit published(event);
}

} // namespace vigil
