// SPDX-License-Identifier: MIT
#include "collect/connectioncheck.h"

#include "collect/pgconnection.h"
#include "collect/targetidentity.h"

namespace vigil {

QString oneLineError(const QString &libpqMessage)
{
    // libpq says e.g. "connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n\tIs the server
    // running on that host and accepting TCP/IP connections?": one sentence per line reads better in a label.
    QStringList lines;
    for (const QString &line : libpqMessage.split(u'\n', Qt::SkipEmptyParts)) {
        const QString trimmed = line.simplified();
        if (!trimmed.isEmpty())
            lines << trimmed;
    }
    return lines.join(u' ');
}

ConnectionCheck checkConnection(const QString &conninfo)
{
    ConnectionCheck check;
    PgConnection connection;
    QString error;
    if (!connection.open(conninfo, QStringLiteral("vigil (connection check)"), 5000, "/* vigil check */", &error)) {
        check.error = oneLineError(error);
        return check;
    }
    check.ok = true;
    const int version = connection.serverVersionNumber();
    check.serverVersion = QStringLiteral("%1.%2").arg(version / 10000).arg(version % 10000);
    const TargetIdentity identity = TargetIdentity::of(connection);
    check.displayName = identity.name();
    check.systemIdentifier = identity.systemIdentifier;
    return check;
}

} // namespace vigil
