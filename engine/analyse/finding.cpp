// SPDX-License-Identifier: MIT
#include "finding.h"

namespace vigil {

QString severityName(Severity severity)
{
    switch (severity) {
    case Severity::Info:
        return QStringLiteral("info");
    case Severity::Warning:
        return QStringLiteral("warning");
    case Severity::Critical:
        return QStringLiteral("critical");
    }
    return QStringLiteral("info");
}

QString Finding::key() const
{
    const QString subject
        = recommendation ? recommendation->subject : evidence.value(QLatin1StringView("subject")).toString();
    return detector + u'/' + condition + u'/' + subject;
}

QJsonObject findingJson(const Finding &finding)
{
    QJsonObject o { { QStringLiteral("detector"), finding.detector }, { QStringLiteral("case"), finding.condition },
        { QStringLiteral("severity"), severityName(finding.severity) }, { QStringLiteral("summary"), finding.summary },
        { QStringLiteral("evidence"), finding.evidence }, { QStringLiteral("key"), finding.key() } };
    if (!finding.advice.isEmpty())
        o.insert(QStringLiteral("advice"), finding.advice);
    if (const auto &r = finding.recommendation) {
        QJsonObject proposal { { QStringLiteral("sql"), r->sql }, { QStringLiteral("needs_restart"), r->needsRestart },
            { QStringLiteral("subject"), r->subject } };
        if (!r->decision.isEmpty())
            proposal.insert(QStringLiteral("decision"), r->decision);
        if (!r->decisionReason.isEmpty())
            proposal.insert(QStringLiteral("decision_reason"), r->decisionReason);
        o.insert(QStringLiteral("proposal"), proposal);
    }
    return o;
}

} // namespace vigil
