// SPDX-License-Identifier: MIT
#include "analyse/detectors.h"

#include <algorithm>
#include <cmath>

namespace vigil {

SustainedCount countSustained(const std::vector<Sample> &samples, const AnalyserThresholds &thresholds,
    const std::function<std::optional<bool>(const Sample &)> &test)
{
    SustainedCount c;
    for (const Sample &s : samples) {
        if (!s.valid)
            continue;
        const std::optional<bool> r = test(s);
        if (!r)
            continue;
        ++c.valid;
        if (*r)
            ++c.matching;
    }
    c.sustained = c.valid >= thresholds.minSamples && c.matching >= thresholds.minSamples
        && double(c.matching) >= thresholds.sustainedShare * double(c.valid) - 1e-9;
    return c;
}

std::optional<double> medianOf(const std::vector<Sample> &samples, std::optional<double> Sample::*metric)
{
    std::vector<double> values;
    for (const Sample &s : samples)
        if (s.valid && (s.*metric))
            values.push_back(*(s.*metric));
    if (values.empty())
        return std::nullopt;
    std::sort(values.begin(), values.end());
    const std::size_t mid = values.size() / 2;
    return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2.0;
}

} // namespace vigil
