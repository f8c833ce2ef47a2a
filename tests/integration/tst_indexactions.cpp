// SPDX-License-Identifier: MIT
// The brief's own scenario on a real PostgreSQL 15: create index -> latency spike -> automatic rollback.
// The index is the classic ORDER BY ... LIMIT trap: with an index on created_at the planner walks it backwards
// filtering on customer_id instead of using the customer's own index (2 ms -> 20-130 ms per lookup here).
// Also: an index nobody uses is kept, and dropping the index the workload needs is rolled back by recreating it.
#include "act/planreader.h"
#include "clientlog.h"
#include "pgbenchload.h"
#include "pgserver.h"
#include "store/knowledgestore.h"
#include "vigilctlrunner.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace vigil;
using namespace vigil::testing;

class TestIndexActions : public QObject
{
    Q_OBJECT

    PgServer m_server;
    QTemporaryDir m_dir;
    std::unique_ptr<PgBenchLoad> m_load;
    QString m_clientLogPrefix;
    int m_stores = 0;
    // A baseline as long as the guard was measured at (GuardPolicy::kMeasuredBaselineSeconds): with 10 s, beside a
    // busy core, the harmless index below was rolled back once in 16 runs, as null actions on this workload were at
    // that baseline (docs/guard.md).
    static constexpr int kBaselineSeconds = 15;
    static constexpr int kWindowSeconds = 12;

    QString store() { return m_dir.filePath(QStringLiteral("store-%1.sqlite").arg(++m_stores)); }

    QStringList applyArgs(const QString &storePath, const QString &sql)
    {
        return { QStringLiteral("apply"), QStringLiteral("--target"), m_server.conninfo(), QStringLiteral("--sql"), sql,
            QStringLiteral("--store"), storePath, QStringLiteral("--interval"), QStringLiteral("1"),
            QStringLiteral("--baseline"), QString::number(kBaselineSeconds), QStringLiteral("--window"),
            QString::number(kWindowSeconds) };
    }

    Action onlyAction(const QString &storePath)
    {
        QString error;
        const std::unique_ptr<KnowledgeStore> s = KnowledgeStore::open(storePath, &error);
        const std::vector<Action> all = s ? s->actions() : std::vector<Action> {};
        return all.size() == 1 ? all.front() : Action {};
    }

    /// The lookup's plan among an action's journalled plans (`plans_before` or `plans_after`); empty when missing.
    static QString lookupPlan(const Action &a, const QString &key)
    {
        for (const StatementPlan &p : PlanReader::fromJson(a.details.value(key).toArray())) {
            if (p.query.contains(QLatin1StringView("ORDER BY created_at")))
                return p.plan.isEmpty() ? p.error : p.plan;
        }
        return QStringLiteral("no plan of the lookup in %1: %2")
            .arg(key, QString::fromUtf8(QJsonDocument(a.details).toJson(QJsonDocument::Compact)));
    }

    /// The clients' own view of an action's seconds, printed beside the verdict: the baseline before it was applied
    /// against the window after it was built, with the 90 % range of their p95's change (ClientLog::p95Change, whole
    /// seconds resampled). Printed, not judged: the action below cannot touch the workload, so what the clients felt
    /// was something else's (docs/guard.md, the lab's rule for actions harmless by construction).
    QString clientsAround(const QString &storePath, const Action &a, int baselineSeconds, int windowSeconds)
    {
        QString error;
        const std::unique_ptr<KnowledgeStore> s = KnowledgeStore::open(storePath, &error);
        double appliedAt = 0;
        double builtAt = 0;
        for (const Transition &t : s ? s->transitions(a.id) : std::vector<Transition> {}) {
            if (t.to == ActionState::Applying)
                appliedAt = t.at.toMSecsSinceEpoch() / 1000.0;
            if (t.to == ActionState::Observing)
                builtAt = t.at.toMSecsSinceEpoch() / 1000.0;
        }
        if (appliedAt == 0 || builtAt == 0)
            return QStringLiteral("clients: no applying/observing transitions in the journal");
        ClientLog log(m_clientLogPrefix);
        // pgbench buffers its log: wait (briefly) until it has written past the window.
        for (int i = 0; i < 20; ++i) {
            log.reload();
            if (log.lastEpoch() >= builtAt + windowSeconds)
                break;
            QTest::qWait(500);
        }
        const ClientSpan before = log.span(appliedAt - baselineSeconds, appliedAt);
        const ClientSpan after = log.span(builtAt, builtAt + windowSeconds);
        const ClientLog::Change p95
            = log.p95Change(appliedAt - baselineSeconds, appliedAt, builtAt, builtAt + windowSeconds);
        return ClientLog::describeChange(before, after)
            + QStringLiteral("; p95 change's 90 % range %1 % to %2 %")
                  .arg(100.0 * p95.low, 0, 'f', 1)
                  .arg(100.0 * p95.high, 0, 'f', 1);
    }

