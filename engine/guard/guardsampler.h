// SPDX-License-Identifier: MIT
#pragma once

#include "collect/snapshot.h"
#include "guard/actionreach.h"
#include "guard/guardpolicy.h"
#include "guard/observationwindow.h"
#include "guard/verdict.h"
#include "metrics/sample.h"

#include <QHash>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

namespace vigil {

/**
 * The engine's ticks turned into what the guard reads: the baseline before an action, and the window's samples after
 * it, on the policy's grid.
 *
 * It keeps the recent ticks (long enough for a baseline, two windows, and an index build that runs for minutes),
 * knows since when every tick carried the statements a baseline needs, and feeds the observation window one sample at
 * a time once the action has finished. No I/O, no clock: the engine hands it ticks and the time, and publishes,
 * stores and journals what it returns.
 */
class GuardSampler
{
public:
    GuardSampler(const GuardPolicy &policy, double tickSeconds);
    ~GuardSampler();

    /// The rules from the next baseline on (the engine changes them only between actions).
    void setPolicy(const GuardPolicy &policy) { m_policy = policy; }
    const GuardPolicy &policy() const { return m_policy; }

    /// A tick. `actionInHand`: a baseline may be running, so a complete tick may start its clock. Without
    /// pg_stat_statements on the target (`statementStatistics` false) every tick is complete: the baseline is made of
    /// what there is (transactions, session times) rather than never.
    void addTick(Snapshot snapshot, bool actionInHand, bool statementStatistics);
    /// The collector got no snapshot: the baseline starts again from the next complete tick.
    void collectorGap() { m_completeSince = -1; }
    /// A new baseline is wanted now (an action was just taken in hand).
    void restartBaseline() { m_completeSince = -1; }
    /// Forgets ticks too old for any baseline or window; while an action is applied (`applyStartedAt`), the
    /// baseline before it stays, however long the build takes.
    void trim(std::optional<double> applyStartedAt);

    /// Outside a window: the sample of the last interval's ticks, for the log and the charts (none when invalid).
    std::optional<Sample> lastIntervalSample() const;
    /// The newest tick that carried pg_stat_statements (the analyser reads the statements from it); null if none.
    const Snapshot *latestWithStatements() const;

    /// Complete ticks have covered the policy's baseline.
    bool baselineReady() const;
    struct Steadiness
    {
        QString unsteady; ///< why the baseline is not a steady reference yet; empty when it is
        double waitedSeconds = 0; ///< beyond the baseline's own length
        double longestSeconds = 0; ///< how long the engine waits for a steady one before it goes on
    };
    /// Whether the baseline's last samples are steady enough to judge an action against.
    Steadiness baselineSteadiness() const;

    /// The window for the action applied between `startedAt` and `finishedAt`, on the baseline before it started.
    /// Returns the baseline's summary (journalled with the transition to observing).
    QString openWindow(double startedAt, double finishedAt, const QHash<qint64, QString> &statementTexts,
        const ActionReach &reach = {});
    void closeWindow() { m_window.reset(); }

    /// What the window read at `now`: the samples it closed (to publish and store, in order) and the verdict, if
    /// one was reached. The window opens at the first tick after the action finished: an index build can outlast a
    /// window, and the guard judges the database with the index, not while it was being built.
    struct WindowStep
    {
        std::vector<Sample> samples;
        std::optional<Verdict> verdict;
    };
    WindowStep feedWindow(double now);

private:
    GuardPolicy m_policy;
    double m_tickSeconds;
    /// Recent ticks, oldest first. A vector, not a deque: the baseline and the window read them as one span every
    /// tick, and trimming moves a few elements where copying them all into a span each tick copied every statement.
    std::vector<Snapshot> m_ticks;
    double m_completeSince = -1; ///< since when every tick carried what a baseline needs (-1: not now)
    std::unique_ptr<ObservationWindow> m_window;
    double m_applyFinishedAt = 0;
    double m_windowStart = -1; ///< the first tick after the action finished (-1: not seen yet)
    int m_windowSamplesFed = 0;
};

} // namespace vigil
