// SPDX-License-Identifier: MIT
// Faults on a real PostgreSQL 15, with the engine in this process (so the test can reach its executor's session and
// its store): the server restarting during a window, the executor's session terminated during an apply and during
// a rollback, CREATE INDEX CONCURRENTLY kept waiting by an open transaction (for 90 s, and cancelled by a pause) or by
// a table lock, the knowledge store full or read-only, and the host metrics source going away. Each test ends with the
// catalog and the journal checked.
#include "Engine.h"
#include "act/actionfromsql.h"
#include "pgserver.h"
#include "store/knowledgestore.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <functional>
#include <memory>

#include <csignal>
#include <optional>
#include <sys/resource.h>
#include <vector>

using namespace vigil;
using namespace vigil::testing;

namespace {
/// Files this process writes cannot grow beyond `bytes` while it lives (SIGXFSZ ignored: the write fails instead).
class FileSizeLimit
{
public:
    explicit FileSizeLimit(qint64 bytes)
    {
        std::signal(SIGXFSZ, SIG_IGN);
        getrlimit(RLIMIT_FSIZE, &m_old);
        const rlimit limited { rlim_t(bytes), m_old.rlim_max };
        setrlimit(RLIMIT_FSIZE, &limited);
    }
    ~FileSizeLimit() { lift(); }
    FileSizeLimit(const FileSizeLimit &) = delete;
    FileSizeLimit &operator=(const FileSizeLimit &) = delete;
    void lift() const { setrlimit(RLIMIT_FSIZE, &m_old); }

private:
    rlimit m_old {};
};
} // namespace

class TestFaults : public QObject
{
    Q_OBJECT

    PgServer m_server;
    QTemporaryDir m_dir;
    int m_stores = 0;

    // What the engine under test said.
    std::vector<std::pair<QString, QJsonObject>> m_events;
    std::optional<Action> m_finished;
    QString m_refused;
    std::optional<std::pair<int, int>> m_recovery;

    QString store() { return m_dir.filePath(QStringLiteral("store-%1.sqlite").arg(++m_stores)); }

    EngineConfig config(const QString &storePath, double windowSeconds)
    {
        EngineConfig c;
        c.targetConninfo = m_server.conninfo();
        c.storeLocation = storePath;
        c.tickSeconds = 1;
        c.mode = Mode::Autonomous;
        c.analyseSeconds = 0; // no proposals of its own: the test decides what runs
        c.policy.intervalSeconds = 1;
        c.policy.baselineSeconds = 3;
        c.policy.windowSeconds = windowSeconds;
        return c;
    }

    std::unique_ptr<Engine> startEngine(const EngineConfig &c)
    {
        m_events.clear();
        m_finished.reset();
        m_refused.clear();
        m_recovery.reset();
        auto engine = std::make_unique<Engine>(c);
        connect(engine->events(), &EventBus::published, this,
            [this](const EngineEvent &event) { m_events.emplace_back(event.name(), event.toJson()); });
        connect(engine.get(), &Engine::actionFinished, this, [this](const Action &a) { m_finished = a; });
        connect(engine.get(), &Engine::actionRefused, this, [this](const QString &reason) { m_refused = reason; });
        connect(engine.get(), &Engine::recoveryFinished, this, [this](int recovered, int failed) {
            m_recovery = std::pair { recovered, failed };
        });
        QString error;
        if (!engine->start(&error)) {
            qWarning("engine: %s", qPrintable(error));
            return nullptr;
        }
        return engine;
    }

    bool saw(const QString &name, const QString &containing = {}) const
    {
        for (const auto &[n, payload] : m_events) {
            if (n != name)
                continue;
            const QString text = QString::fromUtf8(QJsonDocument(payload).toJson(QJsonDocument::Compact));
            if (containing.isEmpty() || text.contains(containing, Qt::CaseInsensitive))
                return true;
        }
        return false;
    }

    QString eventsText() const
    {
        QString all;
        for (const auto &[n, payload] : m_events)
            if (n != QLatin1StringView("sample"))
                all += n + u' ' + QString::fromUtf8(QJsonDocument(payload).toJson(QJsonDocument::Compact)) + u'\n';
        return all.right(4000);
    }

    QString query(const QString &sql)
    {
        QString out;
        QString error;
        if (!m_server.psql(sql, &out, &error))
            qWarning("psql: %s", qPrintable(error));
        return out;
    }

    /// How many advisory locks are held on the server (the engine takes one per target while it acts). The engine
    /// releases it on the executor's thread after it says it finished: wait for it, do not read it once.
    QString advisoryLocks()
    {
        return query(QStringLiteral("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"));
    }

    /// "valid", "invalid" or "none" for an index in the public schema.
    QString indexState(const QString &name)
    {
        return query(QStringLiteral("SELECT coalesce((SELECT CASE WHEN i.indisvalid THEN 'valid' ELSE 'invalid' END "
                                    "FROM pg_index i WHERE i.indexrelid = to_regclass('public.%1')), 'none')")
                         .arg(name));
    }

