// SPDX-License-Identifier: MIT
// What PlanReader agrees to plan (the parser decides, never a pattern) and how many parameters it passes; the plans
// themselves are read from a real server in tst_indexactions and the walkthrough.
#include "act/planreader.h"

#include <QJsonObject>
#include <QTest>

using namespace vigil;

class TestPlanReader : public QObject
{
    Q_OBJECT

private slots:
    void plannable_data()
    {
        QTest::addColumn<QString>("sql");
        QTest::addColumn<bool>("plannable");
        QTest::newRow("select") << "SELECT abalance FROM pgbench_accounts WHERE aid = $1" << true;
        QTest::newRow("with select") << "WITH x AS (SELECT 1) SELECT * FROM x" << true;
        QTest::newRow("insert") << "INSERT INTO t (a) VALUES ($1)" << true;
        QTest::newRow("update") << "UPDATE t SET a = a + $1 WHERE id = $2" << true;
        QTest::newRow("delete") << "DELETE FROM t WHERE id = $1" << true;
        // Creates a table when run: not something to prepare, even in a transaction that is rolled back.
        QTest::newRow("select into") << "SELECT * INTO t2 FROM t" << false;
        QTest::newRow("two statements") << "SELECT 1; DROP TABLE t" << false;
        QTest::newRow("utility") << "VACUUM t" << false;
        QTest::newRow("ddl") << "CREATE INDEX ON t (a)" << false;
        QTest::newRow("alter system") << "ALTER SYSTEM SET work_mem = '4MB'" << false;
        QTest::newRow("begin") << "BEGIN" << false;
        QTest::newRow("refused by the parser") << "SELEC 1" << false;
        QTest::newRow("empty") << "" << false;
    }
    void plannable()
    {
        QFETCH(QString, sql);
        QFETCH(bool, plannable);
        QCOMPARE(PlanReader::isPlannable(sql), plannable);
    }

    void parameters_data()
    {
        QTest::addColumn<QString>("sql");
        QTest::addColumn<int>("count");
        QTest::newRow("none") << "SELECT 1" << 0;
        QTest::newRow("two") << "SELECT id FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT $2" << 2;
        QTest::newRow("out of order") << "SELECT $3, $1" << 3;
        // A "$9" inside a string literal or a comment is text, not a parameter.
        QTest::newRow("in a literal") << "SELECT '$9' || $1" << 1;
        QTest::newRow("in a comment") << "SELECT $2 /* $7 */" << 2;
    }
    void parameters()
    {
        QFETCH(QString, sql);
        QFETCH(int, count);
        QCOMPARE(PlanReader::parameterCount(sql), count);
    }

    void jsonKeepsPlansAndErrors()
    {
        const std::vector<StatementPlan> plans { { -4611686018427387904LL, QStringLiteral("SELECT $1"),
                                                     QStringLiteral("Result  (cost=0.00..0.01 rows=1 width=32)"), {} },
            { 42, QStringLiteral("SELECT * FROM gone"), {}, QStringLiteral("relation \"gone\" does not exist") } };
        const std::vector<StatementPlan> back = PlanReader::fromJson(PlanReader::toJson(plans));
        QCOMPARE(back.size(), plans.size());
        for (std::size_t i = 0; i < plans.size(); ++i) {
            QCOMPARE(back[i].queryId, plans[i].queryId); // a 64-bit queryid travels as text, exactly
            QCOMPARE(back[i].query, plans[i].query);
            QCOMPARE(back[i].plan, plans[i].plan);
            QCOMPARE(back[i].error, plans[i].error);
        }
        QVERIFY(!PlanReader::toJson(plans).at(1).toObject().contains(QLatin1StringView("plan")));
    }
};

QTEST_GUILESS_MAIN(TestPlanReader)
#include "tst_planreader.moc"
