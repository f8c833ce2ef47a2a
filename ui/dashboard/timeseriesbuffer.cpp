// SPDX-License-Identifier: MIT
#include "timeseriesbuffer.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace vigil {

TimeSeriesBuffer::TimeSeriesBuffer(std::size_t capacity)
    : m_points(std::max<std::size_t>(capacity, 1))
{ }

void TimeSeriesBuffer::append(double t, double value)
{
    if (!std::isfinite(t) || !std::isfinite(value))
        return;
    // Time only moves forward in a series; a sample older than the newest is dropped rather than unsorting it.
    if (m_size > 0 && t < lastTime())
        return;
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
    std::size_t end = begin;
    while (end < m_size && at(end).x() <= to)
        ++end;
    const std::size_t count = end - begin;
    if (count <= std::size_t(2 * buckets)) {
        out.reserve(qsizetype(count));
        for (std::size_t i = begin; i < end; ++i)
            out.append(at(i));
        return out;
    }
    out.reserve(2 * buckets);
    const double width = (to - from) / buckets;
    std::size_t i = begin;
    for (int b = 0; b < buckets && i < end; ++b) {
        const double bucketEnd = b == buckets - 1 ? std::numeric_limits<double>::infinity() : from + (b + 1) * width;
        if (at(i).x() >= bucketEnd)
            continue;
        QPointF lo = at(i);
        QPointF hi = at(i);
        for (; i < end && at(i).x() < bucketEnd; ++i) {
            if (at(i).y() < lo.y())
                lo = at(i);
            if (at(i).y() > hi.y())
                hi = at(i);
        }
        // Keep the two extremes in time order so the line is drawn through them as they happened.
        if (lo.x() <= hi.x()) {
            out.append(lo);
            if (hi != lo)
                out.append(hi);
        } else {
            out.append(hi);
            out.append(lo);
        }
    }
    return out;
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
