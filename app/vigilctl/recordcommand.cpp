// SPDX-License-Identifier: MIT
#include "cli.h"
#include "commands.h"

#include "collect/dbcollector.h"
#include "collect/hostcollector.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QThread>

#include <cstdio>

namespace {

QJsonObject sampleLine(const vigil::Snapshot &s, double t0)
{
    QJsonArray pgss;
    for (const vigil::StatementCounters &c : s.statements)
        pgss.append(QJsonArray { QString::number(c.queryId), c.calls, c.totalExecMs, c.meanExecMs, c.stddevExecMs,
            c.rows, c.sharedBlksHit, c.sharedBlksRead, c.tempBlksWritten });
    QJsonObject db;
    auto put = [](QJsonObject &o, const char *key, const std::optional<double> &v) {
        if (v)
            o.insert(QLatin1StringView(key), *v);
    };
    put(db, "xact_commit", s.db.xactCommit);
    put(db, "xact_rollback", s.db.xactRollback);
    put(db, "blks_hit", s.db.blksHit);
    put(db, "blks_read", s.db.blksRead);
    put(db, "tup_returned", s.db.tupReturned);
    put(db, "tup_fetched", s.db.tupFetched);
    put(db, "tup_inserted", s.db.tupInserted);
    put(db, "tup_updated", s.db.tupUpdated);
    put(db, "tup_deleted", s.db.tupDeleted);
    put(db, "temp_bytes", s.db.tempBytes);
    put(db, "deadlocks", s.db.deadlocks);
    QJsonObject act;
    put(act, "total", s.activity.total);
    put(act, "active", s.activity.active);
    put(act, "idle", s.activity.idle);
    put(act, "idle_in_transaction", s.activity.idleInTransaction);
    put(act, "waiting", s.activity.waiting);
    put(act, "max_connections", s.activity.maxConnections);
    QJsonObject sys;
    put(sys, "cpu_pct", s.host.cpuPct);
    put(sys, "mem_pct", s.host.memPct);
    put(sys, "load1", s.host.load1);
    QJsonObject line { { QStringLiteral("type"), QStringLiteral("sample") },
        { QStringLiteral("t"), std::round((s.t - t0) * 1000) / 1000 }, { QStringLiteral("db"), db },
        { QStringLiteral("act"), act }, { QStringLiteral("sys"), sys } };
    if (s.hasStatements)
        line.insert(QStringLiteral("pgss"), pgss);
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
    QString error;
    if (!collector.connect(&error)) {
        err() << "vigilctl record: cannot connect: " << error << "\n";
        return exitcode::kBadInput;
    }
    if (!collector.statementStatisticsAdvice().isEmpty())
        err() << "vigilctl record: " << collector.statementStatisticsAdvice() << "\n";
    vigil::HostCollector host = vigil::HostCollector::forTarget(collector.connection());
    std::vector<QJsonObject> lines;
    double t0 = -1;
    QElapsedTimer clock;
    clock.start();
    for (int tick = 0; tick <= seconds; ++tick) {
        const vigil::HostMetrics metrics = host.read();
        if (std::optional<vigil::Snapshot> s = collector.collect(true)) {
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
        { QStringLiteral("workload"),
            QStringLiteral("recorded by vigilctl record from %1").arg(collector.targetName()) },
        { QStringLiteral("statements"), statements } };
    printJsonLine(header);
    for (const QJsonObject &line : lines)
        printJsonLine(line);
    return exitcode::kOk;
}
