// SPDX-License-Identifier: MIT
#pragma once

#include "act/action.h"
#include "analyse/finding.h"

#include <QDateTime>
#include <QString>

#include "mode.h"

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

} // namespace vigil
