// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>
#include <vector>

struct pg_conn;
struct pg_result;

namespace vigil {

/// The rows of one libpq query result, as text (NULL is an empty optional).
class PgRows
{
public:
    PgRows() = default;
    explicit PgRows(pg_result *result);
    ~PgRows();
    PgRows(PgRows &&other) noexcept;
    PgRows &operator=(PgRows &&other) noexcept;

    int rows() const;
    int columns() const;
    bool isNull(int row, int column) const;
    QByteArray value(int row, int column) const;
    std::optional<double> number(int row, int column) const;
    /// A 64-bit integer exactly (a queryid does not fit a double), text or binary int8/int4.
    std::optional<qint64> integer(int row, int column) const;

private:
    pg_result *m_result = nullptr;
};

/**
 * A small owner of one libpq connection for the engine's own reads (the collector). Not for actions: those go
 * through Qt SQL in the executor's thread.
 *
 * Queries take parameters separately from the SQL text (PQexecParams): no value is ever pasted into SQL.
 */
class PgConnection
{
public:
    PgConnection() = default;
    ~PgConnection();
    PgConnection(const PgConnection &) = delete;
    PgConnection &operator=(const PgConnection &) = delete;

    /// Connects with the user's conninfo, overriding application_name, and sets statement_timeout (ms) with a
    /// query that starts with `marker` (so the caller can recognise it in pg_stat_statements).
    /// The error never contains a password: libpq's messages do not, and the conninfo is not echoed.
    bool open(const QString &conninfo, const QString &applicationName, int statementTimeoutMs, const QByteArray &marker,
        QString *error);
    void close();
    bool isOpen() const;

    /// Runs a query; on failure returns nothing and fills error (and marks the connection broken if it is).
    std::optional<PgRows> query(const QByteArray &sql, const QStringList &parameters = {}, QString *error = nullptr);
    /// The same, as a server-side prepared statement named `name`, prepared on first use on this connection:
    /// a query run every tick is planned once, not every time (planning was most of a tick's cost).
    /// With binary, results come in the server's binary format (number() decodes int4, int8 and float8): the
    /// server then does not format thousands of numbers as text.
    std::optional<PgRows> queryPrepared(const QByteArray &name, const QByteArray &sql,
        const QStringList &parameters = {}, QString *error = nullptr, bool binary = false);

    int serverVersionNumber() const; ///< e.g. 150008
    int backendPid() const;
    QString host() const; ///< the host libpq connected to (or the socket directory)
    QString database() const;
    QString user() const;
    QString port() const;

    /// Quotes an identifier for SQL the way the server expects (PQescapeIdentifier).
    QString quoteIdentifier(const QString &identifier) const;

private:
    std::optional<PgRows> result(pg_result *raw, QString *error);

    pg_conn *m_conn = nullptr;
    QList<QByteArray> m_prepared; ///< statement names prepared on this connection
};

} // namespace vigil
