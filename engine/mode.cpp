// SPDX-License-Identifier: MIT
#include "mode.h"

namespace vigil {

QString modeName(Mode mode)
{
    switch (mode) {
    case Mode::Observe:
        return QStringLiteral("observe");
    case Mode::Approve:
        return QStringLiteral("approve");
    case Mode::Autonomous:
        return QStringLiteral("autonomous");
    }
    return QStringLiteral("approve");
}

std::optional<Mode> modeFromName(QStringView name)
{
    const QStringView trimmed = name.trimmed();
    for (const Mode mode : { Mode::Observe, Mode::Approve, Mode::Autonomous })
        if (trimmed.compare(modeName(mode), Qt::CaseInsensitive) == 0)
            return mode;
    return std::nullopt;
}

} // namespace vigil
