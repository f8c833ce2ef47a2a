// SPDX-License-Identifier: MIT
#include "metrics/sampleseries.h"

#include "metrics/samplederiver.h"

#include <algorithm>

namespace vigil {

qsizetype SampleSeries::indexAtOrBefore(std::span<const Snapshot> snapshots, double time)
{
    const auto it = std::upper_bound(
        snapshots.begin(), snapshots.end(), time, [](double t, const Snapshot &s) { return t < s.t; });
    return it == snapshots.begin() ? -1 : (it - snapshots.begin()) - 1;
}

qsizetype SampleSeries::indexAtOrAfter(std::span<const Snapshot> snapshots, double time)
{
    const auto it = std::lower_bound(
        snapshots.begin(), snapshots.end(), time, [](const Snapshot &s, double t) { return s.t < t; });
    return it == snapshots.end() ? -1 : it - snapshots.begin();
}

std::vector<Sample> SampleSeries::derive(
    std::span<const Snapshot> snapshots, double startT, double intervalSeconds, int count, double tolerance)
{
    std::vector<Sample> samples;
    samples.reserve(std::max(count, 0));
    qsizetype open = indexAtOrBefore(snapshots, startT + tolerance);
    for (int k = 0; k < count; ++k) {
        const double gridStart = startT + k * intervalSeconds;
        const double gridEnd = gridStart + intervalSeconds;
        const qsizetype close = indexAtOrBefore(snapshots, gridEnd + tolerance);
        Sample sample;
        const bool closedByNewTick = open >= 0 && close > open;
        const bool stretched = closedByNewTick && snapshots[close].t - snapshots[open].t > 1.5 * intervalSeconds;
        if (closedByNewTick && !stretched) {
            sample = SampleDeriver::derive(snapshots.subspan(open, close - open + 1));
        } else {
            sample.tStart = gridStart;
            sample.tEnd = gridEnd;
            sample.valid = false;
        }
        samples.push_back(std::move(sample));
        if (close >= 0)
            open = close;
    }
    return samples;
}

} // namespace vigil
