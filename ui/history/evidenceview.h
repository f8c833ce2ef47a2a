// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QWidget>

class QChart;
class QChartView;
class QLabel;
class QLineSeries;
class QAreaSeries;
class QScatterSeries;
class QStackedWidget;
class QTableWidget;
class QValueAxis;

namespace vigil {

/**
 * The guard's evidence behind one verdict, as the journal stores it (verdictToJson): what was measured, the baseline
 * against the observation window, the statements that regressed, and a chart of the window's samples relative to
 * the baseline with the action at 0 and the samples the verdict rests on shaded.
 */
class EvidenceView : public QWidget
{
    Q_OBJECT
public:
    explicit EvidenceView(QWidget *parent = nullptr);

    /// Shows `evidence`; an empty object shows that there is no verdict yet.
    void setEvidence(const QJsonObject &evidence);
    QJsonObject evidence() const { return m_evidence; }

    /// "p95 latency", "throughput", ... for a verdict's metric name.
    static QString metricLabel(const QString &metric);
    /// A value of `metric` with its unit ("1.48 ms", "812.3/s").
    static QString metricValue(const QString &metric, double value);

protected:
    void changeEvent(QEvent *event) override;

private:
    void updateChart();
    void applyChartTheme();

    QJsonObject m_evidence;
    QStackedWidget *m_stack = nullptr;
    QLabel *m_placeholder = nullptr;
    QLabel *m_verdict = nullptr;
    QLabel *m_baseline = nullptr;
    QLabel *m_window = nullptr;
    QLabel *m_change = nullptr;
    QLabel *m_samples = nullptr;
    QLabel *m_normal = nullptr;
    QTableWidget *m_regressed = nullptr;
    QChartView *m_chartView = nullptr;
    QChart *m_chart = nullptr;
    QLineSeries *m_latency = nullptr;
    QLineSeries *m_throughput = nullptr;
    QScatterSeries *m_degraded = nullptr;
    QLineSeries *m_actionMark = nullptr;
    QLineSeries *m_spanUpper = nullptr;
    QLineSeries *m_spanLower = nullptr;
    QAreaSeries *m_span = nullptr;
    QValueAxis *m_axisX = nullptr;
    QValueAxis *m_axisY = nullptr;
};

} // namespace vigil
