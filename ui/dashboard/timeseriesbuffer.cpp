// SPDX-License-Identifier: MIT
#include "timeseriesbuffer.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace vigil {

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
    out.reserve(2 * buckets);
    const double width = (to - from) / buckets;
    int bucket = -1;
    QPointF lo;
    QPointF hi;
    auto flush = [&] {
        if (bucket < 0)
            return;
        // Keep the two extremes in time order so the line is drawn through them as they happened.
        const QPointF &a = lo.x() <= hi.x() ? lo : hi;
        const QPointF &b = lo.x() <= hi.x() ? hi : lo;
        out.append(a);
        if (b != a)
            out.append(b);
    };
    for (int r = 0; r < 2; ++r) {
        for (std::size_t k = 0; k < lengths[r]; ++k) {
            const QPointF &p = runs[r][k];
            const int b = std::min(buckets - 1, int((p.x() - from) / width));
            if (b != bucket) {
                flush();
                bucket = b;
                lo = hi = p;
            } else if (p.y() < lo.y()) {
                lo = p;
            } else if (p.y() > hi.y()) {
                hi = p;
            }
        }
    }
    flush();
    return out;
}

QList<QPointF> TimeSeriesBuffer::rangeFromMinutes(double from, double to, int buckets) const
{
    QList<QPointF> out;
    out.reserve(2 * buckets);
    const double width = (to - from) / buckets;
    int bucket = -1;
    QPointF lo;
    QPointF hi;
    auto flush = [&] {
        if (bucket < 0)
            return;
        const QPointF &a = lo.x() <= hi.x() ? lo : hi;
        const QPointF &b = lo.x() <= hi.x() ? hi : lo;
        out.append(a);
        if (b != a)
            out.append(b);
    };
    const double oldest = firstTime();
    for (std::size_t i = 0; i < m_minuteCount; ++i) {
        const Minute &m = m_minutes[(m_minuteStart + i) % m_minutes.size()];
        // A minute partly evicted from the ring may hold an extreme that is gone: skip what is older than the data.
        for (const QPointF &p : { m.lo, m.hi }) {
            if (p.x() < from || p.x() > to || p.x() < oldest)
                continue;
            const int b = std::min(buckets - 1, int((p.x() - from) / width));
            if (b != bucket) {
                flush();
                bucket = b;
                lo = hi = p;
            } else if (p.y() < lo.y()) {
                lo = p;
            } else if (p.y() > hi.y()) {
                hi = p;
            }
        }
    }
    flush();
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
