// SPDX-License-Identifier: MIT
// vigilctl: Vigil's headless command line. Argument parsing and dispatch only; the work is in the engine.
#include "commands.h"

#include <QCoreApplication>
#include <QTextStream>

namespace {

const char kUsage[]
    = "Usage: vigilctl <command> [options]\n"
      "\n"
      "Commands:\n"
      "  replay TRACE.jsonl   run the guard on a recorded trace and print its verdicts\n"
      "  apply                apply a guarded change: observe it, keep it or roll it back\n"
      "  watch                the headless engine: sample, analyse, act as the mode allows\n"
      "  analyse              sample for a while and print findings and proposed actions (acts on nothing)\n"
      "  findings             list the actions that wait for approval, with their evidence (from the journal)\n"
      "  approve ID           approve an action awaiting approval (sent to the agent over NATS)\n"
      "  reject ID            reject an action awaiting approval (sent to the agent over NATS)\n"
      "  recover              finish the actions the journal has in flight\n"
      "  history              print the journal (text, json or csv)\n"
      "  samples              print the samples stored for a target (json or csv)\n"
      "  record               record the target as a vigil-trace/1 file\n"
      "  check                which modes the target's role allows, and the GRANTs for what it lacks\n"
      "\n"
      "Run 'vigilctl <command> --help' for a command's options; 'vigilctl -V' (--version) for the version.\n"
      "Exit codes: 0 success (kept; analyse, findings: nothing), 1 analyse or findings found something, 2 bad input,\n"
      "3 rolled back, 4 failed, 5 cannot reach the server.\n"
      "See vigilctl(1).\n";

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("Vigil"));
    // The same name as the desktop app: both find the same default knowledge store (one history per user).
    QCoreApplication::setApplicationName(QStringLiteral("vigil"));
    QCoreApplication::setApplicationVersion(QStringLiteral(VIGIL_VERSION));

    QStringList arguments = QCoreApplication::arguments();
    if (arguments.size() < 2) {
        QTextStream(stderr) << kUsage;
        return 2;
    }
    const QString command = arguments.at(1);
    if (command == QLatin1StringView("--version") || command == QLatin1StringView("-V")) {
        QTextStream(stdout) << "vigilctl " << QCoreApplication::applicationVersion() << '\n';
        return 0;
    }
    if (command == QLatin1StringView("--help") || command == QLatin1StringView("-h")) {
        QTextStream(stdout) << kUsage;
        return 0;
    }
    // The sub-command parser sees "vigilctl replay ..." as its program name plus its own options.
    arguments.removeAt(1);
    arguments[0] = QStringLiteral("vigilctl ") + command;
    if (command == QLatin1StringView("replay"))
        return runReplayCommand(arguments);
    if (command == QLatin1StringView("apply"))
        return runApplyCommand(arguments);
    if (command == QLatin1StringView("analyse") || command == QLatin1StringView("analyze"))
        return runAnalyseCommand(arguments);
    if (command == QLatin1StringView("watch"))
        return runWatchCommand(arguments);
    if (command == QLatin1StringView("recover"))
        return runRecoverCommand(arguments);
    if (command == QLatin1StringView("history"))
        return runHistoryCommand(arguments);
    if (command == QLatin1StringView("samples"))
        return runSamplesCommand(arguments);
    if (command == QLatin1StringView("record"))
        return runRecordCommand(arguments);
    if (command == QLatin1StringView("check"))
        return runCheckCommand(arguments);
    if (command == QLatin1StringView("findings"))
        return runFindingsCommand(arguments);
    if (command == QLatin1StringView("approve") || command == QLatin1StringView("reject"))
        return runDecideCommand(arguments, command == QLatin1StringView("approve"));

    QTextStream(stderr) << "vigilctl: unknown command \"" << command << "\"\n\n" << kUsage;
    return 2;
}
