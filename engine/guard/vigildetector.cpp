// SPDX-License-Identifier: MIT
#include "guard/vigildetector.h"

#include <QHash>

#include <algorithm>
#include <cmath>

namespace vigil {

namespace {
using State = SampleAssessment::State;

QString signedPct(double fraction, int decimals = 1)
{
    const double pct = 100.0 * fraction;
    return (pct >= 0 ? QStringLiteral("+") : QString()) + QString::number(pct, 'f', decimals) + u'%';
}

QString shortText(const QString &text)
{
    QString simplified = text.simplified();
    // Long enough to recognise a statement by its predicate and ORDER BY; the evidence keeps the full text.
    if (simplified.size() > 100)
        simplified = simplified.left(97) + QStringLiteral("...");
    return simplified;
}
} // namespace

std::optional<double> VigilDetector::throughputReference() const
{
    // Statement executions of the steady workload, from pg_stat_statements: it is updated as each statement ends,
    // whereas pg_stat_database's commit counter is flushed by each backend at most once a second, which makes
    // one-second tps swing by half on an idle-looking tick.
    if (m_baseline.qps() > 0)
        return m_baseline.qps();
    if (m_baseline.tps() && *m_baseline.tps() > 0)
        return m_baseline.tps();
    return std::nullopt;
}

VigilDetector::Reading VigilDetector::read(const Sample &sample, SampleAssessment &a) const
{
    Reading r;
    a.state = State::Missing;
    if (!m_baseline.isUsable() || !m_baseline.p95Ms() || !throughputReference()) {
        a.note = QStringLiteral("no usable baseline before the action");
        return r;
    }
    if (!sample.valid) {
        a.note = QStringLiteral("gap: no snapshot closed this interval");
        return r;
    }
    const double latencyThreshold = degradedLatency();
    const double throughputThreshold = m_policy.throughputPct / 100.0;
    const Baseline::MixView view = m_baseline.view(sample);
    const double refThroughput = *throughputReference();
    r.throughput = m_baseline.qps() > 0 ? view.qps : sample.tps.value_or(0);
    r.throughputChange = r.throughput / refThroughput - 1.0;
    a.throughputChangePct = 100.0 * r.throughputChange;

    // Time spent in the server per transaction (Little's law): busy sessions / throughput. It sees waits that
    // statement timing does not (commit flushes, locks between statements).
    const std::optional<double> busyNow = Baseline::busySessions(sample);
    const std::optional<double> busyRef = m_baseline.busySessions();
    const bool moreTimeInServer = busyNow && busyRef && r.throughput > 0
        && *busyNow / r.throughput > 1.5 * (*busyRef / refThroughput) + 0.2 / r.throughput;
    const bool moreWaiting = sample.sessionsWaiting && m_baseline.waitingSessions()
        && *sample.sessionsWaiting > *m_baseline.waitingSessions() + 0.5;
    const std::optional<double> ratioNow = Baseline::rollbackRatio(sample);
    const bool moreErrors = ratioNow && m_baseline.rollbackRatio() && *ratioNow > *m_baseline.rollbackRatio() + 0.05;

    if (view.coverage == 0) {
        // Nothing the workload used to run completed. Sessions piling up means a stall; otherwise the clients left.
        const bool stalled = (busyNow && busyRef && *busyNow > *busyRef + 1.0) || moreWaiting;
        if (!stalled) {
            a.note = QStringLiteral("no calls in the interval");
            return r;
        }
        r.usable = true;
        r.throughputChange = -1.0;
        a.throughputChangePct = -100.0;
        a.state = State::Degraded;
        a.note = QStringLiteral("stall: no statement completed while sessions waited");
        return r;
    }

    if (busyNow && r.throughput > 0)
        r.timeInServer = *busyNow / r.throughput;
    r.p95Ms = view.p95Ms;
    const double refP95 = *m_baseline.p95Ms();
    r.latencyChange = r.p95Ms ? *r.p95Ms / refP95 - 1.0 : 0.0;
    a.latencyChangePct = 100.0 * r.latencyChange;
    r.usable = true;

    const bool latencyDegraded
        = r.latencyChange > latencyThreshold && r.p95Ms && *r.p95Ms - refP95 >= m_policy.minLatencyDeltaMs;
    r.demandFall = r.throughputChange < -throughputThreshold && r.latencyChange <= latencyThreshold / 2
        && !moreTimeInServer && !moreWaiting && !moreErrors;
    const bool throughputDegraded = r.throughputChange < -throughputThreshold && !r.demandFall;
    if (!latencyDegraded && !throughputDegraded && !moreErrors) {
        a.state = State::Clean;
        if (r.demandFall)
            a.note = QStringLiteral("throughput fell with latency unchanged: demand fell");
        return r;
    }

    const double factor = m_policy.overwhelmingFactor;
    const bool overwhelming = (latencyDegraded && r.latencyChange >= factor - 1.0)
        || (throughputDegraded && r.throughputChange <= -(1.0 - 1.0 / factor));
    if (!overwhelming) {
        // Outside load explains a moderate slowdown better than the action does.
        if (view.qps > m_baseline.qps() * (1.0 + m_policy.demandSurgePct / 100.0)) {
            a.state = State::Confounded;
            a.note = QStringLiteral("calls arriving %1 above baseline: outside load")
                         .arg(signedPct(view.qps / m_baseline.qps() - 1.0, 0));
            r.usable = false;
            return r;
        }
        const bool cpuUp
            = sample.cpuPct && m_baseline.cpuPct() && *sample.cpuPct - *m_baseline.cpuPct() >= m_policy.cpuSurgePoints;
        const bool sameWork = view.blocksPerCall && m_baseline.blocksPerCall() && *m_baseline.blocksPerCall() > 0
            && std::abs(*view.blocksPerCall / *m_baseline.blocksPerCall() - 1.0) < 0.25;
        if (cpuUp && sameWork) {
            a.state = State::Confounded;
            a.note = QStringLiteral(
                "host CPU %1 points above baseline with the same buffer work per call: outside CPU load")
                         .arg(*sample.cpuPct - *m_baseline.cpuPct(), 0, 'f', 0);
            r.usable = false;
            return r;
        }
    }
    a.state = State::Degraded;
    if (moreErrors && !latencyDegraded && !throughputDegraded)
        a.note = QStringLiteral("more transactions rolling back");
    return r;
}

double VigilDetector::degradedLatency() const
{
    // The brief's threshold, unless the baseline itself swings more than that from sample to sample (short
    // samples, few calls): then a sample must stand out of the baseline's own noise as well.
    return std::max(m_policy.latencyPct / 100.0, 1.5 * m_baseline.p95RelativeNoise());
}

double VigilDetector::strongLatency() const
{
    const double threshold = m_policy.latencyPct / 100.0;
    return std::max(1.5 * threshold, threshold + 1.5 * m_baseline.p95RelativeNoise());
}

bool VigilDetector::isOverwhelming(const Reading &r, const SampleAssessment &a) const
{
    const double factor = m_policy.overwhelmingFactor;
    return a.state == State::Degraded
        && (r.latencyChange >= factor - 1.0 || r.throughputChange <= -(1.0 - 1.0 / factor));
}

std::optional<Verdict> VigilDetector::peek(const Sample &partial)
{
    SampleAssessment a;
    a.index = int(m_samples.size()) + 1;
    a.tEnd = partial.tEnd;
    Reading r = read(partial, a);
    r.index = a.index;
    // Two looks in a row, each showing at least the overwhelming factor: a burst of noise does not double p95
    // or halve throughput for whole seconds on end; an index gone or a plan turned to a sequential scan does.
    m_overwhelmingPeeks = isOverwhelming(r, a) ? m_overwhelmingPeeks + 1 : 0;
    if (m_overwhelmingPeeks < 2 || partial.seconds() < m_policy.overwhelmingSeconds - 1e-6)
        return std::nullopt;
    a.note = QStringLiteral("seen in the first %1 s of sample %2").arg(partial.seconds(), 0, 'f', 1).arg(a.index);
    m_samples.push_back(partial);
    m_readings.push_back(r);
    m_assessments.push_back(a);
    return rollbackFrom(
        { int(m_readings.size()) - 1 }, partial.tEnd, QStringLiteral("overwhelming before the sample closed"));
}

std::optional<Verdict> VigilDetector::addSample(const Sample &sample)
{
    m_overwhelmingPeeks = 0;
    m_samples.push_back(sample);
    SampleAssessment a;
    a.index = int(m_samples.size());
    a.tEnd = sample.tEnd;
    Reading r = read(m_samples.back(), a);
    r.index = a.index;
    m_readings.push_back(r);
    m_assessments.push_back(a);

    if (a.state == State::Missing)
        return std::nullopt; // a missing sample is no evidence either way: the run goes on
    if (a.state != State::Degraded) {
        m_run.clear();
        m_runWeight = 0;
        m_overwhelmingSeconds = 0;
        return std::nullopt;
    }

    const double throughputThreshold = m_policy.throughputPct / 100.0;
    // Overwhelming harm is decided at once, but only on evidence that spans whole seconds: one short sample of a
    // tiny workload can double its p95 on a scheduling hiccup.
    m_overwhelmingSeconds = isOverwhelming(r, a) ? m_overwhelmingSeconds + sample.seconds() : 0.0;
    const bool overwhelming = m_overwhelmingSeconds >= m_policy.overwhelmingSeconds - 1e-6;
    const bool strong = r.latencyChange >= strongLatency() || r.throughputChange <= -1.5 * throughputThreshold
        || m_overwhelmingSeconds > 0;
    const double n = m_policy.consecutive;
    m_run.push_back(a.index - 1);
    const double onsetAfter = (m_readings[m_run.front()].index - 1) * m_policy.intervalSeconds;
    const bool lateOnset = onsetAfter >= m_policy.onsetSeconds - 1e-9;
    // A strong sample counts double, but only for harm that started at the action: a checkpoint or a burst
    // later in the window can be strong for a while too.
    m_runWeight += overwhelming ? n : (strong && !lateOnset) ? 2.0 : 1.0;

    const double needed = overwhelming ? n : (lateOnset ? 2 * n : n);
    if (m_runWeight + 1e-9 < needed)
        return std::nullopt;
    // Short of overwhelming, a run must also last: with 1 s samples two noisy seconds are not a slowdown.
    const double runSeconds = m_samples[std::size_t(m_run.back())].tEnd - m_samples[std::size_t(m_run.front())].tStart;
    if (!overwhelming && runSeconds + 1e-6 < m_policy.minimumRunSeconds)
        return std::nullopt;
    const QString basis = overwhelming ? QStringLiteral("overwhelming for %1 s").arg(m_overwhelmingSeconds, 0, 'f', 0)
                                       : QStringLiteral("%1 degraded samples in a row%2")
                                             .arg(m_run.size())
                                             .arg(lateOnset ? QStringLiteral(" (late onset)") : QString());
    return rollbackFrom(m_run, sample.tEnd, basis);
}

std::vector<RegressedStatement> VigilDetector::regressedStatements(const std::vector<int> &indices) const
{
    struct Pool
    {
        double calls = 0;
        double totalMs = 0;
    };
    QHash<qint64, Pool> pools;
    for (int i : indices) {
        for (const StatementInterval &st : m_samples[i].statements) {
            Pool &p = pools[st.queryId];
            p.calls += st.calls;
            p.totalMs += st.calls * st.meanMs;
        }
    }
    std::vector<std::pair<double, RegressedStatement>> ranked;
    for (const Baseline::Statement &b : m_baseline.statements()) {
        const auto it = pools.constFind(b.queryId);
        if (it == pools.cend() || it->calls <= 0 || b.meanMs <= 0)
            continue;
        RegressedStatement r;
        r.queryId = b.queryId;
        r.text = m_baseline.statementText(b.queryId);
        r.baselineMeanMs = b.meanMs;
        r.windowMeanMs = it->totalMs / it->calls;
        r.changePct = 100.0 * (r.windowMeanMs / r.baselineMeanMs - 1.0);
        if (r.changePct <= m_policy.latencyPct)
            continue;
        // Rank by the time the slowdown adds per call of the workload, so a rare statement that got slower by a
        // lot does not hide the frequent one that hurts.
        ranked.push_back({ b.share * (r.windowMeanMs - r.baselineMeanMs), r });
    }
    std::sort(ranked.begin(), ranked.end(), [](const auto &x, const auto &y) { return x.first > y.first; });
    std::vector<RegressedStatement> out;
    for (std::size_t i = 0; i < ranked.size() && i < 3; ++i)
        out.push_back(ranked[i].second);
    return out;
}

Verdict VigilDetector::rollbackFrom(const std::vector<int> &indices, double decidedT, const QString &basis) const
{
    Verdict v;
    v.decision = Verdict::Decision::Rollback;
    v.decidedT = decidedT;
    v.firstSample = m_readings[indices.front()].index;
    v.lastSample = m_readings[indices.back()].index;

    std::vector<double> latency;
    std::vector<double> throughput;
    std::vector<double> p95;
    std::vector<double> tput;
    for (int i : indices) {
        latency.push_back(m_readings[i].latencyChange);
        throughput.push_back(m_readings[i].throughputChange);
        if (m_readings[i].p95Ms)
            p95.push_back(*m_readings[i].p95Ms);
        tput.push_back(m_readings[i].throughput);
    }
    const double latencyChange = median(latency).value_or(0);
    const double throughputChange = median(throughput).value_or(0);
    const double refThroughput = throughputReference().value_or(0);
    const bool latencyLeads = latencyChange / (m_policy.latencyPct / 100.0 + 1e-9)
        >= -throughputChange / (m_policy.throughputPct / 100.0 + 1e-9);
    const QString unit = m_baseline.qps() > 0 ? QStringLiteral("calls/s") : QStringLiteral("tps");
    if (latencyLeads) {
        v.metric = QStringLiteral("p95_latency");
        v.baselineValue = m_baseline.p95Ms().value_or(0);
        v.windowValue = median(p95).value_or(0);
        v.changePct = 100.0 * latencyChange;
    } else {
        v.metric = QStringLiteral("throughput");
        v.baselineValue = refThroughput;
        v.windowValue = median(tput).value_or(0);
        v.changePct = 100.0 * throughputChange;
    }
    v.regressed = regressedStatements(indices);

    const QString latencyText = QStringLiteral("p95 latency %1 (%2 -> %3 ms)")
                                    .arg(signedPct(latencyChange))
                                    .arg(m_baseline.p95Ms().value_or(0), 0, 'g', 4)
                                    .arg(median(p95).value_or(0), 0, 'g', 4);
    const QString throughputText = QStringLiteral("throughput %1 (%2 -> %3 %4)")
                                       .arg(signedPct(throughputChange))
                                       .arg(refThroughput, 0, 'f', 1)
                                       .arg(median(tput).value_or(0), 0, 'f', 1)
                                       .arg(unit);
    QString reason = (latencyLeads ? latencyText + QStringLiteral(", ") + throughputText
                                   : throughputText + QStringLiteral(", ") + latencyText)
        + QStringLiteral(" vs baseline; samples %1-%2 (%3-%4 s into the window), %5")
              .arg(v.firstSample)
              .arg(v.lastSample)
              .arg(m_samples[indices.front()].tStart - m_samples.front().tStart, 0, 'f', 0)
              .arg(m_samples[indices.back()].tEnd - m_samples.front().tStart, 0, 'f', 0)
              .arg(basis);
    const QString note = m_assessments[indices.back()].note;
    if (!note.isEmpty())
        reason += QStringLiteral("; ") + note;
    if (!v.regressed.empty()) {
        QStringList parts;
        for (const RegressedStatement &r : v.regressed)
            parts << QStringLiteral("%1 (%2)").arg(
                shortText(r.text.isEmpty() ? QString::number(r.queryId) : r.text), signedPct(r.changePct / 100.0, 0));
        reason += QStringLiteral("; regressed most: ") + parts.join(QStringLiteral("; "));
    }
    v.reason = reason;
    return v;
}

std::vector<int> VigilDetector::usableIndices() const
{
    std::vector<int> usable;
    for (std::size_t i = 0; i < m_readings.size(); ++i)
        if (m_readings[i].usable)
            usable.push_back(int(i));
    return usable;
}

VigilDetector::TimeInServer VigilDetector::timeInServer() const
{
    TimeInServer result;
    const std::vector<double> &before = m_baseline.timeInServer();
    std::vector<double> after;
    double busyAfter = 0;
    for (std::size_t i = 0; i < m_readings.size(); ++i) {
        if (m_readings[i].usable && m_readings[i].timeInServer) {
            after.push_back(*m_readings[i].timeInServer);
            busyAfter += Baseline::busySessions(m_samples[i]).value_or(0);
        }
    }
    if (before.size() < 3 || after.size() < 3 || !m_baseline.busySessions())
        return result;
    auto meanAndVariance = [](const std::vector<double> &v) {
        double mean = 0;
        for (double x : v)
            mean += x;
        mean /= double(v.size());
        double variance = 0;
        for (double x : v)
            variance += (x - mean) * (x - mean);
        return std::pair { mean, variance / double(v.size() - 1) };
    };
    const auto [meanBefore, varianceBefore] = meanAndVariance(before);
    const auto [meanAfter, varianceAfter] = meanAndVariance(after);
    if (meanBefore <= 0)
        return result;
    result.busyBefore = *m_baseline.busySessions();
    result.busyAfter = busyAfter / double(after.size());
    result.change = meanAfter / meanBefore - 1.0;
    const double standardError
        = std::sqrt(varianceBefore / double(before.size()) + varianceAfter / double(after.size()));
    result.tStatistic = standardError > 0 ? (meanAfter - meanBefore) / standardError : 0.0;
    // Busy sessions are counted once a tick: noisy. Only a large, significant rise that adds at least a tenth
    // of a session counts; a suggestive one earns the window its one extension.
    const bool large = result.change > 0.4 && result.busyAfter - result.busyBefore >= 0.1;
    result.suggestive = large && result.tStatistic > 1.5;
    result.conclusive = large && result.tStatistic > 3.0;
    return result;
}

bool VigilDetector::wantsMoreEvidence() const
{
    const TimeInServer tis = timeInServer();
    return !sustainedSlowdown(0) && tis.suggestive && !tis.conclusive;
}

std::optional<Verdict> VigilDetector::sustainedSlowdown(double t) const
{
    const double latencyThreshold = m_policy.latencyPct / 100.0;
    const double throughputThreshold = m_policy.throughputPct / 100.0;
    const std::vector<int> usable = usableIndices();
    if (usable.size() < std::size_t(m_policy.consecutive))
        return std::nullopt;

    // A slowdown that hovers around the threshold never makes a clean run, yet is there all window long: judge the
    // window by its median, and by the median of its second half so a decaying transient is not convicted. It
    // must also show from the start (a step at the action), or it is drift.
    auto medianOf = [this](const std::vector<int> &indices, auto get) { return medianReading(indices, get); };
    const std::vector<int> secondHalf(usable.begin() + usable.size() / 2, usable.end());
    const std::vector<int> start(usable.begin(), usable.begin() + std::min<std::size_t>(3, usable.size()));
    auto latencyOf = [](const Reading &r) { return r.latencyChange; };
    auto throughputOf = [](const Reading &r) { return r.demandFall ? 0.0 : r.throughputChange; };
    const double latencyMedian = medianOf(usable, latencyOf);
    const double throughputMedian = medianOf(usable, throughputOf);
    const double refP95 = m_baseline.p95Ms().value_or(0);
    const bool latencySustained = latencyMedian > latencyThreshold && medianOf(secondHalf, latencyOf) > latencyThreshold
        && medianOf(start, latencyOf) > latencyThreshold / 2 && refP95 * latencyMedian >= m_policy.minLatencyDeltaMs;
    const bool throughputSustained = throughputMedian < -throughputThreshold
        && medianOf(secondHalf, throughputOf) < -throughputThreshold
        && medianOf(start, throughputOf) < -throughputThreshold / 2;
    if (!latencySustained && !throughputSustained)
        return std::nullopt;
    return rollbackFrom(
        usable, t, QStringLiteral("sustained over the window (median of %1 samples)").arg(usable.size()));
}

Verdict VigilDetector::conclude(double t)
{
    if (std::optional<Verdict> sustained = sustainedSlowdown(t))
        return *sustained;
    const std::vector<int> usable = usableIndices();
    auto medianOf = [this](const std::vector<int> &indices, auto get) { return medianReading(indices, get); };
    const double latencyMedian = medianOf(usable, [](const Reading &r) { return r.latencyChange; });
    const double refP95 = m_baseline.p95Ms().value_or(0);

    const TimeInServer tis = timeInServer();
    if (tis.conclusive || (tis.suggestive && m_extended)) {
        Verdict v;
        v.decision = Verdict::Decision::Rollback;
        v.decidedT = t;
        v.metric = QStringLiteral("time_in_server");
        v.changePct = 100.0 * tis.change;
        v.baselineValue = tis.busyBefore;
        v.windowValue = tis.busyAfter;
        v.firstSample = usable.empty() ? 0 : m_readings[usable.front()].index;
        v.lastSample = usable.empty() ? 0 : m_readings[usable.back()].index;
        v.regressed = regressedStatements(usable);
        v.reason = QStringLiteral("time in the server per transaction %1 (busy sessions %2 -> %3, throughput %4) over "
                                  "samples %5-%6 (t=%7): the wait is outside statement execution (commit flush, "
                                  "locks); p95 of statement execution %8")
                       .arg(signedPct(tis.change, 0))
                       .arg(tis.busyBefore, 0, 'f', 2)
                       .arg(tis.busyAfter, 0, 'f', 2)
                       .arg(signedPct(medianOf(usable, [](const Reading &r) { return r.throughputChange; })))
                       .arg(v.firstSample)
                       .arg(v.lastSample)
                       .arg(tis.tStatistic, 0, 'f', 1)
                       .arg(signedPct(latencyMedian));
        return v;
    }

    Verdict v;
    v.decision = Verdict::Decision::Keep;
    v.decidedT = t;
    v.metric = QStringLiteral("none");
    v.changePct = 100.0 * latencyMedian;
    v.baselineValue = refP95;
    v.windowValue = refP95 * (1 + latencyMedian);
    int confounded = 0;
    int missing = 0;
    for (const SampleAssessment &a : m_assessments) {
        confounded += a.state == State::Confounded;
        missing += a.state == State::Missing;
    }
    QString reason = QStringLiteral(
        "no sustained degradation over %1 samples: p95 latency %2, throughput %3 (medians vs baseline)")
                         .arg(usable.size())
                         .arg(signedPct(latencyMedian))
                         .arg(signedPct(medianOf(usable, [](const Reading &r) { return r.throughputChange; })));
    if (confounded)
        reason += QStringLiteral("; %1 sample(s) set aside as outside load").arg(confounded);
    if (missing)
        reason += QStringLiteral("; %1 sample(s) missing").arg(missing);
    v.reason = reason;
    return v;
}

} // namespace vigil
