// SPDX-License-Identifier: MIT
#include "analyse/analysisinput.h"

namespace vigil {

const ThresholdField kThresholdFields[] = {
    { "sustained_share", &AnalyserThresholds::sustainedShare, 0.1, 1, "share of samples a condition must hold in" },
    { "min_samples", &AnalyserThresholds::minSamples, 1, 1000, "samples a condition must hold in, at least" },
    { "hoarded_share_of_max", &AnalyserThresholds::hoardedShareOfMax, 0.05, 1,
        "idle sessions as a share of max_connections that is hoarding" },
    { "idle_in_transaction_min", &AnalyserThresholds::idleInTransactionMin, 1, 100000,
        "idle-in-transaction sessions that justify the timeout" },
    { "low_cpu_pct", &AnalyserThresholds::lowCpuPct, 1, 100, "CPU % below which the CPU is low" },
    { "saturated_cpu_pct", &AnalyserThresholds::saturatedCpuPct, 1, 100, "CPU % above which it is saturated" },
    { "many_active_sessions", &AnalyserThresholds::manyActiveSessions, 1, 100000,
        "active sessions that are too many on a saturated CPU" },
    { "near_max_share", &AnalyserThresholds::nearMaxShare, 0.1, 1, "share of max_connections that is near it" },
    { "memory_pressure_pct", &AnalyserThresholds::memoryPressurePct, 1, 100, "host memory used % that is pressure" },
    { "idle_in_transaction_timeout_s", &AnalyserThresholds::idleInTransactionTimeoutSeconds, 1, 86400,
        "the idle_in_transaction_session_timeout Vigil proposes" },
    { "min_hit_ratio", &AnalyserThresholds::minHitRatio, 0.1, 1, "buffer cache hit ratio below which it is poor" },
    { "min_blocks_read_per_s", &AnalyserThresholds::minBlocksReadPerSecond, 0, 1e9,
        "blocks read per second that make a poor ratio matter" },
    { "shared_buffers_share_of_ram", &AnalyserThresholds::sharedBuffersShareOfRam, 0.05, 0.8,
        "ceiling of shared_buffers as a share of RAM" },
    { "effective_cache_share_of_ram", &AnalyserThresholds::effectiveCacheShareOfRam, 0.1, 0.95,
        "effective_cache_size proposed, as a share of RAM" },
    { "min_seq_tuples_per_s", &AnalyserThresholds::minSeqTuplesPerSecond, 0, 1e12,
        "rows per second read by sequential scans of one table that are heavy" },
    { "min_table_rows", &AnalyserThresholds::minTableRows, 0, 1e12, "tables smaller than this get no index" },
    { "what_if_min_cost_reduction", &AnalyserThresholds::whatIfMinCostReduction, 0, 1,
        "share by which hypopg's plan cost must fall" },
    { "unused_min_stats_age_s", &AnalyserThresholds::unusedMinStatsAgeSeconds, 0, 1e9,
        "statistics age before an index counts as never used" },
    { "unused_min_bytes", &AnalyserThresholds::unusedMinBytes, 0, 1e13, "smallest unused index worth dropping" },
    { "min_temp_bytes_per_s", &AnalyserThresholds::minTempBytesPerSecond, 0, 1e12,
        "temp bytes written per second that are spilling" },
    { "work_mem_share_of_ram", &AnalyserThresholds::workMemShareOfRam, 0.01, 0.9,
        "work_mem x max_connections must stay below this share of RAM" },
};
const int kThresholdFieldCount = int(sizeof(kThresholdFields) / sizeof(kThresholdFields[0]));

bool setThreshold(AnalyserThresholds &thresholds, const QString &name, double value, QString *error)
{
    for (const ThresholdField &f : kThresholdFields) {
        if (name != QLatin1StringView(f.name))
            continue;
        if (!(value >= f.min && value <= f.max)) {
            if (error)
                *error = QStringLiteral("%1 must be between %2 and %3").arg(name).arg(f.min).arg(f.max);
            return false;
        }
        thresholds.*f.member = value;
        return true;
    }
    if (error)
        *error = QStringLiteral("unknown threshold \"%1\"").arg(name);
    return false;
}

} // namespace vigil
