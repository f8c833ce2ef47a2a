// SPDX-License-Identifier: MIT
// Every detector on hand-built Samples and catalogs: each case of each detector, sustained against transient.
#include "analyse/analyser.h"
#include "analyse/detectors.h"

#include <QTest>

#include <numeric>
#include <optional>

using namespace vigil;

namespace {

constexpr double kGiB = 1024.0 * 1024 * 1024;
constexpr double kMiB = 1024.0 * 1024;

struct Sessions
{
    double active = 2;
    double idle = 5;
    double idleInTx = 0;
    double max = 200;
    std::optional<double> cpu = 20.0;
    std::optional<double> mem = 40.0;
};

Sample sessionSample(double t, const Sessions &s)
{
    Sample x;
    x.tStart = t - 5;
    x.tEnd = t;
    x.valid = true;
    x.sessionsActive = s.active;
    x.sessionsIdle = s.idle;
    x.sessionsIdleInTransaction = s.idleInTx;
    x.sessionsTotal = s.active + s.idle + s.idleInTx;
    x.maxConnections = s.max;
    x.cpuPct = s.cpu;
    x.memPct = s.mem;
    return x;
}

/// `n` samples of which those at the indexes in `hot` have the condition.
std::vector<Sample> series(int n, const std::vector<int> &hot, const Sessions &normal, const Sessions &condition)
{
    std::vector<Sample> out;
    for (int i = 0; i < n; ++i)
        out.push_back(
            sessionSample(5.0 * (i + 1), std::find(hot.begin(), hot.end(), i) != hot.end() ? condition : normal));
    return out;
}

std::vector<int> all(int n)
{
    std::vector<int> v(static_cast<std::size_t>(n));
    std::iota(v.begin(), v.end(), 0);
    return v;
}

// A copy, not a pointer: callers pass the detector's result straight in, a temporary gone by the next line (a
// heap-use-after-free ThreadSanitizer found).
std::optional<Finding> find(const std::vector<Finding> &findings, const QString &condition)
{
    for (const Finding &f : findings)
        if (f.condition == condition)
            return f;
    return std::nullopt;
}

Sample cacheSample(double t, double hitRatio, double readsPerSecond)
{
    Sample s;
    s.tStart = t - 5;
    s.tEnd = t;
    s.valid = true;
    s.cacheHitRatio = hitRatio;
    s.blocksReadPerSecond = readsPerSecond;
    return s;
}

} // namespace

class TestDetectors : public QObject
{
    Q_OBJECT

private slots:
    void idleInTransactionHoardingProposesTimeout()
    {
        AnalysisInput in;
        in.samples = series(6, all(6), {}, { 1, 10, 150, 200, 5.0 });
        const std::vector<Finding> f = ConnectionPoolDetector::analyse(in);
        const std::optional<Finding> hoard = find(f, QStringLiteral("idle_in_transaction_hoarding"));
        QVERIFY(hoard);
        QCOMPARE(hoard->severity, Severity::Critical);
        QVERIFY(hoard->recommendation);
        QCOMPARE(hoard->recommendation->sql,
            QStringLiteral("ALTER SYSTEM SET idle_in_transaction_session_timeout = '5min'"));
        QCOMPARE(hoard->evidence.value(QLatin1StringView("samples_matching")).toInt(), 6);
        QVERIFY(!find(f, QStringLiteral("cpu_saturated_by_active_sessions")));
    }

    void idleHoardingWithoutTransactionsIsAdviceOnly()
    {
        AnalysisInput in;
        in.samples = series(6, all(6), {}, { 1, 150, 0, 200, 5.0 });
        const std::optional<Finding> f
            = find(ConnectionPoolDetector::analyse(in), QStringLiteral("idle_sessions_hoarding"));
        QVERIFY(f);
        QVERIFY(!f->recommendation);
        QVERIFY(f->advice.contains(QLatin1StringView("pooler")));
    }

