// SPDX-License-Identifier: MIT
// A pgbench workload running in the background against a PgServer, for tests that need a database under load.
#pragma once

#include <QString>
#include <QStringList>

#include <memory>

class QProcess;

namespace vigil::testing {

class PgServer;

/**
 * @brief pgbench started in the background against a PgServer's vigil_test database.
 *
 * The arguments are pgbench's own (for example `-n -c 4 -j 2 -T 600 -R 400`, or `-M prepared -f SCRIPT` with a
 * script written by PgServer::writeFile()); the connection options and the database name are added. Its combined
 * output goes to a file in the server's directory, so a long run never blocks on a full pipe. The server must
 * outlive the load. The destructor stops a load that is still running.
 */
class PgBenchLoad
{
public:
    PgBenchLoad(const PgServer &server, QStringList arguments);
    /// A nearly idle database: pgbench's tables at scale 1 (pgbench_accounts 100,000 rows) and three select-only
    /// lookups a second, open loop, for an hour. Enough for an engine to sample, too little to judge a change by: a
    /// test beside the live_postgres lock takes 2-3 % of the host with it. Null (and @p error set) when it did not
    /// start.
    static std::unique_ptr<PgBenchLoad> startNearlyIdle(const PgServer &server, QString *error);
    ~PgBenchLoad();
    PgBenchLoad(const PgBenchLoad &) = delete;
    PgBenchLoad &operator=(const PgBenchLoad &) = delete;

    /// Starts pgbench; fails if it cannot start or exits within its first moments (bad option, no connection).
    bool start(QString *error);
    /// SIGTERM, then SIGKILL if pgbench has not exited within 5 s. Does nothing when it is not running.
    void stop();
    bool isRunning() const;
    /// Waits for a load with a duration (-T, -t) to end by itself.
    bool waitForFinished(int msecs);
    /// pgbench's exit code, or -1 while it runs or when it was stopped by a signal.
    int exitCode() const;
    /// Everything pgbench has printed so far (stdout and stderr).
    QString output() const;
    QString logFile() const { return m_logFile; }

private:
    const PgServer &m_server;
    QStringList m_arguments;
    std::unique_ptr<QProcess> m_process;
    QString m_logFile;
};

} // namespace vigil::testing
