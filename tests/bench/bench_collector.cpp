// SPDX-License-Identifier: MIT
// Issue 3: what DbCollector itself costs per sample. The server side is the on-CPU time of the collector's backend
// (from /proc/PID/schedstat: wall-clock is inflated by contention on a small machine), the client side this
// process's CPU time (getrusage). Measured with few and with thousands of distinct statements in
// pg_stat_statements, reading statements (collect(true)) and only the cheap counters (collect(false)).
// Not a QBENCHMARK: it starts its own PostgreSQL 15 and prints a Markdown table. Run it with scripts/bench-collector.
#include "collect/dbcollector.h"
#include "collect/pgconnection.h"
#include "distinctstatements.h"
#include "pgserver.h"
#include "servercost.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QStringList>
#include <QThread>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

#include <sys/resource.h>

using namespace vigil;
using vigil::bench::onCpuNs;
using vigil::bench::summarise;
using vigil::bench::Summary;
using vigil::testing::PgServer;

namespace {

struct Options
{
    std::vector<int> statementCounts { 20, 5000 };
    int samples = 200;
    int pauseMs = 100; ///< between samples, so each one starts as a real tick would: after the CPU did other work
};

struct Cost
{
    double serverMs = 0;
    double clientMs = 0;
    double wallMs = 0;
    std::size_t statements = 0;
};

/// This process's CPU time, user + system, in ms.
double clientCpuMs()
{
    rusage usage {};
    ::getrusage(RUSAGE_SELF, &usage);
    const auto ms = [](const timeval &t) { return double(t.tv_sec) * 1e3 + double(t.tv_usec) / 1e3; };
    return ms(usage.ru_utime) + ms(usage.ru_stime);
}

/// One collect(), with what it cost on both sides. False when the tick could not be read.
bool measureOne(DbCollector &collector, bool withStatements, Cost &cost, bool withCpuProbe = false)
{
    const int pid = collector.backendPid();
    const qint64 serverBefore = onCpuNs(pid);
    const double clientBefore = clientCpuMs();
    QElapsedTimer wall;
    wall.start();
    const std::optional<Snapshot> snapshot = collector.collect(withStatements, withCpuProbe);
    const qint64 wallNs = wall.nsecsElapsed();
    const double clientAfter = clientCpuMs();
    const qint64 serverAfter = onCpuNs(pid);
    if (!snapshot || serverBefore < 0 || serverAfter < 0)
        return false;
    cost.serverMs = double(serverAfter - serverBefore) / 1e6;
    cost.clientMs = clientAfter - clientBefore;
    cost.wallMs = double(wallNs) / 1e6;
    cost.statements = snapshot->statements.size();
    return true;
}

bool fail(const QString &what)
{
    std::fprintf(stderr, "bench_collector: %s\n", qPrintable(what));
    return false;
}

bool parseOptions(const QStringList &arguments, Options &options)
{
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &a = arguments[i];
        const bool hasValue = i + 1 < arguments.size();
        bool ok = hasValue;
        if (a == QLatin1StringView("--samples") && hasValue) {
            options.samples = arguments[++i].toInt(&ok);
            ok = ok && options.samples > 0;
        } else if (a == QLatin1StringView("--pause-ms") && hasValue) {
            options.pauseMs = arguments[++i].toInt(&ok);
            ok = ok && options.pauseMs >= 0;
        } else if (a == QLatin1StringView("--statements") && hasValue) {
            options.statementCounts.clear();
            for (const QString &n : arguments[++i].split(u',')) {
                options.statementCounts.push_back(n.toInt(&ok));
                if (!ok || options.statementCounts.back() < 1 || options.statementCounts.back() > 9000)
                    break;
            }
            std::sort(options.statementCounts.begin(), options.statementCounts.end());
        } else {
            ok = false;
        }
        if (!ok) {
            // scripts/bench runs every build/bench/bench_* with QBENCHMARK options: say what this one is instead.
            return fail(QStringLiteral("bad option %1 (this is not a QBENCHMARK executable; run "
                                       "scripts/bench-collector)\nusage: bench_collector [--statements 20,5000] "
                                       "[--samples 200] [--pause-ms 100]")
                            .arg(a));
        }
    }
    return true;
}

QString scalar(PgConnection &connection, const QByteArray &sql)
{
    const std::optional<PgRows> rows = connection.query(sql);
    return rows && rows->rows() == 1 ? QString::fromUtf8(rows->value(0, 0)) : QString();
}

