// SPDX-License-Identifier: MIT
// Decisions over NATS and a shared store, on a real PostgreSQL 15 and a real nats-server: a remote approval runs the
// waiting action, `vigilctl approve / reject` decide as a DBA at a terminal does, and two agents share one PostgreSQL
// knowledge store. None of these asks the guard to tell harm from noise (tst_natsfleet does, under load, holding the
// suite's live_postgres lock): the database is nearly idle, three lookups a second, so that this test takes 2-3 % of
// the host on average and runs beside the locked verdict tests (tests/light/CMakeLists.txt; docs/benchmarks.md, "The
// test suite's time").
#include "Engine.h"
#include "act/actionfromsql.h"
#include "collect/connectioncheck.h"
#include "collect/pgconnection.h"
#include "conninfo.h"
#include "events/natssubscriber.h"
#include "guardedapply.h"
#include "natsagent.h"
#include "natslistener.h"
#include "natsserver.h"
#include "pgbenchload.h"
#include "pgserver.h"
#include "store/knowledgestore.h"
#include "vigilctlrunner.h"

#include <QElapsedTimer>
#include <QLocale>
#include <QProcess>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace vigil;
using namespace vigil::testing;

class TestNatsDecisions : public QObject
{
    Q_OBJECT

    PgServer m_server;
    NatsServer m_nats;
    QTemporaryDir m_dir;
    std::unique_ptr<PgBenchLoad> m_load;
    int m_storeCounter = 0;

    QString store() { return m_dir.filePath(QStringLiteral("store-%1.sqlite").arg(++m_storeCounter)); }
    /// An agent in approve mode with short windows, its proposals' decisions left to the test.
    EngineConfig approveModeConfig()
    {
        EngineConfig config;
        config.targetConninfo = m_server.conninfo();
        config.storeLocation = store();
        config.mode = Mode::Approve;
        config.policy.intervalSeconds = 1;
        config.policy.baselineSeconds = 5;
        config.policy.windowSeconds = 6;
        config.analyseSeconds = 0;
        return config;
    }

    NatsOptions natsOptions() const
    {
        NatsOptions options;
        options.url = m_nats.url();
        return options;
    }

    QString target() const { return checkConnection(m_server.conninfo()).displayName; }
    QString token() const { return natsToken(target()); }

    std::unique_ptr<NatsSubscriber> listen(NatsHeard &heard) { return listenToFleet(heard, m_nats.url()); }

private slots:
    void initTestCase()
    {
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
        QString error;
        QVERIFY2(m_nats.start(&error), qPrintable(error));
        QVERIFY2(m_server.start(&error), qPrintable(error));
        m_load = PgBenchLoad::startNearlyIdle(m_server, &error);
        QVERIFY2(m_load, qPrintable(error));
    }

    void cleanupTestCase()
    {
        m_load.reset();
        m_server.stop();
        m_nats.stop();
    }

