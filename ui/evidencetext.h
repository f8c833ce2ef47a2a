// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QString>

namespace vigil {

/// A detector's evidence as a DBA reads it: one line per fact, its name in words ("seq tup read per second:
/// 979,613"), numbers with three significant digits and thousands separators, nested facts indented. The raw JSON
/// stays available (rawEvidence) for whoever wants the exact values.
QString readableEvidence(const QJsonObject &evidence);
/// The same evidence as indented JSON, exact.
QString rawEvidence(const QJsonObject &evidence);

} // namespace vigil
