// SPDX-License-Identifier: MIT
// One server, one target: the same PostgreSQL reached through a connection string, through PGHOST/PGPORT, through a
// service file and through its Unix socket has one name in the journal and in `vigilctl check`, the name of what
// libpq connected to (TargetIdentity), with the cluster's system identifier beside it.
#include "Engine.h"
#include "act/actionfromsql.h"
#include "collect/targetidentity.h"
#include "pgserver.h"
#include "store/knowledgestore.h"
#include "vigilctlrunner.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace vigil;
using namespace vigil::testing;

namespace {

/// One way to reach the server: a connection string and the environment libpq reads beside it.
struct Way
{
    QString name;
    QString conninfo;
    QMap<QString, QString> environment;
};

/// Sets PG* variables for the test's own process (libpq reads them at connect) and restores them after.
class ScopedEnvironment
{
public:
    explicit ScopedEnvironment(const QMap<QString, QString> &values)
    {
        for (auto it = values.begin(); it != values.end(); ++it) {
            m_saved.insert(it.key(),
                qEnvironmentVariableIsSet(qPrintable(it.key()))
                    ? std::optional<QByteArray>(qgetenv(qPrintable(it.key())))
                    : std::nullopt);
            qputenv(qPrintable(it.key()), it.value().toUtf8());
        }
    }
    ~ScopedEnvironment()
    {
        for (auto it = m_saved.begin(); it != m_saved.end(); ++it) {
            if (it.value())
                qputenv(qPrintable(it.key()), *it.value());
            else
                qunsetenv(qPrintable(it.key()));
        }
    }

private:
    QMap<QString, std::optional<QByteArray>> m_saved;
};

} // namespace

class TestTargetIdentity : public QObject
{
    Q_OBJECT

    PgServer m_server;
    QTemporaryDir m_dir;
    std::vector<Way> m_ways;

    QString expectedName() const
    {
        return QStringLiteral("%1:%2/%3")
            .arg(TargetIdentity::hostName(QStringLiteral("127.0.0.1")))
            .arg(m_server.port())
            .arg(m_server.database());
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QString error;
        QVERIFY2(m_server.start(&error), qPrintable(error));
        const QString port = QString::number(m_server.port());
        const QString serviceFile = m_dir.filePath(QStringLiteral("pg_service.conf"));
        QFile file(serviceFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QStringLiteral("[vigil_lab]\nhost=127.0.0.1\nport=%1\ndbname=%2\nuser=postgres\n")
                       .arg(port, m_server.database())
                       .toUtf8());
        file.close();
        m_ways = {
            { QStringLiteral("a connection string"), m_server.conninfo(), {} },
            { QStringLiteral("PGHOST and PGPORT"), QStringLiteral("dbname=%1 user=postgres").arg(m_server.database()),
                { { QStringLiteral("PGHOST"), QStringLiteral("127.0.0.1") }, { QStringLiteral("PGPORT"), port } } },
            { QStringLiteral("a service file"), QStringLiteral("service=vigil_lab"),
                { { QStringLiteral("PGSERVICEFILE"), serviceFile } } },
            { QStringLiteral("the Unix socket"),
                QStringLiteral("host=%1 port=%2 dbname=%3 user=postgres")
                    .arg(m_server.directory(), port, m_server.database()),
                {} },
        };
    }

    void checkNamesOneTarget()
    {
        QString systemIdentifier;
        for (const Way &way : m_ways) {
            QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
            for (const char *name : { "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE", "PGSERVICEFILE" })
                environment.remove(QString::fromLatin1(name));
            for (auto it = way.environment.begin(); it != way.environment.end(); ++it)
                environment.insert(it.key(), it.value());
            const VigilctlRun run = runVigilctl({ QStringLiteral("check"), QStringLiteral("--target"), way.conninfo,
                                                    QStringLiteral("--format"), QStringLiteral("json") },
                30000, environment);
            QVERIFY2(run.exitCode == 0, qPrintable(way.name + u": " + run.err));
            const std::vector<QJsonObject> lines = run.events();
            QVERIFY2(!lines.empty(), qPrintable(run.out));
            QCOMPARE(lines.front().value(QLatin1StringView("target")).toString(), expectedName());
            const QString identifier = lines.front().value(QLatin1StringView("system_identifier")).toString();
            QVERIFY2(identifier.size() > 10, qPrintable(way.name + u": " + identifier));
            if (systemIdentifier.isEmpty())
                systemIdentifier = identifier;
            QCOMPARE(identifier, systemIdentifier);
        }
        // The text form names it too.
        const VigilctlRun text = runVigilctl({ QStringLiteral("check"), QStringLiteral("--target"), m_server.conninfo(),
            QStringLiteral("--format"), QStringLiteral("text") });
        QVERIFY2(text.out.startsWith(expectedName() + u':'), qPrintable(text.out));
        QVERIFY2(text.out.contains(QStringLiteral("system identifier: ") + systemIdentifier), qPrintable(text.out));
    }

