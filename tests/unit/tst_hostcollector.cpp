// SPDX-License-Identifier: MIT
#include "collect/hostcollector.h"

#include <QFile>
#include <QLocale>
#include <QTest>

#include <functional>

using namespace vigil;

// Fixtures (tests/data/proc): stat.1 and stat.2 are two readings of a 2-CPU machine, 1800 ticks apart, 900 of
// them busy (idle +800, iowait +100, guest +300 inside user); meminfo has MemTotal 16384000 kB and
// MemAvailable 12288000 kB (25% used); loadavg starts with 0.52.

namespace {

QString fixturePath(const QString &name)
{
    return QStringLiteral(VIGIL_TEST_DATA "/proc/") + name;
}

QByteArray fixture(const QString &name)
{
    QFile file(fixturePath(name));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("missing fixture %s", qPrintable(file.fileName()));
    return file.readAll();
}

/// The value, or NaN when empty: QCOMPARE then prints both sides.
double valueOf(const std::optional<double> &v)
{
    return v.value_or(qQNaN());
}

/// A ProcReader over fixtures that serves the next of `stats` at each read of "stat" (nothing once they run out;
/// an empty name in `stats` stands for a failed read) and counts its calls.
struct FixtureReader
{
    QStringList stats;
    int statReads = 0;
    int calls = 0;

    HostCollector::ProcReader reader()
    {
        return [this](const QString &name) -> std::optional<QByteArray> {
            ++calls;
            if (name == QLatin1StringView("stat")) {
                const QString file = stats.value(statReads++);
                if (file.isEmpty())
                    return std::nullopt;
                return fixture(file);
            }
            if (name == QLatin1StringView("meminfo") || name == QLatin1StringView("loadavg"))
                return fixture(name);
            return std::nullopt;
        };
    }
};

} // namespace

