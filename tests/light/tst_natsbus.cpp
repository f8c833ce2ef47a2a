// SPDX-License-Identifier: MIT
// The NATS layer against a real nats-server (no PostgreSQL): subjects, payloads, a server that is down at start
// or goes away, dropped events counted, passwords kept out of what is shown, request/reply for approvals.
#include "events/eventbus.h"
#include "events/natsapprovals.h"
#include "events/natspublisher.h"
#include "events/natssubscriber.h"
#include "natslistener.h"
#include "natsserver.h"

#include <QJsonArray>

#include <QSignalSpy>
#include <QTest>
#include <functional>

using namespace vigil;
using namespace vigil::testing;

namespace {

NatsOptions natsAt(const QString &url)
{
    NatsOptions o;
    o.url = url;
    return o;
}

/// Action `id`'s transition as the engine publishes it (the rest of the action left empty).
EngineEvent transitionOf(const QString &transition, qint64 id)
{
    Action action;
    action.id = id;
    return actionEvent(transition, action);
}

/// A sample with only its throughput.
EngineEvent sampleWithTps(double tps)
{
    Sample sample;
    sample.tps = tps;
    return sampleEvent(sample);
}

NatsOptions with(NatsOptions o, const std::function<void(NatsOptions &)> &change)
{
    change(o);
    return o;
}

} // namespace

class TestNatsBus : public QObject
{
    Q_OBJECT

    NatsServer m_server;

    static std::unique_ptr<NatsSubscriber> listen(NatsHeard &heard, const QString &url)
    {
        return listenToFleet(heard, url);
    }

    /// Waits until both are connected and the subscription has reached the server.
    static bool settle(NatsSubscriber &subscriber, NatsPublisher &publisher)
    {
        if (!QTest::qWaitFor([&] { return subscriber.isConnected() && publisher.isConnected(); }, 10000))
            return false;
        QTest::qWait(100);
        return true;
    }

private slots:
    void initTestCase()
    {
        QString error;
        QVERIFY2(m_server.start(&error), qPrintable(error));
    }

