// SPDX-License-Identifier: MIT
#include "store/knowledgestore.h"

#include "conninfo.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QStringList>
#include <QVariant>

#include <atomic>
#include <cmath>
#include <utility>

namespace vigil {

namespace {

/// The schema this code writes. Bump it with a new entry in migrationSteps().
constexpr int kSchemaVersion = 1;

// Advisory lock keys (two-int form, a key space apart from the one-bigint locks on targets).
constexpr int kLockClass = 0x5647; // "VG"
constexpr int kLockSchema = 1;

// SQL shared by both drivers. `%1` is the id column type and `%2` the timestamp type where they appear: SQLite
// wants INTEGER PRIMARY KEY AUTOINCREMENT (never reuses an id) and ISO-8601 text, PostgreSQL BIGSERIAL and
// TIMESTAMPTZ. DOUBLE PRECISION rather than REAL: REAL is a 4-byte float on PostgreSQL (SQLite reads either as
// its 8-byte REAL).
constexpr char kCreateSchemaVersion[] = R"sql(
    CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)
)sql";

constexpr char kCreateActions[] = R"sql(
    CREATE TABLE actions (
        id %1,
        target TEXT NOT NULL,
        kind TEXT NOT NULL,
        origin TEXT NOT NULL,
        state TEXT NOT NULL,
        apply_sql TEXT NOT NULL,
        rollback_sql TEXT NOT NULL,
        reversible BOOLEAN NOT NULL,
        needs_restart BOOLEAN NOT NULL,
        reason TEXT,
        details TEXT,
        evidence TEXT,
        created_at %2 NOT NULL,
        updated_at %2 NOT NULL
    )
)sql";
constexpr char kIndexActions[] = R"sql(CREATE INDEX actions_target ON actions (target, id))sql";

constexpr char kCreateTransitions[] = R"sql(
    CREATE TABLE transitions (
        id %1,
        action_id BIGINT NOT NULL REFERENCES actions (id),
        from_state TEXT NOT NULL,
        to_state TEXT NOT NULL,
        at %2 NOT NULL,
        reason TEXT,
        evidence TEXT
    )
)sql";
constexpr char kIndexTransitions[] = R"sql(CREATE INDEX transitions_action ON transitions (action_id, id))sql";

constexpr char kCreateSamples[] = R"sql(
    CREATE TABLE samples (
        target TEXT NOT NULL,
        t DOUBLE PRECISION NOT NULL,
        resolution INTEGER NOT NULL DEFAULT 0,
        tps DOUBLE PRECISION,
        qps DOUBLE PRECISION,
        latency_mean_ms DOUBLE PRECISION,
        latency_p95_ms DOUBLE PRECISION,
        latency_p99_ms DOUBLE PRECISION,
        sessions_active DOUBLE PRECISION,
        sessions_total DOUBLE PRECISION,
        max_connections DOUBLE PRECISION,
        cache_hit_ratio DOUBLE PRECISION,
        cpu_pct DOUBLE PRECISION,
        mem_pct DOUBLE PRECISION,
        load1 DOUBLE PRECISION
    )
)sql";
constexpr char kIndexSamples[] = R"sql(CREATE INDEX samples_target_t ON samples (target, t))sql";

/// The metric columns of `samples`, in the order addSample() binds them.
constexpr char kSampleMetrics[] = "tps, qps, latency_mean_ms, latency_p95_ms, latency_p99_ms, sessions_active, "
                                  "sessions_total, max_connections, cache_hit_ratio, cpu_pct, mem_pct, load1";
constexpr char kSampleAverages[] = "AVG(tps), AVG(qps), AVG(latency_mean_ms), AVG(latency_p95_ms), "
                                   "AVG(latency_p99_ms), AVG(sessions_active), AVG(sessions_total), "
                                   "AVG(max_connections), AVG(cache_hit_ratio), AVG(cpu_pct), AVG(mem_pct), "
                                   "AVG(load1)";

// %3 is the details and evidence columns, or NULLs when a read leaves them out (ActionFields::Summary).
constexpr char kActionColumns[] = "id, target, kind, origin, state, apply_sql, rollback_sql, reversible, "
                                  "needs_restart, reason, %3, %1, %2";
constexpr char kTransitionColumns[] = "id, action_id, from_state, to_state, %1, reason, evidence";

QString sql(const char *text)
{
    return QString::fromLatin1(text).trimmed();
}

