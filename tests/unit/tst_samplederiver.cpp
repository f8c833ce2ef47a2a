// SPDX-License-Identifier: MIT
#include "metrics/latencydistribution.h"
#include "metrics/samplederiver.h"

#include <QLocale>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

using namespace vigil;

namespace {

/// A tick with nothing known but its time.
Snapshot tick(double t)
{
    Snapshot s;
    s.t = t;
    return s;
}

/// A tick whose pg_stat_statements was readable, holding the given rows (sorted here, as the reader does).
Snapshot tickWith(double t, std::vector<StatementCounters> statements)
{
    Snapshot s = tick(t);
    s.hasStatements = true;
    std::sort(statements.begin(), statements.end(),
        [](const StatementCounters &a, const StatementCounters &b) { return a.queryId < b.queryId; });
    s.statements = std::move(statements);
    return s;
}

StatementCounters statement(qint64 id, double calls, double totalMs, double meanMs, double stddevMs)
{
    StatementCounters c;
    c.queryId = id;
    c.calls = calls;
    c.totalExecMs = totalMs;
    c.meanExecMs = meanMs;
    c.stddevExecMs = stddevMs;
    c.rows = calls;
    return c;
}

/// Cumulative counters of a statement that has run `calls` times at exactly `ms` each.
StatementCounters uniform(qint64 id, double calls, double ms)
{
    return statement(id, calls, calls * ms, ms, 0.0);
}

bool near(double actual, double expected, double tolerance)
{
    return std::abs(actual - expected) <= tolerance;
}

QByteArray describe(double actual, double expected)
{
    return QByteArray::number(actual, 'g', 12) + " vs " + QByteArray::number(expected, 'g', 12);
}

} // namespace

