// SPDX-License-Identifier: MIT
#pragma once

#include "act/action.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVariantList>

#include <optional>
#include <vector>

class QSqlQuery;

namespace vigil {

class StoreDatabase;

/// One step of an action's life, as the journal keeps it.
struct Transition
{
    qint64 id = 0;
    qint64 actionId = 0;
    ActionState from = ActionState::Proposed;
    ActionState to = ActionState::Proposed;
    QDateTime at;
    QString reason;
    QJsonObject evidence;
};

/// Which actions a history asks for. An empty member matches every action.
struct ActionFilter
{
    QString target; ///< exactly this target
    std::vector<ActionState> states; ///< any of these states
    /// A substring of the apply SQL, the target or the reason, ignoring case (on SQLite only ASCII letters fold).
    QString text;
};

/// How much of each action a read returns. The evidence (every sample of the window) and the details are most of a
/// row's bytes and parsing; a list needs them only for the row a DBA opens.
enum class ActionFields {
    All,
    Summary, ///< Action::evidence and Action::details left empty
};

/**
 * The action journal: every action Vigil proposed, applied or rolled back, and each step of its life with the reason
 * and the evidence, in the store's database (store/storedatabase.h).
 *
 * Every write is a transaction; a failed write returns false and leaves the journal as it was, with the reason in
 * the database's lastError(). A transition the state machine does not allow is refused.
 */
class ActionJournal
{
public:
    explicit ActionJournal(StoreDatabase &database)
        : m_d(database)
    { }

    /// Stores a new action (its id is assigned) with a first transition proposed->state. Returns the id, 0 on failure.
    qint64 createAction(const Action &action, const QString &reason = {});
    /// Moves an action to `to`, writing the transition row and updating the action row in one transaction.
    /// Refused (false) when the state machine does not allow it.
    bool transition(qint64 id, ActionState to, const QString &reason, const QJsonObject &evidence = {});
    /// Replaces details (e.g. the saved index definition) without changing the state.
    bool updateDetails(qint64 id, const QJsonObject &details);

    std::optional<Action> action(qint64 id) const;
    /// Every action, oldest first; only those of `target` when it is not empty.
    std::vector<Action> actions(const QString &target = {}) const;
    /// Actions left in applying / observing / rolling_back (what start-up recovery must finish).
    std::vector<Action> inFlight(const QString &target = {}) const;
    std::vector<Transition> transitions(qint64 actionId) const;

    /// Up to `limit` actions matching `filter` whose id is below `beforeId` (0: from the newest), newest first: the
    /// next page of a history. Ids, not times, order the journal: the store hands them out in insertion order.
    /// `ok` (when given) tells an empty page from a failed read.
    std::vector<Action> actionsPage(qint64 beforeId, int limit, const ActionFilter &filter = {},
        ActionFields fields = ActionFields::All, bool *ok = nullptr) const;
    /// How many actions match `filter`; -1 on failure.
    qint64 countActions(const ActionFilter &filter = {}) const;
    /// The id of the newest transition (0 when there is none, -1 on failure): a cursor for actionsChangedSince().
    qint64 lastTransitionId() const;
    /// The actions with a transition whose id is above `afterTransitionId`, newest first: every action created or
    /// moved to another state since the cursor was read. `ok` (when given) tells none from a failed read.
    std::vector<Action> actionsChangedSince(
        qint64 afterTransitionId, ActionFields fields = ActionFields::All, bool *ok = nullptr) const;

private:
    QString actionSelect(ActionFields fields = ActionFields::All) const;
    /// The WHERE conditions of `filter`, its values appended to `values` in order. Empty when it matches all.
    static QStringList filterConditions(const ActionFilter &filter, QVariantList &values);
    QString transitionSelect() const;
    std::optional<Action> readAction(const QSqlQuery &q) const;
    /// The actions matching `where` (with `values` bound), oldest first (newest first with `newestFirst`), at most
    /// `limit` of them when it is not negative. `ok` is false when the query failed.
    std::vector<Action> selectActions(const QString &where, const QVariantList &values, bool *ok = nullptr,
        bool newestFirst = false, int limit = -1, ActionFields fields = ActionFields::All) const;

    StoreDatabase &m_d;
};

} // namespace vigil