    QString indexDefinition(const QString &name)
    {
        QString out;
        m_server.psql(QStringLiteral("SELECT coalesce(pg_get_indexdef(to_regclass('%1')), 'none')").arg(name), &out);
        return out;
    }

private slots:
    void initTestCase()
    {
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
        QString error;
        QVERIFY2(m_server.start(&error), qPrintable(error));
        // 50 customers, each one's orders contiguous in time: customer_id is correlated with created_at.
        QVERIFY(m_server.psql(QStringLiteral(
            "CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL, created_at timestamptz NOT NULL, "
            "amount numeric(10,2) NOT NULL DEFAULT 1); "
            "INSERT INTO orders (customer_id, created_at) SELECT 1 + g / 10000, timestamptz '2026-01-01' + g * "
            "interval '1 second' FROM generate_series(0, 499999) g; "
            "CREATE INDEX orders_customer_idx ON orders (customer_id); ANALYZE orders")));
        const QString script = m_server.writeFile(QStringLiteral("orders.sql"),
            "\\set c random(1, 50)\nSELECT id FROM orders WHERE customer_id = :c ORDER BY created_at DESC LIMIT 10;\n",
            &error);
        QVERIFY2(!script.isEmpty(), qPrintable(error));
        m_clientLogPrefix = QDir(m_server.directory()).filePath(QStringLiteral("clients"));
        m_load = std::make_unique<PgBenchLoad>(m_server,
            QStringList { QStringLiteral("-n"), QStringLiteral("-l"),
                QStringLiteral("--log-prefix=") + m_clientLogPrefix, QStringLiteral("-f"), script, QStringLiteral("-c"),
                QStringLiteral("2"), QStringLiteral("-j"), QStringLiteral("2"), QStringLiteral("-R"),
                QStringLiteral("80"), QStringLiteral("-T"), QStringLiteral("3600"),
                // Skip what falls more than 100 ms behind schedule: after a harmful action the open-loop client would
                // otherwise catch up in a burst and skew the next test's baseline.
                QStringLiteral("-L"), QStringLiteral("100") });
        QVERIFY2(m_load->start(&error), qPrintable(error));
    }

    void cleanupTestCase()
    {
        m_load.reset();
        m_server.stop();
    }

    void indexThatSlowsTheWorkloadIsRolledBack()
    {
        const QString s = store();
        const VigilctlRun run
            = runVigilctl(applyArgs(s, QStringLiteral("CREATE INDEX orders_created_idx ON orders (created_at)")));
        qInfo("%s", qPrintable(run.timeline()));
        QVERIFY2(run.exitCode == 3, qPrintable(run.err + run.out.right(3000)));
        const Action a = onlyAction(s);
        QCOMPARE(a.state, ActionState::RolledBack);
        QCOMPARE(a.kind, ActionKind::CreateIndex);
        // Vigil built it CONCURRENTLY and took it back the same way.
        QVERIFY2(a.applySql.contains(QLatin1StringView("CREATE INDEX CONCURRENTLY")), qPrintable(a.applySql));
        QVERIFY2(a.rollbackSql.startsWith(QLatin1StringView("DROP INDEX CONCURRENTLY")), qPrintable(a.rollbackSql));
        QCOMPARE(indexDefinition(QStringLiteral("orders_created_idx")), QStringLiteral("none"));
        // The reason names the statement that regressed.
        QVERIFY2(a.reason.contains(QLatin1StringView("ORDER BY created_at")), qPrintable(a.reason));
        // And the journal keeps that statement's plans for a DBA to compare: read before the index was built (the
        // customer's own index), and again with the new index in place, before the rollback.
        const QString before = lookupPlan(a, QStringLiteral("plans_before"));
        QVERIFY2(before.contains(QLatin1StringView("orders_customer_idx")), qPrintable(before));
        const QString after = lookupPlan(a, QStringLiteral("plans_after"));
        QVERIFY2(after.contains(QLatin1StringView("on orders")), qPrintable(after));
    }