class TestSampleDeriver : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }

    void rates_data()
    {
        QTest::addColumn<double>("seconds");
        QTest::addColumn<double>("commits");
        QTest::addColumn<double>("rollbacks");
        QTest::addColumn<double>("hits");
        QTest::addColumn<double>("reads");
        QTest::addColumn<double>("tempBytes");
        QTest::addColumn<double>("tps");
        QTest::addColumn<double>("rollbacksPerSecond");
        QTest::addColumn<double>("tempBytesPerSecond");
        QTest::addColumn<double>("cacheHitRatio"); // -1: no ratio (nothing was read or hit)

        QTest::newRow("1 s interval") << 1.0 << 250.0 << 2.0 << 900.0 << 100.0 << 8192.0 << 250.0 << 2.0 << 8192.0
                                      << 0.9;
        QTest::newRow("5 s interval") << 5.0 << 500.0 << 5.0 << 4750.0 << 250.0 << 0.0 << 100.0 << 1.0 << 0.0 << 0.95;
        QTest::newRow("2.5 s interval, every block read from disk")
            << 2.5 << 1000.0 << 0.0 << 0.0 << 40.0 << 1048576.0 << 400.0 << 0.0 << 419430.4 << 0.0;
        QTest::newRow("all blocks from cache") << 4.0 << 2.0 << 0.0 << 800.0 << 0.0 << 0.0 << 0.5 << 0.0 << 0.0 << 1.0;
        QTest::newRow("nothing happened: rates are zero, the ratio is unknown")
            << 5.0 << 0.0 << 0.0 << 0.0 << 0.0 << 0.0 << 0.0 << 0.0 << 0.0 << -1.0;
    }

    void rates()
    {
        QFETCH(double, seconds);
        QFETCH(double, commits);
        QFETCH(double, rollbacks);
        QFETCH(double, hits);
        QFETCH(double, reads);
        QFETCH(double, tempBytes);
        QFETCH(double, tps);
        QFETCH(double, rollbacksPerSecond);
        QFETCH(double, tempBytesPerSecond);
        QFETCH(double, cacheHitRatio);

        Snapshot from = tick(100.0);
        from.db.xactCommit = 123456.0;
        from.db.xactRollback = 17.0;
        from.db.blksHit = 1e6;
        from.db.blksRead = 5e4;
        from.db.tempBytes = 4096.0;
        Snapshot to = tick(100.0 + seconds);
        to.db.xactCommit = *from.db.xactCommit + commits;
        to.db.xactRollback = *from.db.xactRollback + rollbacks;
        to.db.blksHit = *from.db.blksHit + hits;
        to.db.blksRead = *from.db.blksRead + reads;
        to.db.tempBytes = *from.db.tempBytes + tempBytes;

        const Snapshot ticks[] = { from, to };
        const Sample sample = SampleDeriver::derive(ticks);
        QVERIFY(sample.valid);
        QCOMPARE(sample.tStart, 100.0);
        QCOMPARE(sample.tEnd, 100.0 + seconds);
        QVERIFY(near(sample.seconds(), seconds, 1e-9));
        QVERIFY(sample.tps);
        QVERIFY2(near(*sample.tps, tps, 1e-9), describe(*sample.tps, tps).constData());
        QVERIFY(sample.rollbacksPerSecond);
        QVERIFY(near(*sample.rollbacksPerSecond, rollbacksPerSecond, 1e-9));
        QVERIFY(sample.tempBytesPerSecond);
        QVERIFY2(near(*sample.tempBytesPerSecond, tempBytesPerSecond, 1e-6),
            describe(*sample.tempBytesPerSecond, tempBytesPerSecond).constData());
        if (cacheHitRatio < 0) {
            QVERIFY(!sample.cacheHitRatio);
        } else {
            QVERIFY(sample.cacheHitRatio);
            QVERIFY2(near(*sample.cacheHitRatio, cacheHitRatio, 1e-12),
                describe(*sample.cacheHitRatio, cacheHitRatio).constData());
        }
        // No pg_stat_statements in these ticks: no statement metrics, and that is not "zero queries".
        QVERIFY(!sample.qps);
        QVERIFY(!sample.latencyMeanMs);
        QVERIFY(!sample.latencyP95Ms);
        QVERIFY(sample.statements.empty());
    }

    void statementInterval_data()
    {
        QTest::addColumn<double>("callsBefore");
        QTest::addColumn<double>("totalBefore");
        QTest::addColumn<double>("meanBefore");
        QTest::addColumn<double>("stddevBefore");
        QTest::addColumn<double>("callsAfter");
        QTest::addColumn<double>("totalAfter");
        QTest::addColumn<double>("meanAfter");
        QTest::addColumn<double>("stddevAfter");
        QTest::addColumn<double>("calls");
        QTest::addColumn<double>("mean");
        QTest::addColumn<double>("variance");

        // Calls of 1 and 3 ms (mean 2, population stddev 1), then calls of 5, 7 and 9 ms: over all five calls mean 5,
        // variance 8. The interval's three calls have mean 7 and variance ((5-7)^2 + 0 + (9-7)^2) / 3 = 8/3.
        QTest::newRow("two batches: {1,3} then {5,7,9}")
            << 2.0 << 4.0 << 2.0 << 1.0 << 5.0 << 25.0 << 5.0 << std::sqrt(8.0) << 3.0 << 7.0 << 8.0 / 3.0;
        // 100 calls of exactly 1 ms, then 10 of exactly 11 ms: the cumulative stddev is large, the interval's is zero.
        QTest::newRow("uniform slow batch after a fast history")
            << 100.0 << 100.0 << 1.0 << 0.0 << 110.0 << 210.0 << 210.0 / 110.0
            << std::sqrt(1310.0 / 110.0 - (210.0 / 110.0) * (210.0 / 110.0)) << 10.0 << 11.0 << 0.0;
        QTest::newRow("identical calls have no variance")
            << 10.0 << 20.0 << 2.0 << 0.0 << 30.0 << 60.0 << 2.0 << 0.0 << 20.0 << 2.0 << 0.0;
        // The reported mean is rounded, so E[x^2] - E[x]^2 comes out slightly negative: it is clamped to zero.
        QTest::newRow("rounding below zero is clamped")
            << 2.0 << 4.0 << 2.0 << 0.0 << 4.0 << 8.0001 << 2.0 << 0.0 << 2.0 << 2.00005 << 0.0;
        // Calls of 2 and 4 ms (mean 3, stddev 1), then one call of 12 ms: sumsq goes from 2*(1+9) = 20 to
        // 20 + 144 = 164 = 3*(stddev^2 + 6^2). One call alone has no spread.
        QTest::newRow("a single call has no variance")
            << 2.0 << 6.0 << 3.0 << 1.0 << 3.0 << 18.0 << 6.0 << std::sqrt(164.0 / 3.0 - 36.0) << 1.0 << 12.0 << 0.0;
    }

    void statementInterval()
    {
        QFETCH(double, callsBefore);
        QFETCH(double, totalBefore);
        QFETCH(double, meanBefore);
        QFETCH(double, stddevBefore);
        QFETCH(double, callsAfter);
        QFETCH(double, totalAfter);
        QFETCH(double, meanAfter);
        QFETCH(double, stddevAfter);
        QFETCH(double, calls);
        QFETCH(double, mean);
        QFETCH(double, variance);

        const qint64 id = Q_INT64_C(-4242);
        const Snapshot ticks[]
            = { tickWith(10.0, { statement(id, callsBefore, totalBefore, meanBefore, stddevBefore) }),
                  tickWith(12.0, { statement(id, callsAfter, totalAfter, meanAfter, stddevAfter) }) };
        const Sample sample = SampleDeriver::derive(ticks);
        QVERIFY(sample.valid);
        QVERIFY(!sample.statementsReset);
        QCOMPARE(sample.statements.size(), std::size_t(1));
        const StatementInterval *s = sample.statement(id);
        QVERIFY(s);
        QCOMPARE(s->queryId, id);
        QCOMPARE(s->calls, calls);
        QVERIFY2(near(s->meanMs, mean, 1e-9), describe(s->meanMs, mean).constData());
        QVERIFY2(near(s->varianceMs2, variance, 1e-6), describe(s->varianceMs2, variance).constData());
        QVERIFY(s->varianceMs2 >= 0);
        QVERIFY(!s->blocksPerCall); // no buffer columns in these rows
        QVERIFY(!s->readsPerCall);

        QVERIFY(sample.qps);
        QVERIFY(near(*sample.qps, calls / 2.0, 1e-9));
        QVERIFY(sample.latencyMeanMs);
        QVERIFY(near(*sample.latencyMeanMs, mean, 1e-9));
        QVERIFY(sample.latencyP95Ms);
        QVERIFY(sample.latencyP99Ms);
        QVERIFY(*sample.latencyP99Ms >= *sample.latencyP95Ms);
        if (variance == 0) // a point mass: its percentiles are its mean
            QVERIFY2(near(*sample.latencyP95Ms, mean, 0.01 * mean), describe(*sample.latencyP95Ms, mean).constData());
    }

    void mixOfStatements()
    {
        // Statement 1: 300 calls at 1 ms in the interval; statement 2: 100 calls at 20 ms (variance 16).
        StatementCounters slowAfter = statement(2, 150, 100 * 20.0 + 50 * 20.0, 20.0, 4.0);
        const Snapshot ticks[] = { tickWith(0.0, { uniform(1, 1000, 1.0), statement(2, 50, 1000.0, 20.0, 4.0) }),
            tickWith(4.0, { uniform(1, 1300, 1.0), slowAfter }) };
        const Sample sample = SampleDeriver::derive(ticks);
        QVERIFY(sample.valid);
        QCOMPARE(sample.statements.size(), std::size_t(2));
        QCOMPARE(sample.statements[0].queryId, Q_INT64_C(1));
        QCOMPARE(sample.statements[1].queryId, Q_INT64_C(2));
        QCOMPARE(sample.statement(1)->calls, 300.0);
        QCOMPARE(sample.statement(2)->calls, 100.0);
        QVERIFY(near(sample.statement(2)->meanMs, 20.0, 1e-9));
        QVERIFY(near(sample.statement(2)->varianceMs2, 16.0, 1e-6));

        QVERIFY(sample.qps);
        QVERIFY(near(*sample.qps, 100.0, 1e-9)); // 400 calls in 4 s
        QVERIFY(sample.latencyMeanMs);
        QVERIFY(near(*sample.latencyMeanMs, (300 * 1.0 + 100 * 20.0) / 400, 1e-9)); // call-weighted

        const LatencyDistribution::Component parts[] = { { 300, 1.0, 0.0 }, { 100, 20.0, 16.0 } };
        const LatencyDistribution expected(parts);
        QVERIFY(sample.latencyP95Ms);
        QVERIFY(sample.latencyP99Ms);
        QVERIFY2(near(*sample.latencyP95Ms, expected.quantile(0.95), 1e-9 * expected.quantile(0.95)),
            describe(*sample.latencyP95Ms, expected.quantile(0.95)).constData());
        QVERIFY(near(*sample.latencyP99Ms, expected.quantile(0.99), 1e-9 * expected.quantile(0.99)));
        // A quarter of the calls are slow, so p95 sits well inside the slow statement, far above the mean.
        QVERIFY(*sample.latencyP95Ms > 15.0);
        QVERIFY(*sample.latencyP95Ms < 30.0);
    }

    void blocksPerCall_data()
    {
        QTest::addColumn<bool>("blocksBefore");
        QTest::addColumn<bool>("blocksAfter");
        QTest::addColumn<double>("hitAfter");
        QTest::addColumn<double>("blocksPerCall"); // -1: unknown
        QTest::addColumn<double>("readsPerCall");

        QTest::newRow("both ticks have buffer columns") << true << true << 160.0 << 20.0 << 5.0;
        QTest::newRow("opening tick lacks them") << false << true << 160.0 << -1.0 << -1.0;
        QTest::newRow("closing tick lacks them") << true << false << 160.0 << -1.0 << -1.0;
        QTest::newRow("buffer hits went down") << true << true << 90.0 << -1.0 << -1.0;
    }

    void blocksPerCall()
    {
        QFETCH(bool, blocksBefore);
        QFETCH(bool, blocksAfter);
        QFETCH(double, hitAfter);
        QFETCH(double, blocksPerCall);
        QFETCH(double, readsPerCall);

        StatementCounters before = uniform(9, 10, 2.0);
        before.hasBlocks = blocksBefore;
        before.sharedBlksHit = blocksBefore ? 100 : 0;
        before.sharedBlksRead = blocksBefore ? 10 : 0;
        StatementCounters after = uniform(9, 14, 2.0);
        after.hasBlocks = blocksAfter;
        after.sharedBlksHit = blocksAfter ? hitAfter : 0;
        after.sharedBlksRead = blocksAfter ? 30 : 0;
        const Snapshot ticks[] = { tickWith(0, { before }), tickWith(1, { after }) };
        const Sample sample = SampleDeriver::derive(ticks);

        const StatementInterval *s = sample.statement(9);
        QVERIFY(s);
        QCOMPARE(s->calls, 4.0);
        QCOMPARE(s->blocksPerCall.has_value(), blocksPerCall >= 0);
        QCOMPARE(s->readsPerCall.has_value(), readsPerCall >= 0);
        if (blocksPerCall >= 0) {
            QCOMPARE(*s->blocksPerCall, blocksPerCall); // (60 hits + 20 reads) / 4 calls
            QCOMPARE(*s->readsPerCall, readsPerCall); // 20 reads / 4 calls
        }
    }

    void averagesOverTicksAfterTheFirst()
    {
        // The opening tick belongs to the previous interval: its readings (1000, 99, ...) must not count.
        Snapshot t0 = tick(0);
        t0.activity.total = 1000;
        t0.activity.active = 1000;
        t0.activity.idle = 1000;
        t0.activity.idleInTransaction = 1000;
        t0.activity.waiting = 1000;
        t0.activity.maxConnections = 1000;
        t0.host.cpuPct = 99;
        t0.host.memPct = 50;
        t0.host.load1 = 40;

        Snapshot t1 = tick(1);
        t1.activity = { 10.0, 2.0, 8.0, 0.0, 0.0, 100.0 };
        t1.host.cpuPct = 10;
        t1.host.load1 = 1;
        Snapshot t2 = tick(2); // this tick could read neither sessions nor the host
        Snapshot t3 = tick(3);
        t3.activity = { 30.0, 4.0, 24.0, 2.0, 0.0, 100.0 };
        t3.host.cpuPct = 50;
        t3.host.load1 = 3;

        const Snapshot ticks[] = { t0, t1, t2, t3 };
        const Sample sample = SampleDeriver::derive(ticks);
        QVERIFY(sample.valid);
        QCOMPARE(sample.seconds(), 3.0);
        QCOMPARE(sample.sessionsTotal.value_or(-1), 20.0);
        QCOMPARE(sample.sessionsActive.value_or(-1), 3.0);
        QCOMPARE(sample.sessionsIdle.value_or(-1), 16.0);
        QCOMPARE(sample.sessionsIdleInTransaction.value_or(-1), 1.0);
        QVERIFY(sample.sessionsWaiting); // known to be zero is not unknown
        QCOMPARE(*sample.sessionsWaiting, 0.0);
        QCOMPARE(sample.maxConnections.value_or(-1), 100.0);
        QCOMPARE(sample.cpuPct.value_or(-1), 30.0);
        QCOMPARE(sample.load1.value_or(-1), 2.0);
        QVERIFY(!sample.memPct); // only the opening tick had it
    }

    void theProbeIsTheMedianOfTheTicksAfterTheFirst()
    {
        // One tick whose round trips met a late wake-up (0.9 ms) does not make the machine slow; the opening tick
        // (5 ms) belongs to the previous interval; a tick without a probe is left out, not read as 0.
        std::vector<Snapshot> ticks;
        const std::optional<double> probes[] = { 5.0, 0.05, 0.9, std::nullopt, 0.06, 0.04 };
        for (int i = 0; i < 6; ++i) {
            ticks.push_back(tick(i));
            ticks.back().probeMs = probes[i];
        }
        QCOMPARE(SampleDeriver::derive(ticks).probeMs.value_or(-1), 0.06);
        // The CPU probe the same way.
        for (int i = 0; i < 6; ++i)
            ticks[std::size_t(i)].cpuProbeMs = probes[i] ? std::optional(*probes[i] * 20) : std::nullopt;
        QCOMPARE(SampleDeriver::derive(ticks).cpuProbeMs.value_or(-1), 1.2);
        for (Snapshot &t : ticks) {
            t.probeMs.reset();
            t.cpuProbeMs.reset();
        }
        QVERIFY(!SampleDeriver::derive(ticks).probeMs);
        QVERIFY(!SampleDeriver::derive(ticks).cpuProbeMs);
    }

    void theStorageWaitIsTheLongestOfTheTicksAfterTheFirst()
    {
        // A stall is one long wait however quick the writes around it: the longest counts, not the median. The
        // opening tick (900 ms) belongs to the previous interval; a tick without the probe is left out.
        std::vector<Snapshot> ticks;
        const std::optional<double> waits[] = { 900.0, 0.5, 1400.0, std::nullopt, 0.7, 0.6 };
        for (int i = 0; i < 6; ++i) {
            ticks.push_back(tick(i));
            ticks.back().host.storageWaitMs = waits[i];
        }
        QCOMPARE(SampleDeriver::derive(ticks).storageWaitMs.value_or(-1), 1400.0);
        ticks[2].host.storageWaitMs = 0.4;
        QCOMPARE(SampleDeriver::derive(ticks).storageWaitMs.value_or(-1), 0.7);
        for (Snapshot &t : ticks)
            t.host.storageWaitMs.reset();
        QVERIFY(!SampleDeriver::derive(ticks).storageWaitMs);
    }

    void sessionClocksPerTransaction()
    {
        // 300 commits and 100 rollbacks over the interval, 200 ms active and 120 ms idle in transaction: 0.5 ms in
        // the server and 0.3 ms of round trips per transaction, whatever the ticks in between read.
        Snapshot t0 = tick(0);
        t0.db.xactCommit = 1000;
        t0.db.xactRollback = 10;
        t0.db.activeTimeMs = 5000;
        t0.db.idleInTransactionTimeMs = 700;
        t0.activity.dbBlockedByOthers = 0;
        t0.wal.records = 100;
        t0.wal.fullPageImages = 10;
        t0.longRunningQueryIds = { 7 };
        Snapshot t1 = tick(1);
        t1.activity.dbActive = 2;
        t1.activity.dbBlockedByOthers = 3;
        t1.host.procsRunning = 4;
        Snapshot t2 = tick(2);
        t2.db.xactCommit = 1300;
        t2.db.xactRollback = 110;
        t2.db.activeTimeMs = 5200;
        t2.db.idleInTransactionTimeMs = 820;
        t2.activity.dbActive = 4;
        t2.host.procsRunning = 6;
        t2.wal.records = 300;
        t2.wal.fullPageImages = 110;
        t2.longRunningQueryIds = { 9, 7 };
        const Snapshot ticks[] = { t0, t1, t2 };
        const Sample sample = SampleDeriver::derive(ticks);
        QCOMPARE(sample.serverMsPerTransaction.value_or(-1), 0.5);
        QCOMPARE(sample.idleInTransactionMsPerTransaction.value_or(-1), 0.3);
        QCOMPARE(sample.workloadActive.value_or(-1), 3.0);
        QCOMPARE(sample.procsRunning.value_or(-1), 5.0);
        QCOMPARE(sample.blockedByOthers.value_or(-1), 3.0); // the most at any tick, the opening one included
        QCOMPARE(sample.walFullPageShare.value_or(-1), 0.5);
        QCOMPARE(sample.longRunningQueryIds, (std::vector<qint64> { 7, 9 }));

        // A counter that went backwards (statistics reset) leaves the ratio unknown, not negative.
        Snapshot reset = t2;
        reset.db.activeTimeMs = 10;
        const Snapshot resetTicks[] = { t0, reset };
        QVERIFY(!SampleDeriver::derive(resetTicks).serverMsPerTransaction);
    }

    void statementReset_data()
    {
        QTest::addColumn<double>("callsAfter");
        QTest::addColumn<double>("totalAfter");

        QTest::newRow("calls went down") << 3.0 << 3.0;
        QTest::newRow("total time went down") << 600.0 << 100.0;
        QTest::newRow("both went down to zero") << 0.0 << 0.0;
    }

    void statementReset()
    {
        QFETCH(double, callsAfter);
        QFETCH(double, totalAfter);

        const Snapshot ticks[] = { tickWith(0, { uniform(1, 500, 1.0), uniform(2, 200, 3.0) }),
            tickWith(5, { statement(1, callsAfter, totalAfter, 1.0, 0.0), uniform(2, 250, 3.0) }) };
        const Sample sample = SampleDeriver::derive(ticks);
        QVERIFY(sample.valid);
        QVERIFY(sample.statementsReset);
        QVERIFY(!sample.statement(1));
        QCOMPARE(sample.statements.size(), std::size_t(1));
        QVERIFY(sample.statement(2));
        QCOMPARE(sample.statement(2)->calls, 50.0);
        // Only the statement with a real interval counts: 50 calls in 5 s, all at 3 ms.
        QCOMPARE(sample.qps.value_or(-1), 10.0);
        QVERIFY(sample.latencyMeanMs);
        QVERIFY(near(*sample.latencyMeanMs, 3.0, 1e-9));
    }

    void wholesaleReset()
    {
        // pg_stat_statements_reset(): four rows become one new row.
        const Snapshot ticks[]
            = { tickWith(0, { uniform(1, 10, 1), uniform(2, 10, 1), uniform(3, 10, 1), uniform(4, 10, 1) }),
                  tickWith(5, { uniform(5, 2, 1) }) };
        const Sample sample = SampleDeriver::derive(ticks);
        QVERIFY(sample.valid);
        QVERIFY(sample.statementsReset);
        QVERIFY(sample.statements.empty());
        QVERIFY(!sample.latencyP95Ms);
    }

    void statementsAppearingAndVanishing()
    {
        // 3 is evicted (only at the start), 4 is new (only at the end): neither has an interval of its own.
        const Snapshot ticks[] = { tickWith(0, { uniform(1, 100, 1), uniform(2, 100, 2), uniform(3, 100, 3) }),
            tickWith(2, { uniform(1, 120, 1), uniform(2, 110, 2), uniform(4, 500, 4) }) };
        const Sample sample = SampleDeriver::derive(ticks);
        QVERIFY(sample.valid);
        QVERIFY(!sample.statementsReset); // one eviction is no reset
        QCOMPARE(sample.statements.size(), std::size_t(2));
        QVERIFY(sample.statement(1));
        QVERIFY(sample.statement(2));
        QVERIFY(!sample.statement(3));
        QVERIFY(!sample.statement(4));
        QCOMPARE(sample.qps.value_or(-1), 15.0); // (20 + 10) calls / 2 s
        QVERIFY(sample.latencyMeanMs);
        QVERIFY(near(*sample.latencyMeanMs, (20 * 1.0 + 10 * 2.0) / 30, 1e-9));
    }

    void dbCounterReset_data()
    {
        QTest::addColumn<QString>("counter");

        QTest::newRow("xact_commit went down") << QStringLiteral("xact_commit");
        QTest::newRow("xact_rollback went down") << QStringLiteral("xact_rollback");
        QTest::newRow("blks_hit went down") << QStringLiteral("blks_hit");
        QTest::newRow("blks_read went down") << QStringLiteral("blks_read");
        QTest::newRow("temp_bytes went down") << QStringLiteral("temp_bytes");
    }

    void dbCounterReset()
    {
        QFETCH(QString, counter);

        Snapshot from = tick(0);
        from.db.xactCommit = 1000;
        from.db.xactRollback = 10;
        from.db.blksHit = 9000;
        from.db.blksRead = 1000;
        from.db.tempBytes = 4096;
        Snapshot to = tick(5);
        to.db.xactCommit = 1500;
        to.db.xactRollback = 20;
        to.db.blksHit = 9900;
        to.db.blksRead = 1100;
        to.db.tempBytes = 8192;
        std::optional<double> *restarted = counter == QLatin1StringView("xact_commit") ? &to.db.xactCommit
            : counter == QLatin1StringView("xact_rollback")                            ? &to.db.xactRollback
            : counter == QLatin1StringView("blks_hit")                                 ? &to.db.blksHit
            : counter == QLatin1StringView("blks_read")                                ? &to.db.blksRead
                                                                                       : &to.db.tempBytes;
        *restarted = 3.0; // restarted from zero during the interval

        const Snapshot ticks[] = { from, to };
        const Sample sample = SampleDeriver::derive(ticks);
        QVERIFY(sample.valid);
        const bool commitReset = counter == QLatin1StringView("xact_commit");
        const bool rollbackReset = counter == QLatin1StringView("xact_rollback");
        const bool cacheReset = counter.startsWith(QLatin1StringView("blks_"));
        const bool tempReset = counter == QLatin1StringView("temp_bytes");
        QCOMPARE(sample.tps.has_value(), !commitReset);
        QCOMPARE(sample.rollbacksPerSecond.has_value(), !rollbackReset);
        QCOMPARE(sample.cacheHitRatio.has_value(), !cacheReset);
        QCOMPARE(sample.tempBytesPerSecond.has_value(), !tempReset);
        // The counters that did not restart keep their rates.
        if (!commitReset)
            QCOMPARE(*sample.tps, 100.0);
        if (!rollbackReset)
            QCOMPARE(*sample.rollbacksPerSecond, 2.0);
        if (!cacheReset)
            QCOMPARE(*sample.cacheHitRatio, 0.9);
        if (!tempReset)
            QCOMPARE(*sample.tempBytesPerSecond, 819.2);
    }

    void counterResetInsideTheInterval_data()
    {
        QTest::addColumn<bool>("database");

        QTest::newRow("xact_commit restarted in a middle tick") << true;
        QTest::newRow("statement calls restarted in a middle tick") << false;
    }

    void counterResetInsideTheInterval()
    {
        QFETCH(bool, database);

        // The counters restart at t=1 and by t=5 have climbed past their value at t=0. The middle tick shows the
        // restart; differencing only the ends yields a plausible-looking but wrong rate.
        Snapshot t0 = tickWith(0, { uniform(1, 100, 1.0) });
        Snapshot t1 = tickWith(1, { uniform(1, database ? 150 : 5, 1.0) });
        Snapshot t5 = tickWith(5, { uniform(1, database ? 350 : 120, 1.0) });
        t0.db.xactCommit = 100;
        t1.db.xactCommit = database ? 5 : 150;
        t5.db.xactCommit = database ? 120 : 350;

        const Snapshot ticks[] = { t0, t1, t5 };
        const Sample sample = SampleDeriver::derive(ticks);
        QVERIFY(sample.valid);
        if (database) {
            QVERIFY2(!sample.tps, qPrintable(QString::number(sample.tps.value_or(-1))));
            QCOMPARE(sample.statement(1)->calls, 250.0); // the statement itself was fine
        } else {
            QCOMPARE(sample.tps.value_or(-1), 50.0);
            QVERIFY(sample.statementsReset);
            QVERIFY(!sample.statement(1));
        }
    }

    void intervalWithoutCalls()
    {
        const Snapshot ticks[] = { tickWith(0, { uniform(1, 100, 1), uniform(2, 7, 5) }),
            tickWith(5, { uniform(1, 100, 1), uniform(2, 7, 5) }) };
        const Sample sample = SampleDeriver::derive(ticks);
        QVERIFY(sample.valid);
        QVERIFY(sample.qps); // known: nothing ran
        QCOMPARE(*sample.qps, 0.0);
        QVERIFY(!sample.latencyMeanMs);
        QVERIFY(!sample.latencyP95Ms);
        QVERIFY(!sample.latencyP99Ms);
        QVERIFY(sample.statements.empty());
        QVERIFY(!sample.statementsReset);
    }

    void missingFieldsStayEmpty_data()
    {
        QTest::addColumn<bool>("atStart"); // which end lacks every field

        QTest::newRow("opening tick knows nothing") << true;
        QTest::newRow("closing tick knows nothing") << false;
    }

    void missingFieldsStayEmpty()
    {
        QFETCH(bool, atStart);

        Snapshot full = tick(atStart ? 5 : 0);
        full.db = { 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0 };
        Snapshot empty = tick(atStart ? 0 : 5);
        const Snapshot ticks[] = { atStart ? empty : full, atStart ? full : empty };
        const Sample sample = SampleDeriver::derive(ticks);
        QVERIFY(sample.valid); // the interval exists; its metrics are unknown
        QCOMPARE(sample.seconds(), 5.0);
        QVERIFY(!sample.tps);
        QVERIFY(!sample.rollbacksPerSecond);
        QVERIFY(!sample.qps);
        QVERIFY(!sample.latencyMeanMs);
        QVERIFY(!sample.latencyP95Ms);
        QVERIFY(!sample.latencyP99Ms);
        QVERIFY(!sample.cacheHitRatio);
        QVERIFY(!sample.tempBytesPerSecond);
        QVERIFY(!sample.sessionsTotal);
        QVERIFY(!sample.sessionsActive);
        QVERIFY(!sample.sessionsIdle);
        QVERIFY(!sample.sessionsIdleInTransaction);
        QVERIFY(!sample.sessionsWaiting);
        QVERIFY(!sample.maxConnections);
        QVERIFY(!sample.cpuPct);
        QVERIFY(!sample.memPct);
        QVERIFY(!sample.load1);
        QVERIFY(sample.statements.empty());
    }

    void statementsUnreadable_data()
    {
        QTest::addColumn<bool>("readableAtStart");
        QTest::addColumn<bool>("readableAtEnd");

        QTest::newRow("unreadable at the start") << false << true;
        QTest::newRow("unreadable at the end") << true << false;
        QTest::newRow("unreadable at both ends") << false << false;
    }

    void statementsUnreadable()
    {
        QFETCH(bool, readableAtStart);
        QFETCH(bool, readableAtEnd);

        Snapshot from = tickWith(0, { uniform(1, 100, 1) });
        Snapshot to = tickWith(5, { uniform(1, 200, 1) });
        from.hasStatements = readableAtStart;
        to.hasStatements = readableAtEnd;
        from.db.xactCommit = 0;
        to.db.xactCommit = 50;
        const Snapshot ticks[] = { from, to };
        const Sample sample = SampleDeriver::derive(ticks);
        QVERIFY(sample.valid);
        QCOMPARE(sample.tps.value_or(-1), 10.0); // the database row is unaffected
        QVERIFY(!sample.qps);
        QVERIFY(!sample.latencyMeanMs);
        QVERIFY(!sample.latencyP95Ms);
        QVERIFY(!sample.latencyP99Ms);
        QVERIFY(sample.statements.empty());
        QVERIFY(!sample.statementsReset);
    }

    void notAnInterval_data()
    {
        QTest::addColumn<std::vector<double>>("times");

        QTest::newRow("no ticks") << std::vector<double> {};
        QTest::newRow("one tick") << std::vector<double> { 3.0 };
        QTest::newRow("two ticks at the same time") << std::vector<double> { 3.0, 3.0 };
        QTest::newRow("closing tick before the opening one") << std::vector<double> { 3.0, 2.0 };
    }

    void notAnInterval()
    {
        QFETCH(std::vector<double>, times);

        std::vector<Snapshot> ticks;
        double commits = 0;
        for (const double t : times) {
            Snapshot s = tickWith(t, { uniform(1, 10 + commits, 1) });
            s.db.xactCommit = commits += 100;
            s.host.cpuPct = 50;
            ticks.push_back(s);
        }
        const Sample sample = SampleDeriver::derive(ticks);
        QVERIFY(!sample.valid);
        QVERIFY(!sample.tps);
        QVERIFY(!sample.qps);
        QVERIFY(!sample.latencyP95Ms);
        QVERIFY(!sample.cpuPct);
        QVERIFY(sample.statements.empty());
    }

    void statementLookup_data()
    {
        QTest::addColumn<qint64>("queryId");
        QTest::addColumn<double>("calls"); // -1: not in the sample

        QTest::newRow("first") << Q_INT64_C(-9000000000000000000) << 1.0;
        QTest::newRow("middle") << Q_INT64_C(7) << 2.0;
        QTest::newRow("last") << Q_INT64_C(9000000000000000000) << 3.0;
        QTest::newRow("below the first") << std::numeric_limits<qint64>::min() << -1.0;
        QTest::newRow("between two") << Q_INT64_C(8) << -1.0;
        QTest::newRow("above the last") << std::numeric_limits<qint64>::max() << -1.0;
    }

    void statementLookup()
    {
        QFETCH(qint64, queryId);
        QFETCH(double, calls);

        Sample sample;
        sample.statements = { { Q_INT64_C(-9000000000000000000), 1.0, 0.1, 0, {}, {} }, { 7, 2.0, 0.2, 0, {}, {} },
            { Q_INT64_C(9000000000000000000), 3.0, 0.3, 0, {}, {} } };
        const StatementInterval *s = sample.statement(queryId);
        if (calls < 0) {
            QVERIFY(!s);
        } else {
            QVERIFY(s);
            QCOMPARE(s->queryId, queryId);
            QCOMPARE(s->calls, calls);
        }
        QVERIFY(!Sample().statement(queryId)); // an empty sample has none
    }
};

QTEST_GUILESS_MAIN(TestSampleDeriver)
#include "tst_samplederiver.moc"
