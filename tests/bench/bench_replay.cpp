// SPDX-License-Identifier: MIT
// Target (issue 2): replaying a 300-tick trace in under 100 ms (reading the file and deciding every action).
#include "collect/tracereader.h"
#include "guard/tracereplayer.h"

#include <QBuffer>
#include <QTest>

#include <cmath>

using namespace vigil;

namespace {

/// A 300-tick, 1 s trace shaped like the recorded ones: 11 statements with buffer columns, one action at t=150.
QByteArray syntheticTrace(int ticks)
{
    QByteArray out = R"({"type":"header","format":"vigil-trace/1","interval_s":1.0,"server_version":"15.18",)"
                     R"("workload":"synthetic","statements":{"1":"SELECT 1"}})"
                     "\n";
    double calls[11] = {};
    double total[11] = {};
    double commits = 1e6;
    for (int t = 0; t < ticks; ++t) {
        QByteArray pgss;
        for (int q = 0; q < 11; ++q) {
            const double mean = 0.02 * (q + 1) * (t > 150 ? 1.3 : 1.0) * (1.0 + 0.05 * std::sin(t * 0.7 + q));
            calls[q] += 300 + 20 * q;
            total[q] += (300 + 20 * q) * mean;
            pgss += (q ? "," : "") + QByteArray("[\"") + QByteArray::number(1000 + q) + "\","
                + QByteArray::number(calls[q], 'f', 0) + ',' + QByteArray::number(total[q], 'f', 6) + ','
                + QByteArray::number(total[q] / calls[q], 'f', 6) + ",0.01," + QByteArray::number(calls[q], 'f', 0)
                + ',' + QByteArray::number(4 * calls[q], 'f', 0) + ",3,0]";
        }
        commits += 600;
        out += R"({"type":"sample","t":)" + QByteArray::number(t, 'f', 3) + R"(,"pgss":[)" + pgss
            + R"(],"db":{"xact_commit":)" + QByteArray::number(commits, 'f', 0)
            + R"(,"xact_rollback":1,"blks_hit":100,"blks_read":1},"act":{"total":5,"active":1,"idle":4,)"
              R"("idle_in_transaction":0,"waiting":0,"max_connections":100},"sys":{"cpu_pct":30,"mem_pct":5,"load1":1}})"
              "\n";
        if (t == 150)
            out += R"({"type":"action","t":150.2,"id":"a1","kind":"set_parameter","apply_sql":"SELECT 1",)"
                   R"("rollback_sql":"SELECT 2","finished_t":150.3})"
                   "\n";
    }
    return out;
}

} // namespace

class BenchReplay : public QObject
{
    Q_OBJECT

private slots:
    void readAndReplay300Ticks()
    {
        QByteArray bytes = syntheticTrace(300);
        std::vector<ReplayedAction> results;
        QBENCHMARK
        {
            QBuffer buffer(&bytes);
            buffer.open(QIODevice::ReadOnly);
            TraceReader reader;
            const std::optional<Trace> trace = reader.read(buffer);
            results = TraceReplayer(GuardPolicy {}, DegradationDetector::Kind::Vigil).replay(*trace);
        }
        QCOMPARE(results.size(), std::size_t(1));
        QVERIFY(results.front().verdict.isRollback()); // the synthetic action adds 30 % to every statement
    }

    void replayOnly300Ticks()
    {
        QByteArray bytes = syntheticTrace(300);
        QBuffer buffer(&bytes);
        buffer.open(QIODevice::ReadOnly);
        TraceReader reader;
        const std::optional<Trace> trace = reader.read(buffer);
        QVERIFY(trace);
        QCOMPARE(int(trace->snapshots.size()), 300);
        std::vector<ReplayedAction> results;
        QBENCHMARK
        {
            results = TraceReplayer(GuardPolicy {}, DegradationDetector::Kind::Vigil).replay(*trace);
        }
        QCOMPARE(results.size(), std::size_t(1));
    }
};

QTEST_GUILESS_MAIN(BenchReplay)
#include "bench_replay.moc"
