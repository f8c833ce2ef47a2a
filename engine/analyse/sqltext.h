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
/// A statement on one line for a label or a log line: white space simplified, at most `length` characters, cut
/// between words where that keeps at least half, with an ellipsis.
QString shortSql(const QString &sql, int length);

} // namespace vigil::sqltext
