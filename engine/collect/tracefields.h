// SPDX-License-Identifier: MIT
#pragma once

#include "collect/snapshot.h"

namespace vigil {

/// One numeric field of a vigil-trace/1 sample object and where it lives in a Snapshot.
template<typename Struct>
struct TraceField
{
    const char *name;
    std::optional<double> Struct::*member;
};

// The trace format's names, in one place for the reader and the recorder (docs/trace-format.md).
inline constexpr TraceField<DatabaseCounters> kDatabaseFields[] = {
    { "xact_commit", &DatabaseCounters::xactCommit },
    { "xact_rollback", &DatabaseCounters::xactRollback },
    { "blks_hit", &DatabaseCounters::blksHit },
    { "blks_read", &DatabaseCounters::blksRead },
    { "tup_returned", &DatabaseCounters::tupReturned },
    { "tup_fetched", &DatabaseCounters::tupFetched },
    { "tup_inserted", &DatabaseCounters::tupInserted },
    { "tup_updated", &DatabaseCounters::tupUpdated },
    { "tup_deleted", &DatabaseCounters::tupDeleted },
    { "temp_bytes", &DatabaseCounters::tempBytes },
    { "deadlocks", &DatabaseCounters::deadlocks },
    { "active_time", &DatabaseCounters::activeTimeMs },
    { "idle_in_transaction_time", &DatabaseCounters::idleInTransactionTimeMs },
};

inline constexpr TraceField<ActivityCounts> kActivityFields[] = {
    { "total", &ActivityCounts::total },
    { "active", &ActivityCounts::active },
    { "idle", &ActivityCounts::idle },
    { "idle_in_transaction", &ActivityCounts::idleInTransaction },
    { "waiting", &ActivityCounts::waiting },
    { "max_connections", &ActivityCounts::maxConnections },
    { "db_active", &ActivityCounts::dbActive },
    { "db_idle_in_transaction", &ActivityCounts::dbIdleInTransaction },
    { "db_waiting", &ActivityCounts::dbWaiting },
    { "db_blocked_by_others", &ActivityCounts::dbBlockedByOthers },
    { "db_long_running", &ActivityCounts::dbLongRunning },
    { "other_db_active", &ActivityCounts::otherDbActive },
    { "io_waiting", &ActivityCounts::ioWaiting },
};

inline constexpr TraceField<WalCounters> kWalFields[] = {
    { "wal_records", &WalCounters::records },
    { "wal_fpi", &WalCounters::fullPageImages },
    { "wal_bytes", &WalCounters::bytes },
    { "wal_write", &WalCounters::writes },
    { "wal_sync", &WalCounters::syncs },
    { "wal_write_time", &WalCounters::writeTimeMs },
    { "wal_sync_time", &WalCounters::syncTimeMs },
};

inline constexpr TraceField<HostMetrics> kHostFields[] = {
    { "cpu_pct", &HostMetrics::cpuPct },
    { "steal_pct", &HostMetrics::stealPct },
    { "mem_pct", &HostMetrics::memPct },
    { "load1", &HostMetrics::load1 },
    { "procs_running", &HostMetrics::procsRunning },
    { "procs_blocked", &HostMetrics::procsBlocked },
    { "disk_read_bytes", &HostMetrics::diskReadBytes },
    { "disk_written_bytes", &HostMetrics::diskWrittenBytes },
    { "storage_wait_ms", &HostMetrics::storageWaitMs },
};

} // namespace vigil