class TestHostCollector : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QLocale::setDefault(QLocale::c());
        QVERIFY(!QFINDTESTDATA(fixturePath(QStringLiteral("stat.1"))).isEmpty());
        QVERIFY(!QFINDTESTDATA(fixturePath(QStringLiteral("stat.2"))).isEmpty());
        QVERIFY(!QFINDTESTDATA(fixturePath(QStringLiteral("meminfo"))).isEmpty());
        QVERIFY(!QFINDTESTDATA(fixturePath(QStringLiteral("loadavg"))).isEmpty());
    }

    void parseCpuFixtures_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<double>("busy");
        QTest::addColumn<double>("total");
        // total = user+nice+system+idle+iowait+irq+softirq+steal; busy = total - idle - iowait; guest not added.
        QTest::newRow("stat.1") << QStringLiteral("stat.1") << 13500.0 << 94500.0;
        QTest::newRow("stat.2") << QStringLiteral("stat.2") << 14400.0 << 96300.0;
    }

    void parseCpuFixtures()
    {
        QFETCH(QString, file);
        QFETCH(double, busy);
        QFETCH(double, total);
        const std::optional<HostCollector::CpuTimes> t = HostCollector::parseCpu(fixture(file));
        QVERIFY(t);
        QCOMPARE(t->busy, busy);
        QCOMPARE(t->total, total);
    }

    void cpuPctFromFixtures()
    {
        const auto before = HostCollector::parseCpu(fixture(QStringLiteral("stat.1")));
        const auto after = HostCollector::parseCpu(fixture(QStringLiteral("stat.2")));
        QVERIFY(before && after);
        // 900 busy of 1800: 55.6 would mean iowait counted as busy, 57.1 that guest was added again.
        QCOMPARE(valueOf(HostCollector::cpuPct(*before, *after)), 50.0);
        // Backwards (a reboot between readings, or the files swapped): no value.
        QVERIFY(!HostCollector::cpuPct(*after, *before));
    }

    void stealFromCpuLines_data()
    {
        QTest::addColumn<QByteArray>("before");
        QTest::addColumn<QByteArray>("after");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<double>("steal");
        QTest::addColumn<double>("cpu");

        // user nice system idle iowait irq softirq steal guest guest_nice
        QTest::newRow("a neighbour took a fifth")
            << QByteArray("cpu 100 0 0 800 0 0 0 100 0 0\n") << QByteArray("cpu 200 0 0 1500 0 0 0 300 0 0\n") << true
            << 20.0 << 30.0;
        QTest::newRow("no steal") << fixture(QStringLiteral("stat.1")) << fixture(QStringLiteral("stat.2")) << true
                                  << 0.0 << 50.0;
        QTest::newRow("old kernel, no steal column")
            << QByteArray("cpu 10 0 5 85\n") << QByteArray("cpu 20 0 5 175\n") << true << 0.0 << 10.0;
        QTest::newRow("steal went backwards") << QByteArray("cpu 100 0 0 800 0 0 0 100\n")
                                              << QByteArray("cpu 200 0 0 1500 0 0 0 50\n") << false << 0.0 << 0.0;
        QTest::newRow("did not move") << QByteArray("cpu 100 0 0 800 0 0 0 100\n")
                                      << QByteArray("cpu 100 0 0 800 0 0 0 100\n") << false << 0.0 << 0.0;
    }

    void stealFromCpuLines()
    {
        QFETCH(QByteArray, before);
        QFETCH(QByteArray, after);
        QFETCH(bool, valid);
        QFETCH(double, steal);
        QFETCH(double, cpu);
        const std::optional<HostCollector::CpuTimes> b = HostCollector::parseCpu(before);
        const std::optional<HostCollector::CpuTimes> a = HostCollector::parseCpu(after);
        QVERIFY(b && a);
        const std::optional<double> pct = HostCollector::stealPct(*b, *a);
        QCOMPARE(pct.has_value(), valid);
        if (valid) {
            QCOMPARE(*pct, steal);
            // Steal stays inside the busy share: the host's CPU % is unchanged by reading it apart.
            QCOMPARE(valueOf(HostCollector::cpuPct(*b, *a)), cpu);
        }
    }

    void parseCpuLines_data()
    {
        QTest::addColumn<QByteArray>("stat");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<double>("busy");
        QTest::addColumn<double>("total");

        QTest::newRow("ten fields") << QByteArray("cpu  1 2 3 4 5 6 7 8 9 10\n") << true << 27.0 << 36.0;
        QTest::newRow("old kernel, four values") << QByteArray("cpu 10 0 5 85\n") << true << 15.0 << 100.0;
        QTest::newRow("no newline") << QByteArray("cpu 10 0 5 85 0 0 0 0") << true << 15.0 << 100.0;
        QTest::newRow("tabs and spaces") << QByteArray("cpu\t10  0\t5 85 0\n") << true << 15.0 << 100.0;
        QTest::newRow("empty") << QByteArray() << false << 0.0 << 0.0;
        QTest::newRow("blank line first") << QByteArray("\ncpu 10 0 5 85\n") << false << 0.0 << 0.0;
        QTest::newRow("per-CPU line first") << QByteArray("cpu0 10 0 5 85\ncpu 10 0 5 85\n") << false << 0.0 << 0.0;
        QTest::newRow("three values") << QByteArray("cpu 1 2 3\n") << false << 0.0 << 0.0;
        QTest::newRow("non-numeric value") << QByteArray("cpu 1 2 x 4 5\n") << false << 0.0 << 0.0;
        QTest::newRow("negative value") << QByteArray("cpu 1 2 -3 4 5\n") << false << 0.0 << 0.0;
        QTest::newRow("other file") << fixture(QStringLiteral("meminfo")) << false << 0.0 << 0.0;
        QTest::newRow("binary garbage") << QByteArray("\x00\xff\xfe cpu 1 2 3 4", 15) << false << 0.0 << 0.0;
    }

    void parseCpuLines()
    {
        QFETCH(QByteArray, stat);
        QFETCH(bool, valid);
        QFETCH(double, busy);
        QFETCH(double, total);
        const std::optional<HostCollector::CpuTimes> t = HostCollector::parseCpu(stat);
        QCOMPARE(t.has_value(), valid);
        if (valid) {
            QCOMPARE(t->busy, busy);
            QCOMPARE(t->total, total);
        }
    }

    void cpuPct_data()
    {
        QTest::addColumn<double>("busyBefore");
        QTest::addColumn<double>("totalBefore");
        QTest::addColumn<double>("busyAfter");
        QTest::addColumn<double>("totalAfter");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<double>("expected");

        QTest::newRow("half") << 100.0 << 1000.0 << 350.0 << 1500.0 << true << 50.0;
        QTest::newRow("quarter") << 0.0 << 0.0 << 100.0 << 400.0 << true << 25.0;
        QTest::newRow("idle") << 100.0 << 1000.0 << 100.0 << 2000.0 << true << 0.0;
        QTest::newRow("saturated") << 100.0 << 1000.0 << 1100.0 << 2000.0 << true << 100.0;
        QTest::newRow("did not move") << 100.0 << 1000.0 << 100.0 << 1000.0 << false << 0.0;
        QTest::newRow("total went backwards") << 100.0 << 1000.0 << 150.0 << 900.0 << false << 0.0;
        QTest::newRow("busy went backwards") << 100.0 << 1000.0 << 50.0 << 1100.0 << false << 0.0;
        QTest::newRow("busy grew more than total") << 100.0 << 1000.0 << 400.0 << 1100.0 << false << 0.0;
        QTest::newRow("reboot") << 5000.0 << 90000.0 << 10.0 << 200.0 << false << 0.0;
    }

    void cpuPct()
    {
        QFETCH(double, busyBefore);
        QFETCH(double, totalBefore);
        QFETCH(double, busyAfter);
        QFETCH(double, totalAfter);
        QFETCH(bool, valid);
        QFETCH(double, expected);
        const std::optional<double> pct = HostCollector::cpuPct({ busyBefore, totalBefore }, { busyAfter, totalAfter });
        QCOMPARE(pct.has_value(), valid);
        if (valid)
            QCOMPARE(*pct, expected);
    }

    void parseMemoryUsedPct_data()
    {
        QTest::addColumn<QByteArray>("meminfo");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<double>("expected");

        QTest::newRow("fixture") << fixture(QStringLiteral("meminfo")) << true << 25.0;
        QTest::newRow("order does not matter")
            << QByteArray("MemAvailable: 250 kB\nMemFree: 1 kB\nMemTotal: 1000 kB\n") << true << 75.0;
        QTest::newRow("all available") << QByteArray("MemTotal: 1000 kB\nMemAvailable: 1000 kB\n") << true << 0.0;
        QTest::newRow("none available") << QByteArray("MemTotal: 1000 kB\nMemAvailable: 0 kB\n") << true << 100.0;
        QTest::newRow("missing MemAvailable (old kernel)")
            << QByteArray("MemTotal: 1000 kB\nMemFree: 500 kB\nCached: 200 kB\n") << false << 0.0;
        QTest::newRow("missing MemTotal") << QByteArray("MemFree: 500 kB\nMemAvailable: 600 kB\n") << false << 0.0;
        QTest::newRow("MemTotal zero") << QByteArray("MemTotal: 0 kB\nMemAvailable: 0 kB\n") << false << 0.0;
        QTest::newRow("available above total")
            << QByteArray("MemTotal: 1000 kB\nMemAvailable: 2000 kB\n") << false << 0.0;
        QTest::newRow("non-numeric values") << QByteArray("MemTotal: lots kB\nMemAvailable: some kB\n") << false << 0.0;
        QTest::newRow("keys without values") << QByteArray("MemTotal:\nMemAvailable:\n") << false << 0.0;
        QTest::newRow("empty") << QByteArray() << false << 0.0;
        QTest::newRow("other file") << fixture(QStringLiteral("stat.1")) << false << 0.0;
    }

    void parseMemoryUsedPct()
    {
        QFETCH(QByteArray, meminfo);
        QFETCH(bool, valid);
        QFETCH(double, expected);
        const std::optional<double> pct = HostCollector::parseMemoryUsedPct(meminfo);
        QCOMPARE(pct.has_value(), valid);
        if (valid)
            QCOMPARE(*pct, expected);
    }

    void parseLoad1_data()
    {
        QTest::addColumn<QByteArray>("loadavg");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<double>("expected");

        QTest::newRow("fixture") << fixture(QStringLiteral("loadavg")) << true << 0.52;
        QTest::newRow("busy machine") << QByteArray("12.75 8.00 4.10 9/1024 999\n") << true << 12.75;
        QTest::newRow("zero") << QByteArray("0.00 0.00 0.00 1/100 1\n") << true << 0.0;
        QTest::newRow("leading whitespace") << QByteArray("  1.50 1.00 0.50 1/1 1") << true << 1.5;
        QTest::newRow("empty") << QByteArray() << false << 0.0;
        QTest::newRow("words") << QByteArray("load is high\n") << false << 0.0;
        QTest::newRow("negative") << QByteArray("-1.00 0.00 0.00 1/1 1\n") << false << 0.0;
        QTest::newRow("other file") << fixture(QStringLiteral("meminfo")) << false << 0.0;
    }

    void parseLoad1()
    {
        QFETCH(QByteArray, loadavg);
        QFETCH(bool, valid);
        QFETCH(double, expected);
        const std::optional<double> load = HostCollector::parseLoad1(loadavg);
        QCOMPARE(load.has_value(), valid);
        if (valid)
            QCOMPARE(*load, expected);
    }

    void parseProcessCounts()
    {
        const QByteArray stat("cpu  1 2 3 4 5 6 7 8\nctxt 99\nprocs_running 3\nprocs_blocked 1\nsoftirq 0 0\n");
        QCOMPARE(HostCollector::parseProcsRunning(stat).value_or(-1), 3.0);
        QCOMPARE(HostCollector::parseProcsBlocked(stat).value_or(-1), 1.0);
        // The last line of the file, without a newline after it.
        QCOMPARE(HostCollector::parseProcsBlocked(QByteArray("cpu 1 2 3 4\nprocs_blocked 2")).value_or(-1), 2.0);
        QVERIFY(!HostCollector::parseProcsBlocked(QByteArray("cpu 1 2 3 4\nprocs_running 2\n")));
        QVERIFY(!HostCollector::parseProcsBlocked(QByteArray("cpu 1 2 3 4\nprocs_blocked x\n")));
        QVERIFY(!HostCollector::parseProcsBlocked(QByteArray("cpu 1 2 3 4\nprocs_blocked -1\n")));
    }

    void parseDiskBytes()
    {
        // This machine's kind of file: loop and RAM devices, a virtio disk with a partition, device-mapper on top.
        const QByteArray diskstats("   7       0 loop0 5 0 100 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
                                   " 254       0 vda 309005 17143 1000 262644 11896686 111098 2000 1965032 0 1 2\n"
                                   " 254       1 vda1 300000 17000 999 262000 11896000 111000 1999 1965000 0 1 2\n"
                                   " 253       0 dm-0 1 0 999 0 1 0 1999 0 0 0 0\n"
                                   " 259       0 nvme0n1 1 0 10 0 1 0 20 0 0 0 0\n"
                                   " 259       1 nvme0n1p1 1 0 10 0 1 0 20 0 0 0 0\n");
        const std::optional<HostCollector::DiskBytes> bytes = HostCollector::parseDiskBytes(diskstats);
        QVERIFY(bytes);
        QCOMPARE(bytes->read, 512.0 * (1000 + 10));
        QCOMPARE(bytes->written, 512.0 * (2000 + 20));
        QVERIFY(!HostCollector::parseDiskBytes(QByteArray("   7 0 loop0 5 0 100 0 0 0 0 0 0 0 0\n")));
        QVERIFY(!HostCollector::parseDiskBytes(QByteArray(" 8 0 sda 1 0 x 0 1 0 2 0 0 0 0\n")));
        QVERIFY(!HostCollector::parseDiskBytes(QByteArray()));
    }

    void readNeedsTwoStatReadings()
    {
        FixtureReader fixtures { { QStringLiteral("stat.1"), QStringLiteral("stat.2") } };
        HostCollector collector(HostCollector::Source::Local, fixtures.reader());
        QCOMPARE(collector.source(), HostCollector::Source::Local);

        const HostMetrics first = collector.read();
        QVERIFY(!first.cpuPct);
        QCOMPARE(valueOf(first.memPct), 25.0);
        QCOMPARE(valueOf(first.load1), 0.52);

        const HostMetrics second = collector.read();
        QCOMPARE(valueOf(second.cpuPct), 50.0);
        QCOMPARE(valueOf(second.stealPct), 0.0);
        QCOMPARE(valueOf(second.memPct), 25.0);
        QCOMPARE(valueOf(second.load1), 0.52);
        QCOMPARE(fixtures.statReads, 2);
    }

    void readAcrossAFailedStatRead()
    {
        // The reading before the gap is kept, so the next good one still gets a CPU %.
        FixtureReader fixtures { { QStringLiteral("stat.1"), QString(), QStringLiteral("stat.2") } };
        HostCollector collector(HostCollector::Source::Server, fixtures.reader());
        QVERIFY(!collector.read().cpuPct);
        const HostMetrics gap = collector.read();
        QVERIFY(!gap.cpuPct);
        QCOMPARE(valueOf(gap.memPct), 25.0);
        QCOMPARE(valueOf(collector.read().cpuPct), 50.0);
    }

    void readAfterCountersWentBackwards()
    {
        // stat.2 then stat.1 looks like a reboot: no value, then the next reading starts from stat.1.
        FixtureReader fixtures { { QStringLiteral("stat.2"), QStringLiteral("stat.1"), QStringLiteral("stat.2") } };
        HostCollector collector(HostCollector::Source::Local, fixtures.reader());
        QVERIFY(!collector.read().cpuPct);
        QVERIFY(!collector.read().cpuPct);
        QCOMPARE(valueOf(collector.read().cpuPct), 50.0);
    }

    void readerReturningNothing()
    {
        int calls = 0;
        HostCollector collector(HostCollector::Source::Server, [&calls](const QString &) -> std::optional<QByteArray> {
            ++calls;
            return std::nullopt;
        });
        for (int i = 0; i < 2; ++i) {
            const HostMetrics m = collector.read();
            QVERIFY(!m.cpuPct);
            QVERIFY(!m.memPct);
            QVERIFY(!m.load1);
        }
        QCOMPARE(calls, 8); // stat, diskstats, meminfo and loadavg were each asked for, twice
    }

    void readerReturningGarbage_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("text") << QByteArray("permission denied\n");
        QTest::newRow("binary") << QByteArray("\x00\x01\x02\xff", 4);
    }

    void readerReturningGarbage()
    {
        QFETCH(QByteArray, content);
        HostCollector collector(
            HostCollector::Source::Server, [content](const QString &) -> std::optional<QByteArray> { return content; });
        for (int i = 0; i < 2; ++i) {
            const HostMetrics m = collector.read();
            QVERIFY(!m.cpuPct);
            QVERIFY(!m.memPct);
            QVERIFY(!m.load1);
        }
    }

    void unavailable()
    {
        FixtureReader fixtures { { QStringLiteral("stat.1"), QStringLiteral("stat.2") } };
        const QString reason = QStringLiteral("role watcher may not read the server's /proc");
        HostCollector collector(HostCollector::Source::Unavailable, fixtures.reader(), reason);
        QCOMPARE(collector.source(), HostCollector::Source::Unavailable);
        for (int i = 0; i < 2; ++i) {
            const HostMetrics m = collector.read();
            QVERIFY(!m.cpuPct);
            QVERIFY(!m.memPct);
            QVERIFY(!m.load1);
        }
        QCOMPARE(fixtures.calls, 0); // the workstation's numbers are never passed off as the server's
        QVERIFY2(collector.sourceDescription().contains(QLatin1StringView("unavailable")),
            qPrintable(collector.sourceDescription()));
        QVERIFY2(collector.sourceDescription().contains(reason), qPrintable(collector.sourceDescription()));
    }

    void unavailableWithoutReader()
    {
        HostCollector collector(HostCollector::Source::Unavailable, {});
        const HostMetrics m = collector.read();
        QVERIFY(!m.cpuPct && !m.memPct && !m.load1);
        QVERIFY(collector.sourceDescription().contains(QLatin1StringView("unavailable")));
    }

    void sourceDescriptions()
    {
        const QString local = HostCollector(HostCollector::Source::Local, {}).sourceDescription();
        const QString server = HostCollector(HostCollector::Source::Server, {}).sourceDescription();
        QVERIFY2(local.contains(QLatin1StringView("local")), qPrintable(local));
        QVERIFY2(server.contains(QLatin1StringView("pg_read_file")), qPrintable(server));
        QVERIFY(!local.contains(QLatin1StringView("unavailable")));
        QVERIFY(!server.contains(QLatin1StringView("unavailable")));
        QVERIFY(local != server);
    }

    void localReaderReadsADirectory()
    {
        const HostCollector::ProcReader reader = HostCollector::localReader(QStringLiteral(VIGIL_TEST_DATA "/proc"));
        QCOMPARE(reader(QStringLiteral("meminfo")), std::optional<QByteArray>(fixture(QStringLiteral("meminfo"))));
        QCOMPARE(reader(QStringLiteral("stat.1")), std::optional<QByteArray>(fixture(QStringLiteral("stat.1"))));
        QVERIFY(!reader(QStringLiteral("no-such-file")));
        QVERIFY(!HostCollector::localReader(QStringLiteral(VIGIL_TEST_DATA "/no-such-dir"))(QStringLiteral("stat")));

        // The fixture directory has no "stat": memory and load are read, CPU stays empty.
        HostCollector collector(HostCollector::Source::Local, reader);
        for (int i = 0; i < 2; ++i) {
            const HostMetrics m = collector.read();
            QVERIFY(!m.cpuPct);
            QCOMPARE(valueOf(m.memPct), 25.0);
            QCOMPARE(valueOf(m.load1), 0.52);
        }
    }

    void localReaderOnThisMachine()
    {
        if (!QFile::exists(QStringLiteral("/proc/meminfo")))
            QSKIP("no /proc on this system");
        HostCollector collector(HostCollector::Source::Local, HostCollector::localReader());
        collector.read();
        const HostMetrics m = collector.read();
        QVERIFY(m.memPct);
        QVERIFY(*m.memPct > 0 && *m.memPct <= 100);
        QVERIFY(m.load1);
        QVERIFY(*m.load1 >= 0);
        if (m.cpuPct) // empty when no tick passed between the two readings
            QVERIFY(*m.cpuPct >= 0 && *m.cpuPct <= 100);
    }
};

QTEST_GUILESS_MAIN(TestHostCollector)
#include "tst_hostcollector.moc"
