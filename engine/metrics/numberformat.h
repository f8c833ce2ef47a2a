// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

namespace vigil::numbers {

/// One way to write Vigil's numbers wherever a DBA reads them: verdict reasons (and so the banner, History, the CSV
/// and `vigilctl`), the evidence pane. Plain digits with thousands separators, three significant digits, and a
/// ratio where a percentage stops meaning anything ("×1,580", not "+157,900%").

/// A relative change: "+30.0%", "-87.0%"; from twice the reference on, the ratio: "×2.4", "×15", "×1,580".
QString change(double fraction);
/// Three significant digits with thousands separators: "0.0522", "82.6", "1,580", "2,710,000".
QString significant(double value);
/// Milliseconds: "0.0522 ms", "82.6 ms", "1,230 ms".
QString milliseconds(double ms);
/// A rate: "1,407 calls/s" (whole above 100), "83.5 calls/s".
QString perSecond(double value, const QString &unit);

} // namespace vigil::numbers
