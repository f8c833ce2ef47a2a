// SPDX-License-Identifier: MIT
#include "metrics/sampleseries.h"

#include <QLocale>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace vigil;

namespace {

constexpr double kTolerance = 0.25;
constexpr double kCommitsPerSecond = 100.0;

Snapshot tickAt(double t)
{
    Snapshot s;
    s.t = t;
    s.db.xactCommit = 5000.0 + kCommitsPerSecond * t; // the server commits 100 transactions a second
    return s;
}

/// One snapshot a second from `first` to `last` (inclusive), leaving out the seconds in `missing`.
std::vector<Snapshot> run(int first, int last, const QList<int> &missing = {})
{
    std::vector<Snapshot> snapshots;
    for (int t = first; t <= last; ++t) {
        if (!missing.contains(t))
            snapshots.push_back(tickAt(t));
    }
    return snapshots;
}

std::vector<Snapshot> atTimes(const QList<double> &times)
{
    std::vector<Snapshot> snapshots;
    for (const double t : times)
        snapshots.push_back(tickAt(t));
    return snapshots;
}

bool hasTickIn(const std::vector<Snapshot> &snapshots, double from, double to)
{
    return std::any_of(snapshots.begin(), snapshots.end(), [&](const Snapshot &s) { return s.t > from && s.t <= to; });
}

QByteArray where(int k, const Sample &s)
{
    return "sample " + QByteArray::number(k) + " [" + QByteArray::number(s.tStart) + ", " + QByteArray::number(s.tEnd)
        + "] valid=" + QByteArray::number(s.valid) + " tps=" + QByteArray::number(s.tps.value_or(-1));
}

} // namespace

