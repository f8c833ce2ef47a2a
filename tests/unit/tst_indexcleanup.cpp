// SPDX-License-Identifier: MIT
// The INVALID indexes that failed builds leave (act/indexcleanup.h): dropped one at a time, only when no action is in
// hand, tried again until each is gone, and the action's details say what became of it.
#include "act/indexcleanup.h"

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
};

QTEST_GUILESS_MAIN(TestIndexCleanup)
#include "tst_indexcleanup.moc"
