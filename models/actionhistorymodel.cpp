// SPDX-License-Identifier: MIT
#include "actionhistorymodel.h"

#include "historyformat.h"
#include "store/knowledgestore.h"

#include <QJsonObject>

#include <algorithm>

namespace vigil {

namespace {

/// refresh() reads again the actions of this many transitions before its cursor. On a shared PostgreSQL store ids
/// come from a sequence at insert time, so a short transaction can commit after one with a higher id; looking back
/// a little catches it at the next refresh. Merging a row that did not change emits nothing, so this costs a few
/// rows read, nothing shown.
constexpr qint64 kLookBack = 100;

/// Roles answered the same on every column of a row: a change to one of them concerns the whole row.
bool isRowRole(int role)
{
    return role >= ActionHistoryModel::ActionIdRole && role <= ActionHistoryModel::StatusColorRole;
}

/// Ids strictly decreasing: the position where `id` is or would go.
std::vector<Action>::const_iterator findPosition(const std::vector<Action> &rows, qint64 id)
{
    return std::lower_bound(
        rows.begin(), rows.end(), id, [](const Action &row, qint64 value) { return row.id > value; });
}

} // namespace

ActionHistoryModel::ActionHistoryModel(const QString &storeLocation, QObject *parent)
    : QAbstractTableModel(parent)
    , m_location(storeLocation)
{
    open();
}

ActionHistoryModel::~ActionHistoryModel() = default;

void ActionHistoryModel::open()
{
    QString error;
    m_store = KnowledgeStore::open(m_location, &error);
    if (!m_store)
        setError(error);
}

void ActionHistoryModel::setError(const QString &message)
{
    m_error = message;
    emit errorOccurred(message);
}

void ActionHistoryModel::setStoreLocation(const QString &location)
{
    beginResetModel();
    m_store.reset(); // the old connection goes before the new one opens
    m_location = location;
    m_error.clear();
    m_rows.clear();
    m_fullActions.clear();
    m_fetched = false;
    m_hasMore = true;
    m_cursor = 0;
    m_totalCount = -1;
    open();
    endResetModel();
    emit totalCountChanged(m_totalCount);
}

void ActionHistoryModel::setPageSize(int rows)
{
    m_pageSize = qMax(1, rows);
}

int ActionHistoryModel::rowOfAction(qint64 id) const
{
    const auto it = findPosition(m_rows, id);
    if (it == m_rows.end() || it->id != id)
        return -1;
    return int(it - m_rows.begin());
}

int ActionHistoryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ActionHistoryModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : COLUMN_COUNT;
}

bool ActionHistoryModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_store && m_hasMore;
}

void ActionHistoryModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    fetchPage(m_pageSize);
}

bool ActionHistoryModel::fetchPage(int rows)
{
    if (!m_fetched) {
        // The cursor is read before the first page: whatever happens between the two is merged by refresh().
        const qint64 cursor = m_store->lastTransitionId();
        if (cursor < 0) {
            m_hasMore = false;
            setError(m_store->lastError());
            return false;
        }
        m_cursor = cursor;
        m_fetched = true;
        updateTotalCount();
    }
    bool ok = false;
    const qint64 before = m_rows.empty() ? 0 : m_rows.back().id;
    std::vector<Action> page = m_store->actionsPage(before, rows, {}, ActionFields::Summary, &ok);
    if (!ok) {
        // Stop asking: a view would otherwise call fetchMore again on every layout.
        m_hasMore = false;
        setError(m_store->lastError());
        return false;
    }
    if (int(page.size()) < rows)
        m_hasMore = false;
    if (!page.empty())
        insertAt(int(m_rows.size()), std::move(page));
    return true;
}

bool ActionHistoryModel::fetchAll(const std::function<bool(qint64, qint64)> &progress, int pageRows)
{
    while (canFetchMore({})) {
        if (!fetchPage(qMax(1, pageRows)))
            return false;
        if (progress && !progress(qint64(m_rows.size()), qMax(m_totalCount, qint64(m_rows.size()))))
            return !canFetchMore({});
    }
    return m_store != nullptr;
}

void ActionHistoryModel::updateTotalCount()
{
    const qint64 count = m_store->countActions();
    if (count < 0) {
        setError(m_store->lastError());
        return;
    }
    if (count != m_totalCount) {
        m_totalCount = count;
        emit totalCountChanged(count);
    }
}

void ActionHistoryModel::insertAt(int row, std::vector<Action> actions)
{
    beginInsertRows({}, row, row + int(actions.size()) - 1);
    m_rows.insert(
        m_rows.begin() + row, std::make_move_iterator(actions.begin()), std::make_move_iterator(actions.end()));
    endInsertRows();
}

