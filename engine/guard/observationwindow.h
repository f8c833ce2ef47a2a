// SPDX-License-Identifier: MIT
#pragma once

#include "guard/degradationdetector.h"

#include <memory>

namespace vigil {

/**
 * The observation window after one action: feeds its samples to a detector and knows when the window is over.
 *
 * A window that ends without enough evidence (gaps, no calls, outside load throughout) is never a silent keep:
 * it is extended once by its own length, and if evidence is still short the action is rolled back with the
 * reason "not enough evidence".
 */
class ObservationWindow
{
public:
    ObservationWindow(const GuardPolicy &policy, std::unique_ptr<DegradationDetector> detector);

    /// Samples this window will read at most, as planned now (it doubles after an extension).
    int plannedSamples() const { return m_planned; }
    int samplesSeen() const { return m_seen; }
    bool isExtended() const { return m_extended; }
    bool isDecided() const { return m_verdict.has_value(); }
    const std::optional<Verdict> &verdict() const { return m_verdict; }

    /// Reads the next sample; returns the verdict once the window has decided (and nothing after that).
    std::optional<Verdict> addSample(const Sample &sample);
    /// Shows the detector the part of the next sample collected so far, and the newest tick interval of it alone;
    /// returns a verdict if that settles it.
    std::optional<Verdict> peek(const Sample &partial, const Sample &latest);

private:
    int minimumUsable() const;
    Verdict finalize(Verdict v) const;

    GuardPolicy m_policy;
    std::unique_ptr<DegradationDetector> m_detector;
    int m_planned = 0;
    int m_extensions = 0; ///< how many times the window was extended
    int m_seen = 0;
    bool m_extended = false;
    std::optional<Verdict> m_verdict;
};

} // namespace vigil