void printRow(
    int inPgss, const char *mode, std::size_t inSnapshot, int samples, Summary server, Summary client, Summary wall)
{
    // A single reading has no p95.
    const auto p95 = [samples](double v) { return samples > 1 ? QByteArray::number(v, 'f', 3) : QByteArray("—"); };
    std::printf("| %d | %zu | %s | %d | %.3f | %s | %.3f | %.2f %% | %.3f | %s |\n", inPgss, inSnapshot, mode, samples,
        server.mean, p95(server.p95).constData(), client.mean, client.mean / 1000.0 * 100.0, wall.mean,
        p95(wall.p95).constData());
    std::fflush(stdout);
}

bool run(const Options &options)
{
    PgServer server;
    QString error;
    if (!server.start(&error))
        return fail(error);
    // The default pg_stat_statements.max (5000) would evict statements before the largest case is in place.
    const int largest = options.statementCounts.back();
    if (!server.psql(QStringLiteral("ALTER SYSTEM SET pg_stat_statements.max = 10000"), nullptr, &error)
        || !server.restart(&error))
        return fail(error);

    PgConnection setup;
    if (!setup.open(server.conninfo(), QStringLiteral("vigil-bench-setup"), 0, "/* vigil-bench-setup */", &error))
        return fail(error);
    std::fprintf(stderr, "server: PostgreSQL %s, pg_stat_statements.max = %s; creating %d tables\n",
        qPrintable(scalar(setup, "SHOW server_version")), qPrintable(scalar(setup, "SHOW pg_stat_statements.max")),
        largest);
    if (!vigil::bench::createTables(setup, largest, fail))
        return false;

    DbCollector collector(server.conninfo());
    if (!collector.connect(&error))
        return fail(error);
    if (!collector.hasStatementStatistics())
        return fail(collector.statementStatisticsAdvice());
    const int pid = collector.backendPid();
    if (onCpuNs(pid) < 0)
        return fail(QStringLiteral("cannot read /proc/%1/schedstat").arg(pid));
    std::fprintf(
        stderr, "collector backend pid %d; %d samples per row, %d ms apart\n", pid, options.samples, options.pauseMs);

    std::printf("| statements in pg_stat_statements | in the Snapshot | mode | samples | server on-CPU ms/sample, "
                "mean | server p95 | client CPU ms/sample | client CPU %% at a 1 s tick | wall ms/sample, mean | "
                "wall p95 |\n");
    std::printf("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");

    int done = 0;
    for (const int count : options.statementCounts) {
        if (!vigil::bench::runStatements(setup, done + 1, count, fail))
            return false;
        done = count;
        const int inPgss = scalar(setup, "SELECT count(*) FROM pg_stat_statements").toInt();

        // The first reading after new statements appeared also fetches their texts, once: reported on its own.
        Cost first;
        if (!measureOne(collector, true, first))
            return fail(collector.lastError());
        printRow(inPgss, "first collect(true): fetches the new texts", first.statements, 1, { first.serverMs, 0 },
            { first.clientMs, 0 }, { first.wallMs, 0 });
        // Then the collector meets its own statement and text queries once (new queryids): not steady state either.
        for (int i = 0; i < 2; ++i) {
            Cost ignored;
            if (!measureOne(collector, true, ignored))
                return fail(collector.lastError());
        }

        // The steady modes: an action in the pipeline (statements and the CPU probe every tick), statements only (the
        // guard's interval boundary when idle), the counters only (every other idle tick).
        for (const int mode : { 0, 1, 2 }) {
            const bool withStatements = mode < 2;
            std::vector<double> serverMs;
            std::vector<double> clientMs;
            std::vector<double> wallMs;
            std::size_t inSnapshot = 0;
            for (int i = 0; i < options.samples; ++i) {
                QThread::msleep(static_cast<unsigned long>(options.pauseMs));
                Cost cost;
                if (!measureOne(collector, withStatements, cost, mode == 0))
                    return fail(collector.lastError());
                serverMs.push_back(cost.serverMs);
                clientMs.push_back(cost.clientMs);
                wallMs.push_back(cost.wallMs);
                inSnapshot = cost.statements;
            }
            const char *name = mode == 0 ? "collect(true, true), with the CPU probe (an action in the pipeline)"
                : mode == 1              ? "collect(true), steady"
                                         : "collect(false), counters only";
            printRow(
                inPgss, name, inSnapshot, options.samples, summarise(serverMs), summarise(clientMs), summarise(wallMs));
        }
    }
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    Options options;
    if (!parseOptions(app.arguments(), options))
        return 2;
    return run(options) ? 0 : 1;
}
