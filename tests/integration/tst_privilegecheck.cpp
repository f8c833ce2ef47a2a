// SPDX-License-Identifier: MIT
// PrivilegeCheck against a real PostgreSQL 15, for a superuser, a pg_monitor-only role and a role with nothing,
// and grant by grant: each time the report is compared with what the server itself then allows or refuses, so
// the claims of docs/security.md are checked, not assumed.
#include "Engine.h"
#include "collect/dbcollector.h"
#include "collect/pgconnection.h"
#include "enginerunner.h"
#include "mainwindow.h"
#include "pgserver.h"
#include "privilegecheck.h"
#include "settings.h"
#include "vigilctlrunner.h"

#include <QJsonArray>
#include <QLabel>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace vigil;
using namespace vigil::testing;

class TestPrivilegeCheck : public QObject
{
    Q_OBJECT

    PgServer m_server;
    QStringList m_allModes { QStringLiteral("observe"), QStringLiteral("approve"), QStringLiteral("autonomous") };

    void sql(const QString &statement)
    {
        QString error;
        QVERIFY2(m_server.psql(statement, nullptr, &error), qPrintable(statement + QStringLiteral(": ") + error));
    }

    /// What the server says when @p user runs @p statement: empty when it succeeded, else its error.
    QString refusal(const QString &user, const QString &statement, QString *output = nullptr)
    {
        QString error;
        if (m_server.psqlAs(user, {}, statement, output, &error))
            return {};
        return error.isEmpty() ? QStringLiteral("failed without a message") : error;
    }

    std::optional<PrivilegeReport> check(const QString &user, bool remote = false)
    {
        PgConnection connection;
        QString error;
        if (!connection.open(
                m_server.conninfo(user), QStringLiteral("vigil-test"), 5000, DbCollector::kMarker, &error)) {
            qWarning("connect as %s: %s", qPrintable(user), qPrintable(error));
            return std::nullopt;
        }
        std::optional<PrivilegeReport> report = PrivilegeCheck::run(connection, remote, &error);
        if (!report)
            qWarning("check as %s: %s", qPrintable(user), qPrintable(error));
        return report;
    }

    int userTables()
    {
        QString count;
        m_server.psql(QStringLiteral("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                     "WHERE c.relkind IN ('r', 'm') AND n.nspname <> 'information_schema' "
                                     "AND n.nspname NOT LIKE 'pg\\_%'"),
            &count);
        return count.toInt();
    }

private slots:
    void initTestCase()
    {
        QString error;
        QVERIFY2(m_server.start(&error), qPrintable(error));
        sql(QStringLiteral("CREATE ROLE vigil_mon LOGIN; GRANT pg_monitor TO vigil_mon; "
                           "CREATE ROLE vigil_none LOGIN; "
                           "CREATE ROLE vigil_act LOGIN; GRANT pg_monitor TO vigil_act; "
                           "CREATE ROLE vigil_files LOGIN; GRANT pg_read_server_files TO vigil_files; "
                           "CREATE ROLE vigil_exec LOGIN; GRANT EXECUTE ON FUNCTION pg_read_file(text) TO vigil_exec; "
                           "CREATE ROLE app_owner; "
                           "CREATE TABLE orders (id int, created_at timestamptz); "
                           "ALTER TABLE orders OWNER TO app_owner; "
                           "CREATE TABLE postgres_owned (id int); "
                           "SELECT count(*) FROM orders"));
    }

    void superuserMayDoEverything()
    {
        for (const bool remote : { false, true }) {
            const std::optional<PrivilegeReport> r = check(QStringLiteral("postgres"), remote);
            QVERIFY(r);
            QVERIFY(r->superuser);
            QCOMPARE(r->possibleModes(), m_allModes);
            QVERIFY(r->readAllStats);
            QVERIFY(r->hostMetrics());
            QCOMPARE(r->parametersAllowed, PrivilegeCheck::tunableParameters());
            QVERIFY(r->reloadConf);
            QCOMPARE(r->tables, userTables());
            QCOMPARE(r->tablesIndexable, r->tables);
            QCOMPARE(r->missingGrants(), QStringList());
            QVERIFY(r->serverVersion >= 150000);
        }
    }

