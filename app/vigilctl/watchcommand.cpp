// SPDX-License-Identifier: MIT
#include "cli.h"
#include "commands.h"

#include "Engine.h"
#include "conninfo.h"
#include "events/natspublisher.h"
#include "natsagent.h"

#include <QCoreApplication>
#include <QSocketNotifier>

#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

namespace {

int s_signalPipe[2] = { -1, -1 };

void onSignal(int)
{
    // Only async-signal-safe work here: wake the event loop through the pipe.
    const char byte = 1;
    [[maybe_unused]] const ssize_t written = ::write(s_signalPipe[1], &byte, 1);
}

} // namespace

int runWatchCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "The headless engine in the foreground: finishes what the journal has in flight, then samples the target "
        "and logs JSON lines (samples, actions, notices) until SIGINT or SIGTERM. With --nats it also publishes "
        "them and, in approve mode, answers approvals on vigil.<target>.approve / .reject."));
    parser.addOptions({
        { QStringLiteral("target"), QStringLiteral("The database: a libpq conninfo or URI."),
            QStringLiteral("CONNINFO") },
        { QStringLiteral("mode"), QStringLiteral("observe, approve (default) or autonomous."), QStringLiteral("MODE"),
            QStringLiteral("approve") },
        { QStringLiteral("tick"), QStringLiteral("Collector tick in seconds (default 1)."), QStringLiteral("S") },
        { QStringLiteral("analyse-every"),
            QStringLiteral("Run the detectors every S seconds (default 60; 0 turns them off)."), QStringLiteral("S"),
            QStringLiteral("60") },
        { QStringLiteral("rate-limit"),
            QStringLiteral("Actions the analyser may start per hour on the target (default 6)."), QStringLiteral("N"),
            QStringLiteral("6") },
        { QStringLiteral("cooldown"), QStringLiteral("Minutes without a new action after a rollback (default 30)."),
            QStringLiteral("MIN"), QStringLiteral("30") },
        { QStringLiteral("memory"),
            QStringLiteral("Hours a rolled-back action is not proposed again on the target (default 24)."),
            QStringLiteral("H"), QStringLiteral("24") },
    });
    addGuardOptions(parser);
    addThresholdOption(parser);
    addStoreOption(parser);
    addStorageProbeOption(parser);
    addNatsOptions(parser);
    addEventFormatOption(parser);
    if (const int code = parseOrExit(parser, arguments, QStringLiteral("watch")); code >= 0)
        return code;
    if (!readEventFormatOption(parser, QStringLiteral("watch")))
        return exitcode::kBadInput;
    // An empty target would be libpq's defaults (the local socket as the current user): the agent's unit passes
    // --target "${VIGIL_TARGET}" even when agent.conf leaves it empty, and must fail rather than watch that.
    if (parser.value(QStringLiteral("target")).trimmed().isEmpty()) {
        err() << "vigilctl watch: --target is required (for the agent: VIGIL_TARGET in /etc/vigil/agent.conf)\n";
        return exitcode::kBadInput;
    }
    const QString modeText = parser.value(QStringLiteral("mode"));
    const std::optional<vigil::Mode> mode = vigil::modeFromName(modeText);
    if (!mode) {
        err() << "vigilctl watch: --mode expects observe, approve or autonomous, got \"" << modeText << "\"\n";
        return exitcode::kBadInput;
    }
    vigil::EngineConfig config;
    config.targetConninfo = parser.value(QStringLiteral("target"));
    config.storeLocation = storeLocation(parser);
    config.storageProbeDirectory = storageProbeDirectory(parser);
    config.mode = *mode;
    if (!readGuardOptions(parser, QStringLiteral("watch"), config.policy))
        return exitcode::kBadInput;
    if (!readThresholdOptions(parser, QStringLiteral("watch"), config.thresholds))
        return exitcode::kBadInput;
    bool analyseOk = false;
    bool rateOk = false;
    bool coolOk = false;
    bool memoryOk = false;
    config.analyseSeconds = parser.value(QStringLiteral("analyse-every")).toDouble(&analyseOk);
    config.limits.maxActionsPerHour = parser.value(QStringLiteral("rate-limit")).toInt(&rateOk);
    config.limits.cooldownSeconds = 60 * parser.value(QStringLiteral("cooldown")).toDouble(&coolOk);
    config.limits.memorySeconds = 3600 * parser.value(QStringLiteral("memory")).toDouble(&memoryOk);
    if (!analyseOk || config.analyseSeconds < 0 || (config.analyseSeconds > 0 && config.analyseSeconds < 1) || !rateOk
        || config.limits.maxActionsPerHour < 0 || config.limits.maxActionsPerHour > 1000 || !coolOk
        || config.limits.cooldownSeconds < 0 || !memoryOk || config.limits.memorySeconds < 0) {
        err() << "vigilctl watch: --analyse-every (0 or at least 1), --rate-limit (0-1000), --cooldown and --memory "
                 "must be non-negative numbers\n";
        return exitcode::kBadInput;
    }
    if (!readTickOption(parser, QStringLiteral("watch"), config.tickSeconds))
        return exitcode::kBadInput;
    if (const QString problem = config.policy.validate(config.tickSeconds); !problem.isEmpty()) {
        err() << "vigilctl watch: " << problem << "\n";
        return exitcode::kBadInput;
    }
    vigil::NatsOptions nats;
    bool natsOn = false;
    if (!readNatsOptions(parser, QStringLiteral("watch"), nats, natsOn))
        return exitcode::kBadInput;

    vigil::Engine engine(config);
    QObject::connect(engine.events(), &vigil::EventBus::published,
        [](const vigil::EngineEvent &event) { printEventLine(event.toJson()); });
    // The role's privileges in words a DBA acts on, beside their JSON line (docs/security.md).
    QObject::connect(engine.events(), &vigil::EventBus::published, [](const vigil::EngineEvent &event) {
        if (event.name() != QLatin1StringView("engine.privileges"))
            return;
        const QJsonObject payload = event.fields();
        err() << "vigilctl watch: " << payload.value(QLatin1StringView("text")).toString() << "\n";
        if (!payload.value(QLatin1StringView("mode_possible")).toBool(true))
            err() << "vigilctl watch: the role does not allow mode "
                  << payload.value(QLatin1StringView("mode")).toString()
                  << ": the actions it would take will fail; grant what is listed above\n";
        err().flush();
    });
    QString error;
    std::unique_ptr<vigil::NatsAgent> agent;
    if (natsOn) {
        // Subjects name the target as the engine will (what libpq reaches), known before the engine starts.
        const std::optional<QString> name = reachedTargetName(config.targetConninfo, QStringLiteral("watch"));
        if (!name)
            return exitcode::kUnreachable;
        agent = std::make_unique<vigil::NatsAgent>(&engine, *name, nats);
        if (!agent->start(*mode == vigil::Mode::Approve, &error)) {
            err() << "vigilctl watch: " << error << "\n";
            return exitcode::kBadInput;
        }
        printNatsStatusOnChange(agent->publisher());
    }
    if (!engine.start(&error)) {
        err() << "vigilctl watch: " << error << "\n";
        return engine.startFailedToConnect() ? exitcode::kUnreachable : exitcode::kBadInput;
    }
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, s_signalPipe) == 0) {
        std::signal(SIGINT, onSignal);
        std::signal(SIGTERM, onSignal);
    }
    QSocketNotifier notifier(s_signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&notifier, &QSocketNotifier::activated, [] { QCoreApplication::quit(); });
    QObject::connect(&engine, &vigil::Engine::recoveryFinished, [](int recovered, int failed) {
        printEventLine({ { QStringLiteral("event"), QStringLiteral("recovery.finished") },
            { QStringLiteral("recovered"), recovered }, { QStringLiteral("failed"), failed } });
    });
    QMetaObject::invokeMethod(&engine, &vigil::Engine::recover, Qt::QueuedConnection);
    QCoreApplication::exec();
    engine.stop();
    if (agent) {
        agent->stop();
        printEventLine(agent->publisher()->status());
    }
    return exitcode::kOk;
}
