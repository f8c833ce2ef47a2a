// SPDX-License-Identifier: MIT
#include "cli.h"
#include "commands.h"

#include "act/actionfromsql.h"
#include "analyse/analyser.h"
#include "analyse/proposalpolicy.h"
#include "collect/dbcollector.h"
#include "collect/hostcollector.h"
#include "metrics/sampleseries.h"
#include "store/knowledgestore.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QThread>

namespace {

void printText(const vigil::Finding &f)
{
    QTextStream out(stdout);
    out << "[" << vigil::severityName(f.severity) << "] " << f.detector << " / " << f.condition << "\n  " << f.summary
        << "\n";
    if (!f.advice.isEmpty())
        out << "  advice: " << f.advice << "\n";
    const QJsonObject whatIf = f.evidence.value(QLatin1StringView("what_if")).toObject();
    if (whatIf.contains(QLatin1StringView("cost_before")))
        out << "  what-if (hypopg): plan cost " << whatIf.value(QLatin1StringView("cost_before")).toDouble() << " -> "
            << whatIf.value(QLatin1StringView("cost_after")).toDouble() << "\n";
    if (const auto &r = f.recommendation) {
        out << "  proposed: " << r->sql << (r->needsRestart ? "   (needs a restart)" : "") << "\n";
        const QString rollback = vigil::derivedRollbackPreview(r->sql);
        if (!rollback.isEmpty())
            out << "  rollback: " << rollback << "\n";
        out << "  would " << r->decision << ": " << r->decisionReason << "\n";
    }
    out.flush();
}

} // namespace

int runAnalyseCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Samples the target for N seconds, runs every detector and prints the findings and the actions they propose "
        "(with what the mode and the journal's memory would do with them). Never changes anything. Exits 0 when "
        "nothing was found, 1 when something was."));
    parser.addOptions({
        { QStringLiteral("target"), QStringLiteral("The database: a libpq conninfo or URI."),
            QStringLiteral("CONNINFO") },
        { QStringLiteral("seconds"), QStringLiteral("How long to sample (default 30)."), QStringLiteral("N"),
            QStringLiteral("30") },
        { QStringLiteral("interval"), QStringLiteral("Sample interval in seconds (default: seconds / 6, 1 to 5)."),
            QStringLiteral("S") },
        { QStringLiteral("format"), QStringLiteral("text (default) or json (one object per finding per line)."),
            QStringLiteral("FORMAT"), QStringLiteral("text") },
        { QStringLiteral("mode"),
            QStringLiteral("observe, approve (default) or autonomous: what the proposals "
                           "would become (nothing is run)."),
            QStringLiteral("MODE"), QStringLiteral("approve") },
    });
    addThresholdOption(parser);
    addStoreOption(parser);
    if (const int code = parseOrExit(parser, arguments, QStringLiteral("analyse")); code >= 0)
        return code;
    bool ok = false;
    const int seconds = parser.value(QStringLiteral("seconds")).toInt(&ok);
    if (!parser.isSet(QStringLiteral("target")) || !ok || seconds < 3 || seconds > 3600) {
        err() << "vigilctl analyse: --target and --seconds (3 to 3600) are required\n";
        return exitcode::kBadInput;
    }
    const QString format = parser.value(QStringLiteral("format"));
    const std::optional<vigil::Mode> mode = vigil::modeFromName(parser.value(QStringLiteral("mode")));
    if ((format != QLatin1StringView("text") && format != QLatin1StringView("json")) || !mode) {
        err() << "vigilctl analyse: --format is text or json; --mode is observe, approve or autonomous\n";
        return exitcode::kBadInput;
    }
    double interval = std::clamp(std::floor(seconds / 6.0), 1.0, 5.0);
    if (parser.isSet(QStringLiteral("interval"))) {
        interval = parser.value(QStringLiteral("interval")).toDouble(&ok);
        if (!ok || interval < 1 || interval > seconds / 3.0) {
            err() << "vigilctl analyse: --interval must be at least 1 s and fit three times in --seconds\n";
            return exitcode::kBadInput;
        }
    }
    vigil::AnalyserThresholds thresholds;
    if (!readThresholdOptions(parser, QStringLiteral("analyse"), thresholds))
        return exitcode::kBadInput;

    vigil::DbCollector collector(parser.value(QStringLiteral("target")));
    if (const int code = connectOrExit(collector, parser.value(QStringLiteral("target")), QStringLiteral("analyse"));
        code >= 0)
        return code;
    QString error;
    if (!collector.statementStatisticsAdvice().isEmpty())
        err() << "vigilctl analyse: " << collector.statementStatisticsAdvice() << "\n";
    std::unique_ptr<vigil::KnowledgeStore> store = vigil::KnowledgeStore::open(storeLocation(parser), &error);
    if (!store) {
        err() << "vigilctl analyse: cannot open the knowledge store: " << error << "\n";
        return exitcode::kBadInput;
    }
    vigil::HostCollector host = vigil::HostCollector::forTarget(collector.connection());
    vigil::LiveAnalyser analyser(collector.connection(), thresholds);
    if (!analyser.prime(&error)) {
        err() << "vigilctl analyse: cannot read the catalog: " << error << "\n";
        return exitcode::kFailed;
    }
    err() << "vigilctl analyse: sampling " << collector.targetName() << " for " << seconds << " s (" << interval
          << " s samples)\n";
    err().flush();

    // Ticks once a second, statements at every tick; samples on the interval grid afterwards.
    std::vector<vigil::Snapshot> ticks;
    vigil::HostMetrics lastHost;
    QElapsedTimer clock;
    clock.start();
    for (int tick = 0; tick <= seconds; ++tick) {
        lastHost = host.read();
        if (std::optional<vigil::Snapshot> s = collector.collect(true)) {
            s->host = lastHost;
            ticks.push_back(std::move(*s));
        }
        const qint64 next = qint64(tick + 1) * 1000;
        if (tick < seconds && clock.elapsed() < next)
            QThread::msleep(quint64(next - clock.elapsed()));
    }
    std::vector<vigil::Sample> samples;
    if (ticks.size() >= 2) {
        const int count = int((ticks.back().t - ticks.front().t + 0.25) / interval);
        samples = vigil::SampleSeries::derive(ticks, ticks.front().t, interval, count, 0.25);
    }
    const std::optional<std::vector<vigil::Finding>> findings = analyser.run(samples, lastHost.memTotalBytes, &error);
    if (!findings) {
        err() << "vigilctl analyse: cannot read the catalog: " << error << "\n";
        return exitcode::kFailed;
    }
    // The journal's name for the target: what libpq connected to (TargetIdentity), as the engine writes it.
    const QString target = collector.targetName();
    vigil::ActionFilter filter;
    filter.target = target;
    const std::vector<vigil::Action> history = store->actionsPage(0, 1000, filter);
    vigil::ProposalLimits limits;
    limits.mode = *mode;
    int validSamples = 0;
    for (const vigil::Sample &s : samples)
        validSamples += s.valid ? 1 : 0;
    for (vigil::Finding f : *findings) {
        if (f.recommendation) {
            const vigil::ProposalDecision d
                = vigil::ProposalPolicy::decide(*f.recommendation, history, QDateTime::currentDateTimeUtc(), limits);
            f.recommendation->decision = vigil::decisionName(d.kind);
            f.recommendation->decisionReason = d.reason;
        }
        if (format == QLatin1StringView("json")) {
            QJsonObject o = vigil::findingJson(f);
            o.insert(QStringLiteral("target"), target);
            if (f.recommendation) {
                QJsonObject proposal = o.value(QLatin1StringView("proposal")).toObject();
                proposal.insert(QStringLiteral("rollback"), vigil::derivedRollbackPreview(f.recommendation->sql));
                o.insert(QStringLiteral("proposal"), proposal);
            }
            printJsonLine(o);
        } else {
            printText(f);
        }
    }
    err() << "vigilctl analyse: " << findings->size() << " finding(s) over " << validSamples << " sample(s)\n";
    return findings->empty() ? exitcode::kOk : exitcode::kFindings;
}
