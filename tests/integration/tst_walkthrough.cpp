// SPDX-License-Identifier: MIT
// The README's walkthrough, played through the real MainWindow as a DBA plays it: a database under pgbench, File →
// Guarded change from the toolbar, `ALTER SYSTEM SET random_page_cost = 100000`, Apply; the banner says it was rolled
// back, the chart marks it, History shows the row with its reason, and Export CSV writes it. The dialog crashed the
// application on open once while every widget test passed: this test opens it the way the user does.
#include "actionhistorymodel.h"
#include "collect/targetidentity.h"
#include "desktopengineconfig.h"
#include "enginerunner.h"
#include "historypage.h"
#include "mainwindow.h"
#include "pgbenchload.h"
#include "pgserver.h"
#include "sessionbus.h"
#include "sessionsmodel.h"
#include "settings.h"
#include "targetsession.h"

#include <QAbstractButton>
#include <QAbstractItemView>
#include <QAbstractSpinBox>
#include <QAccessible>
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTime>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QListWidget>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTextEdit>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>

#include <optional>

#include <sys/stat.h>

using namespace vigil;
using namespace vigil::testing;

class TestWalkthrough : public QObject
{
    Q_OBJECT

    PgServer m_server;
    PrivateSessionBus m_sessionBus; ///< the desktop's session bus, with a stand-in notification service
    FakeNotifications m_notifications;
    QTemporaryDir m_dir;
    std::unique_ptr<PgBenchLoad> m_load;
    std::unique_ptr<Settings> m_settings;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<TargetSession> m_session; ///< owns the engine; File → Connect… replaces it

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
                if (series->name() == QLatin1StringView("rolled back")
                    && static_cast<QLineSeries *>(series)->count() > 0)
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

    EngineRunner *runner() const { return m_session ? m_session->runner() : nullptr; }

    /// What libpq reached, as the journal and the fleet name it: this machine's name for a loopback address.
    QString reachedName() const
    {
        return QStringLiteral("%1:%2/%3")
            .arg(TargetIdentity::hostName(m_server.host()))
            .arg(m_server.port())
            .arg(m_server.database());
    }

    QString storeLocation() const { return m_dir.filePath(QStringLiteral("store.sqlite")); }

    /// The engine's configuration as main() composes it at each connection, from Settings as they are then, with
    /// short windows over it as --interval, --baseline and --window would lay them.
    EngineConfig composedConfig() const
    {
        EngineConfig config = desktopEngineConfig(*m_settings, storeLocation());
        config.analyseSeconds = 0;
        config.policy.intervalSeconds = 1;
        config.policy.baselineSeconds = 10;
        config.policy.windowSeconds = 15;
        return config;
    }

    /// The window as main() composes it: the engine behind a TargetSession, History shown, the target connected.
    void openWindow()
    {
        m_window = std::make_unique<MainWindow>(m_settings.get());
        m_session = std::make_unique<TargetSession>(m_window.get(), [this] { return composedConfig(); });
        m_window->showHistory(storeLocation());
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        // As main() does with --target: no name given, the window takes what libpq reached.
        m_session->connectTo(m_server.conninfo(), QString());
        QSignalSpy started(runner(), &EngineRunner::started); // queued to this thread: not missed
        QVERIFY(started.wait(20000));
        QVERIFY2(started.front().at(0).toBool(), qPrintable(started.front().at(1).toString()));
        QTRY_COMPARE(m_window->windowTitle(), reachedName());
    }

    /// Makes the window the active one: shortcuts reach only it, and a closed dialog leaves none active offscreen.
    bool activate()
    {
        m_window->activateWindow();
        return QTest::qWaitForWindowActive(m_window.get());
    }

    void closeWindow()
    {
        m_session.reset(); // the engine stops before the window it reports to
        m_window.reset();
    }

