// SPDX-License-Identifier: MIT
#include "timeseriesbuffer.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace vigil {

namespace {
/// Splits [from, to] into buckets and keeps each bucket's lowest and highest point, in time order: a spike
/// survives however many points share its bucket.
class BucketExtremes
{
public:
    BucketExtremes(double from, double to, int buckets, QList<QPointF> &out)
        : m_from(from)
        , m_width((to - from) / buckets)
        , m_buckets(buckets)
        , m_out(out)
    {
        m_out.reserve(2 * buckets);
    }

    void add(const QPointF &p)
    {
        const int b = std::min(m_buckets - 1, int((p.x() - m_from) / m_width));
        if (b != m_bucket) {
            flush();
            m_bucket = b;
            m_lo = m_hi = p;
        } else if (p.y() < m_lo.y()) {
            m_lo = p;
        } else if (p.y() > m_hi.y()) {
            m_hi = p;
        }
    }

    void flush()
    {
        if (m_bucket < 0)
            return;
        const QPointF &a = m_lo.x() <= m_hi.x() ? m_lo : m_hi;
        const QPointF &b = m_lo.x() <= m_hi.x() ? m_hi : m_lo;
        m_out.append(a);
        if (b != a)
            m_out.append(b);
        m_bucket = -1;
    }

private:
    double m_from;
    double m_width;
    int m_buckets;
    QList<QPointF> &m_out;
    int m_bucket = -1;
    QPointF m_lo;
    QPointF m_hi;
};
} // namespace

TimeSeriesBuffer::TimeSeriesBuffer(std::size_t capacity)
    : m_points(std::max<std::size_t>(capacity, 1))
    , m_minutes(std::max<std::size_t>(capacity, 1) / 60 + 2)
{ }

void TimeSeriesBuffer::append(double t, double value)
{
    if (!std::isfinite(t) || !std::isfinite(value))
        return;
    // Time only moves forward in a series; a sample older than the newest is dropped rather than unsorting it.
    if (m_size > 0 && t < lastTime())
        return;
    const qint64 minute = qint64(std::floor(t / 60.0));
    const QPointF point(t, value);
    if (m_minuteCount > 0 && m_minutes[(m_minuteStart + m_minuteCount - 1) % m_minutes.size()].minute == minute) {
        Minute &m = m_minutes[(m_minuteStart + m_minuteCount - 1) % m_minutes.size()];
        if (value < m.lo.y())
            m.lo = point;
        if (value > m.hi.y())
            m.hi = point;
    } else if (m_minuteCount < m_minutes.size()) {
        m_minutes[(m_minuteStart + m_minuteCount) % m_minutes.size()] = { minute, point, point };
        ++m_minuteCount;
    } else {
        m_minutes[m_minuteStart] = { minute, point, point };
        m_minuteStart = (m_minuteStart + 1) % m_minutes.size();
    }
    if (m_size < m_points.size()) {
        m_points[(m_start + m_size) % m_points.size()] = QPointF(t, value);
        ++m_size;
    } else {
        m_points[m_start] = QPointF(t, value);
        m_start = (m_start + 1) % m_points.size();
    }
}

void TimeSeriesBuffer::clear()
{
    m_start = 0;
    m_size = 0;
    m_minuteStart = 0;
    m_minuteCount = 0;
}

double TimeSeriesBuffer::firstTime() const
{
    return m_size ? at(0).x() : 0.0;
}
double TimeSeriesBuffer::lastTime() const
{
    return m_size ? at(m_size - 1).x() : 0.0;
}

std::size_t TimeSeriesBuffer::lowerBound(double t) const
{
    std::size_t lo = 0;
    std::size_t hi = m_size;
    while (lo < hi) {
        const std::size_t mid = (lo + hi) / 2;
        if (at(mid).x() < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

QList<QPointF> TimeSeriesBuffer::range(double from, double to, int buckets) const
{
    QList<QPointF> out;
    if (m_size == 0 || to < from || buckets <= 0)
        return out;
    const std::size_t begin = lowerBound(from);
    const std::size_t end = upperBound(to);
    if (end <= begin)
        return out;
    const std::size_t count = end - begin;
    // A bucket wider than a few minutes: the per-minute extremes hold everything the drawing needs.
    if (count > std::size_t(2 * buckets) && (to - from) / buckets >= 180.0)
        return rangeFromMinutes(from, to, buckets);
    // The ring is at most two contiguous runs of memory: walk them directly (a modulo per point was most of the
    // cost of a 24 h view).
    const std::size_t cap = m_points.size();
    const std::size_t first = (m_start + begin) % cap;
    const std::size_t firstRun = std::min(count, cap - first);
    const QPointF *runs[2] = { m_points.data() + first, m_points.data() };
    const std::size_t lengths[2] = { firstRun, count - firstRun };
    if (count <= std::size_t(2 * buckets)) {
        out.reserve(qsizetype(count));
        for (int r = 0; r < 2; ++r)
            for (std::size_t k = 0; k < lengths[r]; ++k)
                out.append(runs[r][k]);
        return out;
    }
    BucketExtremes extremes(from, to, buckets, out);
    for (int r = 0; r < 2; ++r)
        for (std::size_t k = 0; k < lengths[r]; ++k)
            extremes.add(runs[r][k]);
    extremes.flush();
    return out;
}

QList<QPointF> TimeSeriesBuffer::rangeFromMinutes(double from, double to, int buckets) const
{
    QList<QPointF> out;
    BucketExtremes extremes(from, to, buckets, out);
    const double oldest = firstTime();
    for (std::size_t i = 0; i < m_minuteCount; ++i) {
        const Minute &m = m_minutes[(m_minuteStart + i) % m_minutes.size()];
        // A minute partly evicted from the ring may hold an extreme that is gone: skip what is older than the data.
        for (const QPointF &p : { m.lo, m.hi }) {
            if (p.x() < from || p.x() > to || p.x() < oldest)
                continue;
            extremes.add(p);
        }
    }
    extremes.flush();
    // The two extremes of a minute are appended in value order; restore time order across the whole line.
    std::sort(out.begin(), out.end(), [](const QPointF &a, const QPointF &b) { return a.x() < b.x(); });
    return out;
}

std::size_t TimeSeriesBuffer::upperBound(double t) const
{
    std::size_t lo = 0;
    std::size_t hi = m_size;
    while (lo < hi) {
        const std::size_t mid = (lo + hi) / 2;
        if (at(mid).x() <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

std::pair<double, double> TimeSeriesBuffer::valueRange(double from, double to) const
{
    double lo = std::numeric_limits<double>::infinity();
    double hi = -std::numeric_limits<double>::infinity();
    for (std::size_t i = lowerBound(from); i < m_size && at(i).x() <= to; ++i) {
        lo = std::min(lo, at(i).y());
        hi = std::max(hi, at(i).y());
    }
    if (!std::isfinite(lo))
        return { 0.0, 0.0 };
    return { lo, hi };
}

} // namespace vigil
