// SPDX-License-Identifier: MIT
#include "actionhistorymodel.h"

#include "historyformat.h"

#include <QJsonObject>

#include <algorithm>
#include <limits>

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

ActionHistoryModel::~ActionHistoryModel()
{
    m_reader.reset(); // first: no answer may reach a model half destroyed
}

void ActionHistoryModel::open()
{
    m_reader = std::make_unique<JournalReader>(m_location);
    readStarted();
    m_reader->open([this](const QString &error) {
        m_open = error.isEmpty();
        if (!m_open) {
            m_hasMore = false;
            setError(error);
        }
        readEnded();
    });
}

void ActionHistoryModel::readStarted()
{
    ++m_readsInFlight;
}

void ActionHistoryModel::readEnded()
{
    if (--m_readsInFlight == 0)
        emit readingDone();
}

void ActionHistoryModel::setError(const QString &message)
{
    m_error = message;
    emit errorOccurred(message);
}

void ActionHistoryModel::setStoreLocation(const QString &location)
{
    const bool wasReadingAll = m_readingAll;
    beginResetModel();
    m_reader.reset(); // the old reader's answers go with it, before the new one opens
    m_location = location;
    m_open = false;
    m_error.clear();
    m_rows.clear();
    m_fullActions.clear();
    m_fullActionsAsked.clear();
    m_fetched = false;
    m_hasMore = true;
    m_cursor = 0;
    m_totalCount = -1;
    m_readsInFlight = 0;
    m_pageInFlight = m_changesInFlight = m_refreshAgain = m_readingAll = false;
    m_heldChanges.reset();
    open();
    endResetModel();
    emit totalCountChanged(m_totalCount);
    if (wasReadingAll)
        emit readAllFinished(false);
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
    // While a page is on its way there is nothing more to ask for: its arrival inserts rows, and a view asks again.
    return !parent.isValid() && m_reader && m_hasMore && !m_pageInFlight;
}

void ActionHistoryModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    fetchPage(m_pageSize);
}

void ActionHistoryModel::fetchPage(int rows)
{
    m_pageInFlight = true;
    readStarted();
    if (!m_fetched) {
        m_reader->readFirstPage(rows, [this, rows](JournalPage page) {
            if (page.ok && int(page.actions.size()) < rows)
                m_hasMore = false;
            onPageRead(true, std::move(page));
        });
    } else {
        const qint64 before = m_rows.empty() ? 0 : m_rows.back().id;
        m_reader->readPage(before, rows, [this, rows](JournalPage page) {
            if (page.ok && int(page.actions.size()) < rows)
                m_hasMore = false;
            onPageRead(false, std::move(page));
        });
    }
}

void ActionHistoryModel::onPageRead(bool first, JournalPage page)
{
    m_pageInFlight = false;
    if (!page.ok) {
        // Stop asking: a view would otherwise call fetchMore again on every layout.
        m_hasMore = false;
        setError(page.error);
    } else {
        if (first) {
            // The cursor was read before the page: whatever happened between the two is merged by refresh().
            m_cursor = page.cursor;
            m_fetched = true;
            setTotalCount(page.total);
        }
        // A page holds only actions older than every loaded row (a refresh may have merged some meanwhile).
        const qint64 oldest = m_rows.empty() ? std::numeric_limits<qint64>::max() : m_rows.back().id;
        std::erase_if(page.actions, [oldest](const Action &action) { return action.id >= oldest; });
        if (!page.actions.empty())
            insertAt(int(m_rows.size()), std::move(page.actions));
    }
    if (m_readingAll)
        continueReadingAll();
    readEnded();
}

void ActionHistoryModel::readAll(int pageRows)
{
    m_readAllPageRows = qMax(1, pageRows);
    m_readingAll = true;
    if (!m_pageInFlight && !m_changesInFlight) // otherwise the read on its way continues it
        continueReadingAll();
}

void ActionHistoryModel::stopReadingAll()
{
    if (m_readingAll)
        finishReadingAll(false);
}

