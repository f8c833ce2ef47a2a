// SPDX-License-Identifier: MIT
#include "guard/guardpolicy.h"

#include <algorithm>
#include <cmath>

namespace vigil {

namespace {
bool isWholeMultiple(double value, double unit)
{
    const double ratio = value / unit;
    return std::abs(ratio - std::round(ratio)) < 1e-6 * std::max(1.0, ratio);
}
} // namespace

int GuardPolicy::windowSamples() const
{
    return int(std::floor(windowSeconds / intervalSeconds + 1e-9));
}

int GuardPolicy::baselineSamples() const
{
    return int(std::floor(baselineSeconds / intervalSeconds + 1e-9));
}

QString GuardPolicy::validate(double tickSeconds) const
{
    auto finite = [](double v) { return std::isfinite(v); };
    if (!finite(intervalSeconds) || intervalSeconds <= 0)
        return QStringLiteral("the sample interval must be a positive number of seconds (got %1)").arg(intervalSeconds);
    if (tickSeconds > 0 && (intervalSeconds < tickSeconds - 1e-9 || !isWholeMultiple(intervalSeconds, tickSeconds)))
        return QStringLiteral("the sample interval (%1 s) must be a whole multiple of the source's tick (%2 s)")
            .arg(intervalSeconds)
            .arg(tickSeconds);
    if (!finite(windowSeconds) || windowSeconds < intervalSeconds)
        return QStringLiteral("the observation window (%1 s) must be at least one sample interval (%2 s)")
            .arg(windowSeconds)
            .arg(intervalSeconds);
    if (!finite(baselineSeconds) || baselineSeconds < intervalSeconds)
        return QStringLiteral("the baseline (%1 s) must be at least one sample interval (%2 s)")
            .arg(baselineSeconds)
            .arg(intervalSeconds);
    if (!finite(latencyPct) || latencyPct < 0 || latencyPct > 1000)
        return QStringLiteral("the latency threshold must be between 0 and 1000 % (got %1)").arg(latencyPct);
    if (!finite(throughputPct) || throughputPct < 0 || throughputPct >= 100)
        return QStringLiteral("the throughput threshold must be at least 0 and below 100 % (got %1)")
            .arg(throughputPct);
    if (consecutive < 1)
        return QStringLiteral("consecutive samples must be at least 1 (got %1)").arg(consecutive);
    if (consecutive > windowSamples())
        return QStringLiteral("%1 consecutive samples cannot fit in a window of %2 samples (%3 s / %4 s)")
            .arg(consecutive)
            .arg(windowSamples())
            .arg(windowSeconds)
            .arg(intervalSeconds);
    if (!finite(minLatencyDeltaMs) || minLatencyDeltaMs < 0)
        return QStringLiteral("the minimum latency change must not be negative (got %1 ms)").arg(minLatencyDeltaMs);
    if (!finite(overwhelmingFactor) || overwhelmingFactor <= 1)
        return QStringLiteral("the overwhelming factor must be above 1 (got %1)").arg(overwhelmingFactor);
    if (!finite(minimumRunSeconds) || minimumRunSeconds < 0)
        return QStringLiteral("the minimum run length must not be negative (got %1 s)").arg(minimumRunSeconds);
    if (!finite(overwhelmingSeconds) || overwhelmingSeconds < 0)
        return QStringLiteral("the overwhelming duration must not be negative (got %1 s)").arg(overwhelmingSeconds);
    if (!finite(onsetSeconds) || onsetSeconds < 0)
        return QStringLiteral("the onset allowance must not be negative (got %1 s)").arg(onsetSeconds);
    if (!finite(demandSurgePct) || demandSurgePct <= 0)
        return QStringLiteral("the demand surge threshold must be positive (got %1 %)").arg(demandSurgePct);
    if (!finite(cpuSurgePoints) || cpuSurgePoints <= 0)
        return QStringLiteral("the CPU surge threshold must be positive (got %1 points)").arg(cpuSurgePoints);
    if (!finite(noiseMargin) || noiseMargin < 0 || noiseMargin > 10)
        return QStringLiteral("the noise margin must be from 0 to 10 (got %1)").arg(noiseMargin);
    if (!finite(outsideRunnableTasks) || outsideRunnableTasks <= 0)
        return QStringLiteral("the outside runnable tasks threshold must be positive (got %1)")
            .arg(outsideRunnableTasks);
    if (!finite(outsideDiskMBps) || outsideDiskMBps <= 0)
        return QStringLiteral("the outside disk traffic threshold must be positive (got %1 MB/s)").arg(outsideDiskMBps);
    if (!finite(machineSlowerPct) || machineSlowerPct < 0)
        return QStringLiteral("the machine slowdown threshold must not be negative (got %1 %; 0 switches it off)")
            .arg(machineSlowerPct);
    if (!finite(storageStallMs) || storageStallMs < 0)
        return QStringLiteral("the storage stall threshold must not be negative (got %1 ms; 0 switches it off)")
            .arg(storageStallMs);
    if (!finite(minServerDeltaMs) || minServerDeltaMs < 0)
        return QStringLiteral("the minimum server time change must not be negative (got %1 ms)").arg(minServerDeltaMs);
    if (unverifiedExtensions < 0 || unverifiedExtensions > 10)
        return QStringLiteral("the window may be extended 0 to 10 times for lack of evidence (got %1)")
            .arg(unverifiedExtensions);
    return {};
}

QString GuardPolicy::shortBaselineWarning() const
{
    if (baselineSeconds >= kMeasuredBaselineSeconds && baselineSamples() >= kMeasuredBaselineSamples)
        return {};
    return QStringLiteral("a baseline of %1 s (%2 samples) is shorter than the guard was measured at (at least %3 s "
                          "and %4 samples): it cannot see how far the workload's own level wanders, so noise may roll "
                          "a harmless action back; give it at least %5 s")
        .arg(baselineSeconds)
        .arg(baselineSamples())
        .arg(kMeasuredBaselineSeconds)
        .arg(kMeasuredBaselineSamples)
        .arg(std::max(kMeasuredBaselineSeconds, kMeasuredBaselineSamples * intervalSeconds));
}

} // namespace vigil
