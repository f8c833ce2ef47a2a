// SPDX-License-Identifier: MIT
// The shared PostgreSQL fixture against a real server: what every integration test relies on (settings, the
// extension, pgbench data and load, restart, password checks, shutdown) is checked here once.
#include "pgbenchload.h"
#include "pgserver.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QLocale>
#include <QRegularExpression>
#include <QTest>

#include <memory>

#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using vigil::testing::PgBenchLoad;
using vigil::testing::PgServer;

namespace {

// errno of a TCP connect to 127.0.0.1:port, 0 when something accepted it.
int connectErrno(int port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return errno;
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port));
    const int result = ::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0 ? 0 : errno;
    ::close(fd);
    return result;
}

} // namespace

class TestPgServer : public QObject
{
    Q_OBJECT

    std::unique_ptr<PgServer> m_server = std::make_unique<PgServer>();

    // One value from psql, failing the test with psql's message when the query fails.
    QString value(const QString &sql)
    {
        QString output;
        QString error;
        if (!m_server->psql(sql, &output, &error))
            qWarning("%s: %s", qPrintable(sql), qPrintable(error));
        return output;
    }

    // The load tests also run alone (tst_pgserver FUNCTION), so they bring their own pgbench tables.
    bool ensurePgbenchTables()
    {
        if (value(QStringLiteral("SELECT to_regclass('pgbench_accounts') IS NOT NULL")) == QLatin1StringView("t"))
            return true;
        QString error;
        if (!m_server->pgbenchInit(1, &error)) {
            qWarning("pgbench -i: %s", qPrintable(error));
            return false;
        }
        return true;
    }

    qlonglong xactCommit()
    {
        return value(QStringLiteral("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"))
            .toLongLong();
    }

private slots:
    void initTestCase()
    {
        QLocale::setDefault(QLocale::c());
        QElapsedTimer timer;
        timer.start();
        QString error;
        QVERIFY2(m_server->start(&error), qPrintable(error));
        qInfo("PostgreSQL started on port %d in %lld ms (%s)", m_server->port(), timer.elapsed(),
            qPrintable(m_server->directory()));
        QVERIFY(m_server->isRunning());
        QVERIFY(m_server->port() > 0);
        QCOMPARE(m_server->conninfo(),
            QStringLiteral("host=127.0.0.1 port=%1 dbname=vigil_test user=postgres").arg(m_server->port()));
        QVERIFY(QFileInfo::exists(m_server->logFile()));
    }

    void selectOne()
    {
        QString output;
        QString error;
        QVERIFY2(m_server->psql(QStringLiteral("SELECT 1"), &output, &error), qPrintable(error));
        QCOMPARE(output, QStringLiteral("1"));
    }

    void sqlErrorsAreReported()
    {
        QString error;
        QVERIFY(!m_server->psql(QStringLiteral("SELECT * FROM no_such_table"), nullptr, &error));
        QVERIFY2(error.contains(QLatin1StringView("no_such_table")), qPrintable(error));
    }

