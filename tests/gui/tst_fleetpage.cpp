// SPDX-License-Identifier: MIT
// The Fleet page through its widgets (offscreen), fed as a NatsSubscriber feeds it: targets appear live with their
// last state, action and rollback; a rollback elsewhere raises the window's banner; remote approval is asked for.
#include "enginerunner.h"
#include "events/natsoptions.h"
#include "fleetlink.h"
#include "fleetmodel.h"
#include "fleetpage.h"
#include "mainwindow.h"
#include "settings.h"

#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace vigil;

namespace {

QJsonObject fleetEvent(const QString &target, const QString &name, qint64 id = 0, const QString &reason = {})
{
    QJsonObject o { { QStringLiteral("schema"), QStringLiteral("vigil-event/1") }, { QStringLiteral("event"), name },
        { QStringLiteral("target"), target }, { QStringLiteral("ts"), QStringLiteral("2026-11-27T08:00:00.000Z") } };
    if (id) {
        o.insert(QStringLiteral("action_id"), id);
        o.insert(QStringLiteral("apply_sql"), QStringLiteral("ALTER SYSTEM SET work_mem = '%1MB'").arg(id));
    }
    if (!reason.isEmpty())
        o.insert(QStringLiteral("reason"), reason);
    return o;
}

QString subject(const QString &target, const QString &name)
{
    return natsSubject(target, name);
}

} // namespace

class TestFleetPage : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<Settings> m_settings;

    static QString cell(QTableView *table, int row, int column)
    {
        return table->model()->index(row, column).data().toString();
    }

