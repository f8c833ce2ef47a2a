// SPDX-License-Identifier: MIT
#include "dashboardpage.h"

#include <QAbstractButton>
#include <QApplication>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QJsonObject>
#include <QLabel>
#include <QLegend>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QRegularExpression>
#include <QTest>
#include <QTimeZone>
#include <QWheelEvent>

#include <cmath>

using namespace vigil;

namespace {
Sample sampleAt(double t, double p95)
{
    Sample s;
    s.valid = true;
    s.tStart = t - 1;
    s.tEnd = t;
    s.latencyP95Ms = p95;
    s.latencyMeanMs = p95 / 2;
    s.tps = 500;
    s.sessionsTotal = 5;
    s.maxConnections = 100;
    s.cpuPct = 30;
    s.memPct = 40;
    return s;
}

constexpr double t0 = 1'800'000'000;

/// Shows the page with 120 one-second samples from t0: p95 `before` for the first `step`, then `after`.
bool showWithASteppedWorkload(DashboardPage &page, double before, double after, int step)
{
    page.resize(1200, 800);
    page.show();
    if (!QTest::qWaitForWindowExposed(&page))
        return false;
    for (int i = 0; i < 120; ++i)
        page.addSample(sampleAt(t0 + i, i < step ? before : after));
    return true;
}

/// The event as published at `t` (seconds since the epoch).
EngineEvent at(EngineEvent event, double t)
{
    event.at = QDateTime::fromMSecsSinceEpoch(qint64(t * 1000), QTimeZone::utc());
    return event;
}
} // namespace

class TestDashboardPage : public QObject
{
    Q_OBJECT

private slots:
    void chartsShowSamplesAndMarkTheRollback()
    {
        DashboardPage page;
        QVERIFY(showWithASteppedWorkload(page, 1.0, 3.0, 60));
        Action action;
        action.id = 7;
        page.onEvent(at(actionEvent(QStringLiteral("executed"), action), t0 + 60));
        page.onEvent(at(actionEvent(QStringLiteral("degraded"), action, {},
                            { { QStringLiteral("evidence"),
                                QJsonObject { { QStringLiteral("metric"), QStringLiteral("p95_latency") },
                                    { QStringLiteral("baseline_value"), 1.0 } } } }),
            t0 + 66));
        page.onEvent(at(actionEvent(QStringLiteral("rolled_back"), action), t0 + 66.1));
        page.refreshNow();
        QCOMPARE(page.latencyPanel()->shownPoints(), 120);
        QCOMPARE(page.marks().size(), std::size_t(1));
        const ActionMark mark = page.marks().front();
        QCOMPARE(mark.outcome, QStringLiteral("rolled_back"));
        QVERIFY(qAbs(mark.appliedT - (t0 + 60)) < 0.01);
        QVERIFY(qAbs(mark.decidedT - (t0 + 66)) < 0.01);
        QVERIFY(mark.hasBaseline);
    }

    void aBaselineAndASpikeThousandsOfTimesHigherAreBothReadable()
    {
        // The walk-through's numbers: 0.074 ms per call before, 118 ms after. On a linear axis the baseline lay on
        // zero; on the log axis both sit well inside the plot, decades apart.
        DashboardPage page;
        QVERIFY(showWithASteppedWorkload(page, 0.074, 118.0, 100));
        page.refreshNow();
        const QList<QAbstractAxis *> axes = page.latencyPanel()->chart()->axes(Qt::Vertical);
        QCOMPARE(axes.size(), 1);
        auto *log = qobject_cast<QLogValueAxis *>(axes.front());
        QVERIFY(log);
        QVERIFY2(log->min() > 0 && log->min() < 0.037 && log->max() >= 118.0,
            qPrintable(QStringLiteral("%1 .. %2").arg(log->min()).arg(log->max())));
        // The baseline sits clear of the plot's floor (about an eighth of the way up), not on it.
        const double share
            = (std::log10(0.074) - std::log10(log->min())) / (std::log10(log->max()) - std::log10(log->min()));
        QVERIFY2(share > 0.05, qPrintable(QString::number(share)));
    }

