// SPDX-License-Identifier: MIT
// What reading a DBA's statement costs now that PostgreSQL's parser and lexer do it (libpg_query): the guarded-change
// dialog recognises the text on every keystroke, so one call must stay far below a frame (16 ms).
// Run: build/bench/bench_recognizer
#include "act/actionfromsql.h"
#include "act/sqlrecognizer.h"

#include <QTest>

using namespace vigil;

class BenchRecognizer : public QObject
{
    Q_OBJECT

private slots:
    void recognize_data()
    {
        QTest::addColumn<QString>("sql");
        QTest::newRow("alter system + reload")
            << QStringLiteral("ALTER SYSTEM SET random_page_cost = 1.1; SELECT pg_reload_conf()");
        QTest::newRow("create index") << QStringLiteral("CREATE UNIQUE INDEX orders_customer_created_idx ON "
                                                        "public.orders USING btree (customer_id, created_at DESC) "
                                                        "WHERE NOT archived");
        QTest::newRow("drop index") << QStringLiteral("DROP INDEX IF EXISTS \"Sales\".\"orders_idx\"");
        QTest::newRow("refused (syntax error)") << QStringLiteral("ALTER SYSTEM SET work_mem = '1MB' '2MB'");
    }

    void recognize()
    {
        QFETCH(QString, sql);
        SqlRecognizer::Result r;
        QBENCHMARK
        {
            r = SqlRecognizer::recognize(sql);
        }
        QVERIFY(r.statements >= 1);
    }

    void rollbackPreview()
    {
        // What the dialog shows beside the statement: the derived rollback.
        QString preview;
        QBENCHMARK
        {
            preview = derivedRollbackPreview(QStringLiteral("CREATE INDEX orders_amount_idx ON orders (amount)"));
        }
        QVERIFY(preview.startsWith(QLatin1StringView("DROP INDEX")));
    }
};

QTEST_GUILESS_MAIN(BenchRecognizer)
#include "bench_recognizer.moc"
