// SPDX-License-Identifier: MIT
// TLS as docs/security.md advises it: a PostgreSQL 15 with ssl=on and a self-signed certificate (openssl) accepts
// Vigil's connections with sslmode=verify-full and sslrootcert, and verify-full refuses a certificate from another
// CA or one that names another host, which is what it is for.
#include "collect/dbcollector.h"
#include "collect/pgconnection.h"
#include "pgserver.h"

#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace vigil;
using namespace vigil::testing;

class TestTls : public QObject
{
    Q_OBJECT

    PgServer m_server;
    QTemporaryDir m_dir;
    QString m_ca; ///< the server's own (self-signed) certificate: the CA a client trusts
    QString m_otherCa; ///< a certificate unrelated to the server

    /// A self-signed certificate for @p subjectAltName; the key stays beside it. Empty on failure (with a warning).
    QString makeCertificate(const QString &name, const QString &subjectAltName)
    {
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"),
            { QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
                QStringLiteral("-nodes"), QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-subj"),
                QStringLiteral("/CN=vigil-test"), QStringLiteral("-addext"),
                QStringLiteral("subjectAltName=") + subjectAltName, QStringLiteral("-keyout"),
                m_dir.filePath(name + QStringLiteral(".key")), QStringLiteral("-out"),
                m_dir.filePath(name + QStringLiteral(".crt")) });
        if (!openssl.waitForFinished(60000) || openssl.exitCode() != 0) {
            qWarning("openssl: %s", openssl.readAllStandardError().constData());
            return {};
        }
        return m_dir.filePath(name + QStringLiteral(".crt"));
    }

    /// The server's copy of a file of ours, owned by the server's user with @p permissions.
    QString serverCopy(const QString &path, const QString &name, QFile::Permissions permissions)
    {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return {};
        QString error;
        const QString copy = m_server.writeFile(name, file.readAll(), &error);
        if (copy.isEmpty() || !QFile::setPermissions(copy, permissions))
            qWarning("cannot place %s for the server: %s", qPrintable(name), qPrintable(error));
        return copy;
    }

    /// Connects as Vigil's collector does; empty when it worked, else libpq's error.
    QString connectWith(const QString &host, const QString &tls, bool *encrypted = nullptr)
    {
        PgConnection connection;
        QString error;
        const QString conninfo = QStringLiteral("host=%1 port=%2 dbname=%3 user=postgres connect_timeout=10 %4")
                                     .arg(host)
                                     .arg(m_server.port())
                                     .arg(m_server.database(), tls);
        if (!connection.open(conninfo, QStringLiteral("vigil-test"), 5000, DbCollector::kMarker, &error))
            return error.isEmpty() ? QStringLiteral("failed without a message") : error;
        const std::optional<PgRows> rows
            = connection.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", {}, &error);
        if (encrypted)
            *encrypted = rows && rows->rows() == 1 && rows->value(0, 0) == "t";
        return {};
    }

private slots:
    void initTestCase()
    {
        if (QStandardPaths::findExecutable(QStringLiteral("openssl")).isEmpty())
            QSKIP("openssl is not installed: no certificate to test TLS with");
        QVERIFY(m_dir.isValid());
        QString error;
        QVERIFY2(m_server.start(&error), qPrintable(error));
        // The server's certificate names 127.0.0.1 only: connecting to it by "localhost" must fail verify-full.
        m_ca = makeCertificate(QStringLiteral("server"), QStringLiteral("IP:127.0.0.1"));
        m_otherCa = makeCertificate(QStringLiteral("other"), QStringLiteral("IP:127.0.0.1"));
        QVERIFY(!m_ca.isEmpty() && !m_otherCa.isEmpty());
        const QString cert = serverCopy(m_ca, QStringLiteral("server.crt"), QFile::ReadOwner | QFile::WriteOwner);
        // PostgreSQL refuses a key readable by others.
        const QString key = serverCopy(m_dir.filePath(QStringLiteral("server.key")), QStringLiteral("server.key"),
            QFile::ReadOwner | QFile::WriteOwner);
        QVERIFY(!cert.isEmpty() && !key.isEmpty());
        // Paths of our own temporary directory (no quote in them): ssl is reloadable, no restart needed.
        QVERIFY(!cert.contains(u'\'') && !key.contains(u'\''));
        for (const QString &statement : { QStringLiteral("ALTER SYSTEM SET ssl_cert_file = '%1'").arg(cert),
                 QStringLiteral("ALTER SYSTEM SET ssl_key_file = '%1'").arg(key),
                 QStringLiteral("ALTER SYSTEM SET ssl = on"), QStringLiteral("SELECT pg_reload_conf()") })
            QVERIFY2(m_server.psql(statement, nullptr, &error), qPrintable(error));
        QString on;
        QTRY_VERIFY_WITH_TIMEOUT(
            m_server.psql(QStringLiteral("SHOW ssl"), &on) && on == QLatin1StringView("on"), 10000);
    }

    void verifyFullWithTheRightCaConnectsEncrypted()
    {
        bool encrypted = false;
        QCOMPARE(connectWith(QStringLiteral("127.0.0.1"), QStringLiteral("sslmode=verify-full sslrootcert=") + m_ca,
                     &encrypted),
            QString());
        QVERIFY(encrypted);
        // Without TLS the same server still answers, unencrypted: verify-full is what makes the difference.
        QCOMPARE(connectWith(QStringLiteral("127.0.0.1"), QStringLiteral("sslmode=disable"), &encrypted), QString());
        QVERIFY(!encrypted);
    }

    void verifyFullRefusesAnotherCa()
    {
        const QString error
            = connectWith(QStringLiteral("127.0.0.1"), QStringLiteral("sslmode=verify-full sslrootcert=") + m_otherCa);
        QVERIFY2(error.contains(QLatin1StringView("certificate verify failed")), qPrintable(error));
        // require without a CA file does not check the certificate at all: it would accept a man in the middle.
        // (With a CA file libpq makes it verify-ca.)
        QCOMPARE(connectWith(QStringLiteral("127.0.0.1"),
                     QStringLiteral("sslmode=require sslrootcert=") + m_dir.filePath(QStringLiteral("absent.crt"))),
            QString());
    }

    void verifyFullRefusesAnotherHostName()
    {
        const QString error
            = connectWith(QStringLiteral("localhost"), QStringLiteral("sslmode=verify-full sslrootcert=") + m_ca);
        QVERIFY2(error.contains(QLatin1StringView("does not match host name")), qPrintable(error));
        // verify-ca checks the CA only, so it accepts the same connection.
        QCOMPARE(connectWith(QStringLiteral("localhost"), QStringLiteral("sslmode=verify-ca sslrootcert=") + m_ca),
            QString());
    }
};

QTEST_GUILESS_MAIN(TestTls)
#include "tst_tls.moc"
