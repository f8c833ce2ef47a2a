// SPDX-License-Identifier: MIT
#include "evidenceview.h"

#include "metrics/numberformat.h"

#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QEvent>
#include <QFormLayout>
#include <QGraphicsLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPen>
#include <QScatterSeries>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace vigil {

namespace {

/// A change in percent, written as every verdict writes it ("+30.0%", "×1,580").
QString signedPct(double pct)
{
    return numbers::change(pct / 100.0);
}

/// 1, 2, 2.5 or 5 times a power of ten, at least `raw`.
double niceStep(double raw)
{
    if (raw <= 0)
        return 1;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double m : { 1.0, 2.0, 2.5, 5.0, 10.0 }) {
        if (m * magnitude >= raw)
            return m * magnitude;
    }
    return 10 * magnitude;
}

QLabel *valueLabel(const QString &name, QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setObjectName(name);
    label->setTextFormat(Qt::PlainText); // the texts come from the journal: never read them as markup
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setWordWrap(true);
    return label;
}

} // namespace

QString EvidenceView::metricLabel(const QString &metric)
{
    if (metric == QLatin1StringView("p95_latency"))
        return tr("p95 latency");
    if (metric == QLatin1StringView("throughput"))
        return tr("throughput");
    if (metric == QLatin1StringView("time_in_server"))
        return tr("time in the server (busy sessions)");
    if (metric == QLatin1StringView("none"))
        return tr("no harmful change");
    return metric;
}

QString EvidenceView::metricValue(const QString &metric, double value)
{
    if (metric == QLatin1StringView("p95_latency"))
        return numbers::milliseconds(value);
    if (metric == QLatin1StringView("throughput"))
        return numbers::perSecond(value, QStringLiteral("calls/s"));
    return numbers::significant(value);
}

EvidenceView::EvidenceView(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_stack = new QStackedWidget(this);
    layout->addWidget(m_stack);

    m_placeholder = new QLabel(
        tr("No verdict yet: the guard records its evidence when it keeps or rolls back an action."), m_stack);
    m_placeholder->setObjectName(QStringLiteral("evidencePlaceholder"));
    m_placeholder->setWordWrap(true);
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setEnabled(false); // drawn in the palette's disabled text colour: a note, not data
    m_stack->addWidget(m_placeholder);

    auto *content = new QSplitter(Qt::Horizontal, m_stack);
    content->setObjectName(QStringLiteral("evidenceContent"));
    content->setChildrenCollapsible(false);

    auto *numbers = new QWidget(content);
    auto *numbersLayout = new QVBoxLayout(numbers);
    numbersLayout->setContentsMargins(0, 0, 0, 0);
    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_verdict = valueLabel(QStringLiteral("evidenceVerdict"), numbers);
    m_baseline = valueLabel(QStringLiteral("evidenceBaseline"), numbers);
    m_window = valueLabel(QStringLiteral("evidenceWindow"), numbers);
    m_change = valueLabel(QStringLiteral("evidenceChange"), numbers);
    m_samples = valueLabel(QStringLiteral("evidenceSamples"), numbers);
    m_normal = valueLabel(QStringLiteral("evidenceNormal"), numbers);
    form->addRow(tr("Verdict:"), m_verdict);
    form->addRow(tr("Baseline:"), m_baseline);
    form->addRow(tr("Window:"), m_window);
    form->addRow(tr("Change:"), m_change);
    form->addRow(tr("Samples:"), m_samples);
    form->addRow(tr("Before the action:"), m_normal);
    m_samples->setToolTip(tr("The samples of the observation window the verdict rests on (1 is the first sample "
                             "after the action)"));
    m_normal->setToolTip(tr("What normal looked like in the baseline, before the action"));
    numbersLayout->addLayout(form);

    m_regressed = new QTableWidget(0, 4, numbers);
    m_regressed->setObjectName(QStringLiteral("regressedStatements"));
    m_regressed->setAccessibleName(tr("Statements that regressed in the window"));
    m_regressed->setHorizontalHeaderLabels({ tr("Regressed statement"), tr("Baseline"), tr("Window"), tr("Change") });
    m_regressed->setToolTip(tr("Statements whose mean execution time rose in the window, against the baseline"));
    m_regressed->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_regressed->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_regressed->verticalHeader()->hide();
    m_regressed->setWordWrap(false);
    m_regressed->setTextElideMode(Qt::ElideRight);
    m_regressed->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    for (int c = 1; c < 4; ++c)
        m_regressed->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    numbersLayout->addWidget(m_regressed);
    numbersLayout->addStretch(1);
    content->addWidget(numbers);

    // The chart: each window sample relative to the baseline, in percent.
    m_chart = new QChart;
    m_chart->setTitle(tr("Observation window vs baseline"));
    m_chart->setAnimationOptions(QChart::NoAnimation);
    m_chart->layout()->setContentsMargins(0, 0, 0, 0);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_chart->legend()->setAlignment(Qt::AlignBottom);

    m_spanUpper = new QLineSeries(m_chart);
    m_spanLower = new QLineSeries(m_chart);
    m_span = new QAreaSeries(m_spanUpper, m_spanLower);
    m_span->setName(tr("verdict's samples"));
    m_latency = new QLineSeries;
    m_latency->setName(tr("p95 latency"));
    m_latency->setPointsVisible(true);
    m_throughput = new QLineSeries;
    m_throughput->setName(tr("throughput"));
    m_throughput->setPointsVisible(true);
    m_degraded = new QScatterSeries;
    m_degraded->setName(tr("degraded"));
    m_degraded->setMarkerSize(9);
    m_actionMark = new QLineSeries;
    m_actionMark->setName(tr("action"));
    for (QAbstractSeries *series :
        std::initializer_list<QAbstractSeries *> { m_span, m_actionMark, m_latency, m_throughput, m_degraded })
        m_chart->addSeries(series);

    m_axisX = new QValueAxis;
    m_axisX->setTitleText(tr("sample after the action"));
    m_axisX->setLabelFormat(QStringLiteral("%d"));
    m_axisY = new QValueAxis;
    m_axisY->setTitleText(tr("% vs baseline"));
    m_axisY->setLabelFormat(QStringLiteral("%+.0f"));
    m_chart->addAxis(m_axisX, Qt::AlignBottom);
    m_chart->addAxis(m_axisY, Qt::AlignLeft);
    for (QAbstractSeries *series : m_chart->series()) {
        series->attachAxis(m_axisX);
        series->attachAxis(m_axisY);
    }

    m_chartView = new QChartView(m_chart, content);
    m_chartView->setObjectName(QStringLiteral("windowChart"));
    m_chartView->setAccessibleName(tr("The action's window against its baseline"));
    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_chartView->setMinimumSize(420, 220);
    m_chartView->setToolTip(tr("Each sample of the observation window against the baseline: p95 latency up is worse, "
                               "throughput down is worse. The shaded band is what the verdict rests on."));
    content->addWidget(m_chartView);
    content->setStretchFactor(0, 2);
    content->setStretchFactor(1, 3);
    m_stack->addWidget(content);

    applyChartTheme();
    setEvidence({});
}

