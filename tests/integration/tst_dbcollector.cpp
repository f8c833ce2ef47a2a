// SPDX-License-Identifier: MIT
// DbCollector against a real PostgreSQL 15 under a light pgbench load: what it reads, what it leaves out (its own
// queries), what it never does (reset pg_stat_statements), and how it behaves when the server goes away, when
// pg_stat_statements is missing and when the password is wrong.
#include "collect/dbcollector.h"
#include "collect/targetidentity.h"
#include "metrics/samplederiver.h"
#include "pgbenchload.h"
#include "pgserver.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QProcess>
#include <QSet>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <array>
#include <memory>

using namespace vigil;
using namespace vigil::testing;

namespace {

// The statements of pgbench's built-in TPC-B-like script, as pg_stat_statements normalises them.
constexpr std::array<QLatin1StringView, 5> kPgbenchStatements {
    QLatin1StringView("UPDATE pgbench_accounts SET abalance = abalance +"),
    QLatin1StringView("SELECT abalance FROM pgbench_accounts WHERE aid ="),
    QLatin1StringView("UPDATE pgbench_tellers SET tbalance = tbalance +"),
    QLatin1StringView("UPDATE pgbench_branches SET bbalance = bbalance +"),
    QLatin1StringView("INSERT INTO pgbench_history"),
};

constexpr QLatin1StringView kMarkerText { "vigil-collector" };

} // namespace

class TestDbCollector : public QObject
{
    Q_OBJECT

    PgServer m_server;
    std::unique_ptr<PgBenchLoad> m_load;
    std::unique_ptr<DbCollector> m_collector;

    /// One value from psql; empty (with a warning naming the query) when it fails.
    QString value(const QString &sql)
    {
        QString output;
        QString error;
        if (!m_server.psql(sql, &output, &error))
            qWarning("%s: %s", qPrintable(sql), qPrintable(error));
        return output;
    }

    /// The queryids pg_stat_statements holds for statements that carry the collector's marker.
    QSet<qint64> markedQueryIds()
    {
        // The pattern is a constant, so this query's own normalised text does not contain the marker.
        const QString ids = value(QStringLiteral("SELECT string_agg(queryid::text, ',') FROM pg_stat_statements WHERE "
                                                 "query LIKE '%/* vigil-collector */%'"));
        QSet<qint64> result;
        for (const QString &id : ids.split(u',', Qt::SkipEmptyParts))
            result.insert(id.toLongLong());
        return result;
    }

    /// Calls of the collector's text query (the one reading pg_stat_statements(true), stored as "($2)") so far.
    qlonglong textQueryCalls()
    {
        return value(QStringLiteral("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements"
                                    " WHERE query LIKE '/* vigil-collector */ SELECT queryid, query FROM %'"))
            .toLongLong();
    }

    QString conninfo(const QString &database, const QString &user, const QString &password = {}) const
    {
        QString info = QStringLiteral("host=%1 port=%2 dbname=%3 user=%4")
                           .arg(m_server.host())
                           .arg(m_server.port())
                           .arg(database, user);
        if (!password.isEmpty())
            info += QStringLiteral(" password=") + password;
        return info;
    }

    /// The shared collector, connected (tests also run alone with `tst_dbcollector FUNCTION`).
    bool ensureConnected()
    {
        if (m_collector->isConnected())
            return true;
        QString error;
        if (!m_collector->connect(&error)) {
            qWarning("connect: %s", qPrintable(error));
            return false;
        }
        return true;
    }

private slots:
    void initTestCase()
    {
        QLocale::setDefault(QLocale::c());
        QString error;
        QVERIFY2(m_server.start(&error), qPrintable(error));
        QVERIFY2(m_server.pgbenchInit(1, &error), qPrintable(error));
        // Light open-loop TPC-B: about 50 transactions a second on two connections.
        m_load = std::make_unique<PgBenchLoad>(m_server,
            QStringList { QStringLiteral("-n"), QStringLiteral("-c"), QStringLiteral("2"), QStringLiteral("-j"),
                QStringLiteral("1"), QStringLiteral("-R"), QStringLiteral("50"), QStringLiteral("-T"),
                QStringLiteral("600") });
        QVERIFY2(m_load->start(&error), qPrintable(error));
        m_collector = std::make_unique<DbCollector>(m_server.conninfo());
    }

