// SPDX-License-Identifier: MIT
#pragma once

#include "act/action.h"

#include <QString>

#include <optional>

/// Builds a user action from a DBA's statement (and optional rollback): the kind and details Vigil recognises,
/// else a free-form statement that needs the rollback. Empty with the reason when the input cannot be an action.
std::optional<vigil::Action> actionFromSql(const QString &sql, const QString &rollbackSql, QString *error);
