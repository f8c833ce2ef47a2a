// SPDX-License-Identifier: MIT
#pragma once

#include "act/action.h"
#include "act/executor.h"

#include <QThread>

#include <future>

namespace vigil {

class ExecutorWorker;

/**
 * The executor's own thread and the worker that lives in it (DESIGN.md's executor thread): one session on the
 * target that runs an action's SQL, so the engine's ticks never wait for an index build.
 *
 * The owner connects the worker's signals (its answers) before open(): nothing touches the worker's connections
 * while its thread may be emitting (Qt guards them with futexes ThreadSanitizer cannot see). The calls below are
 * queued into the worker's thread; each answers through the signal ExecutorWorker names.
 */
class ExecutorThread
{
public:
    explicit ExecutorThread(Executor::Options options);
    /// Closes the thread (see close()), or deletes the worker when it never ran.
    ~ExecutorThread();
    ExecutorThread(const ExecutorThread &) = delete;
    ExecutorThread &operator=(const ExecutorThread &) = delete;

    /// For connecting the worker's signals, before open(); null once closed.
    ExecutorWorker *worker() const { return m_worker; }
    /// Starts the thread and opens the worker's session in it; waits for the answer. False with the reason (the
    /// thread is closed again then). `backendPid`: the session's pid on success.
    bool open(QString *error, int *backendPid);
    bool isRunning() const { return m_thread.isRunning(); }
    /// Quits the thread and waits until it has finished: the worker closes its session in its own thread, and the
    /// last results it posted are ordered before whatever the caller frees next. Calls after it do nothing.
    void close();

    void prepare(const Action &action) { call("prepare", action); }
    void lockTarget(const Action &action) { call("lockTarget", action); }
    void apply(const Action &action) { call("apply", action); }
    void rollback(const Action &action) { call("rollback", action); }
    void inspect(const Action &action) { call("inspect", action); }
    void cleanUp(const Action &action) { call("cleanUp", action); }
    void unlockTarget();

private:
    void call(const char *slot, const Action &action);

    QThread m_thread;
    ExecutorWorker *m_worker = nullptr; ///< lives in m_thread once open; deleted there as the thread finishes
    std::future<void> m_ended; ///< ready once m_thread has finished (set in that thread, see open())
};

} // namespace vigil
