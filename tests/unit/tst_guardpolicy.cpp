// SPDX-License-Identifier: MIT
#include "guard/guardpolicy.h"

#include <QLocale>
#include <QTest>

#include <cmath>
#include <functional>

using namespace vigil;

Q_DECLARE_METATYPE(std::function<void(vigil::GuardPolicy &)>)

class TestGuardPolicy : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }

    void defaultsAreTheBriefs()
    {
        const GuardPolicy p;
        QCOMPARE(p.intervalSeconds, 5.0);
        QCOMPARE(p.windowSeconds, 60.0);
        QCOMPARE(p.baselineSeconds, 60.0);
        QCOMPARE(p.latencyPct, 10.0);
        QCOMPARE(p.throughputPct, 10.0);
        QCOMPARE(p.consecutive, 3);
        QCOMPARE(p.windowSamples(), 12);
        QCOMPARE(p.baselineSamples(), 12);
        QVERIFY(p.validate(1.0).isEmpty());
    }

    void rejects_data()
    {
        using Edit = std::function<void(GuardPolicy &)>;
        QTest::addColumn<Edit>("edit");
        QTest::addColumn<double>("tick");
        QTest::addColumn<QString>("mentions");

        QTest::newRow("window shorter than the interval")
            << Edit([](GuardPolicy &p) { p.windowSeconds = 3; }) << 1.0 << "observation window";
        QTest::newRow("baseline shorter than the interval")
            << Edit([](GuardPolicy &p) { p.baselineSeconds = 2; }) << 1.0 << "baseline";
        QTest::newRow("zero interval") << Edit([](GuardPolicy &p) { p.intervalSeconds = 0; }) << 1.0 << "interval";
        QTest::newRow("negative interval") << Edit([](GuardPolicy &p) { p.intervalSeconds = -5; }) << 1.0 << "interval";
        QTest::newRow("NaN interval") << Edit([](GuardPolicy &p) { p.intervalSeconds = std::nan(""); }) << 1.0
                                      << "interval";
        QTest::newRow("interval not a multiple of the tick")
            << Edit([](GuardPolicy &p) { p.intervalSeconds = 2.5; }) << 1.0 << "multiple";
        QTest::newRow("interval shorter than the tick")
            << Edit([](GuardPolicy &p) { p.intervalSeconds = 0.5; }) << 1.0 << "multiple";
        QTest::newRow("negative latency threshold")
            << Edit([](GuardPolicy &p) { p.latencyPct = -1; }) << 1.0 << "latency threshold";
        QTest::newRow("negative throughput threshold")
            << Edit([](GuardPolicy &p) { p.throughputPct = -10; }) << 1.0 << "throughput threshold";
        QTest::newRow("throughput threshold of 100%")
            << Edit([](GuardPolicy &p) { p.throughputPct = 100; }) << 1.0 << "throughput threshold";
        QTest::newRow("zero consecutive samples")
            << Edit([](GuardPolicy &p) { p.consecutive = 0; }) << 1.0 << "consecutive";
        QTest::newRow("more consecutive samples than the window holds")
            << Edit([](GuardPolicy &p) { p.consecutive = 13; }) << 1.0 << "cannot fit";
        QTest::newRow("negative absolute floor")
            << Edit([](GuardPolicy &p) { p.minLatencyDeltaMs = -0.1; }) << 1.0 << "minimum latency";
        QTest::newRow("overwhelming factor of 1")
            << Edit([](GuardPolicy &p) { p.overwhelmingFactor = 1; }) << 1.0 << "overwhelming";
    }

    void rejects()
    {
        QFETCH(std::function<void(GuardPolicy &)>, edit);
        QFETCH(double, tick);
        QFETCH(QString, mentions);
        GuardPolicy p;
        edit(p);
        const QString problem = p.validate(tick);
        QVERIFY2(!problem.isEmpty(), "an invalid policy must be rejected");
        QVERIFY2(problem.contains(mentions), qPrintable(problem));
    }

    void acceptsTestAndProductionShapes_data()
    {
        QTest::addColumn<double>("interval");
        QTest::addColumn<double>("window");
        QTest::addColumn<int>("consecutive");
        QTest::newRow("tests: 1 s samples, 15 s window") << 1.0 << 15.0 << 3;
        QTest::newRow("production: 5 s samples, 60 s window") << 5.0 << 60.0 << 3;
        QTest::newRow("one-sample window, one-sample rule") << 5.0 << 5.0 << 1;
    }

    void acceptsTestAndProductionShapes()
    {
        QFETCH(double, interval);
        QFETCH(double, window);
        QFETCH(int, consecutive);
        GuardPolicy p;
        p.intervalSeconds = interval;
        p.windowSeconds = window;
        p.baselineSeconds = window;
        p.consecutive = consecutive;
        QVERIFY2(p.validate(1.0).isEmpty(), qPrintable(p.validate(1.0)));
        QCOMPARE(p.windowSamples(), int(window / interval));
    }

    void shortBaselinesAreWarnedAbout_data()
    {
        QTest::addColumn<double>("interval");
        QTest::addColumn<double>("baseline");
        QTest::addColumn<bool>("warned");
        QTest::addColumn<QString>("advice");
        QTest::newRow("production default") << 5.0 << 60.0 << false << QString();
        QTest::newRow("the lab's 1 s shape") << 1.0 << 20.0 << false << QString();
        QTest::newRow("15 s at 1 s") << 1.0 << 15.0 << false << QString();
        QTest::newRow("10 s at 1 s (2 in 276 rolled back)") << 1.0 << 10.0 << true << QStringLiteral("at least 15 s");
        QTest::newRow("30 s at 5 s: 6 samples") << 5.0 << 30.0 << true << QStringLiteral("at least 60 s");
        QTest::newRow("20 s at 2 s: 10 samples") << 2.0 << 20.0 << true << QStringLiteral("at least 24 s");
    }
    void shortBaselinesAreWarnedAbout()
    {
        QFETCH(double, interval);
        QFETCH(double, baseline);
        QFETCH(bool, warned);
        QFETCH(QString, advice);
        GuardPolicy p;
        p.intervalSeconds = interval;
        p.baselineSeconds = baseline;
        QVERIFY(p.validate().isEmpty()); // a warning, never a refusal
        const QString warning = p.shortBaselineWarning();
        QCOMPARE(!warning.isEmpty(), warned);
        if (warned)
            QVERIFY2(warning.contains(advice), qPrintable(warning));
    }
};

QTEST_GUILESS_MAIN(TestGuardPolicy)
#include "tst_guardpolicy.moc"