    void idleHoardingNeedsLowCpuButOpenTransactionsDoNot()
    {
        // Idle slots on a busy CPU: no room they could use, nothing to say.
        AnalysisInput idle;
        idle.samples = series(6, all(6), {}, { 1, 150, 0, 200, 85.0 });
        QVERIFY(!find(ConnectionPoolDetector::analyse(idle), QStringLiteral("idle_sessions_hoarding")));
        // Sessions idle in open transactions hold locks and stop vacuum whatever the CPU does (live, tst_analyser:
        // 150 of them went unreported while another program kept the CPU over 50 %).
        AnalysisInput open;
        open.samples = series(6, all(6), {}, { 1, 10, 150, 200, 85.0 });
        const std::optional<Finding> f
            = find(ConnectionPoolDetector::analyse(open), QStringLiteral("idle_in_transaction_hoarding"));
        QVERIFY(f);
        QVERIFY2(f->summary.contains(QLatin1StringView("busy (85%)")), qPrintable(f->summary));
    }

    void existingShorterTimeoutIsNotProposedAgain()
    {
        AnalysisInput in;
        in.samples = series(6, all(6), {}, { 1, 10, 150, 200, 5.0 });
        in.catalog.settings.idleInTransactionTimeoutMs = 60000;
        const std::optional<Finding> f
            = find(ConnectionPoolDetector::analyse(in), QStringLiteral("idle_in_transaction_hoarding"));
        QVERIFY(f);
        QVERIFY(!f->recommendation);
    }

    void transientConditionsDoNotFire_data()
    {
        QTest::addColumn<Sessions>("condition");
        QTest::addColumn<QString>("name");
        QTest::newRow("hoarding") << Sessions { 1, 10, 150, 200, 5.0 }
                                  << QStringLiteral("idle_in_transaction_hoarding");
        QTest::newRow("saturated") << Sessions { 40, 5, 0, 200, 98.0 }
                                   << QStringLiteral("cpu_saturated_by_active_sessions");
        QTest::newRow("near max") << Sessions { 5, 180, 0, 200, 30.0, 95.0 }
                                  << QStringLiteral("near_max_connections_memory_pressure");
    }
    void transientConditionsDoNotFire()
    {
        QFETCH(Sessions, condition);
        QFETCH(QString, name);
        AnalysisInput in;
        // One burst of two samples in ten: not sustained.
        in.samples = series(10, { 4, 5 }, {}, condition);
        QVERIFY(!find(ConnectionPoolDetector::analyse(in), name));
        // The same condition over nine samples of ten is.
        in.samples = series(10, { 0, 1, 2, 3, 4, 5, 6, 7, 8 }, {}, condition);
        QVERIFY(find(ConnectionPoolDetector::analyse(in), name));
    }

    void saturatedCpuIsAdviceOnlyAndNamesTheCase()
    {
        AnalysisInput in;
        in.samples = series(6, all(6), {}, { 40, 5, 0, 200, 98.0 });
        const std::vector<Finding> f = ConnectionPoolDetector::analyse(in);
        const std::optional<Finding> sat = find(f, QStringLiteral("cpu_saturated_by_active_sessions"));
        QVERIFY(sat);
        QVERIFY(!sat->recommendation);
        QVERIFY(!find(f, QStringLiteral("idle_in_transaction_hoarding")));
        QVERIFY(!find(f, QStringLiteral("near_max_connections_memory_pressure")));
    }

    void nearMaxNeedsMemoryPressure()
    {
        AnalysisInput in;
        in.samples = series(6, all(6), {}, { 5, 180, 0, 200, 30.0, 60.0 });
        QVERIFY(!find(ConnectionPoolDetector::analyse(in), QStringLiteral("near_max_connections_memory_pressure")));
        in.samples = series(6, all(6), {}, { 5, 180, 0, 200, 30.0, 95.0 });
        const std::optional<Finding> f
            = find(ConnectionPoolDetector::analyse(in), QStringLiteral("near_max_connections_memory_pressure"));
        QVERIFY(f);
        QVERIFY(!f->recommendation);
    }

    void unavailableMetricsDoNotCount()
    {
        AnalysisInput in;
        Sessions noCpu { 40, 5, 0, 200, std::nullopt };
        in.samples = series(6, all(6), {}, noCpu);
        QVERIFY(!find(ConnectionPoolDetector::analyse(in), QStringLiteral("cpu_saturated_by_active_sessions")));
    }