    void remoteApprovalRunsTheWaitingAction()
    {
        Engine engine(approveModeConfig());
        NatsAgent agent(&engine, target(), natsOptions());
        QString error;
        QVERIFY2(agent.start(true, &error), qPrintable(error));
        QVERIFY2(engine.start(&error), qPrintable(error));
        NatsHeard heard;
        const auto subscriber = listen(heard);
        QTRY_VERIFY_WITH_TIMEOUT(subscriber->isConnected(), 5000);

        QSignalSpy events(engine.events(), &EventBus::published);
        const std::optional<Action> action
            = actionFromSql(QStringLiteral("ALTER SYSTEM SET log_min_duration_statement = '45s'"), {}, &error);
        QVERIFY2(action, qPrintable(error));
        engine.propose(*action);
        const QString waiting = QStringLiteral("vigil.%1.action.awaiting_approval").arg(token());
        QTRY_VERIFY_WITH_TIMEOUT(heard.subjects.contains(waiting), 15000);
        const qint64 id = heard.last(waiting).value(QLatin1StringView("action_id")).toInteger();
        QVERIFY(id > 0);
        QCOMPARE(
            m_server.setting(QStringLiteral("log_min_duration_statement")), QStringLiteral("-1")); // nothing ran yet

        QSignalSpy finished(&engine, &Engine::actionFinished);
        QSignalSpy replied(subscriber.get(), &NatsSubscriber::replied);
        subscriber->request(natsSubject(target(), QStringLiteral("approve")),
            { { QStringLiteral("action_id"), id }, { QStringLiteral("by"), QStringLiteral("alice") } });
        QVERIFY(replied.wait(5000));
        QVERIFY2(replied.last().at(2).toString().isEmpty(), qPrintable(replied.last().at(2).toString()));
        QCOMPARE(replied.last().at(1).toJsonObject().value(QLatin1StringView("ok")).toBool(), true);
        QVERIFY(finished.wait(60000));
        const Action done = finished.front().at(0).value<Action>();
        QCOMPARE(done.id, id);
        // It ran under watch (the verdict is the guard's business): applied, observed, then kept or rolled back.
        QVERIFY2(done.state == ActionState::Kept || done.state == ActionState::RolledBack, qPrintable(done.reason));
        QStringList states;
        QString applyingReason;
        for (const Transition &t : engine.store()->transitions(id)) {
            states << stateName(t.to);
            if (t.to == ActionState::Applying)
                applyingReason = t.reason;
        }
        QVERIFY2(states.contains(QStringLiteral("observing")), qPrintable(states.join(u' ')));
        QVERIFY2(
            applyingReason.startsWith(QLatin1StringView("approved by alice (over NATS)")), qPrintable(applyingReason));
        QTRY_VERIFY_WITH_TIMEOUT(
            heard.subjects.contains(QStringLiteral("vigil.%1.action.approved").arg(token())), 5000);

        // Approving it again is refused with the reason; so is an action of another target.
        subscriber->request(natsSubject(target(), QStringLiteral("approve")),
            { { QStringLiteral("action_id"), id }, { QStringLiteral("by"), QStringLiteral("alice") } });
        QVERIFY(replied.wait(5000));
        QCOMPARE(replied.last().at(1).toJsonObject().value(QLatin1StringView("ok")).toBool(), false);
        Action foreign = *action;
        foreign.target = QStringLiteral("elsewhere:5432/db");
        foreign.state = ActionState::AwaitingApproval;
        foreign.rollbackSql = QStringLiteral("ALTER SYSTEM RESET log_min_duration_statement");
        const qint64 foreignId = engine.store()->createAction(foreign);
        QVERIFY2(foreignId > 0, qPrintable(engine.store()->lastError()));
        subscriber->request(natsSubject(target(), QStringLiteral("approve")),
            { { QStringLiteral("action_id"), foreignId }, { QStringLiteral("by"), QStringLiteral("mallory") } });
        QVERIFY(replied.wait(5000));
        QCOMPARE(replied.last().at(1).toJsonObject().value(QLatin1StringView("ok")).toBool(), false);
        QCOMPARE(engine.store()->action(foreignId)->state, ActionState::AwaitingApproval);

        agent.stop();
        engine.stop();
        QVERIFY(m_server.psql(QStringLiteral("ALTER SYSTEM RESET log_min_duration_statement")));
        QVERIFY(m_server.psql(QStringLiteral("SELECT pg_reload_conf()")));
    }

