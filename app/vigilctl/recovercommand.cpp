// SPDX-License-Identifier: MIT
#include "cli.h"
#include "commands.h"

#include "Engine.h"

#include <QCoreApplication>

int runRecoverCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Finishes every action the journal has in flight on the target (applying, observing, rolling_back): each is "
        "inspected against the catalog and taken back or closed, with the recovery written to the journal.\n"
        "Exit 0 when all were finished, 4 when one could not be, 2 on bad input."));
    parser.addOption({ QStringLiteral("target"), QStringLiteral("The database: a libpq conninfo or URI."),
        QStringLiteral("CONNINFO") });
    addStoreOption(parser);
    if (const int code = parseOrExit(parser, arguments, QStringLiteral("recover")); code >= 0)
        return code;
    if (!parser.isSet(QStringLiteral("target"))) {
        err() << "vigilctl recover: --target is required\n";
        return exitcode::kBadInput;
    }
    vigil::EngineConfig config;
    config.targetConninfo = parser.value(QStringLiteral("target"));
    config.storeLocation = storeLocation(parser);
    config.analyseSeconds = 0; // finishing what is in flight, nothing new
    vigil::Engine engine(config);
    QObject::connect(engine.events(), &vigil::EventBus::published, [](const vigil::EngineEvent &event) {
        if (!event.sample())
            printEventLine(event.toJson());
    });
    QString error;
    if (!engine.start(&error)) {
        err() << "vigilctl recover: " << error << "\n";
        return engine.startFailedToConnect() ? exitcode::kUnreachable : exitcode::kBadInput;
    }
    int code = exitcode::kOk;
    QObject::connect(&engine, &vigil::Engine::recoveryFinished, [&](int recovered, int failed) {
        printJsonLine({ { QStringLiteral("event"), QStringLiteral("recovery.finished") },
            { QStringLiteral("recovered"), recovered }, { QStringLiteral("failed"), failed } });
        code = failed ? exitcode::kFailed : exitcode::kOk;
        QCoreApplication::quit();
    });
    QMetaObject::invokeMethod(&engine, &vigil::Engine::recover, Qt::QueuedConnection);
    QCoreApplication::exec();
    engine.stop();
    return code;
}
