// SPDX-License-Identifier: MIT
// The README's walkthrough, played through the real MainWindow as a DBA plays it: a database under pgbench, File →
// Guarded change from the toolbar, `ALTER SYSTEM SET random_page_cost = 100000`, Apply; the banner says it was rolled
// back, the chart marks it, History shows the row with its reason, and Export CSV writes it. The dialog crashed the
// application on open once while every widget test passed: this test opens it the way the user does.
#include "enginerunner.h"
#include "historypage.h"
#include "mainwindow.h"
#include "pgbenchload.h"
#include "pgserver.h"
#include "settings.h"

#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QDialog>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QFile>
#include <QLabel>
#include <QLineSeries>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolBar>

using namespace vigil;
using namespace vigil::testing;

class TestWalkthrough : public QObject
{
    Q_OBJECT

    PgServer m_server;
    QTemporaryDir m_dir;
    std::unique_ptr<PgBenchLoad> m_load;
    std::unique_ptr<Settings> m_settings;
    std::unique_ptr<EngineRunner> m_runner;
    std::unique_ptr<MainWindow> m_window;
    EngineConfig m_config;

    QString rowText(QTableView *view, int row)
    {
        QStringList cells;
        for (int c = 0; c < view->model()->columnCount(); ++c)
            cells << view->model()->index(row, c).data().toString();
        return cells.join(u'|');
    }

    /// Some chart shows the "rolled back" marker (the dashboard redraws on a timer, not on every event).
    bool rollbackMarked() const
    {
        for (QChartView *view : m_window->findChildren<QChartView *>())
            for (QAbstractSeries *series : view->chart()->series())
                if (series->name() == QLatin1StringView("rolled back") && static_cast<QLineSeries *>(series)->count() > 0)
                    return true;
        return false;
    }

    /// The earliest time (ms since the epoch) a chart series with this name shows; 0 when it shows nothing.
    qreal earliestPoint(const QString &seriesName) const
    {
        qreal earliest = 0;
        for (QChartView *view : m_window->findChildren<QChartView *>())
            for (QAbstractSeries *series : view->chart()->series())
                if (series->name() == seriesName)
                    if (auto *line = qobject_cast<QLineSeries *>(series); line && line->count() > 0)
                        earliest = earliest == 0 ? line->at(0).x() : std::min(earliest, line->at(0).x());
        return earliest;
    }

    void openWindow()
    {
        m_runner = std::make_unique<EngineRunner>(m_config);
        m_window = std::make_unique<MainWindow>(m_settings.get());
        m_window->attachEngine(m_runner.get(), QStringLiteral("walkthrough"));
        m_window->showHistory(m_config.storeLocation);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        QSignalSpy started(m_runner.get(), &EngineRunner::started);
        m_runner->start();
        QVERIFY(started.wait(20000));
        QVERIFY2(started.front().at(0).toBool(), qPrintable(started.front().at(1).toString()));
    }

private slots:
    void initTestCase()
    {
        QString error;
        QVERIFY2(m_server.start(&error), qPrintable(error));
        QVERIFY2(m_server.pgbenchInit(2, &error), qPrintable(error));
        m_load = std::make_unique<PgBenchLoad>(m_server,
            QStringList { QStringLiteral("-n"), QStringLiteral("-c"), QStringLiteral("2"), QStringLiteral("-R"),
                QStringLiteral("200"), QStringLiteral("-T"), QStringLiteral("600") });
        QVERIFY2(m_load->start(&error), qPrintable(error));
        m_settings = std::make_unique<Settings>(m_dir.filePath(QStringLiteral("vigil.ini")));
        m_config.targetConninfo = m_server.conninfo();
        m_config.storeLocation = m_dir.filePath(QStringLiteral("store.sqlite"));
        m_config.analyseSeconds = 0;
        m_config.policy.intervalSeconds = 1;
        m_config.policy.baselineSeconds = 10;
        m_config.policy.windowSeconds = 15;
        openWindow();
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_runner.reset();
        m_load.reset();
        m_server.psql(QStringLiteral("ALTER SYSTEM RESET random_page_cost"));
        m_server.stop();
    }

