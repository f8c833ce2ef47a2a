// SPDX-License-Identifier: MIT
#include "tickplan.h"

#include <algorithm>
#include <cmath>

namespace vigil {

namespace {
constexpr double kSessionsEverySeconds = 5;
}

TickPlan::Tick TickPlan::next(double intervalSeconds, bool busy, bool observing)
{
    const qint64 intervalTicks = std::max<qint64>(1, std::llround(intervalSeconds / m_tickSeconds));
    const qint64 sessionTicks = std::max<qint64>(1, std::llround(kSessionsEverySeconds / m_tickSeconds));
    const bool intervalBoundary = m_index % intervalTicks == 0;
    Tick tick;
    tick.statements = busy || intervalBoundary;
    tick.recordsSample = !observing && intervalBoundary;
    tick.sessions = m_index % sessionTicks == 0;
    tick.cpuProbe = busy;
    ++m_index;
    return tick;
}

} // namespace vigil
