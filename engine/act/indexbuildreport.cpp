// SPDX-License-Identifier: MIT
#include "act/indexbuildreport.h"

#include <QJsonArray>

namespace vigil {

IndexBuildReport reportIndexBuild(qint64 actionId, const std::optional<DbCollector::IndexBuildProgress> &progress,
    const std::optional<DbCollector::LockWait> &wait)
{
    IndexBuildReport report;
    const bool tableLock = wait && wait->lockType == QLatin1StringView("relation");
    if (progress || wait) {
        QJsonObject fields { { QStringLiteral("action_id"), actionId },
            { QStringLiteral("phase"), progress ? progress->phase : QStringLiteral("waiting for the table's lock") } };
        if (progress && progress->percent)
            fields.insert(QStringLiteral("percent"), *progress->percent);
        if (wait) {
            fields.insert(QStringLiteral("waiting_for"),
                tableLock ? QStringLiteral("table_lock") : QStringLiteral("transactions"));
            QJsonArray blockers;
            for (const DbCollector::LockWait::Blocker &b : wait->blockers) {
                QJsonObject blocker { { QStringLiteral("pid"), b.pid } };
                if (b.transactionSeconds)
                    blocker.insert(QStringLiteral("transaction_seconds"), *b.transactionSeconds);
                blockers.append(blocker);
            }
            fields.insert(QStringLiteral("blockers"), blockers);
        }
        report.progress = fields;
    }
    if (tableLock) {
        QStringList holders;
        for (const DbCollector::LockWait::Blocker &b : wait->blockers)
            holders << QString::number(b.pid);
        report.tableLockHolders = holders;
    }
    return report;
}

} // namespace vigil
