// SPDX-License-Identifier: MIT
#pragma once

#include "metrics/sample.h"

#include <deque>
#include <vector>

namespace vigil {

/// The samples the detectors look at: those of the last analysis period, at least three guard intervals and at most
/// an hour (the detectors judge what is sustained, so a run looks back over the time since the one before).
class RecentSamples
{
public:
    RecentSamples(double analyseSeconds, double intervalSeconds) { setPeriod(analyseSeconds, intervalSeconds); }
    /// A new analysis period or guard interval (the DBA's settings): applies from the next sample on.
    void setPeriod(double analyseSeconds, double intervalSeconds);
    /// Keeps a valid sample and forgets those older than the period before it.
    void add(const Sample &sample);
    std::vector<Sample> all() const { return { m_samples.begin(), m_samples.end() }; }

private:
    double m_keepSeconds = 0;
    std::deque<Sample> m_samples;
};

} // namespace vigil
