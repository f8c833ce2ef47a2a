// SPDX-License-Identifier: MIT
#include "metrics/samplederiver.h"

#include "metrics/latencydistribution.h"

#include <algorithm>

namespace vigil {

namespace {

    /// Rate of a cumulative counter; empty when either end is unknown or the counter restarted.
    std::optional<double> rate(const std::optional<double> &from, const std::optional<double> &to, double seconds)
    {
        if (!from || !to || *to < *from || seconds <= 0)
            return std::nullopt;
        return (*to - *from) / seconds;
    }

    template<typename Getter>
    std::optional<double> averageOver(std::span<const Snapshot> ticks, Getter get)
    {
        double sum = 0;
        int count = 0;
        for (const Snapshot &s : ticks) {
            if (const std::optional<double> v = get(s)) {
                sum += *v;
                ++count;
            }
        }
        if (count == 0)
            return std::nullopt;
        return sum / count;
    }

    void deriveStatements(const Snapshot &from, const Snapshot &to, Sample &sample)
    {
        if (!from.hasStatements || !to.hasStatements)
            return;
        std::vector<LatencyDistribution::Component> components;
        components.reserve(to.statements.size());
        sample.statements.reserve(to.statements.size());
        double calls = 0;
        double totalMs = 0;

        // Both lists are sorted by queryId: one merge pass. A statement absent at the start (new) or at the end
        // (evicted) has no interval of its own; one whose calls went down was reset and is left out too.
        auto a = from.statements.begin();
        for (const StatementCounters &b : to.statements) {
            while (a != from.statements.end() && a->queryId < b.queryId)
                ++a;
            if (a == from.statements.end() || a->queryId != b.queryId)
                continue;
            const double dCalls = b.calls - a->calls;
            const double dTotal = b.totalExecMs - a->totalExecMs;
            if (dCalls < 0 || dTotal < 0) {
                sample.statementsReset = true;
                continue;
            }
            if (dCalls == 0)
                continue;
            StatementInterval s;
            s.queryId = b.queryId;
            s.calls = dCalls;
            s.meanMs = dTotal / dCalls;
            // var = E[x^2] - E[x]^2 over the interval's calls; rounding in the reported stddev can make it dip
            // below zero for very uniform statements.
            s.varianceMs2 = std::max(0.0, (b.sumOfSquares() - a->sumOfSquares()) / dCalls - s.meanMs * s.meanMs);
            if (a->hasBlocks && b.hasBlocks) {
                const double hits = b.sharedBlksHit - a->sharedBlksHit;
                const double reads = b.sharedBlksRead - a->sharedBlksRead;
                if (hits >= 0 && reads >= 0) {
                    s.blocksPerCall = (hits + reads) / dCalls;
                    s.readsPerCall = reads / dCalls;
                }
            }
            calls += dCalls;
            totalMs += dTotal;
            components.push_back({ dCalls, s.meanMs, s.varianceMs2 });
            sample.statements.push_back(s);
        }
        if (from.statements.size() && to.statements.size() < from.statements.size() / 2)
            sample.statementsReset = true; // most rows vanished at once: pg_stat_statements_reset()

        sample.qps = calls / sample.seconds();
        if (calls > 0) {
            const LatencyDistribution distribution(components);
            sample.latencyMeanMs = totalMs / calls;
            sample.latencyP95Ms = distribution.quantile(0.95);
            sample.latencyP99Ms = distribution.quantile(0.99);
        }
    }

} // namespace

const StatementInterval *Sample::statement(qint64 queryId) const
{
    const auto it = std::lower_bound(statements.begin(), statements.end(), queryId,
        [](const StatementInterval &s, qint64 id) { return s.queryId < id; });
    return it != statements.end() && it->queryId == queryId ? &*it : nullptr;
}

Sample SampleDeriver::derive(std::span<const Snapshot> ticks)
{
    Sample sample;
    if (ticks.size() < 2)
        return sample;
    const Snapshot &from = ticks.front();
    const Snapshot &to = ticks.back();
    sample.tStart = from.t;
    sample.tEnd = to.t;
    if (sample.seconds() <= 0)
        return sample;
    sample.valid = true;
    const double seconds = sample.seconds();

    deriveStatements(from, to, sample);

    sample.tps = rate(from.db.xactCommit, to.db.xactCommit, seconds);
    sample.rollbacksPerSecond = rate(from.db.xactRollback, to.db.xactRollback, seconds);
    sample.tempBytesPerSecond = rate(from.db.tempBytes, to.db.tempBytes, seconds);
    const std::optional<double> hits = rate(from.db.blksHit, to.db.blksHit, seconds);
    const std::optional<double> reads = rate(from.db.blksRead, to.db.blksRead, seconds);
    if (hits && reads && *hits + *reads > 0)
        sample.cacheHitRatio = *hits / (*hits + *reads);

    const std::span<const Snapshot> inside = ticks.subspan(1);
    sample.sessionsTotal = averageOver(inside, [](const Snapshot &s) { return s.activity.total; });
    sample.sessionsActive = averageOver(inside, [](const Snapshot &s) { return s.activity.active; });
    sample.sessionsIdle = averageOver(inside, [](const Snapshot &s) { return s.activity.idle; });
    sample.sessionsIdleInTransaction
        = averageOver(inside, [](const Snapshot &s) { return s.activity.idleInTransaction; });
    sample.sessionsWaiting = averageOver(inside, [](const Snapshot &s) { return s.activity.waiting; });
    sample.maxConnections = averageOver(inside, [](const Snapshot &s) { return s.activity.maxConnections; });
    sample.cpuPct = averageOver(inside, [](const Snapshot &s) { return s.host.cpuPct; });
    sample.memPct = averageOver(inside, [](const Snapshot &s) { return s.host.memPct; });
    sample.load1 = averageOver(inside, [](const Snapshot &s) { return s.host.load1; });
    return sample;
}

} // namespace vigil
