// SPDX-License-Identifier: MIT
#include "journalreader.h"

#include "knowledgestore.h"

#include <QCoreApplication>
#include <QSocketNotifier>

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vigil {

/// Owns the store's connection in the reader's thread (Qt SQL connections belong to one thread).
class JournalReader::Worker
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

private:
    QString m_location;
    QString m_openError;
    std::unique_ptr<KnowledgeStore> m_store;
};

JournalReader::JournalReader(const QString &storeLocation, QObject *parent)
    : QObject(parent)
    , m_location(storeLocation)
    , m_worker(std::make_unique<Worker>(storeLocation))
    , m_alive(std::make_shared<bool>(true))
    , m_wakeFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
{
    if (m_wakeFd < 0) {
        // Out of descriptors: answers are then announced through Qt's posted events, which work as well.
        qWarning("JournalReader: eventfd failed (%s); waking through posted events", std::strerror(errno));
        m_thread = std::thread([this] { run(); });
        return;
    }
    m_wakeNotifier = new QSocketNotifier(m_wakeFd, QSocketNotifier::Read, this);
    connect(m_wakeNotifier, &QSocketNotifier::activated, this, [this] {
        quint64 count = 0;
        if (::read(m_wakeFd, &count, sizeof count) < 0 && errno != EAGAIN)
            qWarning("JournalReader: cannot read its wake-up: %s", std::strerror(errno));
        deliverAnswers();
    });
    m_thread = std::thread([this] { run(); });
}

JournalReader::~JournalReader()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        m_requests.clear(); // not started: dropped
    }
    m_requestsChanged.notify_one();
    m_thread.join(); // the read in progress ends and the store closes in its own thread
    *m_alive = false;
    delete m_wakeNotifier; // before its descriptor closes
    if (m_wakeFd >= 0)
        ::close(m_wakeFd);
    // Answers not yet delivered are dropped with the queue; a wake-up still posted goes with this QObject.
}

void JournalReader::run()
{
    for (;;) {
        std::function<void()> request;
        {
            std::unique_lock lock(m_mutex);
            m_requestsChanged.wait(lock, [this] { return m_stopping || !m_requests.empty(); });
            if (m_stopping)
                break;
            request = std::move(m_requests.front());
            m_requests.pop_front();
        }
        request();
    }
    m_worker->close();
}

void JournalReader::deliverAnswers()
{
    const std::shared_ptr<bool> alive = m_alive;
    for (;;) {
        std::function<void()> answer;
        {
            std::lock_guard lock(m_mutex);
            if (m_answers.empty())
                return;
            answer = std::move(m_answers.front());
            m_answers.pop_front();
        }
        answer();
        if (!*alive)
            return; // the handler destroyed the reader
    }
}

void JournalReader::wakeOwner()
{
    const quint64 one = 1;
    if (m_wakeFd < 0 || (::write(m_wakeFd, &one, sizeof one) < 0 && errno != EAGAIN))
        QMetaObject::invokeMethod(
            this, [this] { deliverAnswers(); }, Qt::QueuedConnection);
}

template<typename Result>
void JournalReader::post(std::function<Result(Worker &)> job, std::function<void(Result)> done)
{
    auto request = [this, job = std::move(job), done = std::move(done)]() mutable {
        auto result = std::make_shared<Result>(job(*m_worker));
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping)
                return;
            m_answers.push_back([done = std::move(done), result] { done(std::move(*result)); });
        }
        // Only a wake-up: the answer crossed under the mutex.
        wakeOwner();
    };
    {
        std::lock_guard lock(m_mutex);
        m_requests.push_back(std::move(request));
    }
    m_requestsChanged.notify_one();
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
