// SPDX-License-Identifier: MIT
#include "guard/baseline.h"

#include "metrics/latencydistribution.h"

#include <QHash>

#include <algorithm>
#include <cmath>

namespace vigil {

namespace {
/// A statement below this share of the baseline's calls is too rare to measure a latency on.
constexpr double kMinShare = 0.005;
/// A long statement seen in at least this share of the baseline's samples ran through it (Baseline::ranLongThroughout).
constexpr double kLongThroughoutShare = 0.8;
/// The most persistence (lag-1 autocorrelation) a baseline's p95 is credited with: at 0.8 its medians swing three
/// times as far as independent samples' would.
constexpr double kMaxPersistence = 0.8;

struct Pool
{
    double calls = 0;
    double sumMs = 0;
    double sumSquares = 0;
    double blocks = 0;
    double blockCalls = 0;
    int samplesSeen = 0;
};

/// The medians of a series' first and second half in time (at least four values).
struct HalfLevels
{
    std::size_t firstCount = 0; ///< values in the first half
    double first = 0;
    double second = 0;
};

HalfLevels halfLevels(const std::vector<double> &values)
{
    const std::size_t half = values.size() / 2;
    const auto middle = values.begin() + std::ptrdiff_t(half);
    return { half, median(std::vector<double>(values.begin(), middle)).value_or(0.0),
        median(std::vector<double>(middle, values.end())).value_or(0.0) };
}

template<typename Getter>
std::optional<double> medianOver(std::span<const Sample> samples, Getter get)
{
    std::vector<double> values;
    for (const Sample &s : samples) {
        if (!s.valid)
            continue;
        if (const std::optional<double> v = get(s))
            values.push_back(*v);
    }
    return median(std::move(values));
}

template<typename Getter>
std::optional<double> meanOver(std::span<const Sample> samples, Getter get)
{
    double sum = 0;
    int n = 0;
    for (const Sample &s : samples) {
        if (!s.valid)
            continue;
        if (const std::optional<double> v = get(s)) {
            sum += *v;
            ++n;
        }
    }
    return n ? std::optional<double>(sum / n) : std::nullopt;
}
} // namespace

std::optional<double> median(std::vector<double> values)
{
    if (values.empty())
        return std::nullopt;
    const auto mid = values.begin() + std::ptrdiff_t(values.size() / 2);
    std::nth_element(values.begin(), mid, values.end());
    if (values.size() % 2 == 1)
        return *mid;
    const double upper = *mid;
    const double lower = *std::max_element(values.begin(), mid);
    return 0.5 * (lower + upper);
}

std::optional<double> Baseline::busySessions(const Sample &s)
{
    // The monitored database's own sessions when the source counts them (Vigil's left out); otherwise every
    // active client session of the cluster less the sampler itself.
    if (s.workloadActive)
        return *s.workloadActive;
    if (!s.sessionsActive)
        return std::nullopt;
    return std::max(0.0, *s.sessionsActive - 1.0);
}

std::optional<double> Baseline::waitingSessions(const Sample &s)
{
    return s.workloadWaiting ? s.workloadWaiting : s.sessionsWaiting;
}

std::optional<double> Baseline::outsideRunnable(const Sample &s)
{
    if (!s.procsRunning || !s.workloadActive)
        return std::nullopt;
    return std::max(0.0, *s.procsRunning - *s.workloadActive - s.otherDatabasesActive.value_or(0));
}

std::optional<double> Baseline::outsideDiskBytes(const Sample &s)
{
    if (!s.diskReadBytesPerSecond || !s.diskWrittenBytesPerSecond)
        return std::nullopt;
    // PostgreSQL's blocks are 8 kB (BLCKSZ as built by every distribution). Data pages written back by the
    // checkpointer are not subtracted: a checkpoint is outside load too.
    constexpr double kBlockBytes = 8192;
    const double reads = *s.diskReadBytesPerSecond - s.blocksReadPerSecond.value_or(0) * kBlockBytes;
    const double writes
        = *s.diskWrittenBytesPerSecond - s.walBytesPerSecond.value_or(0) - s.tempBytesPerSecond.value_or(0);
    return std::max(0.0, reads) + std::max(0.0, writes);
}

std::optional<double> Baseline::walBytesPerTransaction(const Sample &s)
{
    if (!s.walBytesPerSecond || s.transactions <= 0 || s.seconds() <= 0)
        return std::nullopt;
    return *s.walBytesPerSecond * s.seconds() / s.transactions;
}

std::optional<double> Baseline::clientVisibleMsPerTransaction() const
{
    if (!m_serverMs)
        return std::nullopt;
    return *m_serverMs + m_idleInTransactionMs.value_or(0);
}

bool Baseline::ranLongThroughout(qint64 queryId) const
{
    return std::binary_search(m_longThroughout.begin(), m_longThroughout.end(), queryId);
}

bool Baseline::isSteady(qint64 queryId) const
{
    const auto it = std::lower_bound(m_statements.begin(), m_statements.end(), queryId,
        [](const Statement &st, qint64 id) { return st.queryId < id; });
    return it != m_statements.end() && it->queryId == queryId;
}

double Baseline::halvesDrift(const std::vector<double> &values, double reference)
{
    // How far the level moved within the series: its first half's median against its second's, relative.
    if (values.size() < 4 || reference <= 0)
        return 0;
    const HalfLevels levels = halfLevels(values);
    return std::abs(levels.first - levels.second) / reference;
}

double Baseline::persistence(const std::vector<double> &values)
{
    // Lag-1 autocorrelation around each half's own median, so that a level that moved between the halves (which the
    // drift term already allows for) does not count twice; clamped to [0, kMaxPersistence]: one near 1 would make any
    // change look like noise.
    if (values.size() < 4)
        return 0;
    const HalfLevels levels = halfLevels(values);
    auto deviation = [&](std::size_t i) { return values[i] - (i < levels.firstCount ? levels.first : levels.second); };
    double products = 0;
    double squares = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
        squares += deviation(i) * deviation(i);
        if (i + 1 < values.size())
            products += deviation(i) * deviation(i + 1);
    }
    return squares > 0 ? std::clamp(products / squares, 0.0, kMaxPersistence) : 0.0;
}

