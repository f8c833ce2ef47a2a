// SPDX-License-Identifier: MIT
#include "analyse/predicateextractor.h"

#include <QTest>

using namespace vigil;

class TestPredicateExtractor : public QObject
{
    Q_OBJECT

private slots:
    void extracts_data()
    {
        QTest::addColumn<QString>("sql");
        QTest::addColumn<QStringList>("expected"); // schema.table.column:eq|range
        QTest::newRow("simple") << QStringLiteral("SELECT id, price FROM items WHERE sku = $1")
                                << QStringList { QStringLiteral(".items.sku:eq") };
        QTest::newRow("qualified alias") << QStringLiteral(
            "select * from public.items i join orders o on o.item = i.id where i.sku = $1 and o.placed >= $2")
                                         << QStringList { QStringLiteral("public.items.sku:eq"),
                                                QStringLiteral(".orders.placed:range") };
        QTest::newRow("in and between") << QStringLiteral(
            "SELECT 1 FROM t WHERE a IN ($1, $2) AND b BETWEEN $3 AND $4 ORDER BY c LIMIT $5")
                                        << QStringList { QStringLiteral(".t.a:eq"), QStringLiteral(".t.b:range") };
        QTest::newRow("quoted names") << QStringLiteral("SELECT * FROM \"My Table\" WHERE \"Sku\" = $1")
                                      << QStringList { QStringLiteral(".My Table.Sku:eq") };
        QTest::newRow("function on column") << QStringLiteral("SELECT * FROM t WHERE lower(a) = $1") << QStringList {};
        QTest::newRow("unqualified with two tables")
            << QStringLiteral("SELECT * FROM a, b WHERE x = $1") << QStringList {};
        QTest::newRow("no where") << QStringLiteral("SELECT * FROM t ORDER BY a") << QStringList {};
        QTest::newRow("comments and strings")
            << QStringLiteral("/* app */ SELECT 'FROM x WHERE y = 1' FROM t -- where q = $9\n WHERE a = $1")
            << QStringList { QStringLiteral(".t.a:eq") };
        QTest::newRow("subquery ignored")
            << QStringLiteral("SELECT * FROM t WHERE a = $1 AND b IN (SELECT c FROM u WHERE d = $2)")
            << QStringList { QStringLiteral(".t.a:eq") };
        QTest::newRow("expressions of parameters")
            << QStringLiteral("SELECT qty FROM items WHERE sku = md5($1::text) AND made < $2::date AND tag = lower($3)")
            << QStringList { QStringLiteral(".items.sku:eq"), QStringLiteral(".items.made:range"),
                   QStringLiteral(".items.tag:eq") };
        QTest::newRow("parameter on the left")
            << QStringLiteral("SELECT 1 FROM t WHERE $1 = a") << QStringList { QStringLiteral(".t.a:eq") };
        QTest::newRow("any") << QStringLiteral("SELECT 1 FROM t WHERE a = ANY($1)")
                             << QStringList { QStringLiteral(".t.a:eq") };
        QTest::newRow("not in") << QStringLiteral("SELECT 1 FROM t WHERE a NOT IN ($1, $2)") << QStringList {};
        QTest::newRow("column compared with a column")
            << QStringLiteral("SELECT 1 FROM t WHERE a = b") << QStringList {};
        QTest::newRow("update and delete")
            << QStringLiteral("UPDATE accounts SET balance = balance + $1 WHERE aid = $2")
            << QStringList { QStringLiteral(".accounts.aid:eq") };
        QTest::newRow("delete") << QStringLiteral("DELETE FROM s.queue q WHERE q.due <= $1")
                                << QStringList { QStringLiteral("s.queue.due:range") };
        QTest::newRow("schema-qualified column")
            << QStringLiteral("SELECT 1 FROM app.t WHERE app.t.a = $1") << QStringList { QStringLiteral("app.t.a:eq") };
        QTest::newRow("union branches") << QStringLiteral(
            "SELECT id FROM a WHERE x = $1 UNION ALL SELECT id FROM b WHERE y > $2")
                                        << QStringList { QStringLiteral(".a.x:eq"), QStringLiteral(".b.y:range") };
        QTest::newRow("two statements") << QStringLiteral("SELECT 1 FROM t WHERE a = $1; SELECT 2") << QStringList {};
        QTest::newRow("garbage") << QStringLiteral("))) FROM WHERE = $") << QStringList {};
        QTest::newRow("empty") << QString() << QStringList {};
    }
    void extracts()
    {
        QFETCH(QString, sql);
        QFETCH(QStringList, expected);
        QStringList got;
        for (const ColumnPredicate &p : PredicateExtractor::extract(sql))
            got << p.schema + u'.' + p.table + u'.' + p.column
                    + (p.equality ? QStringLiteral(":eq") : QStringLiteral(":range"));
        QCOMPARE(got, expected);
    }

    void conjunctsAreMarked()
    {
        const std::vector<ColumnPredicate> p = PredicateExtractor::extract(
            QStringLiteral("SELECT 1 FROM t WHERE a = $1 AND b = $2 AND (c = $3 OR d = $4)"));
        QCOMPARE(p.size(), std::size_t(4));
        QVERIFY(p[0].conjunct && p[1].conjunct);
        QVERIFY(!p[2].conjunct && !p[3].conjunct);
    }

    void singleSelect()
    {
        QVERIFY(PredicateExtractor::isSingleSelect(QStringLiteral("SELECT * FROM t WHERE a = $1")));
        QVERIFY(PredicateExtractor::isSingleSelect(QStringLiteral("select 1;")));
        QVERIFY(!PredicateExtractor::isSingleSelect(QStringLiteral("SELECT 1; DROP TABLE t")));
        QVERIFY(!PredicateExtractor::isSingleSelect(QStringLiteral("UPDATE t SET a = $1")));
        QVERIFY(!PredicateExtractor::isSingleSelect(QStringLiteral("SELECT * INTO t2 FROM t")));
        QVERIFY(!PredicateExtractor::isSingleSelect(QStringLiteral("SELECT * FROM t FOR UPDATE")));
        QVERIFY(PredicateExtractor::isSingleSelect(QStringLiteral("SELECT ';DROP' FROM t")));
        QVERIFY(!PredicateExtractor::isSingleSelect(
            QStringLiteral("WITH gone AS (DELETE FROM t RETURNING *) SELECT * FROM gone")));
        QVERIFY(PredicateExtractor::isSingleSelect(QStringLiteral("WITH x AS (SELECT 1) SELECT * FROM x")));
        QVERIFY(!PredicateExtractor::isSingleSelect(QStringLiteral("SELEC 1")));
    }
};

QTEST_GUILESS_MAIN(TestPredicateExtractor)
#include "tst_predicateextractor.moc"