    void cacheFiresOnlyWhenTheDatabaseDoesNotFit()
    {
        AnalysisInput in;
        for (int i = 1; i <= 6; ++i)
            in.samples.push_back(cacheSample(5.0 * i, 0.80, 5000));
        in.catalog.settings.sharedBuffersBytes = 128 * kMiB;
        in.catalog.settings.effectiveCacheSizeBytes = 4 * kGiB;
        in.hostMemoryBytes = 24 * kGiB;
        in.catalog.databaseSizeBytes = 100 * kMiB; // fits: a poor ratio is warm-up
        QVERIFY(CacheDetector::analyse(in).empty());
        in.catalog.databaseSizeBytes = 2 * kGiB;
        const std::vector<Finding> f = CacheDetector::analyse(in);
        const std::optional<Finding> size = find(f, QStringLiteral("working_set_exceeds_cache"));
        QVERIFY(size);
        QVERIFY(size->recommendation);
        QVERIFY(size->recommendation->needsRestart);
        // min(25% of 24 GB, 1.2 x 2 GB) rounded up to 128 MB
        QCOMPARE(size->recommendation->sql, QStringLiteral("ALTER SYSTEM SET shared_buffers = '2560MB'"));
        const std::optional<Finding> ecs = find(f, QStringLiteral("effective_cache_size_low"));
        QVERIFY(ecs);
        QVERIFY(!ecs->recommendation->needsRestart);
        QCOMPARE(ecs->recommendation->sql, QStringLiteral("ALTER SYSTEM SET effective_cache_size = '18GB'"));
    }

    void cacheNeedsSustainedPoorRatioAndReads()
    {
        AnalysisInput in;
        in.catalog.settings.sharedBuffersBytes = 128 * kMiB;
        in.catalog.databaseSizeBytes = 2 * kGiB;
        in.hostMemoryBytes = 24 * kGiB;
        for (int i = 1; i <= 6; ++i)
            in.samples.push_back(cacheSample(5.0 * i, 0.80, 50)); // poor ratio, but hardly any reads
        QVERIFY(CacheDetector::analyse(in).empty());
        in.samples.clear();
        for (int i = 1; i <= 10; ++i)
            in.samples.push_back(cacheSample(5.0 * i, i == 3 || i == 4 ? 0.5 : 0.999, 5000)); // a transient dip
        QVERIFY(CacheDetector::analyse(in).empty());
    }

    void cacheWithoutHostMemoryProposesNothing()
    {
        AnalysisInput in;
        for (int i = 1; i <= 6; ++i)
            in.samples.push_back(cacheSample(5.0 * i, 0.7, 5000));
        in.catalog.settings.sharedBuffersBytes = 128 * kMiB;
        in.catalog.databaseSizeBytes = 2 * kGiB;
        const std::vector<Finding> f = CacheDetector::analyse(in);
        QCOMPARE(f.size(), std::size_t(1));
        QVERIFY(!f.front().recommendation);
        QVERIFY(f.front().advice.contains(QLatin1StringView("unavailable")));
        QCOMPARE(
            f.front().evidence.value(QLatin1StringView("host_memory_mb")).toString(), QStringLiteral("unavailable"));
    }

    void missingIndexNeedsRatesAndAnIndexableColumn()
    {
        AnalysisInput in;
        TableStats items { QStringLiteral("public"), QStringLiteral("items"), 10, 10e6, 0, 1e6, 100 * kMiB,
            { QStringLiteral("id"), QStringLiteral("sku"), QStringLiteral("price") } };
        StatementStats lookup { 7, QStringLiteral("SELECT id, price FROM items WHERE sku = $1"), 10, 1000, 0, 0 };
        CatalogSnapshot before;
        before.t = 100;
        before.tables = { items };
        before.statements = { lookup };
        CatalogSnapshot now = before;
        now.t = 110;
        now.tables[0].seqTupRead += 20e6; // 2 M rows/s
        now.statements[0].calls += 20;
        in.catalog = now;
        QVERIFY(MissingIndexDetector::candidates(in).empty()); // no previous reading: no rate
        in.previousCatalog = before;
        std::vector<IndexCandidate> c = MissingIndexDetector::candidates(in);
        QCOMPARE(c.size(), std::size_t(1));
        QCOMPARE(c[0].columns, QStringList { QStringLiteral("sku") });
        QCOMPARE(c[0].createSql,
            QStringLiteral("CREATE INDEX CONCURRENTLY \"vigil_items_sku_idx\" ON \"public\".\"items\" (\"sku\")"));
        QCOMPARE(c[0].statements, std::vector<qint64> { 7 });

        // An index led by the column already serves it.
        IndexStats existing;
        existing.schema = QStringLiteral("public");
        existing.table = QStringLiteral("items");
        existing.name = QStringLiteral("items_sku");
        existing.leadingColumn = QStringLiteral("sku");
        in.catalog.indexes = { existing };
        QVERIFY(MissingIndexDetector::candidates(in).empty());
        // ... unless it is INVALID (a failed concurrent build).
        in.catalog.indexes[0].valid = false;
        QCOMPARE(MissingIndexDetector::candidates(in).size(), std::size_t(1));
        in.catalog.indexes.clear();

        // A small table is left alone; so is a slow trickle of scans.
        in.catalog.tables[0].liveTuples = 500;
        QVERIFY(MissingIndexDetector::candidates(in).empty());
        in.catalog.tables[0].liveTuples = 1e6;
        in.catalog.tables[0].seqTupRead = before.tables[0].seqTupRead + 1000;
        QVERIFY(MissingIndexDetector::candidates(in).empty());
    }

