// SPDX-License-Identifier: MIT
#include "commands.h"

#include "cli.h"

#include "collect/tracereader.h"
#include "guard/tracereplayer.h"

#include <QCommandLineParser>
#include <QMap>
#include <QTextStream>

#include <cstdio>

namespace {

constexpr int kExitBadInput = exitcode::kBadInput;

QString stateName(vigil::SampleAssessment::State state)
{
    using State = vigil::SampleAssessment::State;
    switch (state) {
    case State::Missing:
        return QStringLiteral("missing");
    case State::Clean:
        return QStringLiteral("clean");
    case State::Degraded:
        return QStringLiteral("DEGRADED");
    case State::Confounded:
        return QStringLiteral("confounded");
    }
    return {};
}

void explain(const vigil::ReplayedAction &r)
{
    err() << "action " << r.action.id << " (" << r.action.kind << ", finished at t=" << r.action.finishedT << ")\n";
    err() << "  " << r.verdict.baselineSummary << "\n";
    for (const vigil::SampleAssessment &a : r.verdict.assessments) {
        err() << QStringLiteral("  #%1 t=%2 %3 p95 %4% throughput %5% server %6%")
                     .arg(a.index, 2)
                     .arg(a.tEnd, 7, 'f', 1)
                     .arg(stateName(a.state), -10)
                     .arg(a.latencyChangePct, 7, 'f', 1)
                     .arg(a.throughputChangePct, 7, 'f', 1)
                     .arg(a.serverChangePct, 7, 'f', 1);
        if (!a.note.isEmpty())
            err() << "  " << a.note;
        err() << '\n';
    }
    err() << "  => " << vigil::Verdict::decisionName(r.verdict.decision) << ": " << r.verdict.reason << "\n";
    err().flush();
}

} // namespace

namespace {
/// Sets one refinement constant of the policy from NAME=VALUE; returns what is wrong, or nothing.
QString tune(vigil::GuardPolicy &policy, const QString &setting)
{
    const QMap<QString, double vigil::GuardPolicy::*> constants {
        { QStringLiteral("min_latency_delta_ms"), &vigil::GuardPolicy::minLatencyDeltaMs },
        { QStringLiteral("min_server_delta_ms"), &vigil::GuardPolicy::minServerDeltaMs },
        { QStringLiteral("overwhelming_factor"), &vigil::GuardPolicy::overwhelmingFactor },
        { QStringLiteral("overwhelming_seconds"), &vigil::GuardPolicy::overwhelmingSeconds },
        { QStringLiteral("minimum_run_seconds"), &vigil::GuardPolicy::minimumRunSeconds },
        { QStringLiteral("onset_seconds"), &vigil::GuardPolicy::onsetSeconds },
        { QStringLiteral("demand_surge_pct"), &vigil::GuardPolicy::demandSurgePct },
        { QStringLiteral("cpu_surge_points"), &vigil::GuardPolicy::cpuSurgePoints },
        { QStringLiteral("outside_runnable_tasks"), &vigil::GuardPolicy::outsideRunnableTasks },
        { QStringLiteral("outside_disk_mbps"), &vigil::GuardPolicy::outsideDiskMBps },
        { QStringLiteral("noise_margin"), &vigil::GuardPolicy::noiseMargin },
        { QStringLiteral("machine_slower_pct"), &vigil::GuardPolicy::machineSlowerPct },
        { QStringLiteral("storage_stall_ms"), &vigil::GuardPolicy::storageStallMs },
    };
    const qsizetype eq = setting.indexOf(u'=');
    const QString name = setting.left(eq);
    bool ok = false;
    const double value = setting.mid(eq + 1).toDouble(&ok);
    if (eq < 0 || !ok)
        return QStringLiteral("expected NAME=NUMBER");
    if (name == QLatin1StringView("unverified_extensions")) {
        policy.unverifiedExtensions = int(value);
        return {};
    }
    if (name == QLatin1StringView("within_reach")) {
        policy.judgeWithinReach = value != 0;
        return {};
    }
    const auto it = constants.constFind(name);
    if (it == constants.cend())
        return QStringLiteral("unknown constant (known: %1, unverified_extensions, within_reach)")
            .arg(QStringList(constants.keys()).join(QStringLiteral(", ")));
    policy.*(it.value()) = value;
    return {};
}
} // namespace

int runReplayCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Runs the guard offline on a recorded vigil-trace/1 file and prints one JSON line per action:\n"
                       "{\"action_id\",\"verdict\":\"keep\"|\"rollback\",\"decided_t\",\"reason\"}, and \"unsteady\"\n"
                       "with why when the live engine would have waited for a steadier baseline.\n"
                       "Exit 0 when the trace was read, 2 on a malformed trace or bad options."));
    parser.addPositionalArgument(QStringLiteral("trace"), QStringLiteral("The trace file (JSON Lines)."));
    parser.addOption({ QStringLiteral("detector"), QStringLiteral("vigil (default) or floor (the brief's plain rule)."),
        QStringLiteral("name"), QStringLiteral("vigil") });
    addGuardOptions(parser);
    parser.addOption({ QStringLiteral("explain"),
        QStringLiteral("Also print how each sample of each window was read, on stderr.") });
    parser.addOption({ QStringLiteral("tune"),
        QStringLiteral("Sets one of the vigil detector's refinement constants for this replay, for calibration "
                       "(repeatable; names in docs/guard.md)."),
        QStringLiteral("NAME=VALUE") });
    if (const int code = parseOrExit(parser, arguments, QStringLiteral("replay")); code >= 0)
        return code;
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1) {
        err() << "vigilctl replay: expected exactly one trace file, got " << positional.size()
              << "\nUsage: vigilctl replay TRACE.jsonl [--detector vigil|floor] [--interval S] [--window S] "
                 "[--baseline S] [--latency-pct P] [--throughput-pct P] [--consecutive N]\n";
        return kExitBadInput;
    }

    const std::optional<vigil::DegradationDetector::Kind> kind
        = vigil::DegradationDetector::kindFromName(parser.value(QStringLiteral("detector")));
    if (!kind) {
        err() << "vigilctl replay: unknown detector \"" << parser.value(QStringLiteral("detector"))
              << "\" (expected vigil or floor)\n";
        return kExitBadInput;
    }
    vigil::GuardPolicy policy;
    if (!readGuardOptions(parser, QStringLiteral("replay"), policy))
        return kExitBadInput;
    for (const QString &setting : parser.values(QStringLiteral("tune"))) {
        if (const QString problem = tune(policy, setting); !problem.isEmpty()) {
            err() << "vigilctl replay: --tune " << setting << ": " << problem << "\n";
            return kExitBadInput;
        }
    }

    vigil::TraceReader reader;
    const QString path = positional.first();
    const std::optional<vigil::Trace> trace = reader.readFile(path);
    if (!trace) {
        err() << "vigilctl replay: " << path << ": " << reader.error().toString() << "\n";
        return kExitBadInput;
    }
    if (const QString problem = policy.validate(trace->tickSeconds); !problem.isEmpty()) {
        err() << "vigilctl replay: " << problem << "\n";
        return kExitBadInput;
    }

    const vigil::TraceReplayer replayer(policy, *kind);
    const bool wantExplain = parser.isSet(QStringLiteral("explain"));
    for (const vigil::ReplayedAction &r : replayer.replay(*trace)) {
        const QByteArray line = vigil::TraceReplayer::toJsonLine(r) + '\n';
        std::fputs(line.constData(), stdout);
        if (wantExplain)
            explain(r);
    }
    std::fflush(stdout);
    return 0;
}
