// SPDX-License-Identifier: MIT
// Which statements an action can change, read from the statements' own text (PostgreSQL's parser, no server).
#include "guard/actionreach.h"

#include <QJsonObject>
#include <QTest>

using namespace vigil;
using Touch = ActionReach::Touch;

Q_DECLARE_METATYPE(vigil::ActionReach::Touch)

class TestActionReach : public QObject
{
    Q_OBJECT

private slots:
    void onlyANewIndexHasALimitedReach()
    {
        const ActionReach index = ActionReach::ofAction(
            QStringLiteral("create_index"), QStringLiteral("CREATE INDEX CONCURRENTLY i ON t (v)"));
        QVERIFY(index.isLimited());
        QCOMPARE(index.tableName(), QStringLiteral("t"));
        const ActionReach qualified = ActionReach::ofAction(
            QStringLiteral("create_index"), QStringLiteral("CREATE INDEX i ON \"Sales\".orders USING gin (doc)"));
        QCOMPARE(qualified.tableName(), QStringLiteral("Sales.orders"));
        // Settings, dropped indexes, a DBA's own statement, SQL that is not an index at all: everything.
        QVERIFY(!ActionReach::ofAction(QStringLiteral("set_parameter"), QStringLiteral("ALTER SYSTEM SET work_mem = 1"))
                     .isLimited());
        // A drop without its definition: nothing tells its table.
        QVERIFY(!ActionReach::ofAction(QStringLiteral("drop_index"), QStringLiteral("DROP INDEX i")).isLimited());
        QVERIFY(!ActionReach::ofAction(QStringLiteral("create_index"), QStringLiteral("VACUUM t")).isLimited());
        QVERIFY(!ActionReach::ofAction(QStringLiteral("create_index"), QStringLiteral("CREATE INDEX i ON t ("))
                     .isLimited());
        QVERIFY(!ActionReach::ofAction(
            QStringLiteral("create_index"), QStringLiteral("CREATE INDEX i ON t (v); DROP TABLE u"))
                     .isLimited());
        QCOMPARE(ActionReach().touch(QStringLiteral("SELECT 1")), Touch::Unknown);
    }

    void aLoggingThresholdOnlyLongExecutionsCrossReachesNothing_data()
    {
        QTest::addColumn<QString>("sql");
        QTest::addColumn<bool>("nothing");
        QTest::newRow("10 s, as prepared")
            << QStringLiteral("ALTER SYSTEM SET \"log_min_duration_statement\" = '10s'; SELECT pg_reload_conf()")
            << true;
        QTest::newRow("250 ms, no unit") << QStringLiteral("ALTER SYSTEM SET log_min_duration_statement = 250") << true;
        QTest::newRow("1 min") << QStringLiteral("ALTER SYSTEM SET log_min_duration_statement = '1min'") << true;
        QTest::newRow("sample, 100 ms") << QStringLiteral("ALTER SYSTEM SET log_min_duration_sample = '100ms'") << true;
        QTest::newRow("off") << QStringLiteral("ALTER SYSTEM SET log_min_duration_statement = -1") << true;
        // Every statement, or a busy workload's many: logging them is harm the lab records.
        QTest::newRow("0") << QStringLiteral("ALTER SYSTEM SET log_min_duration_statement = 0") << false;
        QTest::newRow("5 ms") << QStringLiteral("ALTER SYSTEM SET log_min_duration_statement = '5ms'") << false;
        QTest::newRow("99 ms") << QStringLiteral("ALTER SYSTEM SET log_min_duration_statement = '99ms'") << false;
        // Back to what postgresql.conf says, which may be 0.
        QTest::newRow("reset") << QStringLiteral("ALTER SYSTEM RESET log_min_duration_statement") << false;
        QTest::newRow("not a time") << QStringLiteral("ALTER SYSTEM SET log_min_duration_statement = 'soon'") << false;
        QTest::newRow("another setting") << QStringLiteral("ALTER SYSTEM SET log_statement = 'all'") << false;
        QTest::newRow("another statement after it")
            << QStringLiteral("ALTER SYSTEM SET log_min_duration_statement = '10s'; SELECT 1") << false;
    }