    void unusedIndexIsKept()
    {
        const QString s = store();
        const VigilctlRun run
            = runVigilctl(applyArgs(s, QStringLiteral("CREATE INDEX orders_amount_idx ON orders (amount)")));
        qInfo("%s", qPrintable(run.timeline()));
        const Action a = onlyAction(s);
        // Harmless by construction, as the lab labels an action that cannot touch the workload (docs/guard.md): the
        // workload only reads orders, by customer and in created_at's order, and a plain index on amount serves
        // neither the condition nor the order, nor covers the scan; nothing writes orders, so there is no upkeep. It
        // must be kept whatever the clients felt in the window. This test used to judge it by the clients instead,
        // and twice they felt harm the index cannot have caused: +17.4 % 7-12 s after the build (the guard rolled it
        // back), and +88 % as the VM slowed (fresh-clone CI, 2026-12-07; the guard kept it, set aside in part as
        // outside load, and the test demanded a rollback). Taking the index back undoes neither, so the guard now
        // judges a new index only on the statements that can use it (ActionReach) and the test asks what the lab asks.
        const QString clients = clientsAround(s, a, kBaselineSeconds, kWindowSeconds);
        qInfo("%s", qPrintable(clients));
        // On failure the verdict's own reason comes first, then each sample it was judged on, then the output's tail.
        const QString why = a.reason + QLatin1Char('\n') + clients + QLatin1Char('\n') + run.verdictSamples()
            + run.sampleProbes() + run.err + run.out.right(1500);
        QVERIFY2(run.exitCode == 0, qPrintable(why));
        QCOMPARE(a.state, ActionState::Kept);
        QVERIFY(indexDefinition(QStringLiteral("orders_amount_idx")).contains(QLatin1StringView("(amount)")));
        QVERIFY(m_server.psql(QStringLiteral("DROP INDEX orders_amount_idx")));
    }

    void droppingTheNeededIndexIsRolledBackByRecreatingIt()
    {
        const QString before = indexDefinition(QStringLiteral("orders_customer_idx"));
        QVERIFY(before.startsWith(QLatin1StringView("CREATE INDEX")));
        const QString s = store();
        const VigilctlRun run = runVigilctl(applyArgs(s, QStringLiteral("DROP INDEX orders_customer_idx")));
        qInfo("%s", qPrintable(run.timeline()));
        QVERIFY2(run.exitCode == 3, qPrintable(run.err + run.out.right(3000)));
        const Action a = onlyAction(s);
        QCOMPARE(a.state, ActionState::RolledBack);
        QCOMPARE(a.details.value(QLatin1StringView("definition")).toString(), before);
        QCOMPARE(indexDefinition(QStringLiteral("orders_customer_idx")), before);
        QString valid;
        QVERIFY(m_server.psql(
            QStringLiteral("SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_customer_idx'::regclass"),
            &valid));
        QCOMPARE(valid, QStringLiteral("t"));
    }

    void constraintIndexIsNotDropped()
    {
        const QString s = store();
        const VigilctlRun run = runVigilctl(applyArgs(s, QStringLiteral("DROP INDEX orders_pkey")));
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(QLatin1StringView("constraint")), qPrintable(run.err));
        QVERIFY(indexDefinition(QStringLiteral("orders_pkey")).contains(QLatin1StringView("UNIQUE")));
    }
};

QTEST_GUILESS_MAIN(TestIndexActions)
#include "tst_indexactions.moc"
