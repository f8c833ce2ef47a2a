// SPDX-License-Identifier: MIT
#include "privilegecheck.h"

#include "collect/pgconnection.h"
#include "conninfo.h"

#include <QJsonArray>

namespace vigil {

namespace {

constexpr int kListed = 10; ///< owners or schemas named in a grant list before "and N more"

// Constant SQL only: nothing the user typed reaches these texts; the parameter list goes as a bound array.
// The marker keeps them out of the Snapshots, like every collector query.
constexpr const char *kRoleSql = "/* vigil-collector */ SELECT current_user, quote_ident(current_user), r.rolsuper, "
                                 "pg_has_role(current_user, 'pg_read_all_stats', 'USAGE'), "
                                 "pg_has_role(current_user, 'pg_read_server_files', 'USAGE'), "
                                 "has_function_privilege('pg_catalog.pg_read_file(text)', 'EXECUTE'), "
                                 "has_function_privilege('pg_catalog.pg_reload_conf()', 'EXECUTE'), "
                                 "current_setting('server_version_num')::int, current_database() "
                                 "FROM pg_catalog.pg_roles r WHERE r.rolname = current_user";
// has_parameter_privilege() exists from PostgreSQL 15 on (GRANT ALTER SYSTEM ON PARAMETER came with it).
constexpr const char *kParametersSql = "/* vigil-collector */ SELECT p.name, has_parameter_privilege(p.name, "
                                       "'ALTER SYSTEM') FROM unnest($1::text[]) WITH ORDINALITY AS p(name, n) "
                                       "ORDER BY p.n";
// CREATE INDEX needs the table's ownership (USAGE of the owner role: inherited membership counts) and CREATE on
// its schema (PostgreSQL checks it even for the owner); DROP INDEX needs the ownership. Grouped so a database
// with thousands of tables answers with a few rows.
constexpr const char *kTablesSql
    = "/* vigil-collector */ SELECT quote_ident(n.nspname), quote_ident(pg_catalog.pg_get_userbyid(c.relowner)), "
      "pg_has_role(c.relowner, 'USAGE'), "
      "has_schema_privilege(n.oid, 'USAGE') AND has_schema_privilege(n.oid, 'CREATE'), count(*), o.rolsuper "
      "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "JOIN pg_catalog.pg_roles o ON o.oid = c.relowner "
      "WHERE c.relkind IN ('r', 'm') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%' "
      "GROUP BY 1, 2, 3, 4, 6 ORDER BY 1, 2";

bool isTrue(const PgRows &rows, int row, int column)
{
    return !rows.isNull(row, column) && rows.value(row, column) == "t";
}

QString listed(const QStringList &names)
{
    if (names.size() <= kListed)
        return names.join(QStringLiteral(", "));
    return names.first(kListed).join(QStringLiteral(", ")) + QStringLiteral(" and %1 more").arg(names.size() - kListed);
}

} // namespace

const QStringList &PrivilegeCheck::tunableParameters()
{
    // The detectors' (work_mem, effective_cache_size, idle_in_transaction_session_timeout) and the usual planner
    // and checkpoint ones; all reloadable. Restart-only parameters are refused whatever the role may do.
    static const QStringList parameters { QStringLiteral("work_mem"), QStringLiteral("maintenance_work_mem"),
        QStringLiteral("effective_cache_size"), QStringLiteral("random_page_cost"), QStringLiteral("seq_page_cost"),
        QStringLiteral("effective_io_concurrency"), QStringLiteral("default_statistics_target"),
        QStringLiteral("checkpoint_completion_target"), QStringLiteral("max_wal_size"),
        QStringLiteral("idle_in_transaction_session_timeout") };
    return parameters;
}

bool PrivilegeCheck::isRemote(const PgConnection &connection)
{
    const QString host = connection.host();
    return !(host.isEmpty() || host.startsWith(u'/') || isLoopbackHost(host));
}

std::optional<PrivilegeReport> PrivilegeCheck::run(PgConnection &connection, bool remote, QString *error)
{
    QString why;
    auto failed = [&](const char *what) {
        if (error)
            *error = QStringLiteral("cannot read the role's privileges (%1): %2").arg(QLatin1StringView(what), why);
        return std::nullopt;
    };
    PrivilegeReport report;
    report.remote = remote;
    const std::optional<PgRows> role = connection.query(kRoleSql, {}, &why);
    if (!role || role->rows() != 1)
        return failed("role");
    report.role = QString::fromUtf8(role->value(0, 0));
    report.quotedRole = QString::fromUtf8(role->value(0, 1));
    report.superuser = isTrue(*role, 0, 2);
    report.readAllStats = isTrue(*role, 0, 3);
    report.readServerFiles = isTrue(*role, 0, 4);
    report.executeReadFile = isTrue(*role, 0, 5);
    report.reloadConf = isTrue(*role, 0, 6);
    report.serverVersion = int(role->integer(0, 7).value_or(0));
    report.database = QString::fromUtf8(role->value(0, 8));

    if (report.serverVersion >= 150000) {
        const QString array = u'{' + tunableParameters().join(u',') + u'}';
        const std::optional<PgRows> parameters = connection.query(kParametersSql, { array }, &why);
        if (!parameters)
            return failed("parameters");
        for (int row = 0; row < parameters->rows(); ++row)
            (isTrue(*parameters, row, 1) ? report.parametersAllowed : report.parametersDenied)
                << QString::fromUtf8(parameters->value(row, 0));
    } else {
        // Before 15, ALTER SYSTEM is for superusers only.
        (report.superuser ? report.parametersAllowed : report.parametersDenied) = tunableParameters();
    }

    const std::optional<PgRows> tables = connection.query(kTablesSql, {}, &why);
    if (!tables)
        return failed("tables");
    for (int row = 0; row < tables->rows(); ++row) {
        const QString schema = QString::fromUtf8(tables->value(row, 0));
        const QString owner = QString::fromUtf8(tables->value(row, 1));
        const bool owns = isTrue(*tables, row, 2);
        const bool creates = isTrue(*tables, row, 3);
        const int count = int(tables->integer(row, 4).value_or(0));
        report.tables += count;
        if (owns && creates)
            report.tablesIndexable += count;
        // Membership in a superuser's role would hand Vigil everything that role owns: never suggested.
        QStringList &owners = isTrue(*tables, row, 5) ? report.superuserOwners : report.missingOwners;
        if (!owns && !owners.contains(owner))
            owners << owner;
        if (!creates && !report.missingSchemas.contains(schema))
            report.missingSchemas << schema;
    }
    return report;
}

QStringList PrivilegeReport::possibleModes() const
{
    QStringList modes { modeName(Mode::Observe) };
    if (canAct())
        modes << modeName(Mode::Approve) << modeName(Mode::Autonomous);
    return modes;
}

QStringList PrivilegeReport::missingGrants() const
{
    QStringList grants;
    auto grant = [&](const QString &what) { grants << QStringLiteral("GRANT %1 TO %2;").arg(what, quotedRole); };
    if (!readAllStats)
        grant(QStringLiteral("pg_monitor"));
    if (remote && !readServerFiles)
        grant(QStringLiteral("pg_read_server_files"));
    if (remote && !executeReadFile)
        grant(QStringLiteral("EXECUTE ON FUNCTION pg_read_file(text)"));
    if (!parametersDenied.isEmpty() && serverVersion >= 150000)
        grant(QStringLiteral("ALTER SYSTEM ON PARAMETER ") + parametersDenied.join(QStringLiteral(", ")));
    if (!reloadConf)
        grant(QStringLiteral("EXECUTE ON FUNCTION pg_reload_conf()"));
    for (const QString &owner : missingOwners.first(std::min<qsizetype>(kListed, missingOwners.size())))
        grant(owner);
    for (const QString &schema : missingSchemas.first(std::min<qsizetype>(kListed, missingSchemas.size())))
        grant(QStringLiteral("USAGE, CREATE ON SCHEMA ") + schema);
    return grants;
}

QString PrivilegeReport::text() const
{
    QStringList lines;
    lines << QStringLiteral("role %1 on database %2 (PostgreSQL %3.%4)%5")
                 .arg(role, database)
                 .arg(serverVersion / 10000)
                 .arg(serverVersion % 10000)
                 .arg(superuser ? QStringLiteral(", superuser") : QString());
    const bool partial = !readAllStats || !hostMetrics();
    lines << QStringLiteral("  observe: possible%1").arg(partial ? QStringLiteral(" (partly: see below)") : QString());
    lines << (canAct() ? QStringLiteral("  approve, autonomous: possible (%1)")
                             .arg(canChangeParameters() && canIndex() ? QStringLiteral("parameters and indexes")
                                     : canChangeParameters()          ? QStringLiteral("parameters only")
                                                                      : QStringLiteral("indexes only"))
                       : QStringLiteral("  approve, autonomous: not possible: the role may change no parameter "
                                        "and index no table"));
    lines << (readAllStats ? QStringLiteral("  statistics: every role's statements and sessions (pg_read_all_stats)")
                           : QStringLiteral("  statistics: only the role's own statements and sessions "
                                            "(pg_stat_statements hides other roles' queryid and text, "
                                            "pg_stat_activity their sessions): needs pg_monitor"));
    if (!remote)
        lines << QStringLiteral("  host metrics: read locally (the server is on this machine)");
    else if (hostMetrics())
        lines << QStringLiteral("  host metrics: the server's /proc through pg_read_file()");
    else
        lines << QStringLiteral("  host metrics: unavailable (the server is remote): needs pg_read_server_files "
                                "and EXECUTE on pg_read_file(text)");
    const int parameterCount = int(parametersAllowed.size() + parametersDenied.size());
    if (parametersDenied.isEmpty() && reloadConf)
        lines << QStringLiteral("  parameters: ALTER SYSTEM on all %1 Vigil tunes, and pg_reload_conf()")
                     .arg(parameterCount);
    else
        lines << QStringLiteral("  parameters: ALTER SYSTEM on %1 of %2 Vigil tunes%3%4%5")
                     .arg(parametersAllowed.size())
                     .arg(parameterCount)
                     .arg(parametersDenied.isEmpty() ? QString()
                                                     : QStringLiteral(" (not on %1)").arg(listed(parametersDenied)))
                     .arg(reloadConf ? QString() : QStringLiteral("; no EXECUTE on pg_reload_conf()"))
                     .arg(serverVersion < 150000 && !superuser
                             ? QStringLiteral("; before PostgreSQL 15 only a superuser may ALTER SYSTEM")
                             : QString());
    QString indexes
        = QStringLiteral("  indexes: may build and drop them on %1 of %2 tables").arg(tablesIndexable).arg(tables);
    if (!missingOwners.isEmpty())
        indexes += QStringLiteral("; needs ownership (membership) of %1").arg(listed(missingOwners));
    if (!superuserOwners.isEmpty())
        indexes += QStringLiteral("; tables owned by superuser %1 are out of reach (give them another owner "
                                  "with ALTER TABLE ... OWNER TO, or leave them to a human)")
                       .arg(listed(superuserOwners));
    if (!missingSchemas.isEmpty())
        indexes += QStringLiteral("; needs USAGE and CREATE on schema %1").arg(listed(missingSchemas));
    lines << indexes;
    const QStringList grants = missingGrants();
    if (!grants.isEmpty()) {
        lines << QStringLiteral("to allow what is missing (see docs/security.md), as a superuser:");
        for (const QString &grant : grants)
            lines << QStringLiteral("  ") + grant;
    }
    return lines.join(u'\n');
}

QJsonObject PrivilegeReport::toJson(std::optional<Mode> mode) const
{
    QJsonObject o { { QStringLiteral("role"), role }, { QStringLiteral("database"), database },
        { QStringLiteral("server_version_num"), serverVersion }, { QStringLiteral("superuser"), superuser },
        { QStringLiteral("modes"), QJsonArray::fromStringList(possibleModes()) },
        { QStringLiteral("read_all_stats"), readAllStats }, { QStringLiteral("remote"), remote },
        { QStringLiteral("host_metrics"), hostMetrics() },
        { QStringLiteral("parameters_allowed"), QJsonArray::fromStringList(parametersAllowed) },
        { QStringLiteral("parameters_denied"), QJsonArray::fromStringList(parametersDenied) },
        { QStringLiteral("reload_conf"), reloadConf }, { QStringLiteral("tables"), tables },
        { QStringLiteral("tables_indexable"), tablesIndexable },
        { QStringLiteral("missing_grants"), QJsonArray::fromStringList(missingGrants()) },
        { QStringLiteral("text"), text() } };
    if (mode) {
        o.insert(QStringLiteral("mode"), modeName(*mode));
        o.insert(QStringLiteral("mode_possible"), allows(*mode));
    }
    return o;
}

} // namespace vigil
