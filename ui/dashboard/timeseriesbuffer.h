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
    const QPointF &at(std::size_t i) const { return m_points[(m_start + i) % m_points.size()]; }
    std::size_t lowerBound(double t) const;

    std::vector<QPointF> m_points;
    std::size_t m_start = 0;
    std::size_t m_size = 0;
};

} // namespace vigil
