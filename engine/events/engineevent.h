// SPDX-License-Identifier: MIT
#pragma once

#include "act/action.h"
#include "analyse/finding.h"
#include "metrics/sample.h"

#include <QDateTime>
#include <QJsonObject>
#include <QMetaType>
#include <QString>

#include <variant>
#include <vector>

namespace vigil {

/// An action's transition as the front ends hear it (the journal row holds the rest).
struct ActionEvent
{
    QString transition; ///< what happened: proposed, applying, executed, degraded, kept, rolled_back, failed, ...
    qint64 actionId = 0;
    QString target;
    ActionKind kind = ActionKind::Sql;
    ActionState state = ActionState::Proposed;
    QString applySql;
    QString rollbackSql;
    QString reason; ///< why (empty when the transition needs none)
    QJsonObject extra; ///< what this transition adds: the verdict's evidence, the decision's deadline, plans
};

/// A sample of the target, every tick.
struct SampleEvent
{
    Sample sample;
};

/// A finding of the detectors, published once until it changes (FindingPublisher).
struct FindingEvent
{
    QString target;
    Finding finding;
};

/// One run of the detectors: every finding it made (the Findings page shows exactly these).
struct AnalysisEvent
{
    QString target;
    qint64 samples = 0; ///< how many samples the detectors looked at
    std::vector<Finding> findings;
};

/// Anything else the engine says: started, notices, the collector's gaps, the mode, progress, analysis runs.
struct StatusEvent
{
    QString name; ///< e.g. engine.started, collector.gap, action.progress, sessions (docs/events.md)
    QJsonObject fields;
};

/**
 * One event of the engine, typed inside the process: the desktop's models and pages read its fields, not JSON.
 * JSON is made only at the edges, by toJson(): vigilctl's output lines and the NATS publisher (docs/events.md
 * lists the names and fields; toJson() writes exactly those).
 */
struct EngineEvent
{
    std::variant<ActionEvent, SampleEvent, FindingEvent, AnalysisEvent, StatusEvent> body;
    QDateTime at; ///< when it was published (UTC); set by EventBus::publish()

    /// The event's name: "action.<transition>", "sample", "finding", "analysis.finished", or the status event's own
    /// name.
    QString name() const;
    const ActionEvent *action() const { return std::get_if<ActionEvent>(&body); }
    const SampleEvent *sample() const { return std::get_if<SampleEvent>(&body); }
    const FindingEvent *finding() const { return std::get_if<FindingEvent>(&body); }
    const AnalysisEvent *analysis() const { return std::get_if<AnalysisEvent>(&body); }
    const StatusEvent *status() const { return std::get_if<StatusEvent>(&body); }
    /// The status event's fields (empty for the other kinds).
    QJsonObject fields() const;
    /// Seconds since the epoch of `at`.
    double atSeconds() const { return double(at.toMSecsSinceEpoch()) / 1000.0; }

    /// The event as it leaves the process: its fields with "event" (the name) and "ts" (ISO-8601 UTC, ms).
    QJsonObject toJson() const;
};

/// An action's transition: `transition` without the "action." prefix; the action's identity and SQL come along.
EngineEvent actionEvent(
    const QString &transition, const Action &action, const QString &reason = {}, const QJsonObject &extra = {});
EngineEvent sampleEvent(const Sample &sample);
EngineEvent findingEvent(const QString &target, const Finding &finding);
EngineEvent analysisEvent(const QString &target, qint64 samples, std::vector<Finding> findings);
EngineEvent statusEvent(const QString &name, const QJsonObject &fields = {});

/// A sample's JSON fields (docs/events.md, "sample"): the figures, null where a source was unavailable.
QJsonObject sampleJson(const Sample &sample);

} // namespace vigil

Q_DECLARE_METATYPE(vigil::EngineEvent)
