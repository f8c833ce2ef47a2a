// SPDX-License-Identifier: MIT
#pragma once

#include "act/action.h"
#include "metrics/sample.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

namespace vigil {

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
 * The journal of actions and their transitions, and the recent samples, through Qt SQL.
 *
 * SQLite by default (WAL mode, synchronous=FULL so an acknowledged write survives a crash), PostgreSQL when
 * opened with a conninfo (a team's shared history). The schema is versioned; open() migrates forward.
 *
 * Thread affinity: a store belongs to the thread that opened it (Qt SQL connections do); each instance uses a
 * uniquely named connection. Every write is a transaction; a failed write returns false and leaves the journal
 * as it was, with the reason in lastError().
 */
class KnowledgeStore
{
public:
    /// The SQLite file Vigil uses when none is given: <AppDataLocation>/vigil.sqlite.
    static QString defaultLocation();
    /// True for "host=... dbname=..." or "postgresql://..." / "postgres://..." conninfos; false for a file path.
    static bool isConninfo(const QString &location);

    /// Opens (creating and migrating if needed) the store at `location`. Null with `error` filled on failure.
    static std::unique_ptr<KnowledgeStore> open(const QString &location, QString *error);
    ~KnowledgeStore();

    int schemaVersion() const;
    QString lastError() const;
    /// The Qt SQL connection's name, for tests that make the store fail underneath (read-only, full).
    QString connectionName() const;

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

    /// Appends a sample of one target at full rate. sample.tEnd is read as seconds since the Unix epoch (live
    /// sources stamp Snapshots with epoch time). prune() downsamples samples older than `fullRateForSeconds`
    /// to one per minute (averages) and keeps them.
    bool addSample(const QString &target, const Sample &sample);
    int sampleCount(const QString &target) const;
    /// The stored samples of `target` with tEnd in [from, to] (seconds since the Unix epoch), oldest first, full-rate
    /// and downsampled alike: tEnd, the metrics addSample() keeps (the others are empty) and, for a per-minute
    /// average, tStart a minute before. `ok` (when given) tells none from a failed read.
    std::vector<Sample> samples(const QString &target, double from, double to, bool *ok = nullptr) const;
    bool prune(const QDateTime &now, qint64 fullRateForSeconds = 24 * 3600);

private:
    KnowledgeStore();
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace vigil
