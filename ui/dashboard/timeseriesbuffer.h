// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QPointF>

#include <vector>

namespace vigil {

/**
 * A bounded ring of (time, value) points for one chart series: memory stays the same however long Vigil runs.
 *
 * Reading a time range returns at most `buckets` pairs of points, each bucket keeping its minimum and its maximum
 * in time order, so a one-second spike survives the downsampling of a 24 h view (an average would hide it).
 * Pure data: no widget, no chart.
 */
class TimeSeriesBuffer
{
public:
    explicit TimeSeriesBuffer(std::size_t capacity);

    void append(double t, double value);
    void clear();
    std::size_t size() const { return m_size; }
    std::size_t capacity() const { return m_points.size(); }
    bool isEmpty() const { return m_size == 0; }
    double firstTime() const;
    double lastTime() const;

    /// Points with from <= t <= to, downsampled to at most 2 * buckets points (min and max per bucket).
    QList<QPointF> range(double from, double to, int buckets) const;
    /// Min and max of the values in [from, to] (both 0 when none).
    std::pair<double, double> valueRange(double from, double to) const;

private:
    /// Minimum and maximum of one minute: long ranges are drawn from these instead of every second.
    struct Minute
    {
        qint64 minute = 0;
        QPointF lo;
        QPointF hi;
    };

    const QPointF &at(std::size_t i) const { return m_points[(m_start + i) % m_points.size()]; }
    QList<QPointF> rangeFromMinutes(double from, double to, int buckets) const;
    std::size_t lowerBound(double t) const; ///< first index with time >= t
    std::size_t upperBound(double t) const; ///< first index with time > t

    std::vector<QPointF> m_points;
    std::size_t m_start = 0;
    std::size_t m_size = 0;
    std::vector<Minute> m_minutes; ///< ring, oldest first from m_minuteStart
    std::size_t m_minuteStart = 0;
    std::size_t m_minuteCount = 0;
};

} // namespace vigil
