// SPDX-License-Identifier: MIT
// The engine's way to a verdict (GuardSampler: ticks handed over one at a time, the window fed as they arrive, the
// window opened when the executor reports the action done) against the replayer's (the whole trace at once), on the
// same real traces: a verdict measured in replay is the verdict the engine gives live, at both shapes.
#include "collect/tracereader.h"
#include "guard/guardsampler.h"
#include "guard/tracereplayer.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QProcess>
#include <QTest>

using namespace vigil;

Q_DECLARE_METATYPE(vigil::GuardPolicy)

namespace {

const QString kData = QStringLiteral(VIGIL_TEST_DATA);

std::optional<Trace> loadTrace(const QString &path, QString *error)
{
    QByteArray bytes;
    if (path.endsWith(QLatin1StringView(".gz"))) {
        QProcess gzip;
        gzip.start(QStringLiteral("gzip"), { QStringLiteral("-dc"), path });
        if (!gzip.waitForFinished(60000) || gzip.exitCode() != 0) {
            *error = QStringLiteral("gzip -dc %1 failed").arg(path);
            return std::nullopt;
        }
        bytes = gzip.readAllStandardOutput();
    } else {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            *error = file.errorString();
            return std::nullopt;
        }
        bytes = file.readAll();
    }
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::ReadOnly);
    TraceReader reader;
    std::optional<Trace> trace = reader.read(buffer);
    if (!trace)
        *error = reader.error().toString();
    return trace;
}

/// The trace's first action as the live engine sees it.
std::optional<Verdict> liveVerdict(const Trace &trace, const GuardPolicy &policy)
{
    const TraceAction &action = trace.actions.front();
    GuardSampler sampler(policy, trace.tickSeconds);
    sampler.restartBaseline();
    bool applied = false;
    for (const Snapshot &tick : trace.snapshots) {
        if (!applied && tick.t >= action.finishedT) {
            // The executor's "applied" arrives before the first tick after it.
            sampler.openWindow(action.t, action.finishedT, trace.statementTexts,
                ActionReach::ofAction(action.kind, action.applySql, action.rollbackSql));
            applied = true;
        }
        sampler.addTick(tick, true, true);
        sampler.trim(applied ? std::nullopt : std::optional<double>(action.t));
        if (applied) {
            if (const GuardSampler::WindowStep step = sampler.feedWindow(tick.t); step.verdict)
                return step.verdict;
        }
    }
    // Past the trace's end time goes on without ticks: the window reads gaps, as the replayer does.
    double now = trace.snapshots.back().t;
    for (int i = 0; applied && i < 100000; ++i) {
        now += trace.tickSeconds;
        if (const GuardSampler::WindowStep step = sampler.feedWindow(now); step.verdict)
            return step.verdict;
    }
    return std::nullopt;
}

GuardPolicy shape(double interval, double window, double baseline)
{
    GuardPolicy p;
    p.intervalSeconds = interval;
    p.windowSeconds = window;
    p.baselineSeconds = baseline;
    return p;
}

} // namespace

