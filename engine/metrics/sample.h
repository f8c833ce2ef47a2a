// SPDX-License-Identifier: MIT
#pragma once

#include <QMetaType>
#include <QtGlobal>

#include <optional>
#include <vector>

namespace vigil {

/// One statement's executions within one interval (from the deltas of its cumulative counters).
struct StatementInterval
{
    qint64 queryId = 0;
    double calls = 0;
    double meanMs = 0; ///< mean execution time of the calls in this interval
    double varianceMs2 = 0; ///< their variance, from the sum-of-squares delta
    /// Shared buffers touched (hit + read) and read per call; empty when the source has no buffer columns.
    std::optional<double> blocksPerCall;
    std::optional<double> readsPerCall;
};

/**
 * What the database and its host did over one interval, derived from two Snapshots (and the ticks between).
 * A metric the source could not provide is empty, never zero: "unavailable" is not "nothing happened".
 */
struct Sample
{
    double tStart = 0;
    double tEnd = 0;
    double seconds() const { return tEnd - tStart; }

    /// False for a gap: no snapshot closed this interval, or the statistics were reset across it.
    bool valid = false;
    /// True when pg_stat_statements counters restarted (or a statement's did) inside the interval.
    bool statementsReset = false;

    // Throughput
    std::optional<double> tps; ///< committed transactions per second
    std::optional<double> rollbacksPerSecond;
    std::optional<double> qps; ///< statement executions per second (pg_stat_statements)

    // Latency of statement execution, estimated from per-statement deltas (see docs/derivation.md)
    std::optional<double> latencyMeanMs;
    std::optional<double> latencyP95Ms;
    std::optional<double> latencyP99Ms;
    std::vector<StatementInterval> statements; ///< sorted by queryId; only statements with calls in the interval
    /// Statements that first appeared in pg_stat_statements inside the interval (calls and mean only): a dump's
    /// COPYs, a report run once. Not in `statements`, whose entries need a counter at both ends.
    std::vector<StatementInterval> newStatements;

    // Sessions (averaged over the ticks of the interval)
    std::optional<double> sessionsTotal;
    std::optional<double> sessionsActive;
    std::optional<double> sessionsIdle;
    std::optional<double> sessionsIdleInTransaction;
    std::optional<double> sessionsWaiting;
    std::optional<double> maxConnections;
    /// The monitored database's client sessions other than Vigil's: active ones (averaged), those waiting on a
    /// lock held by a session that is not Vigil's (the most at any tick), and active sessions of other databases.
    std::optional<double> workloadActive;
    std::optional<double> workloadWaiting; ///< the monitored database's sessions waiting on a lock (averaged)
    std::optional<double> blockedByOthers;
    std::optional<double> otherDatabasesActive;
    /// queryids that ran one statement for over a second at any tick of the interval (its start included).
    std::vector<qint64> longRunningQueryIds;

    // Time in the server per transaction (pg_stat_database session times, PostgreSQL 14+): what the clients wait
    // for inside the server, commit flushes and lock waits included, which statement timing does not see.
    std::optional<double> serverMsPerTransaction; ///< active time / (commits + rollbacks)
    double transactions = 0; ///< commits + rollbacks in the interval
    std::optional<double> idleInTransactionMsPerTransaction; ///< the clients' round trips inside transactions

    /// Share of the WAL records that were full-page images: jumps after a checkpoint starts.
    std::optional<double> walFullPageShare;

    // Cache and I/O
    std::optional<double> cacheHitRatio; ///< blks_hit / (blks_hit + blks_read) over the interval
    std::optional<double> tempBytesPerSecond;
    std::optional<double> blocksReadPerSecond; ///< shared blocks read from outside the buffer cache, per second

    // Host (averaged over the ticks of the interval)
    std::optional<double> cpuPct;
    std::optional<double> memPct;
    std::optional<double> load1;
    std::optional<double> procsRunning; ///< runnable tasks on the host (all processes, not only PostgreSQL's)
    std::optional<double> procsBlocked; ///< tasks waiting for the disk on the host (all processes)
    std::optional<double> postgresIoWaiting; ///< PostgreSQL processes waiting on I/O (pg_stat_activity)
    std::optional<double> diskReadBytesPerSecond; ///< the host's disks, all processes
    std::optional<double> diskWrittenBytesPerSecond;
    std::optional<double> walBytesPerSecond; ///< WAL the cluster generated (pg_stat_wal)
    /// The round trip (ms) of a statement that reads no table, as the collector timed it (median of the ticks):
    /// the machine's own speed, which no action on the database changes (Snapshot::probeMs).
    std::optional<double> probeMs;
    /// A fixed unit of CPU work in the server, as the collector timed it (median of the ticks; Snapshot::cpuProbeMs).
    std::optional<double> cpuProbeMs;
    /// The longest a small write beside the data directory waited in the interval (ms; HostMetrics::storageWaitMs).
    std::optional<double> storageWaitMs;

    const StatementInterval *statement(qint64 queryId) const;
};

} // namespace vigil

Q_DECLARE_METATYPE(vigil::Sample)
