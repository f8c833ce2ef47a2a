// SPDX-License-Identifier: MIT
#pragma once

#include <QMap>
#include <QString>

#include <optional>

class QSqlDatabase;

namespace vigil {

/**
 * A libpq connection string ("host=db1 dbname=app" or "postgresql://user@db1/app"), parsed by libpq itself
 * (PQconninfoParse), so Vigil reads exactly what psql would. Services (~/.pg_service.conf) and ~/.pgpass are
 * left to libpq at connect time.
 */
/// True for localhost, ::1 and IPv4 literals in 127/8.
bool isLoopbackHost(const QString &host);

class ConnInfo
{
public:
    /// Empty with the reason in error when libpq cannot parse it.
    static std::optional<ConnInfo> parse(const QString &conninfo, QString *error = nullptr);

    QString value(const QString &key) const { return m_values.value(key); }
    bool has(const QString &key) const { return m_values.contains(key); }
    const QMap<QString, QString> &values() const { return m_values; }

    /// host:port/dbname for logs, titles and journal rows. Never the password.
    QString displayName() const;
    /// True when the server is on this machine (Unix socket, localhost or a loopback address).
    bool isLocal() const;

    /// Configures a QPSQL connection with these settings and the given application_name. Host, port, database,
    /// user and password go through the driver's own (quoted) fields; the rest through its connect options.
    void applyTo(QSqlDatabase &db, const QString &applicationName) const;

private:
    QMap<QString, QString> m_values;
};

} // namespace vigil
