// SPDX-License-Identifier: MIT
#include "actionfiltermodel.h"
#include "actionhistorymodel.h"
#include "historyformat.h"
#include "store/knowledgestore.h"

#include <QAbstractItemModelTester>
#include <QColor>
#include <QElapsedTimer>
#include <QIcon>
#include <QJsonArray>
#include <QJsonObject>
#include <QLocale>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <memory>

using namespace vigil;

Q_DECLARE_METATYPE(vigil::ActionState)
Q_DECLARE_METATYPE(vigil::StatusTone)

namespace {

/// A varied, predictable action: the i-th of a test journal.
Action makeAction(int i)
{
    static const ActionKind kinds[]
        = { ActionKind::SetParameter, ActionKind::CreateIndex, ActionKind::DropIndex, ActionKind::Sql };
    Action a;
    a.target = QStringLiteral("db%1:5432/app").arg(i % 3);
    a.kind = kinds[i % 4];
    a.origin = i % 2 ? ActionOrigin::Auto : ActionOrigin::User;
    a.applySql = QStringLiteral("ALTER SYSTEM SET work_mem = '%1kB'").arg(64 + i);
    a.rollbackSql = QStringLiteral("ALTER SYSTEM RESET work_mem");
    a.reason = QStringLiteral("proposal %1").arg(i);
    a.details = QJsonObject { { QStringLiteral("proposal"), i } };
    return a;
}

QJsonObject verdictEvidence(double changePct)
{
    return QJsonObject { { QStringLiteral("verdict"), QStringLiteral("rollback") },
        { QStringLiteral("metric"), QStringLiteral("p95_latency") }, { QStringLiteral("change_pct"), changePct },
        { QStringLiteral("samples"),
            QJsonArray { QJsonObject { { QStringLiteral("index"), 1 }, { QStringLiteral("latency_pct"), changePct },
                { QStringLiteral("throughput_pct"), -1.0 } } } } };
}

/// Takes a stored action along the journal's state machine to `to` (kept or rolled back by way of observing).
bool walk(KnowledgeStore &store, qint64 id, const std::vector<ActionState> &steps)
{
    for (const ActionState step : steps) {
        if (!store.transition(id, step, QStringLiteral("to %1").arg(stateName(step))))
            return false;
    }
    return true;
}

/// The model's reads answer through the event loop: lets them come back.
bool settle(const ActionHistoryModel &model, int timeoutMs = 10000)
{
    return QTest::qWaitFor([&] { return !model.isReading(); }, timeoutMs);
}

/// Loads every page, as a view scrolled to the bottom does; false when a read did not come back.
bool fetchEverything(ActionHistoryModel &model)
{
    if (!settle(model))
        return false;
    while (model.canFetchMore({})) {
        model.fetchMore({});
        if (!settle(model))
            return false;
    }
    return true;
}

} // namespace

class TestActionHistoryModel : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_stores = 0;

    /// A fresh store file in the test's temp dir, and its writer (the engine's side of the journal).
    std::pair<QString, std::unique_ptr<KnowledgeStore>> newStore(int actions)
    {
        const QString path = m_dir.filePath(QStringLiteral("store%1.sqlite").arg(++m_stores));
        QString error;
        auto store = KnowledgeStore::open(path, &error);
        if (!store)
            qFatal("cannot open a store: %s", qPrintable(error));
        for (int i = 0; i < actions; ++i) {
            if (store->createAction(makeAction(i)) <= 0)
                qFatal("cannot create an action: %s", qPrintable(store->lastError()));
        }
        return { path, std::move(store) };
    }