class TestSampleSeries : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }

    void regularRun_data()
    {
        QTest::addColumn<double>("interval");
        QTest::addColumn<double>("startT");
        QTest::addColumn<int>("count");

        QTest::newRow("5 s intervals from 0") << 5.0 << 0.0 << 12;
        QTest::newRow("5 s intervals from 17") << 5.0 << 17.0 << 8;
        QTest::newRow("10 s intervals") << 10.0 << 0.0 << 6;
        QTest::newRow("1 s intervals") << 1.0 << 10.0 << 20;
    }

    void regularRun()
    {
        QFETCH(double, interval);
        QFETCH(double, startT);
        QFETCH(int, count);

        const std::vector<Snapshot> snapshots = run(0, 60);
        const std::vector<Sample> samples = SampleSeries::derive(snapshots, startT, interval, count, kTolerance);
        QCOMPARE(int(samples.size()), count);
        for (int k = 0; k < count; ++k) {
            const Sample &s = samples[std::size_t(k)];
            QVERIFY2(s.valid, where(k, s).constData());
            QCOMPARE(s.tStart, startT + k * interval);
            QCOMPARE(s.tEnd, startT + (k + 1) * interval);
            QVERIFY2(s.tps, where(k, s).constData());
            QCOMPARE(*s.tps, kCommitsPerSecond);
        }
    }

    void jitteredTicks()
    {
        // Ticks land up to 0.1 s off the second; the tolerance absorbs it and the rate stays exact.
        QList<double> times;
        for (int t = 0; t <= 40; ++t)
            times.append(t + (t % 2 ? 0.1 : -0.08) + (t == 0 ? 0.08 : 0.0));
        const std::vector<Snapshot> snapshots = atTimes(times);
        const std::vector<Sample> samples = SampleSeries::derive(snapshots, 0.0, 5.0, 7, kTolerance);
        QCOMPARE(samples.size(), std::size_t(7));
        for (std::size_t k = 0; k < samples.size(); ++k) {
            const Sample &s = samples[k];
            QVERIFY2(s.valid, where(int(k), s).constData());
            QVERIFY2(std::abs(s.seconds() - 5.0) <= 2 * kTolerance, where(int(k), s).constData());
            QVERIFY2(std::abs(s.tEnd - 5.0 * double(k + 1)) <= kTolerance, where(int(k), s).constData());
            QVERIFY(s.tps);
            QVERIFY2(std::abs(*s.tps - kCommitsPerSecond) < 1e-9, where(int(k), s).constData());
        }
    }

    void missingTicks_data()
    {
        QTest::addColumn<QList<int>>("missing");
        QTest::addColumn<double>("secondStart"); // the second sample's real bounds
        QTest::addColumn<double>("secondEnd");
        QTest::addColumn<double>("thirdStart");

        QTest::newRow("one tick missing inside the interval") << QList<int> { 7 } << 5.0 << 10.0 << 10.0;
        QTest::newRow("three ticks missing inside the interval") << QList<int> { 6, 7, 8 } << 5.0 << 10.0 << 10.0;
        QTest::newRow("the closing tick missing") << QList<int> { 10 } << 5.0 << 9.0 << 9.0;
        QTest::newRow("the opening tick missing") << QList<int> { 5 } << 4.0 << 10.0 << 10.0;
        QTest::newRow("closing tick and the one before missing") << QList<int> { 9, 10 } << 5.0 << 8.0 << 8.0;
    }

    void missingTicks()
    {
        QFETCH(QList<int>, missing);
        QFETCH(double, secondStart);
        QFETCH(double, secondEnd);
        QFETCH(double, thirdStart);

        const std::vector<Snapshot> snapshots = run(0, 30, missing);
        const std::vector<Sample> samples = SampleSeries::derive(snapshots, 0.0, 5.0, 6, kTolerance);
        QCOMPARE(samples.size(), std::size_t(6));
        for (std::size_t k = 0; k < samples.size(); ++k) {
            const Sample &s = samples[k];
            // Counters are cumulative: the missing ticks cost nothing, the rate is over the real seconds.
            QVERIFY2(s.valid, where(int(k), s).constData());
            QVERIFY(s.tps);
            QVERIFY2(std::abs(*s.tps - kCommitsPerSecond) < 1e-9, where(int(k), s).constData());
            QVERIFY2(s.seconds() <= 1.5 * 5.0, where(int(k), s).constData());
            if (k > 0) // consecutive samples share their boundary tick
                QCOMPARE(s.tStart, samples[k - 1].tEnd);
        }
        QCOMPARE(samples[1].tStart, secondStart);
        QCOMPARE(samples[1].tEnd, secondEnd);
        QCOMPARE(samples[2].tStart, thirdStart);
        QCOMPARE(samples[2].tEnd, 15.0);
    }

    void gap_data()
    {
        QTest::addColumn<int>("lastBefore"); // the last tick before the gap
        QTest::addColumn<int>("firstAfter"); // the first tick after it
        QTest::addColumn<QList<int>>("invalid"); // indexes of the 5 s samples that must be gaps
        QTest::addColumn<int>("firstValidAfter");

        QTest::newRow("12 s gap starting on a grid point") << 20 << 32 << QList<int> { 4, 5 } << 7;
        QTest::newRow("12 s gap starting inside an interval") << 22 << 34 << QList<int> { 5 } << 7;
        QTest::newRow("12 s gap ending on a grid point") << 18 << 30 << QList<int> { 4, 5 } << 6;
    }

    void gap()
    {
        QFETCH(int, lastBefore);
        QFETCH(int, firstAfter);
        QFETCH(QList<int>, invalid);
        QFETCH(int, firstValidAfter);

        std::vector<Snapshot> snapshots = run(0, lastBefore);
        const std::vector<Snapshot> after = run(firstAfter, 80);
        snapshots.insert(snapshots.end(), after.begin(), after.end());

        const double interval = 5.0;
        const std::vector<Sample> samples = SampleSeries::derive(snapshots, 0.0, interval, 14, kTolerance);
        QCOMPARE(samples.size(), std::size_t(14));
        for (int k = 0; k < int(samples.size()); ++k) {
            const Sample &s = samples[std::size_t(k)];
            const double gridStart = k * interval;
            const double gridEnd = gridStart + interval;
            // No sample, valid or not, may stretch across the gap.
            QVERIFY2(s.seconds() <= 1.5 * interval, where(k, s).constData());
            QVERIFY2(s.seconds() > 0, where(k, s).constData());
            if (!hasTickIn(snapshots, gridStart + kTolerance, gridEnd + kTolerance))
                QVERIFY2(!s.valid, where(k, s).constData()); // no tick of its own: a gap, not invented numbers
            if (invalid.contains(k))
                QVERIFY2(!s.valid, where(k, s).constData());
            if (!s.valid) {
                // A gap keeps its place on the grid and claims nothing.
                QCOMPARE(s.tStart, gridStart);
                QCOMPARE(s.tEnd, gridEnd);
                QVERIFY(!s.tps);
                QVERIFY(!s.cpuPct);
            } else {
                QVERIFY(s.tps);
                QVERIFY2(std::abs(*s.tps - kCommitsPerSecond) < 1e-9, where(k, s).constData());
            }
            // Before the gap everything is valid; after it, from firstValidAfter on, everything is valid again.
            if (gridEnd <= lastBefore || k >= firstValidAfter)
                QVERIFY2(s.valid, where(k, s).constData());
        }
    }

    void startBeforeFirstSnapshot()
    {
        const std::vector<Snapshot> snapshots = run(10, 40);
        const std::vector<Sample> samples = SampleSeries::derive(snapshots, 0.0, 5.0, 6, kTolerance);
        QCOMPARE(samples.size(), std::size_t(6));
        QVERIFY(!samples[0].valid); // [0, 5]: nothing yet
        QVERIFY(!samples[1].valid); // [5, 10]: closed by t=10 but nothing opened it
        for (std::size_t k = 2; k < samples.size(); ++k) {
            QVERIFY2(samples[k].valid, where(int(k), samples[k]).constData());
            QCOMPARE(samples[k].tps.value_or(-1), kCommitsPerSecond);
        }
    }

    void runEndsEarly()
    {
        const std::vector<Snapshot> snapshots = run(0, 12);
        const std::vector<Sample> samples = SampleSeries::derive(snapshots, 0.0, 5.0, 5, kTolerance);
        QCOMPARE(samples.size(), std::size_t(5));
        QVERIFY(samples[0].valid);
        QVERIFY(samples[1].valid);
        QVERIFY(samples[2].valid); // [10, 12]: two real seconds
        QCOMPARE(samples[2].tEnd, 12.0);
        QCOMPARE(samples[2].tps.value_or(-1), kCommitsPerSecond);
        QVERIFY(!samples[3].valid);
        QVERIFY(!samples[4].valid);
    }

    void degenerateInputs_data()
    {
        QTest::addColumn<int>("snapshotCount");
        QTest::addColumn<int>("count");

        QTest::newRow("no snapshots") << 0 << 4;
        QTest::newRow("a single snapshot") << 1 << 4;
        QTest::newRow("zero samples asked") << 30 << 0;
        QTest::newRow("negative count") << 30 << -3;
    }

    void degenerateInputs()
    {
        QFETCH(int, snapshotCount);
        QFETCH(int, count);

        const std::vector<Snapshot> snapshots
            = snapshotCount > 0 ? run(0, snapshotCount - 1) : std::vector<Snapshot> {};
        const std::vector<Sample> samples = SampleSeries::derive(snapshots, 0.0, 5.0, count, kTolerance);
        QCOMPARE(int(samples.size()), std::max(count, 0));
        for (const Sample &s : samples) {
            QVERIFY(!s.valid);
            QVERIFY(!s.tps);
        }
    }

    void indexLookup_data()
    {
        QTest::addColumn<QList<double>>("times");
        QTest::addColumn<double>("time");
        QTest::addColumn<qsizetype>("atOrBefore");
        QTest::addColumn<qsizetype>("atOrAfter");

        const QList<double> times { 1.0, 2.0, 4.0, 8.0 };
        QTest::newRow("before the first") << times << 0.5 << qsizetype(-1) << qsizetype(0);
        QTest::newRow("exactly the first") << times << 1.0 << qsizetype(0) << qsizetype(0);
        QTest::newRow("between first and second") << times << 1.5 << qsizetype(0) << qsizetype(1);
        QTest::newRow("just before an exact hit") << times << 3.999 << qsizetype(1) << qsizetype(2);
        QTest::newRow("exact hit in the middle") << times << 4.0 << qsizetype(2) << qsizetype(2);
        QTest::newRow("just after an exact hit") << times << 4.001 << qsizetype(2) << qsizetype(3);
        QTest::newRow("exactly the last") << times << 8.0 << qsizetype(3) << qsizetype(3);
        QTest::newRow("after the last") << times << 8.5 << qsizetype(3) << qsizetype(-1);
        QTest::newRow("far before") << times << -1e9 << qsizetype(-1) << qsizetype(0);
        QTest::newRow("far after") << times << 1e9 << qsizetype(3) << qsizetype(-1);
        QTest::newRow("single snapshot, exact") << QList<double> { 3.0 } << 3.0 << qsizetype(0) << qsizetype(0);
        QTest::newRow("single snapshot, before") << QList<double> { 3.0 } << 2.0 << qsizetype(-1) << qsizetype(0);
        QTest::newRow("single snapshot, after") << QList<double> { 3.0 } << 4.0 << qsizetype(0) << qsizetype(-1);
        QTest::newRow("no snapshots") << QList<double> {} << 3.0 << qsizetype(-1) << qsizetype(-1);
    }

    void indexLookup()
    {
        QFETCH(QList<double>, times);
        QFETCH(double, time);
        QFETCH(qsizetype, atOrBefore);
        QFETCH(qsizetype, atOrAfter);

        const std::vector<Snapshot> snapshots = atTimes(times);
        QCOMPARE(SampleSeries::indexAtOrBefore(snapshots, time), atOrBefore);
        QCOMPARE(SampleSeries::indexAtOrAfter(snapshots, time), atOrAfter);
    }
};

QTEST_GUILESS_MAIN(TestSampleSeries)
#include "tst_sampleseries.moc"
