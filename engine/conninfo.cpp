// SPDX-License-Identifier: MIT
#include "conninfo.h"

#include <QRegularExpression>
#include <QSqlDatabase>
#include <QStringList>

#include <libpq-fe.h>

namespace vigil {

std::optional<ConnInfo> ConnInfo::parse(const QString &conninfo, QString *error)
{
    char *message = nullptr;
    const QByteArray utf8 = conninfo.toUtf8();
    PQconninfoOption *options = PQconninfoParse(utf8.constData(), &message);
    if (!options) {
        // libpq's message may quote a piece of the string, which can be a password: say what is wrong without it.
        if (error)
            *error = QStringLiteral("cannot parse the connection string: expected keyword=value pairs (host=... "
                                    "port=... dbname=... user=...) or a postgresql://user@host:port/dbname URI");
        if (message)
            PQfreemem(message);
        return std::nullopt;
    }
    ConnInfo info;
    for (PQconninfoOption *o = options; o->keyword; ++o) {
        if (o->val && *o->val)
            info.m_values.insert(QString::fromUtf8(o->keyword), QString::fromUtf8(o->val));
    }
    PQconninfoFree(options);
    return info;
}

QString ConnInfo::displayName() const
{
    QString host = value(QStringLiteral("host"));
    if (host.isEmpty() || host.startsWith(u'/'))
        host = QStringLiteral("localhost");
    const QString port = has(QStringLiteral("port")) ? value(QStringLiteral("port")) : QStringLiteral("5432");
    QString db = value(QStringLiteral("dbname"));
    if (db.isEmpty() && has(QStringLiteral("service")))
        return QStringLiteral("service=") + value(QStringLiteral("service"));
    if (db.isEmpty())
        db = value(QStringLiteral("user"));
    return QStringLiteral("%1:%2/%3").arg(host, port, db);
}

bool isLoopbackHost(const QString &host)
{
    // Only an IPv4 literal in 127/8 or ::1 is loopback: "127.db.example.com" is a name like any other.
    static const QRegularExpression ipv4Loopback(QStringLiteral("^127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}$"));
    return host == QLatin1StringView("localhost") || host == QLatin1StringView("::1")
        || ipv4Loopback.match(host).hasMatch();
}

bool ConnInfo::isLocal() const
{
    const QString host = value(QStringLiteral("host"));
    const QString address = value(QStringLiteral("hostaddr"));
    if (!address.isEmpty())
        return isLoopbackHost(address);
    return host.isEmpty() || host.startsWith(u'/') || isLoopbackHost(host);
}

void ConnInfo::applyTo(QSqlDatabase &db, const QString &applicationName) const
{
    QStringList options;
    for (auto it = m_values.cbegin(); it != m_values.cend(); ++it) {
        const QString &key = it.key();
        if (key == QLatin1StringView("host"))
            db.setHostName(it.value());
        else if (key == QLatin1StringView("port"))
            db.setPort(it.value().toInt());
        else if (key == QLatin1StringView("dbname"))
            db.setDatabaseName(it.value());
        else if (key == QLatin1StringView("user"))
            db.setUserName(it.value());
        else if (key == QLatin1StringView("password"))
            db.setPassword(it.value());
        else if (key != QLatin1StringView("application_name")
            && key != QLatin1StringView("fallback_application_name")) {
            // The QPSQL driver turns ';' into ' ' in its options: a value with one cannot pass intact, so it is
            // left out rather than passed mangled (none of libpq's other keywords needs one in practice).
            if (it.value().contains(u';'))
                continue;
            // libpq's quoting: single quotes around the value, backslash before ' and \.
            QString quoted = it.value();
            quoted.replace(u'\\', QStringLiteral("\\\\"));
            quoted.replace(u'\'', QStringLiteral("\\'"));
            options << key + QStringLiteral("='") + quoted + u'\'';
        }
    }
    options << QStringLiteral("application_name=") + applicationName;
    if (!has(QStringLiteral("connect_timeout")))
        options << QStringLiteral("connect_timeout=5");
    db.setConnectOptions(options.join(u';'));
}

} // namespace vigil