void ActionHistoryModel::refresh()
{
    if (!m_store || !m_fetched)
        return;
    const qint64 cursor = m_store->lastTransitionId();
    if (cursor < 0) {
        setError(m_store->lastError());
        return;
    }
    if (cursor == m_cursor)
        return; // nothing was journaled since: the common case, one indexed MAX()
    bool ok = false;
    std::vector<Action> changed
        = m_store->actionsChangedSince(qMax<qint64>(0, m_cursor - kLookBack), ActionFields::Summary, &ok);
    if (!ok) {
        setError(m_store->lastError());
        return;
    }
    m_cursor = cursor;

    // Rows already shown first (indices stay valid while nothing is inserted), then the inserts.
    std::vector<Action> newest;
    std::vector<Action> between;
    for (Action &action : changed) {
        if (const int row = rowOfAction(action.id); row >= 0)
            updateRow(row, std::move(action));
        else if (m_rows.empty() || action.id > m_rows.front().id)
            newest.push_back(std::move(action));
        else if (action.id > m_rows.back().id || !m_hasMore)
            between.push_back(std::move(action)); // a late commit inside what is loaded
        // else: older than every loaded row, and a later page brings it
    }
    for (Action &action : between)
        insertAt(int(findPosition(m_rows, action.id) - m_rows.begin()), { std::move(action) });
    if (!newest.empty()) {
        // actionsChangedSince() reads newest first, so the block is already in the rows' order.
        insertAt(0, std::move(newest));
    }
    updateTotalCount();
}

void ActionHistoryModel::updateRow(int row, Action action)
{
    Action &current = m_rows[std::size_t(row)];
    QList<int> roles;
    int first = COLUMN_COUNT;
    int last = -1;
    auto touch = [&](int column, std::initializer_list<int> changedRoles) {
        for (const int role : changedRoles) {
            if (!roles.contains(role))
                roles << role;
        }
        first = std::min(first, column);
        last = std::max(last, column);
    };
    if (action.createdAt != current.createdAt)
        touch(TimeColumn, { Qt::DisplayRole, CreatedAtRole, ExportRole });
    if (action.target != current.target)
        touch(TargetColumn, { Qt::DisplayRole, TargetRole, SortRole, ExportRole });
    if (action.applySql != current.applySql)
        touch(ActionColumn, { Qt::DisplayRole, Qt::ToolTipRole, ApplySqlRole, SortRole, ExportRole });
    if (action.rollbackSql != current.rollbackSql)
        touch(ActionColumn, { RollbackSqlRole });
    if (action.kind != current.kind)
        touch(KindColumn, { Qt::DisplayRole, KindRole, SortRole, ExportRole });
    if (action.origin != current.origin)
        touch(OriginColumn, { Qt::DisplayRole, OriginRole, SortRole, ExportRole });
    if (action.state != current.state)
        touch(StatusColumn, { Qt::DisplayRole, Qt::DecorationRole, StateRole, StatusColorRole, SortRole, ExportRole });
    if (action.reason != current.reason)
        touch(ReasonColumn, { Qt::DisplayRole, Qt::ToolTipRole, ReasonRole, SortRole, ExportRole });
    if (action.updatedAt != current.updatedAt) {
        // A step may have brought a verdict: what was read of the evidence and details is stale.
        touch(TimeColumn, { UpdatedAtRole, EvidenceRole, DetailsRole });
        m_fullActions.remove(action.id);
    }
    // Not compared: reversible and needsRestart (no role shows them) and evidence/details (not in a summary read).
    current.reversible = action.reversible;
    current.needsRestart = action.needsRestart;
    if (roles.isEmpty())
        return;
    current = std::move(action);
    // Row roles and the reason (every cell's tooltip) are answered on all columns.
    if (roles.contains(Qt::ToolTipRole) || std::any_of(roles.begin(), roles.end(), isRowRole)) {
        first = 0;
        last = COLUMN_COUNT - 1;
    }
    emit dataChanged(index(row, first), index(row, last), roles);
}

const Action *ActionHistoryModel::fullAction(qint64 id) const
{
    if (const Action *cached = m_fullActions.object(id))
        return cached;
    if (!m_store)
        return nullptr;
    std::optional<Action> action = m_store->action(id);
    if (!action)
        return nullptr;
    auto *copy = new Action(std::move(*action));
    m_fullActions.insert(id, copy);
    return copy;
}

const QIcon &ActionHistoryModel::iconFor(ActionState state) const
{
    QIcon &icon = m_icons[std::size_t(state)];
    if (icon.isNull())
        icon = statusIcon(state);
    return icon;
}

