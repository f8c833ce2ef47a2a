// SPDX-License-Identifier: MIT
#include "analyse/detectors.h"
#include "analyse/sqltext.h"

#include <cmath>

namespace vigil {

std::vector<Finding> UnusedIndexDetector::analyse(const AnalysisInput &in)
{
    const AnalyserThresholds &th = in.thresholds;
    std::vector<Finding> findings;
    const std::optional<double> age = in.catalog.statsAgeSeconds;
    if (!age || *age < th.unusedMinStatsAgeSeconds)
        return findings; // "never used" means nothing over statistics younger than the period
    for (const IndexStats &index : in.catalog.indexes) {
        if (index.idxScan > 0 || !index.valid || index.unique || index.backsConstraint || index.supportsForeignKey
            || index.sizeBytes < th.unusedMinBytes)
            continue;
        Finding f;
        f.detector = QStringLiteral("unused_index");
        f.condition = QStringLiteral("never_scanned");
        f.severity = Severity::Info;
        f.summary = QStringLiteral("Index %1.%2 (%3 MB) on %4 has not been scanned in %5 days")
                        .arg(index.schema, index.name, QString::number(index.sizeBytes / (1024.0 * 1024.0), 'f', 1),
                            index.table, QString::number(*age / 86400.0, 'f', 1));
        f.advice = QStringLiteral("It costs every write and vacuum and buys nothing here. Statistics are per server: "
                                  "check that no standby uses it before dropping it.");
        f.evidence = { { QStringLiteral("subject"), QString(index.schema + u'.' + index.name) },
            { QStringLiteral("index"), QString(index.schema + u'.' + index.name) },
            { QStringLiteral("table"), QString(index.schema + u'.' + index.table) },
            { QStringLiteral("idx_scan"), index.idxScan },
            { QStringLiteral("size_mb"), std::round(index.sizeBytes / (1024.0 * 1024.0) * 10) / 10 },
            { QStringLiteral("stats_age_days"), std::round(*age / 86400.0 * 100) / 100 },
            { QStringLiteral("definition"), index.definition } };
        Recommendation r;
        r.sql = QStringLiteral("DROP INDEX CONCURRENTLY %1").arg(sqltext::qualifiedName(index.schema, index.name));
        r.subject = index.schema + u'.' + index.name;
        f.recommendation = r;
        findings.push_back(f);
    }
    return findings;
}

} // namespace vigil
