// SPDX-License-Identifier: MIT
#include "guard/observationwindow.h"
#include "syntheticsamples.h"

#include <QLocale>
#include <QTest>

using namespace vigil;
using namespace vigil::testing;

class TestFloorDetector : public QObject
{
    Q_OBJECT

    static std::optional<Verdict> run(const std::vector<Shape> &shapes)
    {
        GuardPolicy policy;
        ObservationWindow window(
            policy, DegradationDetector::create(DegradationDetector::Kind::Floor, policy, Baseline(steadyBaseline())));
        double t = 65;
        for (const Shape &s : shapes) {
            t += 5;
            if (std::optional<Verdict> v = window.addSample(makeSample(t, s)))
                return v;
        }
        return std::nullopt;
    }

private slots:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }

    void plainRule_data()
    {
        QTest::addColumn<double>("latency");
        QTest::addColumn<double>("throughput");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<int>("decidedAt");
        QTest::newRow("steady") << 1.0 << 1.0 << "keep" << 12;
        QTest::newRow("p95 +15%") << 1.15 << 1.0 << "rollback" << 3;
        QTest::newRow("p95 x10 still takes 3 samples") << 10.0 << 1.0 << "rollback" << 3;
        QTest::newRow("throughput -15%") << 1.0 << 0.85 << "rollback" << 3;
        QTest::newRow("throughput -5%") << 1.0 << 0.95 << "keep" << 12;
    }

    void plainRule()
    {
        QFETCH(double, latency);
        QFETCH(double, throughput);
        QFETCH(QString, expected);
        QFETCH(int, decidedAt);
        Shape shape;
        shape.latency = latency;
        shape.throughput = throughput;
        const std::optional<Verdict> v = run(std::vector<Shape>(12, shape));
        QVERIFY(v);
        QCOMPARE(Verdict::decisionName(v->decision), expected);
        QCOMPARE(qRound((v->decidedT - 65) / 5), decidedAt);
    }

    void runsAreBrokenByAGoodSample()
    {
        Shape slow;
        slow.latency = 1.2;
        const std::optional<Verdict> v = run({ slow, slow, {}, slow, slow, {}, slow, slow, {}, slow, slow, {} });
        QVERIFY(v);
        QVERIFY(!v->isRollback());
    }

    void mixShiftFoolsThePlainRule()
    {
        // The reason the vigil detector compares on a fixed statement mix: the raw p95 moves with the mix.
        Shape shift;
        shift.slowShare = 0.3;
        const std::optional<Verdict> v = run(std::vector<Shape>(12, shift));
        QVERIFY(v);
        QVERIFY(v->isRollback());
    }
};

QTEST_GUILESS_MAIN(TestFloorDetector)
#include "tst_floordetector.moc"
