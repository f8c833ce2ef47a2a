// SPDX-License-Identifier: MIT
#include "chartpanel.h"

#include "metrics/numberformat.h"

#include <QAreaSeries>
#include <QChart>
#include <QCursor>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QMouseEvent>
#include <QToolTip>
#include <QValueAxis>
#include <QWheelEvent>

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
    // A chart is a picture to a screen reader: its name says what it plots.
    setAccessibleName(tr("%1 chart (%2)").arg(title, unit));
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
        // The value under the mouse, as a tooltip: the time, the line and the number with its unit.
        connect(series, &QLineSeries::hovered, this,
            [this, name = line.name](const QPointF &point, bool entering) { showValue(name, point, entering); });
    }
    // Markers differ by line style as well as colour (and "applied" is not the blue of the data lines).
    m_applied = markerSeries(chart, tr("applied"), QColor(117, 80, 123), Qt::DashDotLine);
    m_kept = markerSeries(chart, tr("kept"), QColor(46, 139, 87), Qt::DotLine);
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
    // Every marker has its legend entry (a DBA should not have to guess what green or dashed grey means).
    followPalette();
}

void ChartPanel::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange)
        followPalette();
    QChartView::changeEvent(event);
}

void ChartPanel::followPalette()
{
    const QPalette p = palette();
    QChart *chart = this->chart();
    chart->setBackgroundBrush(p.base());
    chart->setBackgroundPen(QPen(p.mid().color()));
    chart->setTitleBrush(p.windowText());
    chart->legend()->setLabelBrush(p.windowText());
    for (QAbstractAxis *axis : chart->axes()) {
        axis->setLabelsBrush(p.windowText());
        axis->setTitleBrush(p.windowText());
        axis->setGridLineColor(p.mid().color());
        axis->setLinePenColor(p.mid().color());
        axis->setMinorGridLineColor(p.midlight().color());
    }
}

double ChartPanel::secondsPerPixel() const
{
    const double width = chart()->plotArea().width();
    return width > 0 && m_to > m_from ? (m_to - m_from) / width : 0;
}

void ChartPanel::wheelEvent(QWheelEvent *event)
{
    const double steps = event->angleDelta().y() / 120.0; // one notch of a common wheel is 120
    const QRectF plot = chart()->plotArea();
    const QPointF at = mapToScene(event->position().toPoint());
    if (steps == 0 || plot.width() <= 0 || m_to <= m_from) {
        QChartView::wheelEvent(event);
        return;
    }
    // The time under the mouse stays where it is; outside the plot, its nearer edge does.
    const double share = std::clamp((at.x() - plot.left()) / plot.width(), 0.0, 1.0);
    emit zoomRequested(steps, m_from + share * (m_to - m_from));
    event->accept();
}

void ChartPanel::mousePressEvent(QMouseEvent *event)
{
    if (event->button() == Qt::LeftButton && chart()->plotArea().contains(mapToScene(event->position().toPoint()))) {
        m_dragX = event->position().x();
        setCursor(Qt::ClosedHandCursor);
        event->accept();
        return;
    }
    QChartView::mousePressEvent(event);
}

void ChartPanel::mouseMoveEvent(QMouseEvent *event)
{
    if (m_dragX && (event->buttons() & Qt::LeftButton)) {
        const double dx = event->position().x() - *m_dragX;
        m_dragX = event->position().x();
        // Dragging to the right brings earlier time into view, as a map moves under the hand.
        if (const double perPixel = secondsPerPixel(); perPixel > 0 && dx != 0)
            emit panRequested(-dx * perPixel);
        event->accept();
        return;
    }
    QChartView::mouseMoveEvent(event);
}

void ChartPanel::mouseReleaseEvent(QMouseEvent *event)
{
    if (m_dragX && event->button() == Qt::LeftButton) {
        m_dragX.reset();
        unsetCursor();
        event->accept();
        return;
    }
    QChartView::mouseReleaseEvent(event);
}