/// The statements that take a store from version `version - 1` to `version`.
QStringList migrationSteps(int version, bool postgres)
{
    const QString id
        = postgres ? QStringLiteral("BIGSERIAL PRIMARY KEY") : QStringLiteral("INTEGER PRIMARY KEY AUTOINCREMENT");
    const QString time = postgres ? QStringLiteral("TIMESTAMPTZ") : QStringLiteral("TEXT");
    switch (version) {
    case 1:
        return { sql(kCreateActions).arg(id, time), sql(kIndexActions), sql(kCreateTransitions).arg(id, time),
            sql(kIndexTransitions), sql(kCreateSamples), sql(kIndexSamples) };
    default:
        return {};
    }
}

QString toJson(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QJsonObject fromJson(const QVariant &value)
{
    if (value.isNull())
        return {};
    return QJsonDocument::fromJson(value.toString().toUtf8()).object();
}

/// Times travel as ISO-8601 UTC text with milliseconds on both drivers, so they read back the same way.
QString toIso(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODateWithMs);
}
QDateTime fromIso(const QVariant &value)
{
    return QDateTime::fromString(value.toString(), Qt::ISODateWithMs).toUTC();
}

QVariant optionalValue(const std::optional<double> &value)
{
    // A null double, so the driver binds NULL: "unavailable" must not become 0.
    return value ? QVariant(*value) : QVariant(QMetaType::fromType<double>());
}

bool isUri(const QString &location)
{
    return location.startsWith(QLatin1StringView("postgresql://"), Qt::CaseInsensitive)
        || location.startsWith(QLatin1StringView("postgres://"), Qt::CaseInsensitive);
}

std::atomic<quint64> s_connectionCounter { 0 };

} // namespace

struct KnowledgeStore::Private
{
    QString m_connectionName;
    QSqlDatabase m_db;
    bool m_postgres = false;
    int m_schemaVersion = 0;
    QString m_password; ///< kept only to scrub it from driver messages
    QString m_lastError;
    bool m_inTransaction = false;

    /**
     * BEGIN ... COMMIT, rolled back unless committed. Any failure rolls back at once (see fail()), before the
     * failed query goes away: QPSQL deallocates a prepared statement when its query is destroyed, which a
     * PostgreSQL transaction in error refuses.
     */
    class Transaction
    {
    public:
        explicit Transaction(Private &d)
            : m_d(d)
        { }
        ~Transaction() { m_d.rollback(); }
        Transaction(const Transaction &) = delete;
        Transaction &operator=(const Transaction &) = delete;

    private:
        Private &m_d;
    };

    bool begin(const QString &what)
    {
        // SQLite begins IMMEDIATE: a deferred transaction that reads and then writes fails at once with
        // SQLITE_BUSY when another process is writing, instead of waiting out the busy timeout.
        QSqlQuery q(m_db);
        if (!q.exec(m_postgres ? QStringLiteral("BEGIN") : QStringLiteral("BEGIN IMMEDIATE")))
            return fail(what, q.lastError());
        m_inTransaction = true;
        return true;
    }

    bool commit(const QString &what)
    {
        QSqlQuery q(m_db);
        if (!q.exec(QStringLiteral("COMMIT")))
            return fail(what, q.lastError()); // SQLite keeps the transaction after a failed COMMIT: fail() ends it
        m_inTransaction = false;
        return true;
    }

    void rollback()
    {
        if (!m_inTransaction)
            return;
        m_inTransaction = false;
        // An error may already have ended it (SQLite on a full disk): nothing to report then.
        QSqlQuery q(m_db);
        q.exec(QStringLiteral("ROLLBACK"));
    }

    /// Driver text with the password taken out. libpq does not echo passwords, but a message is no place to
    /// trust that; very short passwords are left alone, as scrubbing them would garble every message.
    QString scrub(QString text) const
    {
        if (m_password.size() >= 4)
            text.replace(m_password, QStringLiteral("***"));
        return text;
    }

    /// Records why an operation failed and ends the transaction it was part of, so nothing of it stays.
    bool fail(const QString &message)
    {
        m_lastError = scrub(message);
        rollback();
        return false;
    }

    bool fail(const QString &what, const QSqlError &error)
    {
        QString text = error.text().trimmed();
        text.replace(u'\n', u' ');
        return fail(what + QStringLiteral(": ") + text);
    }

    bool prepare(QSqlQuery &q, const QString &statement, const QString &what)
    {
        q.setForwardOnly(true);
        if (!q.prepare(statement))
            return fail(what, q.lastError());
        return true;
    }

    bool exec(QSqlQuery &q, const QString &what)
    {
        if (!q.exec())
            return fail(what, q.lastError());
        return true;
    }

