// SPDX-License-Identifier: MIT
// The Sessions page's model and page from the engine's `sessions` event: rows, lock waits, the summary line, and a
// reading every 5 s that merges by pid (a DBA's selection survives it).
#include "sessionsmodel.h"
#include "sessionspage.h"

#include <QJsonArray>
#include <QLabel>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

using namespace vigil;

namespace {

QJsonObject session(int pid, const QString &state, const QString &query, QJsonArray blockedBy = {},
    const QString &waitType = {}, double querySeconds = 1.5)
{
    return { { QStringLiteral("pid"), pid }, { QStringLiteral("user"), QStringLiteral("app") },
        { QStringLiteral("application"), QStringLiteral("pgbench") },
        { QStringLiteral("client"), QStringLiteral("10.0.0.5") }, { QStringLiteral("state"), state },
        { QStringLiteral("wait_event_type"), waitType },
        { QStringLiteral("wait_event"), waitType.isEmpty() ? QString() : QStringLiteral("relation") },
        { QStringLiteral("query_seconds"), querySeconds }, { QStringLiteral("xact_seconds"), 95.0 },
        { QStringLiteral("query"), query }, { QStringLiteral("blocked_by"), blockedBy } };
}

QJsonObject reading(const QJsonArray &sessions)
{
    return { { QStringLiteral("sessions"), sessions } };
}

} // namespace

class TestSessionsModel : public QObject
{
    Q_OBJECT

private slots:
    void lockWaitsAreNamedAndFirst()
    {
        SessionsModel model;
        SessionsPage page(&model);
        auto *header = page.findChild<QLabel *>(QStringLiteral("sessionsHeader"));
        QVERIFY(header->text().contains(QLatin1StringView("Waiting for the first reading")));
        model.onEvent(statusEvent(QStringLiteral("sessions"),
            reading({ session(101, QStringLiteral("idle in transaction"), QStringLiteral("LOCK TABLE orders")),
                session(102, QStringLiteral("active"), QStringLiteral("UPDATE orders SET x = 1"), { 101 },
                    QStringLiteral("Lock")),
                session(103, QStringLiteral("active"), QStringLiteral("SELECT 1"), {}, {}, 0.004),
                session(104, QStringLiteral("idle"), QStringLiteral("COMMIT")) })));
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(model.activeCount(), 2);
        QCOMPARE(model.blockedCount(), 1);
        QCOMPARE(model.blockers(), QList<int> { 101 });
        QVERIFY2(header->text().contains(QLatin1StringView("4 session(s) connected"))
                && header->text().contains(QLatin1StringView("1 session(s) wait for a lock held by 101")),
            qPrintable(header->text()));
        // Blocked first in the view, with who blocks it and what it waits for, in text (not colour alone).
        const QAbstractItemModel *shown = page.view()->model();
        QCOMPARE(shown->index(0, SessionsModel::PidColumn).data().toInt(), 102);
        QCOMPARE(shown->index(0, SessionsModel::BlockedByColumn).data().toString(), QStringLiteral("101"));
        QCOMPARE(shown->index(0, SessionsModel::WaitingColumn).data().toString(), QStringLiteral("Lock: relation"));
        // How long: the statement for an active session, the transaction for one idle in it, nothing when idle.
        const auto running = [&model](int pid) {
            for (int r = 0; r < model.rowCount(); ++r)
                if (model.index(r, SessionsModel::PidColumn).data().toInt() == pid)
                    return model.index(r, SessionsModel::RunningColumn).data().toString();
            return QStringLiteral("(none)");
        };
        QCOMPARE(running(102), QStringLiteral("1.5 s"));
        QCOMPARE(running(103), QStringLiteral("4 ms"));
        QCOMPARE(running(101), QStringLiteral("95 s"));
        QCOMPARE(running(104), QString());
    }

    void aNewReadingMergesByPid()
    {
        SessionsModel model;
        model.onEvent(statusEvent(QStringLiteral("sessions"),
            reading({ session(1, QStringLiteral("active"), QStringLiteral("SELECT 1")),
                session(2, QStringLiteral("idle"), QStringLiteral("SELECT 2")) })));
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.onEvent(statusEvent(QStringLiteral("sessions"),
            reading({ session(2, QStringLiteral("active"), QStringLiteral("SELECT 3")),
                session(3, QStringLiteral("active"), QStringLiteral("SELECT 4")) })));
        QCOMPARE(reset.size(), 0);
        QCOMPARE(removed.size(), 1); // pid 1 left
        QCOMPARE(inserted.size(), 1); // pid 3 came
        QCOMPARE(changed.size(), 1); // pid 2 changed in place
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, SessionsModel::PidColumn).data().toInt(), 2);
        QCOMPARE(model.index(0, SessionsModel::StateColumn).data().toString(), QStringLiteral("active"));
        model.onEvent(sampleEvent(Sample {})); // other events leave it alone
        QCOMPARE(model.rowCount(), 2);
        model.clear();
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!model.hasReading());
    }
};

QTEST_MAIN(TestSessionsModel)
#include "tst_sessionsmodel.moc"