void ChartPanel::showValue(const QString &name, const QPointF &point, bool entering)
{
    if (!entering) {
        m_hoverText.clear();
        QToolTip::hideText();
        return;
    }
    const QDateTime at = QDateTime::fromMSecsSinceEpoch(qint64(point.x())); // the time axis counts milliseconds
    m_hoverText = QStringLiteral("%1 · %2: %3 %4")
                      .arg(at.toString(QStringLiteral("HH:mm:ss")), name, numbers::significant(point.y()), m_unit);
    QToolTip::showText(QCursor::pos(), m_hoverText, this);
}

void ChartPanel::setLogarithmic()
{
    if (m_logAxis)
        return;
    QChart *chart = this->chart();
    m_logAxis = new QLogValueAxis(chart);
    m_logAxis->setBase(10);
    m_logAxis->setLabelFormat(QStringLiteral("%.3g"));
    m_logAxis->setMinorTickCount(-1); // 2..9 between the decades
    m_logAxis->setTitleText(m_unit + tr(" (log scale)"));
    chart->addAxis(m_logAxis, Qt::AlignLeft);
    for (QAbstractSeries *s : chart->series()) {
        s->detachAxis(m_valueAxis);
        s->attachAxis(m_logAxis);
    }
    chart->removeAxis(m_valueAxis);
    delete m_valueAxis;
    m_valueAxis = nullptr;
    followPalette();
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
    m_from = from;
    m_to = to;
    double hi = 0;
    double lo = 0; ///< the smallest positive value shown (the log axis's floor)
    bool any = false;
    std::vector<QList<QPointF>> lines;
    for (std::size_t i = 0; i < m_lines.size(); ++i) {
        QList<QPointF> points = m_lines[i].buffer->range(from, to, kBuckets);
        for (QPointF &p : points) {
            p.setX(p.x() * 1000.0); // QDateTimeAxis counts milliseconds
            hi = std::max(hi, p.y());
            if (p.y() > 0)
                lo = lo > 0 ? std::min(lo, p.y()) : p.y();
        }
        any = any || !points.isEmpty();
        lines.push_back(std::move(points));
    }
    // On a log axis the floor is a little below the smallest value (a decade below when there is none), and the
    // markers and shading go down to it instead of 0, which a log axis cannot show.
    const double top = fixedMax > 0 ? fixedMax : (hi > 0 ? hi * (m_logAxis ? 1.5 : 1.15) : 1.0);
    const double bottom = m_logAxis ? (lo > 0 ? lo / 1.5 : top / 10.0) : 0.0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (m_logAxis)
            for (QPointF &p : lines[i])
                p.setY(std::max(p.y(), bottom));
        m_series[i]->replace(lines[i]);
    }
    chart()->setTitle(any ? m_title : m_title + tr(" — unavailable"));

    QList<QPointF> applied;
    QList<QPointF> kept;
    QList<QPointF> rolledBack;
    QList<QPointF> baseline;
    QList<QPointF> upper;
    QList<QPointF> lower;
    // A vertical line is two points; a NaN-free gap between lines is drawn by going down to 0 and back up.
    auto vertical = [top, bottom](QList<QPointF> &into, double t) {
        into << QPointF(t * 1000, bottom) << QPointF(t * 1000, top) << QPointF(t * 1000, bottom);
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
        upper << QPointF(m.appliedT * 1000, bottom) << QPointF(m.appliedT * 1000, top) << QPointF(end * 1000, top)
              << QPointF(end * 1000, bottom);
        lower << QPointF(m.appliedT * 1000, bottom) << QPointF(end * 1000, bottom);
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
    // Labels that fit the range: seconds for minutes, minutes for hours, the day too for a day (at 24 h two labels
    // with the same time of day were two different days).
    const double span = to - from;
    m_timeAxis->setFormat(span <= 900 ? QStringLiteral("HH:mm:ss")
            : span <= 6 * 3600        ? QStringLiteral("HH:mm")
                                      : QStringLiteral("ddd HH:mm"));
    if (m_logAxis)
        m_logAxis->setRange(bottom, top);
    else {
        m_valueAxis->setRange(0, top);
        // Whole numbers where the scale allows ("4630", not "4.63e+03"); three significant digits for small ones.
        m_valueAxis->setLabelFormat(top >= 100 ? QStringLiteral("%.0f") : QStringLiteral("%.3g"));
    }
}

} // namespace vigil
