// SPDX-License-Identifier: MIT
#pragma once

#include "act/action.h"
#include "analyse/finding.h"

#include <QDateTime>
#include <QString>

#include "mode.h"

#include <optional>
#include <vector>

namespace vigil {

/// The limits on what the analyser may set going (DESIGN.md "Policy"); validated and persisted by the settings.
struct ProposalLimits
{
    Mode mode = Mode::Approve;
    int maxActionsPerHour = 6; ///< actions Vigil starts on its own per target per hour
    double cooldownSeconds = 30 * 60.0; ///< no new action on a target this long after a rollback on it
    double memorySeconds = 24 * 3600.0; ///< an action rolled back or rejected is not proposed again for this long
};

/// What becomes of one recommendation.
struct ProposalDecision
{
    enum class Kind {
        Advise, ///< shown with its SQL; nothing queued (observe mode, or a restart is needed)
        Queue, ///< journaled as awaiting approval (approve mode)
        Execute, ///< applied and guarded now (autonomous mode, within the limits)
        Suppressed, ///< not proposed: remembered rollback, cool-down or rate limit
        Pending, ///< proposed already: an action for it waits for approval or is being applied
    };
    Kind kind = Kind::Advise;
    QString reason;
};
QString decisionName(ProposalDecision::Kind kind); ///< advise, queue, execute, suppressed, pending

/**
 * Decides, for a finding's recommendation, whether it is advised, queued or executed, from the mode and the
 * target's recent journal. Pure: the engine passes the actions and the time.
 */
class ProposalPolicy
{
public:
    static ProposalDecision decide(const Recommendation &recommendation, const std::vector<Action> &targetActions,
        const QDateTime &now, const ProposalLimits &limits);
    /// The subject an action of the journal changes (details.subject, else the parameter or index it names).
    static QString subjectOf(const Action &action);
};

/// The action a run of the detectors starts, and whether it waits for a person (propose) or runs now (submit).
struct RoutedAction
{
    Action action;
    bool awaitsApproval = true;
};

/**
 * What one run of the detectors' recommendations becomes: each one's decision and its reason are written into its
 * finding (the Findings page shows them), and the action for the first that may start is built and returned. One
 * action per run: the guard attributes one change at a time. @p busyReason, when not empty, says why nothing may
 * start now (actions paused, another action in hand); what would have started is then suppressed with it.
 */
/// Why a recommendation waits while another action is in hand on its target (routeRecommendations' busy reason).
QString anotherActionInHandReason();

std::optional<RoutedAction> routeRecommendations(std::vector<Finding> &findings, const std::vector<Action> &history,
    const QDateTime &now, const ProposalLimits &limits, const QString &busyReason);

} // namespace vigil