    void theJournalHasOneTarget()
    {
        const QString storePath = m_dir.filePath(QStringLiteral("journal.sqlite"));
        for (const Way &way : m_ways) {
            const ScopedEnvironment environment(way.environment);
            EngineConfig config;
            config.targetConninfo = way.conninfo;
            config.storeLocation = storePath;
            config.tickSeconds = 1;
            config.mode = Mode::Approve;
            config.analyseSeconds = 0;
            Engine engine(config);
            QString error;
            QVERIFY2(engine.start(&error), qPrintable(way.name + u": " + error));
            QCOMPARE(engine.targetName(), expectedName());
            // A proposal is journalled under the engine's name for the target, whichever way it was reached.
            const std::optional<Action> action = actionFromSql(
                QStringLiteral("ALTER SYSTEM SET work_mem = '%1MB'").arg(8 + int(&way - m_ways.data())), {}, &error);
            QVERIFY2(action, qPrintable(error));
            QSignalSpy refused(&engine, &Engine::actionRefused);
            engine.propose(*action);
            QTRY_COMPARE_WITH_TIMEOUT(engine.store()->actions().size(), std::size_t(&way - m_ways.data() + 1), 10000);
            QVERIFY2(refused.isEmpty(), refused.isEmpty() ? "" : qPrintable(refused.front().front().toString()));
            engine.stop();
        }
        QString error;
        const std::unique_ptr<KnowledgeStore> store = KnowledgeStore::open(storePath, &error);
        QVERIFY2(store, qPrintable(error));
        const std::vector<Action> actions = store->actions();
        QCOMPARE(actions.size(), m_ways.size());
        for (const Action &a : actions)
            QCOMPARE(a.target, expectedName());
        QCOMPARE(store->actions(expectedName()).size(), m_ways.size());
    }

    void findingsListsWhatWaitsForAPerson()
    {
        // The proposals above wait for approval: `vigilctl findings` lists them, with the ids approve/reject take.
        const QString storePath = m_dir.filePath(QStringLiteral("journal.sqlite"));
        const VigilctlRun json = runVigilctl({ QStringLiteral("findings"), QStringLiteral("--store"), storePath,
            QStringLiteral("--target"), m_server.conninfo(), QStringLiteral("--format"), QStringLiteral("json") });
        QCOMPARE(json.exitCode, 1); // something waits
        const std::vector<QJsonObject> lines = json.events();
        QCOMPARE(lines.size(), m_ways.size());
        for (const QJsonObject &line : lines) {
            QVERIFY(line.value(QLatin1StringView("id")).toInteger() > 0);
            QCOMPARE(line.value(QLatin1StringView("target")).toString(), expectedName());
            QVERIFY2(
                line.value(QLatin1StringView("apply_sql")).toString().startsWith(QLatin1StringView("ALTER SYSTEM")),
                qPrintable(json.out));
            QVERIFY2(line.value(QLatin1StringView("rollback_sql")).toString().contains(QLatin1StringView("work_mem")),
                qPrintable(json.out));
        }
        const VigilctlRun text = runVigilctl({ QStringLiteral("findings"), QStringLiteral("--store"), storePath,
            QStringLiteral("--format"), QStringLiteral("text") });
        QCOMPARE(text.exitCode, 1);
        QVERIFY2(text.out.startsWith(u'#')
                && text.out.contains(QLatin1StringView("  apply:    ALTER SYSTEM SET \"work_mem\" = '8MB'")),
            qPrintable(text.out));
        // Another target's journal has nothing waiting.
        const VigilctlRun none = runVigilctl(
            { QStringLiteral("findings"), QStringLiteral("--store"), storePath, QStringLiteral("--target"),
                QStringLiteral("elsewhere:5432/db"), QStringLiteral("--format"), QStringLiteral("text") });
        QCOMPARE(none.exitCode, 0);
        QVERIFY2(none.out.contains(QLatin1StringView("nothing waits")), qPrintable(none.out));
        const VigilctlRun bad = runVigilctl({ QStringLiteral("findings"), QStringLiteral("--store"), storePath,
            QStringLiteral("--format"), QStringLiteral("xml") });
        QCOMPARE(bad.exitCode, 2);
    }

    void cleanupTestCase() { m_server.stop(); }
};

QTEST_GUILESS_MAIN(TestTargetIdentity)
#include "tst_targetidentity.moc"
