// SPDX-License-Identifier: MIT
#include "journalreader.h"

#include "knowledgestore.h"

#include <QCoreApplication>
#include <QThread>

#include <atomic>

namespace vigil {

/// Lives in the reader's thread and owns the store's connection there (Qt SQL connections belong to one thread).
class JournalReader::Worker : public QObject
{
public:
    explicit Worker(QString location)
        : m_location(std::move(location))
    { }

    /// The store, opened on first use; null with `error` set when it cannot be opened (tried once).
    KnowledgeStore *store(QString *error)
    {
        if (!m_store && m_openError.isEmpty()) {
            m_store = KnowledgeStore::open(m_location, &m_openError);
            if (!m_store && m_openError.isEmpty())
                m_openError
                    = QCoreApplication::translate("JournalReader", "cannot open the store at %1").arg(m_location);
        }
        if (!m_store && error)
            *error = m_openError;
        return m_store.get();
    }

    void close() { m_store.reset(); }

    std::atomic<bool> stopping { false }; ///< set by the reader's destructor: skip what is still queued

private:
    QString m_location;
    QString m_openError;
    std::unique_ptr<KnowledgeStore> m_store;
};

JournalReader::JournalReader(const QString &storeLocation, QObject *parent)
    : QObject(parent)
    , m_location(storeLocation)
    , m_thread(new QThread(this))
    , m_worker(new Worker(storeLocation))
{
    m_thread->setObjectName(QStringLiteral("vigil-journal-reader"));
    m_worker->moveToThread(m_thread);
    m_thread->start();
}

JournalReader::~JournalReader()
{
    m_worker->stopping = true;
    // Blocking: the read in progress ends, the queued ones are skipped, and the connection closes in its own thread.
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker] { worker->close(); }, Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
    delete m_worker;
}

template<typename Result>
void JournalReader::post(std::function<Result(Worker &)> job, std::function<void(Result)> done)
{
    Worker *worker = m_worker;
    QMetaObject::invokeMethod(
        worker,
        [worker, reader = this, job = std::move(job), done = std::move(done)] {
            if (worker->stopping)
                return;
            auto result = std::make_shared<Result>(job(*worker));
            // Delivered through the reader's thread's event loop; dropped with the reader if it goes first (its
            // destructor waits for this thread before the posted event could outlive it).
            QMetaObject::invokeMethod(
                reader, [done, result] { done(std::move(*result)); }, Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void JournalReader::open(std::function<void(const QString &)> done)
{
    post<QString>(
        [](Worker &worker) {
            QString error;
            worker.store(&error);
            return error;
        },
        [done = std::move(done)](QString error) { done(error); });
}

namespace {

/// A page of summaries older than `beforeId` (0: the newest), with the cursor and count first when `withCursor`.
JournalPage readPageFrom(KnowledgeStore &store, qint64 beforeId, int rows, bool withCursor)
{
    JournalPage page;
    if (withCursor) {
        page.cursor = store.lastTransitionId();
        page.total = page.cursor < 0 ? -1 : store.countActions();
        if (page.cursor < 0 || page.total < 0) {
            page.error = store.lastError();
            return page;
        }
    }
    page.actions = store.actionsPage(beforeId, rows, {}, ActionFields::Summary, &page.ok);
    if (!page.ok)
        page.error = store.lastError();
    return page;
}

} // namespace

void JournalReader::readFirstPage(int rows, std::function<void(JournalPage)> done)
{
    post<JournalPage>(
        [rows](Worker &worker) {
            JournalPage failed;
            KnowledgeStore *store = worker.store(&failed.error);
            return store ? readPageFrom(*store, 0, rows, true) : failed;
        },
        std::move(done));
}

void JournalReader::readPage(qint64 beforeId, int rows, std::function<void(JournalPage)> done)
{
    post<JournalPage>(
        [beforeId, rows](Worker &worker) {
            JournalPage failed;
            KnowledgeStore *store = worker.store(&failed.error);
            return store ? readPageFrom(*store, beforeId, rows, false) : failed;
        },
        std::move(done));
}

void JournalReader::readChangesSince(qint64 cursor, qint64 lookFrom, std::function<void(JournalChanges)> done)
{
    post<JournalChanges>(
        [cursor, lookFrom](Worker &worker) {
            JournalChanges changes;
            KnowledgeStore *store = worker.store(&changes.error);
            if (!store)
                return changes;
            changes.cursor = store->lastTransitionId();
            if (changes.cursor < 0) {
                changes.error = store->lastError();
                return changes;
            }
            if (changes.cursor == cursor) {
                changes.ok = changes.unchanged = true; // the common case: one indexed MAX()
                return changes;
            }
            changes.actions = store->actionsChangedSince(lookFrom, ActionFields::Summary, &changes.ok);
            if (changes.ok)
                changes.total = store->countActions();
            if (!changes.ok || changes.total < 0) {
                changes.ok = false;
                changes.error = store->lastError();
            }
            return changes;
        },
        std::move(done));
}

void JournalReader::readAction(qint64 id, std::function<void(std::optional<Action>)> done)
{
    post<std::optional<Action>>(
        [id](Worker &worker) -> std::optional<Action> {
            KnowledgeStore *store = worker.store(nullptr);
            return store ? store->action(id) : std::nullopt;
        },
        std::move(done));
}

} // namespace vigil
