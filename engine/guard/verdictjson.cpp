// SPDX-License-Identifier: MIT
#include "guard/verdictjson.h"

#include <QJsonArray>

namespace vigil {

namespace {
QString stateText(SampleAssessment::State s)
{
    switch (s) {
    case SampleAssessment::State::Missing:
        return QStringLiteral("missing");
    case SampleAssessment::State::Clean:
        return QStringLiteral("clean");
    case SampleAssessment::State::Degraded:
        return QStringLiteral("degraded");
    case SampleAssessment::State::Confounded:
        return QStringLiteral("confounded");
    }
    return {};
}
} // namespace

QJsonObject verdictToJson(const Verdict &v)
{
    QJsonArray regressed;
    for (const RegressedStatement &r : v.regressed)
        regressed.append(QJsonObject { { QStringLiteral("queryid"), QString::number(r.queryId) },
            { QStringLiteral("query"), r.text }, { QStringLiteral("baseline_mean_ms"), r.baselineMeanMs },
            { QStringLiteral("window_mean_ms"), r.windowMeanMs }, { QStringLiteral("change_pct"), r.changePct } });
    QJsonArray samples;
    for (const SampleAssessment &a : v.assessments) {
        QJsonObject o { { QStringLiteral("index"), a.index }, { QStringLiteral("t"), a.tEnd },
            { QStringLiteral("state"), stateText(a.state) }, { QStringLiteral("latency_pct"), a.latencyChangePct },
            { QStringLiteral("throughput_pct"), a.throughputChangePct } };
        if (!a.note.isEmpty())
            o.insert(QStringLiteral("note"), a.note);
        samples.append(o);
    }
    return QJsonObject {
        { QStringLiteral("verdict"), Verdict::decisionName(v.decision) },
        { QStringLiteral("reason"), v.reason },
        { QStringLiteral("metric"), v.metric },
        { QStringLiteral("change_pct"), v.changePct },
        { QStringLiteral("baseline_value"), v.baselineValue },
        { QStringLiteral("window_value"), v.windowValue },
        { QStringLiteral("first_sample"), v.firstSample },
        { QStringLiteral("last_sample"), v.lastSample },
        { QStringLiteral("decided_t"), v.decidedT },
        { QStringLiteral("extended"), v.extended },
        { QStringLiteral("baseline"), v.baselineSummary },
        { QStringLiteral("baseline_seconds"), v.baselineSeconds },
        { QStringLiteral("regressed"), regressed },
        { QStringLiteral("samples"), samples },
    };
}

} // namespace vigil
