// SPDX-License-Identifier: MIT
// A private PostgreSQL 15 cluster in a temporary directory: the mechanics shared by `vigil --sandbox` and the
// integration tests' PgServer fixture, so the product and its tests start servers the same way.
#pragma once

#include <QByteArray>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <chrono>
#include <memory>

class QProcess;
class QTemporaryDir;

namespace vigil {

/// What differs between the users of PostgresCluster; everything else is the same for all of them.
struct PostgresClusterOptions
{
    /// Template for the temporary directory, ending in XXXXXX. Keep it short: the socket lives in it.
    QString directoryTemplate;
    /// Names the writer in the comments of the configuration files it adds.
    QString owner;
    int maxConnections = 100;
    /// Replaces pg_hba.conf when set; empty keeps initdb's (trust for local sockets and loopback).
    QByteArray hba;
};

/// How a tool ran: its trimmed stdout and, when it failed, a message naming it with its stderr.
struct ToolResult
{
    bool ok = false;
    QString output;
    QString error;
};

/**
 * @brief A PostgreSQL 15 cluster run from /usr/lib/postgresql/15/bin, owned by this object.
 *
 * create() checks the binaries (an error names scripts/install-deps when they are missing), makes the temporary
 * directory, starts a watchdog, runs initdb (superuser postgres, trust) and adds Vigil's configuration. start()
 * listens on 127.0.0.1 on a free port (chosen on the first start, kept afterwards), with its socket in the
 * directory, pg_stat_statements preloaded (track = all), shared_buffers 128MB, and the server log in logFile().
 * Durability settings stay at their defaults so commits cost what they cost in production.
 *
 * When the process runs as root every tool runs as the system user postgres (the server refuses to run as root)
 * through `setpriv`, and the directory is handed to that user. The watchdog, a detached shell, stops the server
 * and removes the directory if this process dies without running destructors (a crash, SIGKILL).
 *
 * Failing calls leave things as they are: the owner calls remove(), which the destructor also does.
 */
class PostgresCluster
{
public:
    enum class Shutdown {
        Immediate, ///< no checkpoint, crash recovery on the next start; what a throw-away server needs
        Fast, ///< sessions are ended, a checkpoint is written: a clean stop
    };

    explicit PostgresCluster(PostgresClusterOptions options);
    ~PostgresCluster();
    PostgresCluster(const PostgresCluster &) = delete;
    PostgresCluster &operator=(const PostgresCluster &) = delete;

    /// Checks the tools, creates the directory, starts the watchdog, runs initdb and writes the configuration.
    bool create(QString *error);
    /// pg_ctl start -w. The first start picks the port (retrying when another process takes it before the
    /// server binds it); later starts reuse it. On failure the error ends with the tail of the server log.
    bool start(QString *error);
    /// Stops the server with pg_ctl. Immediate also kills a postmaster pg_ctl could not stop. Returns true when
    /// the server is not running afterwards; does nothing when it was not running.
    bool stop(Shutdown mode, QString *error = nullptr);
    /// Immediate stop, then the directory and everything in it is removed. Idempotent.
    void remove();

    /// True between a successful create() and remove().
    bool isCreated() const { return m_dir != nullptr; }
    /// True while the postmaster's pid file exists.
    bool isRunning() const;

    int port() const { return m_port; }
    static QString host();
    /// The superuser initdb created; clients reach it over TCP without a password (trust).
    static QString superuser();
    static QString binDirectory();
    /// Ends a client tool started with setUpProcess(): SIGTERM so its connections close, SIGKILL if it has not gone
    /// within 5 s. Does nothing when it is not running.
    static void stopTool(QProcess &process);
    QString directory() const;
    QString dataDirectory() const;
    QString logFile() const;

    /// -h, -p and -U for a client tool (psql, pgbench) connecting over TCP.
    QStringList connectionArguments(const QString &user) const;
    /// Prepares @p process to run @p tool from binDirectory(): as postgres when root, in directory(), with an
    /// environment free of the caller's PG* variables and of ~/.pgpass, stdin from /dev/null.
    void setUpProcess(QProcess &process, const QString &tool, const QStringList &arguments,
        const QProcessEnvironment &extraEnvironment = {}) const;
    /// Runs @p tool to completion, killing it after @p timeout.
    ToolResult run(const QString &tool, const QStringList &arguments, std::chrono::milliseconds timeout,
        const QProcessEnvironment &extraEnvironment = {}) const;
    /// psql -X -w -v ON_ERROR_STOP=1 -At over TCP; each command is its own -c (and its own transaction).
    /// A non-empty @p password travels in PGPASSWORD, never on a command line.
    bool psql(const QString &database, const QString &user, const QString &password, const QStringList &commands,
        QString *output, QString *error) const;
    /// pgbench -i -s @p scale -q into @p database as the superuser (logged tables, as a real database has).
    bool pgbenchInit(const QString &database, int scale, QString *error) const;
    /// Writes @p path, owned by the server's user when root so the server and its tools can read it.
    bool writeOwnedFile(const QString &path, const QByteArray &content, QString *error) const;

private:
    bool checkTools(QString *error);
    bool createDirectory(QString *error);
    void startWatchdog() const;
    bool initCluster(QString *error) const;
    bool writeServerConfig(QString *error) const;
    bool writeSettings(QString *error) const;
    void killStalePostmaster() const;

    PostgresClusterOptions m_options;
    std::unique_ptr<QTemporaryDir> m_dir;
    QProcessEnvironment m_environment;
    QString m_setpriv;
    int m_port = 0;
    bool m_runAsPostgres = false;
    int m_serverUid = -1;
    int m_serverGid = -1;
};

} // namespace vigil
