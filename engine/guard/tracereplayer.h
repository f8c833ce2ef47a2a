// SPDX-License-Identifier: MIT
#pragma once

#include "collect/trace.h"
#include "guard/degradationdetector.h"
#include "guard/guardpolicy.h"
#include "guard/verdict.h"

#include <QString>

#include <vector>

namespace vigil {

/// One action of a trace and the guard's verdict on it.
struct ReplayedAction
{
    TraceAction action;
    Verdict verdict;
    /// Why the live engine would have found the baseline before it unsteady and waited (Baseline::unsteadiness);
    /// empty when it was steady. The replay judges at the recorded time either way.
    QString unsteady;
};

/**
 * Runs the guard offline on a recorded trace: for each action, the baseline from the samples before it and the
 * observation window after it, exactly as the live engine would see them.
 */
class TraceReplayer
{
public:
    TraceReplayer(GuardPolicy policy, DegradationDetector::Kind kind);

    /// Verdicts in the order the actions appear. The policy must have been validated against the trace's tick.
    std::vector<ReplayedAction> replay(const Trace &trace) const;

    /// One line of `vigilctl replay` output: {"action_id","verdict","decided_t","reason"}, then "unsteady" when the
    /// live engine would have waited for a steadier baseline.
    static QByteArray toJsonLine(const ReplayedAction &replayed);

private:
    GuardPolicy m_policy;
    DegradationDetector::Kind m_kind;
};

} // namespace vigil
