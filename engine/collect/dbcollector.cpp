// SPDX-License-Identifier: MIT
#include "collect/dbcollector.h"

#include <QDateTime>
#include <QJsonObject>
#include <QThread>

#include <algorithm>
#include <cmath>

namespace vigil {

namespace {
// Every query carries the marker so the collector can recognise (and drop) its own rows in pg_stat_statements.
// mean_exec_time is total / calls: not fetched (each float column returned as text costs on 5,000 rows). The
// database's oid is bound, so the filter is a comparison rather than a subquery.
const QByteArray kStatementsQuery = QByteArray(DbCollector::kMarker)
    + " SELECT queryid, calls, total_exec_time, stddev_exec_time, rows, shared_blks_hit, shared_blks_read,"
      " temp_blks_written FROM pg_stat_statements(false) WHERE dbid = $1 AND toplevel AND queryid IS NOT NULL";
const QByteArray kDatabaseOidQuery
    = QByteArray(DbCollector::kMarker) + " SELECT oid FROM pg_database WHERE datname = current_database()";
const QByteArray kTextsQuery = QByteArray(DbCollector::kMarker)
    + " SELECT queryid, query FROM pg_stat_statements(true) WHERE queryid = ANY($1::bigint[])";
// pg_stat_database, session counts from pg_stat_activity and pg_stat_wal in one round trip. The db_* counts are the
// monitored database's client sessions (and their parallel workers, which run on the host's CPUs too) other than
// Vigil's own (every Vigil connection's application_name starts with "vigil"): the workload. The cluster-wide counts
// are client sessions only. Session times, pg_stat_wal and query_id exist from PostgreSQL 14 on; older servers get
// NULLs, which leave those fields absent.
QByteArray databaseQuery(int serverVersionNumber)
{
    const bool modern = serverVersionNumber >= 140000;
    const QByteArray sessionTimes = modern ? "d.active_time, d.idle_in_transaction_time" : "NULL::float8, NULL::float8";
    const QByteArray wal = modern
        ? "w.wal_records, w.wal_fpi, w.wal_bytes, w.wal_write, w.wal_sync, w.wal_write_time, w.wal_sync_time"
        : "NULL::float8, NULL::float8, NULL::float8, NULL::float8, NULL::float8, NULL::float8, NULL::float8";
    const QByteArray walFrom = modern ? ", pg_stat_wal w" : "";
    const QByteArray longIds
        = modern ? "string_agg(s.query_id::text, ',') FILTER (WHERE s.workload AND s.long_running)" : "NULL::text";
    return QByteArray(DbCollector::kMarker)
        + " SELECT d.xact_commit, d.xact_rollback, d.blks_hit, d.blks_read, d.tup_returned, d.tup_fetched,"
          " d.tup_inserted, d.tup_updated, d.tup_deleted, d.temp_bytes, d.deadlocks,"
          " a.total, a.active, a.idle, a.idle_in_transaction, a.waiting,"
          " current_setting('max_connections')::int,"
          " a.db_active, a.db_idle_in_transaction, a.db_waiting, a.db_blocked, a.db_long, a.other_active, "
        + sessionTimes + ", " + wal
        + ", a.long_ids,"
          " (SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'IO') AS io_waiting"
          " FROM pg_stat_database d"
        + walFrom
        + ", (SELECT count(*) FILTER (WHERE s.client) AS total,"
          "   count(*) FILTER (WHERE s.client AND state = 'active') AS active,"
          "   count(*) FILTER (WHERE s.client AND state = 'idle') AS idle,"
          "   count(*) FILTER (WHERE s.client AND s.in_transaction) AS idle_in_transaction,"
          "   count(*) FILTER (WHERE s.client AND wait_event_type = 'Lock') AS waiting,"
          "   count(*) FILTER (WHERE s.workload AND state = 'active') AS db_active,"
          "   count(*) FILTER (WHERE s.workload AND s.in_transaction) AS db_idle_in_transaction,"
          "   count(*) FILTER (WHERE s.workload AND wait_event_type = 'Lock') AS db_waiting,"
          "   count(*) FILTER (WHERE s.workload AND wait_event_type = 'Lock' AND EXISTS (SELECT 1"
          "     FROM pg_stat_activity b WHERE b.pid = ANY (pg_blocking_pids(s.pid))"
          "     AND b.application_name NOT LIKE 'vigil%')) AS db_blocked,"
          "   count(*) FILTER (WHERE s.workload AND s.long_running) AS db_long,"
          "   count(*) FILTER (WHERE NOT s.vigil AND s.datname <> current_database() AND state = 'active')"
          "     AS other_active, "
        + longIds
        + " AS long_ids"
          "  FROM (SELECT p.*, p.backend_type = 'client backend' AS client,"
          "     p.application_name LIKE 'vigil%' OR p.pid = pg_backend_pid() AS vigil,"
          "     p.datname = current_database() AND p.application_name NOT LIKE 'vigil%'"
          "       AND p.pid <> pg_backend_pid() AS workload,"
          "     p.state IN ('idle in transaction', 'idle in transaction (aborted)') AS in_transaction,"
          // Running now for over a second, or working in a transaction open for over two: pg_dump runs short COPYs
          // in one long transaction, idle in it only for the moments between them. A session idle in its open
          // transaction for over a second does no work (a pool that forgot to commit): counting it confounded every
          // sample of a window while it lasted.
          "     (p.state = 'active' AND p.query_start < statement_timestamp() - interval '1 second')"
          "       OR (p.xact_start < statement_timestamp() - interval '2 seconds'"
          "         AND (p.state = 'active' OR p.state_change > statement_timestamp() - interval '1 second'))"
          "       AS long_running"
          "    FROM pg_stat_activity p WHERE p.backend_type IN ('client backend', 'parallel worker')) s) a"
          " WHERE d.datname = current_database()";
}
const QByteArray kInstalledQuery = QByteArray(DbCollector::kMarker)
    + " SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements')";
// Fails with "must be loaded via shared_preload_libraries" when the library is not loaded.
const QByteArray kProbeQuery
    = QByteArray(DbCollector::kMarker) + " SELECT count(*) FROM (SELECT 1 FROM pg_stat_statements(false) LIMIT 1) s";
const QByteArray kSeesAllQuery
    = QByteArray(DbCollector::kMarker) + " SELECT pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER')";

// A statement no client writes, so its pg_stat_statements row is the collector's own (recognised by the marker)
// and not a client's health check: a `SELECT 1` would share its queryid with every pool's.
const QByteArray kSpeedProbeQuery = QByteArray(DbCollector::kMarker) + " SELECT 1::int2 + 1::int2 AS vigil_probe";
// A fixed unit of CPU work: a set-returning function in the select list (a ProjectSet, evaluated row by row, so no
// tuplestore that a small work_mem would send to disk) counted; 1-2 ms on this project's VM. Its plan has no choice
// in it; JIT, the only setting left that could change its cost, is off in the collector's session. Half the work,
// timed once by the server itself, followed the workload far less (docs/guard.md, "The machine's speed at work").
const QByteArray kCpuProbeQuery = QByteArray(DbCollector::kMarker)
    + " SELECT count(*) AS vigil_cpu_probe FROM (SELECT generate_series(1, 20000)) AS work";
const QByteArray kNoJitQuery = QByteArray(DbCollector::kMarker) + " SET jit = off";

constexpr int kMaxBackoffMs = 30000;

/// pg_stat_statements keeps a row per (role, database, queryid, top level): the same statement run by two roles is
/// two rows. One Snapshot row per queryid: counts and times add up; mean and stddev are recomputed from the summed
/// sum of squares. The input is sorted by queryId.
void mergeSameQuery(std::vector<StatementCounters> &rows)
{
    auto out = rows.begin();
    for (auto it = rows.begin(); it != rows.end();) {
        StatementCounters merged = *it;
        double sumSquares = it->sumOfSquares();
        auto next = it + 1;
        for (; next != rows.end() && next->queryId == it->queryId; ++next) {
            merged.calls += next->calls;
            merged.totalExecMs += next->totalExecMs;
            merged.rows += next->rows;
            merged.sharedBlksHit += next->sharedBlksHit;
            merged.sharedBlksRead += next->sharedBlksRead;
            merged.tempBlksWritten += next->tempBlksWritten;
            sumSquares += next->sumOfSquares();
        }
        if (next - it > 1 && merged.calls > 0) {
            merged.meanExecMs = merged.totalExecMs / merged.calls;
            merged.stddevExecMs
                = std::sqrt(std::max(0.0, sumSquares / merged.calls - merged.meanExecMs * merged.meanExecMs));
        }
        *out++ = merged;
        it = next;
    }
    rows.erase(out, rows.end());
}

double nowSeconds()
{
    return double(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
}
} // namespace

DbCollector::DbCollector(QString conninfo, int statementTimeoutMs)
    : m_conninfo(std::move(conninfo))
    , m_statementTimeoutMs(statementTimeoutMs)
{ }

bool DbCollector::connect(QString *error)
{
    QString why;
    if (!m_connection.open(m_conninfo, QString::fromLatin1(kApplicationName), m_statementTimeoutMs, kMarker, &why)) {
        noteFailure(why);
        if (error)
            *error = why;
        return false;
    }
    m_backoffMs = 0;
    m_lastError.clear();
    m_countersQuery.clear();
    const int v = m_connection.serverVersionNumber();
    m_serverVersion = QStringLiteral("%1.%2").arg(v / 10000).arg(v % 10000);
    m_identity = TargetIdentity::of(m_connection);
    // A session setting outranks ALTER SYSTEM and postgresql.conf: no action on the server can turn JIT on for the
    // CPU probe. Without it the probe is not taken (an action could change its cost).
    m_cpuProbeShielded = m_connection.query(kNoJitQuery).has_value();

    probeStatementStatistics();
    return true;
}

void DbCollector::probeStatementStatistics()
{
    // Only catalogs every role can read: shared_preload_libraries itself needs superuser or pg_read_all_settings.
    m_hasStatements = false;
    m_statementsAdvice.clear();
    const QString database = m_connection.database();
    const std::optional<PgRows> installed = m_connection.query(kInstalledQuery);
    if (!installed || installed->rows() != 1 || installed->value(0, 0) != "t") {
        m_statementsAdvice = QStringLiteral(
            "pg_stat_statements is not installed in database %1: add it to shared_preload_libraries in "
            "postgresql.conf if it is not there (then restart PostgreSQL) and run CREATE EXTENSION pg_stat_statements; "
            "in %1. Until then Vigil watches throughput, sessions and the host, but not statement latency.")
                                 .arg(database);
        return;
    }
    QString error;
    if (!m_connection.query(kProbeQuery, {}, &error)) {
        m_statementsAdvice = QStringLiteral(
            "pg_stat_statements is installed but cannot be read (%1): if it is not loaded, add it to "
            "shared_preload_libraries in postgresql.conf and restart PostgreSQL. Until then Vigil watches throughput, "
            "sessions and the host, but not statement latency.")
                                 .arg(error);
        return;
    }
    if (const std::optional<PgRows> oid = m_connection.query(kDatabaseOidQuery); oid && oid->rows() == 1)
        m_databaseOid = QString::fromLatin1(oid->value(0, 0));
    m_hasStatements = true;
    // Without pg_read_all_stats a role sees only its own statements: latency then covers part of the workload.
    const std::optional<PgRows> privileged = m_connection.query(kSeesAllQuery);
    if (privileged && privileged->rows() == 1 && privileged->value(0, 0) != "t")
        m_statementsAdvice = QStringLiteral("role %1 sees only its own statements in pg_stat_statements: GRANT "
                                            "pg_read_all_stats (or pg_monitor) TO %1 so Vigil sees the whole workload")
                                 .arg(m_connection.user());
}

bool DbCollector::reconnectDue() const
{
    return !m_sinceFailure.isValid() || m_sinceFailure.elapsed() >= m_backoffMs;
}

void DbCollector::noteFailure(const QString &error)
{
    m_lastError = error;
    m_backoffMs = m_backoffMs == 0 ? 1000 : std::min(kMaxBackoffMs, m_backoffMs * 2);
    m_sinceFailure.start();
}

std::optional<Snapshot> DbCollector::collect(bool withStatements, bool withCpuProbe)
{
    if (!m_connection.isOpen()) {
        if (!reconnectDue()) {
            m_lastError = QStringLiteral("not connected; retrying in %1 s")
                              .arg((m_backoffMs - m_sinceFailure.elapsed()) / 1000.0, 0, 'f', 1);
            return std::nullopt;
        }
        if (!connect())
            return std::nullopt;
    }
    Snapshot snapshot;
    const double before = nowSeconds();
    if (!readDatabaseAndActivity(snapshot))
        return std::nullopt;
    const double after = nowSeconds();
    snapshot.t = 0.5 * (before + after);
    snapshot.probeMs = medianTimedMs("vigil_speed_probe", kSpeedProbeQuery, kProbeRoundTrips);
    if (withCpuProbe && m_cpuProbeShielded)
        snapshot.cpuProbeMs = medianTimedMs("vigil_cpu_probe", kCpuProbeQuery, kCpuProbeRuns);
    if (withStatements && m_hasStatements && !readStatements(snapshot))
        return std::nullopt;
    return snapshot;
}

bool DbCollector::readDatabaseAndActivity(Snapshot &s)
{
    QString error;
    if (m_countersQuery.isEmpty())
        m_countersQuery = databaseQuery(m_connection.serverVersionNumber());
    const std::optional<PgRows> rows = m_connection.queryPrepared("vigil_counters", m_countersQuery, {}, &error);
    if (!rows || rows->rows() != 1) {
        noteFailure(rows ? QStringLiteral("pg_stat_database has no row for this database") : error);
        return false;
    }
    s.db.xactCommit = rows->number(0, 0);
    s.db.xactRollback = rows->number(0, 1);
    s.db.blksHit = rows->number(0, 2);
    s.db.blksRead = rows->number(0, 3);
    s.db.tupReturned = rows->number(0, 4);
    s.db.tupFetched = rows->number(0, 5);
    s.db.tupInserted = rows->number(0, 6);
    s.db.tupUpdated = rows->number(0, 7);
    s.db.tupDeleted = rows->number(0, 8);
    s.db.tempBytes = rows->number(0, 9);
    s.db.deadlocks = rows->number(0, 10);
    s.activity.total = rows->number(0, 11);
    s.activity.active = rows->number(0, 12);
    s.activity.idle = rows->number(0, 13);
    s.activity.idleInTransaction = rows->number(0, 14);
    s.activity.waiting = rows->number(0, 15);
    s.activity.maxConnections = rows->number(0, 16);
    s.activity.dbActive = rows->number(0, 17);
    s.activity.dbIdleInTransaction = rows->number(0, 18);
    s.activity.dbWaiting = rows->number(0, 19);
    s.activity.dbBlockedByOthers = rows->number(0, 20);
    s.activity.dbLongRunning = rows->number(0, 21);
    s.activity.otherDbActive = rows->number(0, 22);
    s.db.activeTimeMs = rows->number(0, 23);
    s.db.idleInTransactionTimeMs = rows->number(0, 24);
    s.wal.records = rows->number(0, 25);
    s.wal.fullPageImages = rows->number(0, 26);
    s.wal.bytes = rows->number(0, 27);
    s.wal.writes = rows->number(0, 28);
    s.wal.syncs = rows->number(0, 29);
    s.wal.writeTimeMs = rows->number(0, 30);
    s.wal.syncTimeMs = rows->number(0, 31);
    for (const QByteArray &id : rows->value(0, 32).split(','))
        if (bool ok = false; !id.isEmpty() && (id.toLongLong(&ok), ok))
            s.longRunningQueryIds.push_back(id.toLongLong());
    s.activity.ioWaiting = rows->number(0, 33);
    return true;
}

std::optional<double> DbCollector::medianTimedMs(const char *name, const QByteArray &sql, int runs)
{
    std::vector<double> ms;
    ms.reserve(std::size_t(runs));
    QElapsedTimer clock;
    for (int i = 0; i < runs; ++i) {
        QThread::msleep(kProbeGapMs);
        clock.start();
        if (!m_connection.queryPrepared(name, sql))
            return std::nullopt; // a broken connection shows in the next tick's statistics query
        ms.push_back(double(clock.nsecsElapsed()) / 1e6);
    }
    std::nth_element(ms.begin(), ms.begin() + runs / 2, ms.end());
    return ms[std::size_t(runs / 2)];
}

bool DbCollector::readStatements(Snapshot &s)
{
    QString error;
    const std::optional<PgRows> rows
        = m_connection.queryPrepared("vigil_statements", kStatementsQuery, { m_databaseOid }, &error, true);
    if (!rows) {
        noteFailure(error);
        return false;
    }
    s.hasStatements = true;
    s.statements.reserve(std::size_t(rows->rows()));
    std::vector<qint64> unknown;
    for (int r = 0; r < rows->rows(); ++r) {
        const qint64 id = rows->integer(r, 0).value_or(0);
        if (m_ownQueries.contains(id))
            continue;
        if (!m_texts.contains(id))
            unknown.push_back(id);
        StatementCounters c;
        c.queryId = id;
        c.calls = rows->number(r, 1).value_or(0);
        c.totalExecMs = rows->number(r, 2).value_or(0);
        c.meanExecMs = c.calls > 0 ? c.totalExecMs / c.calls : 0.0;
        c.stddevExecMs = rows->number(r, 3).value_or(0);
        c.rows = rows->number(r, 4).value_or(0);
        c.hasBlocks = true;
        c.sharedBlksHit = rows->number(r, 5).value_or(0);
        c.sharedBlksRead = rows->number(r, 6).value_or(0);
        c.tempBlksWritten = rows->number(r, 7).value_or(0);
        s.statements.push_back(c);
    }
    if (!unknown.empty()) {
        fetchNewTexts(unknown);
        // Statements that turned out to be the collector's own are dropped from this tick too.
        s.statements.erase(std::remove_if(s.statements.begin(), s.statements.end(),
                               [this](const StatementCounters &c) { return m_ownQueries.contains(c.queryId); }),
            s.statements.end());
    }
    std::sort(s.statements.begin(), s.statements.end(),
        [](const StatementCounters &a, const StatementCounters &b) { return a.queryId < b.queryId; });
    mergeSameQuery(s.statements);
    return true;
}

std::optional<DbCollector::IndexBuildProgress> DbCollector::indexBuildProgress(int backendPid)
{
    const std::optional<PgRows> rows = m_connection.query(QByteArray(kMarker)
            + " SELECT phase, blocks_done, blocks_total, tuples_done, tuples_total"
              " FROM pg_stat_progress_create_index WHERE pid = $1",
        { QString::number(backendPid) });
    if (!rows || rows->rows() == 0)
        return std::nullopt;
    IndexBuildProgress p;
    p.phase = QString::fromUtf8(rows->value(0, 0));
    // Blocks while scanning the table, tuples while sorting and loading: whichever the phase counts.
    const double blocksTotal = rows->number(0, 2).value_or(0);
    const double tuplesTotal = rows->number(0, 4).value_or(0);
    if (blocksTotal > 0)
        p.percent = 100.0 * rows->number(0, 1).value_or(0) / blocksTotal;
    else if (tuplesTotal > 0)
        p.percent = 100.0 * rows->number(0, 3).value_or(0) / tuplesTotal;
    return p;
}

std::optional<QJsonArray> DbCollector::sessions(int limit, QString *error)
{
    const std::optional<PgRows> rows = m_connection.query(QByteArray(kMarker)
            + " SELECT a.pid, coalesce(a.usename, ''), coalesce(a.application_name, ''),"
              " coalesce(host(a.client_addr), 'local'), coalesce(a.state, ''), coalesce(a.wait_event_type, ''),"
              " coalesce(a.wait_event, ''), extract(epoch FROM now() - a.query_start)::float8,"
              " extract(epoch FROM now() - a.xact_start)::float8, left(a.query, 500),"
              " array_to_string(b.pids, ',')"
              // pg_blocking_pids once per session (it takes the lock manager's locks), for the column and the order.
              " FROM pg_stat_activity a CROSS JOIN LATERAL (SELECT pg_blocking_pids(a.pid) AS pids) b"
              " WHERE a.datname = current_database() AND a.backend_type = 'client backend'"
              " AND a.pid <> pg_backend_pid()"
              // Blocked first, then active by how long they run, then the rest.
              " ORDER BY cardinality(b.pids) > 0 DESC, a.state = 'active' DESC, a.query_start NULLS LAST LIMIT $1",
        { QString::number(limit) }, error);
    if (!rows)
        return std::nullopt;
    QJsonArray out;
    for (int r = 0; r < rows->rows(); ++r) {
        QJsonArray blockedBy;
        for (const QByteArray &pid : rows->value(r, 10).split(','))
            if (!pid.isEmpty())
                blockedBy.append(pid.toInt());
        const auto seconds = [&rows, r](int column) {
            return rows->isNull(r, column) ? QJsonValue(QJsonValue::Null)
                                           : QJsonValue(rows->number(r, column).value_or(0));
        };
        out.append(QJsonObject { { QStringLiteral("pid"), rows->value(r, 0).toInt() },
            { QStringLiteral("user"), QString::fromUtf8(rows->value(r, 1)) },
            { QStringLiteral("application"), QString::fromUtf8(rows->value(r, 2)) },
            { QStringLiteral("client"), QString::fromUtf8(rows->value(r, 3)) },
            { QStringLiteral("state"), QString::fromUtf8(rows->value(r, 4)) },
            { QStringLiteral("wait_event_type"), QString::fromUtf8(rows->value(r, 5)) },
            { QStringLiteral("wait_event"), QString::fromUtf8(rows->value(r, 6)) },
            { QStringLiteral("query_seconds"), seconds(7) }, { QStringLiteral("xact_seconds"), seconds(8) },
            { QStringLiteral("query"), QString::fromUtf8(rows->value(r, 9)) },
            { QStringLiteral("blocked_by"), blockedBy } });
    }
    return out;
}

std::optional<DbCollector::LockWait> DbCollector::lockWait(int backendPid)
{
    const std::optional<PgRows> rows = m_connection.query(QByteArray(kMarker)
            + " SELECT l.locktype, b.pid, extract(epoch FROM now() - b.xact_start)"
              " FROM (SELECT locktype FROM pg_locks WHERE pid = $1 AND NOT granted LIMIT 1) l"
              " LEFT JOIN pg_stat_activity b ON b.pid = ANY (pg_blocking_pids($1))"
              " ORDER BY b.xact_start",
        { QString::number(backendPid) });
    if (!rows || rows->rows() == 0)
        return std::nullopt;
    LockWait wait;
    wait.lockType = QString::fromUtf8(rows->value(0, 0));
    for (int r = 0; r < rows->rows(); ++r) {
        if (rows->isNull(r, 1))
            continue;
        wait.blockers.push_back({ rows->value(r, 1).toInt(), rows->number(r, 2) });
    }
    return wait;
}

void DbCollector::fetchNewTexts(const std::vector<qint64> &queryIds)
{
    QStringList ids;
    ids.reserve(qsizetype(queryIds.size()));
    for (qint64 id : queryIds)
        ids << QString::number(id);
    const QString array = u'{' + ids.join(u',') + u'}';
    const std::optional<PgRows> rows = m_connection.query(kTextsQuery, { array });
    if (!rows)
        return; // texts are a nicety: the numbers are already in hand, try again next time
    const QString marker = QString::fromLatin1(kMarker);
    for (int r = 0; r < rows->rows(); ++r) {
        const qint64 id = rows->value(r, 0).toLongLong();
        const QString text = QString::fromUtf8(rows->value(r, 1));
        if (text.contains(marker))
            m_ownQueries.insert(id);
        else
            m_texts.insert(id, text);
    }
    // A queryid without a text row (evicted meanwhile) is remembered with an empty text so it is not refetched.
    for (qint64 id : queryIds)
        if (!m_texts.contains(id) && !m_ownQueries.contains(id))
            m_texts.insert(id, QString());
}

} // namespace vigil
