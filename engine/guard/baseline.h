// SPDX-License-Identifier: MIT
#pragma once

#include "guard/guardpolicy.h"
#include "metrics/sample.h"

#include <QHash>
#include <QString>

#include <optional>
#include <span>
#include <vector>

namespace vigil {

/**
 * What "normal" looked like before an action: reference levels and their noise, from the samples before it.
 *
 * Latency is compared on a fixed statement mix: the baseline's call shares weight each statement's latency, so a
 * window in which the workload merely shifted towards slower statements is not read as a slowdown.
 */
class Baseline
{
public:
    /// One statement the workload ran steadily before the action.
    struct Statement
    {
        qint64 queryId = 0;
        double share = 0; ///< of the steady statements' calls
        double meanMs = 0;
        double varianceMs2 = 0;
        std::optional<double> blocksPerCall;
    };

    /// A sample seen through the baseline's mix.
    struct MixView
    {
        std::optional<double> p95Ms; ///< fixed-mix p95 estimate
        std::optional<double> blocksPerCall; ///< fixed-mix shared buffers per call
        std::optional<double> meanMs; ///< fixed-mix mean execution time per call
        double coverage = 0; ///< share of the baseline's calls whose statements ran in the sample
        double qps = 0; ///< calls per second of the steady statements
    };

    Baseline(std::span<const Sample> samples, QHash<qint64, QString> statementTexts = {});

    int usableSamples() const { return m_usable; }
    /// The time the baseline covers, from its first sample's start to its last one's end.
    double seconds() const { return m_seconds; }
    /// Statement statistics (pg_stat_statements) or, without them, transactions counted in the baseline.
    bool isUsable() const { return m_usable > 0 && (!m_statements.empty() || m_tps.has_value()); }
    bool hasStatements() const { return !m_statements.empty(); }

    const std::vector<Statement> &statements() const { return m_statements; }
    QString statementText(qint64 queryId) const { return m_texts.value(queryId); }

    MixView view(const Sample &sample) const;
    /// One line for logs and --explain: the reference levels and their noise.
    QString summary() const;

    // Reference levels: medians over the baseline samples (a median shrugs off one odd sample).
    std::optional<double> p95Ms() const { return m_p95Ms; }
    double p95RelativeNoise() const { return m_p95Noise; } ///< robust sd of per-sample p95, relative
    /// How far the p95's level moved within the baseline (median of its first half against its second, relative)
    /// beyond what its noise explains: a level that wanders over tens of seconds (outside CPU load on a small host)
    /// moves medians too.
    double p95DriftBeyondNoise() const { return beyondNoise(m_p95Drift, m_p95Noise); }
    /// How much a sample's p95 carries on into the next (lag-1 autocorrelation, 0 to 0.8): on a host whose speed
    /// wanders over seconds, neighbouring samples are not independent and a median of a few swings further.
    double p95Persistence() const { return m_p95Persistence; }
    std::optional<double> tps() const { return m_tps; }
    /// Relative sample-to-sample noise of throughput (statement executions, or transactions without them).
    double throughputRelativeNoise() const { return m_throughputNoise; }
    double qps() const { return m_qps; }
    std::optional<double> cpuPct() const { return m_cpuPct; }
    std::optional<double> blocksPerCall() const { return m_blocksPerCall; }
    std::optional<double> meanExecMs() const { return m_meanExecMs; } ///< fixed-mix mean execution time per call
    std::optional<double> busySessions() const { return m_busy; }
    /// Busy sessions per unit of throughput, one value per baseline sample: time spent in the server (Little's law).
    const std::vector<double> &timeInServer() const { return m_timeInServer; }
    std::optional<double> waitingSessions() const { return m_waiting; }
    /// Milliseconds in the server per transaction (session active time) and its relative sample-to-sample noise.
    std::optional<double> serverMsPerTransaction() const { return m_serverMs; }
    double serverTimeRelativeNoise() const { return m_serverNoise; }
    /// What a client waits for per transaction as far as the server sees it: time in the server plus the round
    /// trips between the statements of a transaction. A rise is measured against this.
    std::optional<double> clientVisibleMsPerTransaction() const;
    /// Runnable tasks on the host beyond the workload's active sessions: other programs' CPU demand.
    std::optional<double> outsideRunnable() const { return m_outsideRunnable; }
    /// Bytes per second the host's disks moved beyond what PostgreSQL read, logged and spilled: other programs' I/O.
    std::optional<double> outsideDiskBytes() const { return m_outsideDisk; }
    std::optional<double> otherDatabasesActive() const { return m_otherDatabases; }
    /// Sessions waiting on a lock held by another non-Vigil session, the most at a tick of a sample: the
    /// workload's own contention (pgbench's branches, hot rows), median over the baseline.
    std::optional<double> blockedByOthers() const { return m_blockedByOthers; }
    std::optional<double> walFullPageShare() const { return m_walFullPageShare; }
    /// The round trip of a statement that reads no table (Sample::probeMs): the machine's own speed before.
    std::optional<double> probeMs() const { return m_probeMs; }
    /// A fixed unit of CPU work in the server (Sample::cpuProbeMs): the machine's speed at work before.
    std::optional<double> cpuProbeMs() const { return m_cpuProbeMs; }
    /// The longest a small write beside the data directory waited in a sample (Sample::storageWaitMs), the median
    /// over the baseline's samples: how long the storage usually keeps a flush waiting.
    std::optional<double> storageWaitMs() const { return m_storageWaitMs; }
    /// WAL bytes per transaction: what the database writes for each of its clients' transactions.
    std::optional<double> walBytesPerTransaction() const { return m_walPerTransaction; }
    static std::optional<double> walBytesPerTransaction(const Sample &s);
    /// True when the queryid is one of the steady statements (the workload's own).
    bool isSteady(qint64 queryId) const;
    /// True when the statement was seen running long in nearly every baseline sample (a batch that ran through it):
    /// part of the state the baseline measured, so its running on in the window is no outside load.
    bool ranLongThroughout(qint64 queryId) const;
    std::optional<double> rollbackRatio() const { return m_rollbackRatio; }

