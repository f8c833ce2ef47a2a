// SPDX-License-Identifier: MIT
#include "dashboardpage.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QDateTime>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollBar>
#include <QShortcut>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace vigil {

namespace {
constexpr double kZoomPerStep = 0.8; ///< one wheel notch or key press shows 80 % (in) or 125 % (out) of the range

/// "5 min", "1 h 30 min", "24 h": the span a zoomed view shows.
QString spanText(int seconds)
{
    const int h = seconds / 3600;
    const int m = (seconds % 3600) / 60;
    const int s = seconds % 60;
    QStringList parts;
    if (h > 0)
        parts << DashboardPage::tr("%1 h").arg(h);
    if (m > 0)
        parts << DashboardPage::tr("%1 min").arg(m);
    if (s > 0 && h == 0)
        parts << DashboardPage::tr("%1 s").arg(s);
    return parts.join(QLatin1Char(' '));
}
} // namespace

DashboardPage::DashboardPage(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("dashboardPage"));
    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Range:"), this));
    m_ranges = new QButtonGroup(this);
    const std::pair<int, QString> ranges[] = { { 300, tr("5 min") }, { 3600, tr("1 h") }, { 86400, tr("24 h") } };
    for (const auto &[seconds, label] : ranges) {
        auto *button = new QPushButton(label, this);
        button->setCheckable(true);
        button->setObjectName(QStringLiteral("range%1").arg(seconds));
        button->setToolTip(tr("Show the last %1").arg(label));
        button->setChecked(seconds == m_rangeSeconds);
        m_ranges->addButton(button, seconds);
        top->addWidget(button);
    }
    connect(m_ranges, &QButtonGroup::idClicked, this, &DashboardPage::setRange);
    m_liveBox = new QCheckBox(tr("Live"), this);
    m_liveBox->setObjectName(QStringLiteral("liveBox"));
    m_liveBox->setChecked(true);
    m_liveBox->setToolTip(tr("Follow new samples; untick to hold the view and scroll back"));
    connect(m_liveBox, &QCheckBox::toggled, this, [this](bool live) {
        m_live = live;
        m_scroll->setEnabled(!live);
        refreshNow();
    });
    top->addWidget(m_liveBox);
    m_scroll = new QScrollBar(Qt::Horizontal, this);
    m_scroll->setObjectName(QStringLiteral("scrollBack"));
    m_scroll->setEnabled(false);
    m_scroll->setToolTip(tr("Scroll back through the last 24 hours"));
    connect(m_scroll, &QScrollBar::valueChanged, this, [this] { refreshNow(); });
    top->addWidget(m_scroll, 1);
    m_rangeLabel = new QLabel(this);
    m_rangeLabel->setObjectName(QStringLiteral("rangeLabel"));
    m_rangeLabel->setToolTip(tr("Zoom with the mouse wheel over a chart or Ctrl++ / Ctrl+-; drag a chart (or "
                                "Ctrl+Left / Ctrl+Right) to move through time"));
    top->addWidget(m_rangeLabel);
    m_lastSample = new QLabel(tr("waiting for the first sample…"), this);
    m_lastSample->setObjectName(QStringLiteral("lastSample"));
    top->addWidget(m_lastSample);

    const QColor blue(52, 101, 164);
    const QColor orange(245, 121, 0);
    m_latency = new ChartPanel(tr("statement latency per call (p95 estimated from pg_stat_statements; mean)"), tr("ms"),
        { { tr("p95 (estimated)"), &m_p95, orange }, { tr("mean"), &m_mean, blue } }, this);
    m_latency->setLogarithmic(); // the baseline and a spike thousands of times higher, both readable
    m_latency->setMetric(QStringLiteral("p95_latency"));
    m_latency->setObjectName(QStringLiteral("latencyChart"));
    // The guard judges statement executions per second (pg_stat_statements); transactions/s are shown beside them,
    // so the banner's "calls/s" has its line on the chart it refers to.
    m_throughput = new ChartPanel(tr("throughput: statement calls/s (orange, what the guard judges), transactions/s"),
        tr("per second"), { { tr("statement calls/s"), &m_calls, orange }, { tr("transactions/s"), &m_tps, blue } },
        this);
    m_throughput->setMetric(QStringLiteral("throughput"));
    m_throughput->setObjectName(QStringLiteral("throughputChart"));
    m_connections = new ChartPanel(tr("connections (used, grey: max)"), tr("sessions"),
        { { tr("used"), &m_sessions, blue }, { tr("max"), &m_maxConnections, QColor(128, 128, 128) } }, this);
    m_connections->setObjectName(QStringLiteral("connectionsChart"));
    m_cpuPanel = new ChartPanel(tr("host CPU busy %"), tr("%"), { { tr("CPU busy"), &m_cpu, blue } }, this);
    m_cpuPanel->setObjectName(QStringLiteral("cpuChart"));
    m_memPanel = new ChartPanel(tr("host memory used %"), tr("%"), { { tr("used"), &m_mem, blue } }, this);
    m_memPanel->setObjectName(QStringLiteral("memoryChart"));

    for (ChartPanel *compact : { m_throughput, m_connections, m_cpuPanel, m_memPanel })
        compact->setCompact(true);
    m_latency->setCompact(false);
    auto *grid = new QGridLayout;
    grid->addWidget(m_latency, 0, 0, 1, 2);
    grid->addWidget(m_throughput, 1, 0);
    grid->addWidget(m_connections, 1, 1);
    grid->addWidget(m_cpuPanel, 2, 0);
    grid->addWidget(m_memPanel, 2, 1);
    grid->setRowStretch(0, 3);
    grid->setRowStretch(1, 2);
    grid->setRowStretch(2, 2);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addLayout(grid, 1);

    for (ChartPanel *panel : { m_latency, m_throughput, m_connections, m_cpuPanel, m_memPanel }) {
        connect(panel, &ChartPanel::zoomRequested, this, &DashboardPage::zoom);
        connect(panel, &ChartPanel::panRequested, this, &DashboardPage::pan);
    }
    // The keys a chart viewer answers to, while the dashboard has the focus (the pages' own shortcuts stay theirs).
    const auto key = [this](const QKeySequence &keys, auto slot) {
        auto *shortcut = new QShortcut(keys, this);
        shortcut->setContext(Qt::WidgetWithChildrenShortcut);
        connect(shortcut, &QShortcut::activated, this, slot);
    };
    const auto zoomAtCentre
        = [this](double steps) { return [this, steps] { zoom(steps, viewEnd() - m_rangeSeconds / 2.0); }; };
    key(QKeySequence::ZoomIn, zoomAtCentre(1));
    key(QKeySequence(Qt::CTRL | Qt::Key_Equal), zoomAtCentre(1));
    key(QKeySequence::ZoomOut, zoomAtCentre(-1));
    key(QKeySequence(Qt::CTRL | Qt::Key_Left), [this] { pan(-m_rangeSeconds / 4.0); });
    key(QKeySequence(Qt::CTRL | Qt::Key_Right), [this] { pan(m_rangeSeconds / 4.0); });
    setFocusPolicy(Qt::StrongFocus);
    showRange();

    // Samples can arrive faster than it is useful to repaint: coalesce to at most five redraws a second.
    m_refresh.setSingleShot(true);
    m_refresh.setInterval(200);
    connect(&m_refresh, &QTimer::timeout, this, &DashboardPage::refreshNow);
}

