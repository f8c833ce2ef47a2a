// SPDX-License-Identifier: MIT
// The fleet end to end on a real PostgreSQL 15 under pgbench load and a real nats-server: a headless agent's
// harmful action and its rollback as a subscriber sees them, and the same with the NATS server stopped mid-run.
// Decisions over NATS and two agents sharing one store, which ask the guard for no verdict, are in
// tst_natsdecisions, beside the live_postgres lock.
#include "collect/connectioncheck.h"
#include "conninfo.h"
#include "events/natssubscriber.h"
#include "guardedapply.h"
#include "natslistener.h"
#include "natsserver.h"
#include "pgbenchload.h"
#include "pgserver.h"
#include "vigilctlrunner.h"

#include <QDateTime>
#include <QLocale>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace vigil;
using namespace vigil::testing;

namespace {

/// True when wanted appear in names in this order (other names may come between).
bool inOrder(const QStringList &names, const QStringList &wanted)
{
    qsizetype at = 0;
    for (const QString &name : names)
        if (at < wanted.size() && name == wanted.at(at))
            ++at;
    return at == wanted.size();
}

} // namespace

class TestNatsFleet : public QObject
{
    Q_OBJECT

    PgServer m_server;
    NatsServer m_nats;
    QTemporaryDir m_dir;
    std::unique_ptr<PgBenchLoad> m_load;
    int m_storeCounter = 0;

    QString store() { return m_dir.filePath(QStringLiteral("store-%1.sqlite").arg(++m_storeCounter)); }
    QString target() const { return checkConnection(m_server.conninfo()).displayName; }
    QString token() const { return natsToken(target()); }

    std::unique_ptr<NatsSubscriber> listen(NatsHeard &heard) { return listenToFleet(heard, m_nats.url()); }

    /// vigilctl apply with 1 s samples and short windows, publishing to the test's NATS server.
    QStringList applyArgs(const QString &storePath, const QString &sql)
    {
        return applyArguments(m_server.conninfo(), storePath, sql, 12, 10)
            << QStringLiteral("--nats") << m_nats.url() << QStringLiteral("--nats-samples") << QStringLiteral("0");
    }

    /// vigilctl apply of a change that turns pgbench's lookups into sequential scans.
    bool startHarmfulApply(QProcess &apply)
    {
        apply.start(
            QStringLiteral(VIGILCTL), applyArgs(store(), QStringLiteral("ALTER SYSTEM SET enable_indexscan = off")));
        return apply.waitForStarted();
    }

    /// Waits for it to end (the event loop runs, so the subscriber hears meanwhile); true when it exited 3 (rolled
    /// back) and the setting is back. out gets the rest of its stdout.
    bool rolledBackInTheEnd(QProcess &apply, QByteArray &out)
    {
        if (!QTest::qWaitFor([&] { return apply.state() == QProcess::NotRunning; }, 90000))
            return false;
        out += apply.readAllStandardOutput();
        if (apply.exitCode() != 3) {
            qWarning("vigilctl apply exited %d: %s", apply.exitCode(),
                QByteArray(apply.readAllStandardError() + out.right(2000)).constData());
            return false;
        }
        return m_server.setting(QStringLiteral("enable_indexscan")) == QLatin1StringView("on");
    }

private slots:
    void initTestCase()
    {
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
        QString error;
        QVERIFY2(m_nats.start(&error), qPrintable(error));
        QVERIFY2(m_server.start(&error), qPrintable(error));
        QVERIFY2(m_server.pgbenchInit(5, &error), qPrintable(error));
        // As in tst_guardedchange: without bitmap scans, enable_indexscan = off turns lookups into seq scans.
        QVERIFY(m_server.psql(QStringLiteral("ALTER SYSTEM SET enable_bitmapscan = off")));
        QVERIFY(m_server.psql(QStringLiteral("SELECT pg_reload_conf()")));
        m_load = std::make_unique<PgBenchLoad>(m_server,
            QStringList { QStringLiteral("-S"), QStringLiteral("-n"), QStringLiteral("-c"), QStringLiteral("4"),
                QStringLiteral("-j"), QStringLiteral("2"), QStringLiteral("-R"), QStringLiteral("200"),
                QStringLiteral("-T"), QStringLiteral("3600"), QStringLiteral("-L"), QStringLiteral("100") });
        QVERIFY2(m_load->start(&error), qPrintable(error));
    }

    void cleanupTestCase()
    {
        m_load.reset();
        m_server.stop();
        m_nats.stop();
    }

