// SPDX-License-Identifier: MIT
#include "chartpanel.h"

#include <QAreaSeries>
#include <QChart>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace vigil {

namespace {
constexpr int kBuckets
    = 300; ///< per line at most 2x this (min and max per bucket), whatever the range: ~1 point per pixel

QLineSeries *markerSeries(QChart *chart, const QString &name, const QColor &color, Qt::PenStyle style)
{
    auto *series = new QLineSeries(chart);
    series->setName(name);
    QPen pen(color);
    pen.setWidth(2);
    pen.setStyle(style);
    series->setPen(pen);
    chart->addSeries(series);
    return series;
}
} // namespace

ChartPanel::ChartPanel(const QString &title, const QString &unit, std::vector<Line> lines, QWidget *parent)
    // The chart goes to the base constructor: QChartView(parent) would make a default chart that setChart() only
    // releases, never deletes (LeakSanitizer found those five charts).
    : QChartView(new QChart, parent)
    , m_title(title)
    , m_unit(unit)
    , m_lines(std::move(lines))
{
    QChart *chart = this->chart();
    chart->setTitle(title);
    chart->setAnimationOptions(QChart::NoAnimation); // live data: animations cost a repaint per frame
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(170);

    // The observation window, shaded behind the data.
    m_windowUpper = new QLineSeries(chart);
    m_windowLower = new QLineSeries(chart);
    m_window = new QAreaSeries(m_windowUpper, m_windowLower);
    m_window->setName(tr("observation window"));
    m_window->setColor(QColor(255, 191, 0, 50));
    m_window->setBorderColor(QColor(255, 191, 0, 90));
    chart->addSeries(m_window);

    for (const Line &line : m_lines) {
        auto *series = new QLineSeries(chart);
        series->setName(line.name);
        QPen pen(line.color);
        pen.setWidthF(1.5);
        series->setPen(pen);
        series->setUseOpenGL(false);
        chart->addSeries(series);
        m_series.push_back(series);
    }
    m_applied = markerSeries(chart, tr("applied"), QColor(52, 101, 164), Qt::SolidLine);
    m_kept = markerSeries(chart, tr("kept"), QColor(46, 139, 87), Qt::SolidLine);
    m_rolledBack = markerSeries(chart, tr("rolled back"), QColor(204, 0, 0), Qt::SolidLine);
    m_baseline = markerSeries(chart, tr("baseline"), QColor(128, 128, 128), Qt::DashLine);

    m_timeAxis = new QDateTimeAxis(chart);
    m_timeAxis->setFormat(QStringLiteral("HH:mm:ss"));
    m_timeAxis->setTickCount(6);
    m_valueAxis = new QValueAxis(chart);
    m_valueAxis->setLabelFormat(QStringLiteral("%.3g"));
    m_valueAxis->setTickCount(4);
    m_valueAxis->setTitleText(unit);
    chart->addAxis(m_timeAxis, Qt::AlignBottom);
    chart->addAxis(m_valueAxis, Qt::AlignLeft);
    for (QAbstractSeries *s : chart->series()) {
        s->attachAxis(m_timeAxis);
        s->attachAxis(m_valueAxis);
    }
    // Markers explain themselves on the chart; only the data lines need a legend entry.
    for (QAbstractSeries *s : { static_cast<QAbstractSeries *>(m_window), static_cast<QAbstractSeries *>(m_applied),
             static_cast<QAbstractSeries *>(m_kept), static_cast<QAbstractSeries *>(m_rolledBack),
             static_cast<QAbstractSeries *>(m_baseline) }) {
        const auto markers = chart->legend()->markers(s);
        for (auto *marker : markers)
            marker->setVisible(s == m_window || s == m_rolledBack || s == m_applied);
    }
}

void ChartPanel::setCompact(bool compact)
{
    chart()->legend()->setVisible(!compact);
    setMinimumHeight(compact ? 150 : 220);
}

qsizetype ChartPanel::shownPoints() const
{
    return m_series.empty() ? 0 : m_series.front()->count();
}

void ChartPanel::refresh(double from, double to, const std::vector<ActionMark> &marks, double fixedMax)
{
    double hi = 0;
    bool any = false;
    for (std::size_t i = 0; i < m_lines.size(); ++i) {
        QList<QPointF> points = m_lines[i].buffer->range(from, to, kBuckets);
        for (QPointF &p : points) {
            p.setX(p.x() * 1000.0); // QDateTimeAxis counts milliseconds
            hi = std::max(hi, p.y());
        }
        any = any || !points.isEmpty();
        m_series[i]->replace(points);
    }
    chart()->setTitle(any ? m_title : m_title + tr(" — unavailable"));
    const double top = fixedMax > 0 ? fixedMax : (hi > 0 ? hi * 1.15 : 1.0);

    QList<QPointF> applied;
    QList<QPointF> kept;
    QList<QPointF> rolledBack;
    QList<QPointF> baseline;
    QList<QPointF> upper;
    QList<QPointF> lower;
    // A vertical line is two points; a NaN-free gap between lines is drawn by going down to 0 and back up.
    auto vertical = [top](QList<QPointF> &into, double t) {
        into << QPointF(t * 1000, 0) << QPointF(t * 1000, top) << QPointF(t * 1000, 0);
    };
    for (const ActionMark &m : marks) {
        const double end = m.decidedT > 0 ? m.decidedT : to;
        if (end < from || m.appliedT > to)
            continue;
        vertical(applied, m.appliedT);
        if (m.outcome == QLatin1StringView("rolled_back") || m.outcome == QLatin1StringView("failed"))
            vertical(rolledBack, end);
        else if (m.outcome == QLatin1StringView("kept"))
            vertical(kept, end);
        // Down to 0 at both edges, so two windows are two shaded blocks rather than one band between them.
        upper << QPointF(m.appliedT * 1000, 0) << QPointF(m.appliedT * 1000, top) << QPointF(end * 1000, top)
              << QPointF(end * 1000, 0);
        lower << QPointF(m.appliedT * 1000, 0) << QPointF(end * 1000, 0);
        if (m.hasBaseline)
            baseline << QPointF(m.baselineFrom * 1000, m.baselineValue) << QPointF(end * 1000, m.baselineValue);
    }
    m_applied->replace(applied);
    m_kept->replace(kept);
    m_rolledBack->replace(rolledBack);
    m_baseline->replace(baseline);
    m_windowUpper->replace(upper);
    m_windowLower->replace(lower);
    m_timeAxis->setRange(
        QDateTime::fromMSecsSinceEpoch(qint64(from * 1000)), QDateTime::fromMSecsSinceEpoch(qint64(to * 1000)));
    m_valueAxis->setRange(0, top);
}

} // namespace vigil
