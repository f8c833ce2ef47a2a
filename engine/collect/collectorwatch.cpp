// SPDX-License-Identifier: MIT
#include "collectorwatch.h"

#include <cmath>
#include <utility>

namespace vigil {

EngineEvent CollectorWatch::snapshotMissing(double now, const QString &reason)
{
    if (m_gapSince < 0)
        m_gapSince = now;
    return statusEvent(QStringLiteral("collector.gap"), { { QStringLiteral("reason"), reason } });
}

std::optional<EngineEvent> CollectorWatch::snapshotArrived(double now)
{
    if (m_gapSince < 0)
        return std::nullopt;
    const double after = now - std::exchange(m_gapSince, -1);
    return statusEvent(QStringLiteral("collector.resumed"), { { QStringLiteral("after_seconds"), std::round(after) } });
}

std::optional<EngineEvent> CollectorWatch::hostRead(const HostMetrics &metrics, const QString &source)
{
    // CPU needs two readings, so memory and load tell whether the source answers at all.
    const bool answering = metrics.memPct || metrics.load1 || metrics.cpuPct;
    if (answering == std::exchange(m_hostAnswering, answering))
        return std::nullopt;
    return statusEvent(QStringLiteral("collector.notice"),
        { { QStringLiteral("message"),
            answering ? QStringLiteral("host metrics answer again (%1)").arg(source)
                      : QStringLiteral("host metrics stopped answering (%1): samples carry no CPU, memory or load "
                                       "until it answers again; the guard goes on with the database's own numbers")
                            .arg(source) } });
}

} // namespace vigil
