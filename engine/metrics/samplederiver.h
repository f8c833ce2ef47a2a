// SPDX-License-Identifier: MIT
#pragma once

#include "collect/snapshot.h"
#include "metrics/sample.h"

#include <span>

namespace vigil {

/**
 * Turns the Snapshots of one interval into a Sample: pure computation, no I/O.
 *
 * ticks.front() opens the interval and ticks.back() closes it; counters are differenced between those two, while
 * instantaneous readings (sessions, host) are averaged over the ticks after the first. Counters that went
 * backwards mean the server restarted them: that statement (or the whole database row) is left out rather than
 * turned into a negative rate.
 */
class SampleDeriver
{
public:
    static Sample derive(std::span<const Snapshot> ticks);
};

} // namespace vigil
