// SPDX-License-Identifier: MIT
// The fleet end to end on a real PostgreSQL 15 under pgbench load and a real nats-server: a headless agent's
// harmful action and its rollback as a subscriber sees them, the same with the NATS server stopped mid-run,
// a remote approval, and two agents sharing one PostgreSQL knowledge store.
#include "Engine.h"
#include "act/actionfromsql.h"
#include "collect/connectioncheck.h"
#include "collect/pgconnection.h"
#include "conninfo.h"
#include "events/natspublisher.h"
#include "events/natssubscriber.h"
#include "natsagent.h"
#include "natslistener.h"
#include "natsserver.h"
#include "pgbenchload.h"
#include "pgserver.h"
#include "store/knowledgestore.h"
#include "vigilctlrunner.h"

#include <QDateTime>
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

namespace {

/// True when wanted appear in names in this order (other names may come between).
bool inOrder(const QStringList &names, const QStringList &wanted)
{
    qsizetype at = 0;
    for (const QString &name : names)
        if (at < wanted.size() && name == wanted.at(at))
            ++at;
    return at == wanted.size();
}

} // namespace

class TestNatsFleet : public QObject
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

    /// vigilctl apply with 1 s samples and short windows, publishing to the test's NATS server.
    QStringList applyArgs(const QString &storePath, const QString &sql, const QString &targetConninfo = {})
    {
        return { QStringLiteral("apply"), QStringLiteral("--target"),
            targetConninfo.isEmpty() ? m_server.conninfo() : targetConninfo, QStringLiteral("--sql"), sql,
            QStringLiteral("--store"), storePath, QStringLiteral("--interval"), QStringLiteral("1"),
            QStringLiteral("--baseline"), QStringLiteral("10"), QStringLiteral("--window"), QStringLiteral("12"),
            QStringLiteral("--nats"), m_nats.url(), QStringLiteral("--nats-samples"), QStringLiteral("0") };
    }

    /// vigilctl apply of a change that turns pgbench's lookups into sequential scans.
    bool startHarmfulApply(QProcess &apply)
    {
        apply.start(
            QStringLiteral(VIGILCTL), applyArgs(store(), QStringLiteral("ALTER SYSTEM SET enable_indexscan = off")));
        return apply.waitForStarted();
    }

    /// Waits for it to end (the event loop runs, so the subscriber hears meanwhile); true when it exited 3 (rolled
    /// back) and the setting is back. out gets the rest of its stdout.
    bool rolledBackInTheEnd(QProcess &apply, QByteArray &out)
    {
        if (!QTest::qWaitFor([&] { return apply.state() == QProcess::NotRunning; }, 90000))
            return false;
        out += apply.readAllStandardOutput();
        if (apply.exitCode() != 3) {
            qWarning("vigilctl apply exited %d: %s", apply.exitCode(),
                QByteArray(apply.readAllStandardError() + out.right(2000)).constData());
            return false;
        }
        return setting(QStringLiteral("enable_indexscan")) == QLatin1StringView("on");
    }

    static std::vector<QJsonObject> jsonLines(const QByteArray &out)
    {
        VigilctlRun run;
        run.out = QString::fromUtf8(out);
        return run.events();
    }

    QString setting(const QString &name)
    {
        QString out;
        m_server.psql(QStringLiteral("SELECT current_setting('%1')").arg(name), &out);
        return out;
    }

