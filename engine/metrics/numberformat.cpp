// SPDX-License-Identifier: MIT
#include "metrics/numberformat.h"

#include <QLocale>

#include <cmath>

namespace vigil::numbers {

namespace {
/// English digits and separators whatever the desktop's locale: verdicts are journaled and shared as text.
const QLocale &english()
{
    static const QLocale locale(QLocale::English, QLocale::UnitedStates);
    return locale;
}

/// value rounded to three significant digits, written with the decimals that keeps.
QString threeDigits(double value)
{
    if (value == 0 || !std::isfinite(value))
        return english().toString(value, 'f', 0);
    const int magnitude = int(std::floor(std::log10(std::abs(value))));
    const int decimals = std::max(0, 2 - magnitude);
    const double scale = std::pow(10.0, magnitude - 2);
    const double rounded = decimals > 0 ? value : std::round(value / scale) * scale;
    QString text = english().toString(rounded, 'f', decimals);
    if (decimals > 0) { // "1.2", not "1.20": the digits that carry information only
        while (text.endsWith(u'0'))
            text.chop(1);
        if (text.endsWith(u'.'))
            text.chop(1);
    }
    return text;
}
} // namespace

QString change(double fraction)
{
    const double ratio = 1.0 + fraction;
    if (std::isfinite(ratio) && ratio >= 2.0)
        return u'×' + (ratio < 10 ? english().toString(ratio, 'f', 1) : threeDigits(ratio));
    const double pct = 100.0 * fraction;
    return (pct >= 0 ? QStringLiteral("+") : QString()) + QString::number(pct, 'f', 1) + u'%';
}

QString significant(double value)
{
    return threeDigits(value);
}

QString milliseconds(double ms)
{
    return threeDigits(ms) + QStringLiteral(" ms");
}

QString perSecond(double value, const QString &unit)
{
    return english().toString(value, 'f', std::abs(value) >= 100 ? 0 : 1) + u' ' + unit;
}

} // namespace vigil::numbers