    void theValueUnderTheMouseIsShown()
    {
        DashboardPage page;
        QVERIFY(showWithASteppedWorkload(page, 0.074, 118.0, 100));
        page.refreshNow();
        ChartPanel *panel = page.latencyPanel();
        const QList<QAbstractSeries *> all = panel->chart()->series();
        QLineSeries *p95 = nullptr;
        for (QAbstractSeries *s : all)
            if (s->name().contains(QLatin1StringView("p95")))
                p95 = qobject_cast<QLineSeries *>(s);
        QVERIFY(p95);
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(qint64((t0 + 30) * 1000));
        emit p95->hovered(QPointF((t0 + 30) * 1000, 0.0741), true); // what QtCharts sends as the mouse moves over it
        QVERIFY2(panel->hoverText().startsWith(at.toString(QStringLiteral("HH:mm:ss")) + QStringLiteral(" · "))
                && panel->hoverText().contains(QLatin1StringView("p95"))
                && panel->hoverText().contains(QLatin1StringView(": 0.0741 ms")),
            qPrintable(panel->hoverText()));
        emit p95->hovered(QPointF((t0 + 30) * 1000, 0.0741), false);
        QVERIFY(panel->hoverText().isEmpty());
    }

    void aDarkDesktopGetsADarkChart()
    {
        DashboardPage page;
        QVERIFY(showWithASteppedWorkload(page, 1.0, 1.0, 60));
        QPalette dark = page.palette();
        dark.setColor(QPalette::Window, QColor(0x20, 0x20, 0x20));
        dark.setColor(QPalette::Base, QColor(0x18, 0x18, 0x18));
        dark.setColor(QPalette::WindowText, QColor(0xee, 0xee, 0xee));
        dark.setColor(QPalette::Text, QColor(0xee, 0xee, 0xee));
        page.setPalette(dark);
        QCoreApplication::processEvents();
        for (ChartPanel *panel : page.findChildren<ChartPanel *>()) {
            QChart *chart = panel->chart();
            QVERIFY2(chart->backgroundBrush().color().lightnessF() < 0.3, qPrintable(panel->accessibleName()));
            for (QAbstractAxis *axis : chart->axes())
                QVERIFY2(axis->labelsBrush().color().lightnessF() > 0.7, qPrintable(panel->accessibleName()));
            QVERIFY(chart->legend()->labelBrush().color().lightnessF() > 0.7);
        }
    }

    void rangeButtonsChangeTheView()
    {
        DashboardPage page;
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        auto *hour = page.findChild<QAbstractButton *>(QStringLiteral("range3600"));
        QVERIFY(hour);
        QTest::mouseClick(hour, Qt::LeftButton);
        QCOMPARE(page.range(), 3600);
        // Time labels that fit the range: minutes for an hour, the day and time for a day.
        auto timeFormat = [&page] {
            page.refreshNow();
            const auto axes = page.latencyPanel()->chart()->axes(Qt::Horizontal);
            auto *time = axes.isEmpty() ? nullptr : qobject_cast<QDateTimeAxis *>(axes.front());
            return time ? time->format() : QString();
        };
        QCOMPARE(timeFormat(), QStringLiteral("HH:mm"));
        QTest::mouseClick(page.findChild<QAbstractButton *>(QStringLiteral("range86400")), Qt::LeftButton);
        QCOMPARE(timeFormat(), QStringLiteral("ddd HH:mm"));
        QTest::mouseClick(page.findChild<QAbstractButton *>(QStringLiteral("range300")), Qt::LeftButton);
        QCOMPARE(timeFormat(), QStringLiteral("HH:mm:ss"));
        auto *live = page.findChild<QAbstractButton *>(QStringLiteral("liveBox"));
        QTest::mouseClick(live, Qt::LeftButton);
        QVERIFY(!page.isLive());
    }

