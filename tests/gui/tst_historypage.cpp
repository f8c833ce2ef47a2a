// SPDX-License-Identifier: MIT
#include "actionfiltermodel.h"
#include "actionhistorymodel.h"
#include "csvwriter.h"
#include "historyformat.h"
#include "historypage.h"
#include "store/knowledgestore.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QFile>
#include <QFontInfo>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <memory>
#include <optional>

using namespace vigil;

namespace {

/// RFC 4180 records (CRLF ends every record; quoted fields may hold commas, CR, LF and doubled quotes); nullopt when
/// the text breaks the format. Written for this test, to read back what the page exported.
std::optional<QList<QStringList>> parseCsv(const QByteArray &bytes)
{
    const QString text = QString::fromUtf8(bytes);
    QList<QStringList> records;
    QStringList record;
    QString field;
    bool inQuotes = false;
    bool quoted = false; // the current field was quoted: only a separator may follow its closing quote
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (inQuotes) {
            if (c != u'"') {
                field += c;
            } else if (i + 1 < text.size() && text.at(i + 1) == u'"') {
                field += u'"';
                ++i;
            } else {
                inQuotes = false;
            }
            continue;
        }
        if (c == u',' || c == u'\r') {
            if (c == u'\r' && (i + 1 >= text.size() || text.at(i + 1) != u'\n'))
                return std::nullopt;
            record << field;
            field.clear();
            quoted = false;
            if (c == u'\r') {
                records << record;
                record.clear();
                ++i;
            }
        } else if (quoted || c == u'\n' || (c == u'"' && !field.isEmpty())) {
            return std::nullopt;
        } else if (c == u'"') {
            inQuotes = quoted = true;
        } else {
            field += c;
        }
    }
    if (inQuotes || !field.isEmpty() || !record.isEmpty() || quoted)
        return std::nullopt;
    return records;
}

QJsonObject rollbackEvidence()
{
    QJsonArray samples;
    for (int i = 1; i <= 12; ++i) {
        const bool degraded = i >= 3 && i <= 6;
        samples.append(QJsonObject { { QStringLiteral("index"), i }, { QStringLiteral("t"), 1000.0 + 5 * i },
            { QStringLiteral("state"), degraded ? QStringLiteral("degraded") : QStringLiteral("clean") },
            { QStringLiteral("latency_pct"), degraded ? 23.0 + i : 1.0 - i * 0.1 },
            { QStringLiteral("throughput_pct"), degraded ? -8.0 : 0.5 } });
    }
    return QJsonObject {
        { QStringLiteral("verdict"), QStringLiteral("rollback") },
        { QStringLiteral("reason"), QStringLiteral("p95 latency +23.4% over samples 3-6") },
        { QStringLiteral("metric"), QStringLiteral("p95_latency") },
        { QStringLiteral("change_pct"), 23.4 },
        { QStringLiteral("baseline_value"), 1.2 },
        { QStringLiteral("window_value"), 1.48 },
        { QStringLiteral("first_sample"), 3 },
        { QStringLiteral("last_sample"), 6 },
        { QStringLiteral("extended"), false },
        { QStringLiteral("baseline"), QStringLiteral("p95 1.2 ms, 812 tps, 3 busy sessions") },
        { QStringLiteral("regressed"),
            QJsonArray { QJsonObject { { QStringLiteral("queryid"), QStringLiteral("4242") },
                { QStringLiteral("query"), QStringLiteral("SELECT * FROM orders WHERE created_at > $1") },
                { QStringLiteral("baseline_mean_ms"), 0.8 }, { QStringLiteral("window_mean_ms"), 1.1 },
                { QStringLiteral("change_pct"), 37.5 } } } },
        { QStringLiteral("samples"), samples },
    };
}

/// The journal the page shows: what each action is and how it ended, so the test can say which rows a filter keeps
/// without asking the code under test.
struct Expected
{
    qint64 id = 0;
    QString target;
    QString applySql;
    QString rollbackSql;
    QString state; ///< journal name
    QString reason; ///< the last transition's
    QDateTime createdAt;
};

} // namespace