void EvidenceView::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange && m_chart)
        applyChartTheme();
    QWidget::changeEvent(event);
}

void EvidenceView::applyChartTheme()
{
    // Follow the desktop: a dark palette gets the dark chart theme, so axis labels stay readable.
    const bool dark = palette().color(QPalette::Window).lightnessF() < 0.5;
    m_chart->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    m_chart->setBackgroundVisible(false);
    m_chart->setTitleBrush(palette().windowText());
    m_chart->legend()->setLabelBrush(palette().windowText());
    for (QValueAxis *axis : { m_axisX, m_axisY }) {
        if (!axis)
            continue;
        axis->setLabelsBrush(palette().windowText());
        axis->setTitleBrush(palette().windowText());
    }
    // Fixed series colours: they carry meaning (as on the dashboard), the theme would reassign them.
    m_latency->setPen(QPen(QColor(0xe5, 0x73, 0x00), 2));
    m_throughput->setPen(QPen(QColor(0x1e, 0x88, 0xe5), 2));
    m_degraded->setColor(QColor(0xc6, 0x28, 0x28));
    m_degraded->setBorderColor(QColor(0xc6, 0x28, 0x28));
    QPen mark(palette().windowText().color(), 1.5, Qt::DashLine);
    m_actionMark->setPen(mark);
    QColor band = QColor(0xc6, 0x28, 0x28);
    band.setAlphaF(0.15f);
    m_span->setBrush(band);
    m_span->setPen(Qt::NoPen);
    updateChart();
}

