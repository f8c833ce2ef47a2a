// SPDX-License-Identifier: MIT
// The Findings page through its widgets: the findings of the engine's analysis.finished in, rows merged in place,
// the selected finding's evidence, advice and SQL shown, "Analyse now" asking the engine.
#include "analyse/finding.h"
#include "findingsmodel.h"
#include "findingspage.h"

#include <QAbstractItemModelTester>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

using namespace vigil;

namespace {

Finding finding(const QString &detector, const QString &condition, const QString &subject, Severity severity,
    const QString &summary, const QString &sql = {})
{
    Finding f;
    f.detector = detector;
    f.condition = condition;
    f.severity = severity;
    f.summary = summary;
    f.advice = QStringLiteral("do the thing");
    f.evidence = { { QStringLiteral("subject"), subject }, { QStringLiteral("seq_tuples_per_second"), 1e6 } };
    if (!sql.isEmpty()) {
        Recommendation r;
        r.sql = sql;
        r.subject = subject;
        r.decision = QStringLiteral("queue");
        r.decisionReason = QStringLiteral("approve mode: waits for a DBA's approval");
        f.recommendation = r;
    }
    return f;
}

} // namespace

class TestFindingsPage : public QObject
{
    Q_OBJECT

private slots:
    void rowsAreTheEnginesFindingsByItsOwnKey()
    {
        // Two missing indexes on one table, as the engine sends them: their subject (the index) is in the
        // proposal, not in the evidence. A key of the evidence's subject alone made them one row.
        auto missing = [](const QString &column) {
            Finding f;
            f.detector = QStringLiteral("missing_index");
            f.condition = QStringLiteral("sequential_scans_on_predicate");
            f.severity = Severity::Warning;
            f.summary = QStringLiteral("orders read by %1").arg(column);
            Recommendation r;
            r.sql = QStringLiteral("CREATE INDEX CONCURRENTLY ON public.orders (%1)").arg(column);
            r.subject = QStringLiteral("public.orders_%1_idx").arg(column);
            f.recommendation = r;
            return f;
        };
        FindingsModel model;
        model.setFindings({ missing(QStringLiteral("customer_id")), missing(QStringLiteral("created_at")) });
        QCOMPARE(model.rowCount(), 2);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setFindings({ missing(QStringLiteral("created_at")), missing(QStringLiteral("customer_id")) });
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(changed.count(), 0); // the same two findings: nothing to redraw
    }

    void rowsMergeInPlaceAndDetailsShowTheEvidence()
    {
        FindingsModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        FindingsPage page(&model);
        page.resize(1000, 600);
        page.show();
        QVERIFY(page.findChild<QLabel *>(QStringLiteral("findingsHeader"))
                    ->text()
                    .contains(QLatin1StringView("No analysis yet")));

        const QString index
            = QStringLiteral("CREATE INDEX CONCURRENTLY \"vigil_items_sku_idx\" ON \"public\".\"items\" "
                             "(\"sku\")");
        model.setFindings({ finding(QStringLiteral("unused_index"), QStringLiteral("never_scanned"),
                                QStringLiteral("public.old_idx"), Severity::Info, QStringLiteral("unused")),
            finding(QStringLiteral("missing_index"), QStringLiteral("sequential_scans_on_predicate"),
                QStringLiteral("public.vigil_items_sku_idx"), Severity::Warning,
                QStringLiteral("items read by sequential scans"), index) });
        QCOMPARE(model.rowCount(), 2);
        // Most severe first; the first row is selected and shown.
        QCOMPARE(model.index(0, FindingsModel::SeverityColumn).data().toString(), QStringLiteral("warning"));
        QCOMPARE(model.index(0, FindingsModel::ProposalColumn).data().toString(), index);
        QCOMPARE(model.index(1, FindingsModel::ProposalColumn).data().toString(), QStringLiteral("(advice only)"));
        QCOMPARE(model.seriousCount(), 1);
        QVERIFY(page.detailsText().contains(index));
        QVERIFY(page.detailsText().contains(QLatin1StringView("seq_tuples_per_second"))); // the JSON as recorded
        QVERIFY2(page.detailsText().contains(QLatin1StringView("Seq tuples per second: 1,000,000")), // and in words
            qPrintable(page.detailsText()));
        QVERIFY(page.detailsText().contains(QLatin1StringView("approve mode")));
        QVERIFY(page.findChild<QLabel *>(QStringLiteral("findingsHeader"))
                    ->text()
                    .contains(QLatin1StringView("2 finding")));

        // The next analysis: the warning's numbers changed (same row, updated), the info is gone, a critical is new.
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setFindings({ finding(QStringLiteral("missing_index"), QStringLiteral("sequential_scans_on_predicate"),
                                QStringLiteral("public.vigil_items_sku_idx"), Severity::Warning,
                                QStringLiteral("items read by sequential scans, faster"), index),
            finding(QStringLiteral("connection_pool"), QStringLiteral("idle_in_transaction_hoarding"),
                QStringLiteral("idle_in_transaction_hoarding"), Severity::Critical,
                QStringLiteral("150 idle in transaction")) });
        QCOMPARE(reset.count(), 0);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, FindingsModel::SummaryColumn).data().toString(),
            QStringLiteral("items read by sequential scans, faster"));
        QCOMPARE(page.view()->currentIndex().row(), 0); // the selection stayed on the same finding
        QVERIFY(page.detailsText().contains(QLatin1StringView("faster")));
        QCOMPARE(model.index(1, FindingsModel::SeverityColumn).data().toString(), QStringLiteral("critical"));
        QCOMPARE(model.seriousCount(), 2);

        model.setFindings({});
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(page.findChild<QLabel *>(QStringLiteral("findingsHeader"))
                    ->text()
                    .contains(QLatin1StringView("nothing found")));
    }

    void analyseNowAsksTheEngine()
    {
        FindingsModel model;
        FindingsPage page(&model);
        QSignalSpy asked(&page, &FindingsPage::analyseRequested);
        page.findChild<QPushButton *>(QStringLiteral("analyseNow"))->click();
        QCOMPARE(asked.count(), 1);
    }
};

QTEST_MAIN(TestFindingsPage)
#include "tst_findingspage.moc"