    void monitorOnlyObserves()
    {
        const std::optional<PrivilegeReport> r = check(QStringLiteral("vigil_mon"));
        QVERIFY(r);
        QVERIFY(!r->superuser);
        QCOMPARE(r->possibleModes(), QStringList { QStringLiteral("observe") });
        QVERIFY(r->readAllStats);
        QVERIFY(r->parametersAllowed.isEmpty());
        QVERIFY(!r->reloadConf);
        QCOMPARE(r->tablesIndexable, 0);
        QVERIFY(r->tables >= 2);
        const QStringList grants = r->missingGrants();
        QVERIFY(!grants.contains(QStringLiteral("GRANT pg_monitor TO vigil_mon;")));
        QVERIFY2(
            grants.contains(QStringLiteral("GRANT ALTER SYSTEM ON PARAMETER ")
                + PrivilegeCheck::tunableParameters().join(QStringLiteral(", ")) + QStringLiteral(" TO vigil_mon;")),
            qPrintable(grants.join(u'\n')));
        QVERIFY(grants.contains(QStringLiteral("GRANT EXECUTE ON FUNCTION pg_reload_conf() TO vigil_mon;")));
        QVERIFY(grants.contains(QStringLiteral("GRANT app_owner TO vigil_mon;")));
        QVERIFY(grants.contains(QStringLiteral("GRANT USAGE, CREATE ON SCHEMA public TO vigil_mon;")));
        // Membership in a superuser's role is never suggested.
        QVERIFY(!grants.contains(QStringLiteral("GRANT postgres TO vigil_mon;")));
        QCOMPARE(r->superuserOwners, QStringList { QStringLiteral("postgres") });
        QVERIFY(r->text().contains(QLatin1StringView("approve, autonomous: not possible")));
        QVERIFY(!r->text().contains(QLatin1StringView("partly")));

        // The server agrees.
        QVERIFY(refusal(QStringLiteral("vigil_mon"), QStringLiteral("ALTER SYSTEM SET work_mem = '5MB'"))
                    .contains(QLatin1StringView("permission denied to set parameter")));
        QVERIFY(refusal(QStringLiteral("vigil_mon"), QStringLiteral("SELECT pg_reload_conf()"))
                    .contains(QLatin1StringView("permission denied for function pg_reload_conf")));
        QVERIFY(refusal(QStringLiteral("vigil_mon"), QStringLiteral("CREATE INDEX ON orders (id)"))
                    .contains(QLatin1StringView("must be owner of table orders")));
        // pg_monitor sees other roles' statements with their queryid.
        QString seen;
        QCOMPARE(refusal(QStringLiteral("vigil_mon"),
                     QStringLiteral("SELECT count(queryid) FROM pg_stat_statements WHERE userid <> "
                                    "(SELECT oid FROM pg_roles WHERE rolname = current_user)"),
                     &seen),
            QString());
        QVERIFY2(seen.toInt() > 0, qPrintable(seen));
    }