    bool execDirect(const QString &statement, const QString &what)
    {
        QSqlQuery q(m_db);
        if (!q.exec(statement))
            return fail(what, q.lastError());
        return true;
    }

    /// A timestamp column as ISO text: PostgreSQL renders TIMESTAMPTZ in the session's zone, so ask for UTC.
    QString timeColumn(const char *column) const
    {
        const QString name = QString::fromLatin1(column);
        if (!m_postgres)
            return name;
        return QStringLiteral("to_char(%1 AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')").arg(name);
    }

    QString actionSelect(ActionFields fields = ActionFields::All) const
    {
        const QString bulk = fields == ActionFields::All ? QStringLiteral("details, evidence")
                                                         : QStringLiteral("NULL AS details, NULL AS evidence");
        return QStringLiteral("SELECT ")
            + QString::fromLatin1(kActionColumns).arg(timeColumn("created_at"), timeColumn("updated_at"), bulk)
            + QStringLiteral(" FROM actions");
    }

    /// The WHERE conditions of `filter`, its values appended to `values` in order. Empty when it matches all.
    static QStringList filterConditions(const ActionFilter &filter, QVariantList &values)
    {
        QStringList conditions;
        if (!filter.target.isEmpty()) {
            conditions << QStringLiteral("target = ?");
            values << filter.target;
        }
        if (!filter.states.empty()) {
            QStringList marks;
            for (const ActionState state : filter.states) {
                marks << QStringLiteral("?");
                values << stateName(state);
            }
            conditions << QStringLiteral("state IN (") + marks.join(QStringLiteral(", ")) + u')';
        }
        if (!filter.text.isEmpty()) {
            // The text is a literal: its own % and _ must not act as wildcards, so they are escaped with '!'.
            QString literal = filter.text.toLower();
            literal.replace(u'!', QStringLiteral("!!"));
            literal.replace(u'%', QStringLiteral("!%"));
            literal.replace(u'_', QStringLiteral("!_"));
            const QString pattern = u'%' + literal + u'%';
            conditions << QStringLiteral("(lower(apply_sql) LIKE ? ESCAPE '!' OR lower(target) LIKE ? ESCAPE '!' "
                                         "OR lower(COALESCE(reason, '')) LIKE ? ESCAPE '!')");
            values << pattern << pattern << pattern;
        }
        return conditions;
    }

    QString transitionSelect() const
    {
        return QStringLiteral("SELECT ") + QString::fromLatin1(kTransitionColumns).arg(timeColumn("at"))
            + QStringLiteral(" FROM transitions");
    }

    std::optional<Action> readAction(const QSqlQuery &q)
    {
        Action a;
        a.id = q.value(0).toLongLong();
        a.target = q.value(1).toString();
        const auto kind = kindFromName(q.value(2).toString());
        const auto origin = originFromName(q.value(3).toString());
        const auto state = stateFromName(q.value(4).toString());
        if (!kind || !origin || !state) {
            fail(QStringLiteral("action %1 has a kind, origin or state this Vigil does not know").arg(a.id));
            return std::nullopt;
        }
        a.kind = *kind;
        a.origin = *origin;
        a.state = *state;
        a.applySql = q.value(5).toString();
        a.rollbackSql = q.value(6).toString();
        a.reversible = q.value(7).toBool();
        a.needsRestart = q.value(8).toBool();
        a.reason = q.value(9).toString();
        a.details = fromJson(q.value(10));
        a.evidence = fromJson(q.value(11));
        a.createdAt = fromIso(q.value(12));
        a.updatedAt = fromIso(q.value(13));
        return a;
    }

    /// The actions matching `where` (with `values` bound), oldest first (newest first with `newestFirst`), at most
    /// `limit` of them when it is not negative. `ok` is false when the query failed.
    std::vector<Action> selectActions(const QString &where, const QVariantList &values, bool *ok = nullptr,
        bool newestFirst = false, int limit = -1, ActionFields fields = ActionFields::All)
    {
        std::vector<Action> result;
        if (ok)
            *ok = false;
        QSqlQuery q(m_db);
        QString statement = actionSelect(fields);
        if (!where.isEmpty())
            statement += QStringLiteral(" WHERE ") + where;
        // Ids are handed out by the server in insertion order, unlike client clocks across workstations.
        statement += newestFirst ? QStringLiteral(" ORDER BY id DESC") : QStringLiteral(" ORDER BY id");
        if (limit >= 0)
            statement += QStringLiteral(" LIMIT %1").arg(limit); // an int the code formats, never the user's text
        if (!prepare(q, statement, QStringLiteral("could not read actions")))
            return result;
        for (const QVariant &value : values)
            q.addBindValue(value);
        if (!exec(q, QStringLiteral("could not read actions")))
            return result;
        while (q.next()) {
            if (auto a = readAction(q))
                result.push_back(std::move(*a));
        }
        if (ok)
            *ok = true;
        return result;
    }

