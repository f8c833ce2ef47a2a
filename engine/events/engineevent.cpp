// SPDX-License-Identifier: MIT
#include "events/engineevent.h"

#include <QJsonArray>

namespace vigil {

namespace {

constexpr QLatin1StringView kActionPrefix("action.");

template<class... Ts>
struct Overloaded : Ts...
{
    using Ts::operator()...;
};
template<class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

QJsonObject actionJson(const ActionEvent &a)
{
    QJsonObject o { { QStringLiteral("action_id"), a.actionId }, { QStringLiteral("target"), a.target },
        { QStringLiteral("kind"), kindName(a.kind) }, { QStringLiteral("state"), stateName(a.state) },
        { QStringLiteral("apply_sql"), a.applySql }, { QStringLiteral("rollback_sql"), a.rollbackSql } };
    if (!a.reason.isEmpty())
        o.insert(QStringLiteral("reason"), a.reason);
    for (auto it = a.extra.begin(); it != a.extra.end(); ++it)
        o.insert(it.key(), it.value());
    return o;
}

} // namespace

QString EngineEvent::name() const
{
    return std::visit(
        Overloaded { [](const ActionEvent &a) -> QString { return QString(kActionPrefix) + a.transition; },
            [](const SampleEvent &) { return QStringLiteral("sample"); },
            [](const FindingEvent &) { return QStringLiteral("finding"); },
            [](const AnalysisEvent &) { return QStringLiteral("analysis.finished"); },
            [](const StatusEvent &s) { return s.name; } },
        body);
}

QJsonObject EngineEvent::fields() const
{
    const StatusEvent *s = status();
    return s ? s->fields : QJsonObject {};
}

QJsonObject EngineEvent::toJson() const
{
    QJsonObject o
        = std::visit(Overloaded { [](const ActionEvent &a) { return actionJson(a); },
                         [](const SampleEvent &s) { return sampleJson(s.sample); },
                         [](const FindingEvent &f) {
                             QJsonObject json = findingJson(f.finding);
                             json.insert(QStringLiteral("target"), f.target);
                             return json;
                         },
                         [](const AnalysisEvent &a) {
                             QJsonArray findings;
                             for (const Finding &f : a.findings)
                                 findings.append(findingJson(f));
                             return QJsonObject { { QStringLiteral("target"), a.target },
                                 { QStringLiteral("samples"), a.samples }, { QStringLiteral("findings"), findings } };
                         },
                         [](const StatusEvent &s) { return s.fields; } },
            body);
    o.insert(QStringLiteral("event"), name());
    o.insert(QStringLiteral("ts"), at.toUTC().toString(Qt::ISODateWithMs));
    return o;
}

EngineEvent actionEvent(
    const QString &transition, const Action &action, const QString &reason, const QJsonObject &extra)
{
    ActionEvent a;
    a.transition = transition;
    a.actionId = action.id;
    a.target = action.target;
    a.kind = action.kind;
    a.state = action.state;
    a.applySql = action.applySql;
    a.rollbackSql = action.rollbackSql;
    a.reason = reason;
    a.extra = extra;
    return EngineEvent { std::move(a), {} };
}

EngineEvent sampleEvent(const Sample &sample)
{
    return EngineEvent { SampleEvent { sample }, {} };
}

EngineEvent findingEvent(const QString &target, const Finding &finding)
{
    return EngineEvent { FindingEvent { target, finding }, {} };
}

EngineEvent analysisEvent(const QString &target, qint64 samples, std::vector<Finding> findings)
{
    return EngineEvent { AnalysisEvent { target, samples, std::move(findings) }, {} };
}

EngineEvent statusEvent(const QString &name, const QJsonObject &fields)
{
    return EngineEvent { StatusEvent { name, fields }, {} };
}

QJsonObject sampleJson(const Sample &s)
{
    QJsonObject o { { QStringLiteral("t"), s.tEnd }, { QStringLiteral("seconds"), s.seconds() },
        { QStringLiteral("valid"), s.valid } };
    auto put = [&o](const char *key, const std::optional<double> &v) {
        o.insert(QLatin1StringView(key), v ? QJsonValue(*v) : QJsonValue(QJsonValue::Null));
    };
    put("tps", s.tps);
    put("qps", s.qps);
    put("latency_mean_ms", s.latencyMeanMs);
    put("latency_p95_ms", s.latencyP95Ms);
    put("sessions_active", s.sessionsActive);
    put("sessions_total", s.sessionsTotal);
    put("max_connections", s.maxConnections);
    put("cache_hit_ratio", s.cacheHitRatio);
    put("cpu_pct", s.cpuPct);
    put("mem_pct", s.memPct);
    put("load1", s.load1);
    put("probe_ms", s.probeMs);
    put("cpu_probe_ms", s.cpuProbeMs);
    put("storage_wait_ms", s.storageWaitMs);
    return o;
}

} // namespace vigil
