// SPDX-License-Identifier: MIT
#include "store/knowledgestore.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QLocale>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <memory>

using namespace vigil;

Q_DECLARE_METATYPE(vigil::ActionState)
Q_DECLARE_METATYPE(vigil::ActionKind)
Q_DECLARE_METATYPE(vigil::ActionOrigin)

namespace {

/// A second, plain connection to a store's SQLite file: to look at rows the store's API does not expose, or to
/// break the store from outside.
class RawSqlite
{
public:
    explicit RawSqlite(const QString &path)
        : m_name(QStringLiteral("raw-%1").arg(++s_count))
    {
        m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        m_db.setDatabaseName(path);
        m_db.open();
    }
    ~RawSqlite()
    {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_name);
    }
    RawSqlite(const RawSqlite &) = delete;
    RawSqlite &operator=(const RawSqlite &) = delete;

    bool isOpen() const { return m_db.isOpen(); }

    bool exec(const QString &statement)
    {
        QSqlQuery q(m_db);
        if (!q.exec(statement)) {
            qWarning() << statement << q.lastError().text();
            return false;
        }
        return true;
    }

    /// The first column of each row.
    QVariantList column(const QString &statement)
    {
        QVariantList values;
        QSqlQuery q(m_db);
        if (!q.exec(statement)) {
            qWarning() << statement << q.lastError().text();
            return values;
        }
        while (q.next())
            values << q.value(0);
        return values;
    }

    /// Every row, every column, with `values` bound to the statement's placeholders.
    QList<QVariantList> rows(const QString &statement, const QVariantList &values = {})
    {
        QList<QVariantList> result;
        QSqlQuery q(m_db);
        q.prepare(statement);
        for (const QVariant &value : values)
            q.addBindValue(value);
        if (!q.exec()) {
            qWarning() << statement << q.lastError().text();
            return result;
        }
        while (q.next()) {
            QVariantList row;
            for (int i = 0; i < q.record().count(); ++i)
                row << q.value(i);
            result << row;
        }
        return result;
    }

    QVariant value(const QString &statement)
    {
        const QVariantList values = column(statement);
        return values.isEmpty() ? QVariant() : values.first();
    }

private:
    static inline int s_count = 0;
    QString m_name;
    QSqlDatabase m_db;
};

Action sampleAction(const QString &target = QStringLiteral("db1:5432/app"))
{
    Action a;
    a.target = target;
    a.kind = ActionKind::CreateIndex;
    a.origin = ActionOrigin::Auto;
    a.applySql = QStringLiteral("CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id)");
    a.rollbackSql = QStringLiteral("DROP INDEX CONCURRENTLY orders_customer_idx");
    a.reversible = true;
    a.needsRestart = false;
    a.reason = QStringLiteral("sequential scans on orders by customer_id");
    a.details = QJsonObject { { QStringLiteral("index"), QStringLiteral("orders_customer_idx") },
        { QStringLiteral("table"), QStringLiteral("orders") }, { QStringLiteral("schema"), QStringLiteral("public") } };
    return a;
}

/// Walks a fresh action through `path` (each step must be allowed).
bool walk(KnowledgeStore &store, qint64 id, const QList<ActionState> &path)
{
    for (const ActionState state : path) {
        if (!store.transition(id, state, QStringLiteral("step to ") + stateName(state)))
            return false;
    }
    return true;
}

/// The connection a store opened: the one name that was not there before.
QString newConnection(const QStringList &before)
{
    for (const QString &name : QSqlDatabase::connectionNames()) {
        if (!before.contains(name))
            return name;
    }
    return {};
}

QString describe(const std::vector<Transition> &transitions)
{
    QStringList steps;
    for (const Transition &t : transitions)
        steps << stateName(t.from) + QStringLiteral("->") + stateName(t.to) + u'(' + t.reason + u')';
    return steps.join(u' ');
}

void compareActions(const Action &actual, const Action &expected)
{
    QCOMPARE(actual.id, expected.id);
    QCOMPARE(actual.target, expected.target);
    QCOMPARE(actual.kind, expected.kind);
    QCOMPARE(actual.origin, expected.origin);
    QCOMPARE(actual.state, expected.state);
    QCOMPARE(actual.applySql, expected.applySql);
    QCOMPARE(actual.rollbackSql, expected.rollbackSql);
    QCOMPARE(actual.reversible, expected.reversible);
    QCOMPARE(actual.needsRestart, expected.needsRestart);
    QCOMPARE(actual.reason, expected.reason);
    QCOMPARE(actual.details, expected.details);
    QCOMPARE(actual.evidence, expected.evidence);
    QCOMPARE(actual.createdAt, expected.createdAt);
    QCOMPARE(actual.updatedAt, expected.updatedAt);
}

constexpr double kNow = 1714564800.0; // 2024-05-01T12:00:00Z, on a whole minute

} // namespace