QString ActionHistoryModel::displayText(const Action &action, int column) const
{
    switch (column) {
    case TimeColumn:
        return m_times.display(action.createdAt);
    case TargetColumn:
        return action.target;
    case ActionColumn:
        return oneLine(action.applySql);
    case KindColumn:
        return kindLabel(action.kind);
    case OriginColumn:
        return originLabel(action.origin);
    case StatusColumn:
        return stateLabel(action.state);
    case ReasonColumn:
        return oneLine(action.reason);
    default:
        return {};
    }
}

QVariant ActionHistoryModel::rawValue(const Action &action, int column) const
{
    switch (column) {
    case TimeColumn:
        return action.createdAt;
    case TargetColumn:
        return action.target;
    case ActionColumn:
        return action.applySql;
    case KindColumn:
        return kindName(action.kind);
    case OriginColumn:
        return originName(action.origin);
    case StatusColumn:
        return stateName(action.state);
    case ReasonColumn:
        return action.reason;
    default:
        return {};
    }
}

QVariant ActionHistoryModel::sortValue(const Action &action, int column) const
{
    switch (column) {
    case TimeColumn:
        // Ids, not the recorded times: across workstations sharing a store, clocks disagree but ids do not.
        return action.id;
    case StatusColumn:
        return stateLabel(action.state); // what the DBA reads, so the order looks alphabetical
    default:
        return displayText(action, column);
    }
}

QVariant ActionHistoryModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Action &action = m_rows[std::size_t(index.row())];
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return displayText(action, column);
    case Qt::ToolTipRole:
        // The cells are elided; the tooltip carries the whole text (the SQL for the action, the reason elsewhere).
        if (column == ActionColumn)
            return action.applySql;
        return action.reason.isEmpty() ? QVariant() : QVariant(action.reason);
    case Qt::DecorationRole:
        if (column == StatusColumn)
            return iconFor(action.state);
        return {};
    case ActionIdRole:
        return action.id;
    case CreatedAtRole:
        return action.createdAt;
    case UpdatedAtRole:
        return action.updatedAt;
    case TargetRole:
        return action.target;
    case ApplySqlRole:
        return action.applySql;
    case RollbackSqlRole:
        return action.rollbackSql;
    case KindRole:
        return kindName(action.kind);
    case OriginRole:
        return originName(action.origin);
    case StateRole:
        return stateName(action.state);
    case ReasonRole:
        return action.reason;
    case EvidenceRole: {
        const Action *full = fullAction(action.id);
        return full ? full->evidence : QJsonObject();
    }
    case DetailsRole: {
        const Action *full = fullAction(action.id);
        return full ? full->details : QJsonObject();
    }
    case StatusColorRole:
        return toneColor(statusTone(action.state));
    case SortRole:
        return sortValue(action, column);
    case ExportRole:
        return rawValue(action, column);
    default:
        return {};
    }
}

QVariant ActionHistoryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= COLUMN_COUNT)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::DisplayRole) {
        switch (section) {
        case TimeColumn:
            return tr("Time");
        case TargetColumn:
            return tr("Target");
        case ActionColumn:
            return tr("Action");
        case KindColumn:
            return tr("Kind");
        case OriginColumn:
            return tr("Origin");
        case StatusColumn:
            return tr("Status");
        case ReasonColumn:
            return tr("Reason");
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case TimeColumn:
            return tr("When the action was recorded (local time)");
        case TargetColumn:
            return tr("The database it acted on");
        case ActionColumn:
            return tr("The statement Vigil applied or proposed");
        case KindColumn:
            return tr("Parameter change, index creation or removal, or the DBA's own SQL");
        case OriginColumn:
            return tr("auto: proposed by a detector; user: typed by a DBA");
        case StatusColumn:
            return tr("Where the action is in its life: green kept, amber in progress, red rolled back or failed, "
                      "grey proposed or rejected");
        case ReasonColumn:
            return tr("Why it reached this status: the verdict's reason or the error");
        }
    }
    return {};
}

QHash<int, QByteArray> ActionHistoryModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractTableModel::roleNames();
    names.insert(ActionIdRole, "actionId");
    names.insert(CreatedAtRole, "createdAt");
    names.insert(UpdatedAtRole, "updatedAt");
    names.insert(TargetRole, "target");
    names.insert(ApplySqlRole, "applySql");
    names.insert(RollbackSqlRole, "rollbackSql");
    names.insert(KindRole, "kind");
    names.insert(OriginRole, "origin");
    names.insert(StateRole, "state");
    names.insert(ReasonRole, "reason");
    names.insert(EvidenceRole, "evidence");
    names.insert(DetailsRole, "details");
    names.insert(StatusColorRole, "statusColor");
    names.insert(SortRole, "sortValue");
    names.insert(ExportRole, "exportValue");
    return names;
}

} // namespace vigil
