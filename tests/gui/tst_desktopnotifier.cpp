// SPDX-License-Identifier: MIT
// Desktop notifications over a private D-Bus session bus (dbus-daemon started by the test) with a stand-in for the
// desktop's notification service: what is sent, and the fallback when no service listens. The window's own path (a
// rollback → a critical notification) is driven in tst_walkthrough.
#include "desktopnotifier.h"
#include "sessionbus.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QSignalSpy>
#include <QTest>
#include <QVariantMap>

using namespace vigil;
using namespace vigil::testing;

class TestDesktopNotifier : public QObject
{
    Q_OBJECT
    PrivateSessionBus m_bus;
    QString m_address;

private slots:
    void initTestCase()
    {
        QString error;
        QVERIFY2(m_bus.start(&error), qPrintable(error));
        m_address = m_bus.address();
    }

    void noServiceMeansNoNotificationAndTheCallerFallsBack()
    {
        QDBusConnection bus = QDBusConnection::connectToBus(m_address, QStringLiteral("empty"));
        QVERIFY(bus.isConnected());
        DesktopNotifier notifier(bus);
        QVERIFY(!notifier.isAvailable());
        QVERIFY(!notifier.notify(QStringLiteral("x"), QStringLiteral("y"), true));
        QDBusConnection::disconnectFromBus(QStringLiteral("empty"));
    }

    void aRollbackIsSentAsACriticalNotification()
    {
        FakeNotifications fake;
        QVERIFY(fake.attach(m_address));

        QDBusConnection client = QDBusConnection::connectToBus(m_address, QStringLiteral("client"));
        DesktopNotifier notifier(client);
        QVERIFY(notifier.isAvailable());
        QVERIFY(notifier.notify(QStringLiteral("Vigil rolled back a change"),
            QStringLiteral("Rolled back \"CREATE INDEX <i>\" on db: p95 ×4.5"), true));
        QTRY_COMPARE_WITH_TIMEOUT(fake.received.size(), 1, 5000);
        const FakeNotifications::Received &got = fake.received.front();
        QCOMPARE(got.app, QStringLiteral("Vigil"));
        QCOMPARE(got.summary, QStringLiteral("Vigil rolled back a change"));
        // Plain text: what looks like markup arrives escaped.
        QCOMPARE(got.body, QStringLiteral("Rolled back &quot;CREATE INDEX &lt;i&gt;&quot; on db: p95 ×4.5"));
        QCOMPARE(got.hints.value(QStringLiteral("urgency")).toInt(), 2); // critical: stays until dismissed

        QVERIFY(notifier.notify(QStringLiteral("s"), QStringLiteral("b"), false));
        QTRY_COMPARE_WITH_TIMEOUT(fake.received.size(), 2, 5000);
        QCOMPARE(fake.received.back().hints.value(QStringLiteral("urgency")).toInt(), 1);
        QVERIFY(fake.received.back().actions.isEmpty()); // about no action: nothing to open
        QDBusConnection::disconnectFromBus(QStringLiteral("client"));
    }

    void aClickOpensTheActionItIsAbout()
    {
        FakeNotifications fake;
        QVERIFY(fake.attach(m_address));
        QDBusConnection client = QDBusConnection::connectToBus(m_address, QStringLiteral("clicks"));
        DesktopNotifier notifier(client);
        QSignalSpy activated(&notifier, &DesktopNotifier::actionActivated);
        QVERIFY(notifier.notify(QStringLiteral("a"), QStringLiteral("about #41"), true, 41));
        QVERIFY(notifier.notify(QStringLiteral("b"), QStringLiteral("about nothing"), true));
        QVERIFY(notifier.notify(QStringLiteral("c"), QStringLiteral("about #42"), true, 42));
        QTRY_COMPARE_WITH_TIMEOUT(fake.received.size(), 3, 5000);
        QCOMPARE(fake.received.front().actions.value(0), QStringLiteral("default"));
        QCOMPARE(fake.received.front().actions.value(1), QStringLiteral("Open in Vigil"));
        QTest::qWait(200); // the service's answers (the notification ids) come back
        QVERIFY(fake.click(2));
        QTRY_COMPARE_WITH_TIMEOUT(activated.size(), 1, 5000);
        QCOMPARE(activated.front().front().toLongLong(), 42);
        QVERIFY(fake.click(0));
        QTRY_COMPARE_WITH_TIMEOUT(activated.size(), 2, 5000);
        QCOMPARE(activated.back().front().toLongLong(), 41);
        QVERIFY(fake.click(1)); // a notification about no action opens nothing
        QTest::qWait(300);
        QCOMPARE(activated.size(), 2);
        QDBusConnection::disconnectFromBus(QStringLiteral("clicks"));
    }
};

QTEST_GUILESS_MAIN(TestDesktopNotifier)
#include "tst_desktopnotifier.moc"
