// SPDX-License-Identifier: MIT
// Target (issue 2): deriving one Sample from two snapshots of 5,000 statements in under 2 ms.
#include "metrics/samplederiver.h"

#include <QTest>

#include <random>

using namespace vigil;

namespace {

/// Two ticks 5 s apart of a server with `count` statements of varied speed and popularity.
std::vector<Snapshot> twoTicks(int count)
{
    std::mt19937_64 random(42);
    std::lognormal_distribution<double> meanMs(-2.0, 1.5);
    std::exponential_distribution<double> popularity(1.0);
    Snapshot a;
    Snapshot b;
    a.t = 100;
    b.t = 105;
    a.hasStatements = b.hasStatements = true;
    for (int i = 0; i < count; ++i) {
        StatementCounters s;
        s.queryId = qint64(random());
        s.calls = 1e6 * popularity(random);
        s.meanExecMs = meanMs(random);
        s.stddevExecMs = s.meanExecMs * 0.5;
        s.totalExecMs = s.calls * s.meanExecMs;
        s.rows = s.calls;
        s.hasBlocks = true;
        s.sharedBlksHit = 4 * s.calls;
        s.sharedBlksRead = 0.1 * s.calls;
        a.statements.push_back(s);
        StatementCounters later = s;
        const double newCalls = 500 * popularity(random);
        later.calls += newCalls;
        later.totalExecMs += newCalls * s.meanExecMs * 1.1;
        later.meanExecMs = later.totalExecMs / later.calls;
        later.sharedBlksHit += 4 * newCalls;
        b.statements.push_back(later);
    }
    auto byId = [](const StatementCounters &x, const StatementCounters &y) { return x.queryId < y.queryId; };
    std::sort(a.statements.begin(), a.statements.end(), byId);
    std::sort(b.statements.begin(), b.statements.end(), byId);
    a.db.xactCommit = 1e6;
    b.db.xactCommit = 1e6 + 3000;
    return { a, b };
}

} // namespace

class BenchDerivation : public QObject
{
    Q_OBJECT

private slots:
    void deriveSample_data()
    {
        QTest::addColumn<int>("statements");
        QTest::newRow("100 statements") << 100;
        QTest::newRow("5000 statements") << 5000;
    }

    void deriveSample()
    {
        QFETCH(int, statements);
        const std::vector<Snapshot> ticks = twoTicks(statements);
        Sample sample;
        QBENCHMARK
        {
            sample = SampleDeriver::derive(ticks);
        }
        QVERIFY(sample.latencyP95Ms.has_value());
        QCOMPARE(int(sample.statements.size()), statements);
    }
};

QTEST_GUILESS_MAIN(BenchDerivation)
#include "bench_derivation.moc"