    void subjectsAreValidTokens_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("event");
        QTest::addColumn<QString>("subject");
        QTest::newRow("action") << QStringLiteral("db1.example.com:5432/shop") << QStringLiteral("action.rolled_back")
                                << QStringLiteral("vigil.db1_example_com_5432_shop.action.rolled_back");
        QTest::newRow("finding") << QStringLiteral("localhost:5432/app") << QStringLiteral("finding")
                                 << QStringLiteral("vigil.localhost_5432_app.finding");
        QTest::newRow("wildcards and spaces")
            << QStringLiteral("a b*>c") << QStringLiteral("sample") << QStringLiteral("vigil.a_b__c.sample");
        QTest::newRow("empty") << QString() << QStringLiteral("engine.started")
                               << QStringLiteral("vigil._.engine.started");
        QTest::newRow("non-ASCII") << QStringLiteral("hôte:5432/base") << QStringLiteral("action.kept")
                                   << QStringLiteral("vigil.h_te_5432_base.action.kept");
    }

    void subjectsAreValidTokens()
    {
        QFETCH(QString, target);
        QFETCH(QString, event);
        QFETCH(QString, subject);
        QCOMPARE(natsSubject(target, event), subject);
    }

    void eventsArriveWithTheSchema()
    {
        NatsHeard heard;
        const auto subscriber = listen(heard, m_server.url());
        NatsPublisher publisher(natsAt(m_server.url()));
        publisher.setTarget(QStringLiteral("db1:5432/shop"));
        QString error;
        QVERIFY2(publisher.start(&error), qPrintable(error));
        QVERIFY(settle(*subscriber, publisher));
        EventBus bus;
        connect(&bus, &EventBus::published, &publisher, &NatsPublisher::publish);
        Action observing;
        observing.id = 7;
        observing.kind = ActionKind::SetParameter;
        observing.state = ActionState::Observing;
        bus.publish(actionEvent(QStringLiteral("executed"), observing));
        bus.publish(sampleWithTps(10.0)); // samples are off by default
        Finding finding;
        finding.detector = QStringLiteral("cache");
        bus.publish(findingEvent({}, finding)); // the publisher names the target
        QTRY_COMPARE_WITH_TIMEOUT(heard.subjects.size(), 2, 5000);
        QTest::qWait(200);
        QCOMPARE(heard.subjects,
            QStringList({ QStringLiteral("vigil.db1_5432_shop.action.executed"),
                QStringLiteral("vigil.db1_5432_shop.finding") }));
        const QJsonObject executed = heard.payloads.front();
        QCOMPARE(executed.value(QLatin1StringView("schema")).toString(), QStringLiteral("vigil-event/1"));
        QCOMPARE(executed.value(QLatin1StringView("event")).toString(), QStringLiteral("action.executed"));
        QCOMPARE(executed.value(QLatin1StringView("target")).toString(), QStringLiteral("db1:5432/shop"));
        QCOMPARE(executed.value(QLatin1StringView("action_id")).toInt(), 7);
        QVERIFY(!executed.value(QLatin1StringView("ts")).toString().isEmpty());
        QCOMPARE(heard.payloads.at(1).value(QLatin1StringView("seq")).toInteger(),
            executed.value(QLatin1StringView("seq")).toInteger() + 1);
        QCOMPARE(heard.payloads.at(1).value(QLatin1StringView("detector")).toString(), QStringLiteral("cache"));
        publisher.stop();
        QCOMPARE(publisher.publishedCount(), quint64(2));
        QCOMPARE(publisher.droppedCount(), quint64(0));
    }

    void samplesAtTheConfiguredRate()
    {
        NatsHeard heard;
        const auto subscriber = listen(heard, m_server.url());
        NatsPublisher publisher(with(natsAt(m_server.url()), [](NatsOptions &o) {
            o.publishSamples = true;
            o.sampleEverySeconds = 60;
        }));
        publisher.setTarget(QStringLiteral("t"));
        QString error;
        QVERIFY(publisher.start(&error));
        QVERIFY(settle(*subscriber, publisher));
        for (int i = 0; i < 5; ++i)
            publisher.publish(sampleWithTps(double(i)));
        QTRY_COMPARE_WITH_TIMEOUT(heard.count(QStringLiteral("vigil.t.sample")), 1, 5000);
        QTest::qWait(300);
        QCOMPARE(heard.count(QStringLiteral("vigil.t.sample")), 1); // one per minute at most
        QCOMPARE(heard.payloads.front().value(QLatin1StringView("tps")).toDouble(), 0.0);
    }

    void serverDownAtStartThenUp()
    {
        NatsServer late;
        // Reserve a port by starting and stopping: clients then point at a server that is not there yet.
        QString error;
        QVERIFY2(late.start(&error), qPrintable(error));
        late.stop();
        NatsPublisher publisher(natsAt(late.url()));
        publisher.setTarget(QStringLiteral("t"));
        QVERIFY2(publisher.start(&error), qPrintable(error)); // no server: not an error, it keeps trying
        QVERIFY(!publisher.isConnected());
        for (int i = 0; i < 10; ++i)
            publisher.publish(transitionOf(QStringLiteral("kept"), i));
        QTRY_COMPARE_WITH_TIMEOUT(publisher.publishedCount(), quint64(10), 2000); // buffered by libnats
        // Spied before the server starts: the signal crosses from a libnats thread queued, so it can arrive
        // before, during or after isConnected() turns true; the test waits for the signal itself.
        QSignalSpy up(&publisher, &NatsPublisher::connectionChanged);
        QVERIFY(late.start(&error));
        NatsHeard heard;
        const auto subscriber = listen(heard, late.url());
        QTRY_VERIFY_WITH_TIMEOUT(publisher.isConnected() && subscriber->isConnected(), 15000);
        QTRY_VERIFY_WITH_TIMEOUT(!up.isEmpty() && up.last().at(0).toBool(), 5000);
        publisher.publish(transitionOf(QStringLiteral("rolled_back"), 99));
        QTRY_VERIFY_WITH_TIMEOUT(heard.count(QStringLiteral("vigil.t.action.rolled_back")) == 1, 5000);
        QCOMPARE(publisher.droppedCount(), quint64(0));
    }

    void fullQueueDropsAndCounts()
    {
        NatsHeard heard;
        const auto subscriber = listen(heard, m_server.url());
        NatsPublisher publisher(with(natsAt(m_server.url()), [](NatsOptions &o) { o.queueCapacity = 16; }));
        publisher.setTarget(QStringLiteral("burst"));
        QString error;
        QVERIFY(publisher.start(&error));
        QVERIFY(settle(*subscriber, publisher));
        constexpr int kEvents = 20000;
        for (int i = 0; i < kEvents; ++i)
            publisher.publish(statusEvent(QStringLiteral("action.progress"), { { QStringLiteral("i"), i } }));
        publisher.stop();
        // Whatever the worker could not keep up with was dropped and counted: nothing vanishes unaccounted.
        QCOMPARE(publisher.publishedCount() + publisher.droppedCount(), quint64(kEvents));
        QVERIFY2(publisher.droppedCount() > 0, "a 16-event queue cannot absorb a 20,000-event burst");
        QTRY_COMPARE_WITH_TIMEOUT(quint64(heard.subjects.size()), publisher.publishedCount(), 10000);
        // The newest survive: the last event is always delivered.
        QCOMPARE(heard.payloads.last().value(QLatin1StringView("i")).toInt(), kEvents - 1);
        // Subscribers see the drops as gaps in `seq` (docs/events.md): every event was numbered, in order, before
        // the queue could drop it.
        QCOMPARE(heard.payloads.last().value(QLatin1StringView("seq")).toInteger(), qint64(kEvents));
        qint64 previous = 0;
        qint64 missing = 0;
        for (const QJsonObject &payload : std::as_const(heard.payloads)) {
            const qint64 seq = payload.value(QLatin1StringView("seq")).toInteger();
            QVERIFY2(seq > previous, qPrintable(QStringLiteral("seq %1 after %2").arg(seq).arg(previous)));
            missing += seq - previous - 1;
            previous = seq;
        }
        QCOMPARE(quint64(missing), publisher.droppedCount());
        QCOMPARE(publisher.status().value(QLatin1StringView("dropped")).toInteger(), qint64(publisher.droppedCount()));
    }

    void passwordInUrlAuthenticatesAndIsNeverShown()
    {
        NatsServer secured({ QStringLiteral("--user"), QStringLiteral("vigil"), QStringLiteral("--pass"),
            QStringLiteral("s3cret-nats") });
        QString error;
        QVERIFY2(secured.start(&error), qPrintable(error));
        const QString url = QStringLiteral("nats://vigil:s3cret-nats@127.0.0.1:%1").arg(secured.port());
        NatsHeard heard;
        const auto subscriber = listen(heard, url);
        NatsPublisher publisher(natsAt(url));
        publisher.setTarget(QStringLiteral("t"));
        QVERIFY(publisher.start(&error));
        QVERIFY(settle(*subscriber, publisher));
        publisher.publish(transitionOf(QStringLiteral("kept"), 1));
        QTRY_COMPARE_WITH_TIMEOUT(heard.subjects.size(), 1, 5000);
        const QString shown = publisher.status().value(QLatin1StringView("url")).toString();
        QVERIFY2(!shown.contains(QLatin1StringView("s3cret")), qPrintable(shown));
        QVERIFY2(shown.contains(QLatin1StringView("127.0.0.1")), qPrintable(shown));

        // A wrong password never connects.
        NatsPublisher wrong(natsAt(QStringLiteral("nats://vigil:nope@127.0.0.1:%1").arg(secured.port())));
        QVERIFY(wrong.start(&error));
        QTest::qWait(1000);
        QVERIFY(!wrong.isConnected());
    }

    void unusableOptionsAreRefused()
    {
        QString error;
        NatsPublisher missingCreds(with(
            natsAt(m_server.url()), [](NatsOptions &o) { o.credsFile = QStringLiteral("/nonexistent/user.creds"); }));
        QVERIFY(!missingCreds.start(&error));
        QVERIFY2(error.contains(QLatin1StringView("credentials")), qPrintable(error));
        NatsPublisher missingCa(
            with(natsAt(m_server.url()), [](NatsOptions &o) { o.caFile = QStringLiteral("/nonexistent/ca.pem"); }));
        QVERIFY(!missingCa.start(&error));
        QVERIFY2(error.contains(QLatin1StringView("CA")), qPrintable(error));
    }

    void approvalsAnswerRequests()
    {
        QList<std::tuple<bool, qint64, QString>> decisions;
        NatsApprovals approvals(natsAt(m_server.url()), [&](bool approve, qint64 id, const QString &by) {
            decisions << std::make_tuple(approve, id, by);
            return id == 13 ? QStringLiteral("action 13 is not waiting for approval") : QString();
        });
        QString error;
        QVERIFY2(approvals.start(QStringLiteral("db1:5432/shop"), &error), qPrintable(error));
        NatsHeard heard;
        const auto subscriber = listen(heard, m_server.url());
        QTRY_VERIFY_WITH_TIMEOUT(subscriber->isConnected(), 5000);
        QSignalSpy replied(subscriber.get(), &NatsSubscriber::replied);
        const quint64 first = subscriber->request(QStringLiteral("vigil.db1_5432_shop.approve"),
            { { QStringLiteral("action_id"), 12 }, { QStringLiteral("by"), QStringLiteral("alice") } });
        QVERIFY(replied.wait(5000));
        QCOMPARE(replied.last().at(0).toULongLong(), first);
        QVERIFY2(replied.last().at(2).toString().isEmpty(), qPrintable(replied.last().at(2).toString()));
        QJsonObject reply = replied.last().at(1).toJsonObject();
        QCOMPARE(reply.value(QLatin1StringView("ok")).toBool(), true);
        QCOMPARE(reply.value(QLatin1StringView("decision")).toString(), QStringLiteral("approved"));
        QCOMPARE(decisions.size(), 1);
        QCOMPARE(decisions.front(), std::make_tuple(true, qint64(12), QStringLiteral("alice")));

        subscriber->request(QStringLiteral("vigil.db1_5432_shop.reject"),
            { { QStringLiteral("action_id"), 13 }, { QStringLiteral("by"), QStringLiteral("bob") } });
        QVERIFY(replied.wait(5000));
        reply = replied.last().at(1).toJsonObject();
        QCOMPARE(reply.value(QLatin1StringView("ok")).toBool(), false);
        QVERIFY(reply.value(QLatin1StringView("error")).toString().contains(QLatin1StringView("not waiting")));
        QCOMPARE(std::get<0>(decisions.last()), false);

        // Without who decides, nothing is decided.
        subscriber->request(QStringLiteral("vigil.db1_5432_shop.approve"), { { QStringLiteral("action_id"), 14 } });
        QVERIFY(replied.wait(5000));
        QCOMPARE(replied.last().at(1).toJsonObject().value(QLatin1StringView("ok")).toBool(), false);
        QCOMPARE(decisions.size(), 2);

        // Nobody answers for another target: the request times out.
        subscriber->request(QStringLiteral("vigil.other.approve"),
            { { QStringLiteral("action_id"), 1 }, { QStringLiteral("by"), QStringLiteral("eve") } }, 500);
        QVERIFY(replied.wait(3000));
        QVERIFY(replied.last().at(2).toString().contains(QLatin1StringView("no answer")));
    }
};

QTEST_GUILESS_MAIN(TestNatsBus)
#include "tst_natsbus.moc"
