// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

namespace vigil {

class PgConnection;

/**
 * Which server and database a connection reached, as libpq resolved it: the connection string, PGHOST, PGPORT,
 * PGDATABASE, PGSERVICE and service files all taken into account, because the identity is read from the open
 * connection, not from the text the user typed. One name per target for journal rows, approvals, recovery,
 * samples and NATS subjects, however the server was reached.
 */
struct TargetIdentity
{
    QString host; ///< the server's host; this machine's name when the server is local (socket or loopback)
    QString port;
    QString database;
    /// The cluster's system identifier (pg_control_system()): two servers with one name differ here. Empty when
    /// the role may not read it.
    QString systemIdentifier;

    /// host:port/database, e.g. "db1:5432/app". Never the user or the password.
    QString name() const;

    /// Reads the identity of an open connection (one query, for the system identifier).
    static TargetIdentity of(PgConnection &connection);
    /// The host part of the name for what libpq reports as the host: a socket directory, localhost or a
    /// loopback address become this machine's name, so two agents that reach their own servers through local
    /// sockets do not share a name in a fleet.
    static QString hostName(const QString &libpqHost);
};

} // namespace vigil
