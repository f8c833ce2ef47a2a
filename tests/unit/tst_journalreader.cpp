// SPDX-License-Identifier: MIT
// The journal reader's contract (store/journalreader.h), on a real SQLite store: every request answered once, in the
// order made, on the owner's thread; a store that cannot open says why; destroying the reader, even from inside one
// of its handlers, drops what is left and calls nothing afterwards.
#include "store/journalreader.h"
#include "store/knowledgestore.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace vigil;

namespace {

Action makeAction(int i)
{
    Action a;
    a.target = QStringLiteral("db:5432/app");
    a.kind = ActionKind::SetParameter;
    a.origin = ActionOrigin::Auto;
    a.applySql = QStringLiteral("ALTER SYSTEM SET work_mem = '%1kB'").arg(64 + i);
    a.rollbackSql = QStringLiteral("ALTER SYSTEM RESET work_mem");
    a.reason = QStringLiteral("proposal %1").arg(i);
    return a;
}

} // namespace

class TestJournalReader : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_path;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_path = m_dir.filePath(QStringLiteral("vigil.sqlite"));
        QString error;
        auto store = KnowledgeStore::open(m_path, &error);
        QVERIFY2(store, qPrintable(error));
        for (int i = 0; i < 30; ++i)
            QVERIFY(store->createAction(makeAction(i)) > 0);
    }

    void answersComeInOrderOnTheOwnersThread()
    {
        JournalReader reader(m_path);
        QList<QString> order;
        QThread *const owner = QThread::currentThread();
        bool allOnOwner = true;
        auto note = [&](const QString &what) {
            allOnOwner = allOnOwner && QThread::currentThread() == owner;
            order.append(what);
        };
        reader.open([&](const QString &error) { note(error.isEmpty() ? QStringLiteral("open") : error); });
        reader.readFirstPage(10, [&](JournalPage page) {
            QVERIFY(page.ok);
            QCOMPARE(page.total, 30);
            QCOMPARE(int(page.actions.size()), 10);
            QCOMPARE(page.actions.front().id, 30); // newest first
            note(QStringLiteral("first"));
        });
        reader.readPage(21, 5, [&](JournalPage page) {
            QVERIFY(page.ok);
            QCOMPARE(int(page.actions.size()), 5);
            QCOMPARE(page.actions.front().id, 20);
            note(QStringLiteral("older"));
        });
        reader.readAction(7, [&](std::optional<Action> action) {
            QVERIFY(action);
            QCOMPARE(action->applySql, makeAction(6).applySql);
            note(QStringLiteral("one"));
        });
        QVERIFY(order.isEmpty()); // nothing is answered inside the call that asked
        QTRY_COMPARE(order.size(), 4);
        QCOMPARE(order.join(u','), QStringLiteral("open,first,older,one"));
        QVERIFY(allOnOwner);
    }

    void changesSinceACursorAreReadOnlyWhenThereAreAny()
    {
        JournalReader reader(m_path);
        std::optional<JournalPage> first;
        reader.readFirstPage(5, [&](JournalPage page) { first = std::move(page); });
        QTRY_VERIFY(first);
        QVERIFY(first->ok);

        std::optional<JournalChanges> none;
        reader.readChangesSince(first->cursor, first->cursor, [&](JournalChanges c) { none = std::move(c); });
        QTRY_VERIFY(none);
        QVERIFY(none->ok);
        QVERIFY(none->unchanged);

        {
            QString error;
            auto store = KnowledgeStore::open(m_path, &error);
            QVERIFY2(store, qPrintable(error));
            QVERIFY(store->transition(3, ActionState::Rejected, QStringLiteral("by the test")));
        }
        std::optional<JournalChanges> some;
        reader.readChangesSince(first->cursor, first->cursor, [&](JournalChanges c) { some = std::move(c); });
        QTRY_VERIFY(some);
        QVERIFY(some->ok);
        QVERIFY(!some->unchanged);
        QVERIFY(some->cursor > first->cursor);
        QCOMPARE(int(some->actions.size()), 1);
        QCOMPARE(some->actions.front().id, 3);
        QCOMPARE(some->actions.front().state, ActionState::Rejected);
    }

    void aStoreThatCannotOpenSaysWhy()
    {
        // A regular file where the store's directory should be: nothing can create the store under it.
        QFile blocker(m_dir.filePath(QStringLiteral("blocker")));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        JournalReader reader(m_dir.filePath(QStringLiteral("blocker/vigil.sqlite")));
        std::optional<QString> error;
        reader.open([&](const QString &e) { error = e; });
        std::optional<JournalPage> page;
        reader.readFirstPage(5, [&](JournalPage p) { page = std::move(p); });
        QTRY_VERIFY(page);
        QVERIFY(error && !error->isEmpty());
        QVERIFY(!page->ok);
        QCOMPARE(page->error, *error); // tried once, the same reason each time
    }

    void destroyingTheReaderCallsNothingAfterwards()
    {
        int called = 0;
        {
            JournalReader reader(m_path);
            for (int i = 0; i < 50; ++i)
                reader.readFirstPage(30, [&](JournalPage) { ++called; });
        } // the read in progress ends, the rest are dropped
        const int atDestruction = called;
        QTest::qWait(200); // a wake-up still pending must not reach a handler
        QCOMPARE(called, atDestruction);
        QCOMPARE(called, 0); // the owner's loop never ran while the reader lived
    }

    void aHandlerMayDestroyTheReader()
    {
        auto reader = std::make_unique<JournalReader>(m_path);
        int called = 0;
        for (int i = 0; i < 5; ++i)
            reader->readAction(1, [&](std::optional<Action>) {
                ++called;
                reader.reset(); // the first handler ends the reader: the others are never called
            });
        QTRY_VERIFY(!reader);
        QTest::qWait(200);
        QCOMPARE(called, 1);
    }
};

QTEST_GUILESS_MAIN(TestJournalReader)
#include "tst_journalreader.moc"
