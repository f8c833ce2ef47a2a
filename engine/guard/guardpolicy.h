// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

namespace vigil {

/**
 * Every knob of the observation window and the degradation rule. Defaults are the product brief's.
 * validate() must pass before a policy is used; it says, in words a DBA can act on, what is wrong.
 */
struct GuardPolicy
{
    double intervalSeconds = 5; ///< the guard's sample interval (a multiple of the collector's tick)
    double windowSeconds = 60; ///< observation window after the action finished
    double baselineSeconds = 60; ///< how far back before the action the baseline reaches
    double latencyPct = 10; ///< p95 latency worse by more than this (%) is degraded
    double throughputPct = 10; ///< throughput lower by more than this (%) is degraded
    int consecutive = 3; ///< degraded samples in a row before a rollback

    // Refinements of the vigil detector (the floor detector ignores them).
    /// A change in p95 smaller than this many ms is noise, whatever its relative size.
    double minLatencyDeltaMs = 0.005;
    /// A p95 at least this many times the baseline (or throughput down by the same factor) is overwhelming:
    /// one sample is enough.
    double overwhelmingFactor = 2.0;
    /// ... for at least this many seconds (one 5 s sample, or two 1 s samples in a row).
    double overwhelmingSeconds = 2.0;
    /// Any other degraded run must span at least this long before it rolls back (two 5 s samples, five 1 s ones):
    /// on a loaded 2-core host a workload's p95 rises by a third for 3-4 s on its own (null actions, docs/guard.md).
    double minimumRunSeconds = 5.0;
    /// Degradation starting this many seconds or later into the window did not start at the action: it needs
    /// twice the evidence (bursts of outside load come and go; what an action does starts when it lands).
    double onsetSeconds = 10;
    /// Calls arriving this much (%) above baseline mean outside load: such samples neither convict nor acquit.
    double demandSurgePct = 25;
    /// Host CPU this many points above baseline, with per-call buffer work unchanged, means outside CPU load.
    double cpuSurgePoints = 20;
    /// A sample must stand this many times the baseline's own sample-to-sample noise out of it to be degraded
    /// (the brief's thresholds rule where the baseline is calmer than that).
    double noiseMargin = 2.5;
    /// Runnable tasks on the host this many above the baseline's, beyond the database's own active sessions, mean
    /// another program competes for the CPU (procs_running from /proc/stat).
    double outsideRunnableTasks = 1.0;
    /// The host's disks moving this many MB/s more than at baseline, beyond what PostgreSQL itself read, logged
    /// and spilled, mean another program competes for the disk (/proc/diskstats). A synchronous commit that now
    /// flushes every commit rewrites WAL pages at a few MB/s; another program's bulk I/O moves hundreds.
    double outsideDiskMBps = 32;
    /// A statement that reads no table (Sample::probeMs) taking this much (%) longer than before, with the host's CPU
    /// not up by cpuSurgePoints, means the machine itself runs slower (a virtual machine's neighbours): such
    /// samples neither convict nor acquit. 0 switches the check off.
    double machineSlowerPct = 50;
    /// A small write beside the data directory (Sample::storageWaitMs) that waited at least this long (ms), and ten
    /// times its usual longest, with nothing on the host or in the database writing more, means the storage itself
    /// stalled: such samples, and the 10 s after them, neither convict nor acquit. 0 switches the check off.
    double storageStallMs = 150;
    /// A rise in time in the server per transaction (session active time, commit waits included) smaller than this
    /// many ms is noise, whatever its relative size. 0.05 until the lab's near-threshold tuning scenarios: it hid
    /// index scans turned off under 0.1 ms transactions (+0.02-0.04 ms a transaction, clients' p95 +10 %).
    double minServerDeltaMs = 0.01;
    /// A window that found too little traffic or only outside load is extended up to this many times (each by the
    /// window's length) before the action is kept, marked unverified.
    int unverifiedExtensions = 2;
    /// Roll back an action whose window could not be judged instead of keeping it unverified.
    bool rollbackWhenUnverified = false;
    /// Judge a new index on the statements that use its table (ActionReach): a slowdown only elsewhere is not its
    /// own. Off: every slowdown may be the action's (how the lab judges outside-load recognition alone).
    bool judgeWithinReach = true;

    int windowSamples() const;
    int baselineSamples() const;

    /// Empty when the policy is usable; otherwise the first problem found. tickSeconds is the source's tick.
    QString validate(double tickSeconds = 0) const;

    /// The shortest baseline at which noise alone was measured not to roll anything back: null actions beside a
    /// busy loop (docs/guard.md) were rolled back 2 times in 276 with a 10 s baseline at 1 s samples, never from
    /// 15 s on, nor with 12 samples of 5 s.
    static constexpr double kMeasuredBaselineSeconds = 15;
    static constexpr int kMeasuredBaselineSamples = 12;
    /// Empty when the baseline is at least as long as measured; otherwise a warning a DBA can act on (the policy is
    /// still valid: tests and quick trials use short baselines knowingly).
    QString shortBaselineWarning() const;
};

} // namespace vigil