    /// Runs trigger and closes the modal dialog it opens (a modal dialog blocks trigger until it is closed);
    /// returns the dialog's title, empty when none opened within two seconds.
    /// `inspect` sees the dialog while it is open, and may close it itself.
    QString dialogOpenedBy(const std::function<void()> &trigger, const std::function<void(QDialog *)> &inspect = {})
    {
        QString title;
        QTimer poll;
        poll.setInterval(50);
        connect(&poll, &QTimer::timeout, this, [&] {
            if (auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget())) {
                title = dialog->windowTitle();
                if (inspect)
                    inspect(dialog);
                if (dialog->isVisible()) // unless the inspection closed it (OK, say)
                    dialog->done(QDialog::Rejected);
            }
        });
        poll.start();
        trigger();
        for (int waited = 0; title.isEmpty() && waited < 2000; waited += 50)
            QTest::qWait(50);
        return title;
    }

    /// Opens every dialog of the menus as a user does (Quit and Reconnect open none) and gathers what `look` says
    /// of each while it is open; a menu item that opened no dialog goes to `missing`.
    QStringList lookIntoEveryMenuDialog(const std::function<QStringList(QDialog *)> &look, QStringList *missing)
    {
        QStringList seen;
        for (QAction *menu : m_window->menuBar()->actions())
            for (QAction *item : menu->menu()->actions()) {
                if (item->isSeparator() || item->objectName() == QLatin1StringView("actionQuit")
                    || item->objectName() == QLatin1StringView("actionReconnect"))
                    continue;
                const bool active = activate(); // a closed dialog leaves no window active offscreen
                const QString title = dialogOpenedBy([item] { item->trigger(); }, [&](QDialog *d) { seen << look(d); });
                if (!active || title.isEmpty())
                    *missing << item->text();
            }
        seen.removeDuplicates();
        return seen;
    }

    /// File → Settings… (Ctrl+,) with the storage probe's directory typed in and OK clicked, as a DBA does.
    void chooseStorageProbeDirectory(const QString &directory)
    {
        QVERIFY(activate());
        QString problem = QStringLiteral("no storage probe field");
        const QString title
            = dialogOpenedBy([this] { QTest::keySequence(m_window.get(), QKeySequence(Qt::CTRL | Qt::Key_Comma)); },
                [&directory, &problem](QDialog *dialog) {
                    auto *edit = dialog->findChild<QLineEdit *>(QStringLiteral("storageProbeDirEdit"));
                    auto *ok = dialog->findChild<QPushButton *>(QStringLiteral("okButton"));
                    if (!edit || !ok)
                        return;
                    QTest::keyClick(edit, Qt::Key_A, Qt::ControlModifier);
                    QTest::keyClick(edit, Qt::Key_Backspace);
                    QTest::keyClicks(edit, directory);
                    problem = ok->isEnabled() ? QString()
                                              : dialog->findChild<QLabel *>(QStringLiteral("errorLabel"))->text();
                    QTest::mouseClick(ok, Qt::LeftButton);
                });
        QCOMPARE(title, QStringLiteral("Vigil Settings"));
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QCOMPARE(m_settings->storageProbeDirectory(), directory);
    }

    /// File → Reconnect (Ctrl+Shift+R); the new engine's first sample with a storage wait, and its notices with what
    /// the status bar said as each arrived, within `seconds`.
    struct Probed
    {
        std::optional<double> storageWaitMs;
        QStringList notices;
        QStringList statusBar;
    };
    Probed reconnectAndWatch(int seconds)
    {
        Probed seen;
        if (!activate())
            return seen;
        auto *activity = m_window->findChild<QLabel *>(QStringLiteral("activity"));
        QObject listening; // every connection below ends with this function
        // Listening from the moment the new engine exists, before it starts: its first notice is not missed. The
        // window was attached to it first, so the status bar already shows a notice when it reaches this.
        connect(m_session.get(), &TargetSession::runnerChanged, &listening,
            [&seen, &listening, activity](EngineRunner *runner, const QString &) {
                if (!runner)
                    return;
                connect(runner, &EngineRunner::event, &listening, [&seen, activity](const EngineEvent &event) {
                    if (const auto *sample = std::get_if<SampleEvent>(&event.body);
                        sample && sample->sample.storageWaitMs && !seen.storageWaitMs)
                        seen.storageWaitMs = sample->sample.storageWaitMs;
                    if (const auto *status = std::get_if<StatusEvent>(&event.body);
                        status && status->name == QLatin1StringView("collector.notice")) {
                        seen.notices << status->fields.value(QLatin1StringView("message")).toString();
                        seen.statusBar << (activity ? activity->text() : QString());
                    }
                });
            });
        QTest::keyClick(m_window.get(), Qt::Key_R, Qt::ControlModifier | Qt::ShiftModifier);
        for (int waited = 0; waited < seconds * 1000 && !seen.storageWaitMs; waited += 100)
            QTest::qWait(100);
        return seen;
    }

