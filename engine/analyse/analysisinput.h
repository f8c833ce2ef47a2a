// SPDX-License-Identifier: MIT
#pragma once

#include "analyse/catalogsnapshot.h"
#include "metrics/sample.h"

#include <QString>

#include <optional>
#include <vector>

namespace vigil {

/// Thresholds of the detectors. Defaults are for production; tests lower the ones that need days to happen.
struct AnalyserThresholds
{
    // Sustained: a condition must hold in this share of the samples, and in at least minSamples of them.
    double sustainedShare = 0.8;
    double minSamples = 3;

    // Connection pool
    double hoardedShareOfMax = 0.5; ///< idle + idle in transaction sessions as a share of max_connections
    double idleInTransactionMin = 10; ///< and at least this many idle in transaction to propose the timeout
    double lowCpuPct = 50; ///< "CPU is low" below this
    double saturatedCpuPct = 90; ///< "CPU is saturated" above this
    double manyActiveSessions = 8; ///< active sessions that, with CPU saturated, are too many
    double nearMaxShare = 0.85; ///< sessions as a share of max_connections that is "near the limit"
    double memoryPressurePct = 90; ///< host memory used
    double idleInTransactionTimeoutSeconds = 300; ///< the timeout Vigil proposes

    // Cache
    double minHitRatio = 0.95; ///< a buffer cache hit ratio below this, sustained, is poor
    double minBlocksReadPerSecond = 500; ///< and only when reads from outside the cache are this frequent
    double sharedBuffersShareOfRam = 0.25; ///< the usual ceiling for shared_buffers
    double effectiveCacheShareOfRam = 0.75; ///< what effective_cache_size should say is available for caching

    // Missing index
    double minSeqTuplesPerSecond = 10000; ///< rows read by sequential scans of one table, per second
    double minTableRows = 10000; ///< smaller tables are cheaper to scan than to index
    double whatIfMinCostReduction = 0.3; ///< hypopg: the statements' plan cost must fall by this share

    // Unused index
    double unusedMinStatsAgeSeconds = 7 * 24 * 3600.0; ///< statistics must cover at least this long
    double unusedMinBytes = 8 * 1024 * 1024.0; ///< smaller indexes are not worth a change

    // Spills
    double minTempBytesPerSecond = 1024 * 1024.0; ///< temp files written, sustained
    double workMemShareOfRam = 0.25; ///< work_mem x max_connections must stay below this share of RAM
};

/// One threshold by name, for the command line (--set name=value), the settings file and the docs.
struct ThresholdField
{
    const char *name;
    double AnalyserThresholds::*member;
    double min;
    double max;
    const char *description;
};
extern const ThresholdField kThresholdFields[];
extern const int kThresholdFieldCount;
/// Sets one threshold by name; false with the reason for an unknown name or a value out of range.
bool setThreshold(AnalyserThresholds &thresholds, const QString &name, double value, QString *error);

/// What one analysis run reads: the recent samples and the catalog now (and at the previous run, for rates).
struct AnalysisInput
{
    std::vector<Sample> samples; ///< oldest first; only valid samples are used
    CatalogSnapshot catalog;
    std::optional<CatalogSnapshot> previousCatalog;
    std::optional<double> hostMemoryBytes; ///< the database host's RAM, when the host metrics can see it
    AnalyserThresholds thresholds;
};

} // namespace vigil
