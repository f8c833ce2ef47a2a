// SPDX-License-Identifier: MIT
#include "analyse/proposalpolicy.h"

#include <QTest>

using namespace vigil;

namespace {

const QDateTime kNow = QDateTime(QDate(2026, 11, 27), QTime(12, 0), Qt::UTC);

Recommendation workMem()
{
    Recommendation r;
    r.sql = QStringLiteral("ALTER SYSTEM SET work_mem = '8MB'");
    r.subject = QStringLiteral("work_mem");
    return r;
}

Action action(
    qint64 id, ActionState state, const QString &subject, qint64 secondsAgo, ActionOrigin origin = ActionOrigin::Auto)
{
    Action a;
    a.id = id;
    a.kind = ActionKind::SetParameter;
    a.state = state;
    a.origin = origin;
    a.details = { { QStringLiteral("name"), subject } };
    a.createdAt = kNow.addSecs(-secondsAgo - 60);
    a.updatedAt = kNow.addSecs(-secondsAgo);
    a.reason = QStringLiteral("p95 latency +40%");
    return a;
}

ProposalLimits limits(const char *mode)
{
    ProposalLimits l;
    l.mode = modeFromName(QString::fromLatin1(mode)).value();
    return l;
}

} // namespace

class TestProposalPolicy : public QObject
{
    Q_OBJECT

private slots:
    void modeNamesAreReadBackAndNothingElse()
    {
        for (const Mode mode : { Mode::Observe, Mode::Approve, Mode::Autonomous })
            QCOMPARE(modeFromName(modeName(mode)), std::optional<Mode>(mode));
        QCOMPARE(modeFromName(u" Autonomous "), std::optional<Mode>(Mode::Autonomous)); // as a settings file has it
        QVERIFY(!modeFromName(u"auto"));
        QVERIFY(!modeFromName(u""));
    }

    void modes()
    {
        using Kind = ProposalDecision::Kind;
        QCOMPARE(ProposalPolicy::decide(workMem(), {}, kNow, limits("observe")).kind, Kind::Advise);
        QCOMPARE(ProposalPolicy::decide(workMem(), {}, kNow, limits("approve")).kind, Kind::Queue);
        QCOMPARE(ProposalPolicy::decide(workMem(), {}, kNow, limits("autonomous")).kind, Kind::Execute);
    }

    void restartIsNeverQueuedOrExecuted()
    {
        Recommendation r = workMem();
        r.needsRestart = true;
        for (const char *mode : { "approve", "autonomous" }) {
            const ProposalDecision d = ProposalPolicy::decide(r, {}, kNow, limits(mode));
            QCOMPARE(d.kind, ProposalDecision::Kind::Advise);
            QVERIFY(d.reason.contains(QLatin1StringView("restart")));
        }
    }

    void rememberedRollbackSuppressesForTheMemoryPeriod()
    {
        const std::vector<Action> journal { action(4, ActionState::RolledBack, QStringLiteral("work_mem"), 3600) };
        ProposalDecision d = ProposalPolicy::decide(workMem(), journal, kNow, limits("approve"));
        QCOMPARE(d.kind, ProposalDecision::Kind::Suppressed);
        QVERIFY2(d.reason.contains(QLatin1StringView("rolled back")) && d.reason.contains(QLatin1StringView("4")),
            qPrintable(d.reason));
        // After 24 h it may be proposed again; another parameter is not affected by it (but by the cool-down).
        const std::vector<Action> old { action(4, ActionState::RolledBack, QStringLiteral("work_mem"), 25 * 3600) };
        QCOMPARE(ProposalPolicy::decide(workMem(), old, kNow, limits("approve")).kind, ProposalDecision::Kind::Queue);
        Recommendation other = workMem();
        other.subject = QStringLiteral("effective_cache_size");
        other.sql = QStringLiteral("ALTER SYSTEM SET effective_cache_size = '1GB'");
        QCOMPARE(ProposalPolicy::decide(other, journal, kNow, limits("approve")).kind, ProposalDecision::Kind::Queue);
    }

    void aRejectedProposalIsNotProposedAgainForTheMemoryPeriod()
    {
        // Found again two minutes after a DBA rejected it: not queued again (it was, every analysis).
        Action rejected = action(7, ActionState::Rejected, QStringLiteral("work_mem"), 120);
        rejected.reason = QStringLiteral("rejected by alice");
        for (const char *mode : { "approve", "autonomous" }) {
            const ProposalDecision d = ProposalPolicy::decide(workMem(), { rejected }, kNow, limits(mode));
            QCOMPARE(d.kind, ProposalDecision::Kind::Suppressed);
            QVERIFY2(d.reason.contains(QLatin1StringView("rejected by alice")) && d.reason.contains(u'7'),
                qPrintable(d.reason));
        }
        rejected.updatedAt = kNow.addSecs(-25 * 3600);
        QCOMPARE(ProposalPolicy::decide(workMem(), { rejected }, kNow, limits("approve")).kind,
            ProposalDecision::Kind::Queue);
    }