void DashboardPage::addSample(const Sample &s)
{
    if (!s.valid)
        return;
    const double t = s.tEnd;
    if (s.cpuPct)
        m_cpu.append(t, *s.cpuPct);
    if (s.memPct)
        m_mem.append(t, *s.memPct);
    if (s.latencyP95Ms)
        m_p95.append(t, *s.latencyP95Ms);
    if (s.latencyMeanMs)
        m_mean.append(t, *s.latencyMeanMs);
    if (s.tps)
        m_tps.append(t, *s.tps);
    if (s.qps)
        m_calls.append(t, *s.qps);
    if (s.sessionsTotal)
        m_sessions.append(t, *s.sessionsTotal);
    if (s.maxConnections)
        m_maxConnections.append(t, *s.maxConnections);
    m_lastSample->setText(
        tr("last sample %1")
            .arg(QDateTime::fromMSecsSinceEpoch(qint64(t * 1000)).toString(QStringLiteral("HH:mm:ss"))));
    scheduleRefresh();
}

void DashboardPage::addStoredSamples(const QList<Sample> &samples)
{
    for (const Sample &s : samples)
        addSample(s); // appends to the buffers; the redraw is scheduled once
}

void DashboardPage::clear()
{
    for (TimeSeriesBuffer *buffer :
        { &m_cpu, &m_mem, &m_p95, &m_mean, &m_tps, &m_calls, &m_sessions, &m_maxConnections })
        buffer->clear();
    m_marks.clear();
    m_markList.clear();
    refreshNow();
}

