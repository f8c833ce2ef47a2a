// SPDX-License-Identifier: MIT
// The engine's tick, in the small pieces it is made of: what each tick reads (collect/tickplan.h), what is said when a
// source stops and comes back (collect/collectorwatch.h), and which samples the detectors look at
// (analyse/recentsamples.h).
#include "analyse/recentsamples.h"
#include "collect/collectorwatch.h"
#include "collect/tickplan.h"

#include <QTest>

using namespace vigil;

namespace {

Sample sampleEnding(double tEnd, bool valid = true)
{
    Sample s;
    s.tStart = tEnd - 1;
    s.tEnd = tEnd;
    s.valid = valid;
    return s;
}

} // namespace

class TestTickPlan : public QObject
{
    Q_OBJECT

private slots:
    void idleTicksReadStatementsOncePerInterval()
    {
        TickPlan plan(1.0);
        QList<bool> statements, records, sessions;
        for (int i = 0; i < 10; ++i) {
            const TickPlan::Tick tick = plan.next(5.0, false, false);
            statements << tick.statements;
            records << tick.recordsSample;
            sessions << tick.sessions;
            QVERIFY(!tick.cpuProbe); // a few ms of the server's CPU: no action, no probe
        }
        const QList<bool> everyFifth { true, false, false, false, false, true, false, false, false, false };
        QCOMPARE(statements, everyFifth);
        QCOMPARE(records, everyFifth);
        QCOMPARE(sessions, everyFifth); // every 5 s, whatever the interval
    }

    void anActionInThePipelineReadsThemEveryTickAndItsWindowRecordsItsOwnSamples()
    {
        TickPlan plan(1.0);
        for (int i = 0; i < 6; ++i) {
            const TickPlan::Tick tick = plan.next(5.0, true, true);
            QVERIFY(tick.statements);
            QVERIFY(tick.cpuProbe); // the window is read net of the machine's speed at work
            QVERIFY(!tick.recordsSample); // the window publishes the samples the guard reads
        }
        TickPlan baseline(1.0);
        const TickPlan::Tick first = baseline.next(5.0, true, false);
        QVERIFY(first.recordsSample); // collecting a baseline: the interval's sample goes out
        QVERIFY(first.cpuProbe); // and the machine's speed before the action
        QVERIFY(!baseline.next(5.0, true, false).recordsSample);
    }

    void aNewIntervalAppliesFromTheNextTick()
    {
        TickPlan plan(0.5);
        QVERIFY(plan.next(1.0, false, false).statements); // tick 0
        QVERIFY(!plan.next(1.0, false, false).statements); // tick 1
        QVERIFY(plan.next(1.0, false, false).statements); // tick 2: every second tick at 1 s
        QVERIFY(!plan.next(2.0, false, false).statements); // tick 3
        QVERIFY(plan.next(2.0, false, false).statements); // tick 4: every fourth at 2 s
        QVERIFY(plan.next(0.1, false, false).statements); // tick 5: an interval shorter than a tick reads every tick
    }

    void aGapIsSaidEveryTickAndTheReturnOnce()
    {
        CollectorWatch watch;
        QVERIFY(!watch.snapshotArrived(10.0)); // no gap, nothing to say
        const EngineEvent first = watch.snapshotMissing(11.0, QStringLiteral("server closed the connection"));
        QCOMPARE(first.name(), QStringLiteral("collector.gap"));
        QCOMPARE(first.fields().value(QLatin1StringView("reason")).toString(),
            QStringLiteral("server closed the connection"));
        QCOMPARE(watch.snapshotMissing(12.0, QStringLiteral("again")).name(), QStringLiteral("collector.gap"));
        const std::optional<EngineEvent> back = watch.snapshotArrived(18.4);
        QVERIFY(back);
        QCOMPARE(back->name(), QStringLiteral("collector.resumed"));
        QCOMPARE(back->fields().value(QLatin1StringView("after_seconds")).toDouble(), 7.0); // since the first miss
        QVERIFY(!watch.snapshotArrived(19.0)); // said once
    }

    void theHostSourceIsSaidWhenItStopsAndWhenItAnswersAgain()
    {
        CollectorWatch watch;
        HostMetrics answering;
        answering.memPct = 40;
        QVERIFY(!watch.hostRead(answering, QStringLiteral("/proc")));
        const std::optional<EngineEvent> stopped = watch.hostRead(HostMetrics {}, QStringLiteral("/proc"));
        QVERIFY(stopped);
        QCOMPARE(stopped->name(), QStringLiteral("collector.notice"));
        QVERIFY(stopped->fields()
                    .value(QLatin1StringView("message"))
                    .toString()
                    .startsWith(QLatin1StringView("host metrics stopped answering (/proc)")));
        QVERIFY(!watch.hostRead(HostMetrics {}, QStringLiteral("/proc"))); // said once
        const std::optional<EngineEvent> again = watch.hostRead(answering, QStringLiteral("/proc"));
        QVERIFY(again);
        QCOMPARE(again->fields().value(QLatin1StringView("message")).toString(),
            QStringLiteral("host metrics answer again (/proc)"));
    }

    void theDetectorsSeeTheLastAnalysisPeriod()
    {
        RecentSamples recent(10.0, 1.0);
        for (int t = 1; t <= 30; ++t)
            recent.add(sampleEnding(t));
        recent.add(sampleEnding(31, false)); // a gap is not evidence
        std::vector<Sample> kept = recent.all();
        QCOMPARE(kept.size(), std::size_t(11)); // 20 .. 30
        QCOMPARE(kept.front().tEnd, 20.0);
        // At least three intervals, whatever the period asked for (analysis every 0 s: none scheduled).
        RecentSamples shortest(0.0, 5.0);
        for (int t = 5; t <= 60; t += 5)
            shortest.add(sampleEnding(t));
        QCOMPARE(shortest.all().size(), std::size_t(4)); // 45 .. 60
        shortest.setPeriod(0.0, 10.0); // a longer guard interval: 30 s from now on
        shortest.add(sampleEnding(65));
        shortest.add(sampleEnding(70));
        QCOMPARE(shortest.all().size(), std::size_t(6)); // 45 .. 70 (15 s would have kept 55 .. 70)
        QCOMPARE(shortest.all().front().tEnd, 45.0);
    }
};

QTEST_APPLESS_MAIN(TestTickPlan)
#include "tst_tickplan.moc"
