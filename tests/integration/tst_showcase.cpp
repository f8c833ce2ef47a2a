// SPDX-License-Identifier: MIT
// `vigil --sandbox` shows the whole product: its showcase (a lookup without its index, a client hoarding sessions
// idle in a transaction) is found by the real engine's detectors, and in Approve mode the fixes wait for a person.
#include "Engine.h"
#include "act/actionfromsql.h"
#include "events/eventbus.h"
#include "sandbox.h"
#include "sandboxshowcase.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace vigil;

class TestShowcase : public QObject
{
    Q_OBJECT

    std::unique_ptr<Sandbox> m_sandbox;
    QTemporaryDir m_dir;

    QString query(const QString &sql) const
    {
        QProcess psql;
        psql.start(QStringLiteral("psql"),
            { QStringLiteral("-X"), QStringLiteral("-At"), m_sandbox->conninfo(), QStringLiteral("-c"), sql });
        psql.waitForFinished(15000);
        return QString::fromUtf8(psql.readAllStandardOutput()).trimmed();
    }

private slots:
    void initTestCase()
    {
        SandboxOptions options;
        options.scale = 1;
        options.showcase = true;
        m_sandbox = std::make_unique<Sandbox>(options);
        QStringList steps;
        m_sandbox->setProgressCallback([&steps](const QString &step) { steps << step; });
        QString error;
        QVERIFY2(m_sandbox->start(&error), qPrintable(error));
        QCOMPARE(steps.last(), QStringLiteral("adding a missing index and a hoarding client"));
    }

    void cleanupTestCase() { m_sandbox.reset(); }

    void theShowcaseRuns()
    {
        const SandboxShowcase *showcase = m_sandbox->showcase();
        QVERIFY(showcase);
        QVERIFY(showcase->isLookupRunning());
        QVERIFY(showcase->isHoarderRunning());
        QCOMPARE(
            query(QStringLiteral("SELECT count(*) FROM showcase_items")), QString::number(SandboxShowcase::kItems));
        QCOMPARE(query(QStringLiteral("SELECT count(*) FROM pg_indexes WHERE tablename = 'showcase_items'")),
            QStringLiteral("0"));
        // At least the hoarder's sessions (the pgbench workload's own pass through "idle in transaction" between
        // the statements of a transaction, a moment each).
        const QString idleInTransaction = QStringLiteral("SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in "
                                                         "transaction' AND datname = current_database()");
        QTRY_VERIFY2_WITH_TIMEOUT(query(idleInTransaction).toInt() >= SandboxShowcase::kHoardedSessions,
            qPrintable(query(idleInTransaction)), 10000);
        QVERIFY(SandboxShowcase::whatToTry().contains(QLatin1StringView("Guarded change")));
    }

    void theEngineFindsBothAndAsksBeforeFixing()
    {
        EngineConfig config;
        config.targetConninfo = m_sandbox->conninfo();
        config.storeLocation = m_dir.filePath(QStringLiteral("showcase.sqlite"));
        config.mode = Mode::Approve;
        // Shorter than the application's 5 s samples and 60 s analyses (its first findings come at about 60 s:
        // the analyser reads the catalog at start and compares at the first analysis), to keep the suite short.
        config.policy.intervalSeconds = 1;
        config.analyseSeconds = 15;
        // The hoarding finding also asks for a host CPU under 50 % (idle slots matter while there is room to use
        // them; tst_detectors tests that rule). This host is shared with the other tests (ctest runs two at a time):
        // beside a busy core it read 55-65 % and the finding, rightly, did not come. What is tested here is that the
        // showcase makes the condition the detectors look for.
        config.thresholds.lowCpuPct = 100;
        Engine engine(config);
        QStringList findings;
        QStringList proposals;
        connect(engine.events(), &EventBus::published, this, [&findings, &proposals](const EngineEvent &event) {
            if (const FindingEvent *f = event.finding()) {
                findings << f->finding.detector + u'/' + f->finding.condition;
            } else if (const ActionEvent *a = event.action();
                       a && a->transition == QLatin1StringView("awaiting_approval")) {
                proposals << a->applySql;
            }
        });
        QElapsedTimer clock;
        clock.start();
        QString error;
        QVERIFY2(engine.start(&error), qPrintable(error));
        QTRY_VERIFY2_WITH_TIMEOUT(findings.contains(QStringLiteral("connection_pool/idle_in_transaction_hoarding"))
                && findings.contains(QStringLiteral("missing_index/sequential_scans_on_predicate")),
            qPrintable(findings.join(u", ")), 60000);
        qInfo("both findings after %.1f s", clock.elapsed() / 1000.0);
        QTRY_VERIFY2_WITH_TIMEOUT(!proposals.isEmpty(), qPrintable(findings.join(u", ")), 20000);
        qInfo("proposals: %s", qPrintable(proposals.join(u" | ")));
        // Approve mode: nothing has been built; the index waits for a person.
        QCOMPARE(query(QStringLiteral("SELECT count(*) FROM pg_indexes WHERE tablename = 'showcase_items'")),
            QStringLiteral("0"));
        engine.stop();
    }

    /// The README's harmful change, on the sandbox as `vigil --sandbox` gives it: the hoarder's sessions idle in their
    /// open transactions are no outside load (they did confound every sample, and the harm was kept "unverified").
    void aHarmfulChangeBesideTheShowcaseIsRolledBack()
    {
        EngineConfig config;
        config.targetConninfo = m_sandbox->conninfo();
        config.storeLocation = m_dir.filePath(QStringLiteral("harm.sqlite"));
        config.analyseSeconds = 0; // the proposals are the test above's
        config.policy.intervalSeconds = 1;
        config.policy.baselineSeconds = 15;
        config.policy.windowSeconds = 15;
        Engine engine(config);
        QSignalSpy finished(&engine, &Engine::actionFinished);
        QString error;
        QVERIFY2(engine.start(&error), qPrintable(error));
        std::optional<Action> action
            = actionFromSql(QStringLiteral("ALTER SYSTEM SET random_page_cost = 100000"), {}, &error);
        QVERIFY2(action, qPrintable(error));
        engine.submit(*action);
        QVERIFY(finished.wait(120000));
        const Action done = finished.first().first().value<Action>();
        engine.stop();
        QVERIFY2(done.state == ActionState::RolledBack, qPrintable(stateName(done.state) + u' ' + done.reason));
        QVERIFY2(!done.reason.contains(QLatin1StringView("outside load")), qPrintable(done.reason));
        QCOMPARE(query(QStringLiteral("SHOW random_page_cost")), QStringLiteral("4"));
    }
};

QTEST_GUILESS_MAIN(TestShowcase)
#include "tst_showcase.moc"