    void missingIndexOnTheColumnsAStatementNarrowsTogether()
    {
        // WHERE region = $1 AND kind = $2 AND placed >= $3: one index, the equality columns first, then the range.
        // An expression of parameters is a value like any other (md5($1::text)); an OR-ed column is its own index.
        AnalysisInput in;
        TableStats orders { QStringLiteral("public"), QStringLiteral("orders"), 10, 10e6, 0, 1e6, 100 * kMiB,
            { QStringLiteral("id"), QStringLiteral("region"), QStringLiteral("kind"), QStringLiteral("placed"),
                QStringLiteral("sku") } };
        StatementStats lookup { 7,
            QStringLiteral("SELECT o.id FROM public.orders o WHERE o.region = $1 AND o.kind = lower($2) AND o.placed "
                           ">= $3::date"),
            10, 1000, 0, 0 };
        CatalogSnapshot before;
        before.t = 100;
        before.tables = { orders };
        before.statements = { lookup };
        CatalogSnapshot now = before;
        now.t = 110;
        now.tables[0].seqTupRead += 20e6;
        now.statements[0].calls += 20;
        in.catalog = now;
        in.previousCatalog = before;
        std::vector<IndexCandidate> c = MissingIndexDetector::candidates(in);
        QCOMPARE(c.size(), std::size_t(1));
        QCOMPARE(
            c[0].columns, QStringList({ QStringLiteral("region"), QStringLiteral("kind"), QStringLiteral("placed") }));
        QCOMPARE(c[0].createSql,
            QStringLiteral("CREATE INDEX CONCURRENTLY \"vigil_orders_region_kind_placed_idx\" ON \"public\".\"orders\" "
                           "(\"region\", \"kind\", \"placed\")"));

        // A lookup by a hashed parameter: the column alone.
        in.catalog.statements[0].text = QStringLiteral("SELECT id FROM orders WHERE sku = md5($1::text)");
        in.previousCatalog->statements[0].text = in.catalog.statements[0].text;
        c = MissingIndexDetector::candidates(in);
        QCOMPARE(c.size(), std::size_t(1));
        QCOMPARE(c[0].columns, QStringList { QStringLiteral("sku") });
        // Either of two columns (OR): no index on both; the first is proposed on its own.
        in.catalog.statements[0].text = QStringLiteral("SELECT id FROM orders WHERE region = $1 OR kind = $2");
        c = MissingIndexDetector::candidates(in);
        QCOMPARE(c.size(), std::size_t(1));
        QCOMPARE(c[0].columns.size(), 1);
    }

    void missingIndexWhatIfDecides()
    {
        AnalysisInput in;
        CatalogSnapshot before;
        before.t = 0;
        before.hypopgAvailable = true;
        before.tables = { { QStringLiteral("public"), QStringLiteral("items"), 1, 0, 0, 1e6, 1, {} } };
        before.statements = { { 7, QStringLiteral("SELECT * FROM items WHERE sku = $1"), 0, 0, 0, 0 } };
        in.previousCatalog = before;
        in.catalog = before;
        in.catalog.t = 10;
        in.catalog.tables[0].seqTupRead = 1e8;
        in.catalog.statements[0].calls = 100;
        const auto whatIf = [](double reduction) {
            return [reduction](const IndexCandidate &, QString *) -> std::optional<QJsonObject> {
                return QJsonObject { { QStringLiteral("cost_reduction"), reduction } };
            };
        };
        std::vector<Finding> f = Analyser::analyse(in, whatIf(0.1));
        QCOMPARE(f.size(), std::size_t(1));
        QVERIFY(!f[0].recommendation);
        f = Analyser::analyse(in, whatIf(0.9));
        QVERIFY(f[0].recommendation);
        QCOMPARE(f[0].evidence.value(QLatin1StringView("what_if"))
                     .toObject()
                     .value(QLatin1StringView("cost_reduction"))
                     .toDouble(),
            0.9);
        // A validation that cannot run leaves the candidate unvalidated (proposed, saying so), not rejected.
        f = Analyser::analyse(in, [](const IndexCandidate &, QString *why) -> std::optional<QJsonObject> {
            *why = QStringLiteral("permission denied for function hypopg_create_index");
            return std::nullopt;
        });
        QVERIFY(f[0].recommendation);
        QVERIFY(f[0].advice.contains(QLatin1StringView("permission denied")));
    }

