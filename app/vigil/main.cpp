// SPDX-License-Identifier: MIT
// vigil: the desktop application. Argument parsing and composition only.
#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Vigil"));
    QApplication::setApplicationName(QStringLiteral("vigil"));
    QApplication::setApplicationDisplayName(QStringLiteral("Vigil"));
    QApplication::setApplicationVersion(QStringLiteral(VIGIL_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Vigil: watches a PostgreSQL database, applies tuning actions "
                                                    "and rolls back any that made it slower."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.process(app);

    vigil::MainWindow window;
    window.show();
    return app.exec();
}