    bool openSqlite(const QString &path, QString *error);
    bool openPostgres(const QString &conninfo, QString *error);
    bool migrate();
};

QString KnowledgeStore::defaultLocation()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/vigil.sqlite");
}

bool KnowledgeStore::isConninfo(const QString &location)
{
    if (isUri(location))
        return true;
    // libpq's keyword=value form starts with a keyword; a path ("/srv/a=b.sqlite", "./x=1") starts otherwise.
    static const QRegularExpression keyword(QStringLiteral("^\\s*[A-Za-z_][A-Za-z0-9_]*\\s*="));
    return keyword.match(location).hasMatch();
}

KnowledgeStore::KnowledgeStore()
    : d(std::make_unique<Private>())
{ }

KnowledgeStore::~KnowledgeStore()
{
    if (d->m_connectionName.isEmpty())
        return;
    d->m_db.close();
    // removeDatabase() warns about (and breaks) connections still referenced: drop ours first.
    d->m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(d->m_connectionName);
}

bool KnowledgeStore::Private::openSqlite(const QString &path, QString *error)
{
    if (path != QLatin1StringView(":memory:")) {
        const QString dir = QFileInfo(path).absolutePath();
        if (!QDir().mkpath(dir)) {
            *error
                = QStringLiteral("could not create the directory %1 for the store").arg(QDir::toNativeSeparators(dir));
            return false;
        }
    }
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    m_db.setDatabaseName(path);
    if (!m_db.open()) {
        fail(QStringLiteral("could not open the store %1").arg(QDir::toNativeSeparators(path)), m_db.lastError());
        *error = m_lastError;
        return false;
    }
    // busy_timeout first: switching to WAL needs a lock another process may hold. synchronous=FULL: an
    // acknowledged journal write survives a power cut, which is the journal's whole point.
    const QString what = QStringLiteral("could not configure the store %1").arg(QDir::toNativeSeparators(path));
    for (const char *pragma :
        { "PRAGMA busy_timeout = 5000", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON" }) {
        if (!execDirect(QString::fromLatin1(pragma), what)) {
            *error = m_lastError;
            return false;
        }
    }
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("PRAGMA journal_mode = WAL")) || !q.next()) {
        fail(what, q.lastError());
        *error = m_lastError;
        return false;
    }
    const QString mode = q.value(0).toString().toLower();
    // An in-memory database reports "memory"; anything else means WAL is unavailable (e.g. a network file
    // system), and a store without it would block readers during every write.
    if (mode != QLatin1StringView("wal") && mode != QLatin1StringView("memory")) {
        *error = QStringLiteral("the store %1 cannot use write-ahead logging (journal mode stays %2)")
                     .arg(QDir::toNativeSeparators(path), mode);
        return false;
    }
    return true;
}

bool KnowledgeStore::Private::openPostgres(const QString &conninfo, QString *error)
{
    const std::optional<ConnInfo> info = ConnInfo::parse(conninfo, error);
    if (!info)
        return false;
    m_password = info->value(QStringLiteral("password"));
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL"))) {
        *error = QStringLiteral("the Qt PostgreSQL driver (QPSQL) is not installed");
        return false;
    }
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_connectionName);
    info->applyTo(m_db, QStringLiteral("vigil-store"));
    if (!m_db.open()) {
        fail(QStringLiteral("could not connect to the store at %1").arg(info->displayName()), m_db.lastError());
        *error = m_lastError;
        return false;
    }
    return true;
}

