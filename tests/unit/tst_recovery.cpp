// SPDX-License-Identifier: MIT
// Start-up recovery as a pure state machine (act/recovery.h): what it asks for, in which order, and how it counts,
// answered by hand. tst_lifecyclesim runs the same class after thousands of simulated crashes.
#include "act/recovery.h"

#include <QTest>

using namespace vigil;
using Type = RecoveryCommand::Type;

namespace {

Action inFlight(qint64 id, ActionState state)
{
    Action a;
    a.id = id;
    a.state = state;
    a.target = QStringLiteral("db");
    a.applySql = QStringLiteral("ALTER SYSTEM SET work_mem = '8MB'");
    return a;
}

QList<Type> types(const RecoveryCommands &commands)
{
    QList<Type> out;
    for (const RecoveryCommand &c : commands)
        out.append(c.type);
    return out;
}

const RecoveryCommand &last(const RecoveryCommands &commands)
{
    return commands.back();
}

} // namespace

class TestRecovery : public QObject
{
    Q_OBJECT

private slots:
    void nothingInFlightFinishesAtOnce()
    {
        ActionRecovery r;
        const RecoveryCommands out = r.start({});
        QCOMPARE(types(out), QList<Type> { Type::Finished });
        QCOMPARE(out.front().recovered, 0);
        QCOMPARE(out.front().failed, 0);
        QVERIFY(!r.isRunning());
    }

    void anActionInPlaceIsJournalledRollingBackBeforeItsRollbackRuns()
    {
        ActionRecovery r;
        QCOMPARE(types(r.start({ inFlight(7, ActionState::Applying) })), QList<Type> { Type::Lock });
        QVERIFY(r.isRunning());
        QCOMPARE(types(r.locked(true, {})), QList<Type> { Type::Inspect });
        RecoveryCommands out = r.inspected(1, {});
        QCOMPARE(types(out), QList<Type> { Type::Transition });
        QCOMPARE(out.front().to, ActionState::RollingBack);
        QVERIFY(out.front().reason.startsWith(QLatin1StringView("recovery:")));
        out = r.journalled(true);
        QCOMPARE(types(out), (QList<Type> { Type::Publish, Type::Rollback }));
        QCOMPARE(out.front().transition, QStringLiteral("rolling_back"));
        out = r.rolledBack(ExecResult::success());
        QCOMPARE(types(out), QList<Type> { Type::Transition });
        QCOMPARE(out.front().to, ActionState::RolledBack);
        out = r.journalled(true);
        QCOMPARE(types(out), (QList<Type> { Type::Publish, Type::Unlock, Type::Finished }));
        QCOMPARE(out.front().transition, QStringLiteral("rolled_back"));
        QCOMPARE(last(out).recovered, 1);
        QCOMPARE(last(out).failed, 0);
        QVERIFY(!r.isRunning());
    }

    void aFailedRollbackIsAnAlertAndCountsAsFailed()
    {
        ActionRecovery r;
        r.start({ inFlight(3, ActionState::Observing) });
        r.locked(true, {});
        r.inspected(1, {});
        r.journalled(true);
        RecoveryCommands out = r.rolledBack(ExecResult::failure(QStringLiteral("permission denied")));
        QCOMPARE(out.front().to, ActionState::Failed);
        QVERIFY(out.front().reason.contains(QLatin1StringView("permission denied")));
        out = r.journalled(true);
        QCOMPARE(out.front().transition, QStringLiteral("failed"));
        QVERIFY(out.front().extra.value(QLatin1StringView("alert")).toBool());
        QCOMPARE(last(out).failed, 1);
        QCOMPARE(last(out).recovered, 0);
    }

    void aCloseThatCannotBeJournalledIsNotCountedAsRecovered()
    {
        // Engine once counted it recovered, then told its lifecycle the journal had caught up while the row was
        // still in flight. Now it is failed, so the engine tries again later.
        ActionRecovery r;
        r.start({ inFlight(4, ActionState::Proposed), inFlight(5, ActionState::Applying) });
        r.locked(true, {});
        RecoveryCommands out = r.inspected(0, {});
        QCOMPARE(out.front().to, ActionState::Dropped);
        out = r.journalled(false);
        QCOMPARE(types(out), QList<Type> { Type::Inspect }); // the next one is still settled
        QCOMPARE(out.front().action.id, qint64(5));
        out = r.inspected(0, {});
        QCOMPARE(out.front().to, ActionState::Failed); // applying, never took effect: closed
        out = r.journalled(true);
        QCOMPARE(types(out), (QList<Type> { Type::Publish, Type::Unlock, Type::Finished }));
        QCOMPARE(out.front().transition, QStringLiteral("recovered"));
        QCOMPARE(last(out).recovered, 1);
        QCOMPARE(last(out).failed, 1);
    }

    void aRollbackWithoutItsRowDoesNotRun()
    {
        ActionRecovery r;
        r.start({ inFlight(6, ActionState::Observing) });
        r.locked(true, {});
        r.inspected(1, {});
        const RecoveryCommands out = r.journalled(false); // rolling_back could not be written
        QCOMPARE(types(out), (QList<Type> { Type::Unlock, Type::Finished }));
        QCOMPARE(last(out).failed, 1);
    }

    void aTargetLockedByAnotherVigilIsLeftAlone()
    {
        ActionRecovery r;
        r.start({ inFlight(8, ActionState::Observing) });
        const RecoveryCommands out = r.locked(false, QStringLiteral("another Vigil acts on db"));
        QCOMPARE(types(out), (QList<Type> { Type::Error, Type::Finished })); // no Unlock: it never held the lock
        QCOMPARE(out.front().reason, QStringLiteral("another Vigil acts on db"));
        QCOMPARE(last(out).failed, 1);
        QVERIFY(!r.isRunning());
    }

    void answersItDidNotAskForChangeNothing()
    {
        ActionRecovery r;
        QVERIFY(r.inspected(1, {}).empty());
        QVERIFY(r.rolledBack(ExecResult::success()).empty());
        QVERIFY(r.journalled(true).empty());
        r.start({ inFlight(9, ActionState::RollingBack) });
        QVERIFY(r.inspected(1, {}).empty()); // waiting for the lock
        QVERIFY(r.start({ inFlight(10, ActionState::Applying) }).empty()); // one recovery at a time
        QCOMPARE(types(r.locked(true, {})), QList<Type> { Type::Inspect });
    }
};

QTEST_MAIN(TestRecovery)
#include "tst_recovery.moc"
