// SPDX-License-Identifier: MIT
#pragma once

#include "act/action.h"

#include <QObject>

class QSocketNotifier;
#include <QString>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

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
 * first request. Each request is answered once, by calling its handler in the thread that owns the reader (the GUI
 * thread, through its event loop), in the order the requests were made. Destroying the reader waits for the read
 * in progress, drops those not started, and calls no handler afterwards.
 *
 * Requests and answers cross between the threads through two queues under one std::mutex; the reader's thread wakes
 * the owner's event loop by writing an eventfd (watched by a QSocketNotifier) and touches no Qt object; the thread is
 * a std::thread that the destructor joins. Every hand-over is thus ordered by something ThreadSanitizer sees: Qt's
 * posted events (the post-event list) and QThread's end are ordered by futexes it does not.
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
    /// The reader's thread: runs the requests in order until the reader stops, then closes the store there.
    void run();
    /// Called by the reader's thread after queuing an answer: writes the eventfd (Qt's posted events if it failed).
    void wakeOwner();
    /// Calls the handlers of the answers that arrived, in order (on this object's thread).
    void deliverAnswers();

    QString m_location;
    std::unique_ptr<Worker> m_worker; ///< used only by the reader's thread once it started
    std::mutex m_mutex; ///< guards the three below
    std::condition_variable m_requestsChanged;
    std::deque<std::function<void()>> m_requests; ///< run on the reader's thread
    std::deque<std::function<void()>> m_answers; ///< run on this object's thread
    bool m_stopping = false;
    std::shared_ptr<bool> m_alive; ///< false once destroyed: a handler that destroys the reader stops delivery
    int m_wakeFd = -1; ///< an eventfd the reader's thread writes when answers arrive
    QSocketNotifier *m_wakeNotifier = nullptr; ///< watches m_wakeFd in this object's thread
    std::thread m_thread; ///< last: started once everything above exists
};

} // namespace vigil
