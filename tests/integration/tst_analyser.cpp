// SPDX-License-Identifier: MIT
// The detectors on a real PostgreSQL 15, each on the real condition it is for: 150 sessions idle in a transaction,
// a lookup workload on a million-row table without its index (with and without hypopg's what-if), an unused index,
// sorts spilling to disk, and a pgbench database that fits in shared_buffers against one several times larger.
// Last, the autonomous loop end to end: the missing index is created, watched, kept, and latency falls.
#include "Engine.h"
#include "collect/connectioncheck.h"
#include "conninfo.h"
#include "pgbenchload.h"
#include "pgserver.h"
#include "store/knowledgestore.h"
#include "vigilctlrunner.h"

#include <QJsonArray>
#include <QLocale>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <libpq-fe.h>

#include <memory>

using namespace vigil;
using namespace vigil::testing;

class TestAnalyser : public QObject
{
    Q_OBJECT

    PgServer m_server;
    QTemporaryDir m_dir;

    QString store() const { return m_dir.filePath(QStringLiteral("store.sqlite")); }

    /// vigilctl analyse for `seconds`, JSON findings. Its exit code says whether it found anything (1) or not (0);
    /// anything else, or a code that disagrees with what it printed, fails the test.
    std::vector<QJsonObject> analyse(int seconds, const QStringList &extra = {})
    {
        const VigilctlRun run
            = runVigilctl(QStringList { QStringLiteral("analyse"), QStringLiteral("--target"), m_server.conninfo(),
                              QStringLiteral("--seconds"), QString::number(seconds), QStringLiteral("--format"),
                              QStringLiteral("json"), QStringLiteral("--store"), store() }
                + extra);
        const std::vector<QJsonObject> findings = run.events();
        const int expected = findings.empty() ? 0 : 1;
        if (run.exitCode != expected) {
            qWarning("vigilctl analyse exited %d with %d finding(s): %s", run.exitCode, int(findings.size()),
                qPrintable(run.err));
            return {};
        }
        return findings;
    }

    static const QJsonObject *finding(
        const std::vector<QJsonObject> &findings, const QString &detector, const QString &condition = {})
    {
        for (const QJsonObject &f : findings)
            if (f.value(QLatin1StringView("detector")).toString() == detector
                && (condition.isEmpty() || f.value(QLatin1StringView("case")).toString() == condition))
                return &f;
        return nullptr;
    }

    static QString proposalSql(const QJsonObject &f)
    {
        return f.value(QLatin1StringView("proposal")).toObject().value(QLatin1StringView("sql")).toString();
    }

    std::unique_ptr<PgBenchLoad> load(const QByteArray &script, int clients, int seconds)
    {
        QString error;
        const QString path = m_server.writeFile(QStringLiteral("load-%1.sql").arg(qHash(script)), script, &error);
        auto l = std::make_unique<PgBenchLoad>(m_server,
            QStringList { QStringLiteral("-n"), QStringLiteral("-f"), path, QStringLiteral("-c"),
                QString::number(clients), QStringLiteral("-j"), QString::number(clients), QStringLiteral("-T"),
                QString::number(seconds) });
        if (!l->start(&error)) {
            qWarning("pgbench: %s", qPrintable(error));
            return nullptr;
        }
        return l;
    }

    std::unique_ptr<PgBenchLoad> selectOnlyLoad(int seconds)
    {
        QString error;
        auto l = std::make_unique<PgBenchLoad>(m_server,
            QStringList { QStringLiteral("-n"), QStringLiteral("-S"), QStringLiteral("-c"), QStringLiteral("2"),
                QStringLiteral("-j"), QStringLiteral("2"), QStringLiteral("-T"), QString::number(seconds) });
        return l->start(&error) ? std::move(l) : nullptr;
    }

    bool setSharedBuffersAndRestart(const QString &value)
    {
        QString error;
        return m_server.psql(QStringLiteral("ALTER SYSTEM SET shared_buffers = '%1'").arg(value))
            && m_server.restart(&error);
    }

    static const char *lookupScript()
    {
        return "\\set n random(1, 1000000)\nSELECT id, price FROM items WHERE sku = 'sku-' || :n;\n";
    }

private slots:
    void initTestCase()
    {
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
        QString error;
        QVERIFY2(m_server.start(&error), qPrintable(error));
    }