    // Plain means of the raw sample values: the floor rule of the brief compares against these.
    std::optional<double> meanRawP95Ms() const { return m_meanRawP95; }
    std::optional<double> meanTps() const { return m_meanTps; }

    /// Sessions busy in the server, not counting the sampler's own (which pg_stat_activity shows as active).
    static std::optional<double> busySessions(const Sample &s);
    /// Robust relative spread of a series around a reference: the larger of the scaled MAD and the 90th percentile
    /// deviation read as a normal tail (what the baseline's noise figures are).
    static double relativeNoise(const std::vector<double> &values, double reference);
    /// The median of a series' first half against its second's, relative to reference.
    static double halvesDrift(const std::vector<double> &values, double reference);
    /// Lag-1 autocorrelation of a series in time order, each half around its own median, clamped to [0, 0.8].
    static double persistence(const std::vector<double> &values);
    /// Why this baseline is no steady reference: p95 or throughput moved between its halves by more than half the
    /// thresholds beyond what its noise explains (a workload still settling: clients catching up after an earlier
    /// rollback, a warm-up). Empty when it is steady.
    /// A p95 that moved only as far as the machine's speed at work did (the p95 per unit of the CPU probe,
    /// Sample::cpuProbeMs, steady within its noise, every sample probed, the host's CPU within the policy's
    /// cpuSurgePoints between the halves) is steady: the verdict reads the window net of the machine's speed anyway.
    /// Not with machineSlowerPct = 0, which turns every machine credit off.
    QString unsteadiness(const GuardPolicy &policy) const;
    static std::optional<double> rollbackRatio(const Sample &s);
    /// Sessions waiting on a lock: the monitored database's own when the source counts them, else the cluster's.
    static std::optional<double> waitingSessions(const Sample &s);
    /// Runnable tasks on the host beyond the sessions of the monitored database that are running a statement.
    static std::optional<double> outsideRunnable(const Sample &s);
    /// Disk bytes per second beyond PostgreSQL's own: reads beyond the blocks the database read (from the page
    /// cache or the disk) and writes beyond the WAL it generated and the temporary files it wrote.
    static std::optional<double> outsideDiskBytes(const Sample &s);

private:
    std::vector<Statement> m_statements; ///< sorted by queryId
    QHash<qint64, QString> m_texts;
    int m_usable = 0;
    double m_seconds = 0;
    std::vector<qint64> m_longThroughout; ///< sorted
    std::optional<double> m_p95Ms;
    double m_p95Noise = 0;
    double beyondNoise(double drift, double noise) const;

    double m_p95Drift = 0;
    double m_p95Persistence = 0;
    /// The p95 per unit of the CPU probe (every sample probed): its drift and noise, and how far the host's CPU
    /// moved between the halves (points); unset when a sample lacks a probe.
    std::optional<double> m_pacedP95Drift;
    double m_pacedP95Noise = 0;
    double m_cpuHalvesShift = 0;
    double m_throughputDrift = 0;
    std::optional<double> m_tps;
    double m_qps = 0;
    std::optional<double> m_cpuPct;
    std::optional<double> m_blocksPerCall;
    std::optional<double> m_meanExecMs;
    std::optional<double> m_busy;
    std::vector<double> m_timeInServer;
    std::optional<double> m_waiting;
    std::optional<double> m_rollbackRatio;
    std::optional<double> m_serverMs;
    double m_serverNoise = 0;
    double m_throughputNoise = 0;
    std::optional<double> m_idleInTransactionMs;
    std::optional<double> m_outsideRunnable;
    std::optional<double> m_outsideDisk;
    std::optional<double> m_otherDatabases;
    std::optional<double> m_blockedByOthers;
    std::optional<double> m_walFullPageShare;
    std::optional<double> m_probeMs;
    std::optional<double> m_cpuProbeMs;
    std::optional<double> m_storageWaitMs;
    std::optional<double> m_walPerTransaction;
    std::optional<double> m_meanRawP95;
    std::optional<double> m_meanTps;
};

/// Median of the values (empty span: nullopt). Takes a copy: it reorders.
std::optional<double> median(std::vector<double> values);

} // namespace vigil
