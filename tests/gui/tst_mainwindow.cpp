// SPDX-License-Identifier: MIT
#include "mainwindow.h"

#include <QAction>
#include <QLabel>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>
#include <QToolBar>

using namespace vigil;

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("VigilTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
        QSettings().clear();
    }

    void showsThatItIsNotConnected()
    {
        MainWindow window;
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
            MainWindow window;
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            QCOMPARE(window.mode(), QStringLiteral("approve"));
            auto *bar = window.findChild<QToolBar *>(QStringLiteral("actionsToolBar"));
            QAction *autonomous = window.findChild<QAction *>(QStringLiteral("mode_autonomous"));
            QVERIFY(bar && autonomous);
            QSignalSpy changed(&window, &MainWindow::modeChanged);
            QTest::mouseClick(bar->widgetForAction(autonomous), Qt::LeftButton);
            QCOMPARE(window.mode(), QStringLiteral("autonomous"));
            QCOMPARE(changed.count(), 1);
            QVERIFY(window.findChild<QLabel *>(QStringLiteral("modeLabel"))
                        ->text()
                        .contains(QLatin1StringView("autonomous")));
        }
        MainWindow again;
        QCOMPARE(again.mode(), QStringLiteral("autonomous"));
        again.setMode(QStringLiteral("approve"));
    }

    void pauseIsAToggleWithAShortcut()
    {
        MainWindow window;
        window.show();
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QVERIFY(!window.actionsPaused());
        QTest::keyClick(&window, Qt::Key_P, Qt::ControlModifier);
        QVERIFY(window.actionsPaused());
        QTest::keyClick(&window, Qt::Key_P, Qt::ControlModifier);
        QVERIFY(!window.actionsPaused());
    }

    void quitShortcutClosesTheWindow()
    {
        MainWindow window;
        window.show();
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window)); // shortcuts only reach the active window
        QTest::keyClick(&window, Qt::Key_Q, Qt::ControlModifier);
        QTRY_VERIFY(!window.isVisible());
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
