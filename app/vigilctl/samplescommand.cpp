// SPDX-License-Identifier: MIT
#include "cli.h"
#include "commands.h"

#include "conninfo.h"
#include "store/csvfield.h"
#include "store/knowledgestore.h"

#include <QDateTime>

#include <cstdio>

namespace {

struct Column
{
    const char *name;
    std::optional<double> vigil::Sample::*metric;
};

// What the store keeps of each sample (KnowledgeStore::addSample), in this order.
constexpr Column kColumns[] = {
    { "tps", &vigil::Sample::tps },
    { "qps", &vigil::Sample::qps },
    { "latency_mean_ms", &vigil::Sample::latencyMeanMs },
    { "latency_p95_ms", &vigil::Sample::latencyP95Ms },
    { "latency_p99_ms", &vigil::Sample::latencyP99Ms },
    { "sessions_active", &vigil::Sample::sessionsActive },
    { "sessions_total", &vigil::Sample::sessionsTotal },
    { "max_connections", &vigil::Sample::maxConnections },
    { "cache_hit_ratio", &vigil::Sample::cacheHitRatio },
    { "cpu_pct", &vigil::Sample::cpuPct },
    { "mem_pct", &vigil::Sample::memPct },
    { "load1", &vigil::Sample::load1 },
};

QString isoTime(double epochSeconds)
{
    return QDateTime::fromMSecsSinceEpoch(qint64(epochSeconds * 1000.0), Qt::UTC).toString(Qt::ISODateWithMs);
}

} // namespace

int runSamplesCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Prints the samples the engine stored for a target (vigil, vigilctl watch or apply), oldest first: full rate "
        "for the last 24 h, one average a minute before that."));
    parser.addOptions({
        { QStringLiteral("target"),
            QStringLiteral("The target: as journaled (host:port/dbname) or the connection string it was watched "
                           "with."),
            QStringLiteral("TARGET") },
        { QStringLiteral("since"),
            QStringLiteral("From then on: a duration back from now (90s, 10m, 2h, 7d) or an ISO 8601 date or time "
                           "(default 10m)."),
            QStringLiteral("WHEN"), QStringLiteral("10m") },
        { QStringLiteral("format"), QStringLiteral("json (default, one object per line) or csv."),
            QStringLiteral("FORMAT"), QStringLiteral("json") },
    });
    addStoreOption(parser);
    if (const int code = parseOrExit(parser, arguments, QStringLiteral("samples")); code >= 0)
        return code;
    const QString target = journalTargetName(parser.value(QStringLiteral("target")));
    if (target.isEmpty()) {
        err() << "vigilctl samples: --target is required\n";
        return exitcode::kBadInput;
    }
    const std::optional<QDateTime> since = parseSince(parser.value(QStringLiteral("since")));
    if (!since) {
        err() << "vigilctl samples: --since expects a duration (90s, 10m, 2h, 7d) or an ISO 8601 date or time, got \""
              << parser.value(QStringLiteral("since")) << "\"\n";
        return exitcode::kBadInput;
    }
    const QString format = parser.value(QStringLiteral("format"));
    if (format != QLatin1StringView("json") && format != QLatin1StringView("csv")) {
        err() << "vigilctl samples: --format expects json or csv, got \"" << format << "\"\n";
        return exitcode::kBadInput;
    }
    QString error;
    const std::unique_ptr<vigil::KnowledgeStore> store = vigil::KnowledgeStore::open(storeLocation(parser), &error);
    if (!store) {
        err() << "vigilctl samples: cannot open the knowledge store: " << error << "\n";
        return exitcode::kBadInput;
    }
    bool ok = false;
    const double now = double(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
    const std::vector<vigil::Sample> samples
        = store->samples(target, double(since->toMSecsSinceEpoch()) / 1000.0, now + 60, &ok);
    if (!ok) {
        err() << "vigilctl samples: " << store->lastError() << "\n";
        return exitcode::kFailed;
    }
    if (format == QLatin1StringView("csv")) {
        QStringList header { QStringLiteral("t"), QStringLiteral("resolution_s") };
        for (const Column &c : kColumns)
            header << QLatin1StringView(c.name).toString();
        std::fputs(vigil::csvLine(header).constData(), stdout);
    }
    for (const vigil::Sample &s : samples) {
        const double resolution = s.seconds();
        if (format == QLatin1StringView("csv")) {
            QStringList fields { isoTime(s.tEnd), QString::number(resolution) };
            for (const Column &c : kColumns) // a missing source stays an empty field, never a made-up number
                fields << ((s.*c.metric) ? QString::number(*(s.*c.metric), 'g', 10) : QString());
            std::fputs(vigil::csvLine(fields).constData(), stdout);
        } else {
            QJsonObject o { { QStringLiteral("t"), isoTime(s.tEnd) }, { QStringLiteral("t_epoch"), s.tEnd },
                { QStringLiteral("resolution_s"), resolution } };
            for (const Column &c : kColumns)
                o.insert(QLatin1StringView(c.name),
                    (s.*c.metric) ? QJsonValue(*(s.*c.metric)) : QJsonValue(QJsonValue::Null));
            printJsonLine(o);
        }
    }
    std::fflush(stdout);
    if (samples.empty())
        err() << "vigilctl samples: no samples of " << target << " since " << since->toString(Qt::ISODate) << "\n";
    return exitcode::kOk;
}
