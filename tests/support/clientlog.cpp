// SPDX-License-Identifier: MIT
#include "clientlog.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>

namespace vigil::testing {

namespace {

/// The same nearest-rank p95 as the lab's labels (tests/lab/lab.py); reorders @p latencies.
double nearestRankP95(std::vector<double> &latencies)
{
    if (latencies.empty())
        return 0;
    const auto rank = std::min(latencies.size() - 1, static_cast<size_t>(std::floor(0.95 * latencies.size())));
    std::nth_element(latencies.begin(), latencies.begin() + static_cast<std::ptrdiff_t>(rank), latencies.end());
    return latencies[rank];
}

} // namespace

ClientLog::ClientLog(QString prefix)
    : m_prefix(std::move(prefix))
{ }

void ClientLog::reload()
{
    m_transactions.clear();
    m_writtenUpTo = 0;
    bool first = true;
    const QFileInfo prefix(m_prefix);
    const QDir dir = prefix.dir();
    for (const QString &name : dir.entryList({ prefix.fileName() + QStringLiteral(".*") }, QDir::Files)) {
        QFile file(dir.filePath(name));
        if (!file.open(QIODevice::ReadOnly))
            continue;
        double fileLast = 0;
        while (!file.atEnd()) {
            const QList<QByteArray> fields = file.readLine().simplified().split(' ');
            if (fields.size() < 6)
                continue;
            bool latencyOk = false;
            bool secondsOk = false;
            bool microsOk = false;
            // "skipped" or "failed" in the latency field fails the conversion: not a transaction a client finished.
            const double latencyUs = fields[2].toDouble(&latencyOk);
            const double seconds = fields[4].toDouble(&secondsOk);
            const double micros = fields[5].toDouble(&microsOk);
            if (latencyOk && secondsOk && microsOk) {
                m_transactions.push_back({ seconds + micros / 1e6, latencyUs / 1000.0 });
                fileLast = std::max(fileLast, m_transactions.back().completedAt);
            }
        }
        m_writtenUpTo = first ? fileLast : std::min(m_writtenUpTo, fileLast);
        first = false;
    }
}

double ClientLog::lastEpoch() const
{
    return m_writtenUpTo;
}

ClientSpan ClientLog::span(double from, double to) const
{
    std::vector<double> latencies;
    for (const Transaction &t : m_transactions) {
        if (t.completedAt >= from && t.completedAt < to)
            latencies.push_back(t.latencyMs);
    }
    ClientSpan out;
    out.transactions = static_cast<int>(latencies.size());
    out.perSecond = to > from ? latencies.size() / (to - from) : 0;
    out.p95Ms = nearestRankP95(latencies);
    return out;
}

std::vector<std::vector<double>> ClientLog::bySecond(double from, double to) const
{
    std::vector<std::vector<double>> seconds(static_cast<size_t>(std::max(0.0, std::ceil(to - from))));
    for (const Transaction &t : m_transactions) {
        if (t.completedAt >= from && t.completedAt < to)
            seconds[static_cast<size_t>(t.completedAt - from)].push_back(t.latencyMs);
    }
    return seconds;
}

ClientLog::Change ClientLog::p95Change(
    double beforeFrom, double beforeTo, double afterFrom, double afterTo, int resamples) const
{
    const std::vector<std::vector<double>> before = bySecond(beforeFrom, beforeTo);
    const std::vector<std::vector<double>> after = bySecond(afterFrom, afterTo);
    auto pooled = [](const std::vector<std::vector<double>> &seconds, auto pick) {
        std::vector<double> out;
        for (size_t i = 0; i < seconds.size(); ++i) {
            const std::vector<double> &second = seconds[pick(i)];
            out.insert(out.end(), second.begin(), second.end());
        }
        return out;
    };
    auto same = [](size_t i) { return i; };
    std::vector<double> b = pooled(before, same);
    std::vector<double> a = pooled(after, same);
    Change change;
    const double p95Before = nearestRankP95(b);
    if (a.empty() || p95Before <= 0)
        return change;
    change.estimate = nearestRankP95(a) / p95Before - 1.0;
    change.valid = true;
    std::mt19937 random(20261205);
    std::vector<double> changes;
    changes.reserve(static_cast<size_t>(resamples));
    for (int r = 0; r < resamples; ++r) {
        std::uniform_int_distribution<size_t> pickBefore(0, before.size() - 1);
        std::uniform_int_distribution<size_t> pickAfter(0, after.size() - 1);
        std::vector<double> rb = pooled(before, [&](size_t) { return pickBefore(random); });
        std::vector<double> ra = pooled(after, [&](size_t) { return pickAfter(random); });
        const double pb = nearestRankP95(rb);
        const double pa = nearestRankP95(ra);
        if (pb > 0 && pa > 0)
            changes.push_back(pa / pb - 1.0);
    }
    if (changes.empty())
        return change;
    std::sort(changes.begin(), changes.end());
    change.low = changes[static_cast<size_t>(0.05 * (changes.size() - 1))];
    change.high = changes[static_cast<size_t>(0.95 * (changes.size() - 1))];
    return change;
}

QString ClientLog::describeChange(const ClientSpan &before, const ClientSpan &after)
{
    auto change = [](double from, double to) {
        return from > 0 ? QStringLiteral("%1%2 %")
                              .arg(to >= from ? QStringLiteral("+") : QString())
                              .arg(100.0 * (to - from) / from, 0, 'f', 1)
                        : QStringLiteral("n/a");
    };
    return QStringLiteral("clients' p95 %1 ms -> %2 ms (%3), %4 -> %5 tps (%6; %7 and %8 transactions)")
        .arg(before.p95Ms, 0, 'f', 2)
        .arg(after.p95Ms, 0, 'f', 2)
        .arg(change(before.p95Ms, after.p95Ms))
        .arg(before.perSecond, 0, 'f', 1)
        .arg(after.perSecond, 0, 'f', 1)
        .arg(change(before.perSecond, after.perSecond))
        .arg(before.transactions)
        .arg(after.transactions);
}

} // namespace vigil::testing
