// SPDX-License-Identifier: MIT
// `vigilctl replay` as a user runs it: output lines, exit codes, and clear errors on bad input.
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

namespace {

const QString kTraces = QStringLiteral(VIGIL_TEST_DATA "/traces");

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
    Run r;
    r.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -3;
    r.out = process.readAllStandardOutput();
    r.err = QString::fromUtf8(process.readAllStandardError());
    return r;
}

const QByteArray kHeader = R"({"type":"header","format":"vigil-trace/1","interval_s":1.0,"statements":{}})";

} // namespace

class TestVigilctlReplay : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    QString writeFile(const QString &name, const QByteArray &content)
    {
        QFile file(m_dir.filePath(name));
        if (!file.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(file.fileName()));
        file.write(content);
        return file.fileName();
    }

private slots:
    void initTestCase()
    {
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
    }

    void printsOneVerdictLinePerAction_data()
    {
        QTest::addColumn<QString>("detector");
        QTest::newRow("vigil") << QStringLiteral("vigil");
        QTest::newRow("floor") << QStringLiteral("floor");
    }

    void printsOneVerdictLinePerAction()
    {
        QFETCH(QString, detector);
        const Run r = vigilctl({ QStringLiteral("replay"),
            kTraces + QStringLiteral("/t15_lookup_open_drop_sku_idx.jsonl"), QStringLiteral("--detector"), detector });
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QList<QByteArray> lines = r.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 1);
        const QJsonObject o = QJsonDocument::fromJson(lines.first()).object();
        QCOMPARE(o.value(QLatin1StringView("action_id")).toString(), QStringLiteral("a1"));
        QCOMPARE(o.value(QLatin1StringView("verdict")).toString(), QStringLiteral("rollback"));
        QVERIFY(o.value(QLatin1StringView("decided_t")).toDouble() > 65.229);
        QVERIFY(!o.value(QLatin1StringView("reason")).toString().isEmpty());
    }

    void optionsChangeTheRule()
    {
        // With a 1000 % latency threshold and a 99 % throughput threshold only the time-in-server signal is left
        // to see the commit waits; 1 s samples over a 20 s window extended once make 40 samples: the options
        // reach the guard.
        const Run r = vigilctl({ QStringLiteral("replay"),
            kTraces + QStringLiteral("/t05_tpcb_open_sync_commit_on.jsonl"), QStringLiteral("--latency-pct"),
            QStringLiteral("1000"), QStringLiteral("--throughput-pct"), QStringLiteral("99"),
            QStringLiteral("--interval"), QStringLiteral("1"), QStringLiteral("--window"), QStringLiteral("20"),
            QStringLiteral("--baseline"), QStringLiteral("30"), QStringLiteral("--consecutive"), QStringLiteral("4") });
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("\"verdict\":\"rollback\""), r.out.constData());
        QVERIFY2(r.out.contains("time in the server"), r.out.constData());
        QVERIFY2(r.out.contains("samples 1-40"), r.out.constData());
    }

    void explainWritesTheWindowToStderr()
    {
        const Run r = vigilctl({ QStringLiteral("replay"),
            kTraces + QStringLiteral("/t17_lookup_open_analyze_burst.jsonl"), QStringLiteral("--explain"),
            // A narrower noise margin lets the burst's samples reach "degraded", where outside load sets them aside.
            QStringLiteral("--tune"), QStringLiteral("noise_margin=1.5") });
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.contains(QLatin1StringView("confounded")), qPrintable(r.err));
        QVERIFY2(r.err.contains(QLatin1StringView("outside load")), qPrintable(r.err));
        QCOMPARE(r.out.trimmed().split('\n').size(), 1); // stdout stays machine-readable
    }

    void badInputExitsTwoNamingTheLine_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("empty file") << QByteArray() << QStringLiteral("line 1: the trace is empty");
        QTest::newRow("bad JSON on line 2") << kHeader + "\n{\"type\":\"sample\",\"t\":1.0,,}\n"
                                            << QStringLiteral("line 2: invalid JSON");
        QTest::newRow("wrong type on line 3")
            << kHeader + "\n{\"type\":\"sample\",\"t\":1.0}\n{\"type\":\"sample\",\"t\":\"2\"}\n"
            << QStringLiteral("line 3:");
        QTest::newRow("unknown format") << QByteArray(R"({"type":"header","format":"vigil-trace/9"})"
                                                      "\n")
                                        << QStringLiteral("unknown trace format");
        QTest::newRow("truncated last line")
            << kHeader + "\n{\"type\":\"sample\",\"t\":1.0,\"pgss\":[[\"1\",2" << QStringLiteral("line 2:");
        QTest::newRow("binary garbage") << QByteArray("\x00\x01\xff\xfe garbage", 12) << QStringLiteral("line 1:");
    }

    void badInputExitsTwoNamingTheLine()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, mentions);
        const QString path = writeFile(QStringLiteral("bad.jsonl"), content);
        const Run r = vigilctl({ QStringLiteral("replay"), path });
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(mentions), qPrintable(r.err));
        QVERIFY(r.out.isEmpty());
    }

    void badOptionsExitTwo_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("mentions");
        const QString trace = kTraces + QStringLiteral("/t01_tpcb_open_idx_unused.jsonl");
        QTest::newRow("window shorter than the interval")
            << QStringList { QStringLiteral("replay"), trace, QStringLiteral("--window"), QStringLiteral("2") }
            << QStringLiteral("observation window");
        QTest::newRow("negative threshold")
            << QStringList { QStringLiteral("replay"), trace, QStringLiteral("--latency-pct"), QStringLiteral("-5") }
            << QStringLiteral("latency threshold");
        QTest::newRow("not a number") << QStringList { QStringLiteral("replay"), trace, QStringLiteral("--interval"),
            QStringLiteral("five") } << QStringLiteral("expects a number");
        QTest::newRow("fractional consecutive")
            << QStringList { QStringLiteral("replay"), trace, QStringLiteral("--consecutive"), QStringLiteral("2.5") }
            << QStringLiteral("whole number");
        QTest::newRow("unknown detector")
            << QStringList { QStringLiteral("replay"), trace, QStringLiteral("--detector"), QStringLiteral("magic") }
            << QStringLiteral("unknown detector");
        QTest::newRow("missing file") << QStringList { QStringLiteral("replay"), QStringLiteral("/nonexistent.jsonl") }
                                      << QStringLiteral("cannot open");
        QTest::newRow("no file") << QStringList { QStringLiteral("replay") } << QStringLiteral("expected exactly one");
        QTest::newRow("unknown command") << QStringList { QStringLiteral("frobnicate") }
                                         << QStringLiteral("unknown command");
    }

    void badOptionsExitTwo()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, mentions);
        const Run r = vigilctl(arguments);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(mentions), qPrintable(r.err));
    }

    void unreachableServerExitsFive_data()
    {
        QTest::addColumn<QString>("command");
        QTest::newRow("record") << QStringLiteral("record");
        QTest::newRow("check") << QStringLiteral("check");
        QTest::newRow("analyse") << QStringLiteral("analyse");
    }

    void unreachableServerExitsFive()
    {
        // Nothing listens on port 1: worth retrying later (5), unlike a connection string that is wrong as written (2).
        QFETCH(QString, command);
        QStringList arguments { command, QStringLiteral("--target"), QStringLiteral("host=127.0.0.1 port=1 dbname=x") };
        if (command != QLatin1StringView("check"))
            arguments << QStringLiteral("--seconds") << QStringLiteral("10");
        const Run unreachable = vigilctl(arguments);
        QCOMPARE(unreachable.exitCode, 5);
        QVERIFY2(unreachable.err.contains(QLatin1StringView("cannot connect")), qPrintable(unreachable.err));
        arguments[2] = QStringLiteral("host=127.0.0.1 port");
        const Run malformed = vigilctl(arguments);
        QCOMPARE(malformed.exitCode, 2);
        QVERIFY2(malformed.err.contains(QLatin1StringView("not valid")), qPrintable(malformed.err));
    }

    void versionAndHelp()
    {
        const Run version = vigilctl({ QStringLiteral("--version") });
        QCOMPARE(version.exitCode, 0);
        QVERIFY(version.out.startsWith("vigilctl "));
        // psql's spelling: -V is the version; -v is nothing (psql uses it for variables).
        const Run shortVersion = vigilctl({ QStringLiteral("-V") });
        QCOMPARE(shortVersion.exitCode, 0);
        QCOMPARE(shortVersion.out, version.out);
        QCOMPARE(vigilctl({ QStringLiteral("-v") }).exitCode, 2);
        const Run help = vigilctl({ QStringLiteral("replay"), QStringLiteral("--help") });
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.out.contains("--consecutive"));
    }
};

QTEST_GUILESS_MAIN(TestVigilctlReplay)
#include "tst_vigilctl_replay.moc"