class TestHistoryPage : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_path;
    std::unique_ptr<KnowledgeStore> m_store; ///< the engine's side: writes the journal
    std::vector<Expected> m_expected; ///< newest first, as the page shows it by default

    bool step(qint64 id, ActionState to, const QString &reason, const QJsonObject &evidence = {})
    {
        if (m_store->transition(id, to, reason, evidence))
            return true;
        qWarning("transition failed: %s", qPrintable(m_store->lastError()));
        return false;
    }

    /// Action i of the journal: targets, statements and reasons with commas, quotes, line breaks and non-ASCII text.
    bool addAction(int i)
    {
        static const QString targets[] = { QStringLiteral("db-a:5432/shop"), QStringLiteral("db-b:5432/billing"),
            QStringLiteral("db-c:5433/orders_archive") };
        Action a;
        a.target = targets[i % 3];
        switch (i % 4) {
        case 0:
            a.kind = ActionKind::CreateIndex;
            a.applySql = QStringLiteral("CREATE INDEX orders_idx_%1 ON orders (created_at, \"Customer, Id\")").arg(i);
            a.rollbackSql = QStringLiteral("DROP INDEX CONCURRENTLY orders_idx_%1").arg(i);
            break;
        case 1:
            a.kind = ActionKind::SetParameter;
            a.applySql = QStringLiteral("ALTER SYSTEM SET work_mem = '%1MB'").arg(i);
            a.rollbackSql = QStringLiteral("ALTER SYSTEM RESET work_mem");
            break;
        case 2:
            a.kind = ActionKind::Sql;
            a.applySql = QStringLiteral("UPDATE app_config\r\nSET batch = %1\nWHERE name = 'orders'").arg(i);
            a.rollbackSql = QStringLiteral("UPDATE app_config SET batch = 100 WHERE name = 'orders'");
            break;
        default:
            a.kind = ActionKind::DropIndex;
            a.applySql = QStringLiteral("DROP INDEX sku_idx_%1").arg(i);
            a.rollbackSql = QStringLiteral("CREATE INDEX sku_idx_%1 ON items (sku)").arg(i);
            break;
        }
        a.origin = i % 2 ? ActionOrigin::Auto : ActionOrigin::User;
        a.reason = QStringLiteral("cache hit ratio 0.91, below 0.95 — «proposé»");
        const qint64 id = m_store->createAction(a);
        if (id <= 0)
            return false;

        QString reason = a.reason;
        QString state = QStringLiteral("proposed");
        switch (i % 5) {
        case 0:
            reason = QStringLiteral("kept: no harmful change (p95 -1.2%)");
            if (!step(id, ActionState::Applying, QStringLiteral("applying")) || !step(id, ActionState::Observing, {})
                || !step(id, ActionState::Kept, reason,
                    QJsonObject { { QStringLiteral("verdict"), QStringLiteral("keep") } }))
                return false;
            state = QStringLiteral("kept");
            break;
        case 1:
            reason = QStringLiteral("p95 latency +23.4% over samples 3-6, \"%1\" slower\nrolled back")
                         .arg(i % 4 == 0 ? QStringLiteral("orders") : QStringLiteral("lookups"));
            if (!step(id, ActionState::Applying, QStringLiteral("applying")) || !step(id, ActionState::Observing, {})
                || !step(id, ActionState::RollingBack, reason, rollbackEvidence())
                || !step(id, ActionState::RolledBack, reason, rollbackEvidence()))
                return false;
            state = QStringLiteral("rolled_back");
            break;
        case 2:
            reason = QStringLiteral("ERROR: permission denied, for table \"items\"");
            if (!step(id, ActionState::Applying, QStringLiteral("applying")) || !step(id, ActionState::Failed, reason))
                return false;
            state = QStringLiteral("failed");
            break;
        case 3:
            reason = QStringLiteral("waiting for a DBA");
            if (!step(id, ActionState::AwaitingApproval, reason))
                return false;
            state = QStringLiteral("awaiting_approval");
            break;
        default:
            break; // stays proposed
        }
        const std::optional<Action> stored = m_store->action(id);
        if (!stored)
            return false;
        m_expected.insert(
            m_expected.begin(), Expected { id, a.target, a.applySql, a.rollbackSql, state, reason, stored->createdAt });
        return true;
    }

    static QByteArray readFile(const QString &path)
    {
        QFile file(path);
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }

    /// The rows of the page's table in the view's order, each as the CSV should have it.
    static QList<QStringList> viewRows(const QTableView &view)
    {
        QList<QStringList> rows;
        const QAbstractItemModel *model = view.model();
        const QHeaderView *header = view.horizontalHeader();
        for (int row = 0; row < model->rowCount(); ++row) {
            QStringList fields;
            for (int visual = 0; visual < header->count(); ++visual) {
                const int column = header->logicalIndex(visual);
                if (!header->isSectionHidden(column))
                    fields << CsvWriter::fieldText(model->index(row, column).data(ActionHistoryModel::ExportRole));
            }
            rows << fields;
        }
        return rows;
    }

    struct Page
    {
        std::unique_ptr<ActionHistoryModel> model;
        std::unique_ptr<HistoryPage> page;
        QTableView *view = nullptr;
        QLineEdit *filter = nullptr;
        QComboBox *status = nullptr;
        QPushButton *exportButton = nullptr;
    };

    Page openPage(int pageSize = ActionHistoryModel::kDefaultPageSize, QSize size = QSize(1100, 700))
    {
        Page p;
        p.model = std::make_unique<ActionHistoryModel>(m_path);
        p.model->setPageSize(pageSize);
        p.page = std::make_unique<HistoryPage>(p.model.get());
        p.page->setRefreshInterval(0); // tests refresh on purpose only
        p.page->resize(size);
        p.page->show();
        p.view = p.page->findChild<QTableView *>(QStringLiteral("historyTable"));
        p.filter = p.page->findChild<QLineEdit *>(QStringLiteral("historyFilter"));
        p.status = p.page->findChild<QComboBox *>(QStringLiteral("historyStatusFilter"));
        p.exportButton = p.page->findChild<QPushButton *>(QStringLiteral("historyExport"));
        return p;
    }

    /// Chooses a status the way a keyboard user does: focus the combo and press Down until it shows.
    static bool chooseStatus(QComboBox *combo, const QString &label)
    {
        combo->setFocus();
        for (int presses = 0; presses < combo->count() && combo->currentText() != label; ++presses)
            QTest::keyClick(combo, Qt::Key_Down);
        return combo->currentText() == label;
    }

