// SPDX-License-Identifier: MIT
#include "store/storedatabase.h"

#include "conninfo.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>
#include <QVariant>

#include <atomic>

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

bool isUri(const QString &location)
{
    return location.startsWith(QLatin1StringView("postgresql://"), Qt::CaseInsensitive)
        || location.startsWith(QLatin1StringView("postgres://"), Qt::CaseInsensitive);
}

std::atomic<quint64> s_connectionCounter { 0 };

} // namespace

bool StoreDatabase::isConninfo(const QString &location)
{
    if (isUri(location))
        return true;
    // libpq's keyword=value form starts with a keyword; a path ("/srv/a=b.sqlite", "./x=1") starts otherwise.
    static const QRegularExpression keyword(QStringLiteral("^\\s*[A-Za-z_][A-Za-z0-9_]*\\s*="));
    return keyword.match(location).hasMatch();
}

std::unique_ptr<StoreDatabase> StoreDatabase::open(const QString &location, QString *error)
{
    QString message;
    std::unique_ptr<StoreDatabase> d(new StoreDatabase);
    d->m_connectionName = QStringLiteral("vigil-store-%1").arg(++s_connectionCounter);
    d->m_postgres = isConninfo(location);

    bool ok = false;
    if (location.isEmpty())
        message = QStringLiteral("no store location given");
    else if (d->m_postgres)
        ok = d->openPostgres(location, &message);
    else
        ok = d->openSqlite(location, &message);
    if (ok && !d->migrate()) {
        message = d->m_lastError;
        ok = false;
    }
    if (!ok) {
        if (error)
            *error = d->scrub(message);
        return nullptr; // the destructor closes and removes the connection
    }
    d->m_lastError.clear();
    return d;
}

StoreDatabase::~StoreDatabase()
{
    if (m_connectionName.isEmpty())
        return;
    m_db.close();
    // removeDatabase() warns about (and breaks) connections still referenced: drop ours first.
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
}

bool StoreDatabase::begin(const QString &what)
{
    // SQLite begins IMMEDIATE: a deferred transaction that reads and then writes fails at once with
    // SQLITE_BUSY when another process is writing, instead of waiting out the busy timeout.
    QSqlQuery q(m_db);
    if (!q.exec(m_postgres ? QStringLiteral("BEGIN") : QStringLiteral("BEGIN IMMEDIATE")))
        return fail(what, q.lastError());
    m_inTransaction = true;
    return true;
}

bool StoreDatabase::commit(const QString &what)
{
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("COMMIT")))
        return fail(what, q.lastError()); // SQLite keeps the transaction after a failed COMMIT: fail() ends it
    m_inTransaction = false;
    return true;
}

void StoreDatabase::rollback()
{
    if (!m_inTransaction)
        return;
    m_inTransaction = false;
    // An error may already have ended it (SQLite on a full disk): nothing to report then.
    QSqlQuery q(m_db);
    q.exec(QStringLiteral("ROLLBACK"));
}

QString StoreDatabase::scrub(QString text) const
{
    if (m_password.size() >= 4)
        text.replace(m_password, QStringLiteral("***"));
    return text;
}

bool StoreDatabase::fail(const QString &message)
{
    m_lastError = scrub(message);
    rollback();
    return false;
}

bool StoreDatabase::fail(const QString &what, const QSqlError &error)
{
    QString text = error.text().trimmed();
    text.replace(u'\n', u' ');
    return fail(what + QStringLiteral(": ") + text);
}

bool StoreDatabase::prepare(QSqlQuery &q, const QString &statement, const QString &what)
{
    q.setForwardOnly(true);
    if (!q.prepare(statement))
        return fail(what, q.lastError());
    return true;
}

bool StoreDatabase::exec(QSqlQuery &q, const QString &what)
{
    if (!q.exec())
        return fail(what, q.lastError());
    return true;
}

bool StoreDatabase::execDirect(const QString &statement, const QString &what)
{
    QSqlQuery q(m_db);
    if (!q.exec(statement))
        return fail(what, q.lastError());
    return true;
}

QString StoreDatabase::timeColumn(const char *column) const
{
    const QString name = QString::fromLatin1(column);
    if (!m_postgres)
        return name;
    return QStringLiteral("to_char(%1 AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')").arg(name);
}

QString StoreDatabase::toJson(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QJsonObject StoreDatabase::fromJson(const QVariant &value)
{
    if (value.isNull())
        return {};
    return QJsonDocument::fromJson(value.toString().toUtf8()).object();
}

QString StoreDatabase::toIso(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODateWithMs);
}

QDateTime StoreDatabase::fromIso(const QVariant &value)
{
    return QDateTime::fromString(value.toString(), Qt::ISODateWithMs).toUTC();
}

QVariant StoreDatabase::optionalValue(const std::optional<double> &value)
{
    return value ? QVariant(*value) : QVariant(QMetaType::fromType<double>());
}

bool StoreDatabase::openSqlite(const QString &path, QString *error)
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

bool StoreDatabase::openPostgres(const QString &conninfo, QString *error)
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

bool StoreDatabase::migrate()
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

} // namespace vigil
