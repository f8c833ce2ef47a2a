// SPDX-License-Identifier: MIT
#pragma once

#include "act/action.h"
#include "metrics/sample.h"
#include "store/actionjournal.h"
#include "store/samplearchive.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

namespace vigil {

class StoreDatabase;

/**
 * The knowledge store: one database (store/storedatabase.h: open, migrate, dialect, transactions) with its two
 * parts, the action journal (store/actionjournal.h) and the sample archive (store/samplearchive.h).
 *
 * SQLite by default (WAL mode, synchronous=FULL so an acknowledged write survives a crash), PostgreSQL when
 * opened with a conninfo (a team's shared history). The schema is versioned; open() migrates forward.
 *
 * Code that needs one part takes it (journal(), sampleArchive()); the part's calls are also forwarded here, for the
 * callers that use the store as a whole (vigilctl's commands, the tests).
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

    ActionJournal &journal() { return m_journal; }
    const ActionJournal &journal() const { return m_journal; }
    SampleArchive &sampleArchive() { return m_archive; }
    const SampleArchive &sampleArchive() const { return m_archive; }

    // The journal's calls (store/actionjournal.h says what each does).
    qint64 createAction(const Action &action, const QString &reason = {})
    {
        return m_journal.createAction(action, reason);
    }
    bool transition(qint64 id, ActionState to, const QString &reason, const QJsonObject &evidence = {})
    {
        return m_journal.transition(id, to, reason, evidence);
    }
    bool updateDetails(qint64 id, const QJsonObject &details) { return m_journal.updateDetails(id, details); }
    std::optional<Action> action(qint64 id) const { return m_journal.action(id); }
    std::vector<Action> actions(const QString &target = {}) const { return m_journal.actions(target); }
    std::vector<Action> inFlight(const QString &target = {}) const { return m_journal.inFlight(target); }
    std::vector<Transition> transitions(qint64 actionId) const { return m_journal.transitions(actionId); }
    std::vector<Action> actionsPage(qint64 beforeId, int limit, const ActionFilter &filter = {},
        ActionFields fields = ActionFields::All, bool *ok = nullptr) const
    {
        return m_journal.actionsPage(beforeId, limit, filter, fields, ok);
    }
    qint64 countActions(const ActionFilter &filter = {}) const { return m_journal.countActions(filter); }
    qint64 lastTransitionId() const { return m_journal.lastTransitionId(); }
    std::vector<Action> actionsChangedSince(
        qint64 afterTransitionId, ActionFields fields = ActionFields::All, bool *ok = nullptr) const
    {
        return m_journal.actionsChangedSince(afterTransitionId, fields, ok);
    }

    // The archive's calls (store/samplearchive.h says what each does).
    bool addSample(const QString &target, const Sample &sample) { return m_archive.addSample(target, sample); }
    int sampleCount(const QString &target) const { return m_archive.sampleCount(target); }
    std::vector<Sample> samples(const QString &target, double from, double to, bool *ok = nullptr) const
    {
        return m_archive.samples(target, from, to, ok);
    }
    bool prune(const QDateTime &now, qint64 fullRateForSeconds = 24 * 3600)
    {
        return m_archive.prune(now, fullRateForSeconds);
    }

private:
    explicit KnowledgeStore(std::unique_ptr<StoreDatabase> database);

    std::unique_ptr<StoreDatabase> m_database;
    ActionJournal m_journal;
    SampleArchive m_archive;
};

} // namespace vigil
