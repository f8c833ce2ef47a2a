// SPDX-License-Identifier: MIT
// The guard's acceptance on the real, labelled traces recorded on a PostgreSQL 15 server (tests/data/traces).
#include "collect/tracereader.h"
#include "guard/tracereplayer.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QTest>

#include <algorithm>

using namespace vigil;

namespace {

const QString kTraces = QStringLiteral(VIGIL_TEST_DATA "/traces");

QJsonObject labels()
{
    QFile file(kTraces + QStringLiteral("/labels.json"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

double medianOf(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

ReplayedAction replayOne(const QString &name, DegradationDetector::Kind kind)
{
    TraceReader reader;
    const std::optional<Trace> trace = reader.readFile(kTraces + u'/' + name);
    if (!trace)
        qFatal("cannot read %s: %s", qPrintable(name), qPrintable(reader.error().toString()));
    const std::vector<ReplayedAction> results = TraceReplayer(GuardPolicy {}, kind).replay(*trace);
    if (results.size() != 1)
        qFatal("%s: expected one action", qPrintable(name));
    return results.front();
}

} // namespace

class TestTraceReplayer : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QLocale::setDefault(QLocale::c());
        QVERIFY2(labels().size() >= 5, "tests/data/traces/labels.json is missing or empty");
    }

    void matchesLabels_data()
    {
        QTest::addColumn<QString>("trace");
        QTest::addColumn<QString>("label");
        QTest::addColumn<double>("p95ChangePct");
        const QJsonObject all = labels();
        for (auto it = all.begin(); it != all.end(); ++it) {
            const QJsonObject l = it.value().toObject();
            QTest::newRow(qPrintable(it.key())) << it.key() << l.value(QLatin1StringView("label")).toString()
                                                << l.value(QLatin1StringView("p95_change_pct")).toDouble();
        }
    }

    void matchesLabels()
    {
        QFETCH(QString, trace);
        QFETCH(QString, label);
        QFETCH(double, p95ChangePct);
        const ReplayedAction r = replayOne(trace, DegradationDetector::Kind::Vigil);
        const bool harmful = label == QLatin1StringView("harmful");
        QVERIFY2(r.verdict.isRollback() == harmful,
            qPrintable(QStringLiteral("%1 is %2 but the guard said %3: %4")
                           .arg(trace, label, Verdict::decisionName(r.verdict.decision), r.verdict.reason)));
        if (harmful && p95ChangePct >= 100.0) {
            // A harm of 2x or more is decided within two samples of the window (10 s at the defaults).
            const double delay = r.verdict.decidedT - r.action.finishedT;
            QVERIFY2(delay <= 2 * GuardPolicy {}.intervalSeconds + 1.0,
                qPrintable(QStringLiteral("decided after %1 s").arg(delay)));
        }
    }

    void fasterThanTheFloorRule()
    {
        std::vector<double> vigilDelays;
        std::vector<double> floorDelays;
        const QJsonObject all = labels();
        for (auto it = all.begin(); it != all.end(); ++it) {
            if (it.value().toObject().value(QLatin1StringView("label")).toString() != QLatin1StringView("harmful"))
                continue;
            const ReplayedAction v = replayOne(it.key(), DegradationDetector::Kind::Vigil);
            const ReplayedAction f = replayOne(it.key(), DegradationDetector::Kind::Floor);
            QVERIFY(v.verdict.isRollback());
            vigilDelays.push_back(v.verdict.decidedT - v.action.finishedT);
            // A harm the floor rule never catches counts as the whole window.
            floorDelays.push_back(
                f.verdict.isRollback() ? f.verdict.decidedT - f.action.finishedT : GuardPolicy {}.windowSeconds);
        }
        QVERIFY(!vigilDelays.empty());
        const double vigil = medianOf(vigilDelays);
        const double floor = medianOf(floorDelays);
        qInfo("median detection delay over harmful traces: vigil %.1f s, floor %.1f s", vigil, floor);
        // Faster than the plain rule, though no longer twice as fast: the noise margin chosen on the lab's tuning
        // part (2.5 times the baseline's own noise, docs/guard.md) waits a sample longer on t05's +35 %.
        QVERIFY2(vigil < floor, qPrintable(QStringLiteral("vigil %1 s vs floor %2 s").arg(vigil).arg(floor)));
    }

    void floorRuleFallsForTheBurst()
    {
        // Why the refinements exist: the plain rule rolls back a harmless ANALYZE because of a later load burst.
        const ReplayedAction f
            = replayOne(QStringLiteral("t17_lookup_open_analyze_burst.jsonl"), DegradationDetector::Kind::Floor);
        QVERIFY(f.verdict.isRollback());
        const ReplayedAction v
            = replayOne(QStringLiteral("t17_lookup_open_analyze_burst.jsonl"), DegradationDetector::Kind::Vigil);
        QVERIFY2(!v.verdict.isRollback(), qPrintable(v.verdict.reason));
    }

    void rollbackReasonNamesTheStatement()
    {
        const ReplayedAction r
            = replayOne(QStringLiteral("t15_lookup_open_drop_sku_idx.jsonl"), DegradationDetector::Kind::Vigil);
        QVERIFY(r.verdict.isRollback());
        QVERIFY2(r.verdict.reason.contains(QLatin1StringView("WHERE sku")), qPrintable(r.verdict.reason));
        QVERIFY(!r.verdict.regressed.empty());
        QCOMPARE(r.verdict.regressed.front().text, QStringLiteral("SELECT id, price, qty FROM items WHERE sku = $1"));
    }

    void worksAtTestIntervals()
    {
        // The short shapes the live tests use (1 s samples, 15 s windows) read the same traces the same way.
        GuardPolicy policy;
        policy.intervalSeconds = 1;
        policy.windowSeconds = 15;
        policy.baselineSeconds = 20;
        TraceReader reader;
        for (const QString &name : { QStringLiteral("t15_lookup_open_drop_sku_idx.jsonl"),
                 QStringLiteral("t01_tpcb_open_idx_unused.jsonl") }) {
            const std::optional<Trace> trace = reader.readFile(kTraces + u'/' + name);
            QVERIFY(trace);
            const std::vector<ReplayedAction> r
                = TraceReplayer(policy, DegradationDetector::Kind::Vigil).replay(*trace);
            QCOMPARE(r.size(), std::size_t(1));
            QCOMPARE(r.front().verdict.isRollback(), name.startsWith(QLatin1StringView("t15")));
        }
    }

    void jsonLineHasTheDocumentedShape()
    {
        const ReplayedAction r
            = replayOne(QStringLiteral("t05_tpcb_open_sync_commit_on.jsonl"), DegradationDetector::Kind::Vigil);
        const QByteArray line = TraceReplayer::toJsonLine(r);
        QVERIFY(line.startsWith("{\"action_id\":\"a1\",\"verdict\":\"rollback\",\"decided_t\":"));
        QJsonParseError error;
        const QJsonObject o = QJsonDocument::fromJson(line, &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(o.keys(),
            QStringList({ QStringLiteral("action_id"), QStringLiteral("decided_t"), QStringLiteral("reason"),
                QStringLiteral("verdict") }));
        QVERIFY(o.value(QLatin1StringView("decided_t")).toDouble() > 65.0);
    }
};

QTEST_GUILESS_MAIN(TestTraceReplayer)
#include "tst_tracereplayer.moc"
