// SPDX-License-Identifier: MIT
#pragma once

#include "chartpanel.h"
#include "timeseriesbuffer.h"

#include "events/engineevent.h"
#include "metrics/sample.h"

#include <QJsonObject>
#include <QTimer>
#include <QWidget>

#include <map>

class QButtonGroup;
class QCheckBox;
class QLabel;
class QScrollBar;

namespace vigil {

/**
 * The live charts: host CPU and memory, p95 and mean latency, throughput, connections used vs max, with every
 * action marked where it happened. Holds 24 h of samples per series in bounded buffers; redraws at most a few
 * times a second however fast samples arrive.
 */
class DashboardPage : public QWidget
{
    Q_OBJECT
public:
    static constexpr std::size_t kCapacity = 24 * 3600; ///< 24 h of 1 s samples per series

    explicit DashboardPage(QWidget *parent = nullptr);

    void addSample(const vigil::Sample &sample);
    /// Samples from before this start (the store's last 24 h), oldest first: drawn like live ones.
    void addStoredSamples(const QList<vigil::Sample> &samples);
    /// Forgets every sample and mark: the window now watches another target.
    void clear();
    /// Engine events: samples feed the charts; action.executed / kept / rolled_back / failed mark them.
    void onEvent(const vigil::EngineEvent &event);

    static constexpr int kMinRange = 60; ///< zooming in stops at a minute (60 samples at the shortest interval)
    static constexpr int kMaxRange = 24 * 3600; ///< and out at the history kept

    /// Seconds of history shown, clamped to [kMinRange, kMaxRange]; the range buttons offer 5 min, 1 h and 24 h,
    /// the wheel and the zoom keys anything between.
    void setRange(int seconds);
    /// Zooms by @p steps (positive: in, each step 0.8 of the range) keeping @p anchorT where it is on screen; a live
    /// view keeps following the newest sample.
    void zoom(double steps, double anchorT);
    /// Moves the view @p seconds later (negative: earlier); moving back leaves Live so the view holds still.
    void pan(double seconds);
    /// The time span shown, epoch seconds (for tests).
    std::pair<double, double> shownSpan() const { return { viewEnd() - m_rangeSeconds, viewEnd() }; }
    int range() const { return m_rangeSeconds; }
    bool isLive() const { return m_live; }
    const std::vector<ActionMark> &marks() const;
    ChartPanel *latencyPanel() const { return m_latency; }
    /// Redraws now (the coalescing timer calls it; tests and benchmarks may too).
    void refreshNow();

private:
    void scheduleRefresh();
    double viewEnd() const;
    double newestTime() const;
    /// Checks the range button that matches the range, or none for a zoomed one, and names the span shown.
    void showRange();

    TimeSeriesBuffer m_cpu { kCapacity };
    TimeSeriesBuffer m_mem { kCapacity };
    TimeSeriesBuffer m_p95 { kCapacity };
    TimeSeriesBuffer m_mean { kCapacity };
    TimeSeriesBuffer m_tps { kCapacity };
    TimeSeriesBuffer m_calls { kCapacity }; ///< statement executions per second: what the guard's throughput is
    TimeSeriesBuffer m_sessions { kCapacity };
    TimeSeriesBuffer m_maxConnections { kCapacity };
    ChartPanel *m_cpuPanel = nullptr;
    ChartPanel *m_memPanel = nullptr;
    ChartPanel *m_latency = nullptr;
    ChartPanel *m_throughput = nullptr;
    ChartPanel *m_connections = nullptr;
    QButtonGroup *m_ranges = nullptr;
    QCheckBox *m_liveBox = nullptr;
    QScrollBar *m_scroll = nullptr;
    QLabel *m_lastSample = nullptr;
    QLabel *m_rangeLabel = nullptr;
    double m_panRemainder = 0; ///< a drag's fraction of a second not yet moved (the scroll bar counts whole ones)
    QTimer m_refresh;
    int m_rangeSeconds = 300;
    bool m_live = true;
    std::map<qint64, ActionMark> m_marks; ///< by action id
    mutable std::vector<ActionMark> m_markList;
};

} // namespace vigil