    void aLoggingThresholdOnlyLongExecutionsCrossReachesNothing()
    {
        QFETCH(QString, sql);
        QFETCH(bool, nothing);
        const ActionReach reach = ActionReach::ofAction(QStringLiteral("set_parameter"), sql);
        QCOMPARE(reach.reachesNothing(), nothing);
        QCOMPARE(reach.isLimited(), nothing);
        if (!nothing) {
            QCOMPARE(reach.touch(QStringLiteral("SELECT v FROM t")), Touch::Unknown);
            return;
        }
        // No statement, whatever its text (none, or one that does not parse, too).
        QCOMPARE(reach.touch(QStringLiteral("UPDATE t SET v = v + 1")), Touch::None);
        QCOMPARE(reach.touch(QStringLiteral("SELECT refresh_totals($1)")), Touch::None);
        QCOMPARE(reach.touch(QString()), Touch::None);
        QVERIFY2(reach.whyNothing().contains(QLatin1StringView("log_min_duration_s")), qPrintable(reach.whyNothing()));
        QVERIFY2(ActionReach::judgedOn(QStringLiteral("set_parameter"), sql, {}, {})
                     .startsWith(QLatin1StringView("no statement: ")),
            qPrintable(ActionReach::judgedOn(QStringLiteral("set_parameter"), sql, {}, {})));
    }

