// SPDX-License-Identifier: MIT
#include "act/settingvalue.h"

#include <QHash>

#include <cmath>

namespace vigil::settingvalue {

std::optional<Number> read(const QString &text)
{
    const QString v = text.trimmed();
    qsizetype i = 0;
    while (i < v.size() && (v[i].isDigit() || v[i] == u'.' || v[i] == u'-' || v[i] == u'+'))
        ++i;
    bool ok = false;
    const double number = v.left(i).toDouble(&ok);
    if (!ok || !std::isfinite(number))
        return std::nullopt;
    return Number { number, v.mid(i).trimmed() };
}

double unitFactor(const QString &unit)
{
    static const QHash<QString, double> factors {
        { QStringLiteral("B"), 1.0 },
        { QStringLiteral("kB"), 1024.0 },
        { QStringLiteral("MB"), 1024.0 * 1024 },
        { QStringLiteral("GB"), 1024.0 * 1024 * 1024 },
        { QStringLiteral("TB"), 1024.0 * 1024 * 1024 * 1024 },
        { QStringLiteral("us"), 0.001 },
        { QStringLiteral("ms"), 1.0 },
        { QStringLiteral("s"), 1000.0 },
        { QStringLiteral("min"), 60000.0 },
        { QStringLiteral("h"), 3600000.0 },
        { QStringLiteral("d"), 86400000.0 },
    };
    return factors.value(unit, 0.0);
}

bool isMemoryUnit(const QString &unit)
{
    return unit.endsWith(u'B');
}

} // namespace vigil::settingvalue
