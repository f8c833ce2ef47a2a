// SPDX-License-Identifier: MIT
#include "metrics/latencydistribution.h"

#include <QLocale>
#include <QTest>

#include <cmath>
#include <limits>
#include <vector>

using namespace vigil;

using Component = LatencyDistribution::Component;

Q_DECLARE_METATYPE(vigil::LatencyDistribution::Component)

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

bool withinRelative(double actual, double expected, double fraction)
{
    return std::abs(actual - expected) <= fraction * std::abs(expected);
}

const char *describe(double actual, double expected)
{
    static QByteArray text;
    text = QByteArray::number(actual, 'g', 12) + " vs expected " + QByteArray::number(expected, 'g', 12);
    return text.constData();
}

/// 90% of the calls at 1 ms and 10% at 100 ms, both with a tiny spread.
std::vector<Component> fastAndSlow()
{
    return { { 900, 1.0, 1e-6 }, { 100, 100.0, 1e-2 } };
}

} // namespace

class TestLatencyDistribution : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }

    void empty()
    {
        const LatencyDistribution distribution(std::span<const Component> {});
        QVERIFY(distribution.isEmpty());
        QCOMPARE(distribution.quantile(0.5), 0.0);
        QCOMPARE(distribution.quantile(0.95), 0.0);
        QCOMPARE(distribution.mean(), 0.0);
    }

    void pointMass_data()
    {
        QTest::addColumn<double>("meanMs");
        QTest::addColumn<double>("q");

        for (const double mean : { 0.05, 1.0, 250.0 }) {
            for (const double q : { 0.01, 0.5, 0.95, 0.99 })
                QTest::addRow("%g ms, q=%g", mean, q) << mean << q;
        }
    }

    void pointMass()
    {
        QFETCH(double, meanMs);
        QFETCH(double, q);

        const Component parts[] = { { 42, meanMs, 0.0 } };
        const LatencyDistribution distribution(parts);
        QVERIFY(!distribution.isEmpty());
        QVERIFY2(withinRelative(distribution.quantile(q), meanMs, 0.01), describe(distribution.quantile(q), meanMs));
        QVERIFY2(withinRelative(distribution.mean(), meanMs, 1e-12), describe(distribution.mean(), meanMs));
    }

    void singleLogNormal_data()
    {
        QTest::addColumn<double>("meanMs");
        QTest::addColumn<double>("varianceMs2");

        QTest::newRow("1 ms, cv 1") << 1.0 << 1.0;
        QTest::newRow("10 ms, cv 0.5") << 10.0 << 25.0;
        QTest::newRow("0.2 ms, cv 3.5") << 0.2 << 0.5;
        QTest::newRow("100 ms, cv 2") << 100.0 << 40000.0;
        QTest::newRow("5 ms, cv 0.01") << 5.0 << 0.0025;
    }

    void singleLogNormal()
    {
        QFETCH(double, meanMs);
        QFETCH(double, varianceMs2);

        // A log-normal with mean m and variance v: sigma^2 = ln(1 + v/m^2), mu = ln(m) - sigma^2/2.
        const double sigma2 = std::log(1.0 + varianceMs2 / (meanMs * meanMs));
        const double sigma = std::sqrt(sigma2);
        const double mu = std::log(meanMs) - sigma2 / 2;

        const Component parts[] = { { 1000, meanMs, varianceMs2 } };
        const LatencyDistribution distribution(parts);
        const double p95 = std::exp(mu + 1.6449 * sigma);
        const double p99 = std::exp(mu + 2.3263 * sigma);
        const double median = std::exp(mu);
        QVERIFY2(withinRelative(distribution.quantile(0.95), p95, 0.005), describe(distribution.quantile(0.95), p95));
        QVERIFY2(withinRelative(distribution.quantile(0.99), p99, 0.005), describe(distribution.quantile(0.99), p99));
        QVERIFY2(
            withinRelative(distribution.quantile(0.5), median, 0.005), describe(distribution.quantile(0.5), median));
        // The skew shows: the median sits below the mean.
        QVERIFY(distribution.quantile(0.5) < meanMs);
        QVERIFY(withinRelative(distribution.mean(), meanMs, 1e-12));
    }

    void mixtureOfFastAndSlow()
    {
        const std::vector<Component> parts = fastAndSlow();
        const LatencyDistribution distribution(parts);
        const double p50 = distribution.quantile(0.5);
        const double p85 = distribution.quantile(0.85);
        const double p95 = distribution.quantile(0.95);
        const double p99 = distribution.quantile(0.99);
        QVERIFY2(withinRelative(p50, 1.0, 0.05), describe(p50, 1.0));
        QVERIFY2(withinRelative(p85, 1.0, 0.05), describe(p85, 1.0));
        // The slowest 10% are all near 100 ms, so the top 5% are too.
        QVERIFY2(p95 > 50.0, describe(p95, 100.0));
        QVERIFY2(withinRelative(p95, 100.0, 0.05), describe(p95, 100.0));
        QVERIFY2(withinRelative(p99, 100.0, 0.05), describe(p99, 100.0));
        QVERIFY2(withinRelative(distribution.mean(), 10.9, 1e-9), describe(distribution.mean(), 10.9));
    }

    void scaleOfWeightsIsIrrelevant()
    {
        const std::vector<Component> parts = fastAndSlow();
        std::vector<Component> scaled = parts;
        for (Component &c : scaled)
            c.weight *= 1000.0;
        const LatencyDistribution a(parts);
        const LatencyDistribution b(scaled);
        for (const double q : { 0.1, 0.5, 0.9, 0.95, 0.99 })
            QVERIFY2(withinRelative(b.quantile(q), a.quantile(q), 1e-6), describe(b.quantile(q), a.quantile(q)));
        QVERIFY(withinRelative(b.mean(), a.mean(), 1e-12));
    }

    void monotoneInQ_data()
    {
        QTest::addColumn<std::vector<Component>>("parts");

        QTest::newRow("single log-normal") << std::vector<Component> { { 10, 3.0, 4.0 } };
        QTest::newRow("90% fast, 10% slow") << fastAndSlow();
        QTest::newRow("three overlapping statements")
            << std::vector<Component> { { 500, 0.5, 0.04 }, { 300, 2.0, 9.0 }, { 20, 40.0, 1600.0 } };
        QTest::newRow("rare very slow statement")
            << std::vector<Component> { { 100000, 0.05, 0.0001 }, { 3, 5000.0, 1e6 } };
    }

    void monotoneInQ()
    {
        QFETCH(std::vector<Component>, parts);

        const LatencyDistribution distribution(parts);
        double previous = 0;
        for (int i = 1; i < 200; ++i) {
            const double q = i / 200.0;
            const double value = distribution.quantile(q);
            QVERIFY2(std::isfinite(value) && value > 0, qPrintable(QString::number(q)));
            QVERIFY2(value >= previous * (1 - 1e-9),
                qPrintable(QStringLiteral("q=%1: %2 < previous %3").arg(q).arg(value).arg(previous)));
            previous = value;
        }
        QVERIFY(distribution.quantile(0.999) >= previous);
        QVERIFY(distribution.quantile(0.01) < distribution.quantile(0.99));
    }

    void ignoredComponents_data()
    {
        QTest::addColumn<Component>("extra");

        QTest::newRow("zero weight") << Component { 0.0, 500.0, 10.0 };
        QTest::newRow("NaN weight") << Component { kNaN, 500.0, 10.0 };
        QTest::newRow("negative weight") << Component { -5.0, 500.0, 10.0 };
        QTest::newRow("NaN mean") << Component { 50.0, kNaN, 10.0 };
        QTest::newRow("infinite mean") << Component { 50.0, kInf, 10.0 };
        QTest::newRow("NaN variance") << Component { 50.0, 500.0, kNaN };
    }

    void ignoredComponents()
    {
        QFETCH(Component, extra);

        const Component alone[] = { { 100, 2.0, 1.0 } };
        const Component withExtra[] = { { 100, 2.0, 1.0 }, extra };
        const LatencyDistribution reference(alone);
        const LatencyDistribution distribution(withExtra);
        QVERIFY(!distribution.isEmpty());
        QVERIFY(std::isfinite(distribution.mean()));
        QCOMPARE(distribution.mean(), reference.mean());
        for (const double q : { 0.5, 0.95, 0.99 }) {
            QVERIFY2(std::isfinite(distribution.quantile(q)), qPrintable(QString::number(q)));
            QCOMPARE(distribution.quantile(q), reference.quantile(q));
        }

        // Only ignored components: as good as none.
        const Component onlyExtra[] = { extra };
        const LatencyDistribution nothing(onlyExtra);
        QVERIFY(nothing.isEmpty());
        QCOMPARE(nothing.quantile(0.95), 0.0);
        QCOMPARE(nothing.mean(), 0.0);
    }

    void meanIsCallWeighted_data()
    {
        QTest::addColumn<std::vector<Component>>("parts");
        QTest::addColumn<double>("mean");

        QTest::newRow("100 calls at 1 ms, 300 at 5 ms")
            << std::vector<Component> { { 100, 1.0, 0.0 }, { 300, 5.0, 4.0 } } << 4.0;
        QTest::newRow("equal calls") << std::vector<Component> { { 7, 2.0, 1.0 }, { 7, 4.0, 1.0 } } << 3.0;
        QTest::newRow("one call of 1000 ms among 999 of 1 ms")
            << std::vector<Component> { { 999, 1.0, 0.0 }, { 1, 1000.0, 0.0 } } << 1.999;
        QTest::newRow("fractional weights") << std::vector<Component> { { 0.5, 10.0, 0.0 }, { 1.5, 2.0, 0.0 } } << 4.0;
    }

    void meanIsCallWeighted()
    {
        QFETCH(std::vector<Component>, parts);
        QFETCH(double, mean);

        const LatencyDistribution distribution(parts);
        QVERIFY2(withinRelative(distribution.mean(), mean, 1e-12), describe(distribution.mean(), mean));
    }
};

QTEST_GUILESS_MAIN(TestLatencyDistribution)
#include "tst_latencydistribution.moc"