private slots:
    void initTestCase()
    {
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
    }

    void labels_data()
    {
        QTest::addColumn<ActionState>("state");
        QTest::addColumn<QString>("label");
        QTest::addColumn<StatusTone>("tone");
        QTest::newRow("kept is good") << ActionState::Kept << QStringLiteral("kept") << StatusTone::Good;
        QTest::newRow("awaiting approval is pending")
            << ActionState::AwaitingApproval << QStringLiteral("awaiting approval") << StatusTone::Pending;
        QTest::newRow("applying is pending")
            << ActionState::Applying << QStringLiteral("applying") << StatusTone::Pending;
        QTest::newRow("observing is pending")
            << ActionState::Observing << QStringLiteral("observing") << StatusTone::Pending;
        QTest::newRow("rolling back is pending")
            << ActionState::RollingBack << QStringLiteral("rolling back") << StatusTone::Pending;
        QTest::newRow("rolled back is bad")
            << ActionState::RolledBack << QStringLiteral("rolled back") << StatusTone::Bad;
        QTest::newRow("failed is bad") << ActionState::Failed << QStringLiteral("failed") << StatusTone::Bad;
        QTest::newRow("proposed is neutral")
            << ActionState::Proposed << QStringLiteral("proposed") << StatusTone::Neutral;
        QTest::newRow("rejected is neutral")
            << ActionState::Rejected << QStringLiteral("rejected") << StatusTone::Neutral;
    }

    void labels()
    {
        QFETCH(ActionState, state);
        QFETCH(QString, label);
        QFETCH(StatusTone, tone);
        QCOMPARE(stateLabel(state), label);
        QCOMPARE(statusTone(state), tone);
        QVERIFY(!statusIcon(state).isNull());
    }

    void tonesHaveDistinctColours()
    {
        const QColor good = toneColor(StatusTone::Good);
        const QColor pending = toneColor(StatusTone::Pending);
        const QColor bad = toneColor(StatusTone::Bad);
        const QColor neutral = toneColor(StatusTone::Neutral);
        QVERIFY(good.green() > good.red());
        QVERIFY(bad.red() > bad.green() * 2);
        QVERIFY(pending.red() > pending.blue() && pending.green() > pending.blue()); // amber
        QCOMPARE(neutral.red(), neutral.blue()); // grey
    }

    void formatting_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("expected");
        QTest::newRow("one line stays") << QStringLiteral("SELECT 1") << QStringLiteral("SELECT 1");
        QTest::newRow("newlines and tabs collapse")
            << QStringLiteral("CREATE INDEX i\n\tON t (a)\r\n") << QStringLiteral("CREATE INDEX i ON t (a)");
        QTest::newRow("empty") << QString() << QString();
    }

    void formatting()
    {
        QFETCH(QString, input);
        QFETCH(QString, expected);
        QCOMPARE(oneLine(input), expected);
    }

    void timesAreLocalAndCarryTheirOffset()
    {
        const QDateTime utc(QDate(2026, 11, 27), QTime(10, 4, 5, 120), Qt::UTC);
        const QDateTime local = utc.toLocalTime();
        QCOMPARE(formatLocalTime(utc), local.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
        const QString iso = isoWithOffset(utc);
        QVERIFY2(
            QRegularExpression(QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.120[+-]\\d\\d:\\d\\d$"))
                .match(iso)
                .hasMatch(),
            qPrintable(iso));
        // Read back, it is the same instant whatever the reader's zone.
        QCOMPARE(QDateTime::fromString(iso, Qt::ISODateWithMs).toUTC(), utc);
        QVERIFY(formatLocalTime({}).isEmpty());
        QVERIFY(isoWithOffset({}).isEmpty());
    }

    void storeReadsPagesCountsAndChanges()
    {
        auto [path, store] = newStore(12);
        QCOMPARE(store->countActions(), qint64(12));

        const std::vector<Action> first = store->actionsPage(0, 5, {}, ActionFields::Summary);
        QCOMPARE(first.size(), std::size_t(5));
        QCOMPARE(first.front().id, qint64(12));
        QCOMPARE(first.back().id, qint64(8));
        QCOMPARE(first.front().applySql, makeAction(11).applySql);
        const std::vector<Action> last = store->actionsPage(3, 5);
        QCOMPARE(last.size(), std::size_t(2));
        QCOMPARE(last.front().id, qint64(2));

        ActionFilter byTarget;
        byTarget.target = QStringLiteral("db1:5432/app");
        QCOMPARE(store->countActions(byTarget), qint64(4));
        ActionFilter byText;
        byText.text = QStringLiteral("PROPOSAL 1"); // reason "proposal 1", "proposal 10", "proposal 11"
        QCOMPARE(store->countActions(byText), qint64(3));
        ActionFilter wildcard;
        wildcard.text = QStringLiteral("%"); // a literal percent sign: no action has one
        QCOMPARE(store->countActions(wildcard), qint64(0));

        const qint64 cursor = store->lastTransitionId();
        QCOMPARE(cursor, qint64(12)); // one transition per created action
        QVERIFY(walk(*store, 3, { ActionState::AwaitingApproval }));
        QVERIFY(walk(*store, 5, { ActionState::Rejected }));
        ActionFilter rejected;
        rejected.states = { ActionState::Rejected };
        QCOMPARE(store->countActions(rejected), qint64(1));
        bool ok = false;
        const std::vector<Action> changed = store->actionsChangedSince(cursor, ActionFields::Summary, &ok);
        QVERIFY(ok);
        QCOMPARE(changed.size(), std::size_t(2));
        QCOMPARE(changed[0].id, qint64(5));
        QCOMPARE(changed[1].id, qint64(3));
        QCOMPARE(changed[1].state, ActionState::AwaitingApproval);
    }

    void fetchesPagesNewestFirst()
    {
        constexpr int kActions = 1200;
        auto [path, store] = newStore(kActions);

        ActionHistoryModel model(path);
        QCOMPARE(model.pageSize(), 500);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        // The tester asked for the first page once, as a view does; from here on the test pages explicitly (the
        // tester would otherwise fetch again on every signal it checks).
        tester.setUseFetchMore(false);
        // The answer comes later, from the reader's thread: nothing is there yet, and nothing more is asked for.
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(model.isReading());
        QVERIFY(!model.canFetchMore({}));
        QVERIFY(settle(model));
        QVERIFY2(model.isOpen(), qPrintable(model.errorString()));
        // Whole pages only.
        QCOMPARE(model.rowCount(), 500);
        QCOMPARE(inserted.size(), 1);
        int fetches = int(inserted.size());
        while (model.canFetchMore({})) {
            model.fetchMore({});
            QVERIFY(settle(model));
            QVERIFY(++fetches <= 3);
        }
        QCOMPARE(model.rowCount(), kActions);
        QCOMPARE(model.totalCount(), qint64(kActions));
        QCOMPARE(inserted.size(), 3);
        QCOMPARE(inserted.at(0).at(1).toInt(), 0);
        QCOMPARE(inserted.at(0).at(2).toInt(), 499);
        QCOMPARE(inserted.at(1).at(1).toInt(), 500);
        QCOMPARE(inserted.at(2).at(1).toInt(), 1000);
        QCOMPARE(inserted.at(2).at(2).toInt(), 1199);
        model.fetchMore({}); // nothing more: no signal, no row
        QVERIFY(settle(model));
        QCOMPARE(inserted.size(), 3);

        for (int row = 0; row < model.rowCount(); ++row) {
            const qint64 id = model.index(row, 0).data(ActionHistoryModel::ActionIdRole).toLongLong();
            QCOMPARE(id, qint64(kActions - row)); // newest first, no gap, no duplicate
        }

        // One row, every column and role: action 1000 is makeAction(999).
        const int row = model.rowOfAction(1000);
        QCOMPARE(row, 200);
        const Action expected = makeAction(999);
        auto cell = [&](int column, int role = Qt::DisplayRole) { return model.index(row, column).data(role); };
        const QDateTime created = cell(0, ActionHistoryModel::CreatedAtRole).toDateTime();
        QVERIFY(created.isValid());
        QCOMPARE(cell(ActionHistoryModel::TimeColumn).toString(), formatLocalTime(created));
        QCOMPARE(cell(ActionHistoryModel::TargetColumn).toString(), expected.target);
        QCOMPARE(cell(ActionHistoryModel::ActionColumn).toString(), expected.applySql);
        QCOMPARE(cell(ActionHistoryModel::KindColumn).toString(), kindLabel(expected.kind));
        QCOMPARE(cell(ActionHistoryModel::OriginColumn).toString(), QStringLiteral("auto"));
        QCOMPARE(cell(ActionHistoryModel::StatusColumn).toString(), QStringLiteral("proposed"));
        QCOMPARE(cell(ActionHistoryModel::ReasonColumn).toString(), expected.reason);
        QCOMPARE(cell(ActionHistoryModel::ReasonColumn, Qt::ToolTipRole).toString(), expected.reason);
        QCOMPARE(cell(ActionHistoryModel::ActionColumn, Qt::ToolTipRole).toString(), expected.applySql);
        QVERIFY(!cell(ActionHistoryModel::StatusColumn, Qt::DecorationRole).value<QIcon>().isNull());
        QVERIFY(!cell(ActionHistoryModel::TimeColumn, Qt::DecorationRole).isValid());
        QCOMPARE(cell(0, ActionHistoryModel::StateRole).toString(), QStringLiteral("proposed"));
        QCOMPARE(cell(0, ActionHistoryModel::KindRole).toString(), kindName(expected.kind));
        QCOMPARE(cell(0, ActionHistoryModel::RollbackSqlRole).toString(), expected.rollbackSql);
        QCOMPARE(cell(0, ActionHistoryModel::StatusColorRole).value<QColor>(), toneColor(StatusTone::Neutral));
        QCOMPARE(cell(ActionHistoryModel::TimeColumn, ActionHistoryModel::ExportRole).toDateTime(), created);
        QCOMPARE(cell(ActionHistoryModel::StatusColumn, ActionHistoryModel::ExportRole).toString(),
            QStringLiteral("proposed"));
        QCOMPARE(cell(ActionHistoryModel::TimeColumn, ActionHistoryModel::SortRole).toLongLong(), qint64(1000));
        // The evidence is read when asked for: empty at first, then dataChanged with the action's own.
        QVERIFY(cell(0, ActionHistoryModel::EvidenceRole).toJsonObject().isEmpty());
        QSignalSpy evidence(&model, &QAbstractItemModel::dataChanged);
        QVERIFY(settle(model));
        QCOMPARE(evidence.size(), 1);
        QCOMPARE(evidence.at(0).at(0).toModelIndex().row(), row);
        QVERIFY(evidence.at(0).at(2).value<QList<int>>().contains(ActionHistoryModel::EvidenceRole));
        QCOMPARE(cell(0, ActionHistoryModel::DetailsRole).toJsonObject(), expected.details);
        QCOMPARE(evidence.size(), 1); // cached: no second read
        QVERIFY(!model.isReading());
        QCOMPARE(
            model.headerData(ActionHistoryModel::StatusColumn, Qt::Horizontal).toString(), QStringLiteral("Status"));
    }

    void refreshInsertsNewActionsAtTheTopAndUpdatesChangedRows()
    {
        auto [path, store] = newStore(10);
        ActionHistoryModel model(path);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        // The tester fetched the first page once, as a view does; from here on the test pages explicitly (the
        // tester would otherwise fetch again on every signal it checks).
        tester.setUseFetchMore(false);
        QVERIFY(fetchEverything(model));
        QCOMPARE(model.rowCount(), 10);
        // Read (and cache) action 4's empty evidence: the refresh must not serve the stale copy afterwards.
        QVERIFY(model.index(model.rowOfAction(4), 0).data(ActionHistoryModel::EvidenceRole).toJsonObject().isEmpty());
        QVERIFY(settle(model));

        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

        model.refresh(); // nothing happened
        QVERIFY(settle(model));
        QCOMPARE(inserted.size(), 0);
        QCOMPARE(changed.size(), 0);

        const qint64 a = store->createAction(makeAction(100));
        const qint64 b = store->createAction(makeAction(101));
        QVERIFY(walk(*store, 4, { ActionState::Applying, ActionState::Observing, ActionState::RollingBack }));
        QVERIFY(store->transition(4, ActionState::RolledBack, QStringLiteral("p95 +40%"), verdictEvidence(40)));
        QVERIFY(walk(*store, 7, { ActionState::AwaitingApproval }));
        // Changed rows are signalled before the new rows push them down.
        const QSet<int> rowsBefore { model.rowOfAction(4), model.rowOfAction(7) };

        model.refresh();
        QCOMPARE(inserted.size(), 0); // not merged before the reader answers
        QVERIFY(settle(model));
        QCOMPARE(reset.size(), 0);
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(inserted.at(0).at(1).toInt(), 0);
        QCOMPARE(inserted.at(0).at(2).toInt(), 1);
        QCOMPARE(model.rowCount(), 12);
        QCOMPARE(model.totalCount(), qint64(12));
        QCOMPARE(model.index(0, 0).data(ActionHistoryModel::ActionIdRole).toLongLong(), b);
        QCOMPARE(model.index(1, 0).data(ActionHistoryModel::ActionIdRole).toLongLong(), a);

        QCOMPARE(changed.size(), 2);
        QSet<int> changedRows;
        for (const QList<QVariant> &signal : changed) {
            const QModelIndex topLeft = signal.at(0).toModelIndex();
            const QModelIndex bottomRight = signal.at(1).toModelIndex();
            const QList<int> roles = signal.at(2).value<QList<int>>();
            QCOMPARE(topLeft.row(), bottomRight.row());
            changedRows << topLeft.row();
            QVERIFY(roles.contains(Qt::DisplayRole));
            QVERIFY(roles.contains(ActionHistoryModel::StateRole));
            QVERIFY(roles.contains(Qt::DecorationRole));
            QVERIFY(roles.contains(ActionHistoryModel::ReasonRole));
            QVERIFY(roles.contains(ActionHistoryModel::EvidenceRole));
            QVERIFY(!roles.contains(ActionHistoryModel::ApplySqlRole)); // the SQL did not change
            QVERIFY(!roles.contains(ActionHistoryModel::ActionIdRole));
        }
        QCOMPARE(changedRows, rowsBefore);
        const int row4 = model.rowOfAction(4);
        const int row7 = model.rowOfAction(7);

        const QModelIndex status4 = model.index(row4, ActionHistoryModel::StatusColumn);
        QCOMPARE(status4.data().toString(), QStringLiteral("rolled back"));
        QCOMPARE(status4.data(ActionHistoryModel::StatusColorRole).value<QColor>(), toneColor(StatusTone::Bad));
        QCOMPARE(model.index(row4, ActionHistoryModel::ReasonColumn).data().toString(), QStringLiteral("p95 +40%"));
        QVERIFY(status4.data(ActionHistoryModel::EvidenceRole).toJsonObject().isEmpty()); // stale copy dropped
        QTRY_COMPARE(status4.data(ActionHistoryModel::EvidenceRole).toJsonObject(), verdictEvidence(40));
        QCOMPARE(
            model.index(row7, ActionHistoryModel::StatusColumn).data().toString(), QStringLiteral("awaiting approval"));

        QVERIFY(settle(model));
        changed.clear();
        inserted.clear();
        model.refresh(); // merged already: the look-back rereads rows but signals nothing
        QVERIFY(settle(model));
        QCOMPARE(changed.size(), 0);
        QCOMPARE(inserted.size(), 0);
    }

    void refreshLeavesUnloadedRowsToFetchMore()
    {
        auto [path, store] = newStore(20);
        ActionHistoryModel model(path);
        model.setPageSize(5);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        // The tester fetched the first page once, as a view does; from here on the test pages explicitly (the
        // tester would otherwise fetch again on every signal it checks).
        tester.setUseFetchMore(false);
        QVERIFY(settle(model));
        const int loaded = model.rowCount(); // the newest page
        QCOMPARE(loaded, 5);
        QVERIFY(model.rowOfAction(18) >= 0);
        QCOMPARE(model.rowOfAction(2), -1);

        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QVERIFY(walk(*store, 2, { ActionState::Rejected })); // not loaded yet
        QVERIFY(walk(*store, 18, { ActionState::Rejected })); // loaded
        const qint64 fresh = store->createAction(makeAction(50));
        model.refresh();
        QVERIFY(settle(model));
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(model.rowCount(), loaded + 1);
        QCOMPARE(model.index(0, 0).data(ActionHistoryModel::ActionIdRole).toLongLong(), fresh);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(model.rowOfAction(2), -1);

        QVERIFY(fetchEverything(model));
        QCOMPARE(model.rowCount(), 21);
        QCOMPARE(model.index(model.rowOfAction(2), ActionHistoryModel::StatusColumn).data().toString(),
            QStringLiteral("rejected"));
        QCOMPARE(model.index(model.rowOfAction(18), ActionHistoryModel::StatusColumn).data().toString(),
            QStringLiteral("rejected"));
    }

    void readAllReportsProgressAndCanStop()
    {
        auto [path, store] = newStore(30);
        ActionHistoryModel model(path);
        model.setPageSize(5);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        // The tester fetched the first page once, as a view does; from here on the test pages explicitly (the
        // tester would otherwise fetch again on every signal it checks).
        tester.setUseFetchMore(false);
        QVERIFY(settle(model));
        QCOMPARE(model.rowCount(), 5);
        QList<qint64> seen;
        qint64 stopAt = 20;
        connect(&model, &ActionHistoryModel::readAllProgress, this, [&](qint64 loaded, qint64 total) {
            seen << loaded;
            QCOMPARE(total, qint64(30));
            if (loaded >= stopAt)
                model.stopReadingAll();
        });
        QSignalSpy finished(&model, &ActionHistoryModel::readAllFinished);
        model.readAll(5);
        QVERIFY(finished.wait(10000));
        QCOMPARE(finished.at(0).at(0).toBool(), false); // stopped
        QCOMPARE(seen.first(), qint64(5)); // before the first page: what was loaded already
        QCOMPARE(seen.last(), qint64(20));
        QCOMPARE(model.rowCount(), 20);
        QVERIFY(settle(model));
        QVERIFY(model.canFetchMore({}));

        seen.clear();
        stopAt = 100;
        model.readAll(7);
        QVERIFY(finished.wait(10000));
        QCOMPARE(finished.size(), 2);
        QCOMPARE(finished.at(1).at(0).toBool(), true);
        QCOMPARE(model.rowCount(), 30);
        QCOMPARE(seen.last(), qint64(30));
        QVERIFY(!model.canFetchMore({}));
        for (int row = 0; row < model.rowCount(); ++row)
            QCOMPARE(model.index(row, 0).data(ActionHistoryModel::ActionIdRole).toLongLong(), qint64(30 - row));
    }

    void readAllIncludesWhatARefreshOnItsWayBrings()
    {
        auto [path, store] = newStore(3);
        ActionHistoryModel model(path);
        QVERIFY(fetchEverything(model));
        QCOMPARE(model.rowCount(), 3);
        const qint64 fresh = store->createAction(makeAction(9));
        model.refresh();
        QSignalSpy finished(&model, &ActionHistoryModel::readAllFinished);
        model.readAll(); // nothing left to page: it still waits for the changes on their way
        QCOMPARE(finished.size(), 0);
        QVERIFY(finished.wait(10000));
        QCOMPARE(finished.at(0).at(0).toBool(), true);
        QCOMPARE(model.rowOfAction(fresh), 0);
    }

    void heldMergesWaitForTheRelease()
    {
        auto [path, store] = newStore(3);
        ActionHistoryModel model(path);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        tester.setUseFetchMore(false);
        QVERIFY(fetchEverything(model));
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);

        // Changes on their way when the hold begins wait for its end...
        const qint64 first = store->createAction(makeAction(7));
        model.refresh();
        model.holdMerges(true);
        QVERIFY(settle(model));
        QCOMPARE(inserted.size(), 0);
        // ...and so does a refresh asked for meanwhile.
        const qint64 second = store->createAction(makeAction(8));
        model.refresh();
        QVERIFY(settle(model));
        QCOMPARE(inserted.size(), 0);
        QCOMPARE(model.rowCount(), 3);

        model.holdMerges(false); // what waited is merged at once, then the refresh asked for is read
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(model.rowOfAction(first), 0);
        QVERIFY(settle(model));
        QCOMPARE(model.rowOfAction(second), 0);
        QCOMPARE(model.rowCount(), 5);
    }

    void filterModelNarrowsByStatusAndText()
    {
        auto [path, store] = newStore(12);
        QVERIFY(walk(*store, 2, { ActionState::Applying, ActionState::Observing, ActionState::Kept }));
        QVERIFY(walk(*store, 3, { ActionState::Applying, ActionState::Observing, ActionState::Kept }));
        QVERIFY(walk(*store, 4, { ActionState::Rejected }));

        ActionHistoryModel model(path);
        ActionFilterModel filter;
        QAbstractItemModelTester sourceTester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        filter.setSourceModel(&model);
        QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(settle(model));
        while (filter.canFetchMore({})) {
            filter.fetchMore({});
            QVERIFY(settle(model));
        }
        QCOMPARE(filter.rowCount(), 12);

        filter.setStates({ QStringLiteral("kept") });
        QCOMPARE(filter.rowCount(), 2);
        filter.setStates({ QStringLiteral("kept"), QStringLiteral("rejected") });
        QCOMPARE(filter.rowCount(), 3);
        filter.setStates({});

        filter.setText(QStringLiteral("  DB2:5432 ")); // target, any case, spaces ignored
        QCOMPARE(filter.rowCount(), 4);
        filter.setText(QStringLiteral("'75kb'")); // apply SQL of action 12
        QCOMPARE(filter.rowCount(), 1);
        QCOMPARE(filter.index(0, 0).data(ActionHistoryModel::ActionIdRole).toLongLong(), qint64(12));
        filter.setText(QStringLiteral("to kept")); // the reason of the last transition
        QCOMPARE(filter.rowCount(), 2);
        filter.setText(QStringLiteral("RESET")); // rollback SQL is not searched
        QCOMPARE(filter.rowCount(), 0);
        filter.setText({});

        // A live change moves a row in or out of the filtered view.
        filter.setStates({ QStringLiteral("kept") });
        QVERIFY(walk(*store, 5, { ActionState::Applying, ActionState::Observing, ActionState::Kept }));
        model.refresh();
        QVERIFY(settle(model));
        QCOMPARE(filter.rowCount(), 3);

        // Sorted on the sort role: time by journal order.
        filter.setStates({});
        filter.sort(ActionHistoryModel::TimeColumn, Qt::AscendingOrder);
        QCOMPARE(filter.index(0, 0).data(ActionHistoryModel::ActionIdRole).toLongLong(), qint64(1));
        filter.sort(ActionHistoryModel::StatusColumn, Qt::AscendingOrder);
        QCOMPARE(filter.index(0, ActionHistoryModel::StatusColumn).data().toString(), QStringLiteral("kept"));
    }

    void replacingTheStoreResets()
    {
        auto [first, store1] = newStore(3);
        auto [second, store2] = newStore(5);
        ActionHistoryModel model(first);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        tester.setUseFetchMore(false);
        QVERIFY(settle(model));
        QCOMPARE(model.rowCount(), 3);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        model.fetchMore({}); // nothing more to read from the first store
        model.refresh(); // a read on its way when the store is replaced: its answer must not reach the new rows
        model.setStoreLocation(second);
        QCOMPARE(reset.size(), 1);
        QCOMPARE(model.rowCount(), 0);
        model.fetchMore({});
        QVERIFY(settle(model));
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(model.storeLocation(), second);
    }

    void anUnreadableStoreLeavesAnEmptyModelWithItsReason()
    {
        ActionHistoryModel model(QStringLiteral("/proc/vigil-no-such-dir/store.sqlite"));
        QSignalSpy errors(&model, &ActionHistoryModel::errorOccurred);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        // The tester fetched the first page once, as a view does; from here on the test pages explicitly (the
        // tester would otherwise fetch again on every signal it checks).
        tester.setUseFetchMore(false);
        QVERIFY(settle(model));
        QVERIFY(!model.isOpen());
        QVERIFY(!model.canFetchMore({}));
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!model.errorString().isEmpty());
        QVERIFY(errors.size() >= 1);
        model.refresh(); // harmless
        QSignalSpy finished(&model, &ActionHistoryModel::readAllFinished);
        model.readAll();
        QTRY_COMPARE(finished.size(), 1);
        QCOMPARE(finished.at(0).at(0).toBool(), false);
    }

    /// The journal is read on the reader's thread: a store that keeps its reads waiting for seconds (another
    /// process holding it exclusively) leaves the GUI thread's event loop running, and then says why it failed.
    void aStoreThatBlocksReadsDoesNotBlockTheEventLoop()
    {
        auto [path, store] = newStore(4);
        store.reset();
        const QString holder = QStringLiteral("exclusive-holder");
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), holder);
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery q(db);
            // In WAL mode only an exclusive locking mode with a write keeps other connections from reading.
            QVERIFY(q.exec(QStringLiteral("PRAGMA locking_mode = EXCLUSIVE")));
            QVERIFY(q.exec(QStringLiteral("BEGIN EXCLUSIVE")));
            QVERIFY(q.exec(QStringLiteral("UPDATE actions SET reason = reason")));
        }
        int ticks = 0;
        QTimer ticker;
        ticker.setInterval(20);
        connect(&ticker, &QTimer::timeout, this, [&] { ++ticks; });
        ticker.start();
        QElapsedTimer clock;
        clock.start();
        ActionHistoryModel model(path); // opening waits out the store's 5 s busy timeout, on the reader's thread
        model.fetchMore({});
        const qint64 returnedAfter = clock.elapsed();
        QVERIFY(settle(model, 30000));
        const qint64 waited = clock.elapsed();
        QVERIFY2(returnedAfter < 500, qPrintable(QString::number(returnedAfter)));
        QVERIFY2(waited >= 4000, qPrintable(QString::number(waited))); // it really was kept waiting...
        QVERIFY2(ticks >= waited / 20 / 2, qPrintable(QStringLiteral("%1 ticks in %2 ms").arg(ticks).arg(waited)));
        QVERIFY(!model.isOpen()); // ...and then says why
        QVERIFY2(!model.errorString().isEmpty(), "no reason given");
        QCOMPARE(model.rowCount(), 0);
        QSqlDatabase::database(holder).close();
        QSqlDatabase::removeDatabase(holder);

        model.setStoreLocation(path); // released: the same store reads
        model.fetchMore({});
        QVERIFY(settle(model));
        QCOMPARE(model.rowCount(), 4);
    }
};

QTEST_MAIN(TestActionHistoryModel)
#include "tst_actionhistorymodel.moc"
