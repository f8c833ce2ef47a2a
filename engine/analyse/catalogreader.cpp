// SPDX-License-Identifier: MIT
#include "analyse/catalogreader.h"

#include "analyse/predicateextractor.h"
#include "collect/dbcollector.h"
#include "collect/pgconnection.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <algorithm>

namespace vigil {

namespace {

QByteArray marked(const char *sql)
{
    return QByteArray(DbCollector::kMarker) + ' ' + sql;
}

const char *kSettingsQuery = "SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers', "
                             "'effective_cache_size', 'work_mem', 'max_connections', "
                             "'idle_in_transaction_session_timeout')";

const char *kDatabaseQuery = "SELECT extract(epoch FROM now() - coalesce(s.stats_reset, pg_postmaster_start_time())), "
                             "EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'hypopg'), extract(epoch FROM now()) "
                             "FROM pg_stat_database s WHERE s.datname = current_database()";

// pg_database_size() stats every file of the database: thousands of tables make it the dearest query here, and the
// size moves slowly, so it is read at most every kDatabaseSizeEverySeconds.
const char *kDatabaseSizeQuery = "SELECT pg_database_size(current_database())";
constexpr double kDatabaseSizeEverySeconds = 600;

// The tables read most by sequential scans, with their columns (as a JSON array: names may hold any character).
// The statistics functions are called directly: the pg_stat_user_tables view would compute twenty of them for
// every table of the database before keeping a hundred.
const char *kTablesQuery
    = "SELECT t.nspname, t.relname, t.seq_scan, t.seq_tup_read, "
      "(SELECT coalesce(sum(pg_stat_get_numscans(i.indexrelid)), 0) FROM pg_index i WHERE i.indrelid = t.oid), "
      "pg_stat_get_live_tuples(t.oid), pg_relation_size(t.oid), "
      "(SELECT json_agg(a.attname ORDER BY a.attnum) FROM pg_attribute a "
      " WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped) "
      "FROM (SELECT c.oid, n.nspname, c.relname, pg_stat_get_numscans(c.oid) AS seq_scan, "
      "      pg_stat_get_tuples_returned(c.oid) AS seq_tup_read "
      "      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "      WHERE c.relkind IN ('r', 'm', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
      "      AND n.nspname !~ '^pg_toast' AND pg_stat_get_numscans(c.oid) > 0 "
      "      ORDER BY 5 DESC LIMIT 100) t";

// Every user index with what it backs: a constraint's own index, one a foreign key of another table references
// (conindid), and one whose leading columns are a foreign key of its own table (RI checks on delete use it).
const char *kIndexesQuery
    = "SELECT s.schemaname, s.relname, s.indexrelname, s.idx_scan, pg_relation_size(s.indexrelid), i.indisvalid, "
      "i.indisunique OR i.indisprimary, "
      "i.indisexclusion OR EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = s.indexrelid), "
      "EXISTS (SELECT 1 FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = s.relid "
      "  AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey "
      "  AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey), "
      "(SELECT a.attname FROM pg_attribute a WHERE a.attrelid = s.relid AND a.attnum = i.indkey[0]), "
      "pg_get_indexdef(s.indexrelid) "
      "FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid";

// The statements of this database that cost the most, without their text: reading the texts means reading
// pg_stat_statements' whole text file, so they are fetched once per new queryid (kTextsQuery) and kept.
const char *kStatementsQuery
    = "SELECT queryid, calls, total_exec_time, temp_blks_written, shared_blks_read "
      "FROM pg_stat_statements(false) WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
      "ORDER BY total_exec_time DESC LIMIT 200";
constexpr std::size_t kStatementsKept = 200; ///< the LIMIT above
const char *kTextsQuery = "SELECT queryid, query FROM pg_stat_statements(true) WHERE queryid = ANY($1::bigint[])";

std::optional<double> toBaseUnit(const std::optional<double> &value, const QByteArray &unit)
{
    if (!value)
        return std::nullopt;
    if (unit == "8kB")
        return *value * 8192;
    if (unit == "kB")
        return *value * 1024;
    if (unit == "MB")
        return *value * 1024 * 1024;
    if (unit == "s")
        return *value * 1000; // durations in ms
    return value;
}

} // namespace

CatalogReader::CatalogReader(PgConnection &connection)
    : m_connection(connection)
{ }

std::optional<CatalogSnapshot> CatalogReader::read(QString *error, const SharedStatements *shared)
{
    CatalogSnapshot c;
    const std::optional<PgRows> settings = m_connection.query(marked(kSettingsQuery), {}, error);
    if (!settings)
        return std::nullopt;
    for (int r = 0; r < settings->rows(); ++r) {
        const QByteArray name = settings->value(r, 0);
        const std::optional<double> v = toBaseUnit(settings->number(r, 1), settings->value(r, 2));
        if (name == "shared_buffers")
            c.settings.sharedBuffersBytes = v;
        else if (name == "effective_cache_size")
            c.settings.effectiveCacheSizeBytes = v;
        else if (name == "work_mem")
            c.settings.workMemBytes = v;
        else if (name == "max_connections")
            c.settings.maxConnections = v;
        else if (name == "idle_in_transaction_session_timeout")
            c.settings.idleInTransactionTimeoutMs = v;
    }

    const std::optional<PgRows> db = m_connection.query(marked(kDatabaseQuery), {}, error);
    if (!db || db->rows() != 1)
        return std::nullopt;
    c.statsAgeSeconds = db->number(0, 0);
    c.hypopgAvailable = db->value(0, 1) == "t";
    c.t = db->number(0, 2).value_or(double(QDateTime::currentMSecsSinceEpoch()) / 1000.0);
    if (!m_databaseSize || c.t - m_databaseSizeAt >= kDatabaseSizeEverySeconds) {
        const std::optional<PgRows> size = m_connection.query(marked(kDatabaseSizeQuery), {}, error);
        if (!size || size->rows() != 1)
            return std::nullopt;
        m_databaseSize = size->number(0, 0);
        m_databaseSizeAt = c.t;
    }
    c.databaseSizeBytes = m_databaseSize;

    const std::optional<PgRows> tables = m_connection.query(marked(kTablesQuery), {}, error);
    if (!tables)
        return std::nullopt;
    for (int r = 0; r < tables->rows(); ++r) {
        TableStats t;
        t.schema = QString::fromUtf8(tables->value(r, 0));
        t.name = QString::fromUtf8(tables->value(r, 1));
        t.seqScan = tables->number(r, 2).value_or(0);
        t.seqTupRead = tables->number(r, 3).value_or(0);
        t.idxScan = tables->number(r, 4).value_or(0);
        t.liveTuples = tables->number(r, 5).value_or(0);
        t.sizeBytes = tables->number(r, 6).value_or(0);
        const QJsonArray columns = QJsonDocument::fromJson(tables->value(r, 7)).array();
        for (const QJsonValue &column : columns)
            t.columns.append(column.toString());
        c.tables.push_back(t);
    }

    const std::optional<PgRows> indexes = m_connection.query(marked(kIndexesQuery), {}, error);
    if (!indexes)
        return std::nullopt;
    for (int r = 0; r < indexes->rows(); ++r) {
        IndexStats i;
        i.schema = QString::fromUtf8(indexes->value(r, 0));
        i.table = QString::fromUtf8(indexes->value(r, 1));
        i.name = QString::fromUtf8(indexes->value(r, 2));
        i.idxScan = indexes->number(r, 3).value_or(0);
        i.sizeBytes = indexes->number(r, 4).value_or(0);
        i.valid = indexes->value(r, 5) == "t";
        i.unique = indexes->value(r, 6) == "t";
        i.backsConstraint = indexes->value(r, 7) == "t";
        i.supportsForeignKey = indexes->value(r, 8) == "t";
        i.leadingColumn = QString::fromUtf8(indexes->value(r, 9));
        i.definition = QString::fromUtf8(indexes->value(r, 10));
        c.indexes.push_back(i);
    }

    if (shared)
        takeStatements(c, *shared);
    else if (!readStatements(c, error))
        return std::nullopt;
    return c;
}

bool CatalogReader::readStatements(CatalogSnapshot &c, QString *error)
{
    if (!m_hasStatements)
        return true;
    QString why;
    const std::optional<PgRows> statements = m_connection.query(marked(kStatementsQuery), {}, &why);
    if (!statements) {
        // Not installed or not readable: the statement-based detectors say so; the rest still run. A broken
        // connection is a failure of the whole reading.
        if (!m_connection.isOpen()) {
            if (error)
                *error = why;
            return false;
        }
        m_hasStatements = false;
        return true;
    }
    QStringList unknown;
    for (int r = 0; r < statements->rows(); ++r) {
        const qint64 id = statements->integer(r, 0).value_or(0);
        if (!m_texts.contains(id))
            unknown << QString::number(id);
    }
    if (m_texts.size() > 20000)
        m_texts.clear(); // statements come and go: do not keep every text ever seen
    if (!unknown.isEmpty()) {
        const std::optional<PgRows> texts
            = m_connection.query(marked(kTextsQuery), { u'{' + unknown.join(u',') + u'}' }, error);
        if (!texts)
            return false;
        for (int r = 0; r < texts->rows(); ++r)
            m_texts.insert(texts->integer(r, 0).value_or(0), QString::fromUtf8(texts->value(r, 1)));
        for (const QString &id : unknown) // evicted meanwhile: remembered as unknown text
            if (!m_texts.contains(id.toLongLong()))
                m_texts.insert(id.toLongLong(), QString());
    }
    for (int r = 0; r < statements->rows(); ++r) {
        StatementStats s;
        s.queryId = statements->integer(r, 0).value_or(0);
        s.text = m_texts.value(s.queryId);
        // Vigil's own reads are not the workload.
        if (s.text.contains(QLatin1StringView(DbCollector::kMarker)))
            continue;
        s.calls = statements->number(r, 1).value_or(0);
        s.totalMs = statements->number(r, 2).value_or(0);
        s.tempBlksWritten = statements->number(r, 3).value_or(0);
        s.sharedBlksRead = statements->number(r, 4).value_or(0);
        c.statements.push_back(s);
    }
    return true;
}

void CatalogReader::takeStatements(CatalogSnapshot &c, const SharedStatements &shared)
{
    // The collector keeps every statement of the database (its own left out); the detectors look at those that
    // cost the most, as the reading above does.
    std::vector<const StatementCounters *> costliest;
    costliest.reserve(shared.counters.size());
    for (const StatementCounters &s : shared.counters)
        costliest.push_back(&s);
    const std::size_t keep = std::min<std::size_t>(costliest.size(), kStatementsKept);
    std::partial_sort(costliest.begin(), costliest.begin() + std::ptrdiff_t(keep), costliest.end(),
        [](const StatementCounters *a, const StatementCounters *b) { return a->totalExecMs > b->totalExecMs; });
    for (std::size_t i = 0; i < keep; ++i) {
        const StatementCounters &counters = *costliest[i];
        StatementStats s;
        s.queryId = counters.queryId;
        s.text = shared.texts.value(counters.queryId);
        if (s.text.contains(QLatin1StringView(DbCollector::kMarker)))
            continue;
        s.calls = counters.calls;
        s.totalMs = counters.totalExecMs;
        s.tempBlksWritten = counters.tempBlksWritten;
        s.sharedBlksRead = counters.sharedBlksRead;
        c.statements.push_back(s);
    }
}

std::optional<double> CatalogReader::planCost(const QString &statement, QString *error)
{
    // Parameters stay unknown: a generic plan is what the application's prepared statements get, and it needs no
    // values (NULLs are passed only because EXECUTE wants as many arguments as there are parameters).
    static const QRegularExpression parameter(QStringLiteral("\\$(\\d+)"));
    int count = 0;
    for (auto it = parameter.globalMatch(statement); it.hasNext();)
        count = std::max(count, it.next().captured(1).toInt());
    QStringList nulls;
    for (int i = 0; i < count; ++i)
        nulls << QStringLiteral("NULL");
    // A statement that does not prepare (types it cannot infer) must not abort the surrounding transaction.
    m_connection.query(marked("SAVEPOINT vigil_what_if"));
    const QByteArray prepare = marked("PREPARE vigil_what_if AS ") + statement.toUtf8();
    if (!m_connection.query(prepare, {}, error)) {
        m_connection.query(marked("ROLLBACK TO SAVEPOINT vigil_what_if"));
        return std::nullopt;
    }
    const QByteArray explain = marked("EXPLAIN (FORMAT JSON) EXECUTE vigil_what_if")
        + (count > 0 ? (u'(' + nulls.join(u',') + u')').toUtf8() : QByteArray());
    const std::optional<PgRows> plan = m_connection.query(explain, {}, error);
    m_connection.query(marked(plan ? "RELEASE SAVEPOINT vigil_what_if" : "ROLLBACK TO SAVEPOINT vigil_what_if"));
    // PREPARE is not transactional: the statement outlives the savepoint's rollback, and a DEALLOCATE sent while the
    // failed EXPLAIN had the transaction aborted would be refused, leaving every later PREPARE to fail on the name.
    m_connection.query(marked("DEALLOCATE vigil_what_if"));
    if (!plan || plan->rows() < 1)
        return std::nullopt;
    const QJsonArray doc = QJsonDocument::fromJson(plan->value(0, 0)).array();
    const QJsonValue cost
        = doc.at(0).toObject().value(QLatin1StringView("Plan")).toObject().value(QLatin1StringView("Total Cost"));
    if (!cost.isDouble()) {
        if (error)
            *error = QStringLiteral("EXPLAIN gave no cost");
        return std::nullopt;
    }
    return cost.toDouble();
}

std::optional<QJsonObject> CatalogReader::whatIf(
    const IndexCandidate &candidate, const CatalogSnapshot &catalog, QString *error)
{
    if (!catalog.hypopgAvailable) {
        if (error)
            *error = QStringLiteral("the hypopg extension is not installed in this database");
        return std::nullopt;
    }
    QString why;
    // Read-only and rolled back: planning never writes, and nothing of it may outlive the check.
    if (!m_connection.query(marked("BEGIN READ ONLY"), {}, &why)
        || !m_connection.query(marked("SET LOCAL plan_cache_mode = force_generic_plan"), {}, &why)) {
        m_connection.query(marked("ROLLBACK"));
        if (error)
            *error = why;
        return std::nullopt;
    }
    struct Costs
    {
        qint64 queryId;
        double before;
        double after = 0;
    };
    std::vector<Costs> costs;
    for (qint64 id : candidate.statements) {
        const StatementStats *s = catalog.statement(id);
        if (!s || !PredicateExtractor::isSingleSelect(s->text))
            continue;
        if (const std::optional<double> before = planCost(s->text, &why))
            costs.push_back({ id, *before });
    }
    // hypopg wants the definition without CONCURRENTLY.
    QString definition = candidate.createSql;
    definition.replace(QStringLiteral("CREATE INDEX CONCURRENTLY"), QStringLiteral("CREATE INDEX"));
    const bool created = !costs.empty()
        && m_connection.query(marked("SELECT indexrelid FROM hypopg_create_index($1)"), { definition }, &why);
    QJsonArray planned;
    double before = 0;
    double after = 0;
    if (created) {
        for (Costs &c : costs) {
            const StatementStats *s = catalog.statement(c.queryId);
            const std::optional<double> cost = planCost(s->text, &why);
            c.after = cost.value_or(c.before);
            before += c.before;
            after += c.after;
            planned.append(QJsonObject { { QStringLiteral("queryid"), QString::number(c.queryId) },
                { QStringLiteral("cost_before"), c.before }, { QStringLiteral("cost_after"), c.after } });
        }
        m_connection.query(marked("SELECT hypopg_reset()"));
    }
    m_connection.query(marked("ROLLBACK"));
    if (planned.isEmpty() || before <= 0) {
        if (error)
            *error = why.isEmpty() ? QStringLiteral("no statement of the candidate could be planned") : why;
        return std::nullopt;
    }
    return QJsonObject { { QStringLiteral("method"), QStringLiteral("hypopg, generic plans") },
        { QStringLiteral("statements"), planned }, { QStringLiteral("cost_before"), before },
        { QStringLiteral("cost_after"), after }, { QStringLiteral("cost_reduction"), 1.0 - after / before } };
}

} // namespace vigil