private slots:
    void anUnreachableNatsServerIsSaidToBeUnreachable()
    {
        // Nothing listens on port 1 of this machine: the client keeps trying, and after a few seconds the status
        // says the server does not answer instead of "connecting…" for ever.
        FleetModel model;
        FleetLink link(&model);
        QString status;
        connect(&link, &FleetLink::statusChanged, this, [&status](const QString &text) { status = text; });
        link.setUrl(QStringLiteral("nats://127.0.0.1:1"));
        auto saysItFailed = [&status] {
            return status.contains(QLatin1StringView("cannot reach"))
                || (status.contains(QLatin1StringView("NATS: ")) && !status.contains(QLatin1StringView("connecting")));
        };
        QTRY_VERIFY2_WITH_TIMEOUT(saysItFailed(), qPrintable(status), 12000);
        QVERIFY2(!status.contains(QLatin1StringView("published")), qPrintable(status));
    }

    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        m_settings = std::make_unique<Settings>(m_dir.filePath(QStringLiteral("vigil.ini")));
    }

    void targetsAppearLiveWithTheirLastState()
    {
        FleetModel model;
        MainWindow window(m_settings.get());
        window.showFleet(&model);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *table = window.findChild<QTableView *>(QStringLiteral("fleetTable"));
        QVERIFY(table);
        QCOMPARE(table->model()->rowCount(), 0);

        const QString a = QStringLiteral("db1:5432/shop");
        const QString b = QStringLiteral("db2:5432/crm");
        model.addEvent(subject(a, QStringLiteral("engine.started")), fleetEvent(a, QStringLiteral("engine.started")));
        model.addEvent(
            subject(b, QStringLiteral("action.executed")), fleetEvent(b, QStringLiteral("action.executed"), 4));
        model.addEvent(subject(a, QStringLiteral("action.kept")),
            fleetEvent(a, QStringLiteral("action.kept"), 9, QStringLiteral("no change")));
        // Not an event (an approval request seen on vigil.>): ignored.
        model.addEvent(subject(b, QStringLiteral("approve")), { { QStringLiteral("action_id"), 4 } });
        QCOMPARE(table->model()->rowCount(), 2);
        QCOMPARE(cell(table, 0, FleetModel::TargetColumn), a);
        QCOMPARE(cell(table, 0, FleetModel::StateColumn), QStringLiteral("kept"));
        QVERIFY(cell(table, 0, FleetModel::ActionColumn).startsWith(QLatin1StringView("#9 ALTER SYSTEM")));
        QCOMPARE(cell(table, 1, FleetModel::StateColumn), QStringLiteral("executed"));
        QVERIFY(cell(table, 1, FleetModel::RollbackColumn).isEmpty());
        QVERIFY(!cell(table, 1, FleetModel::HeardColumn).isEmpty());

        // A rollback anywhere: the row says so and the window raises its banner.
        auto *nav = window.findChild<QListWidget *>(QStringLiteral("navigation"));
        nav->setCurrentRow(nav->count() - 1);
        model.addEvent(subject(b, QStringLiteral("action.degraded")),
            fleetEvent(b, QStringLiteral("action.degraded"), 4, QStringLiteral("p95 +80%")));
        model.addEvent(subject(b, QStringLiteral("action.rolled_back")),
            fleetEvent(b, QStringLiteral("action.rolled_back"), 4, QStringLiteral("p95 latency +80% vs baseline")));
        QCOMPARE(cell(table, 1, FleetModel::StateColumn), QStringLiteral("rolled_back"));
        QVERIFY(cell(table, 1, FleetModel::RollbackColumn).contains(QLatin1StringView("p95 latency +80%")));
        QVERIFY2(window.bannerText().contains(b), qPrintable(window.bannerText()));
        QVERIFY(window.bannerText().contains(QLatin1StringView("work_mem = '4MB'")));

        // Selecting the target shows its action events, newest first.
        table->selectRow(1);
        auto *events = window.findChild<QListWidget *>(QStringLiteral("fleetEvents"));
        QVERIFY(events);
        QCOMPARE(events->count(), 3);
        QVERIFY2(
            events->item(0)->text().contains(QLatin1StringView("rolled_back")), qPrintable(events->item(0)->text()));
        QVERIFY(events->item(2)->text().contains(QLatin1StringView("executed")));
        // Live: a new event of the selected target appears at once.
        model.addEvent(
            subject(b, QStringLiteral("action.proposed")), fleetEvent(b, QStringLiteral("action.proposed"), 5));
        QCOMPARE(events->count(), 4);
    }

    void ownRollbackIsNotAnnouncedTwice()
    {
        FleetModel model;
        MainWindow window(m_settings.get());
        EngineConfig config; // never started: the window only needs its name
        EngineRunner runner(config);
        window.attachEngine(&runner, QStringLiteral("local:5432/app"));
        window.showFleet(&model);
        model.addEvent(subject(QStringLiteral("local:5432/app"), QStringLiteral("action.rolled_back")),
            fleetEvent(
                QStringLiteral("local:5432/app"), QStringLiteral("action.rolled_back"), 2, QStringLiteral("slower")));
        QVERIFY(window.bannerText().isEmpty());
        // A rollback that failed elsewhere is an alert.
        model.addEvent(subject(QStringLiteral("far:5432/x"), QStringLiteral("action.failed")), [] {
            QJsonObject o = fleetEvent(QStringLiteral("far:5432/x"), QStringLiteral("action.failed"), 3,
                QStringLiteral("rollback failed: lock timeout"));
            o.insert(QStringLiteral("alert"), true);
            return o;
        }());
        window.show();
        QVERIFY2(window.bannerText().startsWith(QLatin1StringView("ATTENTION")), qPrintable(window.bannerText()));
    }

    void remoteApprovalIsRequested()
    {
        FleetModel model;
        MainWindow window(m_settings.get());
        window.showFleet(&model);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *approve = window.findChild<QPushButton *>(QStringLiteral("fleetApproveButton"));
        auto *reject = window.findChild<QPushButton *>(QStringLiteral("fleetRejectButton"));
        QVERIFY(approve && reject);
        const QString t = QStringLiteral("db3:5432/erp");
        model.addEvent(subject(t, QStringLiteral("action.awaiting_approval")),
            fleetEvent(t, QStringLiteral("action.awaiting_approval"), 21));
        auto *table = window.findChild<QTableView *>(QStringLiteral("fleetTable"));
        table->selectRow(0);
        QVERIFY(cell(table, 0, FleetModel::StateColumn).contains(QLatin1StringView("1 awaiting approval")));
        QVERIFY(approve->isEnabled());
        QVERIFY(window.findChild<QLabel *>(QStringLiteral("fleetPending"))->text().contains(QLatin1StringView("#21")));
        QSignalSpy asked(&window, &MainWindow::fleetDecisionRequested);
        QTest::mouseClick(approve, Qt::LeftButton);
        QCOMPARE(asked.count(), 1);
        QCOMPARE(asked.front().at(0).toString(), t);
        QCOMPARE(asked.front().at(1).toLongLong(), 21);
        QCOMPARE(asked.front().at(2).toBool(), true);
        QVERIFY(!asked.front().at(3).toString().isEmpty());
        // Once the agent reports the decision, nothing waits any more.
        model.addEvent(subject(t, QStringLiteral("action.approved")),
            fleetEvent(t, QStringLiteral("action.approved"), 21, QStringLiteral("approved by x")));
        QVERIFY(!approve->isEnabled());
        QVERIFY(!reject->isEnabled());

        window.setFleetStatus(QStringLiteral("NATS: connected to nats://bus:4222"));
        QCOMPARE(window.findChild<QLabel *>(QStringLiteral("fleetStatus"))->text(),
            QStringLiteral("NATS: connected to nats://bus:4222"));
    }
};

QTEST_MAIN(TestFleetPage)
#include "tst_fleetpage.moc"