    QStringList transitions(KnowledgeStore &s, qint64 id)
    {
        QStringList states;
        for (const Transition &t : s.transitions(id))
            states << stateName(t.to);
        return states;
    }

    Action submit(Engine &engine, const QString &sql)
    {
        QString error;
        const std::optional<Action> action = actionFromSql(sql, {}, &error);
        if (!action)
            qWarning("actionFromSql: %s", qPrintable(error));
        engine.submit(*action);
        return *action;
    }

    /// The backend pid of the executor while its CREATE INDEX is building (0 when none within the timeout).
    bool waitForBuild(int pid, int timeoutMs)
    {
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < timeoutMs) {
            if (query(QStringLiteral("SELECT count(*) FROM pg_stat_progress_create_index WHERE pid = %1 AND phase "
                                     "LIKE 'building index%'")
                          .arg(pid))
                == QLatin1StringView("1"))
                return true;
            QTest::qWait(100);
        }
        return false;
    }

private slots:
    void initTestCase()
    {
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
        QString error;
        QVERIFY2(m_server.start(&error), qPrintable(error));
        // slow_key() sleeps 1 ms a row: an index on it over 5,000 rows builds for ~6 s, on almost no CPU, so a
        // test can interrupt the build while it runs.
        QVERIFY(m_server.psql(QStringLiteral(
            "CREATE FUNCTION slow_key(i int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS "
            "$$ BEGIN PERFORM pg_sleep(0.001); RETURN i; END $$; "
            "CREATE TABLE slow (id int PRIMARY KEY, v int); INSERT INTO slow SELECT g, g FROM generate_series(1, "
            "5000) g; "
            "CREATE TABLE t (id int PRIMARY KEY, a int, b text); INSERT INTO t SELECT g, g % 100, md5(g::text) FROM "
            "generate_series(1, 20000) g; ANALYZE slow, t")));
    }

    void cleanupTestCase() { m_server.stop(); }

    void aProposalLeftByACrashIsClosedNotLeftPending()
    {
        // A Vigil killed while it collected a baseline leaves its action journalled `proposed`: nothing of it ran
        // (applying is journalled first). The next start's recovery closes it as dropped, saying why, and changes
        // nothing on the server.
        const QString s = store();
        qint64 id = 0;
        {
            const std::unique_ptr<Engine> crashed = startEngine(config(s, 30));
            QVERIFY(crashed);
            QString error;
            std::optional<Action> action
                = actionFromSql(QStringLiteral("ALTER SYSTEM SET log_min_duration_statement = '17s'"), {}, &error);
            QVERIFY2(action, qPrintable(error));
            action->target = crashed->targetName();
            action->rollbackSql = QStringLiteral("ALTER SYSTEM RESET log_min_duration_statement"); // as prepared
            id = crashed->store()->createAction(*action); // as the lifecycle journals it, before the lock
            QVERIFY2(id > 0, qPrintable(crashed->store()->lastError()));
        }
        QTest::qWait(2500); // the crash is in the past for the next engine
        const std::unique_ptr<Engine> engine = startEngine(config(s, 30));
        QVERIFY(engine);
        engine->recover();
        QTRY_VERIFY2_WITH_TIMEOUT(m_recovery.has_value(), qPrintable(eventsText()), 20000);
        QCOMPARE(m_recovery->first, 1);
        QCOMPARE(m_recovery->second, 0);
        const std::optional<Action> after = engine->store()->action(id);
        QVERIFY(after);
        QCOMPARE(after->state, ActionState::Dropped);
        QVERIFY2(after->reason.contains(QLatin1StringView("nothing of it ran")), qPrintable(after->reason));
        QString setting;
        QVERIFY(m_server.psql(QStringLiteral("SHOW log_min_duration_statement"), &setting));
        QCOMPARE(setting.trimmed(), QStringLiteral("-1"));
        // A proposal of the running engine's own time is not touched.
        QString error;
        std::optional<Action> fresh
            = actionFromSql(QStringLiteral("ALTER SYSTEM SET log_min_duration_statement = '18s'"), {}, &error);
        fresh->target = engine->targetName();
        fresh->rollbackSql = QStringLiteral("ALTER SYSTEM RESET log_min_duration_statement");
        const qint64 freshId = engine->store()->createAction(*fresh);
        m_recovery.reset();
        engine->recover();
        QTRY_VERIFY_WITH_TIMEOUT(m_recovery.has_value(), 20000);
        QCOMPARE(m_recovery->first, 0);
        QCOMPARE(engine->store()->action(freshId)->state, ActionState::Proposed);
    }

    /// psql in another session, named by application_name, running `sql` (a transaction it keeps open).
    void startBlocker(QProcess &blocker, const QString &sql)
    {
        QProcessEnvironment env;
        env.insert(QStringLiteral("PGAPPNAME"), QStringLiteral("fault-blocker"));
        m_server.setUpProcess(blocker, QStringLiteral("psql"),
            m_server.connectionArguments()
                << QStringLiteral("-d") << m_server.database() << QStringLiteral("-c") << sql,
            env);
        blocker.start();
        QVERIFY(blocker.waitForStarted());
        QTRY_COMPARE_WITH_TIMEOUT(query(QStringLiteral("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON "
                                                       "a.pid = l.pid WHERE a.application_name = 'fault-blocker' AND "
                                                       "l.relation = 't'::regclass AND l.granted")),
            QStringLiteral("1"), 10000);
    }

    int blockerPid()
    {
        return query(QStringLiteral("SELECT pid FROM pg_stat_activity WHERE application_name = "
                                    "'fault-blocker'"))
            .toInt();
    }

    void endBlocker(QProcess &blocker)
    {
        QVERIFY(m_server.psql(QStringLiteral(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'fault-blocker'")));
        QVERIFY(blocker.waitForFinished(10000));
    }

    /// The last action.progress event that says what the build waits for.
    QJsonObject lastWait() const
    {
        for (auto it = m_events.rbegin(); it != m_events.rend(); ++it)
            if (it->first == QLatin1StringView("action.progress")
                && it->second.contains(QLatin1StringView("waiting_for")))
                return it->second;
        return {};
    }

    void aBuildWaitsForAnOpenTransactionAndTheDbaCancelsIt()
    {
        // Another session writes to t in a transaction it keeps open: CREATE INDEX CONCURRENTLY records the index,
        // then waits for that transaction. The wait blocks no one, so the build waits (it used to fail at the 5 s
        // lock_timeout, and on a busy server the index was never built), shown with who it waits for. The DBA
        // pauses: the build is cancelled and leaves an INVALID index, which the same open transaction keeps from
        // being dropped until it ends; the engine drops it then and records it.
        QProcess blocker;
        startBlocker(blocker, QStringLiteral("BEGIN; UPDATE t SET a = a WHERE id = 1; SELECT pg_sleep(120); COMMIT"));
        const int holder = blockerPid();

        const QString s = store();
        const std::unique_ptr<Engine> engine = startEngine(config(s, 4));
        QVERIFY(engine);
        submit(*engine, QStringLiteral("CREATE INDEX t_a_idx ON t (a)"));
        QTRY_VERIFY2_WITH_TIMEOUT(!lastWait().isEmpty(), qPrintable(eventsText()), 20000);
        const QJsonObject wait = lastWait();
        QCOMPARE(wait.value(QLatin1StringView("waiting_for")).toString(), QStringLiteral("transactions"));
        const QJsonArray blockers = wait.value(QLatin1StringView("blockers")).toArray();
        QVERIFY2(!blockers.isEmpty() && blockers.first().toObject().value(QLatin1StringView("pid")).toInt() == holder,
            QJsonDocument(wait).toJson().constData());
        // Well past the lock_timeout, still building.
        QTest::qWait(8000);
        QVERIFY2(!m_finished, qPrintable(m_finished ? m_finished->reason : QString()));
        QCOMPARE(indexState(QStringLiteral("t_a_idx")), QStringLiteral("invalid")); // recorded, not yet valid

        engine->setPaused(true);
        QTRY_VERIFY2_WITH_TIMEOUT(m_finished.has_value(), qPrintable(eventsText()), 20000);
        QCOMPARE(m_finished->state, ActionState::Failed);
        QVERIFY2(
            m_finished->reason.contains(QLatin1StringView("could not be dropped yet")), qPrintable(m_finished->reason));
        QCOMPARE(indexState(QStringLiteral("t_a_idx")), QStringLiteral("invalid"));

        // Once the blocker is gone, the engine drops the leftover on its own and records it.
        engine->setPaused(false);
        endBlocker(blocker);
        QTRY_VERIFY2_WITH_TIMEOUT(saw(QStringLiteral("action.cleaned_up")), qPrintable(eventsText()), 20000);
        QCOMPARE(indexState(QStringLiteral("t_a_idx")), QStringLiteral("none"));
        const std::optional<Action> stored = engine->store()->action(m_finished->id);
        QVERIFY(stored);
        QCOMPARE(stored->state, ActionState::Failed);
        QVERIFY2(stored->details.value(QLatin1StringView("invalid_index")).toString().startsWith(u"dropped by Vigil"),
            QJsonDocument(stored->details).toJson().constData());
        QCOMPARE(transitions(*engine->store(), m_finished->id),
            QStringList({ QStringLiteral("proposed"), QStringLiteral("applying"), QStringLiteral("failed") }));
        QCOMPARE(advisoryLocks(), QStringLiteral("0"));
    }

    void stoppingDuringABuildCancelsItAndTheNextStartSettlesIt()
    {
        // Vigil closed while an index builds (kept waiting by another session's open transaction): the stop must
        // not wait for the build, which may run until its 30 min statement timeout. The build is cancelled; the
        // journal keeps `applying`, and the next start's recovery drops what the build left.
        QProcess blocker;
        startBlocker(blocker, QStringLiteral("BEGIN; UPDATE t SET a = a WHERE id = 1; SELECT pg_sleep(120); COMMIT"));
        const QString s = store();
        std::unique_ptr<Engine> engine = startEngine(config(s, 4));
        QVERIFY(engine);
        submit(*engine, QStringLiteral("CREATE INDEX t_stop_idx ON t (a)"));
        QTRY_VERIFY2_WITH_TIMEOUT(!lastWait().isEmpty(), qPrintable(eventsText()), 20000);
        QElapsedTimer stopping;
        stopping.start();
        engine->stop();
        const qint64 stoppedAfter = stopping.elapsed();
        QVERIFY2(stoppedAfter < 10000, qPrintable(QStringLiteral("stop took %1 ms").arg(stoppedAfter)));
        QVERIFY2(saw(QStringLiteral("engine.notice"), QStringLiteral("is cancelled")), qPrintable(eventsText()));
        engine.reset();
        endBlocker(blocker);
        {
            QString error;
            const std::unique_ptr<KnowledgeStore> journal = KnowledgeStore::open(s, &error);
            QVERIFY2(journal, qPrintable(error));
            const std::vector<Action> inFlight = journal->inFlight();
            QCOMPARE(inFlight.size(), std::size_t(1));
            QCOMPARE(inFlight.front().state, ActionState::Applying);
        }
        QCOMPARE(indexState(QStringLiteral("t_stop_idx")), QStringLiteral("invalid"));

        engine = startEngine(config(s, 4));
        QVERIFY(engine);
        engine->recover();
        QTRY_VERIFY2_WITH_TIMEOUT(m_recovery.has_value(), qPrintable(eventsText()), 30000);
        QCOMPARE(m_recovery->first, 1);
        QCOMPARE(m_recovery->second, 0);
        QCOMPARE(indexState(QStringLiteral("t_stop_idx")), QStringLiteral("none"));
        QTRY_COMPARE_WITH_TIMEOUT(advisoryLocks(), QStringLiteral("0"), 5000);
    }

    void aBuildKeptWaitingForNinetySecondsIsJudgedAfterItFinished()
    {
        // An open transaction keeps the build waiting for 90 s. The baseline before the action is kept all that
        // time, and the window opens once the index exists: the journal shows the build, then a whole window, then
        // the verdict.
        QProcess blocker;
        startBlocker(blocker, QStringLiteral("BEGIN; UPDATE t SET a = a WHERE id = 2; SELECT pg_sleep(90); COMMIT"));
        const QString s = store();
        const std::unique_ptr<Engine> engine = startEngine(config(s, 4));
        QVERIFY(engine);
        const Action submitted = submit(*engine, QStringLiteral("CREATE INDEX t_b_idx ON t (b)"));
        QTRY_VERIFY2_WITH_TIMEOUT(m_finished.has_value(), qPrintable(eventsText()), 200000);
        QVERIFY2(m_finished->state == ActionState::Kept, qPrintable(m_finished->reason));
        // The build finished because the transaction it waited for ended (waitForFinished is false once finished).
        QVERIFY(blocker.state() == QProcess::NotRunning || blocker.waitForFinished(10000));
        QCOMPARE(indexState(QStringLiteral("t_b_idx")), QStringLiteral("valid"));
        QDateTime applying, observing, kept;
        for (const Transition &t : engine->store()->transitions(m_finished->id)) {
            if (t.to == ActionState::Applying)
                applying = t.at;
            if (t.to == ActionState::Observing)
                observing = t.at;
            if (t.to == ActionState::Kept)
                kept = t.at;
        }
        QVERIFY(applying.isValid() && observing.isValid() && kept.isValid());
        QVERIFY2(applying.msecsTo(observing) >= 80000, qPrintable(QString::number(applying.msecsTo(observing))));
        QVERIFY2(observing.msecsTo(kept) >= 4000, qPrintable(QString::number(observing.msecsTo(kept))));
        QVERIFY(m_server.psql(QStringLiteral("DROP INDEX t_b_idx")));
        Q_UNUSED(submitted);
    }

    void aBuildWaitingForTheTableLockIsCancelledAfterTheLockTimeout()
    {
        // A session holds a SHARE lock on t: the build cannot take its table lock, and while it waits other
        // sessions' DDL and VACUUM queue behind it. The engine cancels it after the lock timeout, says why and who
        // holds the lock, and nothing is left in the catalog.
        QProcess blocker;
        startBlocker(blocker, QStringLiteral("BEGIN; LOCK TABLE t IN SHARE MODE; SELECT pg_sleep(120); COMMIT"));
        const int holder = blockerPid();
        const QString s = store();
        const std::unique_ptr<Engine> engine = startEngine(config(s, 4));
        QVERIFY(engine);
        submit(*engine, QStringLiteral("CREATE INDEX t_ab_idx ON t (a, b)"));
        QTRY_VERIFY2_WITH_TIMEOUT(m_finished.has_value(), qPrintable(eventsText()), 40000);
        QCOMPARE(m_finished->state, ActionState::Failed);
        QVERIFY2(m_finished->reason.contains(QStringLiteral("for the table's lock (held by session %1)").arg(holder)),
            qPrintable(m_finished->reason));
        QCOMPARE(lastWait().value(QLatin1StringView("waiting_for")).toString(), QStringLiteral("table_lock"));
        QCOMPARE(indexState(QStringLiteral("t_ab_idx")), QStringLiteral("none"));
        endBlocker(blocker);
    }

    void executorTerminatedDuringApply()
    {
        const QString s = store();
        const std::unique_ptr<Engine> engine = startEngine(config(s, 4));
        QVERIFY(engine);
        const int pid = engine->executorPid();
        QVERIFY(pid > 0);
        submit(*engine, QStringLiteral("CREATE INDEX slow_apply_idx ON slow (slow_key(id))"));
        QVERIFY2(waitForBuild(pid, 20000), qPrintable(eventsText()));
        QVERIFY(m_server.psql(QStringLiteral("SELECT pg_terminate_backend(%1)").arg(pid)));
        QTRY_VERIFY2_WITH_TIMEOUT(m_finished.has_value(), qPrintable(eventsText()), 30000);
        QCOMPARE(m_finished->state, ActionState::Failed);
        QVERIFY2(
            m_finished->reason.contains(QLatin1StringView("terminating connection")), qPrintable(m_finished->reason));
        QVERIFY2(m_finished->reason.contains(QLatin1StringView("opened a new one")), qPrintable(m_finished->reason));
        QVERIFY2(m_finished->reason.contains(QLatin1StringView("INVALID index it left was dropped")),
            qPrintable(m_finished->reason));
        QCOMPARE(indexState(QStringLiteral("slow_apply_idx")), QStringLiteral("none"));
        QVERIFY(saw(QStringLiteral("executor.reconnected")));
        QVERIFY(engine->executorPid() > 0 && engine->executorPid() != pid);
        QCOMPARE(transitions(*engine->store(), m_finished->id),
            QStringList({ QStringLiteral("proposed"), QStringLiteral("applying"), QStringLiteral("failed") }));
        // The advisory lock taken again on the new session was released at the end.
        QTRY_COMPARE_WITH_TIMEOUT(advisoryLocks(), QStringLiteral("0"), 5000);
        // The executor works on its new session: the next action is checked against the catalog, not refused for a
        // dead connection.
        submit(*engine, QStringLiteral("CREATE INDEX x_idx ON no_such_table (a)"));
        QTRY_VERIFY_WITH_TIMEOUT(!m_refused.isEmpty(), 10000);
        QVERIFY2(m_refused.contains(QLatin1StringView("does not exist")), qPrintable(m_refused));
    }

    void executorTerminatedDuringRollback()
    {
        QVERIFY(m_server.psql(QStringLiteral("CREATE INDEX slow_key_idx ON slow (slow_key(id))")));
        const QString s = store();
        qint64 id = 0;
        {
            // Drop it, then "crash" while observing: the journal says observing, recovery must roll it back.
            const std::unique_ptr<Engine> first = startEngine(config(s, 60));
            QVERIFY(first);
            submit(*first, QStringLiteral("DROP INDEX slow_key_idx"));
            QTRY_VERIFY2_WITH_TIMEOUT(saw(QStringLiteral("action.executed")), qPrintable(eventsText()), 20000);
            QCOMPARE(indexState(QStringLiteral("slow_key_idx")), QStringLiteral("none"));
            id = first->store()->actions().back().id;
        }
        const std::unique_ptr<Engine> engine = startEngine(config(s, 60));
        QVERIFY(engine);
        QCOMPARE(engine->store()->action(id)->state, ActionState::Observing);
        const int pid = engine->executorPid();
        engine->recover();
        // The rollback rebuilds the index (~6 s): its session is terminated in the middle.
        QVERIFY2(waitForBuild(pid, 20000), qPrintable(eventsText()));
        QVERIFY(m_server.psql(QStringLiteral("SELECT pg_terminate_backend(%1)").arg(pid)));
        QTRY_VERIFY2_WITH_TIMEOUT(m_recovery.has_value(), qPrintable(eventsText()), 40000);
        QCOMPARE(m_recovery->first, 1);
        QCOMPARE(m_recovery->second, 0);
        const std::optional<Action> a = engine->store()->action(id);
        QCOMPARE(a->state, ActionState::RolledBack);
        QVERIFY2(a->reason.contains(QLatin1StringView("ran again on a new session")), qPrintable(a->reason));
        QVERIFY2(a->reason.contains(QLatin1StringView("terminating connection")), qPrintable(a->reason));
        QCOMPARE(indexState(QStringLiteral("slow_key_idx")), QStringLiteral("valid"));
        QCOMPARE(transitions(*engine->store(), id),
            QStringList({ QStringLiteral("proposed"), QStringLiteral("applying"), QStringLiteral("observing"),
                QStringLiteral("rolling_back"), QStringLiteral("rolled_back") }));
        QVERIFY(m_server.psql(QStringLiteral("DROP INDEX slow_key_idx")));
    }

    void serverRestartDuringTheWindow()
    {
        const QString s = store();
        const std::unique_ptr<Engine> engine = startEngine(config(s, 8));
        QVERIFY(engine);
        const int pid = engine->executorPid();
        submit(*engine, QStringLiteral("ALTER SYSTEM SET log_min_duration_statement = '12s'"));
        QTRY_VERIFY2_WITH_TIMEOUT(saw(QStringLiteral("action.executed")), qPrintable(eventsText()), 20000);
        QString error;
        QVERIFY2(m_server.restart(&error), qPrintable(error));
        QTRY_VERIFY2_WITH_TIMEOUT(m_finished.has_value(), qPrintable(eventsText()), 60000);
        QVERIFY2(saw(QStringLiteral("collector.gap")), "the restart shows as a gap");
        // The window is judged (not left hanging, not failed on a dead session): kept with the setting in place, or
        // rolled back with it gone; and the journal says which.
        const QString setting = query(QStringLiteral("SELECT current_setting('log_min_duration_statement')"));
        const std::optional<Action> a = engine->store()->action(m_finished->id);
        QVERIFY2(a->state == ActionState::Kept || a->state == ActionState::RolledBack,
            qPrintable(stateName(a->state) + u' ' + a->reason + u'\n' + eventsText()));
        if (a->state == ActionState::Kept) {
            QCOMPARE(setting, QStringLiteral("12s"));
            QCOMPARE(transitions(*engine->store(), a->id).size(), qsizetype(4));
        } else {
            QCOMPARE(setting, QStringLiteral("-1"));
            QCOMPARE(transitions(*engine->store(), a->id).size(), qsizetype(5));
            // The rollback ran on a new executor session: the old one died with the restart.
            QVERIFY(engine->executorPid() != pid);
        }
        QVERIFY(m_server.psql(QStringLiteral("ALTER SYSTEM RESET log_min_duration_statement")));
        QVERIFY(m_server.psql(QStringLiteral("SELECT pg_reload_conf()")));
    }

    void storeFullDuringTheWindow()
    {
        const QString s = store();
        const std::unique_ptr<Engine> engine = startEngine(config(s, 4));
        QVERIFY(engine);
        submit(*engine, QStringLiteral("ALTER SYSTEM SET log_min_duration_statement = '13s'"));
        QTRY_VERIFY2_WITH_TIMEOUT(saw(QStringLiteral("action.executed")), qPrintable(eventsText()), 20000);
        const qint64 id = engine->store()->actions().back().id;
        // The disk refuses to grow the store: every commit appends to the write-ahead log, and a file size limit
        // makes that append fail (EFBIG: to SQLite a disk I/O error, as ENOSPC on a full disk is "disk is full").
        FileSizeLimit limit(QFileInfo(s + QStringLiteral("-wal")).size());

        QTRY_VERIFY2_WITH_TIMEOUT(m_finished.has_value(), qPrintable(eventsText()), 30000);
        QVERIFY2(
            saw(QStringLiteral("engine.error"), QStringLiteral("cannot write the journal")), qPrintable(eventsText()));
        QVERIFY2(saw(QStringLiteral("engine.error"), QStringLiteral("disk I/O error")), qPrintable(eventsText()));
        // The verdict could not be written: the journal keeps every row it had (observing), and the catalog shows
        // what the engine did (a kept change stays, a rolled back one is gone; recovery settles the journal).
        QCOMPARE(engine->store()->action(id)->state, ActionState::Observing);
        QCOMPARE(transitions(*engine->store(), id),
            QStringList({ QStringLiteral("proposed"), QStringLiteral("applying"), QStringLiteral("observing") }));
        const QString setting = query(QStringLiteral("SELECT current_setting('log_min_duration_statement')"));
        if (saw(QStringLiteral("action.rolled_back")))
            QCOMPARE(setting, QStringLiteral("-1"));
        else
            QVERIFY2(
                saw(QStringLiteral("action.kept")) && setting == QLatin1StringView("13s"), qPrintable(eventsText()));

        // It stops acting, and says why.
        submit(*engine, QStringLiteral("ALTER SYSTEM SET log_min_duration_statement = '14s'"));
        QTRY_VERIFY_WITH_TIMEOUT(!m_refused.isEmpty(), 10000);
        QVERIFY2(m_refused.contains(QLatin1StringView("cannot write the journal"))
                && m_refused.contains(QLatin1StringView("disk I/O error")),
            qPrintable(m_refused));
        QCOMPARE(query(QStringLiteral("SELECT current_setting('log_min_duration_statement')")), setting);

        // Space again: the engine settles the journal on its own (recovery, tried every 10 s while the journal is
        // behind) and leaves the catalog as it says.
        limit.lift();
        QTRY_COMPARE_WITH_TIMEOUT(engine->store()->action(id)->state, ActionState::RolledBack, 30000);
        QCOMPARE(transitions(*engine->store(), id).size(), qsizetype(5));
        QCOMPARE(query(QStringLiteral("SELECT current_setting('log_min_duration_statement')")), QStringLiteral("-1"));
        QCOMPARE(engine->store()->actions().size(), std::size_t(1));
    }

    void storeReadOnlyBeforeTheApply()
    {
        const QString s = store();
        const std::unique_ptr<Engine> engine = startEngine(config(s, 4));
        QVERIFY(engine);
        submit(*engine, QStringLiteral("ALTER SYSTEM SET log_min_duration_statement = '15s'"));
        QTRY_VERIFY2_WITH_TIMEOUT(saw(QStringLiteral("baseline.collecting")), qPrintable(eventsText()), 10000);
        // The store turns read-only during the baseline: `applying` cannot be written, so nothing is applied.
        QSqlQuery q(QSqlDatabase::database(engine->store()->connectionName(), false));
        QVERIFY(q.exec(QStringLiteral("PRAGMA query_only = ON")));
        QTRY_VERIFY2_WITH_TIMEOUT(m_finished.has_value(), qPrintable(eventsText()), 20000);
        QVERIFY2(saw(QStringLiteral("action.failed"), QStringLiteral("not applied")), qPrintable(eventsText()));
        QVERIFY2(saw(QStringLiteral("engine.error"), QStringLiteral("readonly")), qPrintable(eventsText()));
        QCOMPARE(query(QStringLiteral("SELECT current_setting('log_min_duration_statement')")), QStringLiteral("-1"));
        QVERIFY(!saw(QStringLiteral("action.applying")));
        QCOMPARE(m_finished->state, ActionState::Proposed);
        QCOMPARE(transitions(*engine->store(), m_finished->id), QStringList({ QStringLiteral("proposed") }));
        QTRY_COMPARE_WITH_TIMEOUT(advisoryLocks(), QStringLiteral("0"), 5000);
        QVERIFY(q.exec(QStringLiteral("PRAGMA query_only = OFF")));
    }

    void hostMetricsSourceFails()
    {
        // The host's /proc files, copied where the test can take them away.
        const QString proc = m_dir.filePath(QStringLiteral("proc"));
        QVERIFY(QDir().mkpath(proc));
        const QString data = QStringLiteral(VIGIL_TEST_DATA) + QStringLiteral("/proc/");
        auto putFiles = [&] {
            QFile::remove(proc + QStringLiteral("/stat"));
            return QFile::copy(data + QStringLiteral("stat.1"), proc + QStringLiteral("/stat"))
                && QFile::copy(data + QStringLiteral("meminfo"), proc + QStringLiteral("/meminfo"))
                && QFile::copy(data + QStringLiteral("loadavg"), proc + QStringLiteral("/loadavg"));
        };
        QVERIFY(putFiles());
        const QString s = store();
        EngineConfig c = config(s, 3);
        c.hostProcRoot = proc;
        const std::unique_ptr<Engine> engine = startEngine(c);
        QVERIFY(engine);
        auto lastSample = [&] {
            for (auto it = m_events.rbegin(); it != m_events.rend(); ++it)
                if (it->first == QLatin1StringView("sample"))
                    return it->second;
            return QJsonObject {};
        };
        QTRY_VERIFY_WITH_TIMEOUT(lastSample().value(QLatin1StringView("mem_pct")).isDouble(), 15000);

        for (const char *name : { "stat", "meminfo", "loadavg" })
            QVERIFY(QFile::remove(proc + u'/' + QLatin1StringView(name)));
        QTRY_VERIFY2_WITH_TIMEOUT(saw(QStringLiteral("collector.notice"), QStringLiteral("stopped answering")),
            qPrintable(eventsText()), 10000);
        const qsizetype seen = qsizetype(m_events.size());
        // The engine goes on: it samples the database and still acts and judges.
        submit(*engine, QStringLiteral("ALTER SYSTEM SET log_min_duration_statement = '16s'"));
        QTRY_VERIFY2_WITH_TIMEOUT(m_finished.has_value(), qPrintable(eventsText()), 40000);
        QVERIFY2(m_finished->state == ActionState::Kept || m_finished->state == ActionState::RolledBack,
            qPrintable(stateName(m_finished->state) + u' ' + m_finished->reason));
        QCOMPARE(query(QStringLiteral("SELECT current_setting('log_min_duration_statement')")),
            m_finished->state == ActionState::Kept ? QStringLiteral("16s") : QStringLiteral("-1"));
        QCOMPARE(transitions(*engine->store(), m_finished->id).size(),
            qsizetype(m_finished->state == ActionState::Kept ? 4 : 5));
        bool sampled = false;
        for (qsizetype i = seen; i < qsizetype(m_events.size()); ++i) {
            const auto &[name, payload] = m_events[std::size_t(i)];
            if (name != QLatin1StringView("sample"))
                continue;
            QVERIFY(payload.value(QLatin1StringView("mem_pct")).isNull());
            QVERIFY(payload.value(QLatin1StringView("load1")).isNull());
            sampled = sampled || payload.value(QLatin1StringView("qps")).isDouble();
        }
        QVERIFY2(sampled, "the database's own numbers are still sampled");

        QVERIFY(putFiles());
        QTRY_VERIFY2_WITH_TIMEOUT(
            saw(QStringLiteral("collector.notice"), QStringLiteral("answer again")), qPrintable(eventsText()), 10000);
        QVERIFY(m_server.psql(QStringLiteral("ALTER SYSTEM RESET log_min_duration_statement")));
        QVERIFY(m_server.psql(QStringLiteral("SELECT pg_reload_conf()")));
    }

    void hostileNamesAndValuesStayData()
    {
        // A name built to end the statement and start another, with spaces and unicode: Vigil creates it, rolls the
        // creation back, drops it and rolls the drop back, and it is one index name every time.
        const QString name = QStringLiteral("x\"; DROP TABLE t; -- é 😀");
        const QString quoted = u'"' + QString(name).replace(u'"', QStringLiteral("\"\"")) + u'"';
        const QString inCatalog = QStringLiteral(
            "SELECT count(*) FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid WHERE c.relname = $n$%1$n$ AND "
            "i.indisvalid")
                                      .arg(name);
        const QString rows = QStringLiteral("SELECT count(*) FROM t");
        const QString before = query(rows);
        QCOMPARE(before, QStringLiteral("20000"));
        // Runs `sql` through Vigil up to its observation window, "crashes", and lets recovery roll it back.
        auto applyThenRecover = [&](const QString &sql, const std::function<void()> &whileApplied) {
            const QString s = store();
            qint64 id = 0;
            {
                const std::unique_ptr<Engine> engine = startEngine(config(s, 60));
                QVERIFY(engine);
                submit(*engine, sql);
                QTRY_VERIFY2_WITH_TIMEOUT(saw(QStringLiteral("action.executed")), qPrintable(eventsText()), 20000);
                id = engine->store()->actions().back().id;
                whileApplied();
            }
            const std::unique_ptr<Engine> engine = startEngine(config(s, 60));
            QVERIFY(engine);
            engine->recover();
            QTRY_VERIFY_WITH_TIMEOUT(m_recovery.has_value(), 20000);
            QCOMPARE(m_recovery->second, 0);
            const std::optional<Action> a = engine->store()->action(id);
            QCOMPARE(a->state, ActionState::RolledBack);
            QCOMPARE(transitions(*engine->store(), id).size(), qsizetype(5));
        };

        applyThenRecover(QStringLiteral("CREATE INDEX %1 ON t (a)").arg(quoted),
            [&] { QCOMPARE(query(inCatalog), QStringLiteral("1")); });
        QCOMPARE(query(inCatalog), QStringLiteral("0"));
        QCOMPARE(query(rows), before);

        QVERIFY(m_server.psql(QStringLiteral("CREATE INDEX %1 ON t (a)").arg(quoted)));
        applyThenRecover(
            QStringLiteral("DROP INDEX %1").arg(quoted), [&] { QCOMPARE(query(inCatalog), QStringLiteral("0")); });
        QCOMPARE(query(inCatalog), QStringLiteral("1")); // recreated under the same name, valid
        QCOMPARE(query(rows), before);
        QVERIFY(m_server.psql(QStringLiteral("DROP INDEX %1").arg(quoted)));

        // A value built the same way stays one value.
        const QString value = QStringLiteral("%m ';DROP TABLE t;-- ");
        applyThenRecover(QStringLiteral("ALTER SYSTEM SET log_line_prefix = '%1'")
                             .arg(QString(value).replace(u'\'', QStringLiteral("''"))),
            [&] { QCOMPARE(query(QStringLiteral("SELECT current_setting('log_line_prefix')")), value.trimmed()); });
        QCOMPARE(query(QStringLiteral("SELECT current_setting('log_line_prefix')")), QStringLiteral("%m [%p]"));
        QCOMPARE(query(rows), before);
    }
};

QTEST_GUILESS_MAIN(TestFaults)
#include "tst_faults.moc"
