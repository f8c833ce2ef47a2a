// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QtGlobal>

#include <vector>

namespace vigil {

/// A statement whose execution time rose in the evidence behind a verdict.
struct RegressedStatement
{
    qint64 queryId = 0;
    QString text;
    double baselineMeanMs = 0;
    double windowMeanMs = 0;
    double changePct = 0;
};

/// How the guard read one sample of the observation window.
struct SampleAssessment
{
    enum class State { Missing, Clean, Degraded, Confounded };
    int index = 0; ///< 1-based position in the window
    double tEnd = 0;
    State state = State::Missing;
    double latencyChangePct = 0; ///< p95 vs baseline
    double serverChangePct = 0; ///< rise of time in the server per transaction, % of what a client waits for
    double throughputChangePct = 0;
    QString note; ///< why it was confounded or missing, when it was
};

/**
 * The guard's decision on one action, with the evidence a DBA needs to agree or disagree with it.
 */
struct Verdict
{
    enum class Decision { Keep, Rollback };

    Decision decision = Decision::Keep;
    double decidedT = 0; ///< source time of the sample that settled it
    QString reason; ///< one sentence: metric, size of the change, samples, statements
    QString metric; ///< p95_latency, throughput, time_in_server, evidence (rolled back unjudged), unverified, none
    double baselineValue = 0;
    double windowValue = 0;
    double changePct = 0;
    int firstSample = 0; ///< 1-based window samples the evidence spans (0 when none)
    int lastSample = 0;
    bool extended = false; ///< the window was extended for lack of evidence
    /// Kept without enough evidence to judge (too little traffic, or outside load all window long): the reason
    /// says why. Never set on a rollback.
    bool unverified = false;
    QString baselineSummary; ///< what normal looked like before the action, in words
    double baselineSeconds = 0; ///< how long a stretch before the action the baseline covers
    std::vector<RegressedStatement> regressed;
    std::vector<SampleAssessment> assessments;

    bool isRollback() const { return decision == Decision::Rollback; }
    static QString decisionName(Decision d)
    {
        return d == Decision::Rollback ? QStringLiteral("rollback") : QStringLiteral("keep");
    }
};

} // namespace vigil
