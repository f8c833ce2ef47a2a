// SPDX-License-Identifier: MIT
#include "cli.h"
#include "commands.h"

#include "collect/dbcollector.h"
#include "collect/hostcollector.h"
#include "collect/storageprobe.h"
#include "collect/tracefields.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QThread>

#include <memory>

#include <cstdio>

namespace {

/// The fields that were read; an absent one stays absent in the trace, as the format asks.
template<typename Struct, std::size_t N>
QJsonObject writeFields(const vigil::TraceField<Struct> (&fields)[N], const Struct &from)
{
    QJsonObject o;
    for (const vigil::TraceField<Struct> &f : fields)
        if (const std::optional<double> &v = from.*f.member)
            o.insert(QLatin1StringView(f.name), *v);
    return o;
}

QJsonObject sampleLine(const vigil::Snapshot &s, double t0)
{
    QJsonArray pgss;
    for (const vigil::StatementCounters &c : s.statements)
        pgss.append(QJsonArray { QString::number(c.queryId), c.calls, c.totalExecMs, c.meanExecMs, c.stddevExecMs,
            c.rows, c.sharedBlksHit, c.sharedBlksRead, c.tempBlksWritten });
    const QJsonObject db = writeFields(vigil::kDatabaseFields, s.db);
    const QJsonObject act = writeFields(vigil::kActivityFields, s.activity);
    const QJsonObject sys = writeFields(vigil::kHostFields, s.host);
    const QJsonObject wal = writeFields(vigil::kWalFields, s.wal);
    QJsonObject line { { QStringLiteral("type"), QStringLiteral("sample") },
        { QStringLiteral("t"), std::round((s.t - t0) * 1000) / 1000 }, { QStringLiteral("db"), db },
        { QStringLiteral("act"), act }, { QStringLiteral("sys"), sys } };
    if (s.hasStatements)
        line.insert(QStringLiteral("pgss"), pgss);
    if (!wal.isEmpty())
        line.insert(QStringLiteral("wal"), wal);
    if (s.probeMs)
        line.insert(QStringLiteral("probe_ms"), std::round(*s.probeMs * 1e4) / 1e4);
    if (s.cpuProbeMs)
        line.insert(QStringLiteral("cpu_probe_ms"), std::round(*s.cpuProbeMs * 1e4) / 1e4);
    if (!s.longRunningQueryIds.empty()) {
        QJsonArray ids;
        for (qint64 id : s.longRunningQueryIds)
            ids.append(QString::number(id));
        line.insert(QStringLiteral("long"), ids);
    }
    return line;
}

} // namespace

int runRecordCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Records the target once a second for N seconds as a vigil-trace/1 file on stdout (see docs/trace-format.md), "
        "so the live pipeline and `vigilctl replay` can be compared on the same data."));
    parser.addOptions({
        { QStringLiteral("target"), QStringLiteral("The database: a libpq conninfo or URI."),
            QStringLiteral("CONNINFO") },
        { QStringLiteral("seconds"), QStringLiteral("How long to record."), QStringLiteral("N") },
    });
    addStorageProbeOption(parser);
    addStoreOption(parser); // accepted for symmetry with every other command; record writes no journal
    if (const int code = parseOrExit(parser, arguments, QStringLiteral("record")); code >= 0)
        return code;
    bool ok = false;
    const int seconds = parser.value(QStringLiteral("seconds")).toInt(&ok);
    if (!parser.isSet(QStringLiteral("target")) || !ok || seconds < 1 || seconds > 86400) {
        err() << "vigilctl record: --target and --seconds (1 to 86400) are required\n";
        return exitcode::kBadInput;
    }
    vigil::DbCollector collector(parser.value(QStringLiteral("target")));
    if (const int code = connectOrExit(collector, parser.value(QStringLiteral("target")), QStringLiteral("record"));
        code >= 0)
        return code;
    QString error;
    if (!collector.statementStatisticsAdvice().isEmpty())
        err() << "vigilctl record: " << collector.statementStatisticsAdvice() << "\n";
    vigil::HostCollector host = vigil::HostCollector::forTarget(collector.connection());
    std::unique_ptr<vigil::StorageProbe> storage;
    if (const QString directory = storageProbeDirectory(parser); !directory.isEmpty()) {
        storage = vigil::StorageProbe::besideServer(
            collector.connection(), host.source() == vigil::HostCollector::Source::Local, directory, &error);
        if (!storage) {
            err() << "vigilctl record: no storage probe: " << error << "\n";
            return exitcode::kBadInput;
        }
    }
    std::vector<QJsonObject> lines;
    double t0 = -1;
    QElapsedTimer clock;
    clock.start();
    for (int tick = 0; tick <= seconds; ++tick) {
        vigil::HostMetrics metrics = host.read();
        if (storage)
            metrics.storageWaitMs = storage->takeLongestWaitMs();
        if (std::optional<vigil::Snapshot> s = collector.collect(true, true)) {
            s->host = metrics;
            if (t0 < 0)
                t0 = s->t;
            lines.push_back(sampleLine(*s, t0));
        } else {
            err() << "vigilctl record: tick " << tick << " missing: " << collector.lastError() << "\n";
        }
        const qint64 next = qint64(tick + 1) * 1000;
        if (tick < seconds && clock.elapsed() < next)
            QThread::msleep(quint64(next - clock.elapsed()));
    }
    // The header comes first but names every statement seen, so it is written once the recording is over.
    QJsonObject statements;
    for (auto it = collector.statementTexts().cbegin(); it != collector.statementTexts().cend(); ++it)
        statements.insert(QString::number(it.key()), it.value());
    const QJsonObject header { { QStringLiteral("type"), QStringLiteral("header") },
        { QStringLiteral("format"), QStringLiteral("vigil-trace/1") }, { QStringLiteral("interval_s"), 1.0 },
        { QStringLiteral("server_version"), collector.serverVersion() },
        // When t = 0 was on the wall clock, so a tool that acted on the server meanwhile (the lab) can place its
        // action and note lines on the trace's time axis.
        { QStringLiteral("t0_epoch"), t0 },
        { QStringLiteral("workload"),
            QStringLiteral("recorded by vigilctl record from %1").arg(collector.targetName()) },
        { QStringLiteral("statements"), statements } };
    printJsonLine(header);
    for (const QJsonObject &line : lines)
        printJsonLine(line);
    return exitcode::kOk;
}
