// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

namespace vigil::sqltext {

/// Always double-quotes (PostgreSQL rules: embedded quotes doubled), so any catalog name stays one identifier.
QString quoteIdentifier(const QString &name);
/// schema.name, both quoted.
QString qualifiedName(const QString &schema, const QString &name);
/// A string literal (embedded single quotes doubled; standard_conforming_strings is on since 9.1).
QString quoteLiteral(const QString &value);
/// A memory size as PostgreSQL accepts it, in the largest whole unit (kB, MB, GB): 8388608 -> "8MB".
QString memorySize(double bytes);
/// A duration in whole seconds or minutes: 300 -> "5min".
QString duration(double seconds);

} // namespace vigil::sqltext
