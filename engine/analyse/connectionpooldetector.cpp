// SPDX-License-Identifier: MIT
#include "analyse/detectors.h"
#include "analyse/sqltext.h"

#include <QJsonArray>

namespace vigil {

namespace {

QJsonValue orUnavailable(const std::optional<double> &v)
{
    return v ? QJsonValue(*v) : QJsonValue(QStringLiteral("unavailable"));
}

QJsonObject sessionEvidence(const AnalysisInput &in, const SustainedCount &count)
{
    return { { QStringLiteral("samples_matching"), count.matching }, { QStringLiteral("samples"), count.valid },
        { QStringLiteral("sessions_total"), orUnavailable(medianOf(in.samples, &Sample::sessionsTotal)) },
        { QStringLiteral("sessions_active"), orUnavailable(medianOf(in.samples, &Sample::sessionsActive)) },
        { QStringLiteral("sessions_idle"), orUnavailable(medianOf(in.samples, &Sample::sessionsIdle)) },
        { QStringLiteral("sessions_idle_in_transaction"),
            orUnavailable(medianOf(in.samples, &Sample::sessionsIdleInTransaction)) },
        { QStringLiteral("max_connections"), orUnavailable(medianOf(in.samples, &Sample::maxConnections)) },
        { QStringLiteral("cpu_pct"), orUnavailable(medianOf(in.samples, &Sample::cpuPct)) },
        { QStringLiteral("mem_pct"), orUnavailable(medianOf(in.samples, &Sample::memPct)) } };
}

/// A connection-pool finding of one case, with the sessions' evidence and the case as its subject.
Finding poolFinding(const QString &condition, Severity severity, const AnalysisInput &in, const SustainedCount &count)
{
    Finding f;
    f.detector = QStringLiteral("connection_pool");
    f.condition = condition;
    f.severity = severity;
    f.evidence = sessionEvidence(in, count);
    f.evidence.insert(QStringLiteral("subject"), condition);
    return f;
}

} // namespace

std::vector<Finding> ConnectionPoolDetector::analyse(const AnalysisInput &in)
{
    const AnalyserThresholds &th = in.thresholds;
    std::vector<Finding> findings;

    // (a) Hoarding: most slots held by sessions doing nothing. Plain idle sessions are a problem while the CPU has
    // room (the slots could do work); sessions idle in an open transaction are one whatever the CPU does: they hold
    // locks and old snapshots, and a busy server needs vacuum more (live: 150 of them went unreported while
    // another program kept the CPU over 50 %). CPU unavailable does not block the finding (the sessions alone show
    // it) but the evidence says so.
    const double idleInTx = medianOf(in.samples, &Sample::sessionsIdleInTransaction).value_or(0);
    // Sessions idle in an open transaction are the worse case: they also hold locks and stop vacuum.
    const bool inTransaction = idleInTx >= th.idleInTransactionMin;
    const SustainedCount hoarded
        = countSustained(in.samples, th, [&th, inTransaction](const Sample &s) -> std::optional<bool> {
              if (!s.sessionsIdle || !s.sessionsIdleInTransaction || !s.maxConnections || *s.maxConnections <= 0)
                  return std::nullopt;
              const bool many
                  = *s.sessionsIdle + *s.sessionsIdleInTransaction >= th.hoardedShareOfMax * *s.maxConnections;
              const bool cpuLow = !s.cpuPct || *s.cpuPct < th.lowCpuPct;
              return many && (cpuLow || inTransaction);
          });
    if (hoarded.sustained) {
        Finding f = inTransaction
            ? poolFinding(QStringLiteral("idle_in_transaction_hoarding"), Severity::Critical, in, hoarded)
            : poolFinding(QStringLiteral("idle_sessions_hoarding"), Severity::Warning, in, hoarded);
        const double maxConn = medianOf(in.samples, &Sample::maxConnections).value_or(0);
        f.summary
            = QStringLiteral("Idle sessions hold %1 of %2 connection slots while the CPU is %3")
                  .arg(QString::number(medianOf(in.samples, &Sample::sessionsIdle).value_or(0) + idleInTx, 'f', 0),
                      QString::number(maxConn, 'f', 0),
                      medianOf(in.samples, &Sample::cpuPct)
                          ? QStringLiteral("%1 (%2%)")
                                .arg(*medianOf(in.samples, &Sample::cpuPct) < th.lowCpuPct ? QStringLiteral("low")
                                                                                           : QStringLiteral("busy"))
                                .arg(*medianOf(in.samples, &Sample::cpuPct), 0, 'f', 0)
                          : QStringLiteral("unavailable"));
        const std::optional<double> timeoutMs = in.catalog.settings.idleInTransactionTimeoutMs;
        const double proposedMs = th.idleInTransactionTimeoutSeconds * 1000.0;
        if (inTransaction) {
            f.advice = QStringLiteral("Sessions idle in an open transaction hold connections, locks and old snapshots "
                                      "(vacuum cannot clean behind them). Find the application that leaves "
                                      "transactions open; a timeout ends such sessions.");
            if (!timeoutMs || *timeoutMs == 0 || *timeoutMs > proposedMs) {
                Recommendation r;
                r.sql = QStringLiteral("ALTER SYSTEM SET idle_in_transaction_session_timeout = %1")
                            .arg(sqltext::quoteLiteral(sqltext::duration(th.idleInTransactionTimeoutSeconds)));
                r.subject = QStringLiteral("idle_in_transaction_session_timeout");
                f.recommendation = r;
            } else {
                f.advice += QStringLiteral(" idle_in_transaction_session_timeout is already %1 s.")
                                .arg(*timeoutMs / 1000.0, 0, 'f', 0);
            }
        } else {
            f.advice = QStringLiteral("Idle sessions hold most connection slots: the application's pool is larger "
                                      "than it needs; shrink it or put a pooler (PgBouncer) in front.");
        }
        findings.push_back(f);
    }

    // (b) Too many active sessions on a saturated CPU: more concurrency only queues. Advice only.
    const SustainedCount saturated = countSustained(in.samples, th, [&th](const Sample &s) -> std::optional<bool> {
        if (!s.cpuPct || !s.sessionsActive)
            return std::nullopt;
        return *s.cpuPct >= th.saturatedCpuPct && *s.sessionsActive >= th.manyActiveSessions;
    });
    if (saturated.sustained) {
        Finding f = poolFinding(QStringLiteral("cpu_saturated_by_active_sessions"), Severity::Warning, in, saturated);
        f.summary = QStringLiteral("%1 active sessions on a CPU %2% busy")
                        .arg(medianOf(in.samples, &Sample::sessionsActive).value_or(0), 0, 'f', 0)
                        .arg(medianOf(in.samples, &Sample::cpuPct).value_or(0), 0, 'f', 0);
        f.advice = QStringLiteral("More concurrent statements than the CPU can run only queue and add context "
                                  "switches. Shrink the application's pool (a few sessions per core) or add a "
                                  "transaction pooler; Vigil changes nothing for this.");
        findings.push_back(f);
    }

    // (c) Near max_connections with memory pressure: each backend costs memory; advice only.
    const SustainedCount nearMax = countSustained(in.samples, th, [&th](const Sample &s) -> std::optional<bool> {
        if (!s.sessionsTotal || !s.maxConnections || *s.maxConnections <= 0 || !s.memPct)
            return std::nullopt;
        return *s.sessionsTotal >= th.nearMaxShare * *s.maxConnections && *s.memPct >= th.memoryPressurePct;
    });
    if (nearMax.sustained) {
        Finding f
            = poolFinding(QStringLiteral("near_max_connections_memory_pressure"), Severity::Critical, in, nearMax);
        f.summary = QStringLiteral("%1 of %2 connections in use and host memory %3% used")
                        .arg(QString::number(medianOf(in.samples, &Sample::sessionsTotal).value_or(0), 'f', 0),
                            QString::number(medianOf(in.samples, &Sample::maxConnections).value_or(0), 'f', 0),
                            QString::number(medianOf(in.samples, &Sample::memPct).value_or(0), 'f', 0));
        f.advice = QStringLiteral("New connections will soon be refused and each one costs memory the host does not "
                                  "have. Do not raise max_connections: put a pooler in front and shrink the pools.");
        findings.push_back(f);
    }
    return findings;
}

} // namespace vigil
