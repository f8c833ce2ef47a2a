// SPDX-License-Identifier: MIT
// `vigil --sandbox`: a private PostgreSQL 15 with pgbench data and a steady workload, so a new user sees live
// charts and can try a guarded change without touching a real server. Everything goes away with the object.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>

class QProcess;
class QTimer;

namespace vigil {

class PostgresCluster;
class SandboxShowcase;

struct SandboxOptions
{
    /// pgbench scale factor: 100,000 accounts per unit (10 is about 160 MB on disk).
    int scale = 10;
    /// The workload: pgbench clients and threads, and its rate in transactions per second. The rate makes it an
    /// open loop: clients arrive on a schedule, as a real application's do, instead of as fast as they can.
    int clients = 4;
    int threads = 2;
    int rate = 300;
    /// Adds SandboxShowcase: a lookup without its index and a client hoarding sessions idle in a transaction, for
    /// the detectors to find. `vigil --sandbox` turns it on; the tests that measure the guard on the plain workload
    /// leave it off.
    bool showcase = false;
};

/**
 * @brief A throw-away PostgreSQL 15 under a steady pgbench TPC-B-like workload.
 *
 * start() creates a cluster in /tmp/vigil-sandbox-XXXXXX (see PostgresCluster: a free port on 127.0.0.1,
 * pg_stat_statements preloaded with track = all, shared_buffers 128MB, max_connections 100, the server log in
 * the directory), the database vigil_sandbox with pg_stat_statements, pgbench tables at the configured scale,
 * and starts `pgbench -n -c 4 -j 2 -R 300 -T 86400` against it. The workload is started again whenever it exits
 * while the server runs. stop() (also run by the destructor) removes all of it; a watchdog does the same if the
 * application dies without running destructors.
 *
 * start() blocks for a few seconds (initdb, pgbench -i; about 2 s at scale 1) and reports each step to the
 * progress callback first, which is where a GUI keeps painting (processEvents). The workload is supervised through
 * the event loop of the thread the object lives in; its QProcess and QTimer are children of this object.
 */
class Sandbox : public QObject
{
    Q_OBJECT

public:
    using ProgressCallback = std::function<void(const QString &step)>;

    explicit Sandbox(QObject *parent = nullptr);
    explicit Sandbox(const SandboxOptions &options, QObject *parent = nullptr);
    ~Sandbox() override;

    /// Called with "initialising the cluster", "starting PostgreSQL", "loading pgbench data (scale N)",
    /// "starting the workload" and, with the showcase, "adding a missing index and a hoarding client", each before
    /// that step runs.
    void setProgressCallback(ProgressCallback callback);

    /// Builds and starts everything. On failure nothing is left running or on disk and @p error says why
    /// (a missing PostgreSQL names scripts/install-deps).
    bool start(QString *error);
    /// Stops the workload, shuts the server down (fast), removes the directory. Idempotent.
    void stop();

    bool isRunning() const;
    /// "host=127.0.0.1 port=N dbname=vigil_sandbox user=postgres" (trust, no password); empty when not running.
    QString conninfo() const;
    /// What the status bar shows for this target, e.g. "sandbox (PostgreSQL 15 on 127.0.0.1:41235, pgbench
    /// scale 10)"; empty when not running.
    QString displayName() const;
    int port() const;
    static QString database();
    /// The temporary directory: data directory, server log (postgresql.log), workload output (pgbench.log).
    QString directory() const;
    QString logFile() const;
    SandboxOptions options() const { return m_options; }

    bool isWorkloadRunning() const;
    /// The running pgbench's process id, 0 when none runs.
    qint64 workloadProcessId() const;
    /// The showcase's clients when SandboxOptions::showcase is on and the sandbox runs; null otherwise.
    const SandboxShowcase *showcase() const { return m_showcase.get(); }
    /// How many times the workload was started again after it exited.
    int workloadRestarts() const { return m_workloadRestarts; }

signals:
    /// The workload exited while the server runs; it is started again after @p delayMs.
    void workloadExited(int exitCode, int delayMs);
    void workloadRestarted();

private:
    bool startSteps(QString *error);
    bool createDatabase(QString *error) const;
    bool startWorkload(QString *error);
    void onWorkloadFinished();
    void restartWorkload();
    void stopWorkload();
    void report(const QString &step) const;

    SandboxOptions m_options;
    ProgressCallback m_progress;
    std::unique_ptr<PostgresCluster> m_cluster;
    std::unique_ptr<SandboxShowcase> m_showcase;
    QProcess *m_workload = nullptr;
    QTimer *m_restartTimer = nullptr;
    QElapsedTimer m_workloadClock;
    int m_restartDelayMs = 0;
    int m_workloadRestarts = 0;
    bool m_running = false;
};

} // namespace vigil