    // A pgbench database that fits in shared_buffers (128 MB) is served from the cache: no cache finding.
    void cacheFitsNoFinding()
    {
        QString error;
        QVERIFY2(m_server.pgbenchInit(2, &error), qPrintable(error)); // ~30 MB
        const std::unique_ptr<PgBenchLoad> l = selectOnlyLoad(12);
        QVERIFY(l);
        QTest::qWait(2000); // past the first reads of a cold cache
        const std::vector<QJsonObject> f = analyse(8);
        QVERIFY(!finding(f, QStringLiteral("cache")));
    }

    // The same workload on a database ten times larger than shared_buffers (16 MB) reads constantly.
    void cacheTooSmallIsFound()
    {
        QVERIFY(setSharedBuffersAndRestart(QStringLiteral("16MB")));
        QString error;
        QVERIFY2(m_server.pgbenchInit(10, &error), qPrintable(error)); // ~160 MB
        const std::unique_ptr<PgBenchLoad> l = selectOnlyLoad(14);
        QVERIFY(l);
        QTest::qWait(2000);
        const std::vector<QJsonObject> f = analyse(10);
        const QJsonObject *cache = finding(f, QStringLiteral("cache"), QStringLiteral("working_set_exceeds_cache"));
        QVERIFY2(cache, "no cache finding on a database ten times larger than shared_buffers");
        const QJsonObject evidence = cache->value(QLatin1StringView("evidence")).toObject();
        QVERIFY(evidence.value(QLatin1StringView("cache_hit_ratio")).toDouble() < 0.95);
        QVERIFY(evidence.value(QLatin1StringView("database_mb")).toDouble()
            > 5 * evidence.value(QLatin1StringView("shared_buffers_mb")).toDouble());
        // shared_buffers needs a restart: proposed for a maintenance window, never queued or executed.
        const QJsonObject proposal = cache->value(QLatin1StringView("proposal")).toObject();
        QVERIFY(proposal.value(QLatin1StringView("sql"))
                    .toString()
                    .startsWith(QLatin1StringView("ALTER SYSTEM SET shared_buffers = ")));
        QVERIFY(proposal.value(QLatin1StringView("needs_restart")).toBool());
        QCOMPARE(proposal.value(QLatin1StringView("decision")).toString(), QStringLiteral("advise"));
        QVERIFY(m_server.psql(QStringLiteral("ALTER SYSTEM RESET shared_buffers")));
        QVERIFY(m_server.restart(&error));
        QVERIFY(m_server.psql(QStringLiteral("DROP TABLE pgbench_accounts, pgbench_branches, pgbench_history, "
                                             "pgbench_tellers")));
    }

    void idleInTransactionSessions()
    {
        std::vector<PGconn *> sessions;
        auto closeAll = qScopeGuard([&sessions] {
            for (PGconn *c : sessions)
                PQfinish(c);
        });
        for (int i = 0; i < 150; ++i) {
            PGconn *c = PQconnectdb(m_server.conninfo().toUtf8().constData());
            QVERIFY2(PQstatus(c) == CONNECTION_OK, PQerrorMessage(c));
            sessions.push_back(c);
            PQclear(PQexec(c, "BEGIN; SELECT 1"));
        }
        const std::vector<QJsonObject> f = analyse(6);
        const QJsonObject *pool
            = finding(f, QStringLiteral("connection_pool"), QStringLiteral("idle_in_transaction_hoarding"));
        QVERIFY2(pool, "150 idle-in-transaction sessions were not found");
        QVERIFY(pool->value(QLatin1StringView("evidence"))
                    .toObject()
                    .value(QLatin1StringView("sessions_idle_in_transaction"))
                    .toDouble()
            >= 150);
        QCOMPARE(proposalSql(*pool), QStringLiteral("ALTER SYSTEM SET idle_in_transaction_session_timeout = '5min'"));
        QVERIFY(!finding(f, QStringLiteral("connection_pool"), QStringLiteral("cpu_saturated_by_active_sessions")));
    }

