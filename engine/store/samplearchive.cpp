// SPDX-License-Identifier: MIT
#include "store/samplearchive.h"

#include "store/storedatabase.h"

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <cmath>
#include <utility>

namespace vigil {

namespace {

/// The metric columns of `samples`, in the order addSample() binds them.
constexpr char kSampleMetrics[] = "tps, qps, latency_mean_ms, latency_p95_ms, latency_p99_ms, sessions_active, "
                                  "sessions_total, max_connections, cache_hit_ratio, cpu_pct, mem_pct, load1";
constexpr char kSampleAverages[] = "AVG(tps), AVG(qps), AVG(latency_mean_ms), AVG(latency_p95_ms), "
                                   "AVG(latency_p99_ms), AVG(sessions_active), AVG(sessions_total), "
                                   "AVG(max_connections), AVG(cache_hit_ratio), AVG(cpu_pct), AVG(mem_pct), "
                                   "AVG(load1)";

} // namespace

bool SampleArchive::addSample(const QString &target, const Sample &sample)
{
    const QString what = QStringLiteral("could not store a sample");
    QSqlQuery q(m_d.db());
    if (!m_d.prepare(q,
            QStringLiteral("INSERT INTO samples (target, t, resolution, %1) VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, "
                           "?, ?, ?, ?)")
                .arg(QString::fromLatin1(kSampleMetrics)),
            what))
        return false;
    q.addBindValue(target);
    q.addBindValue(sample.tEnd);
    for (const auto *metric : { &sample.tps, &sample.qps, &sample.latencyMeanMs, &sample.latencyP95Ms,
             &sample.latencyP99Ms, &sample.sessionsActive, &sample.sessionsTotal, &sample.maxConnections,
             &sample.cacheHitRatio, &sample.cpuPct, &sample.memPct, &sample.load1 })
        q.addBindValue(StoreDatabase::optionalValue(*metric));
    return m_d.exec(q, what);
}

std::vector<Sample> SampleArchive::samples(const QString &target, double from, double to, bool *ok) const
{
    const QString what = QStringLiteral("could not read samples");
    if (ok)
        *ok = false;
    std::vector<Sample> out;
    QSqlQuery q(m_d.db());
    q.setForwardOnly(true);
    if (!m_d.prepare(q,
            QStringLiteral("SELECT t, resolution, %1 FROM samples WHERE target = ? AND t >= ? AND t <= ? ORDER BY t")
                .arg(QString::fromLatin1(kSampleMetrics)),
            what))
        return out;
    q.addBindValue(target);
    q.addBindValue(from);
    q.addBindValue(to);
    if (!m_d.exec(q, what))
        return out;
    while (q.next()) {
        Sample s;
        s.valid = true;
        s.tEnd = q.value(0).toDouble();
        const double resolution = q.value(1).toDouble();
        s.tStart = s.tEnd - (resolution > 0 ? resolution : 0);
        int column = 2;
        for (auto *metric : { &s.tps, &s.qps, &s.latencyMeanMs, &s.latencyP95Ms, &s.latencyP99Ms, &s.sessionsActive,
                 &s.sessionsTotal, &s.maxConnections, &s.cacheHitRatio, &s.cpuPct, &s.memPct, &s.load1 }) {
            const QVariant value = q.value(column++);
            if (!value.isNull())
                *metric = value.toDouble();
        }
        out.push_back(std::move(s));
    }
    if (ok)
        *ok = true;
    return out;
}

int SampleArchive::sampleCount(const QString &target) const
{
    const QString what = QStringLiteral("could not count samples");
    QSqlQuery q(m_d.db());
    if (!m_d.prepare(q, QStringLiteral("SELECT COUNT(*) FROM samples WHERE target = ?"), what))
        return -1;
    q.addBindValue(target);
    if (!m_d.exec(q, what))
        return -1;
    if (!q.next()) {
        m_d.fail(what, q.lastError());
        return -1;
    }
    return q.value(0).toInt();
}

bool SampleArchive::prune(const QDateTime &now, qint64 fullRateForSeconds)
{
    const QString what = QStringLiteral("could not downsample old samples");
    // Whole minutes only: a minute split by the cut-off would be averaged twice, in two prunes, into two rows.
    const double cutoff
        = std::floor((double(now.toMSecsSinceEpoch()) / 1000.0 - double(fullRateForSeconds)) / 60.0) * 60.0;

    const StoreDatabase::Transaction transaction(m_d);
    if (!m_d.begin(what))
        return false;
    QSqlQuery q(m_d.db());
    if (m_d.isPostgres()) {
        // One statement that averages exactly the rows it deletes: a second Vigil pruning at the same time
        // waits on those rows and then finds them gone, so nothing is averaged twice or deleted unaveraged.
        const QString statement
            = QStringLiteral("WITH old AS (DELETE FROM samples WHERE resolution = 0 AND t < ? RETURNING *) "
                             "INSERT INTO samples (target, t, resolution, %1) "
                             "SELECT target, floor(t / 60) * 60, 60, %2 FROM old GROUP BY target, floor(t / 60)")
                  .arg(QString::fromLatin1(kSampleMetrics), QString::fromLatin1(kSampleAverages));
        if (!m_d.prepare(q, statement, what))
            return false;
        q.addBindValue(cutoff);
        if (!m_d.exec(q, what))
            return false;
    } else {
        // SQLite has no DELETE in a WITH; BEGIN IMMEDIATE keeps every other writer out between the two statements.
        // CAST truncates, which is floor for the positive epoch times stored here.
        const QString insert = QStringLiteral(
            "INSERT INTO samples (target, t, resolution, %1) "
            "SELECT target, CAST(t / 60 AS INTEGER) * 60, 60, %2 FROM samples WHERE resolution = 0 AND t < ? "
            "GROUP BY target, CAST(t / 60 AS INTEGER)")
                                   .arg(QString::fromLatin1(kSampleMetrics), QString::fromLatin1(kSampleAverages));
        if (!m_d.prepare(q, insert, what))
            return false;
        q.addBindValue(cutoff);
        if (!m_d.exec(q, what))
            return false;
        QSqlQuery del(m_d.db());
        if (!m_d.prepare(del, QStringLiteral("DELETE FROM samples WHERE resolution = 0 AND t < ?"), what))
            return false;
        del.addBindValue(cutoff);
        if (!m_d.exec(del, what))
            return false;
    }
    return m_d.commit(what);
}

} // namespace vigil