double Baseline::beyondNoise(double drift, double noise) const
{
    // Two half-medians of m samples differ by about 1.25 σ sqrt(4/m) on noise alone; only what moved beyond that is
    // drift.
    const double m = std::max(1, m_usable);
    return std::max(0.0, drift - 1.2533 * noise * std::sqrt(4.0 / m));
}

QString Baseline::unsteadiness(const GuardPolicy &policy) const
{
    const double bar = policy.latencyPct / 200.0;
    // On a virtual machine whose speed wanders, a 15 s baseline of CPU-bound statements rarely has two equal halves;
    // when the p95 per unit of the machine's speed at work kept its level, the level moved with the machine, which
    // the verdict takes out (VigilDetector::machineSlowerAround). Not while the host's CPU moved by a surge: a hog
    // that ends with the baseline would make the window look better than the action made it.
    const bool pacedByTheMachine = policy.machineSlowerPct > 0 && m_pacedP95Drift
        && m_cpuHalvesShift < policy.cpuSurgePoints && beyondNoise(*m_pacedP95Drift, m_pacedP95Noise) <= bar;
    if (m_p95Ms && p95DriftBeyondNoise() > bar && !pacedByTheMachine)
        return QStringLiteral("p95 latency moved %1 % between the baseline's halves").arg(100 * m_p95Drift, 0, 'f', 0);
    if (m_qps > 0 && beyondNoise(m_throughputDrift, m_throughputNoise) > policy.throughputPct / 200.0)
        return QStringLiteral("throughput moved %1 % between the baseline's halves")
            .arg(100 * m_throughputDrift, 0, 'f', 0);
    return {};
}

/// The larger of the scaled MAD and the 90th percentile deviation read as a normal tail, so occasional large swings
/// (what a false rollback is made of) count.
double Baseline::relativeNoise(const std::vector<double> &values, double reference)
{
    if (values.empty() || reference <= 0)
        return 0;
    std::vector<double> deviations;
    for (double p : values)
        deviations.push_back(std::abs(p / reference - 1.0));
    const double mad = 1.4826 * median(deviations).value_or(0.0);
    std::sort(deviations.begin(), deviations.end());
    const double p90 = deviations[std::min(deviations.size() - 1, std::size_t(0.9 * double(deviations.size())))];
    return std::max(mad, p90 / 1.645);
}

std::optional<double> Baseline::rollbackRatio(const Sample &s)
{
    if (!s.tps || !s.rollbacksPerSecond || *s.tps + *s.rollbacksPerSecond <= 0)
        return std::nullopt;
    return *s.rollbacksPerSecond / (*s.tps + *s.rollbacksPerSecond);
}