bool KnowledgeStore::Private::migrate()
{
    const QString what = QStringLiteral("could not prepare the store's schema");
    const Transaction transaction(*this);
    if (!begin(what))
        return false;
    // Two Vigils opening a fresh shared store at once would both create the tables: let one go first.
    if (m_postgres
        && !execDirect(QStringLiteral("SELECT pg_advisory_xact_lock(%1, %2)").arg(kLockClass).arg(kLockSchema), what))
        return false;
    // The NOTICE "schema_version already exists, skipping" on every open is noise on the client's stderr.
    if (m_postgres && !execDirect(QStringLiteral("SET LOCAL client_min_messages = warning"), what))
        return false;
    if (!execDirect(sql(kCreateSchemaVersion), what))
        return false;

    int version = 0;
    bool hasRow = false;
    {
        QSqlQuery q(m_db);
        if (!prepare(q, QStringLiteral("SELECT version FROM schema_version"), what) || !exec(q, what))
            return false;
        if (q.next()) {
            hasRow = true;
            version = q.value(0).toInt();
        }
    }
    if (version > kSchemaVersion)
        return fail(QStringLiteral("store schema version %1 is newer than this Vigil understands (%2); upgrade Vigil")
                        .arg(version)
                        .arg(kSchemaVersion));

    for (int next = version + 1; next <= kSchemaVersion; ++next) {
        const QString step = QStringLiteral("could not migrate the store to schema version %1").arg(next);
        for (const QString &statement : migrationSteps(next, m_postgres)) {
            if (!execDirect(statement, step))
                return false;
        }
    }
    if (!hasRow || version != kSchemaVersion) {
        QSqlQuery q(m_db);
        const QString statement = hasRow ? QStringLiteral("UPDATE schema_version SET version = ?")
                                         : QStringLiteral("INSERT INTO schema_version (version) VALUES (?)");
        if (!prepare(q, statement, what))
            return false;
        q.addBindValue(kSchemaVersion);
        if (!exec(q, what))
            return false;
    }
    if (!commit(what))
        return false;
    m_schemaVersion = kSchemaVersion;
    return true;
}

std::unique_ptr<KnowledgeStore> KnowledgeStore::open(const QString &location, QString *error)
{
    QString message;
    std::unique_ptr<KnowledgeStore> store(new KnowledgeStore);
    Private &d = *store->d;
    d.m_connectionName = QStringLiteral("vigil-store-%1").arg(++s_connectionCounter);
    d.m_postgres = isConninfo(location);

    bool ok = false;
    if (location.isEmpty())
        message = QStringLiteral("no store location given");
    else if (d.m_postgres)
        ok = d.openPostgres(location, &message);
    else
        ok = d.openSqlite(location, &message);
    if (ok && !d.migrate()) {
        message = d.m_lastError;
        ok = false;
    }
    if (!ok) {
        if (error)
            *error = d.scrub(message);
        return nullptr; // the destructor closes and removes the connection
    }
    d.m_lastError.clear();
    return store;
}

int KnowledgeStore::schemaVersion() const
{
    return d->m_schemaVersion;
}

QString KnowledgeStore::lastError() const
{
    return d->m_lastError;
}

QString KnowledgeStore::connectionName() const
{
    return d->m_connectionName;
}

