// SPDX-License-Identifier: MIT
#pragma once

#include "collect/snapshot.h"
#include "events/engineevent.h"

#include <optional>

namespace vigil {

/**
 * Says when a source of the engine's numbers stops and when it comes back. Every tick without a snapshot is a
 * `collector.gap` (with the reason); the first snapshot after a gap is said once as `collector.resumed`, so an
 * agent's log shows when the target came back, not only that it went away. The host's metrics source is said once
 * when it stops answering and once when it answers again.
 */
class CollectorWatch
{
public:
    /// A tick of the database collector that brought no snapshot (`now`: seconds, the engine's clock).
    EngineEvent snapshotMissing(double now, const QString &reason);
    /// A tick that brought one: `collector.resumed` after a gap, nothing otherwise.
    std::optional<EngineEvent> snapshotArrived(double now);
    /// A reading of the host's metrics from a source that exists (`source`: its description, for the message).
    std::optional<EngineEvent> hostRead(const HostMetrics &metrics, const QString &source);

private:
    double m_gapSince = -1; ///< since when the collector has had no snapshot (-1: it has one)
    bool m_hostAnswering = true; ///< the host source gave numbers at its last reading
};

} // namespace vigil
