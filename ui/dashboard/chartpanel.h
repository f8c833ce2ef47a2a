// SPDX-License-Identifier: MIT
#pragma once

#include "timeseriesbuffer.h"

#include <QChartView>
#include <QString>

#include <optional>
#include <vector>

class QDateTimeAxis;
class QLogValueAxis;
class QValueAxis;
class QLineSeries;
class QAreaSeries;

namespace vigil {

/// An action as the charts mark it: when it was applied, when the verdict came, and what it was.
struct ActionMark
{
    qint64 id = 0;
    double appliedT = 0; ///< epoch seconds
    double decidedT = 0; ///< 0 while still observed
    QString outcome; ///< observing, kept, rolled_back, failed
    double baselineValue = 0; ///< the verdict's baseline for the metric this chart shows, when it is that metric
    bool hasBaseline = false;
    double baselineFrom = 0;
};

/**
 * One live chart: a few series over time, fed from bounded buffers the dashboard owns, with the actions marked
 * (applied, rolled back / kept), the observation window shaded and, where the verdict was about this metric, the
 * baseline drawn. The series are replaced once per refresh (QXYSeries::replace), never appended unboundedly.
 */
class ChartPanel : public QChartView
{
    Q_OBJECT
public:
    struct Line
    {
        QString name;
        const TimeSeriesBuffer *buffer;
        QColor color;
    };

    ChartPanel(const QString &title, const QString &unit, std::vector<Line> lines, QWidget *parent = nullptr);

    /// Redraws [from, to] (epoch seconds) with the actions marked. Y starts at 0 unless fixedMax > 0 (percentages).
    void refresh(double from, double to, const std::vector<ActionMark> &marks, double fixedMax = 0);
    /// Which metric this panel's baseline band belongs to (p95_latency, throughput, ...).
    void setMetric(const QString &metric) { m_metric = metric; }
    const QString &metric() const { return m_metric; }
    /// A compact chart has no legend (its title names its one series) so the plot keeps its height.
    void setCompact(bool compact);
    /// A logarithmic value axis: a 0.07 ms baseline and a 100 ms spike both readable on one chart (a linear axis
    /// flattens the baseline onto zero next to the spike).
    void setLogarithmic();
    bool isLogarithmic() const { return m_logAxis != nullptr; }
    /// Points currently shown by the first line (for tests and the benchmark).
    qsizetype shownPoints() const;
    /// What the tooltip says about the point under the mouse ("12:00:03 · p95: 0.0522 ms"); empty when none.
    QString hoverText() const { return m_hoverText; }

signals:
    /// The mouse wheel over the plot: @p steps notches (positive: zoom in) around the time under the mouse (epoch s).
    void zoomRequested(double steps, double anchorT);
    /// A drag across the plot: show @p seconds later (negative: earlier), the view following the hand.
    void panRequested(double seconds);

protected:
    void changeEvent(QEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;

private:
    /// The chart's background, texts and grid from the widget's palette (a dark desktop gets a dark chart); the
    /// series keep their own colours, which carry meaning.
    void followPalette();
    void showValue(const QString &name, const QPointF &point, bool entering);
    /// Seconds of the time axis per pixel of the plot area (0 before the first layout).
    double secondsPerPixel() const;

    double m_from = 0; ///< the range last drawn, epoch seconds
    double m_to = 0;
    std::optional<double> m_dragX; ///< where a pan drag last was, in view pixels

    QString m_title;
    QString m_unit;
    QString m_metric;
    std::vector<Line> m_lines;
    std::vector<QLineSeries *> m_series;
    QLineSeries *m_applied = nullptr;
    QLineSeries *m_rolledBack = nullptr;
    QLineSeries *m_kept = nullptr;
    QLineSeries *m_baseline = nullptr;
    QLineSeries *m_windowUpper = nullptr;
    QLineSeries *m_windowLower = nullptr;
    QAreaSeries *m_window = nullptr;
    QDateTimeAxis *m_timeAxis = nullptr;
    QValueAxis *m_valueAxis = nullptr;
    QLogValueAxis *m_logAxis = nullptr; ///< replaces m_valueAxis once setLogarithmic() was called
    QString m_hoverText;
};

} // namespace vigil
