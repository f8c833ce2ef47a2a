// SPDX-License-Identifier: MIT
#include "analyse/findingpublisher.h"

#include <QTest>

using namespace vigil;

namespace {

Finding missingIndex(Severity severity, double seqScansPerSecond, const QString &decision = {})
{
    Finding f;
    f.detector = QStringLiteral("missing_index");
    f.condition = QStringLiteral("sequential_scans_on_large_table");
    f.severity = severity;
    f.summary = QStringLiteral("orders is read by sequential scans");
    f.evidence = { { QStringLiteral("seq_scans_per_second"), seqScansPerSecond } };
    Recommendation r;
    r.sql = QStringLiteral("CREATE INDEX CONCURRENTLY ON public.orders (customer_id)");
    r.subject = QStringLiteral("public.orders_customer_id_idx");
    r.decision = decision;
    f.recommendation = r;
    return f;
}

Finding hoarding()
{
    Finding f;
    f.detector = QStringLiteral("connection_pool");
    f.condition = QStringLiteral("idle_in_transaction_hoarding");
    f.severity = Severity::Warning;
    f.evidence = { { QStringLiteral("subject"), QStringLiteral("app") } };
    return f;
}

} // namespace

class TestFindingPublisher : public QObject
{
    Q_OBJECT

private slots:
    void newsOnlyWhenWhatADbaActsOnChanges()
    {
        FindingPublisher publisher;
        using Chosen = std::vector<std::size_t>;
        QCOMPARE(publisher.select({ missingIndex(Severity::Warning, 40), hoarding() }), (Chosen { 0, 1 }));
        // The numbers move every run: not news.
        QCOMPARE(publisher.select({ missingIndex(Severity::Warning, 55), hoarding() }), Chosen {});
        // Worse, or its fix decided: news, for that finding only.
        QCOMPARE(publisher.select({ hoarding(), missingIndex(Severity::Critical, 55) }), Chosen { 1 });
        QCOMPARE(publisher.select({ hoarding(), missingIndex(Severity::Critical, 55, QStringLiteral("queued")) }),
            Chosen { 1 });
        // Gone, then back: news again.
        QCOMPARE(publisher.select({ hoarding() }), Chosen {});
        QCOMPARE(publisher.select({ hoarding(), missingIndex(Severity::Critical, 55, QStringLiteral("queued")) }),
            Chosen { 1 });
        QCOMPARE(publisher.select({}), Chosen {});
        QCOMPARE(publisher.select({ hoarding() }), Chosen { 0 });
    }
};

QTEST_MAIN(TestFindingPublisher)
#include "tst_findingpublisher.moc"
