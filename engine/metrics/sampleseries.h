// SPDX-License-Identifier: MIT
#pragma once

#include "collect/snapshot.h"
#include "metrics/sample.h"

#include <span>
#include <vector>

namespace vigil {

/**
 * Cuts a run of Snapshots into consecutive Samples on a fixed time grid.
 *
 * Interval k covers [startT + k*interval, startT + (k+1)*interval]. Each grid point is closed by the latest snapshot
 * at or before it (within `tolerance`, to absorb sampling jitter). Counters are cumulative, so a missing tick inside
 * an interval costs nothing; an interval with no snapshot of its own, or one stretched past 1.5 intervals by a gap,
 * comes out as an invalid Sample (a gap) instead of invented numbers.
 */
class SampleSeries
{
public:
    static std::vector<Sample> derive(
        std::span<const Snapshot> snapshots, double startT, double intervalSeconds, int count, double tolerance);

    /// Index of the latest snapshot with t <= time, or -1.
    static qsizetype indexAtOrBefore(std::span<const Snapshot> snapshots, double time);
    /// Index of the earliest snapshot with t >= time, or -1.
    static qsizetype indexAtOrAfter(std::span<const Snapshot> snapshots, double time);
};

} // namespace vigil
