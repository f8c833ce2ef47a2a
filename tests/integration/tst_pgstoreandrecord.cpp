// SPDX-License-Identifier: MIT
// Things that need a live server and nothing else: the knowledge store on PostgreSQL (a team's shared journal, two
// writers at once), `vigilctl record` producing a trace that `vigilctl replay` reads, and the storage probe beside it.
#include "pgbenchload.h"
#include "pgserver.h"
#include "store/knowledgestore.h"
#include "vigilctlrunner.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <memory>
#include <sys/stat.h>

using namespace vigil;
using namespace vigil::testing;

class TestPgStoreAndRecord : public QObject
{
    Q_OBJECT

    PgServer m_server;
    QTemporaryDir m_dir;

    /// Two pgbench clients reading (select-only) at `rate` transactions a second for up to a minute.
    PgBenchLoad readLoad(int rate)
    {
        return PgBenchLoad(m_server,
            { QStringLiteral("-n"), QStringLiteral("-S"), QStringLiteral("-c"), QStringLiteral("2"),
                QStringLiteral("-R"), QString::number(rate), QStringLiteral("-T"), QStringLiteral("60") });
    }

private slots:
    void initTestCase()
    {
        QLocale::setDefault(QLocale::c());
        QString error;
        QVERIFY2(m_server.start(&error), qPrintable(error));
        QVERIFY2(m_server.pgbenchInit(1, &error), qPrintable(error));
        QVERIFY(m_server.psql(QStringLiteral("CREATE DATABASE vigil_store")));
    }

    void journalOnPostgreSQL()
    {
        const QString location
            = QStringLiteral("host=127.0.0.1 port=%1 dbname=vigil_store user=postgres").arg(m_server.port());
        QString error;
        const std::unique_ptr<KnowledgeStore> store = KnowledgeStore::open(location, &error);
        QVERIFY2(store, qPrintable(error));
        Action a;
        a.target = QStringLiteral("db1:5432/app");
        a.kind = ActionKind::SetParameter;
        a.applySql = QStringLiteral("ALTER SYSTEM SET work_mem = '8MB'");
        a.rollbackSql = QStringLiteral("ALTER SYSTEM RESET work_mem");
        a.details = { { QStringLiteral("name"), QStringLiteral("work_mem") } };
        const qint64 id = store->createAction(a, QStringLiteral("test"));
        QVERIFY2(id > 0, qPrintable(store->lastError()));
        QVERIFY(store->transition(id, ActionState::Applying, QStringLiteral("go")));
        QVERIFY(store->transition(id, ActionState::Observing, QStringLiteral("applied")));
        QVERIFY(!store->transition(id, ActionState::Proposed, QStringLiteral("not allowed")));
        QCOMPARE(store->inFlight().size(), std::size_t(1));
        QCOMPARE(store->transitions(id).size(), std::size_t(3));
        QCOMPARE(store->action(id)->details.value(QLatin1StringView("name")).toString(), QStringLiteral("work_mem"));
    }

    void twoWritersLoseNothing()
    {
        // Two vigilctl-like writers on one shared store, each in its own thread with its own connection.
        const QString location
            = QStringLiteral("host=127.0.0.1 port=%1 dbname=vigil_store user=postgres").arg(m_server.port());
        auto writer = [&](const QString &target) {
            QString error;
            std::unique_ptr<KnowledgeStore> store = KnowledgeStore::open(location, &error);
            if (!store)
                return;
            for (int i = 0; i < 25; ++i) {
                Action a;
                a.target = target;
                a.applySql = QStringLiteral("SELECT 1");
                a.rollbackSql = QStringLiteral("SELECT 2");
                const qint64 id = store->createAction(a);
                store->transition(id, ActionState::Applying, QStringLiteral("go"));
                store->transition(id, ActionState::Observing, QStringLiteral("applied"));
                store->transition(id, ActionState::Kept, QStringLiteral("fine"));
            }
        };
        std::unique_ptr<QThread> first(QThread::create(writer, QStringLiteral("agent-a")));
        std::unique_ptr<QThread> second(QThread::create(writer, QStringLiteral("agent-b")));
        first->start();
        second->start();
        QVERIFY(first->wait(60000));
        QVERIFY(second->wait(60000));
        QString error;
        const std::unique_ptr<KnowledgeStore> store = KnowledgeStore::open(location, &error);
        QVERIFY(store);
        for (const QString &target : { QStringLiteral("agent-a"), QStringLiteral("agent-b") }) {
            const std::vector<Action> actions = store->actions(target);
            QCOMPARE(actions.size(), std::size_t(25));
            for (const Action &a : actions) {
                QCOMPARE(a.state, ActionState::Kept);
                QCOMPARE(store->transitions(a.id).size(), std::size_t(4));
            }
        }
    }

