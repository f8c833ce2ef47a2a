// SPDX-License-Identifier: MIT
#pragma once

#include "collect/dbcollector.h"

#include <QJsonObject>
#include <QStringList>

#include <optional>

namespace vigil {

/// What a running CREATE INDEX CONCURRENTLY is doing, as the engine reports it every tick.
struct IndexBuildReport
{
    /// The `action.progress` event's fields (phase, percent, what it waits for and the sessions it waits on);
    /// empty when there is nothing to say (the build neither reports progress nor waits).
    std::optional<QJsonObject> progress;
    /// The sessions holding the table's lock the build waits for (the lifecycle cancels a wait longer than the lock
    /// timeout); none when it waits for nothing or only for old transactions to end, which blocks nobody.
    std::optional<QStringList> tableLockHolders;
};

/// Pure: from what pg_stat_progress_create_index and pg_locks said about the executor's session.
IndexBuildReport reportIndexBuild(qint64 actionId, const std::optional<DbCollector::IndexBuildProgress> &progress,
    const std::optional<DbCollector::LockWait> &wait);

} // namespace vigil
