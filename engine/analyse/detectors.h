// SPDX-License-Identifier: MIT
#pragma once

#include "analyse/analysisinput.h"
#include "analyse/finding.h"

#include <functional>
#include <vector>

namespace vigil {

/// How many of the valid samples showed a condition, and whether that is "sustained" by the thresholds.
struct SustainedCount
{
    int matching = 0;
    int valid = 0; ///< samples where the condition could be evaluated (its metrics available)
    bool sustained = false;
};
/// `test` returns empty when a sample lacks the metrics to decide (such samples are not counted).
SustainedCount countSustained(const std::vector<Sample> &samples, const AnalyserThresholds &thresholds,
    const std::function<std::optional<bool>(const Sample &)> &test);
/// Median of a metric over the valid samples that have it.
std::optional<double> medianOf(const std::vector<Sample> &samples, std::optional<double> Sample::*metric);

/// Connection pool: hoarding by idle sessions while CPU is low, too many active sessions on a saturated CPU, and
/// nearing max_connections under memory pressure. Only the first has a reversible fix.
class ConnectionPoolDetector
{
public:
    static std::vector<Finding> analyse(const AnalysisInput &input);
};

/// Buffer cache: a poor, sustained hit ratio with a high read rate on a database larger than shared_buffers.
class CacheDetector
{
public:
    static std::vector<Finding> analyse(const AnalysisInput &input);
};

/// A candidate index: one column of one table that the hot statements compare with a parameter.
struct IndexCandidate
{
    QString schema;
    QString table;
    QStringList columns; ///< in index order: the equality columns first, then one range column
    QString indexName; ///< vigil_<table>_<columns>_idx, within PostgreSQL's 63 bytes
    QString createSql; ///< CREATE INDEX CONCURRENTLY ... (quoted identifiers)
    std::vector<qint64> statements; ///< the queryids it would serve
    double seqTuplesPerSecond = 0;
};

/// Missing index: tables read by heavy sequential scans, and the predicates of the statements that read them.
class MissingIndexDetector
{
public:
    static std::vector<IndexCandidate> candidates(const AnalysisInput &input);
    /// The finding for a candidate; `whatIf` is the validation's evidence (empty when hypopg was not available),
    /// `validated` whether it passed (a candidate that failed it gets no recommendation).
    static Finding finding(
        const IndexCandidate &candidate, const AnalysisInput &input, const QJsonObject &whatIf, bool validated);
};

/// Unused index: never scanned since the statistics began, old enough statistics, not backing a constraint, large.
class UnusedIndexDetector
{
public:
    static std::vector<Finding> analyse(const AnalysisInput &input);
};

/// Sort/hash spills: temp files written steadily, by statements that spill; a larger work_mem bounded by memory.
class SpillDetector
{
public:
    static std::vector<Finding> analyse(const AnalysisInput &input);
};

} // namespace vigil
