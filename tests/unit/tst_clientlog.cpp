// SPDX-License-Identifier: MIT
// The clients' view the live verdict tests label by (tests/support/clientlog.h): pgbench's per-transaction log read
// back, and the p95 change with the range it would take in 90 % of repeats. A label is a measurement: a change out
// of its own noise claims harm, one within it does not.
#include "clientlog.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace vigil::testing;

class TestClientLog : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    /// Writes a pgbench log (`client transaction latency_us script epoch_s epoch_us`) with @p perSecond transactions
    /// in each second from @p from; @p latencyMs(second, i) gives each one's latency.
    template<typename Latency>
    QString writeLog(const char *name, int from, int seconds, int perSecond, Latency latencyMs)
    {
        const QString prefix = m_dir.filePath(QLatin1StringView(name));
        QFile file(prefix + QStringLiteral(".1234"));
        if (!file.open(QIODevice::WriteOnly))
            return {};
        int n = 0;
        for (int s = 0; s < seconds; ++s) {
            for (int i = 0; i < perSecond; ++i) {
                const int micros = (1000000 / perSecond) * i;
                file.write(QStringLiteral("0 %1 %2 0 %3 %4\n")
                               .arg(n++)
                               .arg(qRound64(1000.0 * latencyMs(s, i)))
                               .arg(from + s)
                               .arg(micros)
                               .toUtf8());
            }
        }
        file.write("0 99999 skipped 0 1 0\n"); // a skipped transaction is not one a client finished
        return prefix;
    }

private slots:
    void aChangeEverySecondShowsIsOutOfItsNoise()
    {
        // 15 s at 1-2 ms, then 12 s at 2-4 ms: every second of the window is twice as slow.
        auto latency = [](int second, int i) { return (second < 15 ? 1.0 : 2.0) * (1.0 + (i % 10) / 10.0); };
        ClientLog log(writeLog("doubled", 1000, 27, 80, latency));
        log.reload();
        QCOMPARE(log.span(1000, 1015).transactions, 15 * 80);
        const ClientLog::Change change = log.p95Change(1000, 1015, 1015, 1027);
        QVERIFY(change.valid);
        QVERIFY2(qAbs(change.estimate - 1.0) < 1e-9, qPrintable(QString::number(change.estimate)));
        QVERIFY2(change.low > 0.9 && change.high < 1.1,
            qPrintable(QStringLiteral("%1..%2").arg(change.low).arg(change.high)));
    }

    void aRiseFromTwoSecondsOfTheWindowIsWithinItsNoise()
    {
        // The same calm workload throughout, but two of the window's 12 seconds are five times as slow (the machine
        // was busy then): the pooled p95 rises well over 10 %, and a repeat could as well have missed those seconds.
        auto latency = [](int second, int i) {
            const double calm = 1.0 + (i % 10) / 10.0;
            return second == 20 || second == 21 ? 5.0 * calm : calm;
        };
        ClientLog log(writeLog("twoslow", 2000, 27, 80, latency));
        log.reload();
        const ClientLog::Change change = log.p95Change(2000, 2015, 2015, 2027);
        QVERIFY(change.valid);
        QVERIFY2(change.estimate > 0.10, qPrintable(QString::number(change.estimate)));
        QVERIFY2(change.low <= 0.10, qPrintable(QString::number(change.low)));
        QVERIFY(change.high >= change.estimate);
    }

    void anEmptySpanIsNotAChange()
    {
        ClientLog log(writeLog("short", 3000, 5, 10, [](int, int) { return 1.0; }));
        log.reload();
        QVERIFY(!log.p95Change(3000, 3005, 3005, 3010).valid);
        QVERIFY(!ClientLog(m_dir.filePath(QStringLiteral("missing"))).p95Change(0, 10, 10, 20).valid);
    }
};

QTEST_MAIN(TestClientLog)
#include "tst_clientlog.moc"
