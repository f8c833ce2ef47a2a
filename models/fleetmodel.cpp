// SPDX-License-Identifier: MIT
#include "fleetmodel.h"

namespace vigil {

FleetModel::FleetModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

int FleetModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int FleetModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FleetModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TargetColumn:
        return tr("Target");
    case StateColumn:
        return tr("State");
    case ActionColumn:
        return tr("Last action");
    case RollbackColumn:
        return tr("Last rollback");
    case HeardColumn:
        return tr("Last heard");
    default:
        return {};
    }
}

QVariant FleetModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_rows.size()))
        return {};
    const Row &r = m_rows[std::size_t(index.row())];
    if (role == TargetRole)
        return r.target;
    if (role == StateRole)
        return r.state;
    if (role == RolledBackRole)
        return !r.rollback.isEmpty();
    if (role == Qt::ToolTipRole && index.column() == ActionColumn)
        return r.applySql;
    if (role == Qt::ToolTipRole && index.column() == StateColumn)
        return tr("last event: %1").arg(r.lastEvent);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case TargetColumn:
        return r.target;
    case StateColumn:
        if (!r.pending.empty())
            return tr("%1 (%2 awaiting approval)")
                .arg(r.state.isEmpty() ? tr("watching") : r.state)
                .arg(r.pending.size());
        return r.state.isEmpty() ? tr("watching") : r.state;
    case ActionColumn:
        return r.actionId ? QStringLiteral("#%1 %2").arg(r.actionId).arg(r.applySql.left(80)) : QString();
    case RollbackColumn:
        return r.rollback;
    case HeardColumn:
        return r.heard.toLocalTime().toString(QStringLiteral("HH:mm:ss"));
    default:
        return {};
    }
}

QString FleetModel::target(int row) const
{
    return row >= 0 && row < int(m_rows.size()) ? m_rows[std::size_t(row)].target : QString();
}

QList<QJsonObject> FleetModel::history(const QString &target) const
{
    for (const Row &r : m_rows)
        if (r.target == target)
            return r.history;
    return {};
}

std::vector<FleetModel::Pending> FleetModel::pendingApprovals(const QString &target) const
{
    std::vector<Pending> result;
    for (const Row &r : m_rows)
        if (r.target == target)
            for (const auto &[id, sql] : r.pending)
                result.push_back({ id, sql });
    return result;
}

void FleetModel::addEvent(const QString &subject, const QJsonObject &payload)
{
    if (!payload.value(QLatin1StringView("schema")).toString().startsWith(QLatin1StringView("vigil-event/")))
        return;
    // vigil.<token>.<event>: the payload's target is the exact name; the token stands in when it has none.
    QString target = payload.value(QLatin1StringView("target")).toString();
    if (target.isEmpty())
        target = subject.section(u'.', 1, 1);
    const QString event = payload.value(QLatin1StringView("event")).toString();
    auto it = std::find_if(m_rows.begin(), m_rows.end(), [&](const Row &r) { return r.target == target; });
    int row = int(it - m_rows.begin());
    if (it == m_rows.end()) {
        beginInsertRows({}, row, row);
        Row fresh;
        fresh.target = target;
        m_rows.push_back(std::move(fresh));
        endInsertRows();
        it = m_rows.end() - 1;
    }
    Row &r = *it;
    r.heard = QDateTime::fromString(payload.value(QLatin1StringView("ts")).toString(), Qt::ISODateWithMs);
    if (!r.heard.isValid())
        r.heard = QDateTime::currentDateTimeUtc();
    r.lastEvent = event;
    if (event.startsWith(QLatin1StringView("action.")) && event != QLatin1StringView("action.progress")) {
        const qint64 id = payload.value(QLatin1StringView("action_id")).toInteger();
        const QString sql = payload.value(QLatin1StringView("apply_sql")).toString();
        const QString reason = payload.value(QLatin1StringView("reason")).toString();
        r.state = event.mid(7);
        r.actionId = id;
        if (!sql.isEmpty())
            r.applySql = sql;
        if (event == QLatin1StringView("action.awaiting_approval"))
            r.pending[id] = sql;
        else
            r.pending.erase(id);
        r.history.append(payload);
        if (r.history.size() > kHistoryPerTarget)
            r.history.removeFirst();
        const bool failedRollback
            = event == QLatin1StringView("action.failed") && payload.value(QLatin1StringView("alert")).toBool();
        if (event == QLatin1StringView("action.rolled_back") || failedRollback) {
            r.rollback
                = QStringLiteral("%1 %2").arg(r.heard.toLocalTime().toString(QStringLiteral("HH:mm:ss")), reason);
            emit rollbackSeen(target, r.applySql, reason, failedRollback);
        }
    }
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
    emit targetChanged(target);
}

} // namespace vigil
