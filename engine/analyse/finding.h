// SPDX-License-Identifier: MIT
#pragma once

#include "act/action.h"

#include <QJsonObject>
#include <QMetaType>
#include <QString>

#include <optional>
#include <vector>

namespace vigil {

enum class Severity { Info, Warning, Critical };
QString severityName(Severity severity); ///< info, warning, critical

/**
 * A reversible fix a detector can offer for a finding. `sql` is built by the detector from catalog names (quoted)
 * and numbers it computed, never from user text; the executor derives and checks the rollback when it prepares it.
 */
struct Recommendation
{
    QString sql;
    bool needsRestart = false; ///< takes effect only after a restart: approval only, never autonomous
    QString subject; ///< what it changes, for the policy's memory: a parameter name or schema.index
    /// What the policy decided for it (filled by the Analyser): execute, queue, advise, suppressed.
    QString decision;
    QString decisionReason;

    bool operator==(const Recommendation &) const = default;
};

/**
 * What one detector found: which problem (detector + case), how bad, in words a DBA can act on, the numbers that
 * show it, and optionally a fix. Plain value: crosses threads by copy.
 */
struct Finding
{
    QString detector; ///< connection_pool, cache, missing_index, unused_index, spills
    QString condition; ///< the case, e.g. idle_in_transaction_hoarding, cpu_saturated, near_max_connections
    Severity severity = Severity::Info;
    QString summary; ///< one line
    QString advice; ///< what to do, when no action does it (or in addition to the action)
    QJsonObject evidence; ///< the numbers: names of metrics to values, and which samples showed it
    std::optional<Recommendation> recommendation;

    /// Stable identity of the problem across analyser runs (detector, case and subject).
    QString key() const;

    bool operator==(const Finding &) const = default;
};

QJsonObject findingJson(const Finding &finding);

} // namespace vigil

Q_DECLARE_METATYPE(vigil::Finding)
Q_DECLARE_METATYPE(std::vector<vigil::Finding>)
