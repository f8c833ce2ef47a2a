// SPDX-License-Identifier: MIT
// vigil: the desktop application. Argument parsing and composition only.
#include "connectdialog.h"
#include "desktopengineconfig.h"
#include "enginerunner.h"
#include "fleetlink.h"
#include "fleetmodel.h"
#include "mainwindow.h"
#include "sandbox.h"
#include "sandboxshowcase.h"
#include "settings.h"
#include "store/knowledgestore.h"
#include "targetsession.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>
#include <QProgressDialog>
#include <QSettings>

#include <memory>

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
    parser.addOptions({
        { QStringLiteral("sandbox"),
            QStringLiteral("Start a private PostgreSQL with a pgbench workload and watch it; removed on exit.") },
        { QStringLiteral("target"), QStringLiteral("Watch this database (a libpq conninfo or URI)."),
            QStringLiteral("CONNINFO") },
        { QStringLiteral("store"), QStringLiteral("Knowledge store: a SQLite file or a PostgreSQL conninfo."),
            QStringLiteral("LOCATION") },
        { QStringLiteral("interval"), QStringLiteral("Guard sample interval in seconds (default 5)."),
            QStringLiteral("S") },
        { QStringLiteral("window"), QStringLiteral("Observation window in seconds (default 60)."),
            QStringLiteral("S") },
        { QStringLiteral("baseline"), QStringLiteral("Baseline in seconds (default 60)."), QStringLiteral("S") },
    });
    parser.process(app);

    vigil::Settings settings;
    // React to a mode chosen in the settings dialog as to one chosen in the toolbar.
    vigil::MainWindow window(&settings);
    QObject::connect(
        &settings, &vigil::Settings::modeChanged, &window, [&window](vigil::Mode mode) { window.setMode(mode); });
    std::unique_ptr<vigil::Sandbox> sandbox;
    QString target = parser.value(QStringLiteral("target"));
    QString targetName; // for display: never the conninfo itself, which may hold a password
    if (parser.isSet(QStringLiteral("sandbox"))) {
        vigil::SandboxOptions options;
        options.showcase = true; // a missing index and a hoarding client for the detectors to find
        sandbox = std::make_unique<vigil::Sandbox>(options);
        QProgressDialog progress(QObject::tr("Starting the sandbox database…"), QString(), 0, 0);
        progress.setWindowTitle(QObject::tr("Vigil sandbox"));
        progress.setMinimumDuration(0);
        progress.show();
        sandbox->setProgressCallback([&progress](const QString &step) {
            progress.setLabelText(QObject::tr("Sandbox: %1…").arg(step));
            QApplication::processEvents();
        });
        QString error;
        if (!sandbox->start(&error)) {
            QMessageBox::critical(nullptr, QObject::tr("Vigil sandbox"),
                QObject::tr("The sandbox database could not start: %1").arg(error));
            return 1;
        }
        target = sandbox->conninfo();
        targetName = sandbox->displayName();
    }

    if (target.isEmpty() && !sandbox) {
        // Neither a target nor the sandbox on the command line: ask where to connect.
        vigil::ConnectDialog connect(&settings);
        if (connect.exec() == QDialog::Accepted) {
            target = connect.conninfo();
            targetName = connect.connectedName();
        }
    }
    // A --target keeps targetName empty: the window names it by what libpq reaches once the engine has connected
    // (host:port/database), as the journal and the fleet do, not by how the connection string was written.

    // The fleet on NATS (Settings → Events → NATS URL): the Fleet page, and this engine's events published.
    vigil::FleetModel fleet;
    vigil::FleetLink fleetLink(&fleet);
    QObject::connect(&fleetLink, &vigil::FleetLink::statusChanged, &window, &vigil::MainWindow::setFleetStatus);
    QObject::connect(&fleetLink, &vigil::FleetLink::decisionAnswered, &window, &vigil::MainWindow::showFleetAnswer);
    QObject::connect(&window, &vigil::MainWindow::fleetDecisionRequested, &fleetLink, &vigil::FleetLink::decide);
    QObject::connect(&settings, &vigil::Settings::natsUrlChanged, &fleetLink, &vigil::FleetLink::setUrl);

    // The engine's settings as they are when it connects (a reconnect takes what Settings says by then), with the
    // command line's intervals over them.
    auto seconds = [&](const char *name, double fallback) {
        bool ok = false;
        const double v = parser.value(QLatin1StringView(name)).toDouble(&ok);
        return ok ? v : fallback;
    };
    const QString storeLocation = parser.isSet(QStringLiteral("store")) ? parser.value(QStringLiteral("store"))
                                                                        : vigil::KnowledgeStore::defaultLocation();
    auto engineConfig = [&] {
        vigil::EngineConfig config = vigil::desktopEngineConfig(settings, storeLocation);
        // The sandbox's server runs here, its data directory under the sandbox's own: the storage probe writes beside
        // it, whatever Settings says for other targets.
        if (sandbox)
            config.storageProbeDirectory = sandbox->directory();
        config.policy.intervalSeconds = seconds("interval", config.policy.intervalSeconds);
        config.policy.windowSeconds = seconds("window", config.policy.windowSeconds);
        config.policy.baselineSeconds = seconds("baseline", config.policy.baselineSeconds);
        return config;
    };
    const vigil::EngineConfig first = engineConfig();
    if (const QString problem = first.policy.validate(first.tickSeconds); !problem.isEmpty()) {
        QMessageBox::critical(nullptr, QStringLiteral("Vigil"), problem);
        return 2;
    }
    vigil::TargetSession session(&window, engineConfig);
    QObject::connect(&session, &vigil::TargetSession::runnerChanged, &fleetLink,
        [&fleetLink](vigil::EngineRunner *runner, const QString &name) { fleetLink.setLocalEngine(runner, name); });
    window.showHistory(storeLocation);
    if (!target.isEmpty())
        session.connectTo(target, targetName);
    window.showFleet(&fleet); // after History and Approvals, which keep Ctrl+2 and Ctrl+3
    fleetLink.setUrl(settings.natsUrl());
    if (sandbox)
        window.showHint(vigil::SandboxShowcase::whatToTry());
    window.show();
    const int code = QApplication::exec();
    fleetLink.setUrl(QString()); // the publisher lets go of the engine's events before the engine goes
    // The engine stops with the session (declared after the sandbox) before the sandbox it watches goes away.
    return code;
}
