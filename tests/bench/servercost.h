// SPDX-License-Identifier: MIT
// What a server backend spends on a piece of work: its on-CPU time from /proc/PID/schedstat (wall-clock is inflated
// by contention on a small machine), and mean / p95 summaries. Shared by the live benchmarks.
#pragma once

#include <QFile>
#include <QString>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace vigil::bench {

struct Summary
{
    double mean = 0;
    double p95 = 0;
    double max = 0;
};

inline Summary summarise(std::vector<double> values)
{
    Summary s;
    if (values.empty())
        return s;
    std::sort(values.begin(), values.end());
    s.mean = std::accumulate(values.begin(), values.end(), 0.0) / double(values.size());
    // Nearest rank.
    const std::size_t rank = std::size_t(std::ceil(0.95 * double(values.size())));
    s.p95 = values[std::max<std::size_t>(rank, 1) - 1];
    s.max = values.back();
    return s;
}

/// Cumulative on-CPU time of a process in ns: the first field of /proc/PID/schedstat (world-readable).
inline qint64 onCpuNs(int pid)
{
    QFile file(QStringLiteral("/proc/%1/schedstat").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray fields = file.readLine().trimmed();
    bool ok = false;
    const qint64 ns = fields.left(fields.indexOf(' ')).toLongLong(&ok);
    return ok ? ns : -1;
}

} // namespace vigil::bench