    void unusedIndexSkipsConstraintsYoungStatsAndSmallOnes()
    {
        AnalysisInput in;
        in.catalog.statsAgeSeconds = 30 * 86400.0;
        IndexStats unused;
        unused.schema = QStringLiteral("public");
        unused.table = QStringLiteral("t");
        unused.name = QStringLiteral("x\"; DROP TABLE t; --");
        unused.sizeBytes = 100 * kMiB;
        IndexStats pk = unused;
        pk.name = QStringLiteral("t_pkey");
        pk.unique = true;
        pk.backsConstraint = true;
        IndexStats fk = unused;
        fk.name = QStringLiteral("t_parent_idx");
        fk.supportsForeignKey = true;
        IndexStats small = unused;
        small.name = QStringLiteral("t_small");
        small.sizeBytes = 64 * 1024;
        IndexStats used = unused;
        used.name = QStringLiteral("t_used");
        used.idxScan = 3;
        in.catalog.indexes = { unused, pk, fk, small, used };
        std::vector<Finding> f = UnusedIndexDetector::analyse(in);
        QCOMPARE(f.size(), std::size_t(1));
        // The hostile name stays one quoted identifier.
        QCOMPARE(
            f[0].recommendation->sql, QStringLiteral("DROP INDEX CONCURRENTLY \"public\".\"x\"\"; DROP TABLE t; --\""));
        in.catalog.statsAgeSeconds = 3600;
        QVERIFY(UnusedIndexDetector::analyse(in).empty());
        in.catalog.statsAgeSeconds.reset();
        QVERIFY(UnusedIndexDetector::analyse(in).empty());
    }

    void spillsProposeBoundedWorkMem()
    {
        AnalysisInput in;
        for (int i = 1; i <= 6; ++i) {
            Sample s = cacheSample(5.0 * i, 0.99, 0);
            s.tempBytesPerSecond = 20 * kMiB;
            in.samples.push_back(s);
        }
        in.catalog.settings.workMemBytes = 64 * 1024;
        in.catalog.settings.maxConnections = 100;
        in.hostMemoryBytes = 16 * kGiB;
        CatalogSnapshot before;
        before.statements = { { 9, QStringLiteral("SELECT * FROM t ORDER BY v"), 10, 100, 0, 0 } };
        in.previousCatalog = before;
        in.catalog.statements = { { 9, QStringLiteral("SELECT * FROM t ORDER BY v"), 20, 200, 10 * 512, 0 } };
        // 512 blocks = 4 MB per call -> 8 MB, a power of two; the ceiling 25% x 16 GB / 100 = 41 MB allows it.
        std::vector<Finding> f = SpillDetector::analyse(in);
        QCOMPARE(f.size(), std::size_t(1));
        QCOMPARE(f[0].recommendation->sql, QStringLiteral("ALTER SYSTEM SET work_mem = '8MB'"));
        // With 5,000 connections the bound (0.8 MB) leaves no room for a larger work_mem.
        in.catalog.settings.maxConnections = 5000;
        in.catalog.settings.workMemBytes = 1024 * 1024;
        f = SpillDetector::analyse(in);
        QCOMPARE(f.size(), std::size_t(1));
        QVERIFY(!f[0].recommendation);
        // Transient spills do not fire.
        for (std::size_t i = 0; i < in.samples.size(); ++i)
            in.samples[i].tempBytesPerSecond = i == 2 ? 20 * kMiB : 0.0;
        QVERIFY(SpillDetector::analyse(in).empty());
    }
};

QTEST_GUILESS_MAIN(TestDetectors)
#include "tst_detectors.moc"