private slots:
    void initTestCase()
    {
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
        m_path = m_dir.filePath(QStringLiteral("journal.sqlite"));
        QString error;
        m_store = KnowledgeStore::open(m_path, &error);
        QVERIFY2(m_store, qPrintable(error));
        for (int i = 0; i < 60; ++i)
            QVERIFY(addAction(i));
    }

    void cleanupTestCase() { m_store.reset(); }

    void controlsExplainThemselves()
    {
        Page p = openPage();
        QVERIFY(p.view && p.filter && p.status && p.exportButton);
        QVERIFY(!p.filter->placeholderText().isEmpty());
        for (QWidget *w : std::initializer_list<QWidget *> { p.filter, p.status, p.exportButton })
            QVERIFY2(!w->toolTip().isEmpty(), qPrintable(w->objectName()));
        QVERIFY(p.view->isSortingEnabled());
        QTRY_VERIFY(p.view->model()->rowCount() > 0);
        // Newest first, with the status shown as a chip.
        const QModelIndex first = p.view->model()->index(0, ActionHistoryModel::StatusColumn);
        QCOMPARE(first.data(ActionHistoryModel::ActionIdRole).toLongLong(), m_expected.front().id);
        QVERIFY(!first.data(Qt::DecorationRole).value<QIcon>().isNull());
    }

    void filterAndExportWriteExactlyTheRowsShown()
    {
        Page p = openPage();
        QVERIFY(QTest::qWaitForWindowExposed(p.page.get()));
        QTRY_COMPARE(p.view->model()->rowCount(), int(m_expected.size()));

        QTest::keyClicks(p.filter, QStringLiteral("ORDERS"));
        QVERIFY(chooseStatus(p.status, QStringLiteral("rolled back")));

        std::vector<Expected> wanted;
        for (const Expected &e : m_expected) {
            const bool text = e.applySql.contains(QLatin1StringView("orders"), Qt::CaseInsensitive)
                || e.target.contains(QLatin1StringView("orders"), Qt::CaseInsensitive)
                || e.reason.contains(QLatin1StringView("orders"), Qt::CaseInsensitive);
            if (text && e.state == QLatin1StringView("rolled_back"))
                wanted.push_back(e);
        }
        QVERIFY(wanted.size() >= 3); // a real subset: some rolled-back actions do not mention orders
        QVERIFY(std::count_if(m_expected.begin(), m_expected.end(), [](const Expected &e) {
            return e.state == QLatin1StringView("rolled_back");
        }) > qsizetype(wanted.size()));
        QCOMPARE(p.view->model()->rowCount(), int(wanted.size()));

        const QString path = m_dir.filePath(QStringLiteral("filtered.csv"));
        p.page->setExportPathProvider([&] { return path; });
        QSignalSpy exported(p.page.get(), &HistoryPage::exported);
        QTest::mouseClick(p.exportButton, Qt::LeftButton);
        QTRY_COMPARE(exported.size(), 1);
        QVERIFY(p.exportButton->isEnabled());
        QCOMPARE(exported.at(0).at(1).toInt(), int(wanted.size()));

        const QByteArray bytes = readFile(path);
        QVERIFY(!bytes.startsWith("\xEF\xBB\xBF"));
        const auto records = parseCsv(bytes);
        QVERIFY2(records, bytes.constData());
        QCOMPARE(records->size(), 1 + int(wanted.size()));
        QCOMPARE(records->at(0),
            (QStringList { QStringLiteral("Time"), QStringLiteral("Target"), QStringLiteral("Action"),
                QStringLiteral("Kind"), QStringLiteral("Origin"), QStringLiteral("Status"),
                QStringLiteral("Reason") }));
        // Exactly the view's rows, in its order...
        QCOMPARE(records->mid(1), viewRows(*p.view));
        // ...and those are the actions the test expects, newest first, with raw values: the SQL and reason as
        // written (line breaks and quotes kept), times in ISO 8601 with their offset.
        for (std::size_t i = 0; i < wanted.size(); ++i) {
            const QStringList &fields = records->at(int(i) + 1);
            QCOMPARE(QDateTime::fromString(fields.at(0), Qt::ISODateWithMs).toUTC(), wanted[i].createdAt);
            QCOMPARE(fields.at(1), wanted[i].target);
            QCOMPARE(fields.at(2), wanted[i].applySql);
            QCOMPARE(fields.at(5), QStringLiteral("rolled_back"));
            QCOMPARE(fields.at(6), wanted[i].reason);
        }

        // Sorting by clicking a header changes the view's order, and the export follows it.
        QHeaderView *header = p.view->horizontalHeader();
        const int x = header->sectionViewportPosition(ActionHistoryModel::ActionColumn) + 10;
        QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(x, header->height() / 2));
        QCOMPARE(header->sortIndicatorSection(), int(ActionHistoryModel::ActionColumn));
        const QString sortedPath = m_dir.filePath(QStringLiteral("sorted.csv"));
        p.page->setExportPathProvider([&] { return sortedPath; });
        QTest::mouseClick(p.exportButton, Qt::LeftButton);
        QTRY_COMPARE(exported.size(), 2);
        const auto sorted = parseCsv(readFile(sortedPath));
        QVERIFY(sorted);
        QCOMPARE(sorted->mid(1), viewRows(*p.view));
        QStringList actions;
        for (const QStringList &fields : sorted->mid(1))
            actions << oneLine(fields.at(2));
        QStringList expectedOrder = actions;
        std::sort(expectedOrder.begin(), expectedOrder.end(), [&](const QString &a, const QString &b) {
            const int c = a.compare(b, Qt::CaseInsensitive);
            return header->sortIndicatorOrder() == Qt::AscendingOrder ? c < 0 : c > 0;
        });
        QCOMPARE(actions, expectedOrder);
        QVERIFY(sorted->mid(1) != records->mid(1)); // the order really changed

        // Clearing the filter line through the keyboard shows the rolled-back actions again, all of them.
        p.filter->selectAll();
        QTest::keyClick(p.filter, Qt::Key_Delete);
        QCOMPARE(p.view->model()->rowCount(),
            int(std::count_if(m_expected.begin(), m_expected.end(),
                [](const Expected &e) { return e.state == QLatin1StringView("rolled_back"); })));
    }

    void exportReadsTheWholeJournalNotOnlyTheLoadedRows()
    {
        Page p = openPage(5, QSize(900, 360));
        QVERIFY(QTest::qWaitForWindowExposed(p.page.get()));
        QTRY_VERIFY(p.model->rowCount() > 0);
        QVERIFY2(p.model->rowCount() < int(m_expected.size()), "the view was expected to load only some pages");
        QVERIFY(p.model->canFetchMore({}));

        const QString path = m_dir.filePath(QStringLiteral("all.csv"));
        p.page->setExportPathProvider([&] { return path; });
        QSignalSpy exported(p.page.get(), &HistoryPage::exported);
        QTest::mouseClick(p.exportButton, Qt::LeftButton);
        QVERIFY(exported.wait(10000));
        const auto records = parseCsv(readFile(path));
        QVERIFY(records);
        QCOMPARE(records->size(), 1 + int(m_expected.size()));
        QCOMPARE(records->mid(1), viewRows(*p.view));
        for (std::size_t i = 0; i < m_expected.size(); ++i)
            QCOMPARE(records->at(int(i) + 1).at(2), m_expected[i].applySql);
        const auto *count = p.page->findChild<QLabel *>(QStringLiteral("historyCount"));
        QVERIFY(count);
        QVERIFY2(count->text().contains(QString::number(m_expected.size())), qPrintable(count->text()));
    }

    void aFailedExportSaysWhy()
    {
        Page p = openPage();
        QVERIFY(QTest::qWaitForWindowExposed(p.page.get()));
        p.page->setExportPathProvider([&] { return m_dir.filePath(QStringLiteral("missing/dir/x.csv")); });
        QSignalSpy failed(p.page.get(), &HistoryPage::exportFailed);
        QSignalSpy exported(p.page.get(), &HistoryPage::exported);
        QTest::mouseClick(p.exportButton, Qt::LeftButton);
        QTRY_COMPARE(failed.size(), 1);
        QCOMPARE(exported.size(), 0);
        const auto *message = p.page->findChild<QLabel *>(QStringLiteral("historyMessage"));
        QVERIFY(message && message->isVisible());
        QVERIFY2(message->text().contains(QLatin1StringView("x.csv")), qPrintable(message->text()));

        // An empty path (the DBA closed the file dialog) does nothing at all.
        p.page->setExportPathProvider([] { return QString(); });
        QTest::mouseClick(p.exportButton, Qt::LeftButton);
        QTest::qWait(200);
        QCOMPARE(failed.size(), 1);
        QCOMPARE(exported.size(), 0);
    }

    void selectingARowShowsItsSqlAndEvidence()
    {
        Page p = openPage();
        QVERIFY(QTest::qWaitForWindowExposed(p.page.get()));
        QTRY_COMPARE(p.view->model()->rowCount(), int(m_expected.size()));
        auto *apply = p.page->findChild<QPlainTextEdit *>(QStringLiteral("applySql"));
        auto *rollback = p.page->findChild<QPlainTextEdit *>(QStringLiteral("rollbackSql"));
        QVERIFY(apply && rollback);
        QVERIFY(apply->isReadOnly() && rollback->isReadOnly());
        QVERIFY(apply->toPlainText().isEmpty());

        // A rolled-back UPDATE: multi-line SQL and a verdict with evidence.
        const auto target = std::find_if(m_expected.begin(), m_expected.end(), [](const Expected &e) {
            return e.state == QLatin1StringView("rolled_back") && e.applySql.contains(QLatin1StringView("UPDATE"));
        });
        QVERIFY(target != m_expected.end());
        const int row = int(target - m_expected.begin()); // default order: newest first, like m_expected
        const QModelIndex index = p.view->model()->index(row, ActionHistoryModel::ActionColumn);
        QCOMPARE(index.data(ActionHistoryModel::ActionIdRole).toLongLong(), target->id);
        p.view->scrollTo(index);
        QTest::mouseClick(p.view->viewport(), Qt::LeftButton, {}, p.view->visualRect(index).center());
        QCOMPARE(p.view->currentIndex().row(), row);

        // QPlainTextEdit keeps line breaks as \n: compare with the statement's lines.
        QCOMPARE(
            apply->toPlainText().split(u'\n'), target->applySql.split(QRegularExpression(QStringLiteral("\r?\n"))));
        QCOMPARE(rollback->toPlainText(), target->rollbackSql);
        QVERIFY(QFontInfo(apply->font()).fixedPitch());

        const auto *baseline = p.page->findChild<QLabel *>(QStringLiteral("evidenceBaseline"));
        const auto *window = p.page->findChild<QLabel *>(QStringLiteral("evidenceWindow"));
        const auto *change = p.page->findChild<QLabel *>(QStringLiteral("evidenceChange"));
        const auto *samples = p.page->findChild<QLabel *>(QStringLiteral("evidenceSamples"));
        QVERIFY(baseline && window && change && samples);
        // The evidence is read for the row a DBA opens, off the GUI thread: it shows a moment later.
        QTRY_COMPARE(baseline->text(), QStringLiteral("1.2 ms"));
        QCOMPARE(window->text(), QStringLiteral("1.48 ms"));
        QCOMPARE(change->text(), QStringLiteral("+23.4%"));
        QCOMPARE(samples->text(), QStringLiteral("3–6"));
        const auto *regressed = p.page->findChild<QTableWidget *>(QStringLiteral("regressedStatements"));
        QVERIFY(regressed && regressed->isVisible());
        QCOMPARE(regressed->rowCount(), 1);
        QCOMPARE(regressed->item(0, 0)->text(), QStringLiteral("SELECT * FROM orders WHERE created_at > $1"));
        QCOMPARE(regressed->item(0, 3)->text(), QStringLiteral("+37.5%"));
        const auto *chartView = p.page->findChild<QChartView *>(QStringLiteral("windowChart"));
        QVERIFY(chartView && chartView->isVisible());
        int latencyPoints = -1;
        for (QAbstractSeries *series : chartView->chart()->series()) {
            if (series->name() == QLatin1StringView("p95 latency"))
                latencyPoints = int(static_cast<QLineSeries *>(series)->count());
        }
        QCOMPARE(latencyPoints, 12);

        // A proposed action has no verdict: the evidence pane says so instead of showing stale numbers.
        const auto proposed = std::find_if(m_expected.begin(), m_expected.end(),
            [](const Expected &e) { return e.state == QLatin1StringView("proposed"); });
        const QModelIndex other = p.view->model()->index(int(proposed - m_expected.begin()), 0);
        p.view->scrollTo(other);
        QTest::mouseClick(p.view->viewport(), Qt::LeftButton, {}, p.view->visualRect(other).center());
        QCOMPARE(apply->toPlainText(), proposed->applySql);
        const auto *placeholder = p.page->findChild<QLabel *>(QStringLiteral("evidencePlaceholder"));
        QVERIFY(placeholder && placeholder->isVisible());
        QVERIFY(!chartView->isVisible());
    }

    void ctrlFFocusesTheFilter()
    {
        Page p = openPage();
        p.page->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(p.page.get()));
        p.view->setFocus();
        QVERIFY(!p.filter->hasFocus());
        QTest::keyClick(p.view, Qt::Key_F, Qt::ControlModifier);
        QTRY_VERIFY(p.filter->hasFocus());
    }

    void newJournalEntriesAppearWhileThePageIsShown()
    {
        Page p = openPage();
        QVERIFY(QTest::qWaitForWindowExposed(p.page.get()));
        QTRY_COMPARE(p.view->model()->rowCount(), int(m_expected.size()));
        p.page->setRefreshInterval(50);
        QVERIFY(addAction(1004)); // 1004 % 5 == 4: stays proposed
        QTRY_COMPARE(p.view->model()->rowCount(), int(m_expected.size()));
        QCOMPARE(
            p.view->model()->index(0, 0).data(ActionHistoryModel::ActionIdRole).toLongLong(), m_expected.front().id);
        // ...and a state change shows in place.
        QVERIFY(step(m_expected.front().id, ActionState::Rejected, QStringLiteral("not now")));
        m_expected.front().state = QStringLiteral("rejected");
        QTRY_COMPARE(
            p.view->model()->index(0, ActionHistoryModel::StatusColumn).data().toString(), QStringLiteral("rejected"));
    }

    void plansTabComparesAStatementsPlanBeforeAndWithTheAction()
    {
        // What the engine journals: the costliest statements' plans before the apply, the regressed one's before the
        // rollback (queryids as text: they are 64-bit).
        const auto target = std::find_if(m_expected.begin(), m_expected.end(),
            [](const Expected &e) { return e.state == QLatin1StringView("rolled_back"); });
        QVERIFY(target != m_expected.end());
        const QString regressed = QStringLiteral("SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at "
                                                 "DESC LIMIT $2");
        const QString other = QStringLiteral("UPDATE orders SET amount = $1 WHERE id = $2");
        auto plan = [](const QString &id, const QString &query, const QString &text) {
            return QJsonObject { { QStringLiteral("queryid"), id }, { QStringLiteral("query"), query },
                { QStringLiteral("plan"), text } };
        };
        const QJsonObject details {
            { QStringLiteral("plans_before"),
                QJsonArray { plan(QStringLiteral("11"), other, QStringLiteral("Update on orders\n  ->  Index Scan")),
                    plan(QStringLiteral("-7"), regressed,
                        QStringLiteral("Limit\n  ->  Sort\n        ->  Index Scan using orders_customer_idx")) } },
            { QStringLiteral("plans_after"),
                QJsonArray { plan(QStringLiteral("-7"), regressed,
                    QStringLiteral("Limit\n  ->  Index Scan Backward using orders_created_idx")) } },
        };
        QVERIFY2(m_store->updateDetails(target->id, details), qPrintable(m_store->lastError()));

        Page p = openPage();
        QVERIFY(QTest::qWaitForWindowExposed(p.page.get()));
        QTRY_COMPARE(p.view->model()->rowCount(), int(m_expected.size()));
        auto *tabs = p.page->findChild<QTabWidget *>(QStringLiteral("historyDetailTabs"));
        auto *statement = p.page->findChild<QComboBox *>(QStringLiteral("planStatement"));
        auto *before = p.page->findChild<QPlainTextEdit *>(QStringLiteral("planBefore"));
        auto *after = p.page->findChild<QPlainTextEdit *>(QStringLiteral("planAfter"));
        auto *verdict = p.page->findChild<QLabel *>(QStringLiteral("planVerdict"));
        QVERIFY(tabs && statement && before && after && verdict);
        const QModelIndex index = p.view->model()->index(int(target - m_expected.begin()), 0);
        p.view->scrollTo(index);
        QTest::mouseClick(p.view->viewport(), Qt::LeftButton, {}, p.view->visualRect(index).center());
        QTRY_COMPARE(tabs->tabText(1), QStringLiteral("&Plans (2)"));
        // Alt+P is the tab's mnemonic, as its label says.
        p.page->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(p.page.get()));
        QTest::keyClick(p.page.get(), Qt::Key_P, Qt::AltModifier);
        QTRY_COMPARE(tabs->currentIndex(), 1);
        QVERIFY(before->isVisible() && after->isVisible());

        // The statement the verdict named comes first, its two plans side by side.
        QCOMPARE(statement->count(), 2);
        QVERIFY2(statement->itemText(0).startsWith(QLatin1StringView("regressed: SELECT")),
            qPrintable(statement->itemText(0)));
        QVERIFY2(before->toPlainText().contains(QLatin1StringView("orders_customer_idx")),
            qPrintable(before->toPlainText()));
        QVERIFY2(
            after->toPlainText().contains(QLatin1StringView("orders_created_idx")), qPrintable(after->toPlainText()));
        QVERIFY2(verdict->text().contains(QLatin1StringView("changed")), qPrintable(verdict->text()));
        QVERIFY(QFontInfo(before->font()).fixedPitch());
        // A statement read only before the action says why the other side is missing.
        statement->setCurrentIndex(1);
        QVERIFY2(
            before->toPlainText().startsWith(QLatin1StringView("Update on orders")), qPrintable(before->toPlainText()));
        QVERIFY2(after->toPlainText().startsWith(QLatin1StringView("not read")), qPrintable(after->toPlainText()));

        // An action without plans: the tab says there are none, and why.
        const auto proposed = std::find_if(m_expected.begin(), m_expected.end(),
            [](const Expected &e) { return e.state == QLatin1StringView("proposed"); });
        const QModelIndex none = p.view->model()->index(int(proposed - m_expected.begin()), 0);
        p.view->scrollTo(none);
        QTest::mouseClick(p.view->viewport(), Qt::LeftButton, {}, p.view->visualRect(none).center());
        QCOMPARE(tabs->tabText(1), QStringLiteral("&Plans"));
        auto *placeholder = p.page->findChild<QLabel *>(QStringLiteral("plansPlaceholder"));
        QVERIFY(placeholder && placeholder->isVisible());
    }
};

QTEST_MAIN(TestHistoryPage)
#include "tst_historypage.moc"
