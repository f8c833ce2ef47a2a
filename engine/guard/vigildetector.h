// SPDX-License-Identifier: MIT
#pragma once

#include "guard/degradationdetector.h"

namespace vigil {

/**
 * Vigil's detector: the brief's rule as a floor, made robust to what real servers do (see docs/guard.md).
 *
 * - Latency is the p95 of the baseline's statement mix, so a shift in the workload's mix is not a slowdown.
 * - A change must clear an absolute floor as well as the relative threshold.
 * - Samples with calls arriving well above baseline (outside load), host CPU up while per-call buffer work
 *   is unchanged (outside CPU load) or a statement that reads no table slower with the CPU as before (the machine
 *   itself slower) are confounded: they neither convict nor acquit. A sample slower by less than a degraded one's bar
 *   that the same causes explain is read as no change in the window's medians.
 * - A throughput fall with unchanged latency and no more time spent in the server is a fall in demand.
 * - Harm must start at the action: a run of degraded samples starting later needs twice the evidence.
 * - Large harm is decided sooner: a strong sample counts for half the run, an overwhelming one for all of it.
 * - At the window's end a slowdown that hovered around the threshold (median over the window, and over its
 *   second half, above it) is rolled back too.
 */
class VigilDetector : public DegradationDetector
{
public:
    using DegradationDetector::DegradationDetector;
    std::optional<Verdict> addSample(const Sample &sample) override;
    std::optional<Verdict> peek(const Sample &partial, const Sample &latest) override;
    Verdict conclude(double t) override;
    bool wantsMoreEvidence() const override;

private:
    struct Reading
    {
        int index = 0;
        double latencyChange = 0; ///< relative, fixed-mix p95
        double throughputChange = 0; ///< relative
        std::optional<double> p95Ms;
        double throughput = 0;
        bool usable = false;
        bool demandFall = false;
        std::optional<double> timeInServer; ///< busy sessions per unit of throughput
        double serverChange = 0; ///< rise of server time per transaction, relative to what clients wait for
        bool latencyDegraded = false;
        bool serverDegraded = false;
        bool outsideCpu = false; ///< set aside as outside CPU load seen in this sample itself
        bool outsideReach = false; ///< slower, but not in the statements the action can change
        bool explainedOutside = false; ///< slower by less than a bar, and outside load or the machine explains it
        /// The machine's own slowdown (relative) the readings above are net of (machineSlowerAround).
        double machineCredit = 0;
        /// The sample counts in the window's medians as the action's share of its slowdown: none.
        void readAsNoChange() { latencyChange = throughputChange = serverChange = 0; }
    };

    /// Time in the server over the window against the baseline's: waits statement timing cannot see.
    struct TimeInServer
    {
        double change = 0; ///< relative change of the mean
        double tStatistic = 0; ///< Welch's t of window vs baseline samples
        double busyBefore = 0;
        double busyAfter = 0;
        bool suggestive = false; ///< worth observing longer
        bool conclusive = false; ///< enough to roll back
    };
    TimeInServer timeInServer() const;
    std::vector<int> usableIndices() const; ///< 0-based indices of the readings that carried evidence
    /// Median of get(reading) over the readings at the given indices (0 when there are none).
    template<typename Getter>
    double medianReading(const std::vector<int> &indices, Getter get) const
    {
        std::vector<double> values;
        values.reserve(indices.size());
        for (int i : indices)
            values.push_back(get(m_readings[std::size_t(i)]));
        return median(values).value_or(0.0);
    }
    std::optional<Verdict> sustainedSlowdown(double t) const;
    /// The rise of the window's median p95 over the baseline's that is more than the two medians' own swing.
    double sustainedLatencyBar(const std::vector<int> &usable) const;