    void missingIndexWithWhatIfAndUnusedIndex()
    {
        QVERIFY(m_server.psql(QStringLiteral(
            "CREATE EXTENSION IF NOT EXISTS hypopg; "
            "CREATE TABLE items (id bigserial PRIMARY KEY, sku text NOT NULL, region int, price numeric, note text); "
            "INSERT INTO items (sku, region, price, note) SELECT 'sku-' || g, g % 50, g % 1000, md5(g::text) "
            "FROM generate_series(1, 1000000) g; "
            "CREATE INDEX items_note_idx ON items (note); ANALYZE items")));
        std::unique_ptr<PgBenchLoad> l = load(lookupScript(), 2, 12);
        QVERIFY(l);
        const std::vector<QJsonObject> f = analyse(6,
            { QStringLiteral("--set"), QStringLiteral("unused_min_stats_age_s=0"), QStringLiteral("--set"),
                QStringLiteral("unused_min_bytes=1000000") });
        const QJsonObject *missing = finding(f, QStringLiteral("missing_index"));
        QVERIFY2(missing, "no missing-index finding for a lookup by sku on a million rows");
        QCOMPARE(proposalSql(*missing),
            QStringLiteral("CREATE INDEX CONCURRENTLY \"vigil_items_sku_idx\" ON \"public\".\"items\" (\"sku\")"));
        const QJsonObject whatIf
            = missing->value(QLatin1StringView("evidence")).toObject().value(QLatin1StringView("what_if")).toObject();
        QVERIFY2(whatIf.value(QLatin1StringView("cost_reduction")).toDouble() >= 0.3,
            qPrintable(QString::fromUtf8(QJsonDocument(whatIf).toJson())));
        QVERIFY(whatIf.value(QLatin1StringView("cost_after")).toDouble()
            < whatIf.value(QLatin1StringView("cost_before")).toDouble());

        // The index nobody scans is proposed for dropping; the primary key never is.
        const QJsonObject *unused = finding(f, QStringLiteral("unused_index"));
        QVERIFY2(unused, "the unused index was not found");
        QCOMPARE(proposalSql(*unused), QStringLiteral("DROP INDEX CONCURRENTLY \"public\".\"items_note_idx\""));
        for (const QJsonObject &x : f)
            QVERIFY(!proposalSql(x).contains(QLatin1StringView("items_pkey")));

        // The journal remembers a rollback of this very index on this target an hour ago: not proposed again, and
        // the finding says why.
        {
            QString error;
            const std::unique_ptr<KnowledgeStore> journal = KnowledgeStore::open(store(), &error);
            QVERIFY2(journal, qPrintable(error));
            Action past;
            past.target = checkConnection(m_server.conninfo()).displayName;
            past.kind = ActionKind::CreateIndex;
            past.origin = ActionOrigin::Auto;
            past.applySql = proposalSql(*missing);
            past.rollbackSql = QStringLiteral("DROP INDEX CONCURRENTLY IF EXISTS \"public\".\"vigil_items_sku_idx\"");
            past.details = { { QStringLiteral("subject"), QStringLiteral("public.vigil_items_sku_idx") } };
            const qint64 id = journal->createAction(past, QStringLiteral("proposed"));
            QVERIFY2(id > 0, qPrintable(journal->lastError()));
            QVERIFY(journal->transition(id, ActionState::Applying, QStringLiteral("applying")));
            QVERIFY(journal->transition(id, ActionState::Observing, QStringLiteral("applied")));
            QVERIFY(journal->transition(id, ActionState::RollingBack, QStringLiteral("p95 latency +40%")));
            QVERIFY(journal->transition(id, ActionState::RolledBack, QStringLiteral("p95 latency +40%")));
        }
        // Without hypopg the candidate is still found, and says it was not validated.
        QVERIFY(m_server.psql(QStringLiteral("DROP EXTENSION hypopg")));
        const std::vector<QJsonObject> g = analyse(4);
        const QJsonObject *unvalidated = finding(g, QStringLiteral("missing_index"));
        QVERIFY(unvalidated);
        QVERIFY(unvalidated->value(QLatin1StringView("advice")).toString().contains(QLatin1StringView("hypopg")));
        const QJsonObject remembered = unvalidated->value(QLatin1StringView("proposal")).toObject();
        QCOMPARE(remembered.value(QLatin1StringView("decision")).toString(), QStringLiteral("suppressed"));
        QVERIFY2(remembered.value(QLatin1StringView("decision_reason"))
                     .toString()
                     .contains(QLatin1StringView("rolled back")),
            qPrintable(remembered.value(QLatin1StringView("decision_reason")).toString()));
        QVERIFY(m_server.psql(QStringLiteral("CREATE EXTENSION hypopg")));
        l->waitForFinished(15000);
        // Nothing was changed by analysing: no index was created.
        QString indexes;
        QVERIFY(m_server.psql(QStringLiteral("SELECT count(*) FROM pg_indexes WHERE tablename = 'items'"), &indexes));
        QCOMPARE(indexes, QStringLiteral("2"));
    }

