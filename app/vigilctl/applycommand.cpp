// SPDX-License-Identifier: MIT
#include "cli.h"
#include "commands.h"

#include "Engine.h"
#include "act/actionfromsql.h"
#include "conninfo.h"
#include "events/natspublisher.h"
#include "natsagent.h"

#include <QCoreApplication>

int runApplyCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "A guarded change: collects a baseline, applies the statement, observes the window and rolls the change "
        "back if it made the database slower. Prints JSON lines (ts, event, ...).\n"
        "Exit 0 kept, 3 rolled back, 4 failed to apply or to roll back, 2 bad input (nothing changed)."));
    parser.addOptions({
        { QStringLiteral("target"), QStringLiteral("The database: a libpq conninfo or URI."),
            QStringLiteral("CONNINFO") },
        { QStringLiteral("sql"), QStringLiteral("The statement to apply."), QStringLiteral("SQL") },
        { QStringLiteral("rollback-sql"),
            QStringLiteral("The statement that takes it back (derived for ALTER SYSTEM, CREATE INDEX, DROP INDEX)."),
            QStringLiteral("SQL") },
        { QStringLiteral("tick"), QStringLiteral("Collector tick in seconds (default 1)."), QStringLiteral("S") },
    });
    addGuardOptions(parser);
    addStoreOption(parser);
    addStorageProbeOption(parser);
    addNatsOptions(parser);
    addEventFormatOption(parser);
    if (const int code = parseOrExit(parser, arguments, QStringLiteral("apply")); code >= 0)
        return code;
    if (!readEventFormatOption(parser, QStringLiteral("apply")))
        return exitcode::kBadInput;
    if (!parser.isSet(QStringLiteral("target")) || !parser.isSet(QStringLiteral("sql"))) {
        err() << "vigilctl apply: --target and --sql are required\n";
        return exitcode::kBadInput;
    }
    vigil::EngineConfig config;
    config.targetConninfo = parser.value(QStringLiteral("target"));
    config.storeLocation = storeLocation(parser);
    config.storageProbeDirectory = storageProbeDirectory(parser);
    config.mode = vigil::Mode::Approve;
    config.analyseSeconds = 0; // one guarded change: the detectors are `watch`'s and `analyse`'s business
    if (!readGuardOptions(parser, QStringLiteral("apply"), config.policy))
        return exitcode::kBadInput;
    if (!readTickOption(parser, QStringLiteral("apply"), config.tickSeconds))
        return exitcode::kBadInput;
    if (const QString problem = config.policy.validate(config.tickSeconds); !problem.isEmpty()) {
        err() << "vigilctl apply: " << problem << "\n";
        return exitcode::kBadInput;
    }
    vigil::NatsOptions nats;
    bool natsOn = false;
    if (!readNatsOptions(parser, QStringLiteral("apply"), nats, natsOn))
        return exitcode::kBadInput;
    QString error;
    const std::optional<vigil::Action> action = vigil::actionFromSql(
        parser.value(QStringLiteral("sql")), parser.value(QStringLiteral("rollback-sql")), &error);
    if (!action) {
        err() << "vigilctl apply: " << error << "\n";
        return exitcode::kBadInput;
    }

    vigil::Engine engine(config);
    QObject::connect(engine.events(), &vigil::EventBus::published,
        [](const vigil::EngineEvent &event) { printEventLine(event.toJson()); });
    std::unique_ptr<vigil::NatsAgent> agent;
    if (natsOn) {
        // Subjects name the target as the engine will (what libpq reaches), known before the engine starts.
        const std::optional<QString> name = reachedTargetName(config.targetConninfo, QStringLiteral("apply"));
        if (!name)
            return exitcode::kUnreachable;
        agent = std::make_unique<vigil::NatsAgent>(&engine, *name, nats);
        if (!agent->start(false, &error)) {
            err() << "vigilctl apply: " << error << "\n";
            return exitcode::kBadInput;
        }
        printNatsStatusOnChange(agent->publisher());
    }
    if (!engine.start(&error)) {
        err() << "vigilctl apply: " << error << "\n";
        return engine.startFailedToConnect() ? exitcode::kUnreachable : exitcode::kBadInput;
    }
    int code = exitcode::kFailed;
    QObject::connect(&engine, &vigil::Engine::actionRefused, [&](const QString &reason) {
        err() << "vigilctl apply: " << reason << "\n";
        code = exitcode::kBadInput;
        QCoreApplication::quit();
    });
    QObject::connect(&engine, &vigil::Engine::actionFinished, [&](const vigil::Action &done) {
        code = done.state == vigil::ActionState::Kept      ? exitcode::kOk
            : done.state == vigil::ActionState::RolledBack ? exitcode::kRolledBack
                                                           : exitcode::kFailed;
        if (code == exitcode::kFailed)
            err() << "vigilctl apply: action " << done.id << " failed: " << done.reason << "\n";
        QCoreApplication::quit();
    });
    engine.submit(*action);
    QCoreApplication::exec();
    engine.stop();
    if (agent) {
        agent->stop(); // the last events (rolled_back, kept) go out before the process ends
        printEventLine(agent->publisher()->status());
    }
    return code;
}