class TestGuardSampler : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }

    void liveAndReplayDecideAlike_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<GuardPolicy>("policy");
        QTest::addColumn<double>("buildSeconds"); ///< > 0: the action is taken to finish this long after it started
        // The five shared traces and, from the lab, one trace of each kind the guard meets (a plan harm, a commit
        // wait, a near-threshold harm, a harmless index, outside load), at the production shape and the tests'.
        QStringList paths;
        for (const QString &name : QDir(kData + QStringLiteral("/traces")).entryList({ QStringLiteral("*.jsonl") }))
            paths << kData + QStringLiteral("/traces/") + name;
        for (const char *name : { "lookup_open_drop_sku_idx", "rw3_open_sync_commit_on", "rw3_open_commit_delay_100",
                 "insert_open_btree_random_text", "rw3_open_cpu_hog", "selectonly_open_log_statement_all" }) {
            const QString path = kData + QStringLiteral("/lab/%1.jsonl.gz").arg(QLatin1StringView(name));
            if (QFile::exists(path))
                paths << path;
        }
        for (const QString &path : paths) {
            const QString name = QFileInfo(path).fileName().section(u'.', 0, 0);
            QTest::newRow(qPrintable(name + QStringLiteral(" at 5 s / 60 s"))) << path << shape(5, 60, 60) << 0.0;
            QTest::newRow(qPrintable(name + QStringLiteral(" at 1 s / 15 s"))) << path << shape(1, 15, 20) << 0.0;
        }
        // Every recorded action finished within a second; an index build can take minutes. The same ticks, with the
        // action taken to end 40 s after it started: the window must open after that, on both paths.
        for (const char *name : { "lookup_open_drop_sku_idx", "insert_open_btree_random_text" }) {
            const QString path = kData + QStringLiteral("/lab/%1.jsonl.gz").arg(QLatin1StringView(name));
            if (!QFile::exists(path))
                continue;
            QTest::newRow(qPrintable(QStringLiteral("%1, a 40 s build, at 5 s / 60 s").arg(QLatin1StringView(name))))
                << path << shape(5, 60, 60) << 40.0;
            QTest::newRow(qPrintable(QStringLiteral("%1, a 40 s build, at 1 s / 15 s").arg(QLatin1StringView(name))))
                << path << shape(1, 15, 20) << 40.0;
        }
    }

    void liveAndReplayDecideAlike()
    {
        QFETCH(QString, path);
        QFETCH(GuardPolicy, policy);
        QFETCH(double, buildSeconds);
        QString error;
        std::optional<Trace> trace = loadTrace(path, &error);
        QVERIFY2(trace, qPrintable(error));
        QVERIFY(!trace->actions.empty());
        if (buildSeconds > 0)
            trace->actions.front().finishedT = trace->actions.front().t + buildSeconds;
        QVERIFY2(policy.validate(trace->tickSeconds).isEmpty(), qPrintable(policy.validate(trace->tickSeconds)));

        const std::vector<ReplayedAction> replayed
            = TraceReplayer(policy, DegradationDetector::Kind::Vigil).replay(*trace);
        const Verdict &expected = replayed.front().verdict;
        const std::optional<Verdict> live = liveVerdict(*trace, policy);
        QVERIFY2(live, "the live path never decided");
        QCOMPARE(live->isRollback(), expected.isRollback());
        QCOMPARE(live->reason, expected.reason);
        QCOMPARE(live->decidedT, expected.decidedT);
        QCOMPARE(live->unverified, expected.unverified);
    }

    void theBaselineIsReadyAfterItsLengthOfCompleteTicks()
    {
        GuardSampler sampler(shape(1, 15, 20), 1.0);
        sampler.restartBaseline();
        Snapshot tick;
        tick.hasStatements = true;
        for (int t = 0; t < 20; ++t) {
            tick.t = 1000 + t;
            sampler.addTick(tick, true, true);
            QVERIFY(!sampler.baselineReady());
        }
        tick.t = 1020;
        sampler.addTick(tick, true, true);
        QVERIFY(sampler.baselineReady());

        // A tick without pg_stat_statements (on a server that has it) starts the baseline again...
        tick.t = 1021;
        tick.hasStatements = false;
        sampler.addTick(tick, true, true);
        QVERIFY(!sampler.baselineReady());
        // ...while a server without it makes every tick complete: a baseline of what there is, never a wait forever.
        GuardSampler without(shape(1, 15, 20), 1.0);
        for (int t = 0; t <= 20; ++t) {
            tick.t = 2000 + t;
            without.addTick(tick, true, false);
        }
        QVERIFY(without.baselineReady());
        // A collector gap starts it again too.
        without.collectorGap();
        QVERIFY(!without.baselineReady());
    }
};

QTEST_MAIN(TestGuardSampler)
#include "tst_guardsampler.moc"
