// SPDX-License-Identifier: MIT
#pragma once

#include <QtGlobal>

namespace vigil {

/**
 * What each of the engine's ticks reads and records. The cheap counters are read every tick. pg_stat_statements is
 * read at every tick while an action is in the pipeline (its baseline and window need the statements at every
 * boundary) and once per guard interval when idle. Outside an observation window one sample per interval goes to
 * the log, the charts and the archive (inside one, the window's own samples go out as the guard reads them). The
 * sessions are read every 5 s at most (pg_blocking_pids takes the lock manager's locks briefly). The CPU probe, a few
 * ms of the server's CPU, runs only while an action is in the pipeline.
 */
class TickPlan
{
public:
    struct Tick
    {
        bool statements = false; ///< read pg_stat_statements at this tick
        bool recordsSample = false; ///< the interval's sample goes out after this tick (if the guard has one)
        bool sessions = false; ///< read the client sessions for the Sessions page
        /// time the fixed unit of CPU work (DbCollector::collect): an action's baseline and window read it
        bool cpuProbe = false;
    };

    explicit TickPlan(double tickSeconds)
        : m_tickSeconds(tickSeconds > 0 ? tickSeconds : 1.0)
    { }

    /// The plan for the next tick. `intervalSeconds`: the guard's sample interval now (a DBA can change it);
    /// `busy`: an action is in the pipeline; `observing`: its window is open.
    Tick next(double intervalSeconds, bool busy, bool observing);

private:
    double m_tickSeconds;
    qint64 m_index = 0; ///< ticks planned so far
};

} // namespace vigil
