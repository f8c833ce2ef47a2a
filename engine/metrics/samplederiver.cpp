// SPDX-License-Identifier: MIT
#include "metrics/samplederiver.h"

#include "metrics/latencydistribution.h"

#include <algorithm>

namespace vigil {

namespace {

/// Rate of a cumulative counter over the ticks; empty when either end is unknown or the counter went backwards
/// at any tick in between (a restart that climbed past its old value by the end would otherwise look real).
template<typename Getter>
std::optional<double> rate(std::span<const Snapshot> ticks, Getter get)
{
    const std::optional<double> from = get(ticks.front());
    const std::optional<double> to = get(ticks.back());
    const double seconds = ticks.back().t - ticks.front().t;
    if (!from || !to || seconds <= 0)
        return std::nullopt;
    double previous = *from;
    for (const Snapshot &s : ticks.subspan(1)) {
        if (const std::optional<double> v = get(s)) {
            if (*v < previous)
                return std::nullopt;
            previous = *v;
        }
    }
    return (*to - *from) / seconds;
}

/// Statements whose counters went backwards between two consecutive ticks inside the interval.
std::vector<qint64> statementsResetInside(std::span<const Snapshot> ticks)
{
    std::vector<qint64> reset;
    for (std::size_t k = 1; k < ticks.size(); ++k) {
        const Snapshot &a = ticks[k - 1];
        const Snapshot &b = ticks[k];
        if (!a.hasStatements || !b.hasStatements)
            continue;
        auto it = a.statements.begin();
        for (const StatementCounters &s : b.statements) {
            while (it != a.statements.end() && it->queryId < s.queryId)
                ++it;
            if (it != a.statements.end() && it->queryId == s.queryId && s.calls < it->calls)
                reset.push_back(s.queryId);
        }
    }
    std::sort(reset.begin(), reset.end());
    return reset;
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

/// The middle value of the ticks' readings (the upper one of an even count); empty when none has one.
template<typename Getter>
std::optional<double> medianOver(std::span<const Snapshot> ticks, Getter get)
{
    std::vector<double> values;
    for (const Snapshot &s : ticks)
        if (const std::optional<double> v = get(s))
            values.push_back(*v);
    if (values.empty())
        return std::nullopt;
    const auto middle = values.begin() + std::ptrdiff_t(values.size() / 2);
    std::nth_element(values.begin(), middle, values.end());
    return *middle;
}

/// The largest of the ticks' readings; empty when none has one.
template<typename Getter>
std::optional<double> maxOver(std::span<const Snapshot> ticks, Getter get)
{
    std::optional<double> largest;
    for (const Snapshot &s : ticks)
        if (const std::optional<double> v = get(s))
            largest = std::max(largest.value_or(*v), *v);
    return largest;
}

void deriveStatements(std::span<const Snapshot> ticks, Sample &sample)
{
    const Snapshot &from = ticks.front();
    const Snapshot &to = ticks.back();
    if (!from.hasStatements || !to.hasStatements)
        return;
    // Only the end ticks are differenced, but a restart in between must still not pass for real calls.
    const std::vector<qint64> resetInside = ticks.size() > 2 ? statementsResetInside(ticks) : std::vector<qint64> {};
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
        if (a == from.statements.end() || a->queryId != b.queryId) {
            // New in pg_stat_statements: an entry starts counting when it is created (an evicted one starts
            // afresh), so all of it happened inside the interval.
            if (b.calls > 0)
                sample.newStatements.push_back({ b.queryId, b.calls, b.totalExecMs / b.calls });
            continue;
        }
        const double dCalls = b.calls - a->calls;
        const double dTotal = b.totalExecMs - a->totalExecMs;
        if (dCalls < 0 || dTotal < 0 || std::binary_search(resetInside.begin(), resetInside.end(), b.queryId)) {
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

/// Difference of a cumulative counter between the end ticks; empty when unknown at either end or gone backwards.
template<typename Getter>
std::optional<double> delta(std::span<const Snapshot> ticks, Getter get)
{
    const std::optional<double> from = get(ticks.front());
    const std::optional<double> to = get(ticks.back());
    if (!from || !to || *to < *from)
        return std::nullopt;
    return *to - *from;
}

void deriveWorkload(std::span<const Snapshot> ticks, Sample &sample)
{
    const std::span<const Snapshot> inside = ticks.subspan(1);
    sample.workloadActive = averageOver(inside, [](const Snapshot &s) { return s.activity.dbActive; });
    sample.workloadWaiting = averageOver(inside, [](const Snapshot &s) { return s.activity.dbWaiting; });
    sample.otherDatabasesActive = averageOver(inside, [](const Snapshot &s) { return s.activity.otherDbActive; });
    for (const Snapshot &s : ticks) {
        if (s.activity.dbBlockedByOthers)
            sample.blockedByOthers = std::max(sample.blockedByOthers.value_or(0), *s.activity.dbBlockedByOthers);
        for (qint64 id : s.longRunningQueryIds)
            sample.longRunningQueryIds.push_back(id);
    }
    std::sort(sample.longRunningQueryIds.begin(), sample.longRunningQueryIds.end());
    sample.longRunningQueryIds.erase(std::unique(sample.longRunningQueryIds.begin(), sample.longRunningQueryIds.end()),
        sample.longRunningQueryIds.end());

    // Active time and the transaction counters are flushed together by each backend, so their ratio holds even
    // over one second, when either alone swings with the flush timing.
    const std::optional<double> commits = delta(ticks, [](const Snapshot &s) { return s.db.xactCommit; });
    const std::optional<double> rollbacks = delta(ticks, [](const Snapshot &s) { return s.db.xactRollback; });
    const std::optional<double> active = delta(ticks, [](const Snapshot &s) { return s.db.activeTimeMs; });
    const std::optional<double> idleIn = delta(ticks, [](const Snapshot &s) { return s.db.idleInTransactionTimeMs; });
    const double transactions = commits.value_or(0) + rollbacks.value_or(0);
    sample.transactions = transactions;
    if (commits && transactions > 0) {
        if (active)
            sample.serverMsPerTransaction = *active / transactions;
        if (idleIn)
            sample.idleInTransactionMsPerTransaction = *idleIn / transactions;
    }
    const std::optional<double> records = delta(ticks, [](const Snapshot &s) { return s.wal.records; });
    const std::optional<double> images = delta(ticks, [](const Snapshot &s) { return s.wal.fullPageImages; });
    if (records && images && *records > 0)
        sample.walFullPageShare = *images / *records;
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

    deriveStatements(ticks, sample);

    sample.tps = rate(ticks, [](const Snapshot &s) { return s.db.xactCommit; });
    sample.rollbacksPerSecond = rate(ticks, [](const Snapshot &s) { return s.db.xactRollback; });
    sample.tempBytesPerSecond = rate(ticks, [](const Snapshot &s) { return s.db.tempBytes; });
    sample.walBytesPerSecond = rate(ticks, [](const Snapshot &s) { return s.wal.bytes; });
    sample.diskReadBytesPerSecond = rate(ticks, [](const Snapshot &s) { return s.host.diskReadBytes; });
    sample.diskWrittenBytesPerSecond = rate(ticks, [](const Snapshot &s) { return s.host.diskWrittenBytes; });
    const std::optional<double> hits = rate(ticks, [](const Snapshot &s) { return s.db.blksHit; });
    const std::optional<double> reads = rate(ticks, [](const Snapshot &s) { return s.db.blksRead; });
    sample.blocksReadPerSecond = reads;
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
    sample.procsRunning = averageOver(inside, [](const Snapshot &s) { return s.host.procsRunning; });
    sample.procsBlocked = averageOver(inside, [](const Snapshot &s) { return s.host.procsBlocked; });
    sample.postgresIoWaiting = averageOver(inside, [](const Snapshot &s) { return s.activity.ioWaiting; });
    // The median: one tick whose round trips met a late wake-up is not the machine slowing down.
    sample.probeMs = medianOver(inside, [](const Snapshot &s) { return s.probeMs; });
    sample.cpuProbeMs = medianOver(inside, [](const Snapshot &s) { return s.cpuProbeMs; });
    // The longest, not the median: a stall of the storage is one long wait, however quick the writes around it.
    sample.storageWaitMs = maxOver(inside, [](const Snapshot &s) { return s.host.storageWaitMs; });
    deriveWorkload(ticks, sample);
    return sample;
}

} // namespace vigil
