// SPDX-License-Identifier: MIT
// Engine events are typed inside the process; their JSON (vigilctl's lines, NATS payloads) is made only at the edge,
// by EngineEvent::toJson(), with the names and fields docs/events.md lists.
#include "events/engineevent.h"
#include "events/eventbus.h"

#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>
#include <QTimeZone>

using namespace vigil;

class TestEngineEvent : public QObject
{
    Q_OBJECT

private slots:
    void anActionTransitionCarriesTheActionAndWritesItsFields()
    {
        Action action;
        action.id = 12;
        action.target = QStringLiteral("db:5432/shop");
        action.kind = ActionKind::CreateIndex;
        action.state = ActionState::RollingBack;
        action.applySql = QStringLiteral("CREATE INDEX CONCURRENTLY i ON t (a)");
        action.rollbackSql = QStringLiteral("DROP INDEX CONCURRENTLY i");
        const QJsonObject evidence { { QStringLiteral("metric"), QStringLiteral("p95_latency") } };
        // The transition is what the event's name adds to "action.".
        EngineEvent event = actionEvent(QStringLiteral("degraded"), action, QStringLiteral("p95 +40 %"),
            { { QStringLiteral("evidence"), evidence } });
        event.at = QDateTime::fromMSecsSinceEpoch(1'800'000'000'123, QTimeZone::utc());

        QCOMPARE(event.name(), QStringLiteral("action.degraded"));
        QVERIFY(event.action() && !event.sample() && !event.finding() && !event.status());
        QCOMPARE(event.action()->transition, QStringLiteral("degraded"));
        QCOMPARE(event.action()->actionId, 12);
        QCOMPARE(event.action()->applySql, action.applySql);
        QVERIFY(event.fields().isEmpty()); // only status events have free fields

        const QJsonObject json = event.toJson();
        QCOMPARE(json.value(QLatin1StringView("event")).toString(), QStringLiteral("action.degraded"));
        QCOMPARE(json.value(QLatin1StringView("ts")).toString(), QStringLiteral("2027-01-15T08:00:00.123Z"));
        QCOMPARE(json.value(QLatin1StringView("action_id")).toInteger(), 12);
        QCOMPARE(json.value(QLatin1StringView("target")).toString(), action.target);
        QCOMPARE(json.value(QLatin1StringView("kind")).toString(), kindName(ActionKind::CreateIndex));
        QCOMPARE(json.value(QLatin1StringView("state")).toString(), stateName(ActionState::RollingBack));
        QCOMPARE(json.value(QLatin1StringView("apply_sql")).toString(), action.applySql);
        QCOMPARE(json.value(QLatin1StringView("rollback_sql")).toString(), action.rollbackSql);
        QCOMPARE(json.value(QLatin1StringView("reason")).toString(), QStringLiteral("p95 +40 %"));
        QCOMPARE(json.value(QLatin1StringView("evidence")).toObject(), evidence);

        // No reason: no "reason" field (not an empty one).
        QVERIFY(!actionEvent(QStringLiteral("executed"), action).toJson().contains(QLatin1StringView("reason")));
    }

    void aSampleWritesNullWhereASourceWasUnavailable()
    {
        Sample sample;
        sample.tStart = 99;
        sample.tEnd = 100;
        sample.valid = true;
        sample.tps = 250;
        sample.latencyP95Ms = 1.5;
        const EngineEvent event = sampleEvent(sample);
        QCOMPARE(event.name(), QStringLiteral("sample"));
        QVERIFY(event.sample());
        QCOMPARE(*event.sample()->sample.tps, 250.0);
        const QJsonObject json = event.toJson();
        QCOMPARE(json.value(QLatin1StringView("tps")).toDouble(), 250.0);
        QCOMPARE(json.value(QLatin1StringView("latency_p95_ms")).toDouble(), 1.5);
        QCOMPARE(json.value(QLatin1StringView("seconds")).toDouble(), 1.0);
        QVERIFY(json.value(QLatin1StringView("cpu_pct")).isNull()); // unavailable, never 0
        QVERIFY(json.contains(QLatin1StringView("cpu_pct")));
    }

