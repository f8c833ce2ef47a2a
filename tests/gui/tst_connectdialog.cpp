// SPDX-License-Identifier: MIT
#include "connectdialog.h"
#include "conninfo.h"
#include "settings.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

using namespace vigil;

class TestConnectDialog : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

private slots:
    void typedFieldsMakeAConnectionStringAndAFailedConnectRemembersNothing()
    {
        Settings settings(m_dir.filePath(QStringLiteral("a.ini")));
        ConnectDialog dialog(&settings);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *connect = dialog.findChild<QPushButton *>(QStringLiteral("connectButton"));
        QVERIFY(!connect->isEnabled()); // nothing typed yet: no database
        QTest::keyClicks(dialog.findChild<QLineEdit *>(QStringLiteral("hostEdit")), QStringLiteral("db1.example.com"));
        auto *port = dialog.findChild<QSpinBox *>(QStringLiteral("portEdit"));
        port->selectAll();
        QTest::keyClicks(port, QStringLiteral("5433"));
        QTest::keyClicks(dialog.findChild<QLineEdit *>(QStringLiteral("databaseEdit")), QStringLiteral("app"));
        QTest::keyClicks(dialog.findChild<QLineEdit *>(QStringLiteral("userEdit")), QStringLiteral("dba"));
        QTest::keyClicks(
            dialog.findChild<QLineEdit *>(QStringLiteral("passwordEdit")), QStringLiteral("it's a s3cret"));
        QVERIFY(connect->isEnabled());

        // libpq reads back exactly what was typed, the quote in the password included.
        const std::optional<ConnInfo> info = ConnInfo::parse(dialog.conninfo());
        QVERIFY(info);
        QCOMPARE(info->value(QStringLiteral("host")), QStringLiteral("db1.example.com"));
        QCOMPARE(info->value(QStringLiteral("port")), QStringLiteral("5433"));
        QCOMPARE(info->value(QStringLiteral("dbname")), QStringLiteral("app"));
        QCOMPARE(info->value(QStringLiteral("user")), QStringLiteral("dba"));
        QCOMPARE(info->value(QStringLiteral("password")), QStringLiteral("it's a s3cret"));
        QVERIFY(!dialog.conninfoWithoutPassword().contains(QLatin1StringView("s3cret")));

        // Connect tries the target first: where nothing answers (port 1 of this machine) the dialog stays open,
        // says why on one line, and remembers nothing. The successful path is tst_walkthrough's (a real server).
        auto *host = dialog.findChild<QLineEdit *>(QStringLiteral("hostEdit"));
        host->clear();
        QTest::keyClicks(host, QStringLiteral("127.0.0.1"));
        port->setValue(1);
        QTest::mouseClick(connect, Qt::LeftButton);
        QVERIFY(dialog.isVisible());
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
        const QString note = dialog.findChild<QLabel *>(QStringLiteral("noteLabel"))->text();
        QVERIFY2(note.startsWith(QLatin1StringView("Could not connect")) && !note.contains(u'\n'), qPrintable(note));
        QVERIFY2(!note.contains(QLatin1StringView("s3cret")), qPrintable(note));
        QVERIFY(settings.recentTargets().isEmpty());
        settings.sync();
        QFile file(settings.fileName());
        QVERIFY(!file.exists() || (file.open(QIODevice::ReadOnly) && !file.readAll().contains("s3cret")));
    }

    void aServiceAloneIsEnough()
    {
        Settings settings(m_dir.filePath(QStringLiteral("b.ini")));
        ConnectDialog dialog(&settings);
        dialog.show();
        QTest::keyClicks(dialog.findChild<QLineEdit *>(QStringLiteral("serviceEdit")), QStringLiteral("prod"));
        QVERIFY(dialog.findChild<QPushButton *>(QStringLiteral("connectButton"))->isEnabled());
        QCOMPARE(dialog.conninfo(), QStringLiteral("service='prod'"));
    }

    void theEnvironmentFillsTheFieldsAndNoPortIsForced()
    {
        // Nothing in the environment: no port is written, so libpq's own choice (PGPORT, a service's, 5432) holds.
        const char *names[] = { "PGSERVICE", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER" };
        QMap<QByteArray, QByteArray> saved;
        for (const char *name : names) {
            if (qEnvironmentVariableIsSet(name))
                saved.insert(name, qgetenv(name));
            qunsetenv(name);
        }
        Settings settings(m_dir.filePath(QStringLiteral("env.ini")));
        {
            ConnectDialog dialog(&settings);
            QTest::keyClicks(dialog.findChild<QLineEdit *>(QStringLiteral("serviceEdit")), QStringLiteral("prod"));
            QCOMPARE(dialog.conninfo(), QStringLiteral("service='prod'"));
            QTest::keyClicks(dialog.findChild<QLineEdit *>(QStringLiteral("databaseEdit")), QStringLiteral("app"));
            QVERIFY2(!dialog.conninfo().contains(QLatin1StringView("port")), qPrintable(dialog.conninfo()));
        }
        // What psql would use fills the dialog.
        qputenv("PGHOST", "db-env.example.com");
        qputenv("PGPORT", "6543");
        qputenv("PGDATABASE", "envdb");
        qputenv("PGUSER", "envdba");
        ConnectDialog dialog(&settings);
        QCOMPARE(
            dialog.findChild<QLineEdit *>(QStringLiteral("hostEdit"))->text(), QStringLiteral("db-env.example.com"));
        QCOMPARE(dialog.findChild<QSpinBox *>(QStringLiteral("portEdit"))->value(), 6543);
        QVERIFY(dialog.findChild<QPushButton *>(QStringLiteral("connectButton"))->isEnabled());
        const std::optional<ConnInfo> info = ConnInfo::parse(dialog.conninfo());
        QVERIFY(info);
        QCOMPARE(info->value(QStringLiteral("dbname")), QStringLiteral("envdb"));
        QCOMPARE(info->value(QStringLiteral("user")), QStringLiteral("envdba"));
        QCOMPARE(info->value(QStringLiteral("port")), QStringLiteral("6543"));
        for (const char *name : names)
            qunsetenv(name);
        for (auto it = saved.begin(); it != saved.end(); ++it)
            qputenv(it.key().constData(), it.value());
    }

    void remoteHostsAreProposedVerifyFull()
    {
        Settings settings(m_dir.filePath(QStringLiteral("tls.ini")));
        ConnectDialog dialog(&settings);
        dialog.show();
        auto *host = dialog.findChild<QLineEdit *>(QStringLiteral("hostEdit"));
        auto *ssl = dialog.findChild<QComboBox *>(QStringLiteral("sslModeCombo"));
        QVERIFY(host && ssl);
        QTest::keyClicks(dialog.findChild<QLineEdit *>(QStringLiteral("databaseEdit")), QStringLiteral("app"));
        const auto sslmode = [&dialog] {
            const std::optional<ConnInfo> info = ConnInfo::parse(dialog.conninfo());
            return info ? info->value(QStringLiteral("sslmode")) : QStringLiteral("(unparsable)");
        };
        QTest::keyClicks(host, QStringLiteral("db1.example.com"));
        QCOMPARE(sslmode(), QStringLiteral("verify-full"));
        for (const QString &local : { QStringLiteral("localhost"), QStringLiteral("127.0.0.1"), QStringLiteral("::1"),
                 QStringLiteral("/var/run/postgresql"), QString() }) {
            host->setText(local);
            QCOMPARE(sslmode(), QString()); // libpq's default: no key at all
        }
        host->setText(QStringLiteral("10.1.2.3"));
        QCOMPARE(sslmode(), QStringLiteral("verify-full"));
        QTest::keyClicks(
            dialog.findChild<QLineEdit *>(QStringLiteral("sslRootCertEdit")), QStringLiteral("/etc/ca it.crt"));
        QCOMPARE(
            ConnInfo::parse(dialog.conninfo())->value(QStringLiteral("sslrootcert")), QStringLiteral("/etc/ca it.crt"));

        // A choice made by the DBA is kept whatever the host.
        ssl->setCurrentIndex(ssl->findData(QStringLiteral("require")));
        emit ssl->activated(ssl->currentIndex());
        host->setText(QStringLiteral("db2.example.com"));
        QCOMPARE(sslmode(), QStringLiteral("require"));
    }

    void aRecentTargetKeepsItsTls()
    {
        Settings settings(m_dir.filePath(QStringLiteral("tls-recent.ini")));
        settings.addRecentTarget(
            QStringLiteral("host='db1' port=5432 dbname='app' sslmode='verify-ca' sslrootcert='/ca.crt'"));
        ConnectDialog dialog(&settings);
        auto *recent = dialog.findChild<QComboBox *>(QStringLiteral("recentTargets"));
        QVERIFY(recent);
        recent->setCurrentIndex(1);
        const std::optional<ConnInfo> info = ConnInfo::parse(dialog.conninfo());
        QVERIFY(info);
        QCOMPARE(info->value(QStringLiteral("sslmode")), QStringLiteral("verify-ca"));
        QCOMPARE(info->value(QStringLiteral("sslrootcert")), QStringLiteral("/ca.crt"));
    }

    void quoting_data()
    {
        QTest::addColumn<QString>("value");
        QTest::newRow("plain") << QStringLiteral("abc");
        QTest::newRow("space") << QStringLiteral("a b");
        QTest::newRow("quote") << QStringLiteral("it's");
        QTest::newRow("backslash") << QStringLiteral("a\\b");
        QTest::newRow("injection-looking") << QStringLiteral("x' host='evil");
    }

    void quoting()
    {
        QFETCH(QString, value);
        const std::optional<ConnInfo> info
            = ConnInfo::parse(QStringLiteral("dbname=") + ConnectDialog::quoteValue(value));
        QVERIFY(info);
        QCOMPARE(info->value(QStringLiteral("dbname")), value);
        QVERIFY(!info->has(QStringLiteral("host")));
    }
};

QTEST_MAIN(TestConnectDialog)
#include "tst_connectdialog.moc"
