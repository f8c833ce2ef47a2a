// SPDX-License-Identifier: MIT
#include "act/indexcleanup.h"

#include <utility>

namespace vigil {

std::optional<Action> IndexCleanup::next(bool idle)
{
    if (!idle || m_withExecutor || m_queue.empty())
        return std::nullopt;
    m_withExecutor = true;
    return m_queue.front();
}

IndexCleanup::Outcome IndexCleanup::cleaned(
    const Action &action, int dropped, const QString &error, const QDateTime &now)
{
    m_withExecutor = false;
    Outcome out;
    if (dropped < 0) {
        out.retry = true;
        out.notice
            = QStringLiteral("the INVALID index of action %1 cannot be dropped yet: %2").arg(action.id).arg(error);
        return out;
    }
    if (!m_queue.empty() && m_queue.front().id == action.id)
        m_queue.pop_front();
    // The action stays failed; its details now say what became of its leftover.
    out.invalidIndex = dropped ? QStringLiteral("dropped by Vigil at %1").arg(now.toUTC().toString(Qt::ISODate))
                               : QStringLiteral("gone (dropped by someone else)");
    return out;
}

QJsonObject IndexCleanup::detailsAfter(QJsonObject details, const Outcome &outcome)
{
    details[QStringLiteral("invalid_index")] = outcome.invalidIndex;
    details.remove(QStringLiteral("invalid_index_left"));
    return details;
}

} // namespace vigil