private slots:
    void initTestCase()
    {
        QString error;
        // The window talks to the session bus it finds in the environment, as on a desktop: a private one here.
        QVERIFY2(m_sessionBus.start(&error), qPrintable(error));
        qputenv("DBUS_SESSION_BUS_ADDRESS", m_sessionBus.address().toUtf8());
        QVERIFY(m_notifications.attach(m_sessionBus.address()));
        QVERIFY2(m_server.start(&error), qPrintable(error));
        QVERIFY2(m_server.pgbenchInit(2, &error), qPrintable(error));
        m_load = std::make_unique<PgBenchLoad>(m_server,
            QStringList { QStringLiteral("-n"), QStringLiteral("-c"), QStringLiteral("2"), QStringLiteral("-R"),
                QStringLiteral("200"), QStringLiteral("-T"), QStringLiteral("600") });
        QVERIFY2(m_load->start(&error), qPrintable(error));
        m_settings = std::make_unique<Settings>(m_dir.filePath(QStringLiteral("vigil.ini")));
        openWindow();
    }

    void cleanupTestCase()
    {
        closeWindow();
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
        QSignalSpy finished(runner(), &EngineRunner::actionFinished);
        QTest::mouseClick(bar->widgetForAction(guarded), Qt::LeftButton);
        QVERIFY(sawDialog);
        QVERIFY2(rollbackPreview.contains(QLatin1StringView("random_page_cost")), qPrintable(rollbackPreview));
        // While the baseline is collected, the status bar counts down to the apply.
        auto *activity = m_window->findChild<QLabel *>(QStringLiteral("activity"));
        QVERIFY(activity);
        QTRY_VERIFY2_WITH_TIMEOUT(
            activity->text().contains(QLatin1StringView("s left")), qPrintable(activity->text()), 10000);

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
        // A headline with the numbers (written as ratios past twice the baseline); the samples and statements
        // behind them under Details.
        auto *headline = m_window->findChild<QLabel *>(QStringLiteral("bannerHeadline"));
        auto *details = m_window->findChild<QLabel *>(QStringLiteral("bannerDetails"));
        auto *more = m_window->findChild<QToolButton *>(QStringLiteral("bannerMore"));
        QVERIFY(headline && details && more);
        QVERIFY2(headline->text().contains(QLatin1StringView("random_page_cost"))
                && !headline->text().contains(QLatin1StringView("samples")),
            qPrintable(headline->text()));
        QVERIFY(!details->isVisible());
        QTest::mouseClick(more, Qt::LeftButton);
        QVERIFY(details->isVisible());
        QVERIFY2(details->text().contains(QLatin1StringView("samples")), qPrintable(details->text()));
        // And on the desktop, where a DBA who is not looking at the window sees it: a critical notification.
        QTRY_VERIFY_WITH_TIMEOUT(!m_notifications.received.isEmpty(), 5000);
        QCOMPARE(m_notifications.received.front().summary, QStringLiteral("Vigil rolled back a change"));
        QVERIFY2(m_notifications.received.front().body.contains(QLatin1StringView("random_page_cost")),
            qPrintable(m_notifications.received.front().body));
        QCOMPARE(m_notifications.received.front().hints.value(QStringLiteral("urgency")).toInt(), 2);

        // The chart marks it.
        QTRY_VERIFY_WITH_TIMEOUT(rollbackMarked(), 10000);

        // A click on the notification ("Open in Vigil") opens History on that very action, with its reason.
        QVERIFY(m_notifications.received.front().actions.contains(QLatin1StringView("default")));
        auto *nav = m_window->findChild<QListWidget *>(QStringLiteral("navigation"));
        QVERIFY(nav);
        auto *table = m_window->findChild<QTableView *>(QStringLiteral("historyTable"));
        QVERIFY(table);
        QVERIFY(m_notifications.click(0));
        QTRY_VERIFY_WITH_TIMEOUT(nav->currentItem()->text().startsWith(QLatin1StringView("History")), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(
            table->currentIndex().data(ActionHistoryModel::ActionIdRole).toLongLong(), done.id, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(table->model()->rowCount() >= 1, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(rowText(table, 0).contains(QLatin1StringView("rolled")), 10000);
        QVERIFY2(rowText(table, 0).contains(QLatin1StringView("random_page_cost")), qPrintable(rowText(table, 0)));

        // Why: the Plans tab shows a regressed statement's plan before the change (an index scan) and with it.
        auto *tabs = m_window->findChild<QTabWidget *>(QStringLiteral("historyDetailTabs"));
        auto *statement = m_window->findChild<QComboBox *>(QStringLiteral("planStatement"));
        auto *before = m_window->findChild<QPlainTextEdit *>(QStringLiteral("planBefore"));
        auto *after = m_window->findChild<QPlainTextEdit *>(QStringLiteral("planAfter"));
        QVERIFY(tabs && statement && before && after);
        QTRY_VERIFY2_WITH_TIMEOUT(
            tabs->tabText(1).startsWith(QLatin1StringView("&Plans (")), qPrintable(tabs->tabText(1)), 10000);
        tabs->setCurrentIndex(1);
        QVERIFY(after->isVisible());
        bool indexScanTurnedToSeqScan = false;
        QStringList seen;
        for (int i = 0; i < statement->count() && !indexScanTurnedToSeqScan; ++i) {
            statement->setCurrentIndex(i);
            seen << statement->itemText(i) + QStringLiteral(": ") + before->toPlainText() + QStringLiteral(" | ")
                    + after->toPlainText();
            indexScanTurnedToSeqScan = statement->itemText(i).startsWith(QLatin1StringView("regressed"))
                && before->toPlainText().contains(QLatin1StringView("Index"))
                && after->toPlainText().contains(QLatin1StringView("Seq Scan"));
        }
        QVERIFY2(indexScanTurnedToSeqScan, qPrintable(seen.join(u'\n')));
        tabs->setCurrentIndex(0);

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

    void everyMenuItemToolbarButtonAndShortcutWorks()
    {
        // What a user can reach, reached the way a user does, on the window that has just rolled a change back: a
        // dialog that crashes on open fails this test, whichever menu, button or key opens it.
        QVERIFY(activate()); // shortcuts only reach the active window

        // No key does two things: an ambiguous shortcut does nothing at all in Qt.
        QHash<QKeySequence, QString> owners;
        for (QAction *a : m_window->findChildren<QAction *>()) {
            for (const QKeySequence &key : a->shortcuts()) {
                QVERIFY2(!owners.contains(key),
                    qPrintable(QStringLiteral("%1 is both %2 and %3")
                                   .arg(key.toString(), owners.value(key),
                                       a->text().isEmpty() ? a->objectName() : a->text())));
                owners.insert(key, a->text().isEmpty() ? a->objectName() : a->text());
            }
        }
        // A page's own keys (the dashboard's zoom and pan) must not take a window-wide one while that page has focus.
        for (QShortcut *s : m_window->findChildren<QShortcut *>())
            QVERIFY2(!owners.contains(s->key()),
                qPrintable(QStringLiteral("%1 is both %2 and a shortcut of %3")
                               .arg(s->key().toString(), owners.value(s->key()), s->parent()->objectName())));
        for (QAbstractButton *b : m_window->findChildren<QAbstractButton *>())
            if (!b->shortcut().isEmpty())
                QVERIFY2(!owners.contains(b->shortcut()),
                    qPrintable(QStringLiteral("%1 is both %2 and the button %3")
                                   .arg(b->shortcut().toString(), owners.value(b->shortcut()), b->text())));

        // Every menu item opens its dialog (closed again at once); Quit is the restart test's.
        QStringList opened;
        for (QAction *menu : m_window->menuBar()->actions()) {
            QVERIFY2(menu->menu(), qPrintable(menu->text()));
            for (QAction *item : menu->menu()->actions()) {
                if (item->isSeparator() || item->objectName() == QLatin1StringView("actionQuit")
                    || item->objectName() == QLatin1StringView("actionReconnect"))
                    continue; // Reconnect has its own test below
                QVERIFY2(item->isEnabled(), qPrintable(item->text() + QStringLiteral(" is disabled")));
                const QString title = dialogOpenedBy([item] { item->trigger(); });
                QVERIFY2(!title.isEmpty(), qPrintable(item->text() + QStringLiteral(" opened no dialog")));
                opened << title;
            }
        }
        // Connect, Guarded change, Settings, Detector thresholds, About.
        QVERIFY2(opened.size() >= 5, qPrintable(opened.join(QStringLiteral(", "))));

        // Every toolbar button, clicked: the modes and Pause take effect and are set back; Guarded change opens.
        auto *bar = m_window->findChild<QToolBar *>(QStringLiteral("actionsToolBar"));
        QVERIFY(bar);
        const Mode modeBefore = m_window->mode();
        int buttons = 0;
        for (QAction *a : bar->actions()) {
            QWidget *button = bar->widgetForAction(a);
            if (a->isSeparator() || !button || !qobject_cast<QAbstractButton *>(button))
                continue;
            ++buttons;
            if (a->objectName().startsWith(QLatin1StringView("mode_"))) {
                QTest::mouseClick(button, Qt::LeftButton);
                QCOMPARE(modeName(m_window->mode()), a->data().toString());
            } else if (a->objectName() == QLatin1StringView("pauseActions")) {
                QTest::mouseClick(button, Qt::LeftButton);
                QVERIFY(m_window->actionsPaused());
                QTest::mouseClick(button, Qt::LeftButton);
                QVERIFY(!m_window->actionsPaused());
            } else {
                const QString title = dialogOpenedBy([button] { QTest::mouseClick(button, Qt::LeftButton); });
                QVERIFY2(!title.isEmpty(), qPrintable(a->text() + QStringLiteral(" opened no dialog")));
            }
        }
        QVERIFY2(buttons >= 5, qPrintable(QString::number(buttons))); // three modes, Pause, Guarded change
        m_window->setMode(modeBefore);

        // Every page by its shortcut, Ctrl+1 to Ctrl+N (the window active again after the dialogs).
        QVERIFY(activate());
        auto *nav = m_window->findChild<QListWidget *>(QStringLiteral("navigation"));
        QVERIFY(nav && nav->count() >= 4);
        for (int i = nav->count() - 1; i >= 0; --i) {
            QTest::keyClick(m_window.get(), Qt::Key(Qt::Key_1 + i), Qt::ControlModifier);
            QCOMPARE(nav->currentRow(), i);
        }
        // The dialogs by their keys.
        for (const QKeySequence &key : { QKeySequence(Qt::CTRL | Qt::Key_G), QKeySequence(Qt::CTRL | Qt::Key_Comma),
                 QKeySequence(Qt::CTRL | Qt::Key_O) }) {
            QVERIFY(activate()); // a closed dialog leaves no window active offscreen
            const QString title = dialogOpenedBy([this, key] { QTest::keySequence(m_window.get(), key); });
            QVERIFY2(!title.isEmpty(), qPrintable(key.toString() + QStringLiteral(" opened no dialog")));
        }
        QVERIFY(activate());
        QTest::keyClick(m_window.get(), Qt::Key_P, Qt::ControlModifier);
        QVERIFY(m_window->actionsPaused());
        QTest::keyClick(m_window.get(), Qt::Key_P, Qt::ControlModifier);
        QVERIFY(!m_window->actionsPaused());
    }

    void theStatementsPageShowsTheWorkloadBehindTheNumbers()
    {
        // Ctrl+5, as a DBA looking for the statements behind a chart: pgbench's, named, with their cost, and the
        // change of each since the change the first test made.
        QVERIFY(activate());
        QTest::keyClick(m_window.get(), Qt::Key_5, Qt::ControlModifier);
        auto *nav = m_window->findChild<QListWidget *>(QStringLiteral("navigation"));
        QCOMPARE(nav->currentItem()->text(), QStringLiteral("Statements"));
        auto *view = m_window->findChild<QTableView *>(QStringLiteral("statementsView"));
        QVERIFY(view && view->isVisible());
        QAbstractItemModel *model = view->model();
        auto named = [model](const char *table) {
            for (int row = 0; row < model->rowCount(); ++row)
                if (model->index(row, 0).data().toString().contains(QLatin1StringView(table)))
                    return row;
            return -1;
        };
        QTRY_VERIFY_WITH_TIMEOUT(named("pgbench_accounts") >= 0, 15000);
        const int row = named("pgbench_accounts");
        QVERIFY2(model->index(row, 1).data().toString() != QLatin1StringView("0"),
            qPrintable(model->index(row, 1).data().toString())); // calls/s
        QVERIFY(model->index(row, 2).data().toString().endsWith(QLatin1StringView(" ms"))); // mean
        QVERIFY2(model->headerData(5, Qt::Horizontal, Qt::ToolTipRole).toString().contains(u"random_page_cost"),
            qPrintable(model->headerData(5, Qt::Horizontal, Qt::ToolTipRole).toString()));
        auto *header = m_window->findChild<QLabel *>(QStringLiteral("statementsHeader"));
        QVERIFY2(header && header->text().contains(QLatin1StringView("random_page_cost")), qPrintable(header->text()));
        nav->setCurrentRow(0);
    }

    void theSessionsPageShowsWhoIsConnected()
    {
        // Ctrl+6, as a DBA asking who is connected and whether anyone waits for a lock: pgbench's sessions, with
        // their state and what they run; nobody blocked on this workload.
        QVERIFY(activate());
        QTest::keyClick(m_window.get(), Qt::Key_6, Qt::ControlModifier);
        auto *nav = m_window->findChild<QListWidget *>(QStringLiteral("navigation"));
        QCOMPARE(nav->currentItem()->text(), QStringLiteral("Sessions"));
        auto *view = m_window->findChild<QTableView *>(QStringLiteral("sessionsView"));
        QVERIFY(view && view->isVisible());
        QAbstractItemModel *model = view->model();
        auto pgbenchRows = [model] {
            int rows = 0;
            for (int row = 0; row < model->rowCount(); ++row)
                rows += model->index(row, SessionsModel::ApplicationColumn).data().toString()
                    == QLatin1StringView("pgbench");
            return rows;
        };
        QTRY_VERIFY_WITH_TIMEOUT(pgbenchRows() >= 1, 15000);
        auto *header = m_window->findChild<QLabel *>(QStringLiteral("sessionsHeader"));
        QVERIFY2(header && header->text().contains(QLatin1StringView("connected to the target")),
            qPrintable(header->text()));
        nav->setCurrentRow(0);
    }

    /// The visible controls under `root` that assistive technology (QAccessible) reads without a name: a button
    /// says its text, a field its label or accessible name, a chart what it plots; an unnamed one is a blank.
    static QStringList unnamedControls(QWidget *root, const QString &where)
    {
        QStringList unnamed;
        for (QWidget *w : root->findChildren<QWidget *>()) {
            const bool control = qobject_cast<QAbstractButton *>(w) || qobject_cast<QLineEdit *>(w)
                || qobject_cast<QComboBox *>(w) || qobject_cast<QAbstractSpinBox *>(w)
                || qobject_cast<QAbstractItemView *>(w) || qobject_cast<QPlainTextEdit *>(w)
                || qobject_cast<QTextEdit *>(w) || w->inherits("QChartView");
            // Editors inside a view and a spin box's own line edit are the view's or the box's.
            if (!control || !w->isVisible() || qobject_cast<QAbstractItemView *>(w->parentWidget())
                || qobject_cast<QAbstractSpinBox *>(w->parentWidget()) || qobject_cast<QComboBox *>(w->parentWidget()))
                continue;
            QAccessibleInterface *a = QAccessible::queryAccessibleInterface(w);
            if (!a || a->text(QAccessible::Name).trimmed().isEmpty())
                unnamed << QStringLiteral("%1 %2 (%3)")
                               .arg(QString::fromLatin1(w->metaObject()->className()), w->objectName(), where);
        }
        return unnamed;
    }

    /// The letter "&x" in text makes Alt+x (a "&&" is an ampersand shown); null when it has none.
    static QChar mnemonicOf(const QString &text)
    {
        for (qsizetype i = 0; i + 1 < text.size(); ++i) {
            if (text.at(i) != u'&')
                continue;
            if (text.at(i + 1) == u'&') {
                ++i;
                continue;
            }
            return text.at(i + 1).toLower();
        }
        return {};
    }

    /// What is wrong with the Alt+letter keys of dialog: a letter given twice (Qt then only moves between the two),
    /// or a label's letter that lands on nothing that takes the keyboard (its buddy missing or taking no focus).
    static QStringList mnemonicProblems(QDialog *dialog)
    {
        QStringList problems;
        QHash<QChar, QString> owners;
        auto own = [&](const QString &text) {
            const QChar key = mnemonicOf(text);
            if (key.isNull())
                return;
            if (owners.contains(key))
                problems << QStringLiteral("%1: Alt+%2 is both \u201c%3\u201d and \u201c%4\u201d")
                                .arg(dialog->windowTitle(), key, owners.value(key), text);
            else
                owners.insert(key, text);
        };
        for (QLabel *label : dialog->findChildren<QLabel *>()) {
            if (!label->isVisible() || !label->buddy())
                continue; // a label takes a key only with a buddy
            own(label->text());
            if (label->buddy()->focusPolicy() == Qt::NoFocus)
                problems << QStringLiteral("%1: \u201c%2\u201d leads to a %3 that takes no focus")
                                .arg(dialog->windowTitle(), label->text(),
                                    QString::fromLatin1(label->buddy()->metaObject()->className()));
        }
        for (QAbstractButton *button : dialog->findChildren<QAbstractButton *>())
            if (button->isVisible())
                own(button->text());
        for (QTabWidget *tabs : dialog->findChildren<QTabWidget *>())
            if (tabs->isVisible())
                for (int i = 0; i < tabs->count(); ++i)
                    own(tabs->tabText(i));
        return problems;
    }

    void everyControlHasANameAScreenReaderCanSay()
    {
        QVERIFY(activate());
        auto *nav = m_window->findChild<QListWidget *>(QStringLiteral("navigation"));
        QVERIFY(nav);
        QStringList unnamed;
        for (int page = 0; page < nav->count(); ++page) {
            nav->setCurrentRow(page);
            QCoreApplication::processEvents();
            unnamed << unnamedControls(m_window.get(), QStringLiteral("page ") + nav->item(page)->text());
        }
        nav->setCurrentRow(0);
        // And every dialog of the menus, open.
        QStringList missing;
        unnamed << lookIntoEveryMenuDialog([](QDialog *d) { return unnamedControls(d, d->windowTitle()); }, &missing);
        QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QStringLiteral(", "))));
        unnamed.removeDuplicates();
        QVERIFY2(unnamed.isEmpty(), qPrintable(unnamed.join(QStringLiteral("\n"))));
    }

    void everyDialogsKeysReachTheirFieldsOnce()
    {
        // Alt+letter in every dialog of the menus, as a keyboard user moves through a form: each letter once, and
        // each label's letter reaching its field (a label whose buddy is the row around the field does nothing).
        QStringList missing;
        const QStringList problems = lookIntoEveryMenuDialog(&mnemonicProblems, &missing);
        QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QStringLiteral(", "))));
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QStringLiteral("\n"))));
    }

    void connectingElsewhereAndBackNeedsNoRestart()
    {
        // File → Connect…: a port where nothing listens is refused in the dialog, which says why and remembers
        // nothing; the real server is then watched by a new engine, named in the title, without a restart.
        const QStringList recentBefore = m_settings->recentTargets();
        QString refusal;
        bool stayedOpen = false;
        QTimer::singleShot(300, this, [&] {
            auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget());
            if (!dialog)
                return;
            auto type = [dialog](const char *name, const QString &text) {
                auto *edit = dialog->findChild<QLineEdit *>(QLatin1StringView(name));
                edit->clear();
                QTest::keyClicks(edit, text);
            };
            auto *port = dialog->findChild<QSpinBox *>(QStringLiteral("portEdit"));
            auto *connectButton = dialog->findChild<QPushButton *>(QStringLiteral("connectButton"));
            type("hostEdit", m_server.host());
            type("databaseEdit", m_server.database());
            type("userEdit", QStringLiteral("postgres"));
            port->setValue(1); // nothing listens on port 1
            QTest::mouseClick(connectButton, Qt::LeftButton);
            refusal = dialog->findChild<QLabel *>(QStringLiteral("noteLabel"))->text();
            stayedOpen = dialog->isVisible();
            port->setValue(m_server.port());
            QTest::mouseClick(connectButton, Qt::LeftButton);
            if (dialog->isVisible())
                dialog->reject();
        });
        QSignalSpy switched(m_session.get(), &TargetSession::runnerChanged);
        m_window->findChild<QAction *>(QStringLiteral("actionConnect"))->trigger();
        QVERIFY2(stayedOpen, qPrintable(refusal));
        QVERIFY2(refusal.contains(QLatin1StringView("Could not connect")) && !refusal.contains(u'\n')
                && !refusal.contains(u'\t'),
            qPrintable(refusal));
        QVERIFY(!switched.isEmpty() && runner());
        QSignalSpy started(runner(), &EngineRunner::started);
        QVERIFY(started.wait(20000));
        QVERIFY2(started.front().at(0).toBool(), qPrintable(started.front().at(1).toString()));
        const QString name = reachedName();
        QCOMPARE(m_window->windowTitle(), name);
        // Only the target that answered is remembered, without a password.
        QCOMPARE(m_settings->recentTargets().size(), recentBefore.size() + 1);
        QVERIFY(m_settings->recentTargets().front().contains(QStringLiteral("port=%1").arg(m_server.port())));
        auto *state = m_window->findChild<QLabel *>(QStringLiteral("connectionState"));
        QTRY_VERIFY_WITH_TIMEOUT(state->text().contains(QLatin1StringView("connected to")), 10000);
        // The dashboard starts again from the new engine's samples (the store's included).
        QTRY_VERIFY_WITH_TIMEOUT(earliestPoint(QStringLiteral("transactions/s")) > 0, 10000);

        // File → Reconnect (Ctrl+Shift+R): the same target, a new engine.
        QVERIFY(activate());
        QSignalSpy replaced(m_session.get(), &TargetSession::runnerChanged);
        QTest::keyClick(m_window.get(), Qt::Key_R, Qt::ControlModifier | Qt::ShiftModifier);
        QVERIFY(!replaced.isEmpty() && runner()); // a new engine (it may reuse the old one's address)
        QSignalSpy again(runner(), &EngineRunner::started);
        QVERIFY(again.wait(20000));
        QVERIFY(again.front().at(0).toBool());
        QCOMPARE(m_window->windowTitle(), name);
    }

    void theStorageProbeIsChosenInSettings()
    {
        // The server runs on this machine: Settings → Storage probe directory, on the data directory's file system,
        // then File → Reconnect. The new engine writes beside the data directory and every sample says how long the
        // storage took (what tells the guard a stalled disk from an action's harm).
        const QString beside = m_dir.filePath(QStringLiteral("probe"));
        QVERIFY(QDir().mkpath(beside));
        chooseStorageProbeDirectory(beside);
        if (QTest::currentTestFailed())
            return;
        const Probed probed = reconnectAndWatch(15);
        QVERIFY2(probed.storageWaitMs, qPrintable(probed.notices.join(u'\n')));
        QVERIFY2(*probed.storageWaitMs > 0 && *probed.storageWaitMs < 10000,
            qPrintable(QString::number(*probed.storageWaitMs)));
        QVERIFY(QFileInfo(beside).isDir());

        // A directory on another file system (shared memory) would time the wrong disk: the engine refuses it and
        // the status bar says why.
        QTemporaryDir elsewhere(QStringLiteral("/dev/shm/vigil-walkthrough-XXXXXX"));
        struct stat here
        {
        };
        struct stat shm
        {
        };
        if (elsewhere.isValid() && ::stat(QFile::encodeName(beside).constData(), &here) == 0
            && ::stat(QFile::encodeName(elsewhere.path()).constData(), &shm) == 0 && here.st_dev != shm.st_dev) {
            chooseStorageProbeDirectory(elsewhere.path());
            if (QTest::currentTestFailed())
                return;
            const Probed refused = reconnectAndWatch(5);
            QVERIFY(!refused.storageWaitMs);
            const QString notice = refused.notices.join(u'\n');
            QVERIFY2(notice.contains(QLatin1StringView("no storage probe")), qPrintable(notice));
            const QString statusBar = refused.statusBar.join(u'\n');
            QVERIFY2(statusBar.contains(QLatin1StringView("no storage probe")), qPrintable(statusBar));
        } else {
            qInfo("no second file system (/dev/shm) here: the refusal is not tried");
        }
        chooseStorageProbeDirectory(QString()); // off again, as it was
    }

    void chartsShowTheRunBeforeARestart()
    {
        // Quit and start again on the same store: the charts show the minutes before the restart, not an empty
        // plot (the engine reads the stored samples back and hands them to the dashboard).
        const qreal restartedAt = qreal(QDateTime::currentMSecsSinceEpoch());
        // Quit by its key, as a user does.
        QVERIFY(activate());
        QTest::keyClick(m_window.get(), Qt::Key_Q, Qt::ControlModifier);
        QTRY_VERIFY(!m_window->isVisible());
        closeWindow();
        openWindow();
        QTRY_VERIFY_WITH_TIMEOUT(earliestPoint(QStringLiteral("transactions/s")) > 0, 10000);
        QVERIFY2(earliestPoint(QStringLiteral("transactions/s")) < restartedAt - 10000,
            qPrintable(QStringLiteral("earliest point %1 ms before the restart")
                           .arg(restartedAt - earliestPoint(QStringLiteral("transactions/s")))));
    }
};

QTEST_MAIN(TestWalkthrough)
#include "tst_walkthrough.moc"