    void cleanupTestCase()
    {
        m_collector.reset();
        m_load.reset();
        m_server.stop();
    }

    void connects()
    {
        QString error;
        QVERIFY2(m_collector->connect(&error), qPrintable(error));
        QVERIFY(m_collector->isConnected());
        QVERIFY2(
            m_collector->serverVersion().startsWith(QLatin1StringView("15")), qPrintable(m_collector->serverVersion()));
        QCOMPARE(m_collector->targetName(),
            QStringLiteral("%1:%2/vigil_test")
                .arg(TargetIdentity::hostName(QStringLiteral("127.0.0.1")))
                .arg(m_server.port()));
        QVERIFY(m_collector->hasStatementStatistics());
        QVERIFY(m_collector->lastError().isEmpty());
        QVERIFY(m_collector->backendPid() > 0);
    }

    void sessionsShowWhoBlocksWhom()
    {
        // One session holds a lock and sleeps; another waits for it. The Sessions page's reading names both, the
        // waiting one blocked by the holder's pid, and pgbench's sessions beside them.
        QVERIFY(ensureConnected());
        QVERIFY(m_server.psql(QStringLiteral("CREATE TABLE IF NOT EXISTS sessions_t (id int)")));
        QProcess holder;
        QProcess waiter;
        m_server.setUpProcess(holder, QStringLiteral("psql"),
            m_server.connectionArguments()
                << QStringLiteral("-d") << m_server.database() << QStringLiteral("-c")
                << QStringLiteral("BEGIN; LOCK TABLE sessions_t; SELECT pg_sleep(20); COMMIT;"));
        holder.start();
        QVERIFY(holder.waitForStarted());
        // The holder has the lock before the waiter asks for it (a late holder would swap their parts).
        QTRY_COMPARE_WITH_TIMEOUT(value(QStringLiteral("SELECT count(*) FROM pg_locks WHERE relation = "
                                                       "'sessions_t'::regclass AND mode = 'AccessExclusiveLock' AND "
                                                       "granted")),
            QStringLiteral("1"), 10000);
        m_server.setUpProcess(waiter, QStringLiteral("psql"),
            m_server.connectionArguments() << QStringLiteral("-d") << m_server.database() << QStringLiteral("-c")
                                           << QStringLiteral("SELECT count(*) FROM sessions_t"));
        waiter.start();
        QVERIFY(waiter.waitForStarted());
        QJsonArray sessions;
        auto blockedOne = [&]() -> QJsonObject {
            QString error;
            sessions = m_collector->sessions(200, &error).value_or(QJsonArray {});
            for (const QJsonValue &v : sessions)
                if (!v.toObject().value(QLatin1StringView("blocked_by")).toArray().isEmpty())
                    return v.toObject();
            return {};
        };
        QTRY_VERIFY_WITH_TIMEOUT(!blockedOne().isEmpty(), 10000);
        const QJsonObject blocked = blockedOne();
        QVERIFY2(blocked.value(QLatin1StringView("query")).toString().contains(QLatin1StringView("sessions_t")),
            QJsonDocument(blocked).toJson().constData());
        QCOMPARE(blocked.value(QLatin1StringView("wait_event_type")).toString(), QStringLiteral("Lock"));
        const int holderPid = blocked.value(QLatin1StringView("blocked_by")).toArray().first().toInt();
        bool holderSeen = false;
        bool pgbenchSeen = false;
        for (const QJsonValue &v : sessions) {
            const QJsonObject o = v.toObject();
            holderSeen = holderSeen
                || (o.value(QLatin1StringView("pid")).toInt() == holderPid
                    && o.value(QLatin1StringView("query")).toString().contains(QLatin1StringView("pg_sleep")));
            pgbenchSeen
                = pgbenchSeen || o.value(QLatin1StringView("application")).toString() == QLatin1StringView("pgbench");
            QVERIFY(o.value(QLatin1StringView("pid")).toInt() != m_collector->backendPid()); // never itself
        }
        QVERIFY(holderSeen);
        QVERIFY(pgbenchSeen);
        // The blocked session comes first (the page shows lock waits at the top).
        QVERIFY(!sessions.first().toObject().value(QLatin1StringView("blocked_by")).toArray().isEmpty());
        holder.kill();
        waiter.kill();
        holder.waitForFinished();
        waiter.waitForFinished();
        // Their server sessions would sleep on with the lock: end them.
        QVERIFY(m_server.psql(QStringLiteral("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE "
                                             "'%sessions_t%' AND pid <> pg_backend_pid()")));
    }

