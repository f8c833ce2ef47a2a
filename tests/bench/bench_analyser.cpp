// SPDX-License-Identifier: MIT
// Issue 5: what one analyser run costs the server, on the databases the detectors are tested on: a million-row table
// read by lookups without their index (with hypopg installed), an unused index, a spilling sort, pgbench tables, and
// pg_stat_statements holding 20 or 5,000 distinct statements. Measured as the on-CPU time of the reading backend
// (/proc/PID/schedstat) for CatalogReader::read() (every detector's catalog queries) and for the hypopg what-if of
// the missing-index candidate. Target: under 20 ms per run. Not a QBENCHMARK (it starts its own PostgreSQL 15);
// run it with scripts/bench-analyser.
#include "analyse/catalogreader.h"
#include "analyse/detectors.h"
#include "collect/pgconnection.h"
#include "distinctstatements.h"
#include "pgserver.h"
#include "servercost.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>

#include <cstdio>

using namespace vigil;
using vigil::bench::onCpuNs;
using vigil::bench::summarise;
using vigil::testing::PgServer;

namespace {

bool fail(const QString &what)
{
    std::fprintf(stderr, "bench_analyser: %s\n", qPrintable(what));
    return false;
}

bool exec(PgConnection &c, const QByteArray &sql)
{
    QString error;
    return c.query(sql, {}, &error) ? true : fail(error);
}

struct Measured
{
    std::vector<double> serverMs;
    std::vector<double> wallMs;
};

void printRow(const char *what, int statements, const Measured &m)
{
    const bench::Summary server = summarise(m.serverMs);
    const bench::Summary wall = summarise(m.wallMs);
    std::printf("| %s | %d | %zu | %.2f | %.2f | %.2f | %.2f | %.2f |\n", what, statements, m.serverMs.size(),
        server.mean, server.p95, server.max, wall.mean, wall.p95);
    std::fflush(stdout);
}

bool run(int samples)
{
    PgServer server;
    QString error;
    if (!server.start(&error))
        return fail(error);
    if (!server.psql(QStringLiteral("ALTER SYSTEM SET pg_stat_statements.max = 10000"), nullptr, &error)
        || !server.restart(&error) || !server.pgbenchInit(10, &error))
        return fail(error);
    PgConnection setup;
    if (!setup.open(server.conninfo(), QStringLiteral("vigil-bench-setup"), 0, "/* vigil-bench-setup */", &error))
        return fail(error);
    std::fprintf(stderr, "building the tables (1,000,000-row items, sorttab, pgbench scale 10)\n");
    if (!exec(setup, "CREATE EXTENSION hypopg")
        || !exec(setup,
            "CREATE TABLE items AS SELECT g AS id, 'sku-' || g AS sku, g % 1000 AS price, md5(g::text) AS note "
            "FROM generate_series(1, 1000000) g")
        || !exec(setup, "CREATE INDEX items_note_idx ON items (note)") || !exec(setup, "ANALYZE items")
        || !exec(setup, "CREATE TABLE sorttab AS SELECT g AS id, md5(g::text) AS val FROM generate_series(1, 100000) g")
        || !exec(setup, "SET work_mem = '64kB'"))
        return false;
    // The workload the detectors look at: lookups by sku (sequential scans) and spilling sorts.
    for (int i = 0; i < 20; ++i) {
        if (!setup.query("SELECT id, price FROM items WHERE sku = $1", { QStringLiteral("sku-%1").arg(i * 7919) })
            || !setup.query("SELECT id, val FROM sorttab ORDER BY val"))
            return fail(QStringLiteral("workload query failed"));
    }

    PgConnection reader;
    if (!reader.open(server.conninfo(), QStringLiteral("vigil-collector"), 2000, "/* vigil-collector */", &error))
        return fail(error);
    CatalogReader catalog(reader);
    const int pid = reader.backendPid();

    std::printf("| work | statements in pg_stat_statements | runs | server on-CPU ms, mean | p95 | max | wall ms, mean "
                "| wall p95 |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (const int statements : { 20, 5000 }) {
        if (statements > 20) {
            std::fprintf(stderr, "adding %d distinct statements to pg_stat_statements\n", statements);
            if (!bench::createTables(setup, statements, fail) || !bench::runStatements(setup, 1, statements, fail))
                return false;
        }
        Measured readCost;
        Measured whatIfCost;
        std::optional<CatalogSnapshot> previous;
        for (int i = 0; i < samples + 1; ++i) {
            QThread::msleep(100);
            // Every run sees some lookups between its readings, as a live analysis would.
            setup.query("SELECT id, price FROM items WHERE sku = $1", { QStringLiteral("sku-%1").arg(i) });
            qint64 before = onCpuNs(pid);
            QElapsedTimer wall;
            wall.start();
            std::optional<CatalogSnapshot> now = catalog.read(&error);
            const double readWall = double(wall.nsecsElapsed()) / 1e6;
            const double readServer = double(onCpuNs(pid) - before) / 1e6;
            if (!now)
                return fail(error);
            if (i > 0) { // the first reading prepares the session (catalog caches): not a steady run
                readCost.serverMs.push_back(readServer);
                readCost.wallMs.push_back(readWall);
            }
            if (previous) {
                AnalysisInput input;
                input.catalog = *now;
                input.previousCatalog = previous;
                input.thresholds.minSeqTuplesPerSecond = 1;
                const std::vector<IndexCandidate> candidates = MissingIndexDetector::candidates(input);
                if (candidates.empty())
                    return fail(QStringLiteral("no missing-index candidate to validate"));
                before = onCpuNs(pid);
                wall.restart();
                if (!catalog.whatIf(candidates.front(), *now, &error))
                    return fail(error);
                whatIfCost.wallMs.push_back(double(wall.nsecsElapsed()) / 1e6);
                whatIfCost.serverMs.push_back(double(onCpuNs(pid) - before) / 1e6);
            }
            previous = std::move(now);
        }
        printRow("CatalogReader::read() (all detectors' catalog queries)", statements, readCost);
        printRow("what-if of the missing index (hypopg, 1 statement)", statements, whatIfCost);
        std::vector<double> total;
        for (std::size_t i = 0; i < std::min(readCost.serverMs.size(), whatIfCost.serverMs.size()); ++i)
            total.push_back(readCost.serverMs[i] + whatIfCost.serverMs[i]);
        printRow("one analyser run (read + what-if)", statements, { total, total });
    }
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    int samples = 50;
    if (argc == 3 && QByteArray(argv[1]) == "--runs")
        samples = std::max(1, QByteArray(argv[2]).toInt());
    else if (argc != 1) {
        std::fprintf(stderr, "usage: bench_analyser [--runs 50] (not a QBENCHMARK; run scripts/bench-analyser)\n");
        return 2;
    }
    return run(samples) ? 0 : 1;
}
