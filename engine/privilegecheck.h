// SPDX-License-Identifier: MIT
#pragma once

#include "mode.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>

namespace vigil {

class PgConnection;

/**
 * What the connected role may do on the target, and the exact statements that would grant what it may not
 * (docs/security.md). Filled by PrivilegeCheck::run(); plain data otherwise.
 *
 * Modes: observe is always possible once connected (partial without pg_read_all_stats); approve and autonomous
 * need the same grants (the difference is who decides, not what runs): at least one kind of action, i.e.
 * ALTER SYSTEM on a parameter Vigil tunes plus pg_reload_conf(), or a table it may index.
 */
struct PrivilegeReport
{
    QString role; ///< current_user
    QString quotedRole; ///< quote_ident(current_user), for the GRANT statements
    QString database;
    int serverVersion = 0; ///< server_version_num, e.g. 150008
    bool superuser = false;
    bool readAllStats = false; ///< pg_read_all_stats (in pg_monitor): every role's statements and sessions
    bool remote = false; ///< the server is not on this machine: host metrics need pg_read_file
    bool readServerFiles = false; ///< pg_read_server_files: pg_read_file may read outside the data directory
    bool executeReadFile = false; ///< EXECUTE on pg_read_file(text)
    bool reloadConf = false; ///< EXECUTE on pg_reload_conf()
    QStringList parametersAllowed; ///< of PrivilegeCheck::tunableParameters(): ALTER SYSTEM allowed
    QStringList parametersDenied;
    int tables = 0; ///< user tables and materialized views in the database
    int tablesIndexable = 0; ///< of those, owned (through membership) in a schema with USAGE and CREATE
    QStringList missingOwners; ///< quoted owner roles of the tables it may not index for want of ownership
    QStringList superuserOwners; ///< quoted superuser owners of tables it may not index (no GRANT suggested)
    QStringList missingSchemas; ///< quoted schemas lacking USAGE or CREATE for the role

    bool hostMetrics() const { return !remote || (readServerFiles && executeReadFile); }
    bool canChangeParameters() const { return reloadConf && !parametersAllowed.isEmpty(); }
    bool canIndex() const { return tablesIndexable > 0; }
    bool canAct() const { return canChangeParameters() || canIndex(); }
    /// "observe", then "approve" and "autonomous" when the role can act.
    QStringList possibleModes() const;
    bool allows(Mode mode) const { return mode == Mode::Observe || canAct(); }
    /// The statements that would grant what is missing, ready to run (identifiers quoted by the server).
    QStringList missingGrants() const;
    /// Lines a DBA reads: who, which modes, each capability with what it lacks, then the grants.
    QString text() const;
    /// The event payload (engine.privileges); mode_possible tells about @p mode when it is given.
    QJsonObject toJson(std::optional<Mode> mode = std::nullopt) const;
};

/**
 * Asks the server what the connected role may do, over a connection the caller owns (the collector's), with
 * constant SQL and bound parameters only. Every query carries the collector's marker so it is left out of the
 * Snapshots like the collector's own.
 */
class PrivilegeCheck
{
public:
    /// The reloadable parameters Vigil proposes or is commonly asked to change (docs/security.md).
    static const QStringList &tunableParameters();
    /// True when the connection's host is not a Unix socket, localhost or a loopback address.
    static bool isRemote(const PgConnection &connection);
    /// The report for current_user; empty with the reason when a query fails.
    static std::optional<PrivilegeReport> run(PgConnection &connection, bool remote, QString *error = nullptr);
};

} // namespace vigil
