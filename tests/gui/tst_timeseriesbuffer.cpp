// SPDX-License-Identifier: MIT
#include "timeseriesbuffer.h"

#include <QTest>

using namespace vigil;

class TestTimeSeriesBuffer : public QObject
{
    Q_OBJECT

private slots:
    void keepsTheNewestWhenFull()
    {
        TimeSeriesBuffer b(5);
        for (int t = 1; t <= 8; ++t)
            b.append(t, t * 10);
        QCOMPARE(b.size(), std::size_t(5));
        QCOMPARE(b.firstTime(), 4.0);
        QCOMPARE(b.lastTime(), 8.0);
        const QList<QPointF> all = b.range(0, 100, 100);
        QCOMPARE(all.size(), 5);
        QCOMPARE(all.front(), QPointF(4, 40));
        QCOMPARE(all.back(), QPointF(8, 80));
    }

    void dropsOutOfOrderAndNonFinitePoints()
    {
        TimeSeriesBuffer b(10);
        b.append(5, 1);
        b.append(4, 2);
        b.append(6, qQNaN());
        b.append(qInf(), 3);
        QCOMPARE(b.size(), std::size_t(1));
    }

    void rangeSelectsByTime()
    {
        TimeSeriesBuffer b(100);
        for (int t = 0; t < 100; ++t)
            b.append(t, t);
        const QList<QPointF> part = b.range(10, 19, 100);
        QCOMPARE(part.size(), 10);
        QCOMPARE(part.front().x(), 10.0);
        QCOMPARE(part.back().x(), 19.0);
        QVERIFY(b.range(200, 300, 10).isEmpty());
        QVERIFY(b.range(50, 40, 10).isEmpty());
    }

    void downsamplingKeepsASpike()
    {
        // 24 h of 1 s samples with one 1 s spike: the 24 h view must still show it.
        TimeSeriesBuffer b(86400);
        for (int t = 0; t < 86400; ++t)
            b.append(t, t == 50000 ? 500.0 : 1.0);
        const QList<QPointF> view = b.range(0, 86400, 600);
        QVERIFY(view.size() <= 1200);
        double highest = 0;
        for (const QPointF &p : view)
            highest = std::max(highest, p.y());
        QCOMPARE(highest, 500.0);
        for (qsizetype i = 1; i < view.size(); ++i)
            QVERIFY2(view[i].x() >= view[i - 1].x(), "points stay in time order");
        // A coarser view is drawn from per-minute extremes: the spike and the time order survive there too.
        const QList<QPointF> coarse = b.range(0, 86400, 300);
        QVERIFY(coarse.size() <= 600);
        QVERIFY(std::any_of(coarse.begin(), coarse.end(), [](const QPointF &p) { return p == QPointF(50000, 500); }));
        for (qsizetype i = 1; i < coarse.size(); ++i)
            QVERIFY(coarse[i].x() >= coarse[i - 1].x());
        const auto [lo, hi] = b.valueRange(0, 86400);
        QCOMPARE(lo, 1.0);
        QCOMPARE(hi, 500.0);
    }
};

QTEST_GUILESS_MAIN(TestTimeSeriesBuffer)
#include "tst_timeseriesbuffer.moc"