    void vigilctlApprovesAndRejectsOverNats()
    {
        // The agent in approve mode, as `vigilctl watch --mode approve --nats` runs it; the decisions come from
        // `vigilctl approve` / `reject` in another process, as a DBA at a terminal sends them.
        Engine engine(approveModeConfig());
        NatsAgent agent(&engine, target(), natsOptions());
        QString error;
        QVERIFY2(agent.start(true, &error), qPrintable(error));
        QVERIFY2(engine.start(&error), qPrintable(error));
        const std::optional<Action> action
            = actionFromSql(QStringLiteral("ALTER SYSTEM SET log_min_duration_statement = '46s'"), {}, &error);
        QVERIFY2(action, qPrintable(error));
        QSignalSpy events(engine.events(), &EventBus::published);
        engine.propose(*action);
        qint64 id = 0;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (const QList<QVariant> &e : events)
                    if (const auto event = e.at(0).value<EngineEvent>();
                        event.name() == QLatin1StringView("action.awaiting_approval"))
                        id = event.action()->actionId;
                return id > 0;
            }(),
            15000);

        // The engine answers in this thread: vigilctl runs beside this test's event loop, not blocking it.
        const auto vigilctl = [](const QStringList &arguments) {
            QProcess process;
            process.start(QStringLiteral(VIGILCTL), arguments);
            process.waitForStarted();
            QElapsedTimer clock;
            clock.start();
            while (process.state() != QProcess::NotRunning && clock.elapsed() < 30000)
                QTest::qWait(20);
            VigilctlRun run;
            run.exitCode = process.state() == QProcess::NotRunning && process.exitStatus() == QProcess::NormalExit
                ? process.exitCode()
                : -2;
            run.out = QString::fromUtf8(process.readAllStandardOutput());
            run.err = QString::fromUtf8(process.readAllStandardError());
            return run;
        };
        const QStringList common { QStringLiteral("--target"), m_server.conninfo(), QStringLiteral("--nats"),
            m_nats.url(), QStringLiteral("--timeout"), QStringLiteral("5") };
        VigilctlRun run = vigilctl(
            QStringList { QStringLiteral("reject"), QString::number(id), QStringLiteral("--by"), QStringLiteral("bob") }
            + common);
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QCOMPARE(run.out.trimmed(), QStringLiteral("action %1 rejected by bob").arg(id));
        QCOMPARE(engine.store()->action(id)->state, ActionState::Rejected);
        QCOMPARE(m_server.setting(QStringLiteral("log_min_duration_statement")), QStringLiteral("-1"));
        // Deciding it again is refused by the agent, with its reason (exit 4).
        run = vigilctl(QStringList { QStringLiteral("approve"), QString::number(id) } + common);
        QVERIFY2(run.exitCode == 4, qPrintable(run.err));
        QVERIFY2(run.err.contains(QLatin1StringView("the agent refused")), qPrintable(run.err));
        QCOMPARE(engine.store()->action(id)->state, ActionState::Rejected);
        // Bad input (exit 2): no id, a word for an id, no --nats.
        for (const QStringList &bad : { QStringList { QStringLiteral("approve") } + common,
                 QStringList { QStringLiteral("approve"), QStringLiteral("first") } + common,
                 QStringList { QStringLiteral("approve"), QStringLiteral("1"), QStringLiteral("--target"),
                     m_server.conninfo() } }) {
            run = vigilctl(bad);
            QVERIFY2(run.exitCode == 2, qPrintable(bad.join(u' ') + u' ' + run.err));
        }
        // Nobody answers for a target no agent watches, and no NATS server listens on port 1: exit 5, worth retrying.
        run = vigilctl({ QStringLiteral("approve"), QString::number(id), QStringLiteral("--target"),
            QStringLiteral("elsewhere:5432/db"), QStringLiteral("--nats"), m_nats.url(), QStringLiteral("--timeout"),
            QStringLiteral("1") });
        QVERIFY2(run.exitCode == 5, qPrintable(run.err));
        QVERIFY2(run.err.contains(QLatin1StringView("no agent answered")), qPrintable(run.err));
        run = vigilctl({ QStringLiteral("approve"), QString::number(id), QStringLiteral("--target"),
            m_server.conninfo(), QStringLiteral("--nats"), QStringLiteral("nats://127.0.0.1:1"),
            QStringLiteral("--timeout"), QStringLiteral("1") });
        QVERIFY2(run.exitCode == 5, qPrintable(run.err));
        QVERIFY2(run.err.contains(QLatin1StringView("cannot reach NATS")), qPrintable(run.err));

        agent.stop();
        engine.stop();
    }

    void twoAgentsShareOneStore()
    {
        // Two targets (two databases of the server), two vigilctl processes at once, one PostgreSQL store.
        QVERIFY(m_server.psql(QStringLiteral("CREATE DATABASE vigil_shared_store")));
        QVERIFY(m_server.psql(QStringLiteral("CREATE DATABASE vigil_other")));
        const QString storeLocation
            = QStringLiteral("host=127.0.0.1 port=%1 dbname=vigil_shared_store user=postgres").arg(m_server.port());
        const QString other
            = QStringLiteral("host=127.0.0.1 port=%1 dbname=vigil_other user=postgres").arg(m_server.port());
        const QString otherName = checkConnection(other).displayName;
        {
            // The second target gets pg_stat_statements too, as a watched database has.
            PgConnection setup;
            QString error;
            QVERIFY2(
                setup.open(other, QStringLiteral("vigil-test"), 10000, "/* vigil-test */", &error), qPrintable(error));
            QVERIFY2(setup.query("CREATE EXTENSION pg_stat_statements", {}, &error), qPrintable(error));
        }
        QProcess first;
        QProcess second;
        auto shortRun = [&](const QString &sql, const QString &targetConninfo) {
            return applyArguments(targetConninfo, storeLocation, sql, 5, 5)
                << QStringLiteral("--nats") << m_nats.url() << QStringLiteral("--nats-samples") << QStringLiteral("0");
        };
        first.start(QStringLiteral(VIGILCTL),
            shortRun(QStringLiteral("ALTER SYSTEM SET log_min_duration_statement = '50s'"), m_server.conninfo()));
        second.start(QStringLiteral(VIGILCTL), shortRun(QStringLiteral("ALTER SYSTEM SET log_lock_waits = on"), other));
        QVERIFY(first.waitForStarted() && second.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(
            first.state() == QProcess::NotRunning && second.state() == QProcess::NotRunning, 90000);
        const std::vector<QJsonObject> firstLines = jsonEvents(QString::fromUtf8(first.readAllStandardOutput()));
        const std::vector<QJsonObject> secondLines = jsonEvents(QString::fromUtf8(second.readAllStandardOutput()));
        for (QProcess *p : { &first, &second })
            QVERIFY2(p->exitCode() == 0 || p->exitCode() == 3, p->readAllStandardError().constData());

        QString error;
        const std::unique_ptr<KnowledgeStore> shared = KnowledgeStore::open(storeLocation, &error);
        QVERIFY2(shared, qPrintable(error));
        QSet<qint64> ids;
        for (const auto &[name, lines] :
            { std::pair { target(), &firstLines }, std::pair { otherName, &secondLines } }) {
            const std::vector<Action> actions = shared->actions(name);
            QCOMPARE(actions.size(), std::size_t(1));
            const Action &a = actions.front();
            ids.insert(a.id);
            // Every transition the agent announced is in the store, once, in order.
            QStringList announced;
            for (const QJsonObject &e : *lines) {
                const QString event = e.value(QLatin1StringView("event")).toString();
                if (event.startsWith(QLatin1StringView("action."))) {
                    QCOMPARE(e.value(QLatin1StringView("action_id")).toInteger(), a.id);
                    if (event != QLatin1StringView("action.degraded")) // sent while still observing
                        announced << e.value(QLatin1StringView("state")).toString();
                }
            }
            QStringList stored;
            for (const Transition &t : shared->transitions(a.id))
                stored << stateName(t.to);
            QCOMPARE(stored, announced);
            QVERIFY2(a.state == ActionState::Kept || a.state == ActionState::RolledBack, qPrintable(a.reason));
            QVERIFY(shared->sampleCount(name) >= 5);
        }
        QCOMPARE(ids.size(), 2);
        QCOMPARE(shared->actions().size(), std::size_t(2));
        QVERIFY(m_server.psql(QStringLiteral("ALTER SYSTEM RESET log_min_duration_statement")));
        QVERIFY(m_server.psql(QStringLiteral("ALTER SYSTEM RESET log_lock_waits")));
        QVERIFY(m_server.psql(QStringLiteral("SELECT pg_reload_conf()")));
    }
};

QTEST_GUILESS_MAIN(TestNatsDecisions)
#include "tst_natsdecisions.moc"