    void recordThenReplay()
    {
        PgBenchLoad load = readLoad(100);
        QString error;
        QVERIFY2(load.start(&error), qPrintable(error));
        const VigilctlRun record = runVigilctl({ QStringLiteral("record"), QStringLiteral("--target"),
            m_server.conninfo(), QStringLiteral("--seconds"), QStringLiteral("4") });
        QVERIFY2(record.exitCode == 0, qPrintable(record.err));
        const std::vector<QJsonObject> lines = record.events();
        QVERIFY(lines.size() >= 4);
        QCOMPARE(lines.front().value(QLatin1StringView("format")).toString(), QStringLiteral("vigil-trace/1"));
        QVERIFY(lines.front().value(QLatin1StringView("statements")).toObject().size() > 0);
        QVERIFY(lines.back().value(QLatin1StringView("pgss")).toArray().size() > 0);
        const QJsonObject sys = lines.back().value(QLatin1StringView("sys")).toObject();
        QVERIFY(sys.contains(QLatin1StringView("cpu_pct")));
        // The hypervisor's share is recorded apart (0 on bare metal), never above the busy share it is part of.
        const QJsonValue steal = sys.value(QLatin1StringView("steal_pct"));
        QVERIFY(steal.isDouble());
        QVERIFY(steal.toDouble() >= 0);
        QVERIFY(steal.toDouble() <= sys.value(QLatin1StringView("cpu_pct")).toDouble());
        // No action in a plain recording: replay reads it and has nothing to decide.
        const QString path = m_dir.filePath(QStringLiteral("recorded.jsonl"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(record.out.toUtf8());
        file.close();
        const VigilctlRun replay = runVigilctl({ QStringLiteral("replay"), path });
        QVERIFY2(replay.exitCode == 0, qPrintable(replay.err));
        QVERIFY(replay.out.trimmed().isEmpty());
    }

    void recordWithTheStorageProbe()
    {
        // Beside a local server: every tick after the first says how long a write beside the data directory waited.
        const VigilctlRun record = runVigilctl(
            { QStringLiteral("record"), QStringLiteral("--target"), m_server.conninfo(), QStringLiteral("--seconds"),
                QStringLiteral("3"), QStringLiteral("--storage-probe-dir"), m_dir.path() });
        QVERIFY2(record.exitCode == 0, qPrintable(record.err));
        const std::vector<QJsonObject> lines = record.events();
        QVERIFY(lines.size() >= 4); // the header and a sample a second
        for (std::size_t i = 2; i < lines.size(); ++i) {
            const QJsonValue wait
                = lines[i].value(QLatin1StringView("sys")).toObject().value(QLatin1StringView("storage_wait_ms"));
            QVERIFY2(wait.isDouble() && wait.toDouble() > 0 && wait.toDouble() < 60000,
                QJsonDocument(lines[i]).toJson(QJsonDocument::Compact).constData());
        }
        // Its file is gone with the recorder.
        QCOMPARE(QDir(m_dir.path())
                     .entryList({ QStringLiteral(".vigil-storage-probe-*") }, QDir::Files | QDir::Hidden)
                     .size(),
            0);
        // A directory that is not there: refused before anything is recorded, with the reason.
        const QString missing = m_dir.filePath(QStringLiteral("no-such-directory"));
        const VigilctlRun refused
            = runVigilctl({ QStringLiteral("record"), QStringLiteral("--target"), m_server.conninfo(),
                QStringLiteral("--seconds"), QStringLiteral("1"), QStringLiteral("--storage-probe-dir"), missing });
        QCOMPARE(refused.exitCode, 2);
        QVERIFY2(refused.err.contains(missing), qPrintable(refused.err));
        QVERIFY(refused.out.isEmpty());
    }

    void applyWithTheStorageProbe()
    {
        // The engine's own probe: a guarded change on a local server reads it into every sample it publishes.
        PgBenchLoad load = readLoad(200);
        QString error;
        QVERIFY2(load.start(&error), qPrintable(error));
        auto apply = [this](const QString &directory) {
            return runVigilctl({ QStringLiteral("apply"), QStringLiteral("--target"), m_server.conninfo(),
                QStringLiteral("--sql"), QStringLiteral("ALTER SYSTEM SET log_autovacuum_min_duration = 0"),
                QStringLiteral("--store"), m_dir.filePath(QStringLiteral("probe.sqlite")), QStringLiteral("--interval"),
                QStringLiteral("1"), QStringLiteral("--window"), QStringLiteral("3"), QStringLiteral("--baseline"),
                QStringLiteral("3"), QStringLiteral("--storage-probe-dir"), directory });
        };
        const VigilctlRun beside = apply(m_dir.path());
        QVERIFY2(beside.exitCode == 0, qPrintable(beside.err));
        int probed = 0;
        for (const QJsonObject &e : beside.events()) {
            if (e.value(QLatin1StringView("event")).toString() == QLatin1StringView("collector.notice"))
                QVERIFY2(!e.value(QLatin1StringView("message")).toString().contains(QLatin1StringView("storage")),
                    qPrintable(e.value(QLatin1StringView("message")).toString()));
            if (e.value(QLatin1StringView("event")).toString() == QLatin1StringView("sample")
                && e.value(QLatin1StringView("storage_wait_ms")).toDouble() > 0)
                ++probed;
        }
        QVERIFY2(probed >= 3, qPrintable(beside.out.left(2000)));
        // A directory on another file system than the data directory's would time another disk: refused, said.
        QTemporaryDir other(QStringLiteral("/dev/shm/vigil-probe-XXXXXX"));
        struct stat data
        {
        };
        struct stat shm
        {
        };
        if (!other.isValid() || ::stat(QFile::encodeName(m_server.dataDirectory()).constData(), &data) != 0
            || ::stat(QFile::encodeName(other.path()).constData(), &shm) != 0 || data.st_dev == shm.st_dev)
            QSKIP("no second file system (/dev/shm) here");
        const VigilctlRun elsewhere = apply(other.path());
        QVERIFY2(elsewhere.exitCode == 0, qPrintable(elsewhere.err));
        QVERIFY2(elsewhere.out.contains(QLatin1StringView("on another file system than the data directory")),
            qPrintable(elsewhere.out.left(2000)));
    }
};

QTEST_GUILESS_MAIN(TestPgStoreAndRecord)
#include "tst_pgstoreandrecord.moc"