    void harmfulActionSeenInOrder()
    {
        NatsHeard heard;
        const auto subscriber = listen(heard);
        QTRY_VERIFY_WITH_TIMEOUT(subscriber->isConnected(), 5000);
        QProcess apply;
        QVERIFY(startHarmfulApply(apply));
        QByteArray out;
        QVERIFY(rolledBackInTheEnd(apply, out));
        const QString rolledBack = QStringLiteral("vigil.%1.action.rolled_back").arg(token());
        QTRY_VERIFY_WITH_TIMEOUT(heard.subjects.contains(rolledBack), 5000);

        const QStringList names = heard.actionEvents(token());
        QVERIFY2(inOrder(names,
                     { QStringLiteral("action.proposed"), QStringLiteral("action.applying"),
                         QStringLiteral("action.executed"), QStringLiteral("action.degraded"),
                         QStringLiteral("action.rolling_back"), QStringLiteral("action.rolled_back") }),
            qPrintable(names.join(u' ')));
        QCOMPARE(names.count(QStringLiteral("action.kept")), 0);
        const QJsonObject executed = heard.last(QStringLiteral("vigil.%1.action.executed").arg(token()));
        const QJsonObject degraded = heard.last(QStringLiteral("vigil.%1.action.degraded").arg(token()));
        const QJsonObject done = heard.last(rolledBack);
        for (const QJsonObject &e : { executed, degraded, done }) {
            QCOMPARE(e.value(QLatin1StringView("schema")).toString(), QStringLiteral("vigil-event/1"));
            QCOMPARE(e.value(QLatin1StringView("target")).toString(), target());
            QCOMPARE(e.value(QLatin1StringView("kind")).toString(), QStringLiteral("set_parameter"));
            QVERIFY(e.value(QLatin1StringView("apply_sql")).toString().contains(QLatin1StringView("enable_indexscan")));
            QCOMPARE(e.value(QLatin1StringView("action_id")).toInteger(),
                executed.value(QLatin1StringView("action_id")).toInteger());
        }
        QVERIFY(executed.value(QLatin1StringView("seq")).toInteger()
            < degraded.value(QLatin1StringView("seq")).toInteger());
        QVERIFY(
            degraded.value(QLatin1StringView("seq")).toInteger() < done.value(QLatin1StringView("seq")).toInteger());
        QCOMPARE(executed.value(QLatin1StringView("state")).toString(), QStringLiteral("observing"));
        QCOMPARE(
            degraded.value(QLatin1StringView("evidence")).toObject().value(QLatin1StringView("verdict")).toString(),
            QStringLiteral("rollback"));
        const QString reason = done.value(QLatin1StringView("reason")).toString();
        QVERIFY2(reason.contains(QLatin1StringView("latency")) || reason.contains(QLatin1StringView("throughput")),
            qPrintable(reason));
        QCOMPARE(done.value(QLatin1StringView("state")).toString(), QStringLiteral("rolled_back"));
        QVERIFY(done.contains(QLatin1StringView("rollback_seconds")));
        // Samples went out too (--nats-samples 0), and the agent's last word counts what it sent.
        QVERIFY(heard.subjects.count(QStringLiteral("vigil.%1.sample").arg(token())) >= 10);
        const QJsonObject status = jsonEvents(QString::fromUtf8(out)).back();
        QCOMPARE(status.value(QLatin1StringView("event")).toString(), QStringLiteral("nats.status"));
        QCOMPARE(status.value(QLatin1StringView("dropped")).toInteger(), 0);
        QVERIFY(status.value(QLatin1StringView("published")).toInteger() >= qint64(names.size()));
    }

    void natsStoppedMidRunHarmsNothing()
    {
        NatsHeard heard;
        const auto subscriber = listen(heard);
        QTRY_VERIFY_WITH_TIMEOUT(subscriber->isConnected(), 5000);
        QProcess apply;
        QVERIFY(startHarmfulApply(apply));
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += apply.readAllStandardOutput()).contains("baseline.collecting"), 20000);
        // The bus goes away during the baseline and comes back 2.5 s later, on the same port.
        const QDateTime downAt = QDateTime::currentDateTimeUtc();
        m_nats.stop();
        QTest::qWait(2500);
        const QDateTime upAt = QDateTime::currentDateTimeUtc();
        QString error;
        QVERIFY2(m_nats.start(&error), qPrintable(error));
        QVERIFY(rolledBackInTheEnd(apply, out));

        // The engine sampled on through the outage, once a second.
        const std::vector<QJsonObject> lines = jsonEvents(QString::fromUtf8(out));
        int samplesWhileDown = 0;
        QStringList natsEvents;
        for (const QJsonObject &e : lines) {
            const QString name = e.value(QLatin1StringView("event")).toString();
            const QDateTime ts = QDateTime::fromString(e.value(QLatin1StringView("ts")).toString(), Qt::ISODateWithMs);
            if (name == QLatin1StringView("sample") && ts >= downAt && ts <= upAt)
                ++samplesWhileDown;
            if (name.startsWith(QLatin1StringView("nats.")))
                natsEvents << name;
        }
        QVERIFY2(samplesWhileDown >= 2, qPrintable(QString::number(samplesWhileDown)));
        QVERIFY2(inOrder(natsEvents, { QStringLiteral("nats.disconnected"), QStringLiteral("nats.connected") }),
            qPrintable(natsEvents.join(u' ')));
        QCOMPARE(lines.back().value(QLatin1StringView("dropped")).toInteger(), 0);

        // What happened after the reconnect reached the subscriber, in order.
        QTRY_VERIFY_WITH_TIMEOUT(
            heard.subjects.contains(QStringLiteral("vigil.%1.action.rolled_back").arg(token())), 10000);
        const QStringList names = heard.actionEvents(token());
        QVERIFY2(inOrder(names,
                     { QStringLiteral("action.executed"), QStringLiteral("action.degraded"),
                         QStringLiteral("action.rolled_back") }),
            qPrintable(names.join(u' ')));
    }
};

QTEST_GUILESS_MAIN(TestNatsFleet)
#include "tst_natsfleet.moc"
