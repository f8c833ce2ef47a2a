// SPDX-License-Identifier: MIT
// `vigilctl samples` and `vigilctl history --since/--limit` as a user runs them, on a store filled the way the engine
// fills it (KnowledgeStore::addSample with epoch times, action rows through the journal).
#include "store/knowledgestore.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace vigil;

namespace {

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QString err;
};

Run vigilctl(const QStringList &arguments)
{
    QProcess process;
    process.start(QStringLiteral(VIGILCTL), arguments);
    if (!process.waitForFinished(30000)) {
        process.kill();
        process.waitForFinished();
        return { -2, {}, QStringLiteral("vigilctl did not finish within 30 s (a hang)") };
    }
    return { process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -3, process.readAllStandardOutput(),
        QString::fromUtf8(process.readAllStandardError()) };
}

QList<QByteArray> lines(const QByteArray &out)
{
    QList<QByteArray> all = out.split('\n');
    all.removeAll(QByteArray());
    return all;
}

Sample sampleAt(double t, double p95)
{
    Sample s;
    s.valid = true;
    s.tStart = t - 5;
    s.tEnd = t;
    s.tps = 600;
    s.latencyP95Ms = p95;
    s.cpuPct = 20;
    return s;
}

} // namespace

class TestVigilctlSamples : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_store;
    const QString m_target = QStringLiteral("127.0.0.1:5432/app");

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_store = m_dir.filePath(QStringLiteral("vigil.sqlite"));
        QString error;
        const std::unique_ptr<KnowledgeStore> store = KnowledgeStore::open(m_store, &error);
        QVERIFY2(store, qPrintable(error));
        const double now = double(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
        // Two hours ago, then a minute of samples ending now; another target's sample in between.
        QVERIFY(store->addSample(m_target, sampleAt(now - 7200, 9.0)));
        for (int i = 0; i < 12; ++i)
            QVERIFY(store->addSample(m_target, sampleAt(now - 60 + 5 * i, 0.05 + 0.01 * i)));
        QVERIFY(store->addSample(QStringLiteral("10.0.0.9:5432/other"), sampleAt(now - 30, 1.0)));
    }

    void printsTheLastMinuteAsJson()
    {
        const Run run = vigilctl({ QStringLiteral("samples"), QStringLiteral("--store"), m_store,
            QStringLiteral("--target"), m_target, QStringLiteral("--since"), QStringLiteral("10m") });
        QCOMPARE(run.exitCode, 0);
        const QList<QByteArray> rows = lines(run.out);
        QCOMPARE(rows.size(), 12);
        const QJsonObject first = QJsonDocument::fromJson(rows.first()).object();
        const QJsonObject last = QJsonDocument::fromJson(rows.last()).object();
        QCOMPARE(first.value(QLatin1StringView("latency_p95_ms")).toDouble(), 0.05);
        QCOMPARE(last.value(QLatin1StringView("latency_p95_ms")).toDouble(), 0.16);
        QCOMPARE(last.value(QLatin1StringView("tps")).toDouble(), 600.0);
        QVERIFY(last.value(QLatin1StringView("mem_pct")).isNull()); // never measured: null, not 0
        QVERIFY(
            first.value(QLatin1StringView("t_epoch")).toDouble() < last.value(QLatin1StringView("t_epoch")).toDouble());
    }

    void sinceReachesBackAndCsvHasAHeader()
    {
        const Run run = vigilctl(
            { QStringLiteral("samples"), QStringLiteral("--store"), m_store, QStringLiteral("--target"), m_target,
                QStringLiteral("--since"), QStringLiteral("3h"), QStringLiteral("--format"), QStringLiteral("csv") });
        QCOMPARE(run.exitCode, 0);
        const QList<QByteArray> rows = lines(run.out);
        QCOMPARE(rows.size(), 1 + 13);
        QVERIFY(rows.first().startsWith("t,resolution_s,tps,qps,latency_mean_ms,latency_p95_ms"));
        QVERIFY2(rows.at(1).contains(",9,"), rows.at(1).constData()); // the p95 of two hours ago
    }

    void aConnectionStringNamesTheSameTarget()
    {
        const Run run = vigilctl({ QStringLiteral("samples"), QStringLiteral("--store"), m_store,
            QStringLiteral("--target"), QStringLiteral("host=127.0.0.1 port=5432 dbname=app") });
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(lines(run.out).size(), 12);
    }

    void badInputExitsTwo_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("no target") << QStringList { QStringLiteral("samples"), QStringLiteral("--store"), m_store }
                                   << QStringLiteral("--target");
        QTest::newRow("bad since") << QStringList { QStringLiteral("samples"), QStringLiteral("--store"), m_store,
            QStringLiteral("--target"), m_target, QStringLiteral("--since"), QStringLiteral("yesterday") }
                                   << QStringLiteral("--since");
        QTest::newRow("bad format") << QStringList { QStringLiteral("samples"), QStringLiteral("--store"), m_store,
            QStringLiteral("--target"), m_target, QStringLiteral("--format"), QStringLiteral("xml") }
                                    << QStringLiteral("--format");
        QTest::newRow("history bad limit") << QStringList { QStringLiteral("history"), QStringLiteral("--store"),
            m_store, QStringLiteral("--limit"), QStringLiteral("0") }
                                           << QStringLiteral("--limit");
        QTest::newRow("history bad since") << QStringList { QStringLiteral("history"), QStringLiteral("--store"),
            m_store, QStringLiteral("--since"), QStringLiteral("-5m") }
                                           << QStringLiteral("--since");
    }

    void badInputExitsTwo()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, mentions);
        const Run run = vigilctl(arguments);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(mentions), qPrintable(run.err));
    }

    void historySinceAndLimit()
    {
        QString error;
        {
            const std::unique_ptr<KnowledgeStore> store = KnowledgeStore::open(m_store, &error);
            QVERIFY2(store, qPrintable(error));
            for (int i = 0; i < 3; ++i) {
                Action a;
                a.target = m_target;
                a.kind = ActionKind::SetParameter;
                a.applySql = QStringLiteral("ALTER SYSTEM SET work_mem = '%1MB'").arg(4 + i);
                a.rollbackSql = QStringLiteral("ALTER SYSTEM RESET work_mem");
                QVERIFY(store->createAction(a, QStringLiteral("proposed in a test")) > 0);
            }
        }
        Run run = vigilctl({ QStringLiteral("history"), QStringLiteral("--store"), m_store, QStringLiteral("--limit"),
            QStringLiteral("2") });
        QCOMPARE(run.exitCode, 0);
        QList<QByteArray> rows = lines(run.out); // piped: JSON lines
        QCOMPARE(rows.size(), 2);
        QVERIFY(rows.last().contains("6MB")); // the most recent two, oldest first
        QVERIFY(rows.first().contains("5MB"));
        run = vigilctl({ QStringLiteral("history"), QStringLiteral("--store"), m_store, QStringLiteral("--since"),
            QStringLiteral("1h"), QStringLiteral("--format"), QStringLiteral("text") });
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(lines(run.out).size(), 6); // two lines per action
        QVERIFY(run.out.contains("work_mem = '4MB'"));
        const QString future = QDateTime::currentDateTimeUtc().addDays(1).toString(Qt::ISODate);
        run = vigilctl({ QStringLiteral("history"), QStringLiteral("--store"), m_store, QStringLiteral("--since"),
            future, QStringLiteral("--format"), QStringLiteral("text") });
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.out, QByteArray("no actions\n"));
    }
};

QTEST_GUILESS_MAIN(TestVigilctlSamples)
#include "tst_vigilctl_samples.moc"
