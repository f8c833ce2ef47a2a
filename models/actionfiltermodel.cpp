// SPDX-License-Identifier: MIT
#include "actionfiltermodel.h"

#include "actionhistorymodel.h"

namespace vigil {

ActionFilterModel::ActionFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(ActionHistoryModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    // A row whose state changes must leave or join the filtered view at once (a live journal).
    setDynamicSortFilter(true);
}

void ActionFilterModel::setText(const QString &text)
{
    // Spaces around what was typed or pasted are not part of what the DBA looks for.
    const QString trimmed = text.trimmed();
    if (trimmed == m_text)
        return;
    m_text = trimmed;
    invalidateRowsFilter();
    emit filterChanged();
}

void ActionFilterModel::setStates(const QStringList &states)
{
    if (states == m_states)
        return;
    m_states = states;
    invalidateRowsFilter();
    emit filterChanged();
}

bool ActionFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QAbstractItemModel *source = sourceModel();
    const QModelIndex index = source->index(sourceRow, 0, sourceParent);
    if (!m_states.isEmpty() && !m_states.contains(index.data(ActionHistoryModel::StateRole).toString()))
        return false;
    if (m_text.isEmpty())
        return true;
    for (const int role :
        { ActionHistoryModel::ApplySqlRole, ActionHistoryModel::TargetRole, ActionHistoryModel::ReasonRole }) {
        if (index.data(role).toString().contains(m_text, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

} // namespace vigil
