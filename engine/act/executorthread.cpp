// SPDX-License-Identifier: MIT
#include "act/executorthread.h"

#include "act/executorworker.h"

#include <memory>

namespace vigil {

ExecutorThread::ExecutorThread(Executor::Options options)
    : m_worker(new ExecutorWorker(std::move(options)))
{
    m_thread.setObjectName(QStringLiteral("vigil-executor"));
    m_worker->moveToThread(&m_thread);
    // Deleted in its own thread when the thread ends: its destructor closes the Qt SQL connection it opened there.
    QObject::connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    // Set in the executor thread as it finishes, after everything it posted to the owner: close() waits for it, so
    // that the results it posted and the owner frees unread are ordered by something ThreadSanitizer sees
    // (QThread::wait() is a futex it does not; a vigilctl stopped by SIGTERM showed that race).
    auto ended = std::make_shared<std::promise<void>>();
    m_ended = ended->get_future();
    QObject::connect(
        &m_thread, &QThread::finished, m_worker, [ended] { ended->set_value(); }, Qt::DirectConnection);
}

ExecutorThread::~ExecutorThread()
{
    if (m_thread.isRunning())
        close();
    else
        delete m_worker; // never started (null once a thread ran: that thread deleted it)
}

bool ExecutorThread::open(QString *error, int *backendPid)
{
    // The session is opened as the thread starts (started() runs in the new thread), and the answer comes back
    // through a std::future, which ThreadSanitizer sees, unlike a blocking queued call.
    struct Opened
    {
        bool ok = false;
        QString error;
        int pid = 0;
    };
    std::promise<Opened> openedPromise;
    std::future<Opened> openedFuture = openedPromise.get_future();
    QObject::connect(&m_thread, &QThread::started, m_worker, &ExecutorWorker::open,
        Qt::ConnectionType(Qt::DirectConnection | Qt::SingleShotConnection));
    QObject::connect(
        m_worker, &ExecutorWorker::opened, m_worker,
        [&openedPromise](bool ok, const QString &e, int pid) {
            openedPromise.set_value({ ok, e, pid });
        },
        Qt::ConnectionType(Qt::DirectConnection | Qt::SingleShotConnection));
    m_thread.start();
    const Opened opened = openedFuture.get();
    *backendPid = opened.pid;
    if (!opened.ok) {
        *error = opened.error;
        close();
    }
    return opened.ok;
}

void ExecutorThread::close()
{
    if (!m_thread.isRunning())
        return;
    m_thread.quit();
    m_thread.wait();
    if (m_ended.valid())
        m_ended.wait();
    m_worker = nullptr; // deleted in its thread as it finished
}

void ExecutorThread::unlockTarget()
{
    if (m_worker)
        QMetaObject::invokeMethod(m_worker, "unlockTarget", Qt::QueuedConnection);
}

void ExecutorThread::call(const char *slot, const Action &action)
{
    if (m_worker) // nothing runs once the thread is closed
        QMetaObject::invokeMethod(m_worker, slot, Qt::QueuedConnection, Q_ARG(vigil::Action, action));
}

} // namespace vigil
