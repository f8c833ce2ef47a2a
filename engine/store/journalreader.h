// SPDX-License-Identifier: MIT
#pragma once

#include "act/action.h"

#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QThread;

namespace vigil {

/// One page of the journal, newest first, as JournalReader::readPage() answers it.
struct JournalPage
{
    bool ok = false;
    QString error; ///< why the read failed (ok false)
    std::vector<Action> actions; ///< summaries: no evidence, no details
    qint64 cursor = -1; ///< the newest transition id, read before the page (readFirstPage() only)
    qint64 total = -1; ///< actions in the journal (readFirstPage() only)
};

/// What the journal recorded after a cursor, as JournalReader::readChangesSince() answers it.
struct JournalChanges
{
    bool ok = false;
    QString error;
    bool unchanged = false; ///< no transition since the cursor: nothing else was read
    qint64 cursor = -1; ///< the newest transition id when the changes were read
    qint64 total = -1;
    std::vector<Action> actions; ///< summaries, newest first
};

/**
 * Reads the action journal on a thread of its own, so that no widget or model waits on SQL.
 *
 * The reader opens its own connection to the store (a SQLite file or a PostgreSQL conninfo) in its thread, on the
 * first request. Each request is answered once, by calling its handler in the thread that made the request (the
 * GUI thread, through its event loop), in the order the requests were made. Destroying the reader waits for the read
 * in progress, drops those not started, and calls no handler afterwards.
 */
class JournalReader : public QObject
{
    Q_OBJECT
public:
    explicit JournalReader(const QString &storeLocation, QObject *parent = nullptr);
    ~JournalReader() override;

    QString storeLocation() const { return m_location; }

    /// Opens the store: `done(error)` gets an empty string when it opened.
    void open(std::function<void(const QString &error)> done);
    /// The newest transition id and the number of actions, then the newest `rows` actions: the cursor is read first
    /// so that whatever is journaled between the two comes back through readChangesSince().
    void readFirstPage(int rows, std::function<void(JournalPage)> done);
    /// Up to `rows` actions older than `beforeId`, newest first.
    void readPage(qint64 beforeId, int rows, std::function<void(JournalPage)> done);
    /// Every action with a transition after `lookFrom` when the newest transition id is no longer `cursor`.
    void readChangesSince(qint64 cursor, qint64 lookFrom, std::function<void(JournalChanges)> done);
    /// One action with its evidence and details (nullopt when there is none, or the read failed).
    void readAction(qint64 id, std::function<void(std::optional<Action>)> done);

private:
    class Worker;
    /// Runs `job` on the reader's thread and hands its result to `done` on this object's thread.
    template<typename Result>
    void post(std::function<Result(Worker &)> job, std::function<void(Result)> done);

    QString m_location;
    QThread *m_thread = nullptr;
    Worker *m_worker = nullptr;
};

} // namespace vigil
