// SPDX-License-Identifier: MIT
#include "desktopengineconfig.h"
#include "settings.h"

#include <QFile>
#include <QLocale>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cstddef>
#include <limits>
#include <optional>

using namespace vigil;

namespace {

/// Every value Settings holds, as text, so that a comparison that fails names the value that differs.
QStringList snapshot(const Settings &s)
{
    return {
        QStringLiteral("interval=%1").arg(s.sampleIntervalSeconds()),
        QStringLiteral("window=%1").arg(s.windowSeconds()),
        QStringLiteral("baseline=%1").arg(s.baselineSeconds()),
        QStringLiteral("latency=%1").arg(s.latencyThresholdPct()),
        QStringLiteral("throughput=%1").arg(s.throughputThresholdPct()),
        QStringLiteral("consecutive=%1").arg(s.consecutiveSamples()),
        QStringLiteral("tick=%1").arg(s.collectorTickSeconds()),
        QStringLiteral("mode=%1").arg(modeName(s.mode())),
        QStringLiteral("rateLimit=%1").arg(s.rateLimitPerHour()),
        QStringLiteral("cooldown=%1").arg(s.cooldownMinutes()),
        QStringLiteral("ask=%1").arg(s.askBeforeRollback() ? QLatin1StringView("true") : QLatin1StringView("false")),
        QStringLiteral("recent=%1").arg(s.recentTargets().join(u'|')),
        QStringLiteral("geometry=%1").arg(QString::fromLatin1(s.mainWindowGeometry().toHex())),
        QStringLiteral("state=%1").arg(QString::fromLatin1(s.mainWindowState().toHex())),
        QStringLiteral("nats=%1").arg(s.natsUrl()),
        QStringLiteral("probe=%1").arg(s.storageProbeDirectory()),
    };
}

QByteArray fileText(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

/// The bytes of a literal, embedded NULs included and the terminating one not.
template<std::size_t N>
QByteArray bytes(const char (&literal)[N])
{
    return QByteArray(literal, qsizetype(N - 1));
}

bool writeFile(const QString &path, const QByteArray &text)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(text) == text.size();
}

} // namespace

class TestSettings : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_path;
    QStringList m_defaults;

