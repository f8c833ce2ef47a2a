// SPDX-License-Identifier: MIT
// A real, private PostgreSQL 15 for integration tests: its own data directory in /tmp, its own port, torn down
// with the object. Tests bring their server instead of skipping when none is around.
#pragma once

#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <memory>

class QByteArray;
class QProcess;

namespace vigil {
class PostgresCluster;
}

namespace vigil::testing {

/**
 * @brief A PostgreSQL 15 cluster started from /usr/lib/postgresql/15/bin for the lifetime of this object.
 *
 * start() runs initdb in a fresh /tmp/vigil-pg-XXXXXX directory, listens on 127.0.0.1 on a free port, preloads
 * pg_stat_statements (track = all), creates the database vigil_test with that extension, and the role vigil_pw
 * (password s3cret-pw) which, unlike every other role, must give its password over TCP. Durability settings stay
 * at their defaults (fsync on, synchronous_commit on) so commits cost what they cost in production.
 *
 * When the process runs as root every PostgreSQL tool runs as the system user postgres, because the server
 * refuses to run as root. The destructor stops the server and removes the directory; a detached watchdog does
 * the same if the test process dies without running destructors.
 *
 * Errors come back as text naming the tool, its output and, when the server failed, the tail of its log.
 *
 * The mechanics (binaries, root handling, port, initdb, configuration, start/stop, watchdog) are
 * vigil::PostgresCluster's, which `vigil --sandbox` uses too; this class adds what tests need on top.
 */
class PgServer
{
public:
    PgServer();
    ~PgServer();
    PgServer(const PgServer &) = delete;
    PgServer &operator=(const PgServer &) = delete;

    /// Creates, configures and starts the cluster. On failure nothing is left running or on disk.
    bool start(QString *error);
    /// Immediate shutdown (no checkpoint). Does nothing when the server is not running.
    void stop();
    /// Fast shutdown (clean, with a checkpoint), then starts again on the same port and data directory.
    bool restart(QString *error);
    /// True while the postmaster's pid file exists.
    bool isRunning() const;

    int port() const;
    QString host() const;
    QString database() const;
    /// "host=127.0.0.1 port=N dbname=vigil_test user=USER", for libpq and QPSQL.
    QString conninfo(const QString &user = QStringLiteral("postgres")) const;
    /// The temporary directory holding the data directory, the log, the socket and written files.
    QString directory() const;
    QString dataDirectory() const;
    QString logFile() const;

    /// Runs @p sql with psql as postgres in vigil_test; @p output gets its unaligned, tuples-only stdout, trimmed.
    bool psql(const QString &sql, QString *output = nullptr, QString *error = nullptr) const;
    /// Same as psql() as @p user over TCP. A non-empty @p password travels in PGPASSWORD, never on a command line;
    /// an empty one means no password at all (psql never prompts).
    bool psqlAs(const QString &user, const QString &password, const QString &sql, QString *output = nullptr,
        QString *error = nullptr) const;
    /// current_setting(@p name) as the server has it now (empty when psql fails or @p name is not a setting's name).
    QString setting(const QString &name) const;
    /// pgbench -i -s @p scale -q into vigil_test (logged tables, as a real database has).
    bool pgbenchInit(int scale, QString *error) const;

    /// Writes @p content to @p name in directory(), readable by the server's user (for pgbench -f scripts).
    /// Returns the absolute path, or an empty string on failure.
    QString writeFile(const QString &name, const QByteArray &content, QString *error = nullptr) const;

    /// -h, -p and -U for a client tool (psql, pgbench) connecting over TCP.
    QStringList connectionArguments(const QString &user = QStringLiteral("postgres")) const;
    /// Prepares @p process to run @p tool from binDirectory() the way this server's own tools run: as postgres
    /// when root, in directory(), with an environment free of the caller's PG* variables, stdin from /dev/null.
    void setUpProcess(QProcess &process, const QString &tool, const QStringList &arguments,
        const QProcessEnvironment &extraEnvironment = {}) const;

    static QString binDirectory();

private:
    bool createObjects(QString *error) const;

    // The server mechanics, shared with `vigil --sandbox`.
    std::unique_ptr<PostgresCluster> m_cluster;
};

} // namespace vigil::testing