void ActionHistoryModel::continueReadingAll()
{
    if (!m_fetched && !m_pageInFlight && !m_error.isEmpty()) {
        finishReadingAll(false); // the store could not be opened or read
        return;
    }
    if (m_fetched)
        emit readAllProgress(qint64(m_rows.size()), qMax(m_totalCount, qint64(m_rows.size())));
    if (!m_readingAll)
        return; // stopped from the progress signal
    if (canFetchMore({}))
        fetchPage(m_readAllPageRows);
    else if (!m_pageInFlight && !m_changesInFlight) // a refresh on its way is part of "all"
        finishReadingAll(m_reader && m_fetched && m_error.isEmpty());
}

void ActionHistoryModel::finishReadingAll(bool complete)
{
    m_readingAll = false;
    emit readAllFinished(complete);
}

void ActionHistoryModel::setTotalCount(qint64 count)
{
    if (count >= 0 && count != m_totalCount) {
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
    if (!m_reader || !m_fetched)
        return;
    if (m_changesInFlight || m_mergesHeld) {
        m_refreshAgain = true; // what is journaled meanwhile may have missed the read on its way
        return;
    }
    m_changesInFlight = true;
    readStarted();
    m_reader->readChangesSince(m_cursor, qMax<qint64>(0, m_cursor - kLookBack),
        [this](JournalChanges changes) { onChangesRead(std::move(changes)); });
}

void ActionHistoryModel::holdMerges(bool hold)
{
    m_mergesHeld = hold;
    if (hold)
        return;
    if (m_heldChanges) {
        JournalChanges changes = std::move(*m_heldChanges);
        m_heldChanges.reset();
        readStarted(); // balanced by onChangesRead, as if it had just arrived
        onChangesRead(std::move(changes));
    } else if (m_refreshAgain && !m_changesInFlight) {
        m_refreshAgain = false;
        refresh();
    }
}

void ActionHistoryModel::onChangesRead(JournalChanges changes)
{
    if (m_mergesHeld) {
        m_heldChanges = std::move(changes); // m_changesInFlight stays set: nothing else is asked meanwhile
        readEnded();
        return;
    }
    m_changesInFlight = false;
    if (!changes.ok) {
        setError(changes.error);
    } else if (!changes.unchanged) {
        m_cursor = changes.cursor;
        // Rows already shown first (indices stay valid while nothing is inserted), then the inserts.
        std::vector<Action> newest;
        std::vector<Action> between;
        for (Action &action : changes.actions) {
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
            // The changes are read newest first, so the block is already in the rows' order.
            insertAt(0, std::move(newest));
        }
        setTotalCount(changes.total);
    }
    if (m_refreshAgain) {
        m_refreshAgain = false;
        refresh();
    }
    if (m_readingAll)
        continueReadingAll();
    readEnded();
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
        touch(TimeColumn, { UpdatedAtRole, EvidenceRole, DetailsRole, FullActionReadRole });
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
    if (!m_reader || m_fullActionsAsked.contains(id))
        return nullptr;
    // data() is const for its callers; asking the reader changes only what is cached, and the answer is signalled.
    auto *self = const_cast<ActionHistoryModel *>(this);
    m_fullActionsAsked.insert(id);
    self->readStarted();
    m_reader->readAction(id, [self, id](std::optional<Action> action) { self->onActionRead(id, std::move(action)); });
    return nullptr;
}

void ActionHistoryModel::onActionRead(qint64 id, std::optional<Action> action)
{
    m_fullActionsAsked.remove(id);
    if (action) {
        m_fullActions.insert(id, new Action(std::move(*action)));
        if (const int row = rowOfAction(id); row >= 0)
            emit dataChanged(
                index(row, 0), index(row, COLUMN_COUNT - 1), { EvidenceRole, DetailsRole, FullActionReadRole });
    }
    readEnded();
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
    case FullActionReadRole:
        return m_fullActions.contains(action.id);
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
    names.insert(FullActionReadRole, "fullActionRead");
    return names;
}

} // namespace vigil
