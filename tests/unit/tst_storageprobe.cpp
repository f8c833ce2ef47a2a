// SPDX-License-Identifier: MIT
// The storage probe times real writes and flushes in a temporary directory (no server needed).
#include "collect/storageprobe.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using vigil::StorageProbe;

class TestStorageProbe : public QObject
{
    Q_OBJECT

private slots:
    void timesWritesAndRemovesItsFile()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        {
            StorageProbe probe(dir.path());
            QString error;
            QVERIFY2(probe.start(&error), qPrintable(error));
            QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 1);
            QThread::msleep(350); // three or four writes
            const std::optional<double> longest = probe.takeLongestWaitMs();
            QVERIFY(longest);
            // A flush takes time, and no sane disk keeps an 8 kB write a minute.
            QVERIFY2(*longest > 0 && *longest < 60000, qPrintable(QString::number(*longest)));
            QVERIFY(probe.failure().isEmpty());
            QThread::msleep(250);
            QVERIFY(probe.takeLongestWaitMs()); // each call reads what came since the one before
        }
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 0);
    }

    void refusesADirectoryThatIsNotThere()
    {
        QTemporaryDir dir;
        StorageProbe probe(dir.filePath(QStringLiteral("missing")));
        QString error;
        QVERIFY(!probe.start(&error));
        QVERIFY2(error.contains(QLatin1StringView("does not exist")), qPrintable(error));
        QVERIFY(!probe.takeLongestWaitMs());
    }

    void refusesAFileForADirectory()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("plain"));
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        StorageProbe probe(file);
        QString error;
        QVERIFY(!probe.start(&error));
        QVERIFY2(error.contains(file), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestStorageProbe)
#include "tst_storageprobe.moc"
