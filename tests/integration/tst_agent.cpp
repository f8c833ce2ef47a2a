// SPDX-License-Identifier: MIT
// `vigilctl watch` as vigil-agent.service runs it: the database stopped under it is said (a warning for journald),
// retried and resumed by itself; a server that cannot be reached at start exits 5 (the unit retries it); a bad
// configuration exits 2 with a message (the unit does not restart it).
#include "pgserver.h"
#include "vigilctlrunner.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace vigil::testing;

class TestAgent : public QObject
{
    Q_OBJECT

    PgServer m_server;
    QTemporaryDir m_dir;

    QStringList watchArgs(const QString &target) const
    {
        return { QStringLiteral("watch"), QStringLiteral("--target"), target, QStringLiteral("--store"),
            m_dir.filePath(QStringLiteral("agent.sqlite")), QStringLiteral("--mode"), QStringLiteral("observe"),
            QStringLiteral("--interval"), QStringLiteral("1"), QStringLiteral("--analyse-every"), QStringLiteral("0") };
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QString error;
        QVERIFY2(m_server.start(&error), qPrintable(error));
    }

    void aStoppedDatabaseIsSaidRetriedAndResumed()
    {
        QProcess agent;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("JOURNAL_STREAM"), QStringLiteral("8:1")); // as under systemd
        agent.setProcessEnvironment(environment);
        agent.start(QStringLiteral(VIGILCTL), watchArgs(m_server.conninfo()));
        QVERIFY(agent.waitForStarted());
        QByteArray out;
        auto saw = [&](const QByteArray &what) {
            out += agent.readAllStandardOutput();
            return out.contains(what);
        };
        QTRY_VERIFY2_WITH_TIMEOUT(saw("\"event\":\"sample\""), out.right(1000).constData(), 20000);

        m_server.stop();
        QTRY_VERIFY2_WITH_TIMEOUT(saw("<4>{\"event\":\"collector.gap\""), out.right(1000).constData(), 15000);
        QTest::qWait(3000); // a few ticks without a server: the agent keeps running, retrying
        QCOMPARE(agent.state(), QProcess::Running);

        QString error;
        QVERIFY2(m_server.restart(&error), qPrintable(error));
        // A notice for journald: "<5>" before the JSON line (keys in JSON order: after_seconds, event).
        static const QRegularExpression resumed(QStringLiteral("\n<5>\\{[^\n]*\"event\":\"collector.resumed\""));
        QTRY_VERIFY2_WITH_TIMEOUT(
            (saw("") && QString::fromUtf8(out).contains(resumed)), out.right(1000).constData(), 30000);
        const qsizetype resumedAt = out.indexOf("collector.resumed");
        QTRY_VERIFY2_WITH_TIMEOUT(
            (saw("") && out.indexOf("\"event\":\"sample\"", resumedAt) > 0), out.right(1000).constData(), 15000);

        ::kill(pid_t(agent.processId()), SIGTERM);
        QVERIFY(agent.waitForFinished(15000));
        QCOMPARE(agent.exitStatus(), QProcess::NormalExit);
        QCOMPARE(agent.exitCode(), 0);
    }

    void aPersonAtATerminalReadsLinesNotJson()
    {
        QProcess watch;
        watch.start(QStringLiteral(VIGILCTL),
            watchArgs(m_server.conninfo()) << QStringLiteral("--format") << QStringLiteral("text"));
        QVERIFY(watch.waitForStarted());
        QByteArray out;
        QByteArray errors; // shown with a failure: a sanitizer's report of vigilctl lands there
        static const QRegularExpression sample(QStringLiteral("\\n\\d\\d:\\d\\d:\\d\\d  p95 [^\\n]* · CPU "));
        QTRY_VERIFY2_WITH_TIMEOUT((out += watch.readAllStandardOutput(), errors += watch.readAllStandardError(),
                                      QString::fromUtf8(out).contains(sample)),
            // stderr first: QTest cuts long messages, and a sanitizer's report there names the fault at once.
            QByteArray("vigilctl's stderr: " + errors.left(600) + "\n-- stdout --\n" + out.right(600)).constData(),
            20000);
        QVERIFY2(out.contains("  watching ") && out.contains("(PostgreSQL 15"), out.constData());
        QVERIFY2(!out.contains("{\"event\""), out.constData());
        ::kill(pid_t(watch.processId()), SIGTERM);
        QVERIFY(watch.waitForFinished(15000));
        QCOMPARE(watch.exitCode(), 0);

        const VigilctlRun bad
            = runVigilctl(watchArgs(m_server.conninfo()) << QStringLiteral("--format") << QStringLiteral("xml"), 30000);
        QCOMPARE(bad.exitCode, 2);
        QVERIFY2(bad.err.contains(QLatin1StringView("--format expects text or json")), qPrintable(bad.err));
    }

    void anUnreachableServerAtStartExitsFive()
    {
        const VigilctlRun run
            = runVigilctl(watchArgs(QStringLiteral("host=127.0.0.1 port=1 dbname=app user=vigil")), 30000);
        QCOMPARE(run.exitCode, 5);
        QVERIFY2(run.err.contains(QLatin1StringView("connect")), qPrintable(run.err));
    }

    void aBadConfigurationExitsTwoWithAMessage_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("no target (VIGIL_TARGET empty)") << QStringList { QStringLiteral("watch"),
            QStringLiteral("--target"), QString(), QStringLiteral("--mode"), QStringLiteral("observe") }
                                                        << QStringLiteral("--target is required");
        QTest::newRow("a mode that does not exist") << QStringList { QStringLiteral("watch"),
            QStringLiteral("--target"), QStringLiteral("dbname=app"), QStringLiteral("--mode"),
            QStringLiteral("sometimes") } << QStringLiteral("--mode");
        QTest::newRow("not a connection string") << QStringList { QStringLiteral("watch"), QStringLiteral("--target"),
            QStringLiteral("host='unclosed"), QStringLiteral("--mode"), QStringLiteral("observe") }
                                                 << QStringLiteral("connection string");
    }

    void aBadConfigurationExitsTwoWithAMessage()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, mentions);
        arguments << QStringLiteral("--store") << m_dir.filePath(QStringLiteral("bad.sqlite"));
        const VigilctlRun run = runVigilctl(arguments, 30000);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(mentions), qPrintable(run.err));
    }

    void theUnitRestartsOnlyWhatARestartCanFix()
    {
        // Exit 5 (cannot reach the server) is restarted, 2 (bad configuration) is not, and there is no start limit
        // that would give up on a database that is down for long.
        QFile unit(QStringLiteral(VIGIL_SOURCE_DIR "/packaging/vigil-agent.service"));
        QVERIFY(unit.open(QIODevice::ReadOnly));
        const QByteArray text = unit.readAll();
        QVERIFY(text.contains("\nRestart=on-failure\n"));
        QVERIFY(text.contains("\nRestartPreventExitStatus=2\n"));
        QVERIFY(text.contains("\nStartLimitIntervalSec=0\n"));
    }

    void cleanupTestCase() { m_server.stop(); }
};

QTEST_GUILESS_MAIN(TestAgent)
#include "tst_agent.moc"