    void aFindingNamesItsTarget()
    {
        Finding finding;
        finding.detector = QStringLiteral("missing_index");
        finding.condition = QStringLiteral("sequential_scans_on_predicate");
        const EngineEvent event = findingEvent(QStringLiteral("db:5432/shop"), finding);
        QCOMPARE(event.name(), QStringLiteral("finding"));
        QCOMPARE(event.finding()->finding.detector, finding.detector);
        const QJsonObject json = event.toJson();
        QCOMPARE(json.value(QLatin1StringView("target")).toString(), QStringLiteral("db:5432/shop"));
        QCOMPARE(json.value(QLatin1StringView("detector")).toString(), finding.detector);
        QCOMPARE(json.value(QLatin1StringView("case")).toString(), finding.condition);
    }

    void anAnalysisCarriesItsFindingsTyped()
    {
        Finding finding;
        finding.detector = QStringLiteral("unused_index");
        finding.condition = QStringLiteral("never_scanned");
        finding.severity = Severity::Warning;
        Recommendation drop;
        drop.sql = QStringLiteral("DROP INDEX CONCURRENTLY public.old_idx");
        drop.subject = QStringLiteral("public.old_idx");
        finding.recommendation = drop;
        const EngineEvent event = analysisEvent(QStringLiteral("db:5432/shop"), 12, { finding });
        QCOMPARE(event.name(), QStringLiteral("analysis.finished"));
        QVERIFY(event.analysis() && !event.status() && !event.finding());
        QCOMPARE(event.analysis()->findings.size(), std::size_t(1));
        QVERIFY(event.analysis()->findings.front() == finding);
        // At the edge, the JSON docs/events.md lists: target, samples and every finding with its key.
        const QJsonObject json = event.toJson();
        QCOMPARE(json.value(QLatin1StringView("target")).toString(), QStringLiteral("db:5432/shop"));
        QCOMPARE(json.value(QLatin1StringView("samples")).toInteger(), 12);
        const QJsonArray findings = json.value(QLatin1StringView("findings")).toArray();
        QCOMPARE(findings.size(), 1);
        QCOMPARE(findings.first().toObject().value(QLatin1StringView("key")).toString(),
            QStringLiteral("unused_index/never_scanned/public.old_idx"));
        QCOMPARE(
            findings.first().toObject().value(QLatin1StringView("severity")).toString(), QStringLiteral("warning"));
    }

    void aStatusEventIsItsNameAndFields()
    {
        const EngineEvent event
            = statusEvent(QStringLiteral("collector.gap"), { { QStringLiteral("reason"), QStringLiteral("gone") } });
        QCOMPARE(event.name(), QStringLiteral("collector.gap"));
        QVERIFY(!event.action());
        QCOMPARE(event.fields().value(QLatin1StringView("reason")).toString(), QStringLiteral("gone"));
        QCOMPARE(event.toJson().value(QLatin1StringView("reason")).toString(), QStringLiteral("gone"));
        QCOMPARE(event.toJson().value(QLatin1StringView("event")).toString(), QStringLiteral("collector.gap"));
    }

    void theBusStampsTheTimeAndCrossesAQueuedConnection()
    {
        EventBus bus;
        QSignalSpy spy(&bus, &EventBus::published); // QSignalSpy copies through QVariant, as a queued call does
        const QDateTime before = QDateTime::currentDateTimeUtc();
        bus.publish(QStringLiteral("engine.paused"), { { QStringLiteral("paused"), true } });
        QCOMPARE(spy.size(), 1);
        const EngineEvent heard = spy.front().at(0).value<EngineEvent>();
        QCOMPARE(heard.name(), QStringLiteral("engine.paused"));
        QVERIFY(heard.at >= before && heard.at <= QDateTime::currentDateTimeUtc());
        QCOMPARE(heard.at.timeSpec(), Qt::UTC);
    }
};

QTEST_GUILESS_MAIN(TestEngineEvent)
#include "tst_engineevent.moc"