Baseline::Baseline(std::span<const Sample> samples, QHash<qint64, QString> statementTexts)
    : m_texts(std::move(statementTexts))
{
    if (!samples.empty())
        m_seconds = std::max(0.0, samples.back().tEnd - samples.front().tStart);
    // Long statements seen in nearly every sample (80 %): a batch that began well before the action. One that began
    // during the baseline is left out: the baseline's level was measured partly without it.
    QHash<qint64, int> longSeen;
    int validSamples = 0;
    for (const Sample &s : samples) {
        if (!s.valid)
            continue;
        ++validSamples;
        for (qint64 id : s.longRunningQueryIds)
            ++longSeen[id];
    }
    for (auto it = longSeen.cbegin(); it != longSeen.cend(); ++it)
        if (validSamples > 0 && it.value() >= kLongThroughoutShare * validSamples)
            m_longThroughout.push_back(it.key());
    std::sort(m_longThroughout.begin(), m_longThroughout.end());
    // Pool each statement over the baseline: calls, time, squares and buffers add up across intervals.
    QHash<qint64, Pool> pools;
    double totalCalls = 0;
    int withCalls = 0;
    for (const Sample &s : samples) {
        if (!s.valid || s.statements.empty())
            continue;
        ++withCalls;
        for (const StatementInterval &st : s.statements) {
            Pool &p = pools[st.queryId];
            p.calls += st.calls;
            p.sumMs += st.calls * st.meanMs;
            p.sumSquares += st.calls * (st.varianceMs2 + st.meanMs * st.meanMs);
            if (st.blocksPerCall) {
                p.blocks += st.calls * *st.blocksPerCall;
                p.blockCalls += st.calls;
            }
            ++p.samplesSeen;
            totalCalls += st.calls;
        }
    }
    m_usable = withCalls;

    // Steady statements: a real share of the calls, seen in most baseline samples. One-off statements (the
    // action's own DDL, an ad-hoc query) would otherwise dominate the mean with a single slow call.
    double steadyCalls = 0;
    for (auto it = pools.cbegin(); it != pools.cend(); ++it) {
        const Pool &p = it.value();
        if (p.calls < kMinShare * totalCalls || p.samplesSeen * 2 < withCalls)
            continue;
        Statement st;
        st.queryId = it.key();
        st.share = p.calls;
        st.meanMs = p.sumMs / p.calls;
        st.varianceMs2 = std::max(0.0, p.sumSquares / p.calls - st.meanMs * st.meanMs);
        if (p.blockCalls > 0)
            st.blocksPerCall = p.blocks / p.blockCalls;
        steadyCalls += p.calls;
        m_statements.push_back(st);
    }
    for (Statement &st : m_statements)
        st.share /= steadyCalls;
    std::sort(m_statements.begin(), m_statements.end(),
        [](const Statement &a, const Statement &b) { return a.queryId < b.queryId; });

    std::vector<double> p95s;
    std::vector<double> paced; // p95 per unit of the CPU probe
    std::vector<double> pacedCpu;
    std::vector<double> qpss;
    std::vector<double> blocks;
    std::vector<double> means;
    for (const Sample &s : samples) {
        if (!s.valid || s.statements.empty())
            continue;
        const MixView v = view(s);
        if (v.meanMs)
            means.push_back(*v.meanMs);
        if (v.p95Ms)
            p95s.push_back(*v.p95Ms);
        if (v.p95Ms && s.cpuProbeMs && *s.cpuProbeMs > 0 && s.cpuPct) {
            paced.push_back(*v.p95Ms / *s.cpuProbeMs);
            pacedCpu.push_back(*s.cpuPct);
        }
        if (v.blocksPerCall)
            blocks.push_back(*v.blocksPerCall);
        qpss.push_back(v.qps);
        // Time in the server per unit of throughput, measured the way the detector measures the window.
        if (const std::optional<double> busy = busySessions(s); busy && v.qps > 0)
            m_timeInServer.push_back(*busy / v.qps);
    }
    m_p95Ms = median(p95s);
    if (m_p95Ms)
        m_p95Noise = relativeNoise(p95s, *m_p95Ms);
    if (m_p95Ms) {
        m_p95Drift = halvesDrift(p95s, *m_p95Ms);
        m_p95Persistence = persistence(p95s);
    }
    // Every sample probed, and enough of them for two halves.
    if (paced.size() == p95s.size() && paced.size() >= 4) {
        const double reference = median(paced).value_or(0.0);
        if (reference > 0) {
            m_pacedP95Drift = halvesDrift(paced, reference);
            m_pacedP95Noise = relativeNoise(paced, reference);
            m_cpuHalvesShift = halvesDrift(pacedCpu, 1.0); // points: relative to 1
        }
    }
    std::vector<double> serverMs;
    for (const Sample &s : samples)
        if (s.valid && s.serverMsPerTransaction)
            serverMs.push_back(*s.serverMsPerTransaction);
    m_serverMs = median(serverMs);
    if (m_serverMs)
        m_serverNoise = relativeNoise(serverMs, *m_serverMs);
    m_idleInTransactionMs = medianOver(samples, [](const Sample &s) { return s.idleInTransactionMsPerTransaction; });
    m_outsideRunnable = medianOver(samples, [](const Sample &s) { return outsideRunnable(s); });
    m_outsideDisk = medianOver(samples, [](const Sample &s) { return outsideDiskBytes(s); });
    m_otherDatabases = medianOver(samples, [](const Sample &s) { return s.otherDatabasesActive; });
    m_blockedByOthers = medianOver(samples, [](const Sample &s) { return s.blockedByOthers; });
    m_walFullPageShare = medianOver(samples, [](const Sample &s) { return s.walFullPageShare; });
    m_probeMs = medianOver(samples, [](const Sample &s) { return s.probeMs; });
    m_cpuProbeMs = medianOver(samples, [](const Sample &s) { return s.cpuProbeMs; });
    m_storageWaitMs = medianOver(samples, [](const Sample &s) { return s.storageWaitMs; });
    m_walPerTransaction = medianOver(samples, [](const Sample &s) { return walBytesPerTransaction(s); });
    m_qps = median(qpss).value_or(0.0);
    m_blocksPerCall = median(blocks);
    m_meanExecMs = median(means);
    m_tps = medianOver(samples, [](const Sample &s) { return s.tps; });
    m_cpuPct = medianOver(samples, [](const Sample &s) { return s.cpuPct; });
    m_busy = meanOver(samples, [](const Sample &s) { return busySessions(s); });
    m_waiting = meanOver(samples, [](const Sample &s) { return waitingSessions(s); });
    m_rollbackRatio = medianOver(samples, [](const Sample &s) { return rollbackRatio(s); });
    m_meanRawP95 = meanOver(samples, [](const Sample &s) { return s.latencyP95Ms; });
    m_meanTps = meanOver(samples, [](const Sample &s) { return s.tps; });
    if (m_statements.empty()) {
        // Without statement statistics the baseline still has transactions and the time they spend in the server.
        m_usable = 0;
        std::vector<double> tpss;
        for (const Sample &s : samples) {
            m_usable += s.valid && s.tps.has_value();
            if (s.valid && s.tps)
                tpss.push_back(*s.tps);
        }
        if (m_tps)
            m_throughputNoise = relativeNoise(tpss, *m_tps);
    } else if (m_qps > 0) {
        m_throughputNoise = relativeNoise(qpss, m_qps);
        m_throughputDrift = halvesDrift(qpss, m_qps);
    }
}