void DashboardPage::onEvent(const EngineEvent &event)
{
    if (const SampleEvent *sample = event.sample()) {
        addSample(sample->sample);
        return;
    }
    const ActionEvent *action = event.action();
    if (!action || action->actionId == 0)
        return;
    const qint64 id = action->actionId;
    const double t = event.atSeconds();
    const QString &what = action->transition;
    if (what == QLatin1StringView("executed")) {
        ActionMark &m = m_marks[id];
        m.id = id;
        m.appliedT = t;
        m.outcome = QStringLiteral("observing");
    } else if (what == QLatin1StringView("kept") || what == QLatin1StringView("rolled_back")
        || what == QLatin1StringView("failed") || what == QLatin1StringView("degraded")) {
        auto it = m_marks.find(id);
        if (it == m_marks.end())
            return;
        ActionMark &m = it->second;
        if (what == QLatin1StringView("degraded")) {
            // The verdict: the window ends here; the baseline it was judged against is drawn up to it.
            const QJsonObject evidence = action->extra.value(QLatin1StringView("evidence")).toObject();
            m.decidedT = t;
            if (evidence.value(QLatin1StringView("metric")).toString() == QLatin1StringView("p95_latency")) {
                m.hasBaseline = true;
                m.baselineValue = evidence.value(QLatin1StringView("baseline_value")).toDouble();
                // Drawn over the stretch it covered (older verdicts did not say: from the action on only).
                m.baselineFrom = m.appliedT - evidence.value(QLatin1StringView("baseline_seconds")).toDouble();
            }
            return;
        }
        if (m.decidedT <= 0)
            m.decidedT = t;
        m.outcome = what;
    }
    scheduleRefresh();
}

const std::vector<ActionMark> &DashboardPage::marks() const
{
    m_markList.clear();
    for (const auto &[id, mark] : m_marks)
        m_markList.push_back(mark);
    return m_markList;
}

void DashboardPage::setRange(int seconds)
{
    m_rangeSeconds = std::clamp(seconds, kMinRange, kMaxRange);
    showRange();
    refreshNow();
}

void DashboardPage::showRange()
{
    QAbstractButton *match = m_ranges->button(m_rangeSeconds);
    // An exclusive group keeps one button checked: let go of it for a zoomed range that no button names.
    m_ranges->setExclusive(false);
    for (QAbstractButton *b : m_ranges->buttons())
        b->setChecked(b == match);
    m_ranges->setExclusive(true);
    m_rangeLabel->setText(tr("%1 shown").arg(spanText(m_rangeSeconds)));
}

void DashboardPage::zoom(double steps, double anchorT)
{
    const int before = m_rangeSeconds;
    const double end = viewEnd();
    const double share = std::clamp((anchorT - (end - before)) / before, 0.0, 1.0);
    // Clamped as a double: many notches at once would overflow an int.
    setRange(
        int(std::lround(std::clamp(before * std::pow(kZoomPerStep, steps), double(kMinRange), double(kMaxRange)))));
    if (m_live || m_rangeSeconds == before)
        return; // a live view ends at the newest sample whatever the range
    // Keep the anchor on the same spot of the screen: the new view ends (1 - share) of its range after it.
    pan(anchorT + (1.0 - share) * m_rangeSeconds - viewEnd());
}

void DashboardPage::pan(double seconds)
{
    if (seconds < 0 && m_live)
        m_liveBox->setChecked(false); // hold the view; refreshNow() has set the bar to the newest end
    if (m_live)
        return; // already at the newest sample
    m_panRemainder += seconds;
    const int whole = int(m_panRemainder); // toward zero: the rest waits for the next move
    m_panRemainder -= whole;
    if (whole != 0)
        m_scroll->setValue(m_scroll->value() + whole); // refreshes through valueChanged
}

void DashboardPage::scheduleRefresh()
{
    if (!m_refresh.isActive())
        m_refresh.start();
}

double DashboardPage::newestTime() const
{
    return std::max({ m_p95.lastTime(), m_tps.lastTime(), m_cpu.lastTime(), m_sessions.lastTime() });
}

double DashboardPage::viewEnd() const
{
    const double newest = newestTime();
    if (m_live || newest <= 0)
        return newest > 0 ? newest : double(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
    // Scrolled back: the bar's value is seconds before the newest sample.
    return newest - (m_scroll->maximum() - m_scroll->value());
}

void DashboardPage::refreshNow()
{
    const double newest = newestTime();
    const double oldest
        = std::min({ m_p95.isEmpty() ? newest : m_p95.firstTime(), m_tps.isEmpty() ? newest : m_tps.firstTime() });
    const int history = int(std::max(0.0, newest - oldest - m_rangeSeconds));
    m_scroll->setRange(0, history);
    m_scroll->setPageStep(m_rangeSeconds);
    if (m_live)
        m_scroll->setValue(history);
    const double to = viewEnd();
    const double from = to - m_rangeSeconds;
    const std::vector<ActionMark> &all = marks();
    std::vector<ActionMark> none;
    // The baseline band belongs on the chart of the metric the verdict was about; the other charts get the marks.
    std::vector<ActionMark> withoutBaseline = all;
    for (ActionMark &m : withoutBaseline)
        m.hasBaseline = false;
    m_latency->refresh(from, to, all);
    m_throughput->refresh(from, to, withoutBaseline);
    m_connections->refresh(from, to, withoutBaseline);
    m_cpuPanel->refresh(from, to, withoutBaseline, 100);
    m_memPanel->refresh(from, to, withoutBaseline, 100);
}

} // namespace vigil