    void roleWithNothingObservesPartly()
    {
        const std::optional<PrivilegeReport> r = check(QStringLiteral("vigil_none"));
        QVERIFY(r);
        QCOMPARE(r->possibleModes(), QStringList { QStringLiteral("observe") });
        QVERIFY(!r->readAllStats);
        QVERIFY(!r->canAct());
        QVERIFY(r->missingGrants().contains(QStringLiteral("GRANT pg_monitor TO vigil_none;")));
        QVERIFY(r->text().contains(QLatin1StringView("observe: possible (partly")));
        // Local: host metrics need nothing, so no file grant is asked for.
        QVERIFY(r->hostMetrics());
        QVERIFY(!r->missingGrants().join(u' ').contains(QLatin1StringView("pg_read_file")));

        // The server agrees: other roles' statements come without queryid, other roles' sessions without their
        // backend_type (so Vigil's session counts would cover its own only).
        QString hidden;
        QCOMPARE(refusal(QStringLiteral("vigil_none"),
                     QStringLiteral("SELECT count(*) FILTER (WHERE queryid IS NULL) || ' ' || count(queryid) "
                                    "FROM pg_stat_statements WHERE userid <> "
                                    "(SELECT oid FROM pg_roles WHERE rolname = current_user)"),
                     &hidden),
            QString());
        const QStringList counts = hidden.split(u' ');
        QCOMPARE(counts.size(), 2);
        QVERIFY2(counts[0].toInt() > 0 && counts[1].toInt() == 0, qPrintable(hidden));
        PgConnection other; // a session of another role, open while the two roles count client backends
        QString error;
        QVERIFY2(other.open(m_server.conninfo(QStringLiteral("vigil_act")), QStringLiteral("other"), 5000, "/* test */",
                     &error),
            qPrintable(error));
        const QString sessions = QStringLiteral(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND usename = 'vigil_act'");
        QString withStats;
        QString without;
        QCOMPARE(refusal(QStringLiteral("vigil_mon"), sessions, &withStats), QString());
        QCOMPARE(refusal(QStringLiteral("vigil_none"), sessions, &without), QString());
        QCOMPARE(withStats, QStringLiteral("1"));
        QCOMPARE(without, QStringLiteral("0"));
    }

    void remoteHostMetricsNeedBothGrants()
    {
        std::optional<PrivilegeReport> none = check(QStringLiteral("vigil_none"), true);
        QVERIFY(none);
        QVERIFY(!none->hostMetrics());
        QVERIFY(none->missingGrants().contains(QStringLiteral("GRANT pg_read_server_files TO vigil_none;")));
        QVERIFY(none->missingGrants().contains(
            QStringLiteral("GRANT EXECUTE ON FUNCTION pg_read_file(text) TO vigil_none;")));

        // pg_read_server_files alone: the function is not executable.
        std::optional<PrivilegeReport> files = check(QStringLiteral("vigil_files"), true);
        QVERIFY(files);
        QVERIFY(files->readServerFiles && !files->executeReadFile && !files->hostMetrics());
        QVERIFY(!files->missingGrants().contains(QStringLiteral("GRANT pg_read_server_files TO vigil_files;")));
        const QString readLoad = QStringLiteral("SELECT length(pg_read_file('/proc/loadavg')) > 0");
        QVERIFY(refusal(QStringLiteral("vigil_files"), readLoad)
                    .contains(QLatin1StringView("permission denied for function pg_read_file")));
        // EXECUTE alone: absolute paths outside the data directory are refused.
        std::optional<PrivilegeReport> exec = check(QStringLiteral("vigil_exec"), true);
        QVERIFY(exec);
        QVERIFY(!exec->readServerFiles && exec->executeReadFile && !exec->hostMetrics());
        QVERIFY(
            refusal(QStringLiteral("vigil_exec"), readLoad).contains(QLatin1StringView("absolute path not allowed")));
        // Both: /proc is readable, and the report says so.
        sql(QStringLiteral("GRANT EXECUTE ON FUNCTION pg_read_file(text) TO vigil_files"));
        files = check(QStringLiteral("vigil_files"), true);
        QVERIFY(files && files->hostMetrics());
        QString readable;
        QCOMPARE(refusal(QStringLiteral("vigil_files"), readLoad, &readable), QString());
        QCOMPARE(readable, QStringLiteral("t"));
    }

    void grantsUnlockActions()
    {
        const QString role = QStringLiteral("vigil_act");
        // ALTER SYSTEM on one parameter is not enough without pg_reload_conf(): the change would not take effect.
        sql(QStringLiteral("GRANT ALTER SYSTEM ON PARAMETER work_mem TO vigil_act"));
        std::optional<PrivilegeReport> r = check(role);
        QVERIFY(r);
        QCOMPARE(r->parametersAllowed, QStringList { QStringLiteral("work_mem") });
        QVERIFY(!r->parametersDenied.contains(QStringLiteral("work_mem")));
        QCOMPARE(r->possibleModes(), QStringList { QStringLiteral("observe") });
        QCOMPARE(refusal(role, QStringLiteral("ALTER SYSTEM SET work_mem = '5MB'")), QString());
        QVERIFY(refusal(role, QStringLiteral("ALTER SYSTEM SET random_page_cost = 2"))
                    .contains(QLatin1StringView("permission denied to set parameter")));
        QVERIFY(!refusal(role, QStringLiteral("SELECT pg_reload_conf()")).isEmpty());

        sql(QStringLiteral("GRANT EXECUTE ON FUNCTION pg_reload_conf() TO vigil_act"));
        r = check(role);
        QVERIFY(r && r->canChangeParameters() && !r->canIndex());
        QCOMPARE(r->possibleModes(), m_allModes);
        QVERIFY(r->text().contains(QLatin1StringView("possible (parameters only)")));
        QCOMPARE(refusal(role, QStringLiteral("ALTER SYSTEM RESET work_mem")), QString());
        QCOMPARE(refusal(role, QStringLiteral("SELECT pg_reload_conf()")), QString());

        // Ownership (membership in the owner's role) without CREATE on the schema: still no index.
        sql(QStringLiteral("GRANT app_owner TO vigil_act"));
        r = check(role);
        QVERIFY(r);
        QCOMPARE(r->tablesIndexable, 0);
        QVERIFY(!r->missingGrants().contains(QStringLiteral("GRANT app_owner TO vigil_act;")));
        QVERIFY(r->missingGrants().contains(QStringLiteral("GRANT USAGE, CREATE ON SCHEMA public TO vigil_act;")));
        QVERIFY(refusal(role, QStringLiteral("CREATE INDEX CONCURRENTLY orders_id_idx ON orders (id)"))
                    .contains(QLatin1StringView("permission denied for schema public")));

        sql(QStringLiteral("GRANT CREATE ON SCHEMA public TO vigil_act"));
        r = check(role);
        QVERIFY(r);
        QCOMPARE(r->tablesIndexable, 1); // orders; postgres_owned stays out of reach
        QVERIFY(r->canIndex());
        QCOMPARE(refusal(role, QStringLiteral("CREATE INDEX CONCURRENTLY orders_id_idx ON orders (id)")), QString());
        QCOMPARE(refusal(role, QStringLiteral("DROP INDEX CONCURRENTLY orders_id_idx")), QString());
        QVERIFY(refusal(role, QStringLiteral("CREATE INDEX ON postgres_owned (id)"))
                    .contains(QLatin1StringView("must be owner")));

        // Cancelling its own statement (pause during a build) needs no pg_signal_backend.
        PgConnection own;
        QString error;
        QVERIFY2(
            own.open(m_server.conninfo(role), QStringLiteral("own"), 5000, "/* test */", &error), qPrintable(error));
        QString cancelled;
        QCOMPARE(
            refusal(role, QStringLiteral("SELECT pg_cancel_backend(%1)").arg(own.backendPid()), &cancelled), QString());
        QCOMPARE(cancelled, QStringLiteral("t"));
        QString member;
        m_server.psql(QStringLiteral("SELECT pg_has_role('vigil_act', 'pg_signal_backend', 'MEMBER')"), &member);
        QCOMPARE(member, QStringLiteral("f"));
    }

    void vigilctlCheckTellsTheGrants()
    {
        VigilctlRun run = runVigilctl({ QStringLiteral("check"), QStringLiteral("--target"),
            m_server.conninfo(QStringLiteral("vigil_mon")), QStringLiteral("--mode"), QStringLiteral("autonomous") });
        QCOMPARE(run.exitCode, 4);
        QVERIFY2(run.out.contains(QLatin1StringView("GRANT EXECUTE ON FUNCTION pg_reload_conf() TO vigil_mon;")),
            qPrintable(run.out));
        QVERIFY(run.out.contains(QLatin1StringView("mode autonomous: NOT allowed")));

        run = runVigilctl({ QStringLiteral("check"), QStringLiteral("--target"),
            m_server.conninfo(QStringLiteral("vigil_mon")), QStringLiteral("--mode"), QStringLiteral("observe"),
            QStringLiteral("--format"), QStringLiteral("json") });
        QCOMPARE(run.exitCode, 0);
        const std::vector<QJsonObject> lines = run.events();
        QCOMPARE(lines.size(), std::size_t(1));
        QCOMPARE(lines[0].value(QLatin1StringView("modes")).toArray(), QJsonArray { QStringLiteral("observe") });
        QCOMPARE(lines[0].value(QLatin1StringView("mode_possible")).toBool(), true);

        run = runVigilctl({ QStringLiteral("check"), QStringLiteral("--target"),
            m_server.conninfo(QStringLiteral("postgres")), QStringLiteral("--mode"), QStringLiteral("autonomous") });
        QCOMPARE(run.exitCode, 0);
        QVERIFY(!run.out.contains(QLatin1StringView("GRANT")));

        run = runVigilctl({ QStringLiteral("check"), QStringLiteral("--target"),
            m_server.conninfo(QStringLiteral("postgres")), QStringLiteral("--mode"), QStringLiteral("reckless") });
        QCOMPARE(run.exitCode, 2);
    }

    void engineReportsAtStart()
    {
        QTemporaryDir dir;
        EngineConfig config;
        config.targetConninfo = m_server.conninfo(QStringLiteral("vigil_mon"));
        config.storeLocation = dir.filePath(QStringLiteral("store.sqlite"));
        config.mode = Mode::Autonomous;
        Engine engine(config);
        QJsonObject privileges;
        connect(engine.events(), &EventBus::published, this, [&](const EngineEvent &event) {
            if (event.name() == QLatin1StringView("engine.privileges"))
                privileges = event.fields();
        });
        QString error;
        QVERIFY2(engine.start(&error), qPrintable(error));
        engine.stop();
        QCOMPARE(privileges.value(QLatin1StringView("role")).toString(), QStringLiteral("vigil_mon"));
        QCOMPARE(privileges.value(QLatin1StringView("mode")).toString(), QStringLiteral("autonomous"));
        QCOMPARE(privileges.value(QLatin1StringView("mode_possible")).toBool(true), false);
        QVERIFY(privileges.value(QLatin1StringView("text")).toString().contains(QLatin1StringView("pg_reload_conf")));
    }

    void windowShowsWhatTheRoleAllows()
    {
        // The window runs no SQL: it shows the engine's engine.privileges event in its mode label.
        QStandardPaths::setTestModeEnabled(true);
        QTemporaryDir dir;
        Settings settings(dir.filePath(QStringLiteral("vigil.ini")));
        EngineConfig config;
        config.targetConninfo = m_server.conninfo(QStringLiteral("vigil_mon"));
        config.storeLocation = dir.filePath(QStringLiteral("store.sqlite"));
        EngineRunner runner(config);
        MainWindow window(&settings);
        window.setMode(Mode::Autonomous);
        window.attachEngine(&runner, QStringLiteral("test"));
        QSignalSpy started(&runner, &EngineRunner::started);
        runner.start();
        QVERIFY(started.wait(20000));
        QVERIFY2(started.front().at(0).toBool(), qPrintable(started.front().at(1).toString()));
        const auto *label = window.findChild<QLabel *>(QStringLiteral("modeLabel"));
        QVERIFY(label);
        QTRY_VERIFY2(label->text().contains(QLatin1StringView("not allowed")), qPrintable(label->text()));
        QVERIFY(
            label->toolTip().contains(QLatin1StringView("GRANT EXECUTE ON FUNCTION pg_reload_conf() TO vigil_mon;")));
        window.setMode(Mode::Observe);
        QCOMPARE(label->text(), QStringLiteral("mode: observe"));
        runner.stop();
    }
};

QTEST_MAIN(TestPrivilegeCheck)
#include "tst_privilegecheck.moc"