class TestKnowledgeStore : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_files = 0;

    /// A path for a new store file in this test's temporary directory.
    QString freshPath() { return m_dir.filePath(QStringLiteral("store-%1/vigil.sqlite").arg(++m_files)); }

    std::unique_ptr<KnowledgeStore> openFresh(QString *path = nullptr)
    {
        const QString p = freshPath();
        if (path)
            *path = p;
        QString error;
        auto store = KnowledgeStore::open(p, &error);
        if (!store)
            qWarning() << "open failed:" << error;
        return store;
    }

private slots:
    void initTestCase()
    {
        QLocale::setDefault(QLocale::c());
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
    }

    void defaultLocationIsInAppData()
    {
        const QString location = KnowledgeStore::defaultLocation();
        QCOMPARE(location,
            QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/vigil.sqlite"));
        QVERIFY(!KnowledgeStore::isConninfo(location));
    }

    void isConninfo_data()
    {
        QTest::addColumn<QString>("location");
        QTest::addColumn<bool>("conninfo");

        QTest::newRow("keyword/value") << QStringLiteral("host=db1 dbname=vigil") << true;
        QTest::newRow("a single keyword") << QStringLiteral("dbname=vigil") << true;
        QTest::newRow("spaces around =") << QStringLiteral("  host = db1 port=5432") << true;
        QTest::newRow("quoted value") << QStringLiteral("password='a b' host=db1") << true;
        QTest::newRow("postgresql URI") << QStringLiteral("postgresql://vigil@db1:5432/vigil") << true;
        QTest::newRow("postgres URI") << QStringLiteral("postgres://db1/vigil") << true;
        QTest::newRow("URI scheme in capitals") << QStringLiteral("PostgreSQL://db1/vigil") << true;
        QTest::newRow("absolute path") << QStringLiteral("/var/lib/vigil/vigil.sqlite") << false;
        QTest::newRow("relative path") << QStringLiteral("vigil.sqlite") << false;
        QTest::newRow("path with = in a directory") << QStringLiteral("/srv/a=b/vigil.sqlite") << false;
        QTest::newRow("relative path with =") << QStringLiteral("./x=1.sqlite") << false;
        QTest::newRow("file name with =") << QStringLiteral("store.v2=old.sqlite") << false;
        QTest::newRow("Windows path") << QStringLiteral("C:/Users/dba/vigil.sqlite") << false;
        QTest::newRow("in-memory SQLite") << QStringLiteral(":memory:") << false;
        QTest::newRow("empty") << QString() << false;
        QTest::newRow("http URL") << QStringLiteral("http://db1/vigil") << false;
    }

    void isConninfo()
    {
        QFETCH(QString, location);
        QFETCH(bool, conninfo);
        QCOMPARE(KnowledgeStore::isConninfo(location), conninfo);
    }

    void openCreatesSchemaVersion1()
    {
        // Two directory levels that do not exist yet: open() makes them.
        const QString path = m_dir.filePath(QStringLiteral("new/deeper/vigil.sqlite"));
        QVERIFY(!QFileInfo::exists(QFileInfo(path).absolutePath()));
        QString error;
        auto store = KnowledgeStore::open(path, &error);
        QVERIFY2(store, qPrintable(error));
        QCOMPARE(store->schemaVersion(), 1);
        QVERIFY(QFileInfo::exists(path));

        RawSqlite raw(path);
        QVERIFY(raw.isOpen());
        QCOMPARE(raw.column(QStringLiteral("SELECT version FROM schema_version")), QVariantList { 1 });
        const QVariantList tables = raw.column(
            QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                           "ORDER BY name"));
        QCOMPARE(tables,
            (QVariantList { QStringLiteral("actions"), QStringLiteral("samples"), QStringLiteral("schema_version"),
                QStringLiteral("transitions") }));
        QVERIFY(raw.column(QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'index'"))
                    .contains(QStringLiteral("samples_target_t")));
        // WAL is a property of the file: a fresh connection sees it.
        QCOMPARE(raw.value(QStringLiteral("PRAGMA journal_mode")).toString(), QStringLiteral("wal"));
    }

    void openFailsWithAReadableError()
    {
        // A regular file where the store's directory should be: no permission can make that work, root or not.
        const QString blocker = m_dir.filePath(QStringLiteral("blocker"));
        QFile file(blocker);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        QString error;
        const auto store = KnowledgeStore::open(blocker + QStringLiteral("/vigil.sqlite"), &error);
        QVERIFY(!store);
        QVERIFY2(error.contains(QStringLiteral("could not")), qPrintable(error));

        QVERIFY(!KnowledgeStore::open(QString(), &error));
        QVERIFY(!error.isEmpty());
    }

    void eachStoreHasItsOwnConnection()
    {
        const QStringList before = QSqlDatabase::connectionNames();
        QString path;
        auto first = openFresh(&path);
        QVERIFY(first);
        QString error;
        auto second = KnowledgeStore::open(path, &error);
        QVERIFY2(second, qPrintable(error));
        QCOMPARE(QSqlDatabase::connectionNames().size(), before.size() + 2);

        // Both see one file: a row written through one is read through the other.
        const qint64 id = first->createAction(sampleAction());
        QVERIFY2(id > 0, qPrintable(first->lastError()));
        QVERIFY(second->action(id).has_value());

        first.reset();
        second.reset();
        QCOMPARE(QSqlDatabase::connectionNames(), before);
    }

    void reopenKeepsData()
    {
        QString path;
        Action stored;
        {
            auto store = openFresh(&path);
            QVERIFY(store);
            const qint64 id = store->createAction(sampleAction(), QStringLiteral("proposed by the detector"));
            QVERIFY2(id > 0, qPrintable(store->lastError()));
            QVERIFY(store->transition(id, ActionState::AwaitingApproval, QStringLiteral("approve mode")));
            Sample s;
            s.tEnd = kNow;
            s.tps = 120.5;
            QVERIFY(store->addSample(QStringLiteral("db1:5432/app"), s));
            stored = *store->action(id);
        }
        QString error;
        auto store = KnowledgeStore::open(path, &error);
        QVERIFY2(store, qPrintable(error));
        QCOMPARE(store->schemaVersion(), 1);
        const auto again = store->action(stored.id);
        QVERIFY(again);
        compareActions(*again, stored);
        QCOMPARE(store->transitions(stored.id).size(), std::size_t(2));
        QCOMPARE(store->sampleCount(QStringLiteral("db1:5432/app")), 1);

        // What the file holds, for whoever reads it without Vigil: booleans as integers, times as ISO-8601 UTC.
        RawSqlite raw(path);
        QCOMPARE(raw.column(QStringLiteral("SELECT version FROM schema_version")), QVariantList { 1 });
        QCOMPARE(raw.rows(QStringLiteral("SELECT typeof(reversible), typeof(needs_restart), reversible FROM actions")),
            (QList<QVariantList> { { QStringLiteral("integer"), QStringLiteral("integer"), 1 } }));
        QCOMPARE(raw.value(QStringLiteral("SELECT created_at FROM actions")).toString(),
            stored.createdAt.toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzzZ")));
    }

    void createAction_data()
    {
        QTest::addColumn<ActionKind>("kind");
        QTest::addColumn<ActionOrigin>("origin");
        QTest::addColumn<ActionState>("state");
        QTest::addColumn<bool>("accepted");

        QTest::newRow("detector's index, proposed")
            << ActionKind::CreateIndex << ActionOrigin::Auto << ActionState::Proposed << true;
        QTest::newRow("parameter awaiting approval")
            << ActionKind::SetParameter << ActionOrigin::Auto << ActionState::AwaitingApproval << true;
        QTest::newRow("DBA's statement applied at once")
            << ActionKind::Sql << ActionOrigin::User << ActionState::Applying << true;
        QTest::newRow("drop index that failed to start")
            << ActionKind::DropIndex << ActionOrigin::User << ActionState::Failed << true;
        QTest::newRow("already kept: never happened")
            << ActionKind::Sql << ActionOrigin::User << ActionState::Kept << false;
        QTest::newRow("already observing: skipped applying")
            << ActionKind::Sql << ActionOrigin::User << ActionState::Observing << false;
    }

    void createAction()
    {
        QFETCH(ActionKind, kind);
        QFETCH(ActionOrigin, origin);
        QFETCH(ActionState, state);
        QFETCH(bool, accepted);

        auto store = openFresh();
        QVERIFY(store);
        Action a = sampleAction();
        a.kind = kind;
        a.origin = origin;
        a.state = state;
        a.reversible = kind != ActionKind::Sql;
        a.needsRestart = kind == ActionKind::SetParameter;
        const qint64 id = store->createAction(a, QStringLiteral("first step"));
        if (!accepted) {
            QCOMPARE(id, 0);
            QVERIFY2(store->lastError().contains(stateName(state)), qPrintable(store->lastError()));
            QVERIFY(store->actions().empty());
            return;
        }
        QVERIFY2(id > 0, qPrintable(store->lastError()));
        const auto back = store->action(id);
        QVERIFY(back);
        QCOMPARE(back->kind, kind);
        QCOMPARE(back->origin, origin);
        QCOMPARE(back->state, state);
        QCOMPARE(back->reversible, a.reversible);
        QCOMPARE(back->needsRestart, a.needsRestart);
        QCOMPARE(back->reason, QStringLiteral("first step"));
        const auto steps = store->transitions(id);
        QCOMPARE(steps.size(), std::size_t(1));
        QCOMPARE(steps[0].from, ActionState::Proposed);
        QCOMPARE(steps[0].to, state);
        QCOMPARE(steps[0].reason, QStringLiteral("first step"));
    }

    void createAndTransitionRoundTrip()
    {
        auto store = openFresh();
        QVERIFY(store);
        Action a = sampleAction();
        // Unicode, nesting and numbers: the JSON columns must give back exactly what went in.
        a.details.insert(QStringLiteral("columns"), QJsonArray { QStringLiteral("customer_id"), QStringLiteral("ä€") });
        a.details.insert(QStringLiteral("estimate"),
            QJsonObject { { QStringLiteral("rows"), 1234567 }, { QStringLiteral("cost"), 0.125 } });
        a.evidence = QJsonObject { { QStringLiteral("seq_scans"), 42 } };
        a.createdAt = QDateTime(QDate(2001, 1, 1), QTime(0, 0), Qt::UTC); // the store stamps its own time

        const QDateTime before = QDateTime::currentDateTimeUtc();
        const qint64 id = store->createAction(a);
        const QDateTime after = QDateTime::currentDateTimeUtc();
        QVERIFY2(id > 0, qPrintable(store->lastError()));

        auto back = store->action(id);
        QVERIFY(back);
        QCOMPARE(back->id, id);
        QCOMPARE(back->target, a.target);
        QCOMPARE(back->applySql, a.applySql);
        QCOMPARE(back->rollbackSql, a.rollbackSql);
        QCOMPARE(back->reason, a.reason); // no reason given: the action's own
        QCOMPARE(back->details, a.details);
        QCOMPARE(back->evidence, a.evidence);
        QCOMPARE(back->createdAt.timeSpec(), Qt::UTC);
        QVERIFY2(back->createdAt >= before && back->createdAt <= after,
            qPrintable(back->createdAt.toString(Qt::ISODateWithMs)));
        QCOMPARE(back->updatedAt, back->createdAt);

        const QJsonObject verdict { { QStringLiteral("verdict"), QStringLiteral("keep") },
            { QStringLiteral("p95_change_pct"), -3.5 } };
        QVERIFY2(store->transition(id, ActionState::AwaitingApproval, QStringLiteral("approve mode")),
            qPrintable(store->lastError()));
        QVERIFY(store->transition(id, ActionState::Applying, QStringLiteral("approved by alice")));
        QVERIFY(store->transition(id, ActionState::Observing, QStringLiteral("index built")));
        QVERIFY(store->transition(id, ActionState::Kept, QStringLiteral("no degradation"), verdict));
        const QDateTime end = QDateTime::currentDateTimeUtc();

        back = store->action(id);
        QVERIFY(back);
        QCOMPARE(back->state, ActionState::Kept);
        QCOMPARE(back->reason, QStringLiteral("no degradation"));
        QCOMPARE(back->evidence, verdict);
        QCOMPARE(back->details, a.details);
        QVERIFY(back->updatedAt >= back->createdAt && back->updatedAt <= end);

        const auto steps = store->transitions(id);
        QCOMPARE(describe(steps),
            QStringLiteral("proposed->proposed(%1) proposed->awaiting_approval(approve mode) "
                           "awaiting_approval->applying(approved by alice) applying->observing(index built) "
                           "observing->kept(no degradation)")
                .arg(a.reason));
        QDateTime previous = back->createdAt;
        for (const Transition &t : steps) {
            QCOMPARE(t.actionId, id);
            QCOMPARE(t.at.timeSpec(), Qt::UTC);
            QVERIFY(t.at >= previous);
            previous = t.at;
        }
        QCOMPARE(steps.front().at, back->createdAt);
        QCOMPARE(steps.back().at, back->updatedAt);
        QCOMPARE(steps.front().evidence, a.evidence);
        QCOMPARE(steps.back().evidence, verdict);
        QVERIFY(steps[1].evidence.isEmpty());
    }

    void timesKeepMilliseconds()
    {
        // Whatever the wall clock says, what is read back is the stored instant to the millisecond, in UTC.
        QString path;
        auto store = openFresh(&path);
        QVERIFY(store);
        const qint64 id = store->createAction(sampleAction());
        QVERIFY(id > 0);
        {
            RawSqlite raw(path);
            QVERIFY(raw.exec(QStringLiteral("UPDATE actions SET created_at = '2024-05-01T12:34:56.789Z'")));
        }
        const auto back = store->action(id);
        QVERIFY(back);
        QCOMPARE(back->createdAt, QDateTime(QDate(2024, 5, 1), QTime(12, 34, 56, 789), Qt::UTC));
        QCOMPARE(back->createdAt.timeSpec(), Qt::UTC);
    }

    void illegalTransitionRefused_data()
    {
        QTest::addColumn<QList<ActionState>>("path");
        QTest::addColumn<ActionState>("to");

        using S = ActionState;
        QTest::newRow("proposed -> observing") << QList<S> {} << S::Observing;
        QTest::newRow("proposed -> kept") << QList<S> {} << S::Kept;
        QTest::newRow("awaiting_approval -> observing") << QList<S> { S::AwaitingApproval } << S::Observing;
        QTest::newRow("applying -> kept") << QList<S> { S::Applying } << S::Kept;
        QTest::newRow("kept -> rolling_back") << QList<S> { S::Applying, S::Observing, S::Kept } << S::RollingBack;
        QTest::newRow("rolled_back -> applying")
            << QList<S> { S::Applying, S::Observing, S::RollingBack, S::RolledBack } << S::Applying;
        QTest::newRow("rejected -> failed") << QList<S> { S::Rejected } << S::Failed;
        QTest::newRow("failed -> failed") << QList<S> { S::Failed } << S::Failed;
    }

    void illegalTransitionRefused()
    {
        QFETCH(QList<ActionState>, path);
        QFETCH(ActionState, to);

        auto store = openFresh();
        QVERIFY(store);
        const qint64 id = store->createAction(sampleAction());
        QVERIFY(id > 0);
        QVERIFY2(walk(*store, id, path), qPrintable(store->lastError()));
        const Action before = *store->action(id);
        const QString stepsBefore = describe(store->transitions(id));

        QVERIFY(!store->transition(id, to, QStringLiteral("should not happen"), { { QStringLiteral("x"), 1 } }));
        const QString expected = QStringLiteral("cannot go from %1 to %2").arg(stateName(before.state), stateName(to));
        QVERIFY2(store->lastError().contains(expected), qPrintable(store->lastError()));

        compareActions(*store->action(id), before);
        QCOMPARE(describe(store->transitions(id)), stepsBefore);
    }

    void unknownActionIsAnError()
    {
        auto store = openFresh();
        QVERIFY(store);
        QVERIFY(!store->transition(4711, ActionState::Applying, QStringLiteral("go")));
        QVERIFY2(store->lastError().contains(QStringLiteral("4711")), qPrintable(store->lastError()));
        QVERIFY(!store->updateDetails(4711, {}));
        QVERIFY(!store->lastError().isEmpty());
        QVERIFY(!store->action(4711));
        QVERIFY(store->transitions(4711).empty());
    }

    void updateDetails()
    {
        auto store = openFresh();
        QVERIFY(store);
        Action a = sampleAction();
        a.kind = ActionKind::DropIndex;
        const qint64 id = store->createAction(a);
        QVERIFY(id > 0);
        const Action before = *store->action(id);
        const QJsonObject details { { QStringLiteral("index"), QStringLiteral("orders_customer_idx") },
            { QStringLiteral("schema"), QStringLiteral("public") },
            { QStringLiteral("definition"),
                QStringLiteral("CREATE INDEX orders_customer_idx ON public.orders USING btree (customer_id)") } };
        QVERIFY2(store->updateDetails(id, details), qPrintable(store->lastError()));
        const Action after = *store->action(id);
        QCOMPARE(after.details, details);
        QCOMPARE(after.state, before.state);
        QCOMPARE(after.reason, before.reason);
        QVERIFY(after.updatedAt >= before.updatedAt);
        QCOMPARE(store->transitions(id).size(), std::size_t(1)); // not a step of the state machine
    }

    void actionsFilterAndOrder()
    {
        auto store = openFresh();
        QVERIFY(store);
        const QString a = QStringLiteral("db1:5432/app");
        const QString b = QStringLiteral("db2:5432/app");
        QList<qint64> ids;
        for (const QString &target : { a, b, a, b, a })
            ids << store->createAction(sampleAction(target));
        QVERIFY(!ids.contains(0));

        auto idsOf = [](const std::vector<Action> &actions) {
            QList<qint64> result;
            for (const Action &x : actions)
                result << x.id;
            return result;
        };
        QCOMPARE(idsOf(store->actions()), ids);
        QCOMPARE(idsOf(store->actions(a)), (QList<qint64> { ids[0], ids[2], ids[4] }));
        QCOMPARE(idsOf(store->actions(b)), (QList<qint64> { ids[1], ids[3] }));
        QVERIFY(store->actions(QStringLiteral("db3:5432/none")).empty());
        // Oldest first means creation order, whatever happened to them since.
        QVERIFY(store->transition(ids[0], ActionState::Applying, QStringLiteral("go")));
        QCOMPARE(idsOf(store->actions(a)), (QList<qint64> { ids[0], ids[2], ids[4] }));
    }

    void inFlight()
    {
        using S = ActionState;
        auto store = openFresh();
        QVERIFY(store);
        const QString a = QStringLiteral("db1:5432/app");
        const QString b = QStringLiteral("db2:5432/app");
        struct Case
        {
            QString target;
            QList<S> path;
            bool inFlight;
        };
        const QList<Case> cases {
            { a, {}, false },
            { a, { S::AwaitingApproval }, false },
            { a, { S::Applying }, true },
            { b, { S::Applying, S::Observing }, true },
            { a, { S::Applying, S::Observing, S::Kept }, false },
            { b, { S::Applying, S::RollingBack }, true },
            { a, { S::Applying, S::RollingBack, S::RolledBack }, false },
            { b, { S::Applying, S::Failed }, false },
            { a, { S::Rejected }, false },
        };
        QList<qint64> all, ofA, ofB;
        for (const Case &c : cases) {
            const qint64 id = store->createAction(sampleAction(c.target));
            QVERIFY(id > 0);
            QVERIFY2(walk(*store, id, c.path), qPrintable(store->lastError()));
            if (c.inFlight) {
                all << id;
                (c.target == a ? ofA : ofB) << id;
            }
        }
        auto idsOf = [](const std::vector<Action> &actions) {
            QList<qint64> result;
            for (const Action &x : actions) {
                if (!isInFlight(x.state))
                    return QList<qint64> { -1 };
                result << x.id;
            }
            return result;
        };
        QCOMPARE(idsOf(store->inFlight()), all);
        QCOMPARE(idsOf(store->inFlight(a)), ofA);
        QCOMPARE(idsOf(store->inFlight(b)), ofB);
    }

    void readOnlyStoreRefusesWrites()
    {
        // chmod 0444/0555 does not make this test fail writes: root (as in the CI container) ignores file modes,
        // and an open SQLite connection keeps the descriptors it opened writable whatever the modes become. So the
        // store's own connection is switched to query_only, which makes SQLite refuse every write with the same
        // SQLITE_READONLY a read-only file gives, as any user.
        QString path;
        const QStringList before = QSqlDatabase::connectionNames();
        auto store = openFresh(&path);
        QVERIFY(store);
        const QString connection = newConnection(before);
        QVERIFY(connection.startsWith(QStringLiteral("vigil-store-")));
        const qint64 id = store->createAction(sampleAction());
        QVERIFY(id > 0);
        QVERIFY(store->transition(id, ActionState::Applying, QStringLiteral("go")));
        const Action was = *store->action(id);
        const QString stepsWere = describe(store->transitions(id));

        QSqlQuery pragma(QSqlDatabase::database(connection, false));
        QVERIFY(pragma.exec(QStringLiteral("PRAGMA query_only = ON")));

        QVERIFY(!store->transition(id, ActionState::Observing, QStringLiteral("applied")));
        QVERIFY(!store->lastError().isEmpty());
        QVERIFY2(store->lastError().contains(QStringLiteral("readonly"), Qt::CaseInsensitive)
                || store->lastError().contains(QStringLiteral("read-only"), Qt::CaseInsensitive),
            qPrintable(store->lastError()));
        QCOMPARE(store->createAction(sampleAction()), 0);
        QVERIFY(!store->lastError().isEmpty());
        QVERIFY(!store->updateDetails(id, { { QStringLiteral("x"), 1 } }));
        Sample s;
        s.tEnd = kNow;
        QVERIFY(!store->addSample(QStringLiteral("db1:5432/app"), s));

        // Reads still work, and show nothing changed; a fresh connection agrees.
        compareActions(*store->action(id), was);
        QCOMPARE(describe(store->transitions(id)), stepsWere);
        QCOMPARE(store->actions().size(), std::size_t(1));
        RawSqlite raw(path);
        QCOMPARE(raw.value(QStringLiteral("SELECT state FROM actions")).toString(), QStringLiteral("applying"));
        QCOMPARE(raw.value(QStringLiteral("SELECT COUNT(*) FROM transitions")).toInt(), 2);
        QCOMPARE(raw.value(QStringLiteral("SELECT COUNT(*) FROM samples")).toInt(), 0);
    }

    void failureHalfwayRollsBack()
    {
        // The action row is updated first and the transition row inserted second: make the second write fail
        // (as a full disk would) and the first must not survive. A trigger added from outside raises the error.
        QString path;
        auto store = openFresh(&path);
        QVERIFY(store);
        const qint64 id = store->createAction(sampleAction());
        QVERIFY(id > 0);
        const Action was = *store->action(id);
        RawSqlite raw(path);
        QVERIFY(raw.exec(QStringLiteral("CREATE TRIGGER no_room BEFORE INSERT ON transitions "
                                        "BEGIN SELECT RAISE(ABORT, 'simulated disk full'); END")));

        QVERIFY(!store->transition(id, ActionState::Applying, QStringLiteral("go"), { { QStringLiteral("x"), 1 } }));
        QVERIFY2(store->lastError().contains(QStringLiteral("simulated disk full")), qPrintable(store->lastError()));
        compareActions(*store->action(id), was);
        QCOMPARE(store->transitions(id).size(), std::size_t(1));

        // createAction writes the action, then its first transition: neither may stay.
        QCOMPARE(store->createAction(sampleAction()), 0);
        QVERIFY(store->lastError().contains(QStringLiteral("simulated disk full")));
        QCOMPARE(store->actions().size(), std::size_t(1));

        // And the store works again once the cause is gone.
        QVERIFY(raw.exec(QStringLiteral("DROP TRIGGER no_room")));
        QVERIFY2(store->transition(id, ActionState::Applying, QStringLiteral("go")), qPrintable(store->lastError()));
        QCOMPARE(store->action(id)->state, ActionState::Applying);
    }

    void newerSchemaRefused()
    {
        QString path;
        {
            auto store = openFresh(&path);
            QVERIFY(store);
            QVERIFY(store->createAction(sampleAction()) > 0);
        }
        {
            RawSqlite raw(path);
            QVERIFY(raw.exec(QStringLiteral("UPDATE schema_version SET version = 7")));
        }
        const QStringList before = QSqlDatabase::connectionNames();
        QString error;
        auto store = KnowledgeStore::open(path, &error);
        QVERIFY(!store);
        QCOMPARE(
            error, QStringLiteral("store schema version 7 is newer than this Vigil understands (1); upgrade Vigil"));
        QCOMPARE(QSqlDatabase::connectionNames(), before); // the failed open cleaned up after itself

        // Nothing was touched: the version and the data are as the newer Vigil left them.
        RawSqlite raw(path);
        QCOMPARE(raw.column(QStringLiteral("SELECT version FROM schema_version")), QVariantList { 7 });
        QCOMPARE(raw.value(QStringLiteral("SELECT COUNT(*) FROM actions")).toInt(), 1);
    }

    void samplesKeepNullApartFromZero()
    {
        QString path;
        auto store = openFresh(&path);
        QVERIFY(store);
        Sample s;
        s.tStart = kNow - 5;
        s.tEnd = kNow;
        s.tps = 0.0; // nothing committed: a fact
        s.latencyP95Ms = 0.0;
        s.cpuPct = 12.5;
        // qps, latencies mean and p99, sessions, cache hit ratio, mem, load: unavailable.
        const QString target = QStringLiteral("db1:5432/app");
        QVERIFY2(store->addSample(target, s), qPrintable(store->lastError()));
        QCOMPARE(store->sampleCount(target), 1);
        QCOMPARE(store->sampleCount(QStringLiteral("other")), 0);

        RawSqlite raw(path);
        auto isNull = [&](const char *column) {
            return raw.value(QStringLiteral("SELECT %1 IS NULL FROM samples").arg(QString::fromLatin1(column))).toInt()
                == 1;
        };
        QVERIFY(!isNull("tps"));
        QCOMPARE(raw.value(QStringLiteral("SELECT tps FROM samples")).toDouble(), 0.0);
        QVERIFY(!isNull("latency_p95_ms"));
        QCOMPARE(raw.value(QStringLiteral("SELECT cpu_pct FROM samples")).toDouble(), 12.5);
        for (const char *column : { "qps", "latency_mean_ms", "latency_p99_ms", "sessions_active", "sessions_total",
                 "max_connections", "cache_hit_ratio", "mem_pct", "load1" })
            QVERIFY2(isNull(column), column);
        QCOMPARE(raw.value(QStringLiteral("SELECT t FROM samples")).toDouble(), kNow);
        QCOMPARE(raw.value(QStringLiteral("SELECT resolution FROM samples")).toInt(), 0);
    }

    void pruneDownsamplesOldSamples()
    {
        QString path;
        auto store = openFresh(&path);
        QVERIFY(store);
        const QString a = QStringLiteral("db1:5432/app");
        const QString b = QStringLiteral("db2:5432/app");
        const double cutoff = kNow - 3600; // prune(now, 3600) keeps the last hour at full rate

        auto add = [&](const QString &target, double t, std::optional<double> tps, std::optional<double> p95) {
            Sample s;
            s.tEnd = t;
            s.tps = tps;
            s.latencyP95Ms = p95;
            s.cpuPct = 50.0;
            return store->addSample(target, s);
        };
        // Three old minutes of `a` at one sample per 5 s. Minute k: tps = 100k + s (mean 100k + 27.5); p95 only
        // on every other sample in minute 0 and never in minute 1 (its average must stay NULL, not become 0).
        const double m0 = cutoff - 4 * 60; // the minute before the cut-off is left to one more sample
        for (int k = 0; k < 3; ++k) {
            for (int s = 0; s < 60; s += 5) {
                std::optional<double> p95;
                if (k == 0 && s % 10 == 0)
                    p95 = 10.0 + s; // s = 0, 10, ... 50: mean 35
                else if (k == 2)
                    p95 = 7.0;
                QVERIFY(add(a, m0 + 60 * k + s, 100.0 * k + s, p95));
            }
        }
        QVERIFY(add(a, cutoff - 1, 999.0, std::nullopt)); // alone in the minute before the cut-off
        QVERIFY(add(a, cutoff + 1, 1.0, 1.0)); // recent: stays at full rate
        for (int s = 0; s < 10; ++s)
            QVERIFY(add(a, kNow - 60 + s, 5.0, 5.0));
        for (int s = 0; s < 6; ++s) // another target in an old minute shared with `a`
            QVERIFY(add(b, m0 + 10 * s, 1000.0 + s, std::nullopt));

        QCOMPARE(store->sampleCount(a), 36 + 1 + 1 + 10);
        QCOMPARE(store->sampleCount(b), 6);

        QVERIFY2(
            store->prune(QDateTime::fromSecsSinceEpoch(qint64(kNow), Qt::UTC), 3600), qPrintable(store->lastError()));
        QCOMPARE(store->sampleCount(a), 3 + 1 + 1 + 10);
        QCOMPARE(store->sampleCount(b), 1);

        RawSqlite raw(path);
        auto rows = [&](const QString &target, const QString &columns) {
            return raw.rows(
                QStringLiteral("SELECT %1 FROM samples WHERE resolution = 60 AND target = ? ORDER BY t").arg(columns),
                { target });
        };
        const auto minutes = rows(a, QStringLiteral("t, tps, latency_p95_ms, cpu_pct"));
        QCOMPARE(minutes.size(), 4);
        QCOMPARE(minutes[0][0].toDouble(), m0);
        QCOMPARE(minutes[0][1].toDouble(), 27.5);
        QCOMPARE(minutes[0][2].toDouble(), 35.0);
        QCOMPARE(minutes[1][0].toDouble(), m0 + 60);
        QCOMPARE(minutes[1][1].toDouble(), 127.5);
        QVERIFY(minutes[1][2].isNull()); // no p95 at all in that minute: still unavailable
        QCOMPARE(minutes[2][1].toDouble(), 227.5);
        QCOMPARE(minutes[2][2].toDouble(), 7.0);
        QCOMPARE(minutes[3][0].toDouble(), cutoff - 60);
        QCOMPARE(minutes[3][1].toDouble(), 999.0);
        for (const auto &minute : minutes)
            QCOMPARE(minute[3].toDouble(), 50.0);
        const auto ofB = rows(b, QStringLiteral("t, tps"));
        QCOMPARE(ofB.size(), 1);
        QCOMPARE(ofB[0][0].toDouble(), m0);
        QCOMPARE(ofB[0][1].toDouble(), 1002.5);
        QCOMPARE(raw.value(QStringLiteral("SELECT COUNT(*) FROM samples WHERE resolution = 0 AND t < %1")
                               .arg(QString::number(cutoff, 'f', 0)))
                     .toInt(),
            0);

        // Pruning again changes nothing: downsampled rows are not downsampled twice.
        QVERIFY(store->prune(QDateTime::fromSecsSinceEpoch(qint64(kNow), Qt::UTC), 3600));
        QCOMPARE(store->sampleCount(a), 15);
        QCOMPARE(store->sampleCount(b), 1);

        // A cut-off inside a minute leaves that whole minute at full rate until the next prune.
        QVERIFY(store->prune(QDateTime::fromSecsSinceEpoch(qint64(kNow) + 30, Qt::UTC), 3600 + 60));
        QCOMPARE(store->sampleCount(a), 15);
    }

    void passwordNeverInErrors_data()
    {
        QTest::addColumn<QString>("location");

        // Port 1 on the loopback: nothing listens there, so the connection is refused at once.
        QTest::newRow("keyword/value, refused")
            << QStringLiteral("host=127.0.0.1 port=1 dbname=vigil user=vigil password=hunter2 connect_timeout=3");
        QTest::newRow("quoted password, refused")
            << QStringLiteral("host=127.0.0.1 port=1 dbname=vigil password='hunter2 \\'x' sslmode=disable");
        QTest::newRow("URI, refused") << QStringLiteral(
            "postgresql://vigil:hunter2@127.0.0.1:1/vigil?connect_timeout=3");
        QTest::newRow("URI password in the query")
            << QStringLiteral("postgres://127.0.0.1:1/vigil?user=vigil&password=hunter2&application_name=vigil");
        QTest::newRow("URI with a bad port") << QStringLiteral("postgresql://vigil:hunter2@127.0.0.1:notaport/vigil");
        QTest::newRow("unterminated quote") << QStringLiteral("host=127.0.0.1 password='hunter2");
        QTest::newRow("missing =") << QStringLiteral("host=127.0.0.1 hunter2");
    }

    void passwordNeverInErrors()
    {
        QFETCH(QString, location);
        QVERIFY(KnowledgeStore::isConninfo(location));
        const QStringList before = QSqlDatabase::connectionNames();
        QString error;
        const auto store = KnowledgeStore::open(location, &error);
        QVERIFY(!store);
        QVERIFY(!error.isEmpty());
        QVERIFY2(!error.contains(QStringLiteral("hunter2")), qPrintable(error));
        QCOMPARE(QSqlDatabase::connectionNames(), before);
    }
};

QTEST_GUILESS_MAIN(TestKnowledgeStore)
#include "tst_knowledgestore.moc"