private slots:
    void initTestCase()
    {
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
        QString error;
        QVERIFY2(m_nats.start(&error), qPrintable(error));
        QVERIFY2(m_server.start(&error), qPrintable(error));
        QVERIFY2(m_server.pgbenchInit(5, &error), qPrintable(error));
        // As in tst_guardedchange: without bitmap scans, enable_indexscan = off turns lookups into seq scans.
        QVERIFY(m_server.psql(QStringLiteral("ALTER SYSTEM SET enable_bitmapscan = off")));
        QVERIFY(m_server.psql(QStringLiteral("SELECT pg_reload_conf()")));
        m_load = std::make_unique<PgBenchLoad>(m_server,
            QStringList { QStringLiteral("-S"), QStringLiteral("-n"), QStringLiteral("-c"), QStringLiteral("4"),
                QStringLiteral("-j"), QStringLiteral("2"), QStringLiteral("-R"), QStringLiteral("200"),
                QStringLiteral("-T"), QStringLiteral("3600"), QStringLiteral("-L"), QStringLiteral("100") });
        QVERIFY2(m_load->start(&error), qPrintable(error));
    }

    void cleanupTestCase()
    {
        m_load.reset();
        m_server.stop();
        m_nats.stop();
    }

    void harmfulActionSeenInOrder()
    {
        NatsHeard heard;
        const auto subscriber = listen(heard);
        QTRY_VERIFY_WITH_TIMEOUT(subscriber->isConnected(), 5000);
        QProcess apply;
        QVERIFY(startHarmfulApply(apply));
        QByteArray out;
        QVERIFY(rolledBackInTheEnd(apply, out));
        const QString rolledBack = QStringLiteral("vigil.%1.action.rolled_back").arg(token());
        QTRY_VERIFY_WITH_TIMEOUT(heard.subjects.contains(rolledBack), 5000);

        const QStringList names = heard.actionEvents(token());
        QVERIFY2(inOrder(names,
                     { QStringLiteral("action.proposed"), QStringLiteral("action.applying"),
                         QStringLiteral("action.executed"), QStringLiteral("action.degraded"),
                         QStringLiteral("action.rolling_back"), QStringLiteral("action.rolled_back") }),
            qPrintable(names.join(u' ')));
        QCOMPARE(names.count(QStringLiteral("action.kept")), 0);
        const QJsonObject executed = heard.last(QStringLiteral("vigil.%1.action.executed").arg(token()));
        const QJsonObject degraded = heard.last(QStringLiteral("vigil.%1.action.degraded").arg(token()));
        const QJsonObject done = heard.last(rolledBack);
        for (const QJsonObject &e : { executed, degraded, done }) {
            QCOMPARE(e.value(QLatin1StringView("schema")).toString(), QStringLiteral("vigil-event/1"));
            QCOMPARE(e.value(QLatin1StringView("target")).toString(), target());
            QCOMPARE(e.value(QLatin1StringView("kind")).toString(), QStringLiteral("set_parameter"));
            QVERIFY(e.value(QLatin1StringView("apply_sql")).toString().contains(QLatin1StringView("enable_indexscan")));
            QCOMPARE(e.value(QLatin1StringView("action_id")).toInteger(),
                executed.value(QLatin1StringView("action_id")).toInteger());
        }
        QVERIFY(executed.value(QLatin1StringView("seq")).toInteger()
            < degraded.value(QLatin1StringView("seq")).toInteger());
        QVERIFY(
            degraded.value(QLatin1StringView("seq")).toInteger() < done.value(QLatin1StringView("seq")).toInteger());
        QCOMPARE(executed.value(QLatin1StringView("state")).toString(), QStringLiteral("observing"));
        QCOMPARE(
            degraded.value(QLatin1StringView("evidence")).toObject().value(QLatin1StringView("verdict")).toString(),
            QStringLiteral("rollback"));
        const QString reason = done.value(QLatin1StringView("reason")).toString();
        QVERIFY2(reason.contains(QLatin1StringView("latency")) || reason.contains(QLatin1StringView("throughput")),
            qPrintable(reason));
        QCOMPARE(done.value(QLatin1StringView("state")).toString(), QStringLiteral("rolled_back"));
        QVERIFY(done.contains(QLatin1StringView("rollback_seconds")));
        // Samples went out too (--nats-samples 0), and the agent's last word counts what it sent.
        QVERIFY(heard.subjects.count(QStringLiteral("vigil.%1.sample").arg(token())) >= 10);
        const QJsonObject status = jsonLines(out).back();
        QCOMPARE(status.value(QLatin1StringView("event")).toString(), QStringLiteral("nats.status"));
        QCOMPARE(status.value(QLatin1StringView("dropped")).toInteger(), 0);
        QVERIFY(status.value(QLatin1StringView("published")).toInteger() >= qint64(names.size()));
    }

    void natsStoppedMidRunHarmsNothing()
    {
        NatsHeard heard;
        const auto subscriber = listen(heard);
        QTRY_VERIFY_WITH_TIMEOUT(subscriber->isConnected(), 5000);
        QProcess apply;
        QVERIFY(startHarmfulApply(apply));
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += apply.readAllStandardOutput()).contains("baseline.collecting"), 20000);
        // The bus goes away during the baseline and comes back 2.5 s later, on the same port.
        const QDateTime downAt = QDateTime::currentDateTimeUtc();
        m_nats.stop();
        QTest::qWait(2500);
        const QDateTime upAt = QDateTime::currentDateTimeUtc();
        QString error;
        QVERIFY2(m_nats.start(&error), qPrintable(error));
        QVERIFY(rolledBackInTheEnd(apply, out));

        // The engine sampled on through the outage, once a second.
        const std::vector<QJsonObject> lines = jsonLines(out);
        int samplesWhileDown = 0;
        QStringList natsEvents;
        for (const QJsonObject &e : lines) {
            const QString name = e.value(QLatin1StringView("event")).toString();
            const QDateTime ts = QDateTime::fromString(e.value(QLatin1StringView("ts")).toString(), Qt::ISODateWithMs);
            if (name == QLatin1StringView("sample") && ts >= downAt && ts <= upAt)
                ++samplesWhileDown;
            if (name.startsWith(QLatin1StringView("nats.")))
                natsEvents << name;
        }
        QVERIFY2(samplesWhileDown >= 2, qPrintable(QString::number(samplesWhileDown)));
        QVERIFY2(inOrder(natsEvents, { QStringLiteral("nats.disconnected"), QStringLiteral("nats.connected") }),
            qPrintable(natsEvents.join(u' ')));
        QCOMPARE(lines.back().value(QLatin1StringView("dropped")).toInteger(), 0);

        // What happened after the reconnect reached the subscriber, in order.
        QTRY_VERIFY_WITH_TIMEOUT(
            heard.subjects.contains(QStringLiteral("vigil.%1.action.rolled_back").arg(token())), 10000);
        const QStringList names = heard.actionEvents(token());
        QVERIFY2(inOrder(names,
                     { QStringLiteral("action.executed"), QStringLiteral("action.degraded"),
                         QStringLiteral("action.rolled_back") }),
            qPrintable(names.join(u' ')));
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
        QCOMPARE(setting(QStringLiteral("log_min_duration_statement")), QStringLiteral("-1")); // nothing ran yet

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
        QCOMPARE(setting(QStringLiteral("log_min_duration_statement")), QStringLiteral("-1"));
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
            QStringList args = applyArgs(storeLocation, sql, targetConninfo);
            args[args.indexOf(QStringLiteral("--baseline")) + 1] = QStringLiteral("5");
            args[args.indexOf(QStringLiteral("--window")) + 1] = QStringLiteral("5");
            return args;
        };
        first.start(QStringLiteral(VIGILCTL),
            shortRun(QStringLiteral("ALTER SYSTEM SET log_min_duration_statement = '50s'"), m_server.conninfo()));
        second.start(QStringLiteral(VIGILCTL), shortRun(QStringLiteral("ALTER SYSTEM SET log_lock_waits = on"), other));
        QVERIFY(first.waitForStarted() && second.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(
            first.state() == QProcess::NotRunning && second.state() == QProcess::NotRunning, 90000);
        const std::vector<QJsonObject> firstLines = jsonLines(first.readAllStandardOutput());
        const std::vector<QJsonObject> secondLines = jsonLines(second.readAllStandardOutput());
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

QTEST_GUILESS_MAIN(TestNatsFleet)
#include "tst_natsfleet.moc"
