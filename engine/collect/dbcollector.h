// SPDX-License-Identifier: MIT
#pragma once

#include "collect/pgconnection.h"
#include "collect/snapshot.h"
#include "collect/targetidentity.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>
#include <QSet>
#include <QString>

#include <optional>

namespace vigil {

/**
 * Reads the target's statistics into Snapshots over its own libpq connection (never the executor's, so sampling
 * never waits behind an action), with a statement_timeout on every query.
 *
 * - pg_stat_statements is read without query text (pg_stat_statements(false)); a statement's text is fetched
 *   once, when its queryid is first seen. The collector's own queries carry the marker comment kMarker and are
 *   left out of every Snapshot. It never resets pg_stat_statements.
 * - When the server goes away the collector returns gaps (nothing, with the reason) and reconnects with
 *   exponential backoff (1 s, 2 s, 4 s ... 30 s). It never invents numbers for a tick it could not read.
 * - Snapshot::t is the Unix time (seconds) at the middle of the statistics query: rates divide by measured time.
 */
class DbCollector
{
public:
    static constexpr const char *kApplicationName = "vigil-collector";
    static constexpr const char *kMarker = "/* vigil-collector */";

    explicit DbCollector(QString conninfo, int statementTimeoutMs = 2000);

    /// Connects now; false with the reason when it cannot (the next collect() retries after the backoff).
    bool connect(QString *error = nullptr);
    bool isConnected() const { return m_connection.isOpen(); }

    /// One tick. withStatements reads pg_stat_statements too (the guard's interval); otherwise only the cheap
    /// counters. withCpuProbe times the fixed unit of CPU work too (Snapshot::cpuProbeMs): a few ms of the server's
    /// CPU, so only while an action's baseline and window need it. Empty when the tick could not be read (see
    /// lastError()).
    std::optional<Snapshot> collect(bool withStatements, bool withCpuProbe = false);

    /// True when pg_stat_statements is installed in the target database and preloaded.
    bool hasStatementStatistics() const { return m_hasStatements; }
    /// The target database's client sessions now (pg_stat_activity), the collector's own left out, busiest first:
    /// for each its pid, user, application, client, state, wait event, how long its query and transaction have
    /// run, the start of its query and the pids blocking it (pg_blocking_pids). At most `limit`. Nothing, with the
    /// reason in `error`, when the read fails. Without pg_read_all_stats another role's query reads
    /// "<insufficient privilege>", as PostgreSQL says it.
    std::optional<QJsonArray> sessions(int limit, QString *error = nullptr);
    /// What to do when it is not: the exact steps, for the log and the UI.
    QString statementStatisticsAdvice() const { return m_statementsAdvice; }
    QString lastError() const { return m_lastError; }

    /// Texts of every statement seen so far (queryid -> normalised query), fetched once per new queryid.
    const QHash<qint64, QString> &statementTexts() const { return m_texts; }

    QString serverVersion() const { return m_serverVersion; }
    /// Which server and database libpq connected to (TargetIdentity); its name() names the target everywhere.
    const TargetIdentity &identity() const { return m_identity; }
    /// host:port/dbname as libpq connected to them; never contains a password.
    QString targetName() const { return m_identity.name(); }
    /// Progress of a CREATE INDEX running in another session (pg_stat_progress_create_index), 0-100 with the
    /// phase's name; empty when no build runs in that session.
    struct IndexBuildProgress
    {
        QString phase;
        std::optional<double> percent;
    };
    std::optional<IndexBuildProgress> indexBuildProgress(int backendPid);
    /// What a session waits for, when it waits for a lock: the lock's type ("relation" for a table's lock,
    /// "virtualxid" or "transactionid" for another transaction to end) and the sessions it waits for, with how long
    /// their transactions have been open.
    struct LockWait
    {
        QString lockType;
        struct Blocker
        {
            int pid = 0;
            std::optional<double> transactionSeconds;
        };
        std::vector<Blocker> blockers;
    };
    std::optional<LockWait> lockWait(int backendPid);

    /// The backend pid of the collector's own session (for cost measurements).
    int backendPid() const { return m_connection.backendPid(); }
    /// The connection, for readers that must reuse it (the host metrics over pg_read_file).
    PgConnection &connection() { return m_connection; }

    /// Round trips timed per tick for Snapshot::probeMs: their median is steady against one late wake-up.
    static constexpr int kProbeRoundTrips = 5;
    /// Pause before each round trip: the backend and the CPU go idle between them as the workload's do; back to back
    /// a hot backend hid most of this VM's wander (docs/guard.md).
    static constexpr int kProbeGapMs = 10;
    /// Executions of the CPU probe per tick for Snapshot::cpuProbeMs (1-2 ms each; their median: one alone has a long
    /// tail).
    static constexpr int kCpuProbeRuns = 3;

private:
    void probeStatementStatistics();
    /// The median time (ms, round trip included) of `runs` executions, kProbeGapMs apart, of a prepared statement
    /// (the machine probes: Snapshot::probeMs, Snapshot::cpuProbeMs); empty when one failed.
    std::optional<double> medianTimedMs(const char *name, const QByteArray &sql, int runs);
    bool readStatements(Snapshot &snapshot);
    bool readDatabaseAndActivity(Snapshot &snapshot);
    void fetchNewTexts(const std::vector<qint64> &queryIds);
    bool reconnectDue() const;
    void noteFailure(const QString &error);

    QString m_conninfo;
    int m_statementTimeoutMs;
    PgConnection m_connection;
    bool m_hasStatements = false;
    bool m_cpuProbeShielded = false; ///< JIT is off in the session, so the CPU probe's cost is the machine's alone
    QString m_statementsAdvice;
    QString m_lastError;
    QString m_serverVersion;
    QString m_databaseOid; ///< bound into the statements query
    QByteArray m_countersQuery; ///< made for the server's version at the first reading after a connect
    TargetIdentity m_identity;
    QHash<qint64, QString> m_texts;
    QSet<qint64> m_ownQueries; ///< the collector's own statements, left out of every Snapshot
    QElapsedTimer m_sinceFailure;
    int m_backoffMs = 0;
};

} // namespace vigil
