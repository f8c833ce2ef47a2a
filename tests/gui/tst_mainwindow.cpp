// SPDX-License-Identifier: MIT
#include "mainwindow.h"

#include <QAction>
#include <QLabel>
#include <QTest>

using namespace vigil;

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void showsThatItIsNotConnected()
    {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const auto *state = window.findChild<QLabel *>(QStringLiteral("connectionState"));
        QVERIFY(state);
        QVERIFY2(state->text().contains(QLatin1StringView("not connected")), qPrintable(state->text()));
        QCOMPARE(window.windowTitle(), QStringLiteral("Vigil"));
    }

    void quitShortcutClosesTheWindow()
    {
        MainWindow window;
        window.show();
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window)); // shortcuts only reach the active window
        const auto *quit = window.findChild<QAction *>(QStringLiteral("actionQuit"));
        QVERIFY(quit);
        QCOMPARE(quit->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_Q));
        QTest::keyClick(&window, Qt::Key_Q, Qt::ControlModifier);
        QTRY_VERIFY(!window.isVisible());
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
