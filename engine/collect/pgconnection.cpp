// SPDX-License-Identifier: MIT
#include "collect/pgconnection.h"

#include <libpq-fe.h>

#include <QtEndian>

#include <cmath>
#include <cstring>

namespace vigil {

namespace {
/// Query parameters as the UTF-8 C strings libpq takes, kept alive for the call.
class TextParameters
{
public:
    explicit TextParameters(const QStringList &parameters)
    {
        m_storage.reserve(std::size_t(parameters.size()));
        for (const QString &p : parameters)
            m_storage.push_back(p.toUtf8());
        for (const QByteArray &b : m_storage)
            m_pointers.push_back(b.constData());
    }
    int count() const { return int(m_pointers.size()); }
    const char *const *data() const { return m_pointers.data(); }

private:
    std::vector<QByteArray> m_storage;
    std::vector<const char *> m_pointers;
};
} // namespace

PgRows::PgRows(pg_result *result)
    : m_result(result)
{ }

PgRows::~PgRows()
{
    if (m_result)
        PQclear(m_result);
}

PgRows::PgRows(PgRows &&other) noexcept
    : m_result(std::exchange(other.m_result, nullptr))
{ }

PgRows &PgRows::operator=(PgRows &&other) noexcept
{
    if (this != &other) {
        if (m_result)
            PQclear(m_result);
        m_result = std::exchange(other.m_result, nullptr);
    }
    return *this;
}

std::optional<qint64> PgRows::integer(int row, int column) const
{
    if (isNull(row, column))
        return std::nullopt;
    const char *data = PQgetvalue(m_result, row, column);
    const int length = PQgetlength(m_result, row, column);
    if (PQfformat(m_result, column) == 1) {
        if (PQftype(m_result, column) == 20 && length == 8)
            return qFromBigEndian<qint64>(data);
        if (PQftype(m_result, column) == 23 && length == 4)
            return qFromBigEndian<qint32>(data);
        return std::nullopt;
    }
    bool ok = false;
    const qint64 v = QByteArray::fromRawData(data, length).toLongLong(&ok);
    return ok ? std::optional<qint64>(v) : std::nullopt;
}

int PgRows::rows() const
{
    return m_result ? PQntuples(m_result) : 0;
}
int PgRows::columns() const
{
    return m_result ? PQnfields(m_result) : 0;
}
bool PgRows::isNull(int row, int column) const
{
    return !m_result || PQgetisnull(m_result, row, column);
}

QByteArray PgRows::value(int row, int column) const
{
    if (isNull(row, column))
        return {};
    return QByteArray(PQgetvalue(m_result, row, column), PQgetlength(m_result, row, column));
}

std::optional<double> PgRows::number(int row, int column) const
{
    if (isNull(row, column))
        return std::nullopt;
    const char *data = PQgetvalue(m_result, row, column);
    if (PQfformat(m_result, column) == 1) {
        // Binary: network byte order. The types the engine reads: int8 (20), int4 (23), float8 (701).
        const Oid type = PQftype(m_result, column);
        if (type == 20 && PQgetlength(m_result, row, column) == 8)
            return double(qFromBigEndian<qint64>(data));
        if (type == 23 && PQgetlength(m_result, row, column) == 4)
            return double(qFromBigEndian<qint32>(data));
        if (type == 701 && PQgetlength(m_result, row, column) == 8) {
            const quint64 bits = qFromBigEndian<quint64>(data);
            double v;
            std::memcpy(&v, &bits, sizeof v);
            return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
        }
        return std::nullopt;
    }
    bool ok = false;
    const double v = QByteArray::fromRawData(data, PQgetlength(m_result, row, column)).toDouble(&ok);
    if (!ok || !std::isfinite(v))
        return std::nullopt;
    return v;
}

PgConnection::~PgConnection()
{
    close();
}

bool PgConnection::open(const QString &conninfo, const QString &applicationName, int statementTimeoutMs,
    const QByteArray &marker, QString *error)
{
    close();
    const QByteArray dsn = conninfo.toUtf8();
    const QByteArray app = applicationName.toUtf8();
    // expand_dbname: the first "dbname" is the user's whole conninfo (key=value or URI); keys after it override.
    const char *keys[] = { "dbname", "application_name", "connect_timeout", nullptr };
    const char *values[] = { dsn.constData(), app.constData(), "5", nullptr };
    m_conn = PQconnectdbParams(keys, values, 1);
    if (!m_conn || PQstatus(m_conn) != CONNECTION_OK) {
        if (error)
            *error = m_conn ? QString::fromUtf8(PQerrorMessage(m_conn)).trimmed() : QStringLiteral("out of memory");
        close();
        return false;
    }
    const QString timeout = QString::number(statementTimeoutMs);
    if (!query(marker + " SELECT set_config('statement_timeout', $1, false)", { timeout }, error)) {
        close();
        return false;
    }
    return true;
}

void PgConnection::close()
{
    m_prepared.clear();
    if (m_conn) {
        PQfinish(m_conn);
        m_conn = nullptr;
    }
}

bool PgConnection::isOpen() const
{
    return m_conn && PQstatus(m_conn) == CONNECTION_OK;
}

std::optional<PgRows> PgConnection::query(const QByteArray &sql, const QStringList &parameters, QString *error)
{
    if (!m_conn) {
        if (error)
            *error = QStringLiteral("not connected");
        return std::nullopt;
    }
    const TextParameters values(parameters);
    return result(
        PQexecParams(m_conn, sql.constData(), values.count(), nullptr, values.data(), nullptr, nullptr, 0), error);
}

std::optional<PgRows> PgConnection::queryPrepared(
    const QByteArray &name, const QByteArray &sql, const QStringList &parameters, QString *error, bool binary)
{
    if (!m_conn) {
        if (error)
            *error = QStringLiteral("not connected");
        return std::nullopt;
    }
    if (!m_prepared.contains(name)) {
        if (!result(PQprepare(m_conn, name.constData(), sql.constData(), 0, nullptr), error))
            return std::nullopt;
        m_prepared.append(name);
    }
    const TextParameters values(parameters);
    return result(
        PQexecPrepared(m_conn, name.constData(), values.count(), values.data(), nullptr, nullptr, binary ? 1 : 0),
        error);
}

std::optional<PgRows> PgConnection::result(pg_result *raw, QString *error)
{
    // A failed query still returns a result carrying the error (or null when out of memory / connection gone).
    const ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        if (error)
            *error = QString::fromUtf8(raw ? PQresultErrorMessage(raw) : PQerrorMessage(m_conn)).trimmed();
        if (raw)
            PQclear(raw);
        if (PQstatus(m_conn) != CONNECTION_OK)
            close();
        return std::nullopt;
    }
    return PgRows(raw);
}

int PgConnection::serverVersionNumber() const
{
    return m_conn ? PQserverVersion(m_conn) : 0;
}
int PgConnection::backendPid() const
{
    return m_conn ? PQbackendPID(m_conn) : 0;
}
QString PgConnection::host() const
{
    return m_conn ? QString::fromUtf8(PQhost(m_conn)) : QString();
}
QString PgConnection::database() const
{
    return m_conn ? QString::fromUtf8(PQdb(m_conn)) : QString();
}
QString PgConnection::user() const
{
    return m_conn ? QString::fromUtf8(PQuser(m_conn)) : QString();
}
QString PgConnection::port() const
{
    return m_conn ? QString::fromUtf8(PQport(m_conn)) : QString();
}

QString PgConnection::quoteIdentifier(const QString &identifier) const
{
    if (!m_conn)
        return {};
    const QByteArray utf8 = identifier.toUtf8();
    char *quoted = PQescapeIdentifier(m_conn, utf8.constData(), std::size_t(utf8.size()));
    if (!quoted)
        return {};
    const QString result = QString::fromUtf8(quoted);
    PQfreemem(quoted);
    return result;
}

} // namespace vigil
