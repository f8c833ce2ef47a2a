// SPDX-License-Identifier: MIT
#include "guardsampler.h"

#include "guard/baseline.h"
#include "guard/degradationdetector.h"
#include "metrics/samplederiver.h"
#include "metrics/sampleseries.h"

#include <algorithm>
#include <cmath>
#include <span>

namespace vigil {

GuardSampler::GuardSampler(const GuardPolicy &policy, double tickSeconds)
    : m_policy(policy)
    , m_tickSeconds(tickSeconds)
{ }

GuardSampler::~GuardSampler() = default;

void GuardSampler::addTick(Snapshot snapshot, bool actionInHand, bool statementStatistics)
{
    const bool complete = snapshot.hasStatements || !statementStatistics;
    if (actionInHand && complete && m_completeSince < 0)
        m_completeSince = snapshot.t;
    if (!complete)
        m_completeSince = -1;
    m_ticks.push_back(std::move(snapshot));
}

void GuardSampler::trim(std::optional<double> applyStartedAt)
{
    if (m_ticks.empty())
        return;
    const GuardPolicy &p = m_policy;
    const double keep = p.baselineSeconds + 2 * p.windowSeconds + 4 * p.intervalSeconds + 10;
    double oldest = m_ticks.back().t - keep;
    if (applyStartedAt)
        oldest = std::min(oldest, *applyStartedAt - p.baselineSeconds - 2 * p.intervalSeconds - m_tickSeconds);
    const auto keepFrom
        = std::find_if(m_ticks.begin(), m_ticks.end(), [oldest](const Snapshot &t) { return t.t >= oldest; });
    m_ticks.erase(m_ticks.begin(), keepFrom);
}

std::optional<Sample> GuardSampler::lastIntervalSample() const
{
    if (m_ticks.size() < 2)
        return std::nullopt;
    // The ticks of the last interval: from the newest back to the first at least an interval older.
    qsizetype from = qsizetype(m_ticks.size()) - 1;
    while (
        from > 0 && (m_ticks.back().t - m_ticks[std::size_t(from)].t) < m_policy.intervalSeconds - 0.25 * m_tickSeconds)
        --from;
    Sample sample = SampleDeriver::derive(std::span<const Snapshot>(m_ticks).subspan(std::size_t(from)));
    if (!sample.valid)
        return std::nullopt;
    return sample;
}

const Snapshot *GuardSampler::latestWithStatements() const
{
    const auto latest
        = std::find_if(m_ticks.rbegin(), m_ticks.rend(), [](const Snapshot &t) { return t.hasStatements; });
    return latest == m_ticks.rend() ? nullptr : &*latest;
}

bool GuardSampler::baselineReady() const
{
    return m_completeSince >= 0 && !m_ticks.empty()
        && m_ticks.back().t - m_completeSince >= m_policy.baselineSeconds - 1e-6;
}

GuardSampler::Steadiness GuardSampler::baselineSteadiness() const
{
    // A baseline taken while the workload is still settling (its clients catching up after an earlier rollback, a
    // warm-up) makes the window look worse or better than the action made it: live, an index built right after
    // another was rolled back was judged against a baseline whose throughput was still 10 % low, and rolled back.
    // The baseline slides on, one tick at a time, until it is steady, for at most two more baselines.
    Steadiness s;
    if (m_ticks.empty())
        return s;
    const GuardPolicy &p = m_policy;
    const std::vector<Snapshot> &ticks = m_ticks;
    const std::span<const Snapshot> span(ticks);
    const std::vector<Sample> samples
        = SampleSeries::derive(span, ticks.back().t - p.baselineSamples() * p.intervalSeconds, p.intervalSeconds,
            p.baselineSamples(), 0.25 * m_tickSeconds);
    s.unsteady = Baseline(samples).unsteadiness(p);
    s.waitedSeconds = ticks.back().t - m_completeSince - p.baselineSeconds;
    s.longestSeconds = 2 * p.baselineSeconds;
    return s;
}

QString GuardSampler::openWindow(
    double startedAt, double finishedAt, const QHash<qint64, QString> &statementTexts, const ActionReach &reach)
{
    // The baseline: the samples before the action started, from the ticks collected while waiting.
    const std::vector<Snapshot> &ticks = m_ticks;
    const std::span<const Snapshot> span(ticks);
    const qsizetype before = SampleSeries::indexAtOrBefore(span, startedAt);
    const double anchor = before >= 0 ? ticks[std::size_t(before)].t : startedAt;
    const GuardPolicy &p = m_policy;
    const std::vector<Sample> baselineSamples = SampleSeries::derive(span,
        anchor - p.baselineSamples() * p.intervalSeconds, p.intervalSeconds, p.baselineSamples(), 0.25 * m_tickSeconds);
    Baseline baseline(baselineSamples, statementTexts);
    std::unique_ptr<DegradationDetector> detector
        = DegradationDetector::create(DegradationDetector::Kind::Vigil, p, baseline);
    detector->setReach(reach);
    m_window = std::make_unique<ObservationWindow>(p, std::move(detector));
    m_applyFinishedAt = finishedAt;
    m_windowStart = -1;
    m_windowSamplesFed = 0;
    return baseline.summary();
}

GuardSampler::WindowStep GuardSampler::feedWindow(double now)
{
    WindowStep step;
    const GuardPolicy &p = m_policy;
    const double tolerance = 0.25 * m_tickSeconds;
    const std::vector<Snapshot> &ticks = m_ticks;
    const std::span<const Snapshot> span(ticks);
    if (m_windowStart < 0) {
        const qsizetype first = SampleSeries::indexAtOrAfter(span, m_applyFinishedAt);
        if (first < 0)
            return step;
        m_windowStart = ticks[std::size_t(first)].t;
    }
    while (m_window && !m_window->isDecided()) {
        const double gridStart = m_windowStart + m_windowSamplesFed * p.intervalSeconds;
        const double gridEnd = gridStart + p.intervalSeconds;
        const bool closedByTick = !ticks.empty() && ticks.back().t >= gridEnd - tolerance;
        if (closedByTick || now >= gridEnd + m_tickSeconds + tolerance) {
            // The sample is over (a tick closed it, or time ran past it without one: a gap).
            const std::vector<Sample> sample = SampleSeries::derive(span, gridStart, p.intervalSeconds, 1, tolerance);
            ++m_windowSamplesFed;
            step.samples.push_back(sample.front());
            step.verdict = m_window->addSample(sample.front());
        } else {
            // Inside the sample: show the detector what has arrived so far (overwhelming harm only).
            const qsizetype open = SampleSeries::indexAtOrBefore(span, gridStart + tolerance);
            if (open >= 0 && std::abs(ticks[std::size_t(open)].t - gridStart) <= tolerance
                && qsizetype(ticks.size()) - 1 > open)
                step.verdict = m_window->peek(SampleDeriver::derive(span.subspan(std::size_t(open))),
                    SampleDeriver::derive(span.subspan(span.size() - 2)));
            return step;
        }
        if (step.verdict)
            return step;
    }
    return step;
}

} // namespace vigil
