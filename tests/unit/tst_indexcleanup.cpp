// SPDX-License-Identifier: MIT
// The INVALID indexes that failed builds leave (act/indexcleanup.h): dropped one at a time, only when no action is in
// hand, tried again until each is gone, and the action's details say what became of it. And what a running build
// reports (act/indexbuildreport.h): its progress, and whose lock it waits for.
#include "act/indexbuildreport.h"
#include "act/indexcleanup.h"

#include <QJsonArray>
#include <QTest>

using namespace vigil;

namespace {

Action failedBuild(qint64 id)
{
    Action a;
    a.id = id;
    a.kind = ActionKind::CreateIndex;
    a.state = ActionState::Failed;
    a.details = { { QStringLiteral("invalid_index_left"), QStringLiteral("orders_x_idx") } };
    return a;
}

const QDateTime kNow(QDate(2026, 12, 5), QTime(4, 0), Qt::UTC);

} // namespace

class TestIndexCleanup : public QObject
{
    Q_OBJECT

private slots:
    void oneAtATimeAndOnlyWhenIdle()
    {
        IndexCleanup c;
        QVERIFY(!c.next(true));
        c.add(failedBuild(1));
        c.add(failedBuild(2));
        QVERIFY(!c.next(false)); // an action is in hand
        const std::optional<Action> first = c.next(true);
        QVERIFY(first && first->id == 1);
        QVERIFY(!c.next(true)); // the first is with the executor
        const IndexCleanup::Outcome done = c.cleaned(*first, 1, {}, kNow);
        QVERIFY(!done.retry);
        QCOMPARE(done.invalidIndex, QStringLiteral("dropped by Vigil at 2026-12-05T04:00:00Z"));
        const QJsonObject details = IndexCleanup::detailsAfter(first->details, done);
        QCOMPARE(details.value(QLatin1StringView("invalid_index")).toString(), done.invalidIndex);
        QVERIFY(!details.contains(QLatin1StringView("invalid_index_left")));
        const std::optional<Action> second = c.next(true);
        QVERIFY(second && second->id == 2);
        QCOMPARE(c.cleaned(*second, 0, {}, kNow).invalidIndex, QStringLiteral("gone (dropped by someone else)"));
        QVERIFY(c.isEmpty());
    }

    void aDropThatWaitsIsTriedAgain()
    {
        IndexCleanup c;
        c.add(failedBuild(3));
        const std::optional<Action> build = c.next(true);
        const IndexCleanup::Outcome later
            = c.cleaned(*build, -1, QStringLiteral("canceling statement due to lock timeout"), kNow);
        QVERIFY(later.retry);
        QVERIFY2(later.notice.contains(QLatin1StringView("action 3 cannot be dropped yet: canceling statement")),
            qPrintable(later.notice));
        QVERIFY(!c.isEmpty());
        const std::optional<Action> again = c.next(true);
        QVERIFY(again && again->id == 3);
    }

    void aBuildReportsItsProgressAndWhoseTableLockItWaitsFor()
    {
        // Neither progress nor a wait: nothing to say.
        const IndexBuildReport quiet = reportIndexBuild(7, std::nullopt, std::nullopt);
        QVERIFY(!quiet.progress && !quiet.tableLockHolders);

        // Building: phase and percent, no lock holders.
        const IndexBuildReport building
            = reportIndexBuild(7, DbCollector::IndexBuildProgress { QStringLiteral("building index"), 42.5 }, {});
        QVERIFY(building.progress && !building.tableLockHolders);
        QCOMPARE(building.progress->value(QLatin1StringView("action_id")).toInteger(), 7);
        QCOMPARE(building.progress->value(QLatin1StringView("percent")).toDouble(), 42.5);
        QVERIFY(!building.progress->contains(QLatin1StringView("waiting_for")));

        // Waiting for old transactions to end blocks nobody: reported with who and for how long, never cancelled.
        DbCollector::LockWait old { QStringLiteral("virtualxid"), { { 4242, 95.0 }, { 4243, std::nullopt } } };
        const IndexBuildReport waiting = reportIndexBuild(
            7, DbCollector::IndexBuildProgress { QStringLiteral("waiting for old snapshots"), std::nullopt }, old);
        QVERIFY(waiting.progress && !waiting.tableLockHolders);
        QCOMPARE(waiting.progress->value(QLatin1StringView("waiting_for")).toString(), QStringLiteral("transactions"));
        const QJsonArray blockers = waiting.progress->value(QLatin1StringView("blockers")).toArray();
        QCOMPARE(blockers.size(), 2);
        QCOMPARE(blockers.at(0).toObject().value(QLatin1StringView("transaction_seconds")).toDouble(), 95.0);
        QVERIFY(!blockers.at(1).toObject().contains(QLatin1StringView("transaction_seconds")));
        QVERIFY(!waiting.progress->contains(QLatin1StringView("percent")));

        // Waiting for the table's lock (others queue behind it): the holders go to the lifecycle.
        DbCollector::LockWait table { QStringLiteral("relation"), { { 5151, 3.0 } } };
        const IndexBuildReport locked = reportIndexBuild(7, std::nullopt, table);
        QVERIFY(locked.progress && locked.tableLockHolders);
        QCOMPARE(*locked.tableLockHolders, QStringList { QStringLiteral("5151") });
        QCOMPARE(locked.progress->value(QLatin1StringView("phase")).toString(),
            QStringLiteral("waiting for the table's lock"));
        QCOMPARE(locked.progress->value(QLatin1StringView("waiting_for")).toString(), QStringLiteral("table_lock"));
    }
};

QTEST_GUILESS_MAIN(TestIndexCleanup)
#include "tst_indexcleanup.moc"
