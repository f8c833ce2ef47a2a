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
    v.assessments = m_detector->assessments();
    return v;
}

std::optional<Verdict> ObservationWindow::peek(const Sample &partial)
{
    if (m_verdict || !partial.valid)
        return std::nullopt;
    if (std::optional<Verdict> early = m_detector->peek(partial)) {
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
    if (!m_extended && (!enoughEvidence || m_detector->wantsMoreEvidence())) {
        m_extended = true;
        m_detector->markExtended();
        m_planned += m_policy.windowSamples();
        return std::nullopt;
    }
    if (enoughEvidence) {
        m_verdict = finalize(m_detector->conclude(sample.tEnd));
        return m_verdict;
    }
    Verdict v;
    v.decision = Verdict::Decision::Rollback;
    v.decidedT = sample.tEnd;
    v.metric = QStringLiteral("evidence");
    QString why;
    for (const SampleAssessment &a : m_detector->assessments()) {
        if (!a.note.isEmpty() && a.state != SampleAssessment::State::Clean) {
            why = a.note;
            break;
        }
    }
    v.reason
        = QStringLiteral("not enough evidence: %1 usable samples of %2 after extending the window once (%3 needed)%4")
              .arg(usable)
              .arg(m_seen)
              .arg(minimumUsable())
              .arg(why.isEmpty() ? QString() : QStringLiteral("; ") + why);
    m_verdict = finalize(std::move(v));
    return m_verdict;
}

} // namespace vigil
