// SPDX-License-Identifier: MIT
#pragma once

#include "collect/snapshot.h"

#include <QHash>
#include <QString>

#include <vector>

namespace vigil {

/// An action recorded in a trace: what was applied, and when it started and finished.
struct TraceAction
{
    QString id;
    QString kind; ///< create_index, drop_index, set_parameter or other
    QString applySql;
    QString rollbackSql;
    double t = 0; ///< when the action started
    double finishedT = 0; ///< when it completed; the observation window starts here
};

/// A whole vigil-trace/1 recording (see docs/trace-format.md).
struct Trace
{
    double tickSeconds = 1.0; ///< the header's interval_s
    QString serverVersion;
    QString workload;
    QHash<qint64, QString> statementTexts; ///< queryid -> query text, from the header
    std::vector<Snapshot> snapshots; ///< in time order
    std::vector<TraceAction> actions; ///< in file order
};

} // namespace vigil