    void coolDownAfterAnyRollback()
    {
        Recommendation other = workMem();
        other.subject = QStringLiteral("effective_cache_size");
        other.sql = QStringLiteral("ALTER SYSTEM SET effective_cache_size = '1GB'");
        const std::vector<Action> recent { action(
            5, ActionState::RolledBack, QStringLiteral("random_page_cost"), 600) };
        const ProposalDecision d = ProposalPolicy::decide(other, recent, kNow, limits("autonomous"));
        QCOMPARE(d.kind, ProposalDecision::Kind::Suppressed);
        QVERIFY(d.reason.startsWith(QLatin1StringView("cool-down")));
        const std::vector<Action> older { action(
            5, ActionState::RolledBack, QStringLiteral("random_page_cost"), 3600) };
        QCOMPARE(
            ProposalPolicy::decide(other, older, kNow, limits("autonomous")).kind, ProposalDecision::Kind::Execute);
    }

    void rateLimit()
    {
        std::vector<Action> journal;
        for (int i = 0; i < 6; ++i)
            journal.push_back(action(10 + i, ActionState::Kept, QStringLiteral("p%1").arg(i), 300 + i));
        ProposalDecision d = ProposalPolicy::decide(workMem(), journal, kNow, limits("autonomous"));
        QCOMPARE(d.kind, ProposalDecision::Kind::Suppressed);
        QVERIFY(d.reason.startsWith(QLatin1StringView("rate limit")));
        // A DBA's own actions do not use up the analyser's budget.
        for (Action &a : journal)
            a.origin = ActionOrigin::User;
        QCOMPARE(ProposalPolicy::decide(workMem(), journal, kNow, limits("autonomous")).kind,
            ProposalDecision::Kind::Execute);
    }

    void pendingOrInFlightIsNotProposedTwice()
    {
        // Said as such (the Findings page showed "suppressed" for a finding queued for approval).
        const std::vector<Action> waiting { action(7, ActionState::AwaitingApproval, QStringLiteral("work_mem"), 10) };
        const ProposalDecision queued = ProposalPolicy::decide(workMem(), waiting, kNow, limits("approve"));
        QCOMPARE(queued.kind, ProposalDecision::Kind::Pending);
        QCOMPARE(decisionName(queued.kind), QStringLiteral("pending"));
        QVERIFY2(
            queued.reason.contains(QLatin1StringView("waiting for approval as action 7")), qPrintable(queued.reason));
        const std::vector<Action> observing { action(8, ActionState::Observing, QStringLiteral("work_mem"), 10) };
        QCOMPARE(ProposalPolicy::decide(workMem(), observing, kNow, limits("autonomous")).kind,
            ProposalDecision::Kind::Pending);
    }

    // One run of the detectors: every recommendation gets its decision and reason, one action at most starts.
    void aRunStartsOneActionAndSaysWhyTheOthersWait()
    {
        std::vector<Finding> findings(3);
        findings[0].summary = QStringLiteral("no recommendation");
        findings[1].summary = QStringLiteral("sorts spill to disk");
        findings[1].recommendation = workMem();
        findings[2].summary = QStringLiteral("the cache is small");
        findings[2].recommendation = Recommendation { QStringLiteral("ALTER SYSTEM SET effective_cache_size = '4GB'"),
            false, QStringLiteral("effective_cache_size"), {}, {} };
        const std::optional<RoutedAction> routed = routeRecommendations(findings, {}, kNow, limits("approve"), {});
        QVERIFY(routed);
        QVERIFY(routed->awaitsApproval);
        QCOMPARE(routed->action.applySql, workMem().sql);
        QCOMPARE(routed->action.origin, ActionOrigin::Auto);
        QCOMPARE(routed->action.reason, QStringLiteral("sorts spill to disk"));
        QCOMPARE(routed->action.details.value(QLatin1StringView("subject")).toString(), QStringLiteral("work_mem"));
        QCOMPARE(findings[1].recommendation->decision, QStringLiteral("queue"));
        QCOMPARE(findings[2].recommendation->decision, QStringLiteral("suppressed"));
        QVERIFY2(findings[2].recommendation->decisionReason.contains(QLatin1StringView("another action")),
            qPrintable(findings[2].recommendation->decisionReason));

        // Autonomous: run now. Busy (paused, another action in hand): nothing starts, and the reason says why.
        const std::optional<RoutedAction> now = routeRecommendations(findings, {}, kNow, limits("autonomous"), {});
        QVERIFY(now && !now->awaitsApproval);
        QVERIFY(!routeRecommendations(findings, {}, kNow, limits("autonomous"), QStringLiteral("actions are paused")));
        QCOMPARE(findings[1].recommendation->decision, QStringLiteral("suppressed"));
        QCOMPARE(findings[1].recommendation->decisionReason, QStringLiteral("actions are paused"));
        // Observe: advised, nothing starts, nothing is called busy.
        QVERIFY(!routeRecommendations(findings, {}, kNow, limits("observe"), QStringLiteral("actions are paused")));
        QCOMPARE(findings[1].recommendation->decision, QStringLiteral("advise"));
    }

    void aRecommendationVigilCannotBuildIsSuppressedWithTheReason()
    {
        std::vector<Finding> findings(1);
        findings[0].recommendation = Recommendation { QStringLiteral("VACUUM FULL orders; DROP TABLE orders"), false,
            QStringLiteral("orders"), {}, {} };
        QVERIFY(!routeRecommendations(findings, {}, kNow, limits("autonomous"), {}));
        QCOMPARE(findings[0].recommendation->decision, QStringLiteral("suppressed"));
        QVERIFY2(findings[0].recommendation->decisionReason.startsWith(QLatin1StringView("Vigil cannot build")),
            qPrintable(findings[0].recommendation->decisionReason));
    }
};

QTEST_GUILESS_MAIN(TestProposalPolicy)
#include "tst_proposalpolicy.moc"
