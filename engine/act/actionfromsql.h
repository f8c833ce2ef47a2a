// SPDX-License-Identifier: MIT
#pragma once

#include "act/action.h"

#include <QString>

#include <optional>

namespace vigil {

/// Builds a user action from a DBA's statement (and optional rollback): the kind and details Vigil recognises,
/// else a free-form statement that needs the rollback. Empty with the reason when the input cannot be an action.
std::optional<Action> actionFromSql(const QString &sql, const QString &rollbackSql, QString *error);

/// What the rollback of the statement will be, in words and SQL, before the catalog is consulted (the executor
/// completes it when it prepares the action). Empty when Vigil does not know how to take the statement back.
QString derivedRollbackPreview(const QString &sql);

} // namespace vigil
