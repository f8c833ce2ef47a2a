// SPDX-License-Identifier: MIT
#include "sqltext.h"

#include <cmath>

namespace vigil::sqltext {

QString quoteIdentifier(const QString &name)
{
    QString quoted = name;
    quoted.replace(u'"', QStringLiteral("\"\""));
    return u'"' + quoted + u'"';
}

QString qualifiedName(const QString &schema, const QString &name)
{
    return quoteIdentifier(schema) + u'.' + quoteIdentifier(name);
}

QString quoteLiteral(const QString &value)
{
    QString quoted = value;
    quoted.replace(u'\'', QStringLiteral("''"));
    return u'\'' + quoted + u'\'';
}

QString memorySize(double bytes)
{
    const qint64 kb = std::max<qint64>(64, qint64(std::ceil(bytes / 1024.0)));
    if (kb % (1024 * 1024) == 0)
        return QString::number(kb / (1024 * 1024)) + QStringLiteral("GB");
    if (kb % 1024 == 0)
        return QString::number(kb / 1024) + QStringLiteral("MB");
    return QString::number(kb) + QStringLiteral("kB");
}

QString shortSql(const QString &sql, int length)
{
    const QString simplified = sql.simplified();
    if (simplified.size() <= length)
        return simplified;
    const qsizetype space = simplified.lastIndexOf(u' ', length - 1);
    return simplified.left(space > length / 2 ? space : length - 1) + u'…';
}

QString duration(double seconds)
{
    const qint64 s = std::max<qint64>(1, std::llround(seconds));
    if (s % 60 == 0)
        return QString::number(s / 60) + QStringLiteral("min");
    return QString::number(s) + u's';
}

} // namespace vigil::sqltext
