// SPDX-License-Identifier: MIT
#include "dashboardpage.h"
#include "mainwindow.h"
#include "settings.h"

#include <QAbstractButton>
#include <QAction>
#include <QLabel>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QToolBar>

using namespace vigil;

class TestMainWindow : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<Settings> m_settings;

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("VigilTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
        m_settings = std::make_unique<Settings>(m_dir.filePath(QStringLiteral("vigil.ini")));
    }

    void showsThatItIsNotConnected()
    {
        MainWindow window(m_settings.get());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const auto *state = window.findChild<QLabel *>(QStringLiteral("connectionState"));
        QVERIFY(state);
        QVERIFY2(state->text().contains(QLatin1StringView("not connected")), qPrintable(state->text()));
        QCOMPARE(window.windowTitle(), QStringLiteral("Vigil"));
        // Without an engine there is nothing to apply a change to.
        QVERIFY(!window.findChild<QAction *>(QStringLiteral("guardedChange"))->isEnabled());
    }

    void switchingModeThroughTheToolbarPersists()
    {
        {
            MainWindow window(m_settings.get());
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            QCOMPARE(window.mode(), Mode::Approve);
            auto *bar = window.findChild<QToolBar *>(QStringLiteral("actionsToolBar"));
            QAction *autonomous = window.findChild<QAction *>(QStringLiteral("mode_autonomous"));
            QVERIFY(bar && autonomous);
            QSignalSpy changed(&window, &MainWindow::modeChanged);
            QTest::mouseClick(bar->widgetForAction(autonomous), Qt::LeftButton);
            QCOMPARE(window.mode(), Mode::Autonomous);
            QCOMPARE(changed.count(), 1);
            QVERIFY(window.findChild<QLabel *>(QStringLiteral("modeLabel"))
                        ->text()
                        .contains(QLatin1StringView("autonomous")));
        }
        QCOMPARE(m_settings->mode(), Settings::Mode::Autonomous); // persisted through Settings
        MainWindow again(m_settings.get());
        QCOMPARE(again.mode(), Mode::Autonomous);
        again.setMode(Mode::Approve);
    }

    void pauseIsAToggleWithAShortcut()
    {
        MainWindow window(m_settings.get());
        window.show();
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QVERIFY(!window.actionsPaused());
        QTest::keyClick(&window, Qt::Key_P, Qt::ControlModifier);
        QVERIFY(window.actionsPaused());
        QTest::keyClick(&window, Qt::Key_P, Qt::ControlModifier);
        QVERIFY(!window.actionsPaused());
    }

    void aHintSaysWhatToTryUntilDismissed()
    {
        MainWindow window(m_settings.get());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *hint = window.findChild<QWidget *>(QStringLiteral("hint"));
        QVERIFY(hint && !hint->isVisible());
        window.showHint(QStringLiteral("Try File > Guarded change"));
        QVERIFY(hint->isVisible());
        QCOMPARE(window.hintText(), QStringLiteral("Try File > Guarded change"));
        auto *dismiss = window.findChild<QAbstractButton *>(QStringLiteral("dismissHint"));
        QVERIFY(dismiss);
        QTest::mouseClick(dismiss, Qt::LeftButton);
        QVERIFY(!hint->isVisible());
        QVERIFY(window.hintText().isEmpty());
    }

    void theDashboardZoomsAndPansWithTheKeys()
    {
        MainWindow window(m_settings.get());
        window.show();
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        auto *dashboard = window.findChild<DashboardPage *>(QStringLiteral("dashboardPage"));
        QVERIFY(dashboard && dashboard->isVisible());
        for (int i = 0; i < 900; ++i) {
            Sample s;
            s.valid = true;
            s.tStart = 1'800'000'000 + i - 1;
            s.tEnd = s.tStart + 1;
            s.latencyP95Ms = 1;
            s.tps = 100;
            dashboard->addSample(s);
        }
        dashboard->setFocus();
        QCOMPARE(dashboard->range(), 300);
        QTest::keyClick(&window, Qt::Key_Plus, Qt::ControlModifier);
        QCOMPARE(dashboard->range(), 240);
        QTest::keyClick(&window, Qt::Key_Minus, Qt::ControlModifier);
        QCOMPARE(dashboard->range(), 300);
        QVERIFY(dashboard->isLive());
        const double end = dashboard->shownSpan().second;
        QTest::keyClick(&window, Qt::Key_Left, Qt::ControlModifier); // a quarter of the range back
        QVERIFY(!dashboard->isLive());
        QCOMPARE(dashboard->shownSpan().second, end - 75);
        QTest::keyClick(&window, Qt::Key_Right, Qt::ControlModifier);
        QCOMPARE(dashboard->shownSpan().second, end);
    }

    void quitShortcutClosesTheWindow()
    {
        MainWindow window(m_settings.get());
        window.show();
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window)); // shortcuts only reach the active window
        QTest::keyClick(&window, Qt::Key_Q, Qt::ControlModifier);
        QTRY_VERIFY(!window.isVisible());
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
