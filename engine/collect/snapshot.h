// SPDX-License-Identifier: MIT
#pragma once

#include <QtGlobal>

#include <optional>
#include <vector>

namespace vigil {

/// Cumulative counters of one pg_stat_statements row, as the server reported them.
struct StatementCounters
{
    qint64 queryId = 0;
    double calls = 0;
    double totalExecMs = 0;
    double meanExecMs = 0;
    double stddevExecMs = 0;
    double rows = 0;
    /// Buffer columns are optional in a trace; hasBlocks says whether the three below are real.
    bool hasBlocks = false;
    double sharedBlksHit = 0;
    double sharedBlksRead = 0;
    double tempBlksWritten = 0;

    /// Sum of squared execution times, recovered from mean and stddev (population stddev, as pgss reports it).
    double sumOfSquares() const { return calls * (stddevExecMs * stddevExecMs + meanExecMs * meanExecMs); }
};

/// The pg_stat_database row of the monitored database. Any field the source could not read is empty.
struct DatabaseCounters
{
    std::optional<double> xactCommit;
    std::optional<double> xactRollback;
    std::optional<double> blksHit;
    std::optional<double> blksRead;
    std::optional<double> tupReturned;
    std::optional<double> tupFetched;
    std::optional<double> tupInserted;
    std::optional<double> tupUpdated;
    std::optional<double> tupDeleted;
    std::optional<double> tempBytes;
    std::optional<double> deadlocks;
    /// Milliseconds the database's sessions spent running statements (PostgreSQL 14+): commit waits included,
    /// which pg_stat_statements does not time. Flushed by each backend at most once a second.
    std::optional<double> activeTimeMs;
    /// Milliseconds sessions sat idle inside a transaction (the clients' round trips between statements).
    std::optional<double> idleInTransactionTimeMs;
};

/// Instantaneous session counts from pg_stat_activity (client backends of all databases).
struct ActivityCounts
{
    std::optional<double> total;
    std::optional<double> active;
    std::optional<double> idle;
    std::optional<double> idleInTransaction;
    std::optional<double> waiting;
    std::optional<double> maxConnections;
    // The same counts for the monitored database only, Vigil's own sessions left out: what the workload does.
    std::optional<double> dbActive;
    std::optional<double> dbIdleInTransaction;
    std::optional<double> dbWaiting; ///< waiting on a heavyweight lock
    std::optional<double> dbBlockedByOthers; ///< waiting on a lock that a session other than Vigil's holds
    std::optional<double> dbLongRunning; ///< running one statement for more than a second
    std::optional<double> otherDbActive; ///< active client sessions of other databases (not Vigil's)
    /// PostgreSQL processes of any kind (backends, WAL writer, checkpointer, autovacuum) waiting on I/O: the part of
    /// the host's tasks in disk sleep that is PostgreSQL's own.
    std::optional<double> ioWaiting;
};

/// pg_stat_wal (PostgreSQL 14+): cumulative WAL activity of the whole cluster.
struct WalCounters
{
    std::optional<double> records;
    std::optional<double> fullPageImages;
    std::optional<double> bytes;
    std::optional<double> writes;
    std::optional<double> syncs;
    std::optional<double> writeTimeMs; ///< 0 unless track_wal_io_timing is on
    std::optional<double> syncTimeMs; ///< 0 unless track_wal_io_timing is on
};

/// The database host's CPU busy % over the last tick, memory used % and 1-minute load.
struct HostMetrics
{
    std::optional<double> cpuPct;
    /// The share of the host's CPU time the hypervisor gave to other guests over the last tick (/proc/stat steal),
    /// also counted in cpuPct: a neighbour taking a virtual machine's cores looks like CPU use with nothing runnable.
    std::optional<double> stealPct;
    std::optional<double> memPct;
    std::optional<double> load1;
    std::optional<double> procsRunning; ///< runnable tasks on the host now (/proc/stat procs_running)
    std::optional<double> procsBlocked; ///< tasks in uninterruptible (disk) sleep now (/proc/stat procs_blocked)
    /// Bytes read from and written to the host's disks since boot (/proc/diskstats, whole disks only).
    std::optional<double> diskReadBytes;
    std::optional<double> diskWrittenBytes;
    std::optional<double> memTotalBytes; ///< the host's RAM (MemTotal), for sizing advice; not in traces
    /// The longest a small write and its flush beside the data directory waited since the last tick (ms;
    /// StorageProbe): the storage's own speed. Absent unless a probe directory was given.
    std::optional<double> storageWaitMs;
};

/**
 * Raw cumulative counters at one tick: the same content as a vigil-trace/1 sample line.
 * Live collectors and trace files both produce Snapshots, so everything downstream runs the same way on both.
 */
struct Snapshot
{
    double t = 0; ///< seconds since the source began
    std::vector<StatementCounters> statements; ///< sorted by queryId (derivation merges on it)
    bool hasStatements = false; ///< false when pg_stat_statements was not readable at this tick
    DatabaseCounters db;
    ActivityCounts activity;
    WalCounters wal;
    HostMetrics host;
    /// queryids of the monitored database's statements that have been running for more than a second (Vigil's
    /// own left out), one entry per session: a report or a dump that is not the workload shows up here.
    std::vector<qint64> longRunningQueryIds;
    /// The machine's own speed as a client of the server sees it: the median round trip (ms) of a statement that
    /// reads no table (DbCollector::medianTimedMs). No action on the database changes it; a host that runs slower
    /// (a virtual machine's neighbours, a clock that steps down) slows it with the workload.
    std::optional<double> probeMs;
    /// The machine's speed at work: the median time (ms, round trip included) of a fixed unit of CPU work in the
    /// server (DbCollector::medianTimedMs), in the collector's own session with JIT off, so no setting an action
    /// changes alters it. Statements that compute (sorts, many rows) slow with it when the host's cores run slower;
    /// the round trip above follows that only in part (docs/guard.md, "The machine's speed at work").
    std::optional<double> cpuProbeMs;
};

} // namespace vigil