    /// The missing-index finding about this table, or nothing.
    static const QJsonObject *missingIndexOn(const std::vector<QJsonObject> &findings, const QString &table)
    {
        for (const QJsonObject &f : findings)
            if (f.value(QLatin1StringView("detector")).toString() == QLatin1StringView("missing_index")
                && f.value(QLatin1StringView("evidence")).toObject().value(QLatin1StringView("table")).toString()
                    == table)
                return &f;
        return nullptr;
    }

    void missingIndexForAnExpressionOfParametersAndForAColumnPair()
    {
        // Real statements compare columns with expressions of parameters, and several columns at once: PostgreSQL's
        // own parser reads them. A hot lookup by a hashed key gets the index on the key; a lookup by an unindexed
        // pair gets one two-column index; both validated with hypopg.
        QVERIFY(m_server.psql(
            QStringLiteral("CREATE EXTENSION IF NOT EXISTS hypopg; "
                           "CREATE TABLE parts (id bigserial PRIMARY KEY, code text NOT NULL, a int, b int, qty int); "
                           "INSERT INTO parts (code, a, b, qty) SELECT md5(g::text), g % 1000, g / 1000, g % 7 "
                           "FROM generate_series(1, 1000000) g; ANALYZE parts")));
        for (const auto &[script, expected] :
            { std::pair { QByteArray("\\set n random(1, 1000000)\nSELECT qty FROM parts WHERE code = md5(:n::text);\n"),
                  QStringLiteral(
                      "CREATE INDEX CONCURRENTLY \"vigil_parts_code_idx\" ON \"public\".\"parts\" (\"code\")") },
                std::pair { QByteArray("\\set x random(0, 999)\n\\set y random(0, 999)\n"
                                       "SELECT p.qty FROM public.parts AS p WHERE p.a = :x AND p.b = :y;\n"),
                    QStringLiteral("CREATE INDEX CONCURRENTLY \"vigil_parts_a_b_idx\" ON \"public\".\"parts\" (\"a\", "
                                   "\"b\")") } }) {
            std::unique_ptr<PgBenchLoad> l = load(script, 2, 10);
            QVERIFY(l);
            const std::vector<QJsonObject> f = analyse(6);
            l->stop(); // the findings are in: the next lookup starts on its own
            const QJsonObject *missing = missingIndexOn(f, QStringLiteral("public.parts"));
            QVERIFY2(missing, script.constData());
            QCOMPARE(proposalSql(*missing), expected);
            const QJsonObject whatIf = missing->value(QLatin1StringView("evidence"))
                                           .toObject()
                                           .value(QLatin1StringView("what_if"))
                                           .toObject();
            QVERIFY2(whatIf.value(QLatin1StringView("cost_reduction")).toDouble() >= 0.3,
                QJsonDocument(whatIf).toJson().constData());
        }
        QVERIFY(m_server.psql(QStringLiteral("DROP TABLE parts")));
    }

    void sortsSpilling()
    {
        // ALTER SYSTEM cannot share a transaction with anything: one psql call each.
        QVERIFY(m_server.psql(QStringLiteral("CREATE TABLE sorttab AS SELECT g AS id, md5(g::text) AS val "
                                             "FROM generate_series(1, 100000) g; ANALYZE sorttab")));
        QVERIFY(m_server.psql(QStringLiteral("ALTER SYSTEM SET work_mem = '64kB'")));
        QVERIFY(m_server.psql(QStringLiteral("SELECT pg_reload_conf()")));
        const std::unique_ptr<PgBenchLoad> l = load("SELECT id, val FROM sorttab ORDER BY val;\n", 2, 10);
        QVERIFY(l);
        const std::vector<QJsonObject> f = analyse(6);
        QVERIFY(m_server.psql(QStringLiteral("ALTER SYSTEM RESET work_mem")));
        QVERIFY(m_server.psql(QStringLiteral("SELECT pg_reload_conf()")));
        const QJsonObject *spill = finding(f, QStringLiteral("spills"));
        QVERIFY2(spill, "sorts spilling to disk were not found");
        QVERIFY(proposalSql(*spill).startsWith(QLatin1StringView("ALTER SYSTEM SET work_mem = '")));
        const QJsonArray statements
            = spill->value(QLatin1StringView("evidence")).toObject().value(QLatin1StringView("statements")).toArray();
        QVERIFY(!statements.isEmpty());
        QVERIFY(statements.at(0)
                    .toObject()
                    .value(QLatin1StringView("query"))
                    .toString()
                    .contains(QLatin1StringView("ORDER BY val")));
    }

