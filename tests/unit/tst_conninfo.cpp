// SPDX-License-Identifier: MIT
#include "conninfo.h"

#include <QLocale>
#include <QSqlDatabase>
#include <QTest>

using namespace vigil;

class TestConnInfo : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }

    void parse_data()
    {
        QTest::addColumn<QString>("conninfo");
        QTest::addColumn<QString>("host");
        QTest::addColumn<QString>("port");
        QTest::addColumn<QString>("dbname");
        QTest::addColumn<QString>("user");
        QTest::addColumn<int>("count"); // libpq's parse gives only what was written, no defaults

        const QString none;
        QTest::newRow("key=value") << QStringLiteral("host=db.example.com port=5433 dbname=app user=alice")
                                   << "db.example.com"
                                   << "5433"
                                   << "app"
                                   << "alice" << 4;
        QTest::newRow("key=value, quoted value with a space")
            << QStringLiteral("host = db dbname='my db' user=alice") << "db" << none << "my db"
            << "alice" << 3;
        QTest::newRow("key=value, escaped quote")
            << QStringLiteral("dbname='it\\'s'") << none << none << "it's" << none << 1;
        QTest::newRow("URI") << QStringLiteral("postgresql://alice@db.example.com:5433/app") << "db.example.com"
                             << "5433"
                             << "app"
                             << "alice" << 4;
        QTest::newRow("URI, postgres scheme")
            << QStringLiteral("postgres://db.example.com/app") << "db.example.com" << none << "app" << none << 2;
        QTest::newRow("URI, percent-encoded socket, user and database")
            << QStringLiteral("postgresql://al%40ice@%2Fvar%2Frun%2Fpostgresql/my%20db") << "/var/run/postgresql"
            << none << "my db"
            << "al@ice" << 3;
        QTest::newRow("URI, query parameters")
            << QStringLiteral("postgresql:///app?host=/tmp&port=5433&user=bob") << "/tmp"
            << "5433"
            << "app"
            << "bob" << 4;
        QTest::newRow("URI, IPv6 host") << QStringLiteral("postgresql://[::1]:5433/app") << "::1"
                                        << "5433"
                                        << "app" << none << 3;
        QTest::newRow("empty") << QString() << none << none << none << none << 0;
        QTest::newRow("URI, bare") << QStringLiteral("postgresql://") << none << none << none << none << 0;
    }

    void parse()
    {
        QFETCH(QString, conninfo);
        QFETCH(QString, host);
        QFETCH(QString, port);
        QFETCH(QString, dbname);
        QFETCH(QString, user);
        QFETCH(int, count);

        QString error;
        const std::optional<ConnInfo> info = ConnInfo::parse(conninfo, &error);
        QVERIFY2(info, qPrintable(error));
        QVERIFY(error.isEmpty());
        QCOMPARE(info->value(QStringLiteral("host")), host);
        QCOMPARE(info->value(QStringLiteral("port")), port);
        QCOMPARE(info->value(QStringLiteral("dbname")), dbname);
        QCOMPARE(info->value(QStringLiteral("user")), user);
        QCOMPARE(info->has(QStringLiteral("host")), !host.isEmpty());
        QCOMPARE(int(info->values().size()), count);
        QVERIFY(!info->has(QStringLiteral("password")));
    }

    void parseKeepsOtherSettings()
    {
        const std::optional<ConnInfo> info
            = ConnInfo::parse(QStringLiteral("postgresql://alice:hunter2@db/app?sslmode=require&connect_timeout=10"));
        QVERIFY(info);
        QCOMPARE(info->value(QStringLiteral("sslmode")), QStringLiteral("require"));
        QCOMPARE(info->value(QStringLiteral("connect_timeout")), QStringLiteral("10"));
        // The password is kept for applyTo() (it only must never be shown).
        QCOMPARE(info->value(QStringLiteral("password")), QStringLiteral("hunter2"));
    }

    void parseFailure_data()
    {
        QTest::addColumn<QString>("conninfo");

        QTest::newRow("missing =") << QStringLiteral("host=x port");
        QTest::newRow("unknown keyword") << QStringLiteral("host=x bogus=1");
        QTest::newRow("unterminated quote") << QStringLiteral("host='x");
        QTest::newRow("URI, unknown parameter") << QStringLiteral("postgresql://db/app?bogus=1");
        QTest::newRow("URI, unclosed IPv6 bracket") << QStringLiteral("postgresql://[::1/app");
        QTest::newRow("URI, bad percent-encoding") << QStringLiteral("postgresql://db/a%zz");
    }

    void parseFailure()
    {
        QFETCH(QString, conninfo);
        QString error;
        QVERIFY(!ConnInfo::parse(conninfo, &error));
        QVERIFY(!error.isEmpty());
        QVERIFY2(error.contains(QLatin1StringView("connection string")), qPrintable(error));
        QVERIFY(!ConnInfo::parse(conninfo)); // no error out-parameter: still no crash
    }

    void passwordNeverInError_data()
    {
        QTest::addColumn<QString>("conninfo");

        QTest::newRow("missing = after the last keyword") << QStringLiteral("host=x password=hunter2 port");
        QTest::newRow("missing = after password") << QStringLiteral("host=x password hunter2");
        QTest::newRow("unterminated quoted password") << QStringLiteral("host=x password='hunter2");
        QTest::newRow("unknown keyword after the password") << QStringLiteral("host=x password=hunter2 bogus=1");
        QTest::newRow("misspelt password keyword") << QStringLiteral("host=x pasword=hunter2");
        QTest::newRow("password as a keyword") << QStringLiteral("host=x hunter2");
        QTest::newRow("URI, extra = in the password parameter")
            << QStringLiteral("postgresql://db/app?password=hunter2=x");
        QTest::newRow("URI, unknown parameter after the password")
            << QStringLiteral("postgresql://db/app?password=hunter2&bogus=1");
        // libpq 15 itself quotes the token or the whole URI in the messages below (checked with
        // PQconninfoParse): "invalid percent-encoded token: \"hunter2%zz\"", "end of string reached when looking
        // for matching \"]\" in IPv6 host address in URI: \"postgresql://alice:hunter2@[::1/app\"", ...
        QTest::newRow("URI, bad percent-encoding in the password")
            << QStringLiteral("postgresql://alice:hunter2%zz@db/app");
        QTest::newRow("URI, %00 in the password") << QStringLiteral("postgresql://alice:hunter2%00@db/app");
        QTest::newRow("URI, bad percent-encoding in the password parameter")
            << QStringLiteral("postgresql://db/app?password=hunter2%zz");
        QTest::newRow("URI, unclosed IPv6 bracket") << QStringLiteral("postgresql://alice:hunter2@[::1/app");
        QTest::newRow("URI, empty IPv6 host") << QStringLiteral("postgresql://alice:hunter2@[]/app");
        QTest::newRow("URI, junk after the IPv6 host") << QStringLiteral("postgresql://alice:hunter2@[::1]x/app");
    }

    void passwordNeverInError()
    {
        QFETCH(QString, conninfo);
        QString error;
        QVERIFY(!ConnInfo::parse(conninfo, &error));
        QVERIFY(!error.isEmpty());
        QVERIFY2(!error.contains(QLatin1StringView("hunter2")), qPrintable(error));
    }

    void passwordNeverInDisplayName_data()
    {
        QTest::addColumn<QString>("conninfo");
        QTest::addColumn<QString>("displayName");

        QTest::newRow("key=value") << QStringLiteral("host=db password=hunter2 dbname=app") << "db:5432/app";
        QTest::newRow("key=value, no database nor user") << QStringLiteral("host=db password=hunter2") << "db:5432/";
        QTest::newRow("URI") << QStringLiteral("postgresql://alice:hunter2@db/app") << "db:5432/app";
        QTest::newRow("URI, no database") << QStringLiteral("postgresql://alice:hunter2@db") << "db:5432/alice";
        QTest::newRow("URI, password parameter")
            << QStringLiteral("postgresql://db/app?password=hunter2") << "db:5432/app";
        QTest::newRow("service") << QStringLiteral("service=prod password=hunter2") << "service=prod";
    }

    void passwordNeverInDisplayName()
    {
        QFETCH(QString, conninfo);
        QFETCH(QString, displayName);
        const std::optional<ConnInfo> info = ConnInfo::parse(conninfo);
        QVERIFY(info);
        QCOMPARE(info->value(QStringLiteral("password")), QStringLiteral("hunter2"));
        QCOMPARE(info->displayName(), displayName);
        QVERIFY(!info->displayName().contains(QLatin1StringView("hunter2")));
    }

    void displayName_data()
    {
        QTest::addColumn<QString>("conninfo");
        QTest::addColumn<QString>("expected");

        QTest::newRow("address and port")
            << QStringLiteral("host=127.0.0.1 port=5433 dbname=app") << "127.0.0.1:5433/app";
        QTest::newRow("Unix socket shows as localhost")
            << QStringLiteral("host=/var/run/postgresql dbname=app") << "localhost:5432/app";
        QTest::newRow("no host, default port") << QStringLiteral("dbname=app") << "localhost:5432/app";
        QTest::newRow("no database: the user's")
            << QStringLiteral("host=db.example.com user=alice") << "db.example.com:5432/alice";
        QTest::newRow("URI") << QStringLiteral("postgresql://alice@db.example.com:6432/app?sslmode=require")
                             << "db.example.com:6432/app";
        QTest::newRow("URI, socket in the query")
            << QStringLiteral("postgresql:///app?host=/tmp") << "localhost:5432/app";
        QTest::newRow("service") << QStringLiteral("service=prod") << "service=prod";
        QTest::newRow("service with a database") << QStringLiteral("service=prod dbname=app") << "localhost:5432/app";
    }

    void displayName()
    {
        QFETCH(QString, conninfo);
        QFETCH(QString, expected);
        const std::optional<ConnInfo> info = ConnInfo::parse(conninfo);
        QVERIFY(info);
        QCOMPARE(info->displayName(), expected);
    }

    void isLocal_data()
    {
        QTest::addColumn<QString>("conninfo");
        QTest::addColumn<bool>("local");

        QTest::newRow("127.0.0.1") << QStringLiteral("host=127.0.0.1") << true;
        QTest::newRow("127.1.2.3") << QStringLiteral("host=127.1.2.3") << true;
        QTest::newRow("localhost") << QStringLiteral("host=localhost") << true;
        QTest::newRow("::1") << QStringLiteral("host=::1") << true;
        QTest::newRow("Unix socket") << QStringLiteral("host=/var/run/postgresql") << true;
        QTest::newRow("Unix socket in /tmp") << QStringLiteral("host=/tmp port=5433") << true;
        QTest::newRow("empty host") << QStringLiteral("dbname=app") << true;
        QTest::newRow("nothing at all") << QString() << true;
        QTest::newRow("URI, IPv6 loopback") << QStringLiteral("postgresql://[::1]:5433/app") << true;
        QTest::newRow("URI, socket in the query") << QStringLiteral("postgresql:///app?host=/tmp") << true;
        QTest::newRow("db.example.com") << QStringLiteral("host=db.example.com") << false;
        QTest::newRow("10.0.0.5") << QStringLiteral("host=10.0.0.5") << false;
        QTest::newRow("URI, remote") << QStringLiteral("postgresql://alice@db.example.com/app") << false;
        QTest::newRow("hostaddr loopback wins over a remote name")
            << QStringLiteral("host=db.example.com hostaddr=127.0.0.1") << true;
        QTest::newRow("hostaddr remote wins over localhost")
            << QStringLiteral("host=localhost hostaddr=10.0.0.5") << false;
        QTest::newRow("hostaddr remote wins over a socket") << QStringLiteral("host=/tmp hostaddr=10.0.0.5") << false;
        QTest::newRow("hostaddr only, remote") << QStringLiteral("hostaddr=10.0.0.5") << false;
        QTest::newRow("hostaddr only, loopback") << QStringLiteral("hostaddr=127.0.0.1") << true;
        QTest::newRow("a name that starts with 127.") << QStringLiteral("host=127.db.example.com") << false;
    }

    void isLocal()
    {
        QFETCH(QString, conninfo);
        QFETCH(bool, local);
        const std::optional<ConnInfo> info = ConnInfo::parse(conninfo);
        QVERIFY(info);
        QCOMPARE(info->isLocal(), local);
    }

    void applyTo()
    {
        const std::optional<ConnInfo> info
            = ConnInfo::parse(QStringLiteral("host=db.example.com port=5433 dbname=app user=alice password=hunter2 "
                                             "sslmode=require application_name=theirs"));
        QVERIFY(info);
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("tst_conninfo"));
            QVERIFY2(db.isValid(), "the QPSQL driver is needed to hold the settings");
            info->applyTo(db, QStringLiteral("vigil-test"));
            QCOMPARE(db.hostName(), QStringLiteral("db.example.com"));
            QCOMPARE(db.port(), 5433);
            QCOMPARE(db.databaseName(), QStringLiteral("app"));
            QCOMPARE(db.userName(), QStringLiteral("alice"));
            QCOMPARE(db.password(), QStringLiteral("hunter2"));
            // The password goes through its own field only; the caller's application_name replaces theirs; other
            // values are quoted the libpq way.
            QCOMPARE(
                db.connectOptions(), QStringLiteral("sslmode='require';application_name=vigil-test;connect_timeout=5"));
            QVERIFY(!db.connectOptions().contains(QLatin1StringView("hunter2")));
            QVERIFY(!db.connectOptions().contains(QLatin1StringView("theirs")));
        }
        QSqlDatabase::removeDatabase(QStringLiteral("tst_conninfo"));
    }

    void applyToQuotesOptions()
    {
        // connect_timeout given: no default added. A space, a quote and a backslash are quoted; a ';' cannot pass
        // the QPSQL driver intact, so that setting is left out.
        const std::optional<ConnInfo> info = ConnInfo::parse(
            QStringLiteral("host=db connect_timeout=10 options='-c work_mem=64MB' sslrootcert='/tmp/it\\'s\\\\x' "
                           "sslmode=verify-full target_session_attrs='a;b'"));
        QVERIFY(info);
        QCOMPARE(info->value(QStringLiteral("sslrootcert")), QStringLiteral("/tmp/it's\\x"));
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("tst_conninfo2"));
            QVERIFY(db.isValid());
            info->applyTo(db, QStringLiteral("vigil"));
            QCOMPARE(db.hostName(), QStringLiteral("db"));
            QCOMPARE(db.port(), -1);
            QCOMPARE(db.connectOptions(),
                QStringLiteral("connect_timeout='10';options='-c work_mem=64MB';sslmode='verify-full';"
                               "sslrootcert='/tmp/it\\'s\\\\x';application_name=vigil"));
        }
        QSqlDatabase::removeDatabase(QStringLiteral("tst_conninfo2"));
    }
};

QTEST_GUILESS_MAIN(TestConnInfo)
#include "tst_conninfo.moc"