    void settings_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("expected");
        QTest::newRow("preloads pg_stat_statements")
            << QStringLiteral("shared_preload_libraries") << QStringLiteral("pg_stat_statements");
        QTest::newRow("tracks nested statements")
            << QStringLiteral("pg_stat_statements.track") << QStringLiteral("all");
        QTest::newRow("listens on loopback only") << QStringLiteral("listen_addresses") << QStringLiteral("127.0.0.1");
        QTest::newRow("fsync stays on") << QStringLiteral("fsync") << QStringLiteral("on");
        QTest::newRow("synchronous_commit default") << QStringLiteral("synchronous_commit") << QStringLiteral("on");
        QTest::newRow("max_connections") << QStringLiteral("max_connections") << QStringLiteral("200");
        QTest::newRow("shared_buffers") << QStringLiteral("shared_buffers") << QStringLiteral("128MB");
        QTest::newRow("log_min_messages") << QStringLiteral("log_min_messages") << QStringLiteral("warning");
    }

    void settings()
    {
        QFETCH(QString, name);
        QFETCH(QString, expected);
        const QString actual = value(QStringLiteral("SHOW ") + name);
        QVERIFY2(actual.split(QLatin1Char(',')).contains(expected), qPrintable(name + QStringLiteral(" = ") + actual));
    }

    void listensOnItsPort()
    {
        QCOMPARE(value(QStringLiteral("SHOW port")), QString::number(m_server->port()));
        QCOMPARE(value(QStringLiteral("SHOW unix_socket_directories")), m_server->directory());
    }

    void pgStatStatementsIsQueryable()
    {
        QCOMPARE(value(QStringLiteral("SELECT extname FROM pg_extension WHERE extname = 'pg_stat_statements'")),
            QStringLiteral("pg_stat_statements"));
        QCOMPARE(value(QStringLiteral("SELECT count(*) >= 0 FROM pg_stat_statements")), QStringLiteral("t"));
        // Our own earlier SELECT 1 has been recorded, normalised.
        QVERIFY(
            value(QStringLiteral("SELECT sum(calls) FROM pg_stat_statements WHERE query = 'SELECT $1'")).toInt() >= 1);
    }

    void pgbenchInitCreatesAccounts()
    {
        QString error;
        QVERIFY2(m_server->pgbenchInit(1, &error), qPrintable(error));
        QCOMPARE(value(QStringLiteral("SELECT count(*) FROM pgbench_accounts")), QStringLiteral("100000"));
        // Logged tables, as a real database has.
        QCOMPARE(value(QStringLiteral("SELECT relpersistence FROM pg_class WHERE relname = 'pgbench_accounts'")),
            QStringLiteral("p"));
    }

    void timedLoadRaisesCommits()
    {
        QVERIFY(ensurePgbenchTables());
        const qlonglong before = xactCommit();
        PgBenchLoad load(*m_server,
            { QStringLiteral("-n"), QStringLiteral("-c"), QStringLiteral("2"), QStringLiteral("-j"),
                QStringLiteral("2"), QStringLiteral("-T"), QStringLiteral("3") });
        QString error;
        QVERIFY2(load.start(&error), qPrintable(error));
        QVERIFY2(load.waitForFinished(30000), qPrintable(load.output()));
        QVERIFY2(load.exitCode() == 0, qPrintable(load.output()));

        const QRegularExpressionMatch processed
            = QRegularExpression(QStringLiteral("number of transactions actually processed: (\\d+)"))
                  .match(load.output());
        QVERIFY2(processed.hasMatch(), qPrintable(load.output()));
        const qlonglong transactions = processed.captured(1).toLongLong();
        QVERIFY(transactions > 0);
        // Backends report their counters when they exit, which may land a moment after pgbench returns.
        QTRY_VERIFY_WITH_TIMEOUT(xactCommit() - before >= transactions, 10000);
    }

    void customScriptPreparedLoadRunsUntilStopped()
    {
        QVERIFY(ensurePgbenchTables());
        QString error;
        const QString script = m_server->writeFile(QStringLiteral("lookup.sql"),
            "\\set aid random(1, 100000)\nSELECT abalance FROM pgbench_accounts WHERE aid = :aid;\n", &error);
        QVERIFY2(!script.isEmpty(), qPrintable(error));

        const QString calls = QStringLiteral("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements "
                                             "WHERE query = 'SELECT abalance FROM pgbench_accounts WHERE aid = $1'");
        PgBenchLoad load(*m_server,
            { QStringLiteral("-n"), QStringLiteral("-c"), QStringLiteral("2"), QStringLiteral("-j"),
                QStringLiteral("1"), QStringLiteral("-T"), QStringLiteral("600"), QStringLiteral("-M"),
                QStringLiteral("prepared"), QStringLiteral("-f"), script });
        QVERIFY2(load.start(&error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(value(calls).toLongLong() > 100, 10000);
        QVERIFY(load.isRunning());

        QElapsedTimer timer;
        timer.start();
        load.stop();
        QVERIFY(!load.isRunning());
        QVERIFY2(timer.elapsed() < 5000, "pgbench needed SIGKILL");
        QTRY_COMPARE_WITH_TIMEOUT(
            value(QStringLiteral("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgbench'")),
            QStringLiteral("0"), 10000);
    }

    void badLoadFailsToStart()
    {
        PgBenchLoad load(*m_server, { QStringLiteral("-f"), QStringLiteral("/nonexistent/script.sql") });
        QString error;
        QVERIFY(!load.start(&error));
        QVERIFY2(error.contains(QLatin1StringView("script.sql")), qPrintable(error));
    }

    void restartKeepsData()
    {
        QVERIFY(ensurePgbenchTables());
        QString error;
        QVERIFY2(m_server->psql(QStringLiteral("CREATE TABLE restart_probe(v text); INSERT INTO restart_probe "
                                               "VALUES ('kept')"),
                     nullptr, &error),
            qPrintable(error));
        const int port = m_server->port();
        QVERIFY2(m_server->restart(&error), qPrintable(error));
        QCOMPARE(m_server->port(), port);
        QCOMPARE(value(QStringLiteral("SELECT v FROM restart_probe")), QStringLiteral("kept"));
        QCOMPARE(value(QStringLiteral("SELECT count(*) FROM pgbench_accounts")), QStringLiteral("100000"));
        QCOMPARE(value(QStringLiteral("SHOW shared_preload_libraries")), QStringLiteral("pg_stat_statements"));
    }

    void passwordRole_data()
    {
        QTest::addColumn<QString>("user");
        QTest::addColumn<QString>("password");
        QTest::addColumn<bool>("connects");
        QTest::addColumn<QString>("message");
        QTest::newRow("vigil_pw without a password")
            << QStringLiteral("vigil_pw") << QString() << false << QStringLiteral("no password supplied");
        QTest::newRow("vigil_pw with a wrong password")
            << QStringLiteral("vigil_pw") << QStringLiteral("wrong") << false
            << QStringLiteral("password authentication failed for user \"vigil_pw\"");
        QTest::newRow("vigil_pw with its password")
            << QStringLiteral("vigil_pw") << QStringLiteral("s3cret-pw") << true << QString();
        QTest::newRow("other roles are trusted") << QStringLiteral("postgres") << QString() << true << QString();
    }

    void passwordRole()
    {
        QFETCH(QString, user);
        QFETCH(QString, password);
        QFETCH(bool, connects);
        QFETCH(QString, message);
        QString output;
        QString error;
        QCOMPARE(m_server->psqlAs(user, password, QStringLiteral("SELECT current_user"), &output, &error), connects);
        if (connects)
            QCOMPARE(output, user);
        else
            QVERIFY2(error.contains(message), qPrintable(error));
    }

    void stopRefusesConnections()
    {
        const int port = m_server->port();
        QCOMPARE(connectErrno(port), 0);
        m_server->stop();
        QVERIFY(!m_server->isRunning());
        QCOMPARE(connectErrno(port), ECONNREFUSED);
        QString error;
        QVERIFY(!m_server->psql(QStringLiteral("SELECT 1"), nullptr, &error));
        m_server->stop(); // idempotent
        QVERIFY(!m_server->isRunning());
    }

    void destructorRemovesEverything()
    {
        const QString directory = m_server->directory();
        QVERIFY(QFileInfo::exists(directory));
        m_server.reset();
        QVERIFY(!QFileInfo::exists(directory));
    }
};

QTEST_GUILESS_MAIN(TestPgServer)
#include "tst_pgserver.moc"