    void guardedChangeFromTheToolbarIsRolledBack()
    {
        auto *bar = m_window->findChild<QToolBar *>(QStringLiteral("actionsToolBar"));
        QAction *guarded = m_window->findChild<QAction *>(QStringLiteral("guardedChange"));
        QVERIFY(bar && guarded);
        QTRY_VERIFY(guarded->isEnabled());

        // The dialog is modal: it is driven from inside its own event loop, as a user's keystrokes would be.
        bool sawDialog = false;
        QString rollbackPreview;
        QTimer::singleShot(300, this, [&] {
            auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget());
            if (!dialog)
                return;
            sawDialog = true;
            auto *sql = dialog->findChild<QPlainTextEdit *>(QStringLiteral("sqlEdit"));
            auto *rollback = dialog->findChild<QPlainTextEdit *>(QStringLiteral("rollbackEdit"));
            auto *apply = dialog->findChild<QPushButton *>(QStringLiteral("applyButton"));
            if (!sql || !rollback || !apply) {
                dialog->reject();
                return;
            }
            sql->setFocus();
            QTest::keyClicks(sql, QStringLiteral("ALTER SYSTEM SET random_page_cost = 100000"));
            rollbackPreview = rollback->toPlainText();
            if (apply->isEnabled())
                QTest::mouseClick(apply, Qt::LeftButton);
            else
                dialog->reject();
        });
        QSignalSpy finished(m_runner.get(), &EngineRunner::actionFinished);
        QTest::mouseClick(bar->widgetForAction(guarded), Qt::LeftButton);
        QVERIFY(sawDialog);
        QVERIFY2(rollbackPreview.contains(QLatin1StringView("random_page_cost")), qPrintable(rollbackPreview));

        // The guard decides: the planner turned to sequential scans, so the change is rolled back.
        QVERIFY(finished.wait(120000));
        const Action done = finished.front().at(0).value<Action>();
        QCOMPARE(done.state, ActionState::RolledBack);
        QString setting;
        QVERIFY(m_server.psql(QStringLiteral("SHOW random_page_cost"), &setting));
        QCOMPARE(setting.trimmed(), QStringLiteral("4"));

        // The banner says so.
        auto *banner = m_window->findChild<QFrame *>(QStringLiteral("banner"));
        QVERIFY(banner);
        QTRY_VERIFY(banner->isVisible());

        // The chart marks it.
        QTRY_VERIFY_WITH_TIMEOUT(rollbackMarked(), 10000);

        // History shows the row with its reason.
        auto *nav = m_window->findChild<QListWidget *>(QStringLiteral("navigation"));
        QVERIFY(nav);
        for (int i = 0; i < nav->count(); ++i)
            if (nav->item(i)->text().startsWith(QLatin1StringView("History")))
                nav->setCurrentRow(i);
        auto *table = m_window->findChild<QTableView *>(QStringLiteral("historyTable"));
        QVERIFY(table);
        QTRY_VERIFY_WITH_TIMEOUT(table->model()->rowCount() >= 1, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(rowText(table, 0).contains(QLatin1StringView("rolled")), 10000);
        QVERIFY2(rowText(table, 0).contains(QLatin1StringView("random_page_cost")), qPrintable(rowText(table, 0)));

        // Export CSV and read it back.
        const QString csv = m_dir.filePath(QStringLiteral("history.csv"));
        auto *page = m_window->findChild<HistoryPage *>(QStringLiteral("historyPage"));
        QVERIFY(page);
        page->setExportPathProvider([csv] { return csv; }); // stands for the file dialog's answer
        auto *exportButton = m_window->findChild<QPushButton *>(QStringLiteral("historyExport"));
        QVERIFY(exportButton);
        QTest::mouseClick(exportButton, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(csv), 10000);
        QFile file(csv);
        QTRY_VERIFY_WITH_TIMEOUT(file.size() > 0, 10000);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(file.readAll());
        QVERIFY2(text.contains(QLatin1StringView("random_page_cost")), qPrintable(text));
        QVERIFY2(text.contains(QLatin1StringView("rolled_back")) || text.contains(QLatin1StringView("rolled back")),
            qPrintable(text));
    }

    void chartsShowTheRunBeforeARestart()
    {
        // Quit and start again on the same store: the charts show the minutes before the restart, not an empty
        // plot (the engine reads the stored samples back and hands them to the dashboard).
        const qreal restartedAt = qreal(QDateTime::currentMSecsSinceEpoch());
        m_window.reset();
        m_runner.reset();
        openWindow();
        QTRY_VERIFY_WITH_TIMEOUT(earliestPoint(QStringLiteral("transactions/s")) > 0, 10000);
        QVERIFY2(earliestPoint(QStringLiteral("transactions/s")) < restartedAt - 10000,
            qPrintable(QStringLiteral("earliest point %1 ms before the restart")
                    .arg(restartedAt - earliestPoint(QStringLiteral("transactions/s")))));
    }
};

QTEST_MAIN(TestWalkthrough)
#include "tst_walkthrough.moc"
