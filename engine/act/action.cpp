// SPDX-License-Identifier: MIT
#include "act/action.h"

#include <array>
#include <utility>

namespace vigil {

namespace {
constexpr std::array kKinds { std::pair { ActionKind::SetParameter, "set_parameter" },
    std::pair { ActionKind::CreateIndex, "create_index" }, std::pair { ActionKind::DropIndex, "drop_index" },
    std::pair { ActionKind::Sql, "sql" } };
constexpr std::array kStates { std::pair { ActionState::Proposed, "proposed" },
    std::pair { ActionState::AwaitingApproval, "awaiting_approval" }, std::pair { ActionState::Applying, "applying" },
    std::pair { ActionState::Observing, "observing" }, std::pair { ActionState::Kept, "kept" },
    std::pair { ActionState::RollingBack, "rolling_back" }, std::pair { ActionState::RolledBack, "rolled_back" },
    std::pair { ActionState::Failed, "failed" }, std::pair { ActionState::Rejected, "rejected" },
    std::pair { ActionState::Dropped, "dropped" } };
constexpr std::array kOrigins { std::pair { ActionOrigin::Auto, "auto" }, std::pair { ActionOrigin::User, "user" } };

template<typename Enum, std::size_t N>
QString nameOf(const std::array<std::pair<Enum, const char *>, N> &table, Enum value)
{
    for (const auto &[e, name] : table)
        if (e == value)
            return QString::fromLatin1(name);
    return {};
}

template<typename Enum, std::size_t N>
std::optional<Enum> valueOf(const std::array<std::pair<Enum, const char *>, N> &table, const QString &name)
{
    for (const auto &[e, n] : table)
        if (name == QLatin1StringView(n))
            return e;
    return std::nullopt;
}
} // namespace

QString kindName(ActionKind kind)
{
    return nameOf(kKinds, kind);
}
std::optional<ActionKind> kindFromName(const QString &name)
{
    return valueOf(kKinds, name);
}
QString stateName(ActionState state)
{
    return nameOf(kStates, state);
}
std::optional<ActionState> stateFromName(const QString &name)
{
    return valueOf(kStates, name);
}
QString originName(ActionOrigin origin)
{
    return nameOf(kOrigins, origin);
}
std::optional<ActionOrigin> originFromName(const QString &name)
{
    return valueOf(kOrigins, name);
}

bool isInFlight(ActionState state)
{
    return state == ActionState::Applying || state == ActionState::Observing || state == ActionState::RollingBack;
}

bool isAllowedTransition(ActionState from, ActionState to)
{
    using S = ActionState;
    if (to == S::Failed)
        return from != S::Kept && from != S::RolledBack && from != S::Failed && from != S::Rejected
            && from != S::Dropped;
    switch (from) {
    case S::Proposed:
        return to == S::AwaitingApproval || to == S::Applying || to == S::Rejected || to == S::Dropped;
    case S::AwaitingApproval:
        return to == S::Applying || to == S::Rejected || to == S::Dropped;
    case S::Applying:
        return to == S::Observing || to == S::RollingBack;
    case S::Observing:
        return to == S::Kept || to == S::RollingBack || to == S::Observing; // observing again after recovery
    case S::RollingBack:
        return to == S::RolledBack || to == S::RollingBack; // a rollback retried after recovery
    case S::Kept:
    case S::RolledBack:
    case S::Failed:
    case S::Rejected:
    case S::Dropped:
        return false;
    }
    return false;
}

} // namespace vigil