    Reading read(const Sample &sample, SampleAssessment &assessment) const;
    /// Why a degraded sample is better explained by something outside the action; empty when nothing is. `cpu`
    /// (when given) tells whether outside CPU load was seen in this sample itself (not carried from one before).
    QString outsideLoad(
        const Sample &sample, const Baseline::MixView &view, double throughput, bool *cpu = nullptr) const;
    /// Why a slower sample is better explained outside the action (outsideLoad, or the machine itself slower); empty
    /// when nothing explains it. Sets r.outsideCpu.
    QString explainedOutside(
        const Sample &sample, const Baseline::MixView &view, Reading &r, double workloadSlowdown) const;
    /// Why a degraded sample's slowdown is not the action's own: the workload's statements that use the action's
    /// table (all of them reads) account for too little of it. Empty when they may (or the action reaches all).
    QString outsideReach(const Sample &sample) const;
    /// True when the action can change none of the workload's statements: it reaches nothing, or every steady
    /// statement is out of its reach (an index on a table they never use, or on columns no read of its table can use).
    /// Then no slowdown in the window can be the action's, a stall or a slight one included.
    bool reachesNoneOfTheWorkload() const;
    /// Reads a slower sample as none of the action's doing, the reach being why (`note`): clean, and no change in the
    /// window's medians.
    static void readAsOutsideReach(Reading &r, SampleAssessment &a, const QString &note);
    /// The workload's time per transaction in the statements that use the action's table, before the action;
    /// nothing when some of them write it or cannot be told apart (then every slowdown may be the action's).
    std::optional<double> reachedMsBefore() const;
    /// The fixed-mix p95 of the workload's statements that use the action's table, in this sample against the
    /// baseline's, relative; nothing when none of them ran.
    std::optional<double> reachedP95Change(const Sample &sample) const;
    /// The round trip (ms) of a statement that reads no table around this sample, when it is at least
    /// machineSlowerPct and kMachineShare of the workload's own slowdown (relative) above the baseline's while the
    /// host's CPU stayed below a surge: the machine itself ran slower. Nothing otherwise.
    std::optional<double> machineSlowdown(const Sample &sample, double workloadSlowdown) const;
    /// The median of the machine's slowdown the readings at these indices are net of (Reading::machineCredit).
    double machineSlowerOver(const std::vector<int> &indices) const;
    /// How much slower (relative) the machine ran around this sample than before the action, by the CPU probe (the
    /// lower median over the samples of the last kMachineCreditSpanSeconds), when at least kMachineCreditFloor; 0
    /// below it, when the probe is off (machineSlowerPct 0) or missing, or when this sample's host CPU surged, since
    /// an action that makes the workload burn the cores slows the probe too.
    double machineSlowerAround(const Sample &sample) const;
    /// A probe of the sample (which must have it) read as the lower median over it and the samples of the last
    /// `span` seconds before it.
    double recentProbe(const Sample &sample, std::optional<double> Sample::*probe, double span) const;
    /// "a fixed unit of CPU work in the server: 1.4 ms, 1.2 ms before": the CPU probe's medians, for a reason.
    QString machineProbeText(const std::vector<int> &indices) const;
    /// Host CPU busy at least cpuSurgePoints above the baseline's.
    bool cpuSurged(const Sample &sample) const;
    /// The sample's time in the server per transaction without the statements that are not the workload's.
    std::optional<double> workloadServerMs(const Sample &sample) const;
    /// The same plans, roughly: buffers per call within half and twice the baseline's.
    bool samePlans(const Baseline::MixView &view) const;
    /// How many MB/s more than the baseline's the disks moved beyond the database's own I/O, when that is at least
    /// outsideDiskMBps (another program's I/O); nothing otherwise.
    std::optional<double> outsideDiskExcessMBps(const Sample &sample) const;
    /// How long a write beside the data directory waited (ms) when that says the storage itself stalled: far longer
    /// than the baseline's longest, with nothing on the host and no transaction of the database writing more (the
    /// action's own writes would slow the storage too). Nothing otherwise.
    std::optional<double> storageStalled(const Sample &sample) const;
    /// Sessions waiting on a lock another session holds, well beyond the baseline's usual number, at the sample's end.
    bool blockedByOthers(const Sample &sample) const;
    double throughputThreshold() const; ///< relative throughput fall that makes a sample degraded
    double serverThreshold() const;
    double sustainedThroughputBar(
        const std::vector<int> &usable) const; ///< the bar for the window's median throughput ///< relative rise of
                                               ///< server time per transaction that makes a sample degraded
    bool isOverwhelming(const Reading &r, const SampleAssessment &a) const;
    double degradedLatency() const; ///< relative p95 rise that makes a sample degraded
    double strongLatency() const; ///< relative p95 rise that makes a degraded sample count double
    Verdict rollbackFrom(const std::vector<int> &indices, double decidedT, const QString &basis) const;
    std::vector<RegressedStatement> regressedStatements(const std::vector<int> &indices) const;
    std::optional<double> throughputReference() const;

    std::vector<Sample> m_samples; ///< the window so far (kept for the evidence of the verdict)
    std::vector<Reading> m_readings;
    std::vector<int> m_run; ///< indices (0-based) of the current run of degraded samples
    double m_runWeight = 0;
    int m_overwhelmingPeeks = 0; ///< consecutive partial looks that showed overwhelming harm
    double m_overwhelmingSeconds = 0; ///< how long the current run has been overwhelming
    /// End of the last sample that saw outside CPU load itself, while the host's CPU has stayed up since: the load
    /// is taken to go on for kOutsideCpuCarrySeconds.
    std::optional<double> m_outsideCpuSeenAt;
    /// End of the last sample in which another program moved the disks: its load is taken to go on for
    /// kOutsideIoCarrySeconds (the storage drains what it took).
    std::optional<double> m_outsideIoSeenAt;
    /// End of the last sample in which the storage stalled (storageStalled): its aftermath, the clients' backlog and
    /// the flushes held back, is taken to go on for kStorageStallCarrySeconds.
    std::optional<double> m_storageStallSeenAt;
    /// The last sample ended with sessions waiting on another session's lock: the next one began with them waiting.
    bool m_blockedWhenSampleBegan = false;
};

} // namespace vigil
