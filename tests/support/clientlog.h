// SPDX-License-Identifier: MIT
// What pgbench's clients felt, read from its per-transaction log (`pgbench -l`): the ground truth a verdict test
// can print beside the guard's verdict, as the lab labels its traces (tests/lab/lab.py, docs/guard.md).
#pragma once

#include <QString>

#include <vector>

namespace vigil::testing {

/// The clients' p95 latency and throughput over one span of wall-clock time.
struct ClientSpan
{
    int transactions = 0;
    double p95Ms = 0; ///< 0 when the span holds no transaction
    double perSecond = 0;
};

/**
 * @brief The transactions in the log files pgbench wrote with `-l --log-prefix=PREFIX`.
 *
 * pgbench writes one file per thread (PREFIX.PID and PREFIX.PID.N), each line `client transaction latency_us
 * script epoch_s epoch_us [lag_us]` stamped when the transaction completed; with `-R` the latency counts from the
 * scheduled start, so it includes the time a client was held back. Skipped and failed transactions are left out.
 */
class ClientLog
{
public:
    explicit ClientLog(QString prefix);

    /// Reads every file again (pgbench buffers its writes: the last seconds may not be there yet).
    void reload();
    /// How far every file has been written, in seconds since the epoch: the earliest of each file's last completion
    /// time (each pgbench thread flushes its own file on its own schedule); 0 when nothing was read.
    double lastEpoch() const;
    /// Transactions completed in [from, to), epoch seconds.
    ClientSpan span(double from, double to) const;
    /// The change of the clients' p95 from [beforeFrom, beforeTo) to [afterFrom, afterTo), as a fraction (0.1 = +10 %),
    /// with the range it would take in 90 % of repeats: a bootstrap that resamples whole seconds of each span (a
    /// disturbance lasts seconds, so neighbouring transactions are not independent draws). Seeded: the same log gives
    /// the same range.
    struct Change
    {
        double estimate = 0;
        double low = 0; ///< 5th percentile of the resampled changes
        double high = 0; ///< 95th percentile
        bool valid = false; ///< false when a span has no transaction
    };
    Change p95Change(double beforeFrom, double beforeTo, double afterFrom, double afterTo, int resamples = 2000) const;
    /// "p95 2.10 ms -> 3.40 ms (+61.9 %), 80.0 -> 79.5 tps": the change from @p before to @p after.
    static QString describeChange(const ClientSpan &before, const ClientSpan &after);

private:
    /// The latencies completed in each whole second of [from, to), one vector per second.
    std::vector<std::vector<double>> bySecond(double from, double to) const;

    struct Transaction
    {
        double completedAt = 0;
        double latencyMs = 0;
    };
    QString m_prefix;
    std::vector<Transaction> m_transactions;
    double m_writtenUpTo = 0;
};

} // namespace vigil::testing
