// SPDX-License-Identifier: MIT
// Hand-built Samples for guard tests: a two-statement workload whose every metric the test controls.
#pragma once

#include "metrics/latencydistribution.h"
#include "metrics/sample.h"

#include <vector>

namespace vigil::testing {

/// How one sample differs from the steady workload.
struct Shape
{
    double latency = 1.0; ///< factor on every statement's mean (variance scales with its square)
    double throughput = 1.0; ///< factor on tps
    double calls = 1.0; ///< factor on calls arriving (qps)
    double cpuPoints = 0; ///< added to host CPU %
    double blocks = 1.0; ///< factor on buffers per call
    double busy = 1.0; ///< factor on sessions busy in the server
    double slowShare = 0.04; ///< share of calls going to the slow statement (a mix shift changes it)
    /// Factors on each statement's variance alone (its mean unchanged): a longer tail.
    double fastSpread = 1.0;
    double slowSpread = 1.0;
    bool valid = true;
    bool noCalls = false;
    /// Session clocks (PostgreSQL 14+): 0 leaves them out; otherwise a factor on 0.2 ms in the server per
    /// transaction, with 0.3 ms of round trips inside each transaction.
    double serverTime = 0;
    /// Milliseconds per transaction the clients spend in round trips inside their transactions (with serverTime); 0
    /// for single-statement transactions.
    double roundTripsMs = 0.3;
    /// Runnable tasks on the host beyond the workload's sessions; negative leaves procs_running out.
    double outsideTasks = -1;
    double blockedByOthers = 0; ///< sessions waiting on a lock another session holds
    /// Disk traffic in MB/s: PostgreSQL's own WAL (written as generated) and another program's (needs outsideTasks
    /// set too).
    double walMBps = 2;
    double outsideDiskMBps = 0;
    /// Milliseconds per transaction that statements not in the workload (a dump's COPY) spend in the server: added
    /// to the session clocks and run by statement kForeignQuery.
    double foreignServerMs = 0;
    /// Statements seen running for over a second at the sample's ticks (a report, a batch).
    std::vector<qint64> longRunning;
    /// Factor on the collector's 0.05 ms round trip of a statement that reads no table: the machine's own speed.
    double probe = 1.0;
    /// Factor on the collector's 1 ms unit of CPU work in the server: the machine's speed at work.
    double cpuProbe = 1.0;
    /// The longest a small write beside the data directory waited in the sample (ms): the storage's own speed.
    double storageWaitMs = 2.0;
};

inline constexpr qint64 kFastQuery = 101;
inline constexpr qint64 kSlowQuery = 202;
inline constexpr qint64 kForeignQuery = 303;

inline Sample makeSample(double tEnd, const Shape &shape = {}, double seconds = 5.0)
{
    Sample s;
    s.tStart = tEnd - seconds;
    s.tEnd = tEnd;
    s.valid = shape.valid;
    if (!shape.valid)
        return s;
    s.longRunningQueryIds = shape.longRunning;
    const double calls = shape.noCalls ? 0.0 : 3000.0 * seconds * shape.calls;
    if (calls > 0) {
        const double fastCalls = calls * (1.0 - shape.slowShare);
        const double slowCalls = calls * shape.slowShare;
        StatementInterval fast { kFastQuery, fastCalls, 0.05 * shape.latency,
            0.0004 * shape.latency * shape.latency * shape.fastSpread, 4.0 * shape.blocks, 0.1 };
        StatementInterval slow { kSlowQuery, slowCalls, 0.5 * shape.latency,
            0.01 * shape.latency * shape.latency * shape.slowSpread, 40.0 * shape.blocks, 1.0 };
        s.statements = { fast, slow };
        s.qps = calls / seconds;
        s.latencyMeanMs = (fastCalls * fast.meanMs + slowCalls * slow.meanMs) / calls;
        const LatencyDistribution::Component parts[]
            = { { fastCalls, fast.meanMs, fast.varianceMs2 }, { slowCalls, slow.meanMs, slow.varianceMs2 } };
        s.latencyP95Ms = LatencyDistribution(parts).quantile(0.95);
    } else {
        s.qps = 0.0;
    }
    s.tps = 600.0 * shape.throughput;
    s.rollbacksPerSecond = 0.0;
    s.sessionsActive = 1.0 + 0.6 * shape.busy; // the sampler itself counts as one active session
    s.sessionsWaiting = 0.0;
    s.cpuPct = 30.0 + shape.cpuPoints;
    s.probeMs = 0.05 * shape.probe;
    s.cpuProbeMs = 1.0 * shape.cpuProbe;
    s.storageWaitMs = shape.storageWaitMs;
    if (shape.serverTime > 0) {
        s.transactions = *s.tps * seconds;
        s.serverMsPerTransaction = 0.2 * shape.serverTime + shape.foreignServerMs;
        s.idleInTransactionMsPerTransaction = shape.roundTripsMs;
        if (shape.foreignServerMs > 0) {
            // Five calls of a long statement that is not the workload's, in queryid order with the others.
            s.statements.push_back(
                { kForeignQuery, 5.0, shape.foreignServerMs * s.transactions / 5.0, 0.0, 1000.0, 10.0 });
        }
    }
    if (shape.outsideTasks >= 0) {
        s.workloadActive = 0.6 * shape.busy;
        s.procsRunning = *s.workloadActive + shape.outsideTasks;
        s.walBytesPerSecond = shape.walMBps * 1e6;
        s.blocksReadPerSecond = 10;
        s.diskReadBytesPerSecond = 10 * 8192.0;
        s.diskWrittenBytesPerSecond = (shape.walMBps + shape.outsideDiskMBps) * 1e6;
    }
    if (shape.blockedByOthers > 0)
        s.blockedByOthers = shape.blockedByOthers;
    return s;
}

/// Twelve steady samples ending at t = 60: the default 60 s baseline.
inline std::vector<Sample> steadyBaseline(int count = 12, double interval = 5.0, const Shape &shape = {})
{
    std::vector<Sample> samples;
    for (int i = 1; i <= count; ++i)
        samples.push_back(makeSample(i * interval, shape, interval));
    return samples;
}

} // namespace vigil::testing
