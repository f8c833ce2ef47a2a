// SPDX-License-Identifier: MIT
#include "analyse/proposalpolicy.h"

#include "act/actionfromsql.h"

namespace vigil {

QString decisionName(ProposalDecision::Kind kind)
{
    switch (kind) {
    case ProposalDecision::Kind::Advise:
        return QStringLiteral("advise");
    case ProposalDecision::Kind::Queue:
        return QStringLiteral("queue");
    case ProposalDecision::Kind::Execute:
        return QStringLiteral("execute");
    case ProposalDecision::Kind::Suppressed:
        return QStringLiteral("suppressed");
    case ProposalDecision::Kind::Pending:
        return QStringLiteral("pending");
    }
    return QStringLiteral("advise");
}

QString ProposalPolicy::subjectOf(const Action &action)
{
    const QString subject = action.details.value(QLatin1StringView("subject")).toString();
    if (!subject.isEmpty())
        return subject;
    if (action.kind == ActionKind::SetParameter)
        return action.details.value(QLatin1StringView("name")).toString();
    const QString schema = action.details.value(QLatin1StringView("schema")).toString();
    const QString index = action.details.value(QLatin1StringView("index")).toString();
    return (schema.isEmpty() ? QStringLiteral("public") : schema) + u'.' + index;
}

ProposalDecision ProposalPolicy::decide(const Recommendation &recommendation, const std::vector<Action> &actions,
    const QDateTime &now, const ProposalLimits &limits)
{
    using Kind = ProposalDecision::Kind;
    const auto when = [](const QDateTime &t) { return t.toUTC().toString(Qt::ISODate); };
    // Memory and pending work first: they hold in every mode, so even observe mode says why nothing would run.
    for (const Action &a : actions) {
        const bool same = subjectOf(a) == recommendation.subject || a.applySql == recommendation.sql;
        if (!same)
            continue;
        if (a.state == ActionState::RolledBack && a.updatedAt.secsTo(now) < limits.memorySeconds)
            return { Kind::Suppressed,
                QStringLiteral("not proposed again: action %1 on %2 was rolled back at %3 (%4); Vigil remembers "
                               "rollbacks for %5 h")
                    .arg(a.id)
                    .arg(recommendation.subject, when(a.updatedAt), a.reason)
                    .arg(limits.memorySeconds / 3600.0, 0, 'f', 0) };
        // A person said no: asking again minutes later would wear the approvals out (and the person).
        if (a.state == ActionState::Rejected && a.updatedAt.secsTo(now) < limits.memorySeconds)
            return { Kind::Suppressed,
                QStringLiteral("not proposed again: action %1 on %2 was %3 at %4; Vigil remembers rejections for %5 h")
                    .arg(a.id)
                    .arg(recommendation.subject, a.reason, when(a.updatedAt))
                    .arg(limits.memorySeconds / 3600.0, 0, 'f', 0) };
        if (a.state == ActionState::AwaitingApproval)
            return { Kind::Pending, QStringLiteral("already waiting for approval as action %1").arg(a.id) };
        if (isInFlight(a.state) || a.state == ActionState::Proposed)
            return { Kind::Pending, QStringLiteral("already being applied as action %1").arg(a.id) };
    }
    if (limits.mode == Mode::Observe)
        return { Kind::Advise, QStringLiteral("observe mode: Vigil proposes nothing for execution") };
    if (recommendation.needsRestart)
        return { Kind::Advise,
            QStringLiteral("needs a server restart: Vigil cannot guard it and never applies it; run it in a "
                           "maintenance window and restart") };
    if (limits.mode == Mode::Approve)
        return { Kind::Queue, QStringLiteral("approve mode: waits for a DBA's approval") };

    // Autonomous: within the cool-down and the rate limit only.
    int startedLastHour = 0;
    for (const Action &a : actions) {
        if (a.state == ActionState::RolledBack && a.updatedAt.secsTo(now) < limits.cooldownSeconds)
            return { Kind::Suppressed,
                QStringLiteral("cool-down: action %1 was rolled back at %2; no new action until %3")
                    .arg(a.id)
                    .arg(when(a.updatedAt), when(a.updatedAt.addSecs(qint64(limits.cooldownSeconds)))) };
        if (a.origin == ActionOrigin::Auto && a.createdAt.secsTo(now) < 3600 && a.state != ActionState::Rejected)
            ++startedLastHour;
    }
    if (startedLastHour >= limits.maxActionsPerHour)
        return { Kind::Suppressed,
            QStringLiteral("rate limit: %1 actions started on this target in the last hour (limit %2)")
                .arg(startedLastHour)
                .arg(limits.maxActionsPerHour) };
    return { Kind::Execute, QStringLiteral("autonomous mode, within the rate limit and cool-down") };
}

QString anotherActionInHandReason()
{
    return QStringLiteral("another action is being handled on this target; proposed again later");
}

std::optional<RoutedAction> routeRecommendations(std::vector<Finding> &findings, const std::vector<Action> &history,
    const QDateTime &now, const ProposalLimits &limits, const QString &busyReason)
{
    using Kind = ProposalDecision::Kind;
    std::optional<RoutedAction> routed;
    for (Finding &f : findings) {
        if (!f.recommendation)
            continue;
        Recommendation &r = *f.recommendation;
        ProposalDecision decision = ProposalPolicy::decide(r, history, now, limits);
        const bool wouldStart = decision.kind == Kind::Queue || decision.kind == Kind::Execute;
        if (wouldStart && (routed || !busyReason.isEmpty()))
            decision = { Kind::Suppressed, busyReason.isEmpty() ? anotherActionInHandReason() : busyReason };
        if (decision.kind == Kind::Queue || decision.kind == Kind::Execute) {
            QString why;
            std::optional<Action> action = actionFromSql(r.sql, {}, &why);
            if (!action) {
                decision = { Kind::Suppressed, QStringLiteral("Vigil cannot build this action: %1").arg(why) };
            } else {
                action->origin = ActionOrigin::Auto;
                action->reason = f.summary;
                action->details.insert(QStringLiteral("subject"), r.subject);
                action->details.insert(QStringLiteral("finding"), findingJson(f));
                routed = RoutedAction { std::move(*action), decision.kind == Kind::Queue };
            }
        }
        r.decision = decisionName(decision.kind);
        r.decisionReason = decision.reason;
    }
    return routed;
}

} // namespace vigil