QString Baseline::summary() const
{
    if (!isUsable())
        return QStringLiteral("no usable baseline");
    return QStringLiteral("baseline of %1 samples: p95 %2 ms (noise %3%, drift %8%, persistence %9), throughput %4/s, "
                          "%5 steady statements, busy sessions %6, CPU %7%")
               .arg(m_usable)
               .arg(m_p95Ms.value_or(0), 0, 'g', 4)
               .arg(100 * m_p95Noise, 0, 'f', 1)
               .arg(m_tps.value_or(m_qps), 0, 'f', 1)
               .arg(m_statements.size())
               .arg(m_busy.value_or(0), 0, 'f', 2)
               .arg(m_cpuPct ? QString::number(*m_cpuPct, 'f', 0) : QStringLiteral("unavailable"))
               .arg(100 * m_p95Drift, 0, 'f', 1)
               .arg(m_p95Persistence, 0, 'f', 2)
        + (m_serverMs ? QStringLiteral(", %1 ms in the server per transaction (noise %2%) + %3 ms of round trips")
                            .arg(*m_serverMs, 0, 'g', 3)
                            .arg(100 * m_serverNoise, 0, 'f', 1)
                            .arg(m_idleInTransactionMs.value_or(0), 0, 'g', 3)
                      : QString());
}

Baseline::MixView Baseline::view(const Sample &sample) const
{
    MixView v;
    std::vector<LatencyDistribution::Component> components;
    components.reserve(m_statements.size());
    double calls = 0;
    double blockWeight = 0;
    double blocks = 0;
    double meanMs = 0;
    for (const Statement &st : m_statements) {
        const StatementInterval *in = sample.statement(st.queryId);
        if (!in)
            continue;
        v.coverage += st.share;
        meanMs += st.share * in->meanMs;
        calls += in->calls;
        components.push_back({ st.share, in->meanMs, in->varianceMs2 });
        if (in->blocksPerCall) {
            blocks += st.share * *in->blocksPerCall;
            blockWeight += st.share;
        }
    }
    if (!components.empty())
        v.p95Ms = LatencyDistribution(components).quantile(0.95);
    if (blockWeight > 0)
        v.blocksPerCall = blocks / blockWeight;
    if (v.coverage > 0)
        v.meanMs = meanMs / v.coverage;
    if (sample.seconds() > 0)
        v.qps = calls / sample.seconds();
    return v;
}

} // namespace vigil