qint64 KnowledgeStore::createAction(const Action &action, const QString &reason)
{
    const QString what = QStringLiteral("could not record the action");
    // Every action starts life proposed; storing it further along means the step there was taken.
    if (action.state != ActionState::Proposed && !isAllowedTransition(ActionState::Proposed, action.state)) {
        d->fail(QStringLiteral("cannot create an action in state %1").arg(stateName(action.state)));
        return 0;
    }
    const QString why = reason.isEmpty() ? action.reason : reason;
    const QString now = toIso(QDateTime::currentDateTimeUtc());

    const Private::Transaction transaction(*d);
    if (!d->begin(what))
        return 0;
    qint64 id = 0;
    {
        QSqlQuery q(d->m_db);
        QString statement = QStringLiteral(
            "INSERT INTO actions (target, kind, origin, state, apply_sql, rollback_sql, reversible, needs_restart, "
            "reason, details, evidence, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        // QPSQL has no lastInsertId for sequences; RETURNING is also the one race-free way with many writers.
        if (d->m_postgres)
            statement += QStringLiteral(" RETURNING id");
        if (!d->prepare(q, statement, what))
            return 0;
        q.addBindValue(action.target);
        q.addBindValue(kindName(action.kind));
        q.addBindValue(originName(action.origin));
        q.addBindValue(stateName(action.state));
        q.addBindValue(action.applySql);
        q.addBindValue(action.rollbackSql);
        q.addBindValue(action.reversible);
        q.addBindValue(action.needsRestart);
        q.addBindValue(why);
        q.addBindValue(toJson(action.details));
        q.addBindValue(toJson(action.evidence));
        q.addBindValue(now);
        q.addBindValue(now);
        if (!d->exec(q, what))
            return 0;
        if (d->m_postgres) {
            if (!q.next()) {
                d->fail(what, q.lastError());
                return 0;
            }
            id = q.value(0).toLongLong();
        } else {
            id = q.lastInsertId().toLongLong();
        }
    }
    if (id <= 0) {
        d->fail(QStringLiteral("could not record the action: the store assigned no id"));
        return 0;
    }
    {
        QSqlQuery q(d->m_db);
        if (!d->prepare(q,
                QStringLiteral("INSERT INTO transitions (action_id, from_state, to_state, at, reason, evidence) "
                               "VALUES (?, ?, ?, ?, ?, ?)"),
                what))
            return 0;
        q.addBindValue(id);
        q.addBindValue(stateName(ActionState::Proposed));
        q.addBindValue(stateName(action.state));
        q.addBindValue(now);
        q.addBindValue(why);
        q.addBindValue(toJson(action.evidence));
        if (!d->exec(q, what))
            return 0;
    }
    if (!d->commit(what))
        return 0;
    return id;
}

bool KnowledgeStore::transition(qint64 id, ActionState to, const QString &reason, const QJsonObject &evidence)
{
    const QString what = QStringLiteral("could not record action %1 going to %2").arg(id).arg(stateName(to));
    const QString now = toIso(QDateTime::currentDateTimeUtc());

    const Private::Transaction transaction(*d);
    if (!d->begin(what))
        return false;
    ActionState from = ActionState::Proposed;
    {
        QSqlQuery q(d->m_db);
        // FOR UPDATE: another Vigil on the same shared store must wait for this step before it checks its own.
        // SQLite needs none: BEGIN IMMEDIATE already excludes every other writer.
        QString statement = QStringLiteral("SELECT state FROM actions WHERE id = ?");
        if (d->m_postgres)
            statement += QStringLiteral(" FOR UPDATE");
        if (!d->prepare(q, statement, what))
            return false;
        q.addBindValue(id);
        if (!d->exec(q, what))
            return false;
        if (!q.next())
            return d->fail(QStringLiteral("there is no action %1").arg(id));
        const auto current = stateFromName(q.value(0).toString());
        if (!current)
            return d->fail(QStringLiteral("action %1 is in a state this Vigil does not know").arg(id));
        from = *current;
    }
    if (!isAllowedTransition(from, to))
        return d->fail(QStringLiteral("action %1 cannot go from %2 to %3").arg(id).arg(stateName(from), stateName(to)));
    {
        QSqlQuery q(d->m_db);
        QString statement = QStringLiteral("UPDATE actions SET state = ?, reason = ?, updated_at = ?");
        if (!evidence.isEmpty())
            statement += QStringLiteral(", evidence = ?");
        statement += QStringLiteral(" WHERE id = ?");
        if (!d->prepare(q, statement, what))
            return false;
        q.addBindValue(stateName(to));
        q.addBindValue(reason);
        q.addBindValue(now);
        if (!evidence.isEmpty())
            q.addBindValue(toJson(evidence));
        q.addBindValue(id);
        if (!d->exec(q, what))
            return false;
    }
    {
        QSqlQuery q(d->m_db);
        if (!d->prepare(q,
                QStringLiteral("INSERT INTO transitions (action_id, from_state, to_state, at, reason, evidence) "
                               "VALUES (?, ?, ?, ?, ?, ?)"),
                what))
            return false;
        q.addBindValue(id);
        q.addBindValue(stateName(from));
        q.addBindValue(stateName(to));
        q.addBindValue(now);
        q.addBindValue(reason);
        q.addBindValue(toJson(evidence));
        if (!d->exec(q, what))
            return false;
    }
    return d->commit(what);
}

bool KnowledgeStore::updateDetails(qint64 id, const QJsonObject &details)
{
    const QString what = QStringLiteral("could not update the details of action %1").arg(id);
    QSqlQuery q(d->m_db);
    if (!d->prepare(q, QStringLiteral("UPDATE actions SET details = ?, updated_at = ? WHERE id = ?"), what))
        return false;
    q.addBindValue(toJson(details));
    q.addBindValue(toIso(QDateTime::currentDateTimeUtc()));
    q.addBindValue(id);
    if (!d->exec(q, what))
        return false;
    if (q.numRowsAffected() != 1)
        return d->fail(QStringLiteral("there is no action %1").arg(id));
    return true;
}

std::optional<Action> KnowledgeStore::action(qint64 id) const
{
    bool ok = false;
    auto found = d->selectActions(QStringLiteral("id = ?"), { id }, &ok);
    if (found.empty()) {
        // A failed query has already said why.
        if (ok)
            d->fail(QStringLiteral("there is no action %1").arg(id));
        return std::nullopt;
    }
    return std::move(found.front());
}

std::vector<Action> KnowledgeStore::actions(const QString &target) const
{
    if (target.isEmpty())
        return d->selectActions({}, {});
    return d->selectActions(QStringLiteral("target = ?"), { target });
}

std::vector<Action> KnowledgeStore::inFlight(const QString &target) const
{
    QVariantList values { stateName(ActionState::Applying), stateName(ActionState::Observing),
        stateName(ActionState::RollingBack) };
    QString where = QStringLiteral("state IN (?, ?, ?)");
    if (!target.isEmpty()) {
        where += QStringLiteral(" AND target = ?");
        values << target;
    }
    return d->selectActions(where, values);
}

std::vector<Transition> KnowledgeStore::transitions(qint64 actionId) const
{
    const QString what = QStringLiteral("could not read the transitions of action %1").arg(actionId);
    std::vector<Transition> result;
    QSqlQuery q(d->m_db);
    if (!d->prepare(q, d->transitionSelect() + QStringLiteral(" WHERE action_id = ? ORDER BY id"), what))
        return result;
    q.addBindValue(actionId);
    if (!d->exec(q, what))
        return result;
    while (q.next()) {
        const auto from = stateFromName(q.value(2).toString());
        const auto to = stateFromName(q.value(3).toString());
        if (!from || !to) {
            d->fail(QStringLiteral("action %1 has a transition between states this Vigil does not know").arg(actionId));
            continue;
        }
        Transition t;
        t.id = q.value(0).toLongLong();
        t.actionId = q.value(1).toLongLong();
        t.from = *from;
        t.to = *to;
        t.at = fromIso(q.value(4));
        t.reason = q.value(5).toString();
        t.evidence = fromJson(q.value(6));
        result.push_back(std::move(t));
    }
    return result;
}

std::vector<Action> KnowledgeStore::actionsPage(
    qint64 beforeId, int limit, const ActionFilter &filter, ActionFields fields, bool *ok) const
{
    QVariantList values;
    QStringList conditions = Private::filterConditions(filter, values);
    if (beforeId > 0) {
        conditions.prepend(QStringLiteral("id < ?"));
        values.prepend(beforeId);
    }
    return d->selectActions(conditions.join(QStringLiteral(" AND ")), values, ok, true, qMax(limit, 0), fields);
}

qint64 KnowledgeStore::countActions(const ActionFilter &filter) const
{
    const QString what = QStringLiteral("could not count actions");
    QVariantList values;
    const QStringList conditions = Private::filterConditions(filter, values);
    QString statement = QStringLiteral("SELECT COUNT(*) FROM actions");
    if (!conditions.isEmpty())
        statement += QStringLiteral(" WHERE ") + conditions.join(QStringLiteral(" AND "));
    QSqlQuery q(d->m_db);
    if (!d->prepare(q, statement, what))
        return -1;
    for (const QVariant &value : values)
        q.addBindValue(value);
    if (!d->exec(q, what))
        return -1;
    if (!q.next()) {
        d->fail(what, q.lastError());
        return -1;
    }
    return q.value(0).toLongLong();
}

qint64 KnowledgeStore::lastTransitionId() const
{
    const QString what = QStringLiteral("could not read the journal's newest transition");
    QSqlQuery q(d->m_db);
    if (!d->prepare(q, QStringLiteral("SELECT COALESCE(MAX(id), 0) FROM transitions"), what) || !d->exec(q, what))
        return -1;
    if (!q.next()) {
        d->fail(what, q.lastError());
        return -1;
    }
    return q.value(0).toLongLong();
}

std::vector<Action> KnowledgeStore::actionsChangedSince(qint64 afterTransitionId, ActionFields fields, bool *ok) const
{
    return d->selectActions(QStringLiteral("id IN (SELECT action_id FROM transitions WHERE id > ?)"),
        { afterTransitionId }, ok, true, -1, fields);
}

bool KnowledgeStore::addSample(const QString &target, const Sample &sample)
{
    const QString what = QStringLiteral("could not store a sample");
    QSqlQuery q(d->m_db);
    if (!d->prepare(q,
            QStringLiteral("INSERT INTO samples (target, t, resolution, %1) VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, "
                           "?, ?, ?, ?)")
                .arg(QString::fromLatin1(kSampleMetrics)),
            what))
        return false;
    q.addBindValue(target);
    q.addBindValue(sample.tEnd);
    for (const auto *metric : { &sample.tps, &sample.qps, &sample.latencyMeanMs, &sample.latencyP95Ms,
             &sample.latencyP99Ms, &sample.sessionsActive, &sample.sessionsTotal, &sample.maxConnections,
             &sample.cacheHitRatio, &sample.cpuPct, &sample.memPct, &sample.load1 })
        q.addBindValue(optionalValue(*metric));
    return d->exec(q, what);
}

std::vector<Sample> KnowledgeStore::samples(const QString &target, double from, double to, bool *ok) const
{
    const QString what = QStringLiteral("could not read samples");
    if (ok)
        *ok = false;
    std::vector<Sample> out;
    QSqlQuery q(d->m_db);
    q.setForwardOnly(true);
    if (!d->prepare(q,
            QStringLiteral("SELECT t, resolution, %1 FROM samples WHERE target = ? AND t >= ? AND t <= ? ORDER BY t")
                .arg(QString::fromLatin1(kSampleMetrics)),
            what))
        return out;
    q.addBindValue(target);
    q.addBindValue(from);
    q.addBindValue(to);
    if (!d->exec(q, what))
        return out;
    while (q.next()) {
        Sample s;
        s.valid = true;
        s.tEnd = q.value(0).toDouble();
        const double resolution = q.value(1).toDouble();
        s.tStart = s.tEnd - (resolution > 0 ? resolution : 0);
        int column = 2;
        for (auto *metric : { &s.tps, &s.qps, &s.latencyMeanMs, &s.latencyP95Ms, &s.latencyP99Ms, &s.sessionsActive,
                 &s.sessionsTotal, &s.maxConnections, &s.cacheHitRatio, &s.cpuPct, &s.memPct, &s.load1 }) {
            const QVariant value = q.value(column++);
            if (!value.isNull())
                *metric = value.toDouble();
        }
        out.push_back(std::move(s));
    }
    if (ok)
        *ok = true;
    return out;
}

int KnowledgeStore::sampleCount(const QString &target) const
{
    const QString what = QStringLiteral("could not count samples");
    QSqlQuery q(d->m_db);
    if (!d->prepare(q, QStringLiteral("SELECT COUNT(*) FROM samples WHERE target = ?"), what))
        return -1;
    q.addBindValue(target);
    if (!d->exec(q, what))
        return -1;
    if (!q.next()) {
        d->fail(what, q.lastError());
        return -1;
    }
    return q.value(0).toInt();
}

bool KnowledgeStore::prune(const QDateTime &now, qint64 fullRateForSeconds)
{
    const QString what = QStringLiteral("could not downsample old samples");
    // Whole minutes only: a minute split by the cut-off would be averaged twice, in two prunes, into two rows.
    const double cutoff
        = std::floor((double(now.toMSecsSinceEpoch()) / 1000.0 - double(fullRateForSeconds)) / 60.0) * 60.0;

    const Private::Transaction transaction(*d);
    if (!d->begin(what))
        return false;
    QSqlQuery q(d->m_db);
    if (d->m_postgres) {
        // One statement that averages exactly the rows it deletes: a second Vigil pruning at the same time
        // waits on those rows and then finds them gone, so nothing is averaged twice or deleted unaveraged.
        const QString statement
            = QStringLiteral("WITH old AS (DELETE FROM samples WHERE resolution = 0 AND t < ? RETURNING *) "
                             "INSERT INTO samples (target, t, resolution, %1) "
                             "SELECT target, floor(t / 60) * 60, 60, %2 FROM old GROUP BY target, floor(t / 60)")
                  .arg(QString::fromLatin1(kSampleMetrics), QString::fromLatin1(kSampleAverages));
        if (!d->prepare(q, statement, what))
            return false;
        q.addBindValue(cutoff);
        if (!d->exec(q, what))
            return false;
    } else {
        // SQLite has no DELETE in a WITH; BEGIN IMMEDIATE keeps every other writer out between the two statements.
        // CAST truncates, which is floor for the positive epoch times stored here.
        const QString insert = QStringLiteral(
            "INSERT INTO samples (target, t, resolution, %1) "
            "SELECT target, CAST(t / 60 AS INTEGER) * 60, 60, %2 FROM samples WHERE resolution = 0 AND t < ? "
            "GROUP BY target, CAST(t / 60 AS INTEGER)")
                                   .arg(QString::fromLatin1(kSampleMetrics), QString::fromLatin1(kSampleAverages));
        if (!d->prepare(q, insert, what))
            return false;
        q.addBindValue(cutoff);
        if (!d->exec(q, what))
            return false;
        QSqlQuery del(d->m_db);
        if (!d->prepare(del, QStringLiteral("DELETE FROM samples WHERE resolution = 0 AND t < ?"), what))
            return false;
        del.addBindValue(cutoff);
        if (!d->exec(del, what))
            return false;
    }
    return d->commit(what);
}

} // namespace vigil
