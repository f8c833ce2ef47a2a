// SPDX-License-Identifier: MIT
#include "mainwindow.h"

#include <QAction>
#include <QApplication>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>

namespace vigil {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
{
    setWindowTitle(QStringLiteral("Vigil"));
    setObjectName(QStringLiteral("mainWindow"));
    resize(1100, 700);

    auto *placeholder = new QLabel(tr("Not connected.\n\nThe dashboard, history and approvals arrive with the "
                                      "desktop application; until then, run 'vigilctl replay' on a trace."),
        this);
    placeholder->setAlignment(Qt::AlignCenter);
    placeholder->setWordWrap(true);
    setCentralWidget(placeholder);

    QMenu *fileMenu = menuBar()->addMenu(tr("&File"));
    QAction *quit = fileMenu->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setObjectName(QStringLiteral("actionQuit"));
    quit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q)); // explicit: StandardKey::Quit is empty on some platforms
    quit->setToolTip(tr("Close Vigil"));
    addAction(quit); // the window owns the shortcut, so it works whether or not the menu bar has focus

    QMenu *helpMenu = menuBar()->addMenu(tr("&Help"));
    helpMenu->addAction(tr("&About Vigil"), this, [this] {
        QMessageBox::about(this, tr("About Vigil"),
            tr("Vigil %1\nWatches a PostgreSQL database, applies tuning actions, and rolls back any action that "
               "made it slower.")
                .arg(QApplication::applicationVersion()));
    });

    m_connectionState = new QLabel(tr("● not connected"), this);
    m_connectionState->setObjectName(QStringLiteral("connectionState"));
    statusBar()->addWidget(m_connectionState);
}

} // namespace vigil