private slots:
    void initTestCase()
    {
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
        Settings fresh(m_dir.filePath(QStringLiteral("defaults.ini")));
        m_defaults = snapshot(fresh);
    }

    void init()
    {
        // A file of its own for every test (and data row): none sees what another one wrote.
        static int serial = 0;
        m_path = m_dir.filePath(QStringLiteral("settings-%1.ini").arg(++serial));
    }

    void defaultsAreTheBriefs()
    {
        Settings s(m_path);
        const GuardPolicy brief;
        QCOMPARE(s.sampleIntervalSeconds(), 5.0);
        QCOMPARE(s.windowSeconds(), 60.0);
        QCOMPARE(s.baselineSeconds(), 60.0);
        QCOMPARE(s.latencyThresholdPct(), 10.0);
        QCOMPARE(s.throughputThresholdPct(), 10.0);
        QCOMPARE(s.consecutiveSamples(), 3);
        QCOMPARE(s.collectorTickSeconds(), 1.0);
        QCOMPARE(s.mode(), Settings::Mode::Approve);
        QCOMPARE(s.rateLimitPerHour(), 6);
        QCOMPARE(s.cooldownMinutes(), 30);
        QCOMPARE(s.askBeforeRollback(), false); // rollback is automatic: safety first
        QVERIFY(s.recentTargets().isEmpty());
        QVERIFY(s.mainWindowGeometry().isEmpty());
        QVERIFY(s.mainWindowState().isEmpty());
        QVERIFY(s.natsUrl().isEmpty()); // NATS off
        QVERIFY(s.storageProbeDirectory().isEmpty()); // no storage probe
        QVERIFY(s.ignoredValues().isEmpty());

        const GuardPolicy policy = s.guardPolicy();
        QCOMPARE(policy.windowSamples(), 12);
        QCOMPARE(policy.minLatencyDeltaMs, brief.minLatencyDeltaMs);
        QCOMPARE(policy.validate(s.collectorTickSeconds()), QString());
    }

    void roundTripsThroughTheFile()
    {
        const QByteArray geometry = bytes("\x01\xd9\xd0\xcb\x00\x03\x00\x00 geometry");
        const QByteArray state = bytes("\x00\x00\x00\xff state\n");
        {
            Settings s(m_path);
            GuardPolicy policy;
            policy.intervalSeconds = 10;
            policy.windowSeconds = 120;
            policy.baselineSeconds = 90;
            policy.latencyPct = 12.5;
            policy.throughputPct = 20;
            policy.consecutive = 4;
            QString error;
            QVERIFY2(s.setGuardPolicy(policy, 2, &error), qPrintable(error));
            s.setMode(Settings::Mode::Autonomous);
            QVERIFY(s.setRateLimitPerHour(3));
            QVERIFY(s.setCooldownMinutes(45));
            s.setAskBeforeRollback(true);
            s.setRecentTargets({ QStringLiteral("host=db1 dbname=app options='-c a=b,c'"),
                QStringLiteral("postgresql://dba@db2:5433/shop") });
            s.setMainWindowGeometry(geometry);
            s.setMainWindowState(state);
            QVERIFY(s.setNatsUrl(QStringLiteral("nats://bus.example:4222")));
            QVERIFY(s.setStorageProbeDirectory(QStringLiteral(" /var/lib/vigil/ ")));
            QVERIFY(s.sync());
        }

        Settings again(m_path);
        QCOMPARE(again.sampleIntervalSeconds(), 10.0);
        QCOMPARE(again.windowSeconds(), 120.0);
        QCOMPARE(again.baselineSeconds(), 90.0);
        QCOMPARE(again.latencyThresholdPct(), 12.5);
        QCOMPARE(again.throughputThresholdPct(), 20.0);
        QCOMPARE(again.consecutiveSamples(), 4);
        QCOMPARE(again.collectorTickSeconds(), 2.0);
        QCOMPARE(again.mode(), Settings::Mode::Autonomous);
        QCOMPARE(again.rateLimitPerHour(), 3);
        QCOMPARE(again.cooldownMinutes(), 45);
        QCOMPARE(again.askBeforeRollback(), true);
        QCOMPARE(again.recentTargets(),
            QStringList({ QStringLiteral("host=db1 dbname=app options='-c a=b,c'"),
                QStringLiteral("postgresql://dba@db2:5433/shop") }));
        QCOMPARE(again.mainWindowGeometry(), geometry);
        QCOMPARE(again.mainWindowState(), state);
        QCOMPARE(again.natsUrl(), QStringLiteral("nats://bus.example:4222"));
        QCOMPARE(again.storageProbeDirectory(), QStringLiteral("/var/lib/vigil")); // trimmed and cleaned
        QVERIFY(again.ignoredValues().isEmpty());

        // A DBA can read and edit the file: numbers and the mode are plain text.
        const QByteArray text = fileText(m_path);
        QVERIFY2(text.contains("intervalSeconds=10\n"), text.constData());
        QVERIFY2(text.contains("mode=autonomous\n"), text.constData());
    }

    void signalsOncePerRealChange()
    {
        Settings s(m_path);
        QSignalSpy policy(&s, &Settings::policyChanged);
        QSignalSpy interval(&s, &Settings::sampleIntervalSecondsChanged);
        QSignalSpy window(&s, &Settings::windowSecondsChanged);
        QSignalSpy latency(&s, &Settings::latencyThresholdPctChanged);
        QSignalSpy tick(&s, &Settings::collectorTickSecondsChanged);
        QSignalSpy mode(&s, &Settings::modeChanged);
        QSignalSpy rate(&s, &Settings::rateLimitPerHourChanged);
        QSignalSpy cooldown(&s, &Settings::cooldownMinutesChanged);
        QSignalSpy ask(&s, &Settings::askBeforeRollbackChanged);
        QSignalSpy recent(&s, &Settings::recentTargetsChanged);
        QSignalSpy geometry(&s, &Settings::mainWindowGeometryChanged);
        QSignalSpy nats(&s, &Settings::natsUrlChanged);
        QSignalSpy probe(&s, &Settings::storageProbeDirectoryChanged);

        // Setting what is already there (the defaults) is no change.
        QVERIFY(s.setSampleIntervalSeconds(5));
        QVERIFY(s.setLatencyThresholdPct(10));
        s.setMode(Settings::Mode::Approve);
        QVERIFY(s.setRateLimitPerHour(6));
        s.setAskBeforeRollback(false);
        QVERIFY(s.setNatsUrl(QString()));
        QVERIFY(s.setStorageProbeDirectory(QString()));
        QCOMPARE(policy.count() + interval.count() + latency.count() + mode.count() + rate.count() + ask.count()
                + nats.count() + probe.count(),
            0);

        QVERIFY(s.setSampleIntervalSeconds(10));
        QVERIFY(s.setSampleIntervalSeconds(10));
        QCOMPARE(interval.count(), 1);
        QCOMPARE(interval.at(0).at(0).toDouble(), 10.0);
        QCOMPARE(policy.count(), 1);
        QCOMPARE(policy.at(0).at(0).value<GuardPolicy>().intervalSeconds, 10.0);
        QCOMPARE(window.count(), 0); // only the value that changed says so

        QVERIFY(s.setLatencyThresholdPct(25));
        QVERIFY(s.setLatencyThresholdPct(25));
        QCOMPARE(latency.count(), 1);
        QCOMPARE(policy.count(), 2);
        QCOMPARE(policy.at(1).at(0).value<GuardPolicy>().latencyPct, 25.0);

        // The tick is no part of the policy: its own signal only.
        QVERIFY(s.setCollectorTickSeconds(2));
        QVERIFY(s.setCollectorTickSeconds(2));
        QCOMPARE(tick.count(), 1);
        QCOMPARE(policy.count(), 2);

        s.setMode(Settings::Mode::Observe);
        s.setMode(Settings::Mode::Observe);
        QCOMPARE(mode.count(), 1);
        QCOMPARE(mode.at(0).at(0).value<Settings::Mode>(), Settings::Mode::Observe);
        QVERIFY(s.setRateLimitPerHour(2));
        QVERIFY(s.setRateLimitPerHour(2));
        QCOMPARE(rate.count(), 1);
        QVERIFY(s.setCooldownMinutes(0));
        QVERIFY(s.setCooldownMinutes(0));
        QCOMPARE(cooldown.count(), 1);
        s.setAskBeforeRollback(true);
        s.setAskBeforeRollback(true);
        QCOMPARE(ask.count(), 1);
        s.addRecentTarget(QStringLiteral("host=db1"));
        s.addRecentTarget(QStringLiteral("host=db1")); // already first
        QCOMPARE(recent.count(), 1);
        s.setMainWindowGeometry(QByteArray("g"));
        s.setMainWindowGeometry(QByteArray("g"));
        QCOMPARE(geometry.count(), 1);
        QVERIFY(s.setNatsUrl(QStringLiteral("nats://localhost:4222")));
        QVERIFY(s.setNatsUrl(QStringLiteral("nats://localhost:4222")));
        QCOMPARE(nats.count(), 1);
        QVERIFY(s.setStorageProbeDirectory(QStringLiteral("/var/lib/vigil")));
        QVERIFY(s.setStorageProbeDirectory(QStringLiteral("/var/lib/vigil/"))); // the same directory
        QCOMPARE(probe.count(), 1);
        QCOMPARE(policy.count(), 2); // none of those is a guard value
    }

    void severalGuardValuesAtOnceMakeOnePolicyChange()
    {
        Settings s(m_path);
        QSignalSpy policy(&s, &Settings::policyChanged);
        QSignalSpy interval(&s, &Settings::sampleIntervalSecondsChanged);
        QSignalSpy window(&s, &Settings::windowSecondsChanged);
        QSignalSpy baseline(&s, &Settings::baselineSecondsChanged);
        QSignalSpy latency(&s, &Settings::latencyThresholdPctChanged);

        // From 5 s in 60 s to 120 s in 600 s: one at a time, the first step would not fit (120 s > 60 s window).
        GuardPolicy next = s.guardPolicy();
        next.intervalSeconds = 120;
        next.windowSeconds = 600;
        next.baselineSeconds = 600;
        QString error;
        QVERIFY2(s.setGuardPolicy(next, 1, &error), qPrintable(error));
        QCOMPARE(policy.count(), 1);
        QCOMPARE(interval.count(), 1);
        QCOMPARE(window.count(), 1);
        QCOMPARE(baseline.count(), 1);
        QCOMPARE(latency.count(), 0);
        const auto emitted = policy.at(0).at(0).value<GuardPolicy>();
        QCOMPARE(emitted.intervalSeconds, 120.0);
        QCOMPARE(emitted.windowSeconds, 600.0);
        QCOMPARE(emitted.windowSamples(), 5);

        QVERIFY(s.setGuardPolicy(next, 1));
        QCOMPARE(policy.count(), 1); // the same again is no change
    }

    void policyChangedCrossesThreads()
    {
        // The engine lives in its own thread: the policy must travel through a queued connection.
        Settings s(m_path);
        QObject receiver;
        std::optional<GuardPolicy> received;
        connect(
            &s, &Settings::policyChanged, &receiver, [&](const GuardPolicy &p) { received = p; }, Qt::QueuedConnection);
        QVERIFY(s.setThroughputThresholdPct(30));
        QVERIFY(!received);
        QTRY_VERIFY(received.has_value());
        QCOMPARE(received->throughputPct, 30.0);
    }

    void refusesWhatItCannotRunWith()
    {
        Settings s(m_path);
        const QStringList before = snapshot(s);
        QSignalSpy policy(&s, &Settings::policyChanged);
        QVERIFY(!s.setLatencyThresholdPct(-1));
        QVERIFY(!s.setThroughputThresholdPct(100));
        QVERIFY(!s.setSampleIntervalSeconds(0));
        QVERIFY(!s.setWindowSeconds(std::numeric_limits<double>::quiet_NaN()));
        QVERIFY(!s.setConsecutiveSamples(0));
        QVERIFY(!s.setWindowSeconds(3)); // shorter than the 5 s interval
        QVERIFY(!s.setConsecutiveSamples(13)); // a 60 s window of 5 s samples holds 12
        QVERIFY(!s.setCollectorTickSeconds(2)); // 5 s is no multiple of 2 s
        QVERIFY(!s.setRateLimitPerHour(0));
        QVERIFY(!s.setCooldownMinutes(-5));
        QVERIFY(!s.setNatsUrl(QStringLiteral("http://bus.example")));
        QVERIFY(!s.setStorageProbeDirectory(QStringLiteral("var/lib/vigil"))); // relative: to where Vigil started
        QVERIFY(!s.setStorageProbeDirectory(QStringLiteral(":/probe"))); // a Qt resource, no file system
        QString error;
        GuardPolicy bad = s.guardPolicy();
        bad.windowSeconds = 2;
        QVERIFY(!s.setGuardPolicy(bad, 1, &error));
        QVERIFY2(error.contains(QLatin1StringView("observation window (2 s) must be at least one sample interval")),
            qPrintable(error));
        QCOMPARE(policy.count(), 0);
        QCOMPARE(snapshot(s), before);
    }

    void corruptedValuesFallBackToDefaults_data()
    {
        QTest::addColumn<QByteArray>("file");
        QTest::addColumn<QString>("problem"); // what ignoredValues() must mention; empty: nothing in particular

        QTest::newRow("negative interval")
            << QByteArray("[guard]\nintervalSeconds=-5\n") << QStringLiteral("guard/intervalSeconds");
        QTest::newRow("window in words") << QByteArray("[guard]\nwindowSeconds=sixty\n")
                                         << QStringLiteral("guard/windowSeconds");
        QTest::newRow("NaN baseline") << QByteArray("[guard]\nbaselineSeconds=nan\n")
                                      << QStringLiteral("guard/baselineSeconds");
        QTest::newRow("infinite latency")
            << QByteArray("[guard]\nlatencyPct=inf\n") << QStringLiteral("guard/latencyPct");
        QTest::newRow("huge latency") << QByteArray("[guard]\nlatencyPct=1e9\n") << QStringLiteral("guard/latencyPct");
        QTest::newRow("throughput 100 %")
            << QByteArray("[guard]\nthroughputPct=100\n") << QStringLiteral("guard/throughputPct");
        QTest::newRow("overflowing consecutive")
            << QByteArray("[guard]\nconsecutive=99999999999\n") << QStringLiteral("guard/consecutive");
        QTest::newRow("fractional consecutive")
            << QByteArray("[guard]\nconsecutive=2.5\n") << QStringLiteral("guard/consecutive");
        QTest::newRow("zero tick") << QByteArray("[collector]\ntickSeconds=0\n")
                                   << QStringLiteral("collector/tickSeconds");
        QTest::newRow("unknown mode") << QByteArray("[actions]\nmode=yolo\n") << QStringLiteral("actions/mode");
        QTest::newRow("negative rate limit")
            << QByteArray("[actions]\nrateLimitPerHour=-3\n") << QStringLiteral("actions/rateLimitPerHour");
        QTest::newRow("cool-down as a list")
            << QByteArray("[actions]\ncooldownMinutes=1, 2\n") << QStringLiteral("actions/cooldownMinutes");
        QTest::newRow("ask, misspelt") << QByteArray("[actions]\naskBeforeRollback=perhaps\n")
                                       << QStringLiteral("actions/askBeforeRollback");
        QTest::newRow("NATS over http") << QByteArray("[events]\nnatsUrl=http://bus.example\n")
                                        << QStringLiteral("events/natsUrl");
        QTest::newRow("relative probe directory") << QByteArray("[collector]\nstorageProbeDirectory=probe\n")
                                                  << QStringLiteral("collector/storageProbeDirectory");
        QTest::newRow("window shorter than interval")
            << QByteArray("[guard]\nintervalSeconds=10\nwindowSeconds=5\n") << QStringLiteral("do not fit together");
        QTest::newRow("tick no divisor of the interval")
            << QByteArray("[collector]\ntickSeconds=2\n") << QStringLiteral("whole multiple");
        QTest::newRow("more consecutive than the window holds")
            << QByteArray("[guard]\nconsecutive=50\n") << QStringLiteral("cannot fit");
        QTest::newRow("binary garbage") << bytes("\x00\xff\xfe[[[\n==\n[guard\nintervalSeconds\n\x01\x02=\x03")
                                        << QString();
        QTest::newRow("empty values") << QByteArray("[guard]\nintervalSeconds=\nwindowSeconds=\"\"\n[actions]\nmode=\n")
                                      << QString();
    }

    void corruptedValuesFallBackToDefaults()
    {
        QFETCH(QByteArray, file);
        QFETCH(QString, problem);
        QVERIFY(writeFile(m_path, file));

        Settings s(m_path);
        QCOMPARE(snapshot(s), m_defaults);
        QCOMPARE(s.guardPolicy().validate(s.collectorTickSeconds()), QString());
        if (!problem.isEmpty()) {
            const QString ignored = s.ignoredValues().join(u'\n');
            QVERIFY2(ignored.contains(problem), qPrintable(ignored));
        }

        // And it can be put right from there.
        QVERIFY(s.setLatencyThresholdPct(20));
        QCOMPARE(s.latencyThresholdPct(), 20.0);
    }

    void aChangeRepairsAnInconsistentSet()
    {
        // Read as the defaults because it does not fit together, the set is rewritten whole on the next change,
        // rather than the change landing beside the stale interval and window.
        QVERIFY(writeFile(m_path, QByteArray("[guard]\nintervalSeconds=10\nwindowSeconds=5\n")));
        {
            Settings s(m_path);
            QCOMPARE(s.sampleIntervalSeconds(), 5.0);
            QVERIFY(s.setLatencyThresholdPct(20));
            QVERIFY(s.sync());
        }
        Settings again(m_path);
        QVERIFY(again.ignoredValues().isEmpty());
        QCOMPARE(again.sampleIntervalSeconds(), 5.0);
        QCOMPARE(again.windowSeconds(), 60.0);
        QCOMPARE(again.latencyThresholdPct(), 20.0);
    }

    void passwordsAreStripped_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("stored");

        auto row = [](const char *name, const char *target, const char *stored) {
            QTest::newRow(name) << QString::fromUtf8(target) << QString::fromUtf8(stored);
        };
        row("keyword/value", "host=db1 password=secret dbname=app", "host=db1 dbname=app");
        row("password first", "password=secret host=db1", "host=db1");
        row("password last", "host=db1 user=dba password=secret", "host=db1 user=dba");
        row("spaces around =", "host=db1 password = secret dbname=app", "host=db1 dbname=app");
        row("quoted, with space and quote", "host=db1 password='se cret\\' x' user=dba", "host=db1 user=dba");
        row("escaped space", "host=db1 password=se\\ cret user=dba", "host=db1 user=dba");
        row("empty password", "host=db1 password='' dbname=app", "host=db1 dbname=app");
        // libpq skips the spaces after '=': the next word is the password, and goes with it.
        row("space after =", "host=db1 password= dbname=app", "host=db1");
        row("upper case key", "host=db1 PASSWORD=secret", "host=db1");
        row("ssl key password", "host=db1 sslpassword=secret sslkey=/k", "host=db1 sslkey=/k");
        row("unterminated quote", "host=db1 password='secret", "host=db1");
        row("malformed pair", "host=db1 password secret", "host=db1");
        row("passfile stays", "host=db1 passfile=/home/dba/.pgpass", "host=db1 passfile=/home/dba/.pgpass");
        row("quoted value kept as written", "host=db1 options='-c x=1'", "host=db1 options='-c x=1'");
        row("URI user info", "postgresql://dba:secret@db1:5432/app", "postgresql://dba@db1:5432/app");
        row("URI without user", "postgres://:secret@db1/app", "postgres://db1/app");
        row("URI with @ in password", "postgresql://dba:se@cret@db1/app", "postgresql://dba@db1/app");
        row("URI query", "postgresql://db1/app?sslmode=require&password=secret&connect_timeout=5",
            "postgresql://db1/app?sslmode=require&connect_timeout=5");
        row("URI query only password", "postgresql://db1/app?password=secret", "postgresql://db1/app");
        row("URI encoded key", "postgresql://db1/app?pass%77ord=secret", "postgresql://db1/app");
        row("URI both", "POSTGRESQL://u:p1@db1/app?password=p2", "POSTGRESQL://u@db1/app");
        row("display name", "db1:5432/app", "db1:5432/app");
        row("service", "service=prod", "service=prod");
    }

    void passwordsAreStripped()
    {
        QFETCH(QString, target);
        QFETCH(QString, stored);
        QCOMPARE(Settings::withoutPassword(target), stored);

        {
            Settings s(m_path);
            s.addRecentTarget(target);
            QCOMPARE(s.recentTargets(), QStringList(stored));
            QVERIFY(s.sync());
        }
        const QByteArray text = fileText(m_path);
        QVERIFY2(!text.contains("secret") && !text.contains("p1") && !text.contains("p2"), text.constData());
    }

    void passwordsInAHandEditedFileGoNoFurther()
    {
        QVERIFY(writeFile(m_path, QByteArray("[targets]\nrecent=host=db1 password=secret, db2:5432/app\n")));
        Settings s(m_path);
        QCOMPARE(s.recentTargets(), QStringList({ QStringLiteral("host=db1"), QStringLiteral("db2:5432/app") }));
    }

    void recentTargetsAreMostRecentFirstAndBounded()
    {
        Settings s(m_path);
        for (int i = 0; i < Settings::kMaxRecentTargets + 3; ++i)
            s.addRecentTarget(QStringLiteral("host=db%1").arg(i));
        s.addRecentTarget(QStringLiteral("host=db5 password=x")); // the same target, used again
        const QStringList recent = s.recentTargets();
        QCOMPARE(recent.size(), Settings::kMaxRecentTargets);
        QCOMPARE(recent.first(), QStringLiteral("host=db5"));
        QCOMPARE(recent.at(1), QStringLiteral("host=db12"));
        QCOMPARE(recent.count(QStringLiteral("host=db5")), 1);
        QVERIFY(!recent.contains(QStringLiteral("host=db2"))); // the oldest went
    }

    void natsUrlLosesItsPassword()
    {
        Settings s(m_path);
        QVERIFY(s.setNatsUrl(QStringLiteral(" nats://vigil:secret@bus.example:4222 ")));
        QCOMPARE(s.natsUrl(), QStringLiteral("nats://vigil@bus.example:4222"));
        QVERIFY(s.setNatsUrl(QString())); // off again
        QVERIFY(s.natsUrl().isEmpty());
        QVERIFY(s.sync());
        QVERIFY(!fileText(m_path).contains("secret"));
    }

    void theEngineIsConfiguredAsSettingsSay()
    {
        // What main() hands the engine at each connection: the guard, the limits, the detectors' thresholds and
        // the storage probe's directory as they are now, not as they were when the window opened.
        Settings s(m_path);
        QVERIFY(s.setRateLimitPerHour(2));
        QVERIFY(s.setCooldownMinutes(5));
        QVERIFY(s.setRollbackMemoryHours(3));
        s.setAskBeforeRollback(true);
        QVERIFY(s.setLatencyThresholdPct(25));
        EngineConfig config = desktopEngineConfig(s, QStringLiteral("/tmp/store.sqlite"));
        QCOMPARE(config.storeLocation, QStringLiteral("/tmp/store.sqlite"));
        QCOMPARE(config.policy.latencyPct, 25.0);
        QCOMPARE(config.tickSeconds, s.collectorTickSeconds());
        QCOMPARE(config.limits.maxActionsPerHour, 2);
        QCOMPARE(config.limits.cooldownSeconds, 300.0);
        QCOMPARE(config.limits.memorySeconds, 3.0 * 3600);
        QVERIFY(config.askBeforeRollback);
        QVERIFY(config.publishSessions); // the Sessions page
        QVERIFY(config.storageProbeDirectory.isEmpty()); // no probe unless chosen

        QVERIFY(s.setStorageProbeDirectory(QStringLiteral("/srv/pg/vigil-probe")));
        config = desktopEngineConfig(s, QString());
        QCOMPARE(config.storageProbeDirectory, QStringLiteral("/srv/pg/vigil-probe"));
    }
};

QTEST_GUILESS_MAIN(TestSettings)
#include "tst_settings.moc"
