// SPDX-License-Identifier: MIT
// Time from a rollback verdict to the rollback completed, for a parameter action (target: under 1 s), on a real
// PostgreSQL 15 under a select-only pgbench load. Runs the real Engine in process, five times, and prints each run
// and the median. Run by scripts/bench-rollback (not by ctest: it is a measurement, not a test).
#include "Engine.h"
#include "pgbenchload.h"
#include "pgserver.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>

using namespace vigil;
using namespace vigil::testing;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    PgServer server;
    QString error;
    if (!server.start(&error) || !server.pgbenchInit(5, &error)) {
        std::fprintf(stderr, "cannot start PostgreSQL: %s\n", qPrintable(error));
        return 1;
    }
    // With bitmap scans off, enable_indexscan = off turns every lookup into a sequential scan of 500k rows.
    server.psql(QStringLiteral("ALTER SYSTEM SET enable_bitmapscan = off"));
    server.psql(QStringLiteral("SELECT pg_reload_conf()"));
    PgBenchLoad load(server,
        { QStringLiteral("-S"), QStringLiteral("-n"), QStringLiteral("-c"), QStringLiteral("4"), QStringLiteral("-j"),
            QStringLiteral("2"), QStringLiteral("-R"), QStringLiteral("200"), QStringLiteral("-T"),
            QStringLiteral("3600") });
    if (!load.start(&error)) {
        std::fprintf(stderr, "cannot start pgbench: %s\n", qPrintable(error));
        return 1;
    }
    QTemporaryDir dir;
    std::vector<double> verdictToDone;
    std::vector<double> rollbackStatements;
    std::printf("run  verdict->rolled_back (ms)  rollback statements (ms)\n");
    for (int run = 1; run <= 5; ++run) {
        EngineConfig config;
        config.targetConninfo = server.conninfo();
        config.storeLocation = dir.filePath(QStringLiteral("store-%1.sqlite").arg(run));
        config.analyseSeconds = 0;
        config.policy.intervalSeconds = 1;
        config.policy.baselineSeconds = 6;
        config.policy.windowSeconds = 12;
        Engine engine(config);
        QElapsedTimer clock;
        clock.start();
        qint64 verdictAt = -1;
        qint64 doneAt = -1;
        double statementSeconds = 0;
        QEventLoop loop;
        QObject::connect(engine.events(), &EventBus::published, [&](const EngineEvent &event) {
            const QString name = event.name();
            if (name == QLatin1StringView("action.degraded"))
                verdictAt = clock.nsecsElapsed();
            else if (name == QLatin1StringView("action.rolled_back")) {
                doneAt = clock.nsecsElapsed();
                statementSeconds = event.action()->extra.value(QLatin1StringView("rollback_seconds")).toDouble();
            }
        });
        QObject::connect(&engine, &Engine::actionFinished, &loop, &QEventLoop::quit);
        QObject::connect(&engine, &Engine::actionRefused, &loop, &QEventLoop::quit);
        if (!engine.start(&error)) {
            std::fprintf(stderr, "engine: %s\n", qPrintable(error));
            return 1;
        }
        Action action;
        action.kind = ActionKind::SetParameter;
        action.applySql = QStringLiteral("ALTER SYSTEM SET enable_indexscan = off");
        action.details = { { QStringLiteral("name"), QStringLiteral("enable_indexscan") },
            { QStringLiteral("value"), QStringLiteral("off") } };
        engine.submit(action);
        QTimer::singleShot(60000, &loop, &QEventLoop::quit);
        loop.exec();
        engine.stop();
        if (verdictAt < 0 || doneAt < 0) {
            std::fprintf(stderr, "run %d: no rollback happened\n", run);
            return 1;
        }
        const double ms = double(doneAt - verdictAt) / 1e6;
        verdictToDone.push_back(ms);
        rollbackStatements.push_back(statementSeconds * 1000);
        std::printf("%3d  %25.1f  %24.1f\n", run, ms, statementSeconds * 1000);
    }
    std::sort(verdictToDone.begin(), verdictToDone.end());
    std::sort(rollbackStatements.begin(), rollbackStatements.end());
    std::printf("median  %21.1f  %24.1f   (max %.1f ms; target: under 1000 ms)\n", verdictToDone[2],
        rollbackStatements[2], verdictToDone.back());
    return 0;
}