    // Autonomous mode end to end: the engine finds the missing index, creates it, watches it and keeps it.
    void autonomousMissingIndexIsCreatedWatchedAndKept()
    {
        // The lookups run for the whole test; closed loop, so a faster lookup shows as more throughput too.
        std::unique_ptr<PgBenchLoad> l = load(lookupScript(), 2, 120);
        QVERIFY(l);
        EngineConfig config;
        config.targetConninfo = m_server.conninfo();
        config.storeLocation = m_dir.filePath(QStringLiteral("autonomous.sqlite"));
        config.mode = Mode::Autonomous;
        config.policy.intervalSeconds = 1;
        config.policy.baselineSeconds = 10;
        config.policy.windowSeconds = 12;
        config.analyseSeconds = 6;
        // The analyser's own reading of pg_stat_statements: the engine hands it the collector's instead (one read
        // per interval for the guard and the detectors).
        auto analyserReads = [this] {
            QString calls;
            m_server.psql(QStringLiteral("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE query LIKE "
                                         "'%temp_blks_written, shared_blks_read%' AND query NOT LIKE '%LIKE%'"),
                &calls);
            return calls;
        };
        const QString readsBefore = analyserReads();
        Engine engine(config);
        QSignalSpy finished(&engine, &Engine::actionFinished);
        QString error;
        QVERIFY2(engine.start(&error), qPrintable(error));
        QVERIFY(finished.wait(90000));
        const Action action = finished.first().first().value<Action>();
        engine.stop();
        l->stop();
        QCOMPARE(analyserReads(), readsBefore);
        QCOMPARE(action.origin, ActionOrigin::Auto);
        QCOMPARE(action.kind, ActionKind::CreateIndex);
        QVERIFY2(action.state == ActionState::Kept, qPrintable(stateName(action.state) + u' ' + action.reason));
        QString valid;
        QVERIFY(m_server.psql(QStringLiteral("SELECT indisvalid FROM pg_index WHERE indexrelid = "
                                             "'public.vigil_items_sku_idx'::regclass"),
            &valid));
        QCOMPARE(valid, QStringLiteral("t"));
        // In the journal: proposed by the analyser with its finding, applied, observed, kept, latency lower.
        const std::unique_ptr<KnowledgeStore> journal = KnowledgeStore::open(config.storeLocation, &error);
        QVERIFY(journal);
        const std::optional<Action> stored = journal->action(action.id);
        QVERIFY(stored);
        QCOMPARE(stored->details.value(QLatin1StringView("finding"))
                     .toObject()
                     .value(QLatin1StringView("detector"))
                     .toString(),
            QStringLiteral("missing_index"));
        QStringList states;
        for (const Transition &t : journal->transitions(action.id))
            states << stateName(t.to);
        QVERIFY2(states.contains(QStringLiteral("observing")) && states.last() == QStringLiteral("kept"),
            qPrintable(states.join(u',')));
        const QJsonArray samples = stored->evidence.value(QLatin1StringView("samples")).toArray();
        QVERIFY(!samples.isEmpty());
        std::vector<double> latency;
        for (const QJsonValue &s : samples)
            latency.push_back(s.toObject().value(QLatin1StringView("latency_pct")).toDouble());
        std::sort(latency.begin(), latency.end());
        const double median = latency[latency.size() / 2];
        QVERIFY2(median < -50, qPrintable(QStringLiteral("median p95 change %1%").arg(median)));
    }
};

QTEST_GUILESS_MAIN(TestAnalyser)
#include "tst_analyser.moc"
