// SPDX-License-Identifier: MIT
#include "replaycommand.h"

#include "collect/tracereader.h"
#include "guard/tracereplayer.h"

#include <QCommandLineParser>
#include <QTextStream>

#include <cstdio>

namespace {

constexpr int kExitBadInput = 2;

QTextStream &err()
{
    static QTextStream stream(stderr);
    return stream;
}

/// Reads a numeric option into target; false (with a message) when it is not a number.
bool readNumber(const QCommandLineParser &parser, const QString &name, double &target)
{
    if (!parser.isSet(name))
        return true;
    bool ok = false;
    const double value = parser.value(name).toDouble(&ok);
    if (!ok) {
        err() << "vigilctl replay: --" << name << " expects a number, got \"" << parser.value(name) << "\"\n";
        return false;
    }
    target = value;
    return true;
}

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
        err() << QStringLiteral("  #%1 t=%2 %3 p95 %4% throughput %5%")
                     .arg(a.index, 2)
                     .arg(a.tEnd, 7, 'f', 1)
                     .arg(stateName(a.state), -10)
                     .arg(a.latencyChangePct, 7, 'f', 1)
                     .arg(a.throughputChangePct, 7, 'f', 1);
        if (!a.note.isEmpty())
            err() << "  " << a.note;
        err() << '\n';
    }
    err() << "  => " << vigil::Verdict::decisionName(r.verdict.decision) << ": " << r.verdict.reason << "\n";
    err().flush();
}

} // namespace

int runReplayCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Runs the guard offline on a recorded vigil-trace/1 file and prints one JSON line per action:\n"
                       "{\"action_id\",\"verdict\":\"keep\"|\"rollback\",\"decided_t\",\"reason\"}.\n"
                       "Exit 0 when the trace was read, 2 on a malformed trace or bad options."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("trace"), QStringLiteral("The trace file (JSON Lines)."));
    const vigil::GuardPolicy defaults;
    parser.addOptions({
        { QStringLiteral("detector"), QStringLiteral("vigil (default) or floor (the brief's plain rule)."),
            QStringLiteral("name"), QStringLiteral("vigil") },
        { QStringLiteral("interval"),
            QStringLiteral("Sample interval in seconds (default %1).").arg(defaults.intervalSeconds),
            QStringLiteral("S") },
        { QStringLiteral("window"),
            QStringLiteral("Observation window in seconds (default %1).").arg(defaults.windowSeconds),
            QStringLiteral("S") },
        { QStringLiteral("baseline"),
            QStringLiteral("Baseline length in seconds (default %1).").arg(defaults.baselineSeconds),
            QStringLiteral("S") },
        { QStringLiteral("latency-pct"),
            QStringLiteral("p95 latency worse by more than P % is degraded (default %1).").arg(defaults.latencyPct),
            QStringLiteral("P") },
        { QStringLiteral("throughput-pct"),
            QStringLiteral("Throughput lower by more than P % is degraded (default %1).").arg(defaults.throughputPct),
            QStringLiteral("P") },
        { QStringLiteral("consecutive"),
            QStringLiteral("Degraded samples in a row before a rollback (default %1).").arg(defaults.consecutive),
            QStringLiteral("N") },
        { QStringLiteral("explain"), QStringLiteral("Also print how each sample of each window was read, on stderr.") },
    });
    if (!parser.parse(arguments)) {
        err() << "vigilctl replay: " << parser.errorText() << "\nTry 'vigilctl replay --help'.\n";
        return kExitBadInput;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        QTextStream(stdout) << parser.helpText();
        return 0;
    }
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
    double consecutive = policy.consecutive;
    if (!readNumber(parser, QStringLiteral("interval"), policy.intervalSeconds)
        || !readNumber(parser, QStringLiteral("window"), policy.windowSeconds)
        || !readNumber(parser, QStringLiteral("baseline"), policy.baselineSeconds)
        || !readNumber(parser, QStringLiteral("latency-pct"), policy.latencyPct)
        || !readNumber(parser, QStringLiteral("throughput-pct"), policy.throughputPct)
        || !readNumber(parser, QStringLiteral("consecutive"), consecutive))
        return kExitBadInput;
    if (consecutive != double(qint64(consecutive)) || consecutive < 1 || consecutive > 1000) {
        err() << "vigilctl replay: --consecutive expects a whole number from 1 to 1000, got " << consecutive << "\n";
        return kExitBadInput;
    }
    policy.consecutive = int(consecutive);

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
