// SPDX-License-Identifier: MIT
#include "clientlog.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <cmath>
#include <utility>

namespace vigil::testing {

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
    if (!latencies.empty()) {
        // The same nearest-rank p95 as the lab's labels (tests/lab/lab.py).
        std::sort(latencies.begin(), latencies.end());
        const auto rank = std::min(latencies.size() - 1, static_cast<size_t>(std::floor(0.95 * latencies.size())));
        out.p95Ms = latencies[rank];
    }
    return out;
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
