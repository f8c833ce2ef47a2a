// SPDX-License-Identifier: MIT
#include "recentsamples.h"

#include <algorithm>

namespace vigil {

void RecentSamples::setPeriod(double analyseSeconds, double intervalSeconds)
{
    m_keepSeconds = std::clamp(analyseSeconds, 3 * intervalSeconds, 3600.0);
}

void RecentSamples::add(const Sample &sample)
{
    if (!sample.valid)
        return;
    m_samples.push_back(sample);
    while (!m_samples.empty() && sample.tEnd - m_samples.front().tEnd > m_keepSeconds + 1e-6)
        m_samples.pop_front();
}

} // namespace vigil