    void targetNameNeverShowsThePassword()
    {
        DbCollector collector(conninfo(m_server.database(), QStringLiteral("vigil_pw"), QStringLiteral("s3cret-pw")));
        QString error;
        QVERIFY2(collector.connect(&error), qPrintable(error));
        QCOMPARE(collector.targetName(),
            QStringLiteral("%1:%2/vigil_test")
                .arg(TargetIdentity::hostName(QStringLiteral("127.0.0.1")))
                .arg(m_server.port()));
        QVERIFY(!collector.targetName().contains(QLatin1StringView("s3cret")));
    }

    void snapshotHasCountersAndStatements()
    {
        QVERIFY(ensureConnected());
        const double now = double(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
        const std::optional<Snapshot> s = m_collector->collect(true);
        QVERIFY2(s.has_value(), qPrintable(m_collector->lastError()));
        QVERIFY(s->hasStatements);
        QVERIFY(!s->statements.empty());
        QVERIFY(s->db.xactCommit.has_value());
        QVERIFY(*s->db.xactCommit > 0);
        QVERIFY(s->db.blksHit.has_value());
        QVERIFY(s->activity.total.has_value());
        QVERIFY(*s->activity.total >= 1);
        // At least the collector's own session is active while it reads pg_stat_activity.
        QVERIFY(s->activity.active.has_value());
        QVERIFY(*s->activity.active >= 1);
        QCOMPARE(s->activity.maxConnections.value_or(0), 200.0);
        // The machine's own speed: round trips of a statement that reads no table, each well under the timeout.
        QVERIFY(s->probeMs.has_value());
        QVERIFY2(*s->probeMs > 0 && *s->probeMs < 2000, qPrintable(QString::number(*s->probeMs)));
        // And at work (a fixed unit of CPU work in the server, JIT off in the collector's session): only when asked,
        // while an action is in the pipeline.
        QVERIFY(!s->cpuProbeMs.has_value());
        const std::optional<Snapshot> probed = m_collector->collect(true, true);
        QVERIFY2(probed.has_value(), qPrintable(m_collector->lastError()));
        QVERIFY(probed->cpuProbeMs.has_value());
        QVERIFY2(
            *probed->cpuProbeMs > 0 && *probed->cpuProbeMs < 2000, qPrintable(QString::number(*probed->cpuProbeMs)));
        // Unix time, taken during the query.
        QVERIFY2(qAbs(s->t - now) < 5.0, qPrintable(QString::number(s->t - now, 'f', 3)));
        QVERIFY(std::is_sorted(s->statements.begin(), s->statements.end(),
            [](const StatementCounters &a, const StatementCounters &b) { return a.queryId < b.queryId; }));
    }

    void twoCollectionsUnderLoadGiveASample()
    {
        QVERIFY(ensureConnected());
        std::array<Snapshot, 2> ticks;
        const std::optional<Snapshot> first = m_collector->collect(true);
        QVERIFY2(first.has_value(), qPrintable(m_collector->lastError()));
        // The sampling interval itself, not a wait for something to happen.
        QThread::msleep(1000);
        const std::optional<Snapshot> second = m_collector->collect(true);
        QVERIFY2(second.has_value(), qPrintable(m_collector->lastError()));
        ticks[0] = *first;
        ticks[1] = *second;
        QVERIFY(ticks[1].t - ticks[0].t >= 0.9);
        QVERIFY(ticks[1].db.xactCommit.value_or(0) > ticks[0].db.xactCommit.value_or(0));

        const Sample sample = SampleDeriver::derive(ticks);
        QVERIFY(sample.valid);
        QVERIFY(sample.tps.has_value());
        QVERIFY2(*sample.tps > 0, qPrintable(QString::number(*sample.tps)));
        QVERIFY(sample.latencyP95Ms.has_value());
        QVERIFY(*sample.latencyP95Ms > 0);

        // Every pgbench statement ran in the interval and has its own latency.
        const QHash<qint64, QString> &texts = m_collector->statementTexts();
        for (QLatin1StringView statement : kPgbenchStatements) {
            const auto found = std::find_if(sample.statements.begin(), sample.statements.end(),
                [&](const StatementInterval &s) { return texts.value(s.queryId).startsWith(statement); });
            QVERIFY2(found != sample.statements.end(), statement.data());
            QVERIFY2(found->calls > 0, statement.data());
            QVERIFY2(found->meanMs > 0, statement.data());
        }
    }

    void ownQueriesAreLeftOut()
    {
        QVERIFY(ensureConnected());
        std::optional<Snapshot> last;
        for (int i = 0; i < 4; ++i) {
            last = m_collector->collect(true);
            QVERIFY2(last.has_value(), qPrintable(m_collector->lastError()));
        }
        // They exist in pg_stat_statements ...
        const QSet<qint64> marked = markedQueryIds();
        QVERIFY2(marked.size() >= 3, qPrintable(QString::number(marked.size())));
        // ... and never reach a Snapshot, nor the texts.
        const QHash<qint64, QString> &texts = m_collector->statementTexts();
        for (const StatementCounters &c : last->statements) {
            QVERIFY2(!marked.contains(c.queryId), qPrintable(texts.value(c.queryId)));
            QVERIFY2(!texts.value(c.queryId).contains(kMarkerText), qPrintable(texts.value(c.queryId)));
        }
        for (const QString &text : texts)
            QVERIFY2(!text.contains(kMarkerText), qPrintable(text));
    }

    /// Starts psql on @p script in the background (the caller waits for it).
    bool startScript(QProcess &psql, const QString &name, const QByteArray &script)
    {
        QString error;
        const QString path = m_server.writeFile(name, script, &error);
        if (path.isEmpty())
            return false;
        m_server.setUpProcess(psql, QStringLiteral("psql"),
            m_server.connectionArguments() << QStringLiteral("-X") << QStringLiteral("-q") << QStringLiteral("-d")
                                           << m_server.database() << QStringLiteral("-f") << path);
        psql.start();
        return psql.waitForStarted();
    }

    bool namesMarker(const Snapshot &s, QLatin1StringView marker) const
    {
        for (qint64 id : s.longRunningQueryIds)
            if (m_collector->statementTexts().value(id).contains(marker))
                return true;
        return false;
    }

    void aLongOpenTransactionIsSeenWithItsStatement()
    {
        // pg_dump's way: short statements one after another inside one transaction held open for the whole dump.
        // The session is idle in its transaction for moments between statements, yet it is foreign work the guard
        // must see.
        QVERIFY(ensureConnected());
        QByteArray script = "BEGIN;\n";
        for (int i = 0; i < 25; ++i)
            script += "SELECT 4242 AS long_transaction_marker;\n\\! sleep 0.2\n";
        script += "COMMIT;\n";
        QProcess psql;
        QVERIFY(startScript(psql, QStringLiteral("long_transaction.sql"), script));
        QThread::msleep(2800); // the transaction is over 2 s old
        const std::optional<Snapshot> s = m_collector->collect(true);
        QVERIFY2(s.has_value(), qPrintable(m_collector->lastError()));
        QVERIFY2(s->activity.dbLongRunning.value_or(0) >= 1, "the open transaction is counted as long-running");
        QVERIFY2(namesMarker(*s, QLatin1StringView("long_transaction_marker")), "its last statement is named");
        QVERIFY(psql.waitForFinished(15000));
    }

    void aSessionIdleInItsTransactionIsNoLongStatement()
    {
        // A pool that forgot to commit: one statement, then idle in the open transaction. It does no work; counted
        // as a long statement it once set aside every sample of a window (the sandbox's showcase, docs/guard.md).
        QVERIFY(ensureConnected());
        QProcess psql;
        QVERIFY(startScript(psql, QStringLiteral("idle_transaction.sql"),
            "BEGIN;\nSELECT 4343 AS idle_transaction_marker;\n\\! sleep 5\nCOMMIT;\n"));
        QThread::msleep(3000); // over 2 s into the transaction, over 1 s idle in it
        const std::optional<Snapshot> s = m_collector->collect(true);
        QVERIFY2(s.has_value(), qPrintable(m_collector->lastError()));
        QVERIFY(s->activity.dbIdleInTransaction.value_or(0) >= 1); // it is there, idle in its transaction
        QVERIFY2(!namesMarker(*s, QLatin1StringView("idle_transaction_marker")), "an idle session counted as running");
        QVERIFY(psql.waitForFinished(15000));
    }

    void statementTextsAreFetchedOnce()
    {
        QVERIFY(ensureConnected());
        for (int i = 0; i < 3; ++i)
            QVERIFY2(m_collector->collect(true).has_value(), qPrintable(m_collector->lastError()));
        const QHash<qint64, QString> &texts = m_collector->statementTexts();
        for (QLatin1StringView statement : kPgbenchStatements) {
            QVERIFY2(std::any_of(texts.begin(), texts.end(), [&](const QString &t) { return t.startsWith(statement); }),
                statement.data());
        }
        // The psql query below is the only new statement, so the next collections fetch texts exactly once.
        const qlonglong before = textQueryCalls();
        for (int i = 0; i < 5; ++i)
            QVERIFY2(m_collector->collect(true).has_value(), qPrintable(m_collector->lastError()));
        QCOMPARE(textQueryCalls(), before + 1);
    }

    // Engine findings (issue 3 review), kept as expected failures: each turns into an XPASS, and fails the test,
    // once the collector is fixed, so the marker is removed then.

    void sameStatementOfTwoRolesIsOneRow()
    {
        QVERIFY(ensureConnected());
        const QString sql = QStringLiteral("SELECT length('two roles')");
        QVERIFY(m_server.psql(sql));
        QVERIFY(m_server.psqlAs(QStringLiteral("vigil_pw"), QStringLiteral("s3cret-pw"), sql));
        QVERIFY2(m_collector->collect(true).has_value(), qPrintable(m_collector->lastError()));
        const std::optional<Snapshot> s = m_collector->collect(true);
        QVERIFY2(s.has_value(), qPrintable(m_collector->lastError()));
        const QHash<qint64, QString> &texts = m_collector->statementTexts();
        const auto count = std::count_if(s->statements.begin(), s->statements.end(), [&](const StatementCounters &c) {
            return texts.value(c.queryId).startsWith(QLatin1StringView("SELECT length($1)"));
        });
        // pg_stat_statements keeps one row per (userid, dbid, queryid, toplevel); the collector reads them all
        // without summing per queryid, so SampleDeriver's merge pairs the wrong rows (negative deltas read as a
        // reset, or wrong latencies).
        QVERIFY(count >= 1);
        QCOMPARE(count, 1);
    }

    void connectionSetupQueryIsLeftOut()
    {
        QVERIFY(ensureConnected());
        const std::optional<Snapshot> s = m_collector->collect(true);
        QVERIFY2(s.has_value(), qPrintable(m_collector->lastError()));
        const QHash<qint64, QString> &texts = m_collector->statementTexts();
        const bool present = std::any_of(s->statements.begin(), s->statements.end(), [&](const StatementCounters &c) {
            return texts.value(c.queryId).startsWith(QLatin1StringView("SELECT set_config("));
        });
        // PgConnection::open() sets statement_timeout with a query that has no marker.
        QVERIFY(!present);
    }

    void unprivilegedRoleIsToldWhatIsMissing()
    {
        DbCollector collector(conninfo(m_server.database(), QStringLiteral("vigil_pw"), QStringLiteral("s3cret-pw")));
        QString error;
        QVERIFY2(collector.connect(&error), qPrintable(error));
        // The probe reads shared_preload_libraries, which needs superuser or pg_read_all_settings; it fails and
        // the collector goes without statement statistics and without advice (and without pg_read_all_stats it
        // would see only its own role's statements).
        QVERIFY(collector.hasStatementStatistics() || !collector.statementStatisticsAdvice().isEmpty());
    }

    void neverResetsStatementStatistics()
    {
        QVERIFY(ensureConnected());
        const QString query = QStringLiteral("SELECT stats_reset FROM pg_stat_statements_info");
        const QString before = value(query);
        QVERIFY(!before.isEmpty());
        for (int i = 0; i < 5; ++i)
            QVERIFY2(m_collector->collect(i % 2 == 0).has_value(), qPrintable(m_collector->lastError()));
        QCOMPARE(value(query), before);
    }

    void countersOnlyWithoutStatements()
    {
        QVERIFY(ensureConnected());
        const std::optional<Snapshot> s = m_collector->collect(false);
        QVERIFY2(s.has_value(), qPrintable(m_collector->lastError()));
        QVERIFY(!s->hasStatements);
        QVERIFY(s->statements.empty());
        QVERIFY(s->db.xactCommit.has_value());
        QVERIFY(s->activity.total.has_value());
        QCOMPARE(s->activity.maxConnections.value_or(0), 200.0);
    }

    void withoutPgStatStatements()
    {
        QVERIFY(m_server.psql(QStringLiteral("CREATE DATABASE nopgss")));
        DbCollector collector(conninfo(QStringLiteral("nopgss"), QStringLiteral("postgres")));
        QString error;
        QVERIFY2(collector.connect(&error), qPrintable(error));
        QVERIFY(!collector.hasStatementStatistics());
        QVERIFY2(
            collector.statementStatisticsAdvice().contains(QLatin1StringView("CREATE EXTENSION pg_stat_statements")),
            qPrintable(collector.statementStatisticsAdvice()));
        const std::optional<Snapshot> s = collector.collect(true);
        QVERIFY2(s.has_value(), qPrintable(collector.lastError()));
        QVERIFY(!s->hasStatements);
        QVERIFY(s->statements.empty());
        QVERIFY(s->db.xactCommit.has_value());
        QVERIFY(s->activity.total.has_value());
    }

    void wrongPasswordIsRefused()
    {
        const QString wrong = QStringLiteral("Wr0ng-pa55word");
        DbCollector collector(conninfo(m_server.database(), QStringLiteral("vigil_pw"), wrong));
        QString error;
        QVERIFY(!collector.connect(&error));
        QVERIFY(!collector.isConnected());
        QVERIFY2(error.contains(QLatin1StringView("authentication")), qPrintable(error));
        QVERIFY2(!error.contains(wrong), qPrintable(error));
        QVERIFY(!collector.lastError().contains(wrong));
        QVERIFY(!collector.collect(true).has_value());
        QVERIFY(!collector.lastError().contains(wrong));
    }

    // Last: it takes the server down (and brings it back).
    void serverGoneGivesGapsThenRecovers()
    {
        QVERIFY(ensureConnected());
        QVERIFY(m_collector->collect(false).has_value());
        m_load.reset(); // the server must outlive its load
        m_server.stop();
        QVERIFY(!m_server.isRunning());

        // A gap: nothing, with the reason; never numbers.
        QVERIFY(!m_collector->collect(true).has_value());
        QVERIFY(!m_collector->lastError().isEmpty());
        QVERIFY(!m_collector->isConnected());
        QVERIFY(!m_collector->collect(false).has_value());
        QVERIFY(!m_collector->lastError().isEmpty());

        QString error;
        QVERIFY2(m_server.restart(&error), qPrintable(error));
        // Within the backoff (1 s, then 2 s ...), collection resumes on its own.
        QTRY_VERIFY_WITH_TIMEOUT(m_collector->collect(true).has_value(), 10000);
        QVERIFY(m_collector->isConnected());
        const std::optional<Snapshot> s = m_collector->collect(true);
        QVERIFY2(s.has_value(), qPrintable(m_collector->lastError()));
        QVERIFY(s->hasStatements);
        QVERIFY(s->db.xactCommit.has_value());
    }
};

QTEST_GUILESS_MAIN(TestDbCollector)
#include "tst_dbcollector.moc"
