// SPDX-License-Identifier: MIT
#pragma once

#include "guard/actionreach.h"
#include "guard/baseline.h"
#include "guard/guardpolicy.h"
#include "guard/verdict.h"
#include "metrics/sample.h"

#include <memory>
#include <optional>

namespace vigil {

/**
 * Reads the samples of one observation window, in order, against a Baseline and decides keep or rollback.
 *
 * addSample() may return a verdict early (the evidence is already conclusive); otherwise conclude() gives one when
 * the window is over. The ObservationWindow around it decides when the window is over and whether there was
 * evidence enough to conclude at all.
 */
class DegradationDetector
{
public:
    enum class Kind { Vigil, Floor };

    DegradationDetector(const GuardPolicy &policy, Baseline baseline);
    virtual ~DegradationDetector();

    virtual std::optional<Verdict> addSample(const Sample &sample) = 0;
    /// A look at the part of the current sample collected so far (the collector ticks faster than the guard
    /// samples), and at its newest tick interval alone. Only harm too large to be noise may be decided on it;
    /// default: nothing is.
    virtual std::optional<Verdict> peek(const Sample &partial, const Sample &latest);
    virtual Verdict conclude(double t) = 0;
    /// At the window's end: the evidence points at harm but does not prove it yet; observe longer if allowed.
    virtual bool wantsMoreEvidence() const { return false; }
    /// The statements the action can change (everything unless set): a slowdown only outside them is not its own.
    /// Ignored when the policy does not judge within reach (GuardPolicy::judgeWithinReach).
    void setReach(ActionReach reach)
    {
        if (m_policy.judgeWithinReach)
            m_reach = std::move(reach);
    }
    /// The window was extended once; what comes now is the last chance to decide.
    void markExtended() { m_extended = true; }

    /// Samples that carried evidence either way: not gaps, not samples confounded by outside load.
    int usableSamples() const;
    const std::vector<SampleAssessment> &assessments() const { return m_assessments; }
    const Baseline &baseline() const { return m_baseline; }

    static std::unique_ptr<DegradationDetector> create(Kind kind, const GuardPolicy &policy, Baseline baseline);
    static std::optional<Kind> kindFromName(const QString &name);

protected:
    const GuardPolicy m_policy;
    const Baseline m_baseline;
    std::vector<SampleAssessment> m_assessments;
    ActionReach m_reach;
    bool m_extended = false;
};

/// The brief's rule and nothing more: p95 > +latency% or throughput < -throughput% for N samples in a row.
class FloorDetector : public DegradationDetector
{
public:
    using DegradationDetector::DegradationDetector;
    std::optional<Verdict> addSample(const Sample &sample) override;
    Verdict conclude(double t) override;

private:
    int m_run = 0;
};

} // namespace vigil
