// SPDX-License-Identifier: MIT
#include "guard/tracereplayer.h"

#include "guard/observationwindow.h"
#include "metrics/samplederiver.h"
#include "metrics/sampleseries.h"

#include <algorithm>
#include <cmath>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace vigil {

TraceReplayer::TraceReplayer(GuardPolicy policy, DegradationDetector::Kind kind)
    : m_policy(policy)
    , m_kind(kind)
{ }

std::vector<ReplayedAction> TraceReplayer::replay(const Trace &trace) const
{
    std::vector<ReplayedAction> results;
    const std::span<const Snapshot> snapshots(trace.snapshots);
    const double tolerance = 0.25 * trace.tickSeconds;
    for (const TraceAction &action : trace.actions) {
        // The baseline ends at the last tick before the action started; the window opens at the first tick after
        // it finished. The interval the action ran in belongs to neither.
        const qsizetype before = SampleSeries::indexAtOrBefore(snapshots, action.t);
        const double baselineEnd = before >= 0 ? snapshots[before].t : action.t;
        const std::vector<Sample> baselineSamples
            = SampleSeries::derive(snapshots, baselineEnd - m_policy.baselineSamples() * m_policy.intervalSeconds,
                m_policy.intervalSeconds, m_policy.baselineSamples(), tolerance);

        const qsizetype after = SampleSeries::indexAtOrAfter(snapshots, action.finishedT);
        const double windowStart = after >= 0 ? snapshots[after].t : action.finishedT;
        // Enough samples for the window extended as often as it may be; the window stops reading when it has
        // decided. Past the trace's end the samples are gaps, as a live window would see them.
        const int windows = 1 + std::max(1, m_policy.unverifiedExtensions);
        const std::vector<Sample> windowSamples = SampleSeries::derive(
            snapshots, windowStart, m_policy.intervalSeconds, windows * m_policy.windowSamples(), tolerance);

        Baseline baseline(baselineSamples, trace.statementTexts);
        const QString unsteady = baseline.unsteadiness(m_policy);
        std::unique_ptr<DegradationDetector> detector
            = DegradationDetector::create(m_kind, m_policy, std::move(baseline));
        detector->setReach(ActionReach::ofAction(action.kind, action.applySql, action.rollbackSql));
        ObservationWindow window(m_policy, std::move(detector));
        std::optional<Verdict> verdict;
        for (std::size_t k = 0; k < windowSamples.size() && !verdict; ++k) {
            // The ticks inside the interval, as the live engine sees them arrive before the sample closes.
            const double gridStart = windowStart + double(k) * m_policy.intervalSeconds;
            const qsizetype open = SampleSeries::indexAtOrBefore(snapshots, gridStart + tolerance);
            const qsizetype close
                = SampleSeries::indexAtOrBefore(snapshots, gridStart + m_policy.intervalSeconds - tolerance);
            if (open >= 0 && std::abs(snapshots[open].t - gridStart) <= tolerance) {
                for (qsizetype tick = open + 1; tick <= close && !verdict; ++tick)
                    verdict = window.peek(SampleDeriver::derive(snapshots.subspan(open, tick - open + 1)),
                        SampleDeriver::derive(snapshots.subspan(tick - 1, 2)));
            }
            if (!verdict)
                verdict = window.addSample(windowSamples[k]);
        }
        results.push_back({ action, verdict.value_or(Verdict {}), unsteady });
    }
    return results;
}

QByteArray TraceReplayer::toJsonLine(const ReplayedAction &replayed)
{
    // Written by hand to keep the documented key order (QJsonObject would sort the keys).
    auto quoted = [](const QString &s) {
        const QByteArray array = QJsonDocument(QJsonArray { s }).toJson(QJsonDocument::Compact);
        return array.mid(1, array.size() - 2);
    };
    return "{\"action_id\":" + quoted(replayed.action.id) + ",\"verdict\":\""
        + Verdict::decisionName(replayed.verdict.decision).toLatin1() + "\",\"decided_t\":"
        + QByteArray::number(replayed.verdict.decidedT, 'f', 3) + ",\"reason\":" + quoted(replayed.verdict.reason)
        + (replayed.unsteady.isEmpty() ? QByteArray() : ",\"unsteady\":" + quoted(replayed.unsteady)) + '}';
}

} // namespace vigil
