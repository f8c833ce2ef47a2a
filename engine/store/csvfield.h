// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace vigil {

/// One CSV field as RFC 4180 writes it: quoted, with its quotes doubled, when it holds a comma, a quote, CR or LF, or
/// starts with U+FEFF (first in a file it would read back as a byte-order mark and vanish; found by fuzz_csvwriter).
/// The one escaping of every CSV Vigil writes: the desktop's History export and `vigilctl history` / `samples`.
QString csvField(const QString &field);

/// One CSV line: the fields escaped, joined by commas, ended by CRLF, in UTF-8 without a byte-order mark.
QByteArray csvLine(const QStringList &fields);

} // namespace vigil
