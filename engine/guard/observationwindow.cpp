// SPDX-License-Identifier: MIT
#include "guard/observationwindow.h"

#include <algorithm>

namespace vigil {

ObservationWindow::ObservationWindow(const GuardPolicy &policy, std::unique_ptr<DegradationDetector> detector)
    : m_policy(policy)
    , m_detector(std::move(detector))
    , m_planned(policy.windowSamples())
{ }

int ObservationWindow::minimumUsable() const
{
    // Half the window's samples, and never fewer than one run of the rule.
    return std::max(m_policy.consecutive, (m_policy.windowSamples() + 1) / 2);
}

Verdict ObservationWindow::finalize(Verdict v) const
{
    v.extended = m_extended;
    v.baselineSummary = m_detector->baseline().summary();
    v.baselineSeconds = m_detector->baseline().seconds();
    v.assessments = m_detector->assessments();
    return v;
}

std::optional<Verdict> ObservationWindow::peek(const Sample &partial, const Sample &latest)
{
    if (m_verdict || !partial.valid || !latest.valid)
        return std::nullopt;
    if (std::optional<Verdict> early = m_detector->peek(partial, latest)) {
        m_verdict = finalize(std::move(*early));
        return m_verdict;
    }
    return std::nullopt;
}

std::optional<Verdict> ObservationWindow::addSample(const Sample &sample)
{
    if (m_verdict)
        return std::nullopt;
    ++m_seen;
    if (std::optional<Verdict> early = m_detector->addSample(sample)) {
        m_verdict = finalize(std::move(*early));
        return m_verdict;
    }
    if (m_seen < m_planned)
        return std::nullopt;

    const int usable = m_detector->usableSamples();
    const bool enoughEvidence = usable >= minimumUsable();
    // Too little evidence (a nearly idle database, outside load all window long): observe longer, up to
    // unverifiedExtensions times. Evidence pointing at harm without proving it earns one extension as well.
    const bool mayExtendForEvidence = m_extensions < std::max(1, m_policy.unverifiedExtensions);
    const bool wantsMore = m_extensions == 0 && enoughEvidence && m_detector->wantsMoreEvidence();
    if ((!enoughEvidence && mayExtendForEvidence) || wantsMore) {
        ++m_extensions;
        m_extended = true;
        m_detector->markExtended();
        m_planned += m_policy.windowSamples();
        return std::nullopt;
    }
    if (enoughEvidence) {
        m_verdict = finalize(m_detector->conclude(sample.tEnd));
        return m_verdict;
    }
    QString why;
    for (const SampleAssessment &a : m_detector->assessments()) {
        if (!a.note.isEmpty() && a.state != SampleAssessment::State::Clean) {
            why = a.note;
            break;
        }
    }
    const QString evidence = QStringLiteral("%1 usable samples of %2 after extending the window %3 time(s) (%4 "
                                            "needed)%5")
                                 .arg(usable)
                                 .arg(m_seen)
                                 .arg(m_extensions)
                                 .arg(minimumUsable())
                                 .arg(why.isEmpty() ? QString() : QStringLiteral("; ") + why);
    Verdict v;
    v.decidedT = sample.tEnd;
    if (m_policy.rollbackWhenUnverified) {
        v.decision = Verdict::Decision::Rollback;
        v.metric = QStringLiteral("evidence");
        v.reason = QStringLiteral("not enough evidence, rolled back as the settings ask: ") + evidence;
    } else {
        // Never a rollback only for lack of traffic: the action is kept and says it was not verified.
        v.decision = Verdict::Decision::Keep;
        v.unverified = true;
        v.metric = QStringLiteral("unverified");
        v.reason = QStringLiteral("kept unverified: not enough evidence to judge: ") + evidence;
    }
    m_verdict = finalize(std::move(v));
    return m_verdict;
}

} // namespace vigil
