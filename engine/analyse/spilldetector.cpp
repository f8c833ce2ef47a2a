// SPDX-License-Identifier: MIT
#include "analyse/detectors.h"
#include "analyse/sqltext.h"

#include <QJsonArray>

#include <cmath>

namespace vigil {

namespace {

constexpr double kBlockBytes = 8192; // BLCKSZ of every Debian build
constexpr double kMiB = 1024.0 * 1024.0;

double nextPowerOfTwo(double bytes)
{
    double p = 1024 * 1024; // never below 1 MB
    while (p < bytes)
        p *= 2;
    return p;
}

} // namespace

std::vector<Finding> SpillDetector::analyse(const AnalysisInput &in)
{
    const AnalyserThresholds &th = in.thresholds;
    std::vector<Finding> findings;
    const SustainedCount spilling = countSustained(in.samples, th, [&th](const Sample &s) -> std::optional<bool> {
        if (!s.tempBytesPerSecond)
            return std::nullopt;
        return *s.tempBytesPerSecond >= th.minTempBytesPerSecond;
    });
    if (!spilling.sustained)
        return findings;

    // The statements that wrote temp files since the last reading, and how much per call.
    QJsonArray spillers;
    double largestPerCall = 0;
    for (const StatementStats &s : in.catalog.statements) {
        const StatementStats *old = in.previousCatalog ? in.previousCatalog->statement(s.queryId) : nullptr;
        const double blocks = s.tempBlksWritten - (old ? old->tempBlksWritten : 0);
        const double calls = s.calls - (old ? old->calls : 0);
        if (blocks <= 0 || calls <= 0)
            continue;
        const double perCall = blocks * kBlockBytes / calls;
        largestPerCall = std::max(largestPerCall, perCall);
        spillers.append(QJsonObject { { QStringLiteral("queryid"), QString::number(s.queryId) },
            { QStringLiteral("query"), s.text.left(300) }, { QStringLiteral("calls"), calls },
            { QStringLiteral("temp_mb_per_call"), std::round(perCall / kMiB * 100) / 100 } });
    }
    const ServerSettings &settings = in.catalog.settings;
    Finding f;
    f.detector = QStringLiteral("spills");
    f.condition = QStringLiteral("sorts_and_hashes_spill_to_disk");
    f.severity = Severity::Warning;
    f.evidence = { { QStringLiteral("subject"), QStringLiteral("work_mem") },
        { QStringLiteral("samples_matching"), spilling.matching }, { QStringLiteral("samples"), spilling.valid },
        { QStringLiteral("temp_mb_per_second"),
            std::round(medianOf(in.samples, &Sample::tempBytesPerSecond).value_or(0) / kMiB * 100) / 100 },
        { QStringLiteral("work_mem_kb"),
            settings.workMemBytes ? QJsonValue(*settings.workMemBytes / 1024) : QJsonValue(QStringLiteral("?")) },
        { QStringLiteral("statements"), spillers } };
    f.summary = QStringLiteral("Temp files written at %1 MB/s by %2 spilling statement(s); work_mem is %3")
                    .arg(medianOf(in.samples, &Sample::tempBytesPerSecond).value_or(0) / kMiB, 0, 'f', 1)
                    .arg(spillers.size())
                    .arg(settings.workMemBytes ? sqltext::memorySize(*settings.workMemBytes) : QStringLiteral("?"));

    if (!settings.workMemBytes || !settings.maxConnections || *settings.maxConnections <= 0 || spillers.isEmpty()) {
        f.advice = QStringLiteral("No statement could be tied to the spills yet (pg_stat_statements needed).");
        findings.push_back(f);
        return findings;
    }
    if (!in.hostMemoryBytes) {
        f.advice = QStringLiteral("Host memory is unavailable to Vigil, so it cannot bound work_mem per connection; "
                                  "no change is proposed.");
        findings.push_back(f);
        return findings;
    }
    // Each sort or hash of each session may use work_mem: the bound is a share of RAM over max_connections.
    const double ceiling = th.workMemShareOfRam * *in.hostMemoryBytes / *settings.maxConnections;
    double wanted = std::max(nextPowerOfTwo(largestPerCall * 2), *settings.workMemBytes * 2);
    while (wanted > ceiling && wanted > kMiB)
        wanted /= 2;
    f.evidence.insert(QStringLiteral("work_mem_ceiling_mb"), std::round(ceiling / kMiB * 10) / 10);
    if (wanted <= *settings.workMemBytes * 1.25) {
        f.advice = QStringLiteral("A larger work_mem would not fit %1% of RAM across %2 connections: rewrite the "
                                  "spilling statements or set work_mem for their role or session only.")
                       .arg(th.workMemShareOfRam * 100, 0, 'f', 0)
                       .arg(*settings.maxConnections, 0, 'f', 0);
        findings.push_back(f);
        return findings;
    }
    f.advice = QStringLiteral("work_mem %1 keeps the largest spill in memory and stays within %2% of RAM across %3 "
                              "connections.")
                   .arg(sqltext::memorySize(wanted))
                   .arg(th.workMemShareOfRam * 100, 0, 'f', 0)
                   .arg(*settings.maxConnections, 0, 'f', 0);
    Recommendation r;
    r.sql = QStringLiteral("ALTER SYSTEM SET work_mem = %1").arg(sqltext::quoteLiteral(sqltext::memorySize(wanted)));
    r.subject = QStringLiteral("work_mem");
    f.recommendation = r;
    findings.push_back(f);
    return findings;
}

} // namespace vigil
