// SPDX-License-Identifier: MIT
#include "guard/degradationdetector.h"

#include "guard/vigildetector.h"

namespace vigil {

DegradationDetector::DegradationDetector(const GuardPolicy &policy, Baseline baseline)
    : m_policy(policy)
    , m_baseline(std::move(baseline))
{ }

DegradationDetector::~DegradationDetector() = default;

std::optional<Verdict> DegradationDetector::peek(const Sample &, const Sample &)
{
    return std::nullopt;
}

int DegradationDetector::usableSamples() const
{
    int n = 0;
    for (const SampleAssessment &a : m_assessments)
        n += a.state == SampleAssessment::State::Clean || a.state == SampleAssessment::State::Degraded;
    return n;
}

std::unique_ptr<DegradationDetector> DegradationDetector::create(
    Kind kind, const GuardPolicy &policy, Baseline baseline)
{
    if (kind == Kind::Floor)
        return std::make_unique<FloorDetector>(policy, std::move(baseline));
    return std::make_unique<VigilDetector>(policy, std::move(baseline));
}

std::optional<DegradationDetector::Kind> DegradationDetector::kindFromName(const QString &name)
{
    if (name == QLatin1StringView("vigil"))
        return Kind::Vigil;
    if (name == QLatin1StringView("floor"))
        return Kind::Floor;
    return std::nullopt;
}

std::optional<Verdict> FloorDetector::addSample(const Sample &sample)
{
    SampleAssessment a;
    a.index = int(m_assessments.size()) + 1;
    a.tEnd = sample.tEnd;
    const std::optional<double> refP95 = m_baseline.meanRawP95Ms();
    const std::optional<double> refTps = m_baseline.meanTps();
    if (!sample.valid || !sample.latencyP95Ms || !sample.tps || !refP95 || !refTps || *refP95 <= 0 || *refTps <= 0) {
        a.state = SampleAssessment::State::Missing;
        a.note = QStringLiteral("no latency or throughput to compare");
        m_run = 0;
        m_assessments.push_back(a);
        return std::nullopt;
    }
    a.latencyChangePct = 100.0 * (*sample.latencyP95Ms / *refP95 - 1.0);
    a.throughputChangePct = 100.0 * (*sample.tps / *refTps - 1.0);
    const bool latency = a.latencyChangePct > m_policy.latencyPct;
    const bool throughput = a.throughputChangePct < -m_policy.throughputPct;
    a.state = latency || throughput ? SampleAssessment::State::Degraded : SampleAssessment::State::Clean;
    m_assessments.push_back(a);
    m_run = a.state == SampleAssessment::State::Degraded ? m_run + 1 : 0;
    if (m_run < m_policy.consecutive)
        return std::nullopt;

    Verdict v;
    v.decision = Verdict::Decision::Rollback;
    v.decidedT = sample.tEnd;
    v.firstSample = a.index - m_run + 1;
    v.lastSample = a.index;
    if (latency) {
        v.metric = QStringLiteral("p95_latency");
        v.baselineValue = *refP95;
        v.windowValue = *sample.latencyP95Ms;
        v.changePct = a.latencyChangePct;
    } else {
        v.metric = QStringLiteral("throughput");
        v.baselineValue = *refTps;
        v.windowValue = *sample.tps;
        v.changePct = a.throughputChangePct;
    }
    v.reason = QStringLiteral("%1 %2%3% vs baseline in %4 consecutive samples (%5-%6)")
                   .arg(latency ? QStringLiteral("p95 latency") : QStringLiteral("throughput"))
                   .arg(v.changePct >= 0 ? QStringLiteral("+") : QString())
                   .arg(v.changePct, 0, 'f', 1)
                   .arg(m_run)
                   .arg(v.firstSample)
                   .arg(v.lastSample);
    return v;
}

Verdict FloorDetector::conclude(double t)
{
    Verdict v;
    v.decision = Verdict::Decision::Keep;
    v.decidedT = t;
    v.metric = QStringLiteral("none");
    v.reason = QStringLiteral("no %1 consecutive degraded samples in the window").arg(m_policy.consecutive);
    return v;
}

} // namespace vigil
