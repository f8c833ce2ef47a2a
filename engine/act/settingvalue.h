// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <optional>

namespace vigil::settingvalue {

/// A numeric setting's value as a DBA writes it: the number and the unit after it ("200ms" -> 200 and "ms", "64" ->
/// 64 and "").
struct Number
{
    double value = 0;
    QString unit; ///< as written, trimmed; empty when none
};

/// The number and unit of `text`; nothing when it does not start with a finite number.
std::optional<Number> read(const QString &text);

/// Multiplier from a unit as a DBA may write it to bytes (B, kB, MB, GB, TB) or milliseconds (us, ms, s, min, h, d);
/// 0 when unknown.
double unitFactor(const QString &unit);

/// Memory units (B, kB, 8kB, MB, ...) as opposed to time units (us, ms, s, min, h, d).
bool isMemoryUnit(const QString &unit);

} // namespace vigil::settingvalue