    void theWheelZoomsAroundTheMouseAndADragPans()
    {
        DashboardPage page;
        page.resize(1200, 800);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        for (int i = 0; i < 1800; ++i) // half an hour of samples
            page.addSample(sampleAt(t0 + i, 1.0));
        page.refreshNow();
        ChartPanel *chart = page.latencyPanel();
        const QRectF plot = chart->chart()->plotArea();
        QVERIFY(plot.width() > 100);
        auto *label = page.findChild<QLabel *>(QStringLiteral("rangeLabel"));
        QVERIFY(label);
        QCOMPARE(label->text(), QStringLiteral("5 min shown"));

        // Live, one notch in: the view still ends at the newest sample, 80 % as long; no range button fits it.
        auto wheel = [chart](QPointF at, int notches) {
            const QPoint pos = chart->mapFromScene(at);
            QWheelEvent event(pos, chart->viewport()->mapToGlobal(pos), QPoint(), QPoint(0, 120 * notches),
                Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
            QApplication::sendEvent(chart->viewport(), &event);
        };
        wheel(plot.center(), 1);
        QCOMPARE(page.range(), 240);
        QVERIFY(page.isLive());
        QCOMPARE(page.shownSpan().second, t0 + 1799);
        QCOMPARE(label->text(), QStringLiteral("4 min shown"));
        for (auto *button : page.findChildren<QAbstractButton *>(QRegularExpression(QStringLiteral("^range\\d+$"))))
            QVERIFY2(!button->isChecked(), qPrintable(button->objectName()));

        // A drag to the right brings earlier time into view and leaves Live, so new samples do not move it.
        page.refreshNow();
        const QPoint from = chart->mapFromScene(plot.center());
        const QPoint to = from + QPoint(int(plot.width() / 2), 0); // half the plot: about half the range
        QTest::mousePress(chart->viewport(), Qt::LeftButton, {}, from);
        QTest::mouseMove(chart->viewport(), to);
        QTest::mouseRelease(chart->viewport(), Qt::LeftButton, {}, to);
        QVERIFY(!page.isLive());
        const double end = page.shownSpan().second;
        QVERIFY2(end < t0 + 1799 - 100 && end > t0 + 1799 - 140, qPrintable(QString::number(t0 + 1799 - end)));
        page.addSample(sampleAt(t0 + 1800, 1.0));
        page.refreshNow();
        QCOMPARE(page.shownSpan().second, end);

        // Held still, the wheel keeps the time under the mouse where it was: here the plot's left quarter.
        page.refreshNow();
        const auto [before, beforeEnd] = page.shownSpan();
        const double anchor = before + 0.25 * (beforeEnd - before);
        wheel(QPointF(plot.left() + 0.25 * plot.width(), plot.center().y()), -2); // two notches out
        QCOMPARE(page.range(), 375); // 240 / 0.8 / 0.8
        const auto [after, afterEnd] = page.shownSpan();
        QVERIFY2(std::abs(after + 0.25 * (afterEnd - after) - anchor) <= 1.5,
            qPrintable(QStringLiteral("anchor %1 s off").arg(after + 0.25 * (afterEnd - after) - anchor)));

        // Zoom stops at a minute and at a day; a range button brings the plain view back.
        wheel(plot.center(), 40);
        QCOMPARE(page.range(), DashboardPage::kMinRange);
        wheel(plot.center(), -80);
        QCOMPARE(page.range(), DashboardPage::kMaxRange);
        QVERIFY(page.findChild<QAbstractButton *>(QStringLiteral("range86400"))->isChecked());
        QTest::mouseClick(page.findChild<QAbstractButton *>(QStringLiteral("range300")), Qt::LeftButton);
        QCOMPARE(page.range(), 300);
    }
};

QTEST_MAIN(TestDashboardPage)
#include "tst_dashboardpage.moc"