    void statementsAreMatchedByTheRelationsTheyName_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<Touch>("touch");
        QTest::newRow("other table") << QStringLiteral("SELECT abalance FROM pgbench_accounts WHERE aid = $1")
                                     << Touch::None;
        QTest::newRow("reads") << QStringLiteral("SELECT count(*), sum(qty) FROM t WHERE category = $1")
                               << Touch::Reads;
        QTest::newRow("join") << QStringLiteral("SELECT a.id FROM u a JOIN public.t b ON a.v = b.v") << Touch::Reads;
        QTest::newRow("subquery") << QStringLiteral("SELECT id FROM u WHERE v IN (SELECT v FROM t)") << Touch::Reads;
        // The index named no schema: archive.t may be its table (the search path decides), so it counts.
        QTest::newRow("a schema, the index none") << QStringLiteral("SELECT v FROM archive.t") << Touch::Reads;
        QTest::newRow("column named t") << QStringLiteral("SELECT t FROM u WHERE t = $1") << Touch::None;
        QTest::newRow("insert") << QStringLiteral("INSERT INTO t (id, v) VALUES ($1, $2)") << Touch::Writes;
        QTest::newRow("update") << QStringLiteral("UPDATE t SET v = v + $1 WHERE id = $2") << Touch::Writes;
        QTest::newRow("delete") << QStringLiteral("DELETE FROM t WHERE id = $1") << Touch::Writes;
        QTest::newRow("write in a CTE") << QStringLiteral(
            "WITH moved AS (DELETE FROM t WHERE v < $1 RETURNING *) SELECT count(*) FROM moved")
                                        << Touch::Writes;
        QTest::newRow("insert elsewhere from t") << QStringLiteral("INSERT INTO u SELECT * FROM t") << Touch::Reads;
        QTest::newRow("utility on t") << QStringLiteral("VACUUM FULL t") << Touch::Writes;
        QTest::newRow("utility elsewhere") << QStringLiteral("VACUUM FULL u") << Touch::None;
        QTest::newRow("built-in functions")
            << QStringLiteral("SELECT qty FROM u WHERE sku = md5($1::text)") << Touch::None;
        QTest::newRow("qualified built-in") << QStringLiteral("SELECT pg_catalog.upper(v) FROM u") << Touch::None;
        QTest::newRow("a DBA's function") << QStringLiteral("SELECT refresh_totals($1)") << Touch::Unknown;
        QTest::newRow("does not parse") << QStringLiteral("SELEC v FROM t") << Touch::Unknown;
        QTest::newRow("no text") << QStringLiteral("") << Touch::Unknown;
    }

    void statementsAreMatchedByTheRelationsTheyName()
    {
        QFETCH(QString, text);
        QFETCH(Touch, touch);
        const ActionReach reach = ActionReach::ofTable({}, QStringLiteral("t"));
        QCOMPARE(reach.touch(text), touch);
        QCOMPARE(reach.touch(text), touch); // cached: the same answer
    }

    // A plain index on orders (amount): the planner takes it for a condition or an order on amount, or to cover a
    // scan that needs no other column. A statement that reads orders alone, needing columns it lacks and naming none
    // of its own, cannot use it.
    void aPlainIndexReachesOnlyTheReadsThatCanUseIt_data()
    {
        QTest::addColumn<QString>("index");
        QTest::addColumn<QString>("text");
        QTest::addColumn<Touch>("touch");
        const QString amount = QStringLiteral("CREATE INDEX CONCURRENTLY orders_amount_idx ON orders (amount)");
        QTest::newRow("the lookup") << amount
                                    << QStringLiteral("SELECT id FROM orders WHERE customer_id = $1 ORDER BY "
                                                      "created_at DESC LIMIT $2")
                                    << Touch::None;
        QTest::newRow("a condition on it")
            << amount << QStringLiteral("SELECT id FROM orders WHERE amount > $1") << Touch::Reads;
        QTest::newRow("an order on it") << amount
                                        << QStringLiteral("SELECT id FROM orders ORDER BY amount DESC LIMIT $1")
                                        << Touch::Reads;
        QTest::newRow("qualified by an alias")
            << amount << QStringLiteral("SELECT o.id FROM orders o WHERE o.amount = $1") << Touch::Reads;
        QTest::newRow("in an aggregate") << amount << QStringLiteral("SELECT max(amount) FROM orders") << Touch::Reads;
        // An index-only scan of the new index can count the rows.
        QTest::newRow("no column at all") << amount << QStringLiteral("SELECT count(*) FROM orders") << Touch::Reads;
        QTest::newRow("no column, an output alias")
            << amount << QStringLiteral("SELECT count(*) AS n FROM orders ORDER BY n") << Touch::Reads;
        QTest::newRow("every column") << amount << QStringLiteral("SELECT * FROM orders WHERE id = $1") << Touch::Reads;
        QTest::newRow("every column, qualified")
            << amount << QStringLiteral("SELECT o.* FROM orders o WHERE id = $1") << Touch::Reads;
        QTest::newRow("the whole row") << amount << QStringLiteral("SELECT o FROM orders o WHERE id = $1")
                                       << Touch::Reads;
        // Another relation may own the columns a statement names.
        QTest::newRow("a join") << amount
                                << QStringLiteral("SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id")
                                << Touch::Reads;
        QTest::newRow("a CTE") << amount << QStringLiteral("WITH r AS (SELECT id FROM orders) SELECT count(*) FROM r")
                               << Touch::Reads;
        // Upkeep: every write pays for the index whatever it names.
        QTest::newRow("a write") << amount << QStringLiteral("UPDATE orders SET customer_id = $1 WHERE id = $2")
                                 << Touch::Writes;
        QTest::newRow("another table") << amount << QStringLiteral("SELECT amount FROM invoices") << Touch::None;
        const QString expression
            = QStringLiteral("CREATE INDEX ON orders (lower(note)) INCLUDE (amount) WHERE customer_id > 10");
        QTest::newRow("expression's column")
            << expression << QStringLiteral("SELECT id FROM orders WHERE note = $1") << Touch::Reads;
        QTest::newRow("included column") << expression << QStringLiteral("SELECT amount FROM orders WHERE id = $1")
                                         << Touch::Reads;
        QTest::newRow("predicate's column")
            << expression << QStringLiteral("SELECT id FROM orders WHERE customer_id = $1") << Touch::Reads;
        QTest::newRow("none of them") << expression << QStringLiteral("SELECT id FROM orders WHERE created_at > $1")
                                      << Touch::None;
        // A uniqueness proof can change plans that name none of its columns: the table's reach, as before.
        QTest::newRow("a unique index") << QStringLiteral("CREATE UNIQUE INDEX ON orders (amount)")
                                        << QStringLiteral("SELECT id FROM orders WHERE customer_id = $1")
                                        << Touch::Reads;
    }

    void aPlainIndexReachesOnlyTheReadsThatCanUseIt()
    {
        QFETCH(QString, index);
        QFETCH(QString, text);
        QFETCH(Touch, touch);
        const ActionReach reach = ActionReach::ofAction(QStringLiteral("create_index"), index);
        QVERIFY(reach.isLimited());
        QCOMPARE(reach.touch(text), touch);
    }

    void theColumnsAreNamedWhereADbaReads()
    {
        const QString index = QStringLiteral("CREATE INDEX orders_idx ON orders (customer_id, amount)");
        QCOMPARE(ActionReach::ofAction(QStringLiteral("create_index"), index).reachedName(),
            QStringLiteral("orders (amount, customer_id)"));
        QCOMPARE(ActionReach::ofAction(QStringLiteral("create_index"), QStringLiteral("CREATE UNIQUE INDEX ON t (v)"))
                     .reachedName(),
            QStringLiteral("t"));
        QVERIFY2(ActionReach::judgedOn(QStringLiteral("create_index"), index, {}, {})
                     .startsWith(QLatin1StringView("the statements that use orders while the workload only reads it, "
                                                   "except those that read it alone and never name amount or "
                                                   "customer_id, which cannot use the index (a slowdown")),
            qPrintable(ActionReach::judgedOn(QStringLiteral("create_index"), index, {}, {})));
    }

    void aQualifiedIndexMatchesOnlyItsSchema()
    {
        const ActionReach reach = ActionReach::ofTable(QStringLiteral("sales"), QStringLiteral("t"));
        QCOMPARE(reach.touch(QStringLiteral("SELECT v FROM sales.t")), Touch::Reads);
        QCOMPARE(reach.touch(QStringLiteral("SELECT v FROM archive.t")), Touch::None);
        // Unqualified in the statement: the search path decides, which the text does not show.
        QCOMPARE(reach.touch(QStringLiteral("SELECT v FROM t")), Touch::Reads);
    }

    // What the engine and the approval card read from a journalled action: what preparing it found in the catalog
    // (`reached_unseen`) widens a new index's reach to every statement, and the card says why.
    void aJournalledActionCarriesWhatTheCatalogShowed()
    {
        const QString index = QStringLiteral("CREATE INDEX CONCURRENTLY t_v_idx ON t (v)");
        QVERIFY(ActionReach::ofJournalled(QStringLiteral("create_index"), index, {}, {}).isLimited());
        const QJsonObject unseen { { QStringLiteral("reached_unseen"),
            QStringLiteral("a trigger may write the table") } };
        QVERIFY(!ActionReach::ofJournalled(QStringLiteral("create_index"), index, {}, unseen).isLimited());

        QVERIFY(ActionReach::judgedOn(QStringLiteral("create_index"), index, {}, {})
                    .startsWith(QLatin1StringView("the statements that use t while the workload only reads it")));
        QCOMPARE(ActionReach::judgedOn(QStringLiteral("create_index"), index, {}, unseen),
            QStringLiteral("every statement: a trigger may write the table, so statements that do not name the table "
                           "can reach it"));
        QVERIFY(ActionReach::judgedOn(QStringLiteral("set_parameter"),
            QStringLiteral("ALTER SYSTEM SET work_mem = "
                           "'8MB'"),
            {}, {})
                    .startsWith(QLatin1StringView("every statement: a setting")));
    }

    // Soak run 16, case 14: an index the lookups never use, dropped, then rolled back when the VM slowed every
    // statement. A dropped plain index can have been in the plans only of statements that could use it, writes
    // included (their search of the table), and takes its upkeep away from every write: the others are out of reach.
    void aDroppedIndexReachesOnlyTheStatementsThatCouldHaveUsedIt()
    {
        const QString drop = QStringLiteral("DROP INDEX CONCURRENTLY IF EXISTS public.items_email_idx");
        const QString definition = QStringLiteral("CREATE INDEX CONCURRENTLY items_email_idx ON public.items (email)");
        const ActionReach reach = ActionReach::ofAction(QStringLiteral("drop_index"), drop, definition);
        QVERIFY(reach.isLimited());
        QVERIFY(reach.isDrop());
        QCOMPARE(reach.reachedName(), QStringLiteral("public.items (email)"));
        QCOMPARE(reach.touch(QStringLiteral("SELECT qty FROM items WHERE sku = md5($1::text)")), Touch::None);
        QCOMPARE(reach.touch(QStringLiteral("UPDATE items SET qty = qty + $1 WHERE id = $2")), Touch::None);
        // Writing the indexed column gets cheaper without the index; searching by it may not.
        QCOMPARE(reach.touch(QStringLiteral("UPDATE items SET email = $1 WHERE id = $2")), Touch::None);
        QCOMPARE(reach.touch(QStringLiteral("UPDATE items SET qty = 0 WHERE email = $1")), Touch::Reads);
        QCOMPARE(reach.touch(QStringLiteral("SELECT id FROM items WHERE email = $1")), Touch::Reads);
        QCOMPARE(reach.touch(QStringLiteral("DELETE FROM items WHERE email LIKE $1")), Touch::Reads);
        // What text cannot rule out stays reached: every column, another relation, a utility statement on the table.
        QCOMPARE(reach.touch(QStringLiteral("SELECT * FROM items WHERE sku = $1")), Touch::Reads);
        QCOMPARE(reach.touch(QStringLiteral("SELECT o.id FROM orders o JOIN items i ON i.id = o.item WHERE o.id = $1")),
            Touch::Reads);
        QCOMPARE(reach.touch(QStringLiteral("VACUUM items")), Touch::Writes);
        QCOMPARE(reach.touch(QStringLiteral("SELECT 1 FROM orders")), Touch::None);
        // Read from the detector's proposal before the engine prepared the drop (no rollback yet).
        const QJsonObject proposed { { QStringLiteral("definition"),
            QStringLiteral("CREATE INDEX items_email_idx ON public.items USING btree (email)") } };
        QVERIFY(ActionReach::ofJournalled(QStringLiteral("drop_index"), drop, {}, proposed).isDrop());
        QVERIFY(ActionReach::judgedOn(QStringLiteral("drop_index"), drop, definition, {})
                    .startsWith(QLatin1StringView("the statements that could have used the dropped index: those that "
                                                  "read or write public.items and name email")));
        // A trigger, a view or a cascading key reaching the table: everything.
        const QJsonObject unseen { { QStringLiteral("reached_unseen"),
            QStringLiteral("views or rules read the table") } };
        QVERIFY(!ActionReach::ofJournalled(QStringLiteral("drop_index"), drop, definition, unseen).isLimited());
        // A unique index: its uniqueness may have shaped plans that never name it, and ON CONFLICT may need it.
        QVERIFY(!ActionReach::ofAction(QStringLiteral("drop_index"), drop,
            QStringLiteral("CREATE UNIQUE INDEX items_email_idx ON public.items (email)"))
                     .isLimited());
        // A new index on the same columns still reaches every write of its table (its upkeep).
        QCOMPARE(ActionReach::ofAction(QStringLiteral("create_index"), definition)
                     .touch(QStringLiteral("UPDATE items SET qty = qty + $1 WHERE id = $2")),
            Touch::Writes);
    }
};

QTEST_APPLESS_MAIN(TestActionReach)
#include "tst_actionreach.moc"