void EvidenceView::setEvidence(const QJsonObject &evidence)
{
    m_evidence = evidence;
    if (evidence.isEmpty()) {
        m_stack->setCurrentWidget(m_placeholder);
        m_regressed->setRowCount(0);
        updateChart();
        return;
    }
    m_stack->setCurrentIndex(1);

    const QString metric = evidence.value(QLatin1StringView("metric")).toString();
    const QString verdict = evidence.value(QLatin1StringView("verdict")).toString();
    const double change = evidence.value(QLatin1StringView("change_pct")).toDouble();
    const bool measured = !metric.isEmpty() && metric != QLatin1StringView("none");
    QString verdictText = verdict == QLatin1StringView("rollback") ? tr("roll back") : tr("keep");
    if (!metric.isEmpty())
        verdictText += QStringLiteral(" (") + metricLabel(metric) + u')';
    if (evidence.value(QLatin1StringView("extended")).toBool())
        verdictText += tr(", after extending the window once");
    m_verdict->setText(verdictText);
    m_verdict->setToolTip(evidence.value(QLatin1StringView("reason")).toString());

    const QString valueMetric = measured ? metric : QStringLiteral("p95_latency");
    m_baseline->setText(metricValue(valueMetric, evidence.value(QLatin1StringView("baseline_value")).toDouble()));
    m_window->setText(metricValue(valueMetric, evidence.value(QLatin1StringView("window_value")).toDouble()));
    m_change->setText(signedPct(change));
    const int first = evidence.value(QLatin1StringView("first_sample")).toInt();
    const int last = evidence.value(QLatin1StringView("last_sample")).toInt();
    m_samples->setText(first > 0
            ? (first == last ? QString::number(first) : QStringLiteral("%1–%2").arg(first).arg(last))
            : tr("none"));
    m_normal->setText(evidence.value(QLatin1StringView("baseline")).toString());

    const QJsonArray regressed = evidence.value(QLatin1StringView("regressed")).toArray();
    m_regressed->setRowCount(int(regressed.size()));
    for (int row = 0; row < int(regressed.size()); ++row) {
        const QJsonObject r = regressed.at(row).toObject();
        const QString query = r.value(QLatin1StringView("query")).toString();
        auto *text = new QTableWidgetItem(query.simplified());
        text->setToolTip(query);
        text->setData(Qt::UserRole, r.value(QLatin1StringView("queryid")).toString());
        m_regressed->setItem(row, 0, text);
        auto number = [](const QString &value) {
            auto *item = new QTableWidgetItem(value);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            return item;
        };
        m_regressed->setItem(row, 1,
            number(QString::number(r.value(QLatin1StringView("baseline_mean_ms")).toDouble(), 'g', 3)
                + QStringLiteral(" ms")));
        m_regressed->setItem(row, 2,
            number(QString::number(r.value(QLatin1StringView("window_mean_ms")).toDouble(), 'g', 3)
                + QStringLiteral(" ms")));
        m_regressed->setItem(row, 3, number(signedPct(r.value(QLatin1StringView("change_pct")).toDouble())));
    }
    m_regressed->setVisible(!regressed.isEmpty());
    // As tall as its rows (up to eight, then it scrolls): no empty grid under one statement.
    const int shownRows = std::min(int(regressed.size()), 8);
    m_regressed->setMaximumHeight(m_regressed->horizontalHeader()->sizeHint().height() + 2 * m_regressed->frameWidth()
        + shownRows * m_regressed->verticalHeader()->defaultSectionSize() + 2);
    updateChart();
}

void EvidenceView::updateChart()
{
    QList<QPointF> latency;
    QList<QPointF> throughput;
    QList<QPointF> degraded;
    double lo = -15;
    double hi = 15; // at least the default thresholds' scale, so noise does not look like a cliff
    int maxIndex = 1;
    const QJsonArray samples = m_evidence.value(QLatin1StringView("samples")).toArray();
    for (const QJsonValue &value : samples) {
        const QJsonObject s = value.toObject();
        const int index = s.value(QLatin1StringView("index")).toInt();
        maxIndex = std::max(maxIndex, index);
        if (s.value(QLatin1StringView("state")).toString() == QLatin1StringView("missing"))
            continue; // nothing was measured: a gap, not a zero
        const double l = s.value(QLatin1StringView("latency_pct")).toDouble();
        const double t = s.value(QLatin1StringView("throughput_pct")).toDouble();
        latency << QPointF(index, l);
        throughput << QPointF(index, t);
        if (s.value(QLatin1StringView("state")).toString() == QLatin1StringView("degraded"))
            degraded << QPointF(index, l);
        lo = std::min({ lo, l, t });
        hi = std::max({ hi, l, t });
    }
    // Ticks at a round step through 0, the baseline: about five of them whatever the range.
    const double step = niceStep((hi - lo) / 5);
    lo = std::floor(lo / step) * step;
    hi = std::ceil(hi / step) * step;
    if (hi - lo < 1e-9)
        hi = lo + step;
    m_latency->replace(latency);
    m_throughput->replace(throughput);
    m_degraded->replace(degraded);
    m_actionMark->replace({ QPointF(0, lo), QPointF(0, hi) });

    const int first = m_evidence.value(QLatin1StringView("first_sample")).toInt();
    const int last = m_evidence.value(QLatin1StringView("last_sample")).toInt();
    const bool span = first > 0 && last >= first;
    m_spanUpper->replace(span ? QList<QPointF> { { first - 0.5, hi }, { last + 0.5, hi } } : QList<QPointF> {});
    m_spanLower->replace(span ? QList<QPointF> { { first - 0.5, lo }, { last + 0.5, lo } } : QList<QPointF> {});
    m_span->setVisible(span);
    m_axisX->setRange(-0.5, maxIndex + 0.5);
    m_axisX->setTickType(QValueAxis::TicksDynamic);
    m_axisX->setTickAnchor(0);
    m_axisX->setTickInterval(maxIndex > 40 ? 10 : maxIndex > 16 ? 5 : maxIndex > 12 ? 2 : 1);
    m_axisY->setRange(lo, hi);
    m_axisY->setTickType(QValueAxis::TicksDynamic);
    m_axisY->setTickAnchor(0);
    m_axisY->setTickInterval(step);
    // The band and the action's line explain themselves (tooltip); the legend keeps the three that need a key. Done
    // last: a series' marker follows its visibility, which this function has just set.
    for (QAbstractSeries *series : std::initializer_list<QAbstractSeries *> { m_span, m_actionMark }) {
        for (QLegendMarker *marker : m_chart->legend()->markers(series))
            marker->setVisible(false);
    }
}

} // namespace vigil
