// SPDX-License-Identifier: MIT
#include "collect/targetidentity.h"

#include "collect/pgconnection.h"
#include "conninfo.h"

#include <QSysInfo>

namespace vigil {

QString TargetIdentity::name() const
{
    return QStringLiteral("%1:%2/%3").arg(host, port, database);
}

QString TargetIdentity::hostName(const QString &libpqHost)
{
    if (libpqHost.isEmpty() || libpqHost.startsWith(u'/') || libpqHost.startsWith(u'@') || isLoopbackHost(libpqHost)) {
        const QString machine = QSysInfo::machineHostName();
        return machine.isEmpty() ? QStringLiteral("localhost") : machine;
    }
    return libpqHost;
}

TargetIdentity TargetIdentity::of(PgConnection &connection)
{
    TargetIdentity identity;
    identity.host = hostName(connection.host());
    identity.port = connection.port();
    identity.database = connection.database();
    // Readable by superusers and pg_monitor members (the monitoring grant docs/security.md asks for); without it
    // the name alone identifies the target.
    if (const auto rows
        = connection.query("/* vigil identity */ SELECT system_identifier::text FROM pg_control_system()");
        rows && rows->rows() == 1)
        identity.systemIdentifier = QString::fromUtf8(rows->value(0, 0));
    return identity;
}

} // namespace vigil
