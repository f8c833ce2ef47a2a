// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QSqlDatabase>
#include <QString>

#include <memory>
#include <optional>

class QDateTime;
class QSqlError;
class QSqlQuery;
class QVariant;

namespace vigil {

/**
 * The knowledge store's database: opening it (SQLite file or PostgreSQL conninfo), its schema and migrations, the
 * dialect, transactions and error reporting. The action journal and the sample archive run their SQL through it.
 *
 * A failed step records why in lastError() (with any password scrubbed) and rolls back the transaction it was part
 * of, so nothing of it stays. Belongs to the thread that opened it, as its Qt SQL connection does.
 */
class StoreDatabase
{
public:
    /// Opens (creating and migrating if needed) the store at `location`. Null with `error` filled on failure.
    static std::unique_ptr<StoreDatabase> open(const QString &location, QString *error);
    /// True for "host=... dbname=..." or "postgresql://..." / "postgres://..." conninfos; false for a file path.
    static bool isConninfo(const QString &location);
    ~StoreDatabase();
    StoreDatabase(const StoreDatabase &) = delete;
    StoreDatabase &operator=(const StoreDatabase &) = delete;

    QSqlDatabase &db() { return m_db; }
    bool isPostgres() const { return m_postgres; }
    int schemaVersion() const { return m_schemaVersion; }
    QString lastError() const { return m_lastError; }
    QString connectionName() const { return m_connectionName; }

    /**
     * BEGIN ... COMMIT, rolled back unless committed. Any failure rolls back at once (see fail()), before the
     * failed query goes away: QPSQL deallocates a prepared statement when its query is destroyed, which a
     * PostgreSQL transaction in error refuses.
     */
    class Transaction
    {
    public:
        explicit Transaction(StoreDatabase &d)
            : m_d(d)
        { }
        ~Transaction() { m_d.rollback(); }
        Transaction(const Transaction &) = delete;
        Transaction &operator=(const Transaction &) = delete;

    private:
        StoreDatabase &m_d;
    };

    bool begin(const QString &what);
    bool commit(const QString &what);
    void rollback();
    /// Records why an operation failed and ends the transaction it was part of, so nothing of it stays.
    bool fail(const QString &message);
    bool fail(const QString &what, const QSqlError &error);
    bool prepare(QSqlQuery &q, const QString &statement, const QString &what);
    bool exec(QSqlQuery &q, const QString &what);
    bool execDirect(const QString &statement, const QString &what);
    /// A timestamp column as ISO text: PostgreSQL renders TIMESTAMPTZ in the session's zone, so ask for UTC.
    QString timeColumn(const char *column) const;

    // How values travel in both dialects.
    static QString toJson(const QJsonObject &object);
    static QJsonObject fromJson(const QVariant &value);
    /// Times travel as ISO-8601 UTC text with milliseconds on both drivers, so they read back the same way.
    static QString toIso(const QDateTime &time);
    static QDateTime fromIso(const QVariant &value);
    /// A null double, so the driver binds NULL: "unavailable" must not become 0.
    static QVariant optionalValue(const std::optional<double> &value);

private:
    StoreDatabase() = default;
    /// Driver text with the password taken out. libpq does not echo passwords, but a message is no place to
    /// trust that; very short passwords are left alone, as scrubbing them would garble every message.
    QString scrub(QString text) const;
    bool openSqlite(const QString &path, QString *error);
    bool openPostgres(const QString &conninfo, QString *error);
    bool migrate();

    QString m_connectionName;
    QSqlDatabase m_db;
    bool m_postgres = false;
    int m_schemaVersion = 0;
    QString m_password; ///< kept only to scrub it from driver messages
    QString m_lastError;
    bool m_inTransaction = false;
};

} // namespace vigil
