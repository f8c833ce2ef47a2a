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

    void singleSelect()
    {
        QVERIFY(PredicateExtractor::isSingleSelect(QStringLiteral("SELECT * FROM t WHERE a = $1")));
        QVERIFY(PredicateExtractor::isSingleSelect(QStringLiteral("select 1;")));
        QVERIFY(!PredicateExtractor::isSingleSelect(QStringLiteral("SELECT 1; DROP TABLE t")));
        QVERIFY(!PredicateExtractor::isSingleSelect(QStringLiteral("UPDATE t SET a = $1")));
        QVERIFY(!PredicateExtractor::isSingleSelect(QStringLiteral("SELECT * INTO t2 FROM t")));
        QVERIFY(!PredicateExtractor::isSingleSelect(QStringLiteral("SELECT * FROM t FOR UPDATE")));
        QVERIFY(PredicateExtractor::isSingleSelect(QStringLiteral("SELECT ';DROP' FROM t")));
    }
};

QTEST_GUILESS_MAIN(TestPredicateExtractor)
#include "tst_predicateextractor.moc"
