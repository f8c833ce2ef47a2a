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
};

inline constexpr TraceField<ActivityCounts> kActivityFields[] = {
    { "total", &ActivityCounts::total },
    { "active", &ActivityCounts::active },
    { "idle", &ActivityCounts::idle },
    { "idle_in_transaction", &ActivityCounts::idleInTransaction },
    { "waiting", &ActivityCounts::waiting },
    { "max_connections", &ActivityCounts::maxConnections },
};

inline constexpr TraceField<HostMetrics> kHostFields[] = {
    { "cpu_pct", &HostMetrics::cpuPct },
    { "mem_pct", &HostMetrics::memPct },
    { "load1", &HostMetrics::load1 },
};

} // namespace vigil
