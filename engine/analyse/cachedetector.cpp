// SPDX-License-Identifier: MIT
#include "analyse/detectors.h"
#include "analyse/sqltext.h"
#include "metrics/numberformat.h"

#include <cmath>

namespace vigil {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

/// Rounds up to a multiple of 128 MB: settings a DBA reads at a glance.
double roundUpTo128MB(double bytes)
{
    const double step = 128 * kMiB;
    return std::ceil(bytes / step) * step;
}

QJsonValue mb(const std::optional<double> &bytes)
{
    return bytes ? QJsonValue(std::round(*bytes / kMiB * 10) / 10) : QJsonValue(QStringLiteral("unavailable"));
}

} // namespace

std::vector<Finding> CacheDetector::analyse(const AnalysisInput &in)
{
    const AnalyserThresholds &th = in.thresholds;
    const ServerSettings &settings = in.catalog.settings;
    std::vector<Finding> findings;

    const SustainedCount poor = countSustained(in.samples, th, [&th](const Sample &s) -> std::optional<bool> {
        if (!s.cacheHitRatio || !s.blocksReadPerSecond)
            return std::nullopt;
        return *s.cacheHitRatio < th.minHitRatio && *s.blocksReadPerSecond >= th.minBlocksReadPerSecond;
    });
    if (!poor.sustained)
        return findings;
    // A database that fits in shared_buffers is read from disk only once: a poor ratio there is warm-up, not size.
    const std::optional<double> dbSize = in.catalog.databaseSizeBytes;
    const std::optional<double> sharedBuffers = settings.sharedBuffersBytes;
    if (dbSize && sharedBuffers && *dbSize <= *sharedBuffers)
        return findings;

    const std::optional<double> ram = in.hostMemoryBytes;
    Finding f;
    f.detector = QStringLiteral("cache");
    f.condition = QStringLiteral("working_set_exceeds_cache");
    f.severity = Severity::Warning;
    f.evidence = { { QStringLiteral("samples_matching"), poor.matching }, { QStringLiteral("samples"), poor.valid },
        { QStringLiteral("cache_hit_ratio"), medianOf(in.samples, &Sample::cacheHitRatio).value_or(0) },
        { QStringLiteral("blocks_read_per_second"), medianOf(in.samples, &Sample::blocksReadPerSecond).value_or(0) },
        { QStringLiteral("database_mb"), mb(dbSize) }, { QStringLiteral("shared_buffers_mb"), mb(sharedBuffers) },
        { QStringLiteral("effective_cache_size_mb"), mb(settings.effectiveCacheSizeBytes) },
        { QStringLiteral("host_memory_mb"), mb(ram) } };
    f.summary = QStringLiteral("Buffer cache hit ratio %1% with %2 blocks/s read: the %3 MB database does not fit "
                               "in %4 MB of shared_buffers")
                    .arg(100 * medianOf(in.samples, &Sample::cacheHitRatio).value_or(0), 0, 'f', 1)
                    .arg(numbers::significant(medianOf(in.samples, &Sample::blocksReadPerSecond).value_or(0)))
                    .arg(dbSize ? QString::number(*dbSize / kMiB, 'f', 0) : QStringLiteral("(size unavailable)"))
                    .arg(sharedBuffers ? QString::number(*sharedBuffers / kMiB, 'f', 0) : QStringLiteral("?"));
    f.evidence.insert(QStringLiteral("subject"), QStringLiteral("shared_buffers"));

    if (!ram) {
        f.advice = QStringLiteral(
            "Host memory is unavailable to Vigil (see the host metrics source), so it cannot "
            "size shared_buffers; grant the role pg_read_server_files and EXECUTE on pg_read_file(text) "
            "(docs/security.md), or run Vigil on the server.");
        findings.push_back(f);
        return findings;
    }
    // effective_cache_size tells the planner how much the OS and PostgreSQL cache together; a reload applies it,
    // so it is the reversible step. It is a separate finding so the policy can act on it alone.
    const double wantCache = roundUpTo128MB(th.effectiveCacheShareOfRam * *ram * 0.999);
    if (!settings.effectiveCacheSizeBytes || *settings.effectiveCacheSizeBytes < 0.5 * wantCache) {
        Finding e = f;
        e.condition = QStringLiteral("effective_cache_size_low");
        e.severity = Severity::Info;
        e.summary = QStringLiteral("effective_cache_size is %1 MB on a host with %2 MB of RAM")
                        .arg(settings.effectiveCacheSizeBytes
                                ? QString::number(*settings.effectiveCacheSizeBytes / kMiB, 'f', 0)
                                : QStringLiteral("?"),
                            QString::number(*ram / kMiB, 'f', 0));
        e.advice = QStringLiteral("The planner assumes little is cached and avoids index scans on the larger tables.");
        Recommendation r;
        r.sql = QStringLiteral("ALTER SYSTEM SET effective_cache_size = %1")
                    .arg(sqltext::quoteLiteral(sqltext::memorySize(wantCache)));
        r.subject = QStringLiteral("effective_cache_size");
        e.recommendation = r;
        e.evidence.insert(QStringLiteral("subject"), r.subject);
        findings.push_back(e);
    }
    const double ceiling = th.sharedBuffersShareOfRam * *ram;
    const double wantBuffers
        = std::min(roundUpTo128MB(ceiling * 0.999), roundUpTo128MB(dbSize.value_or(ceiling) * 1.2));
    if (sharedBuffers && wantBuffers > *sharedBuffers * 1.1) {
        Recommendation r;
        r.sql = QStringLiteral("ALTER SYSTEM SET shared_buffers = %1")
                    .arg(sqltext::quoteLiteral(sqltext::memorySize(wantBuffers)));
        r.subject = QStringLiteral("shared_buffers");
        r.needsRestart = true;
        f.recommendation = r;
        f.advice = QStringLiteral("shared_buffers takes effect only after a server restart: Vigil never applies it on "
                                  "its own and cannot guard it; approve it for a maintenance window, then restart.");
    } else {
        f.advice = QStringLiteral("shared_buffers is already near %1% of RAM: the working set is larger than memory "
                                  "can cache; look at the statements reading the most blocks.")
                       .arg(th.sharedBuffersShareOfRam * 100, 0, 'f', 0);
    }
    findings.insert(findings.begin(), f);
    return findings;
}

} // namespace vigil
