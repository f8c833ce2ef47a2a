// SPDX-License-Identifier: MIT
#include "pgserver.h"

#include "postgrescluster.h"

#include <QProcess>
#include <QRegularExpression>

namespace vigil::testing {

namespace {

constexpr QLatin1StringView kDatabase { "vigil_test" };
constexpr QLatin1StringView kPasswordRole { "vigil_pw" };
constexpr QLatin1StringView kPassword { "s3cret-pw" };

void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}

PostgresClusterOptions clusterOptions()
{
    return {
        // A short fixed parent keeps the socket path (directory + "/.s.PGSQL.N") far below its 107-byte limit.
        .directoryTemplate = QStringLiteral("/tmp/vigil-pg-XXXXXX"),
        .owner = QStringLiteral("vigil::testing::PgServer"),
        // Tests open many sessions at once (pgbench clients, collectors, executors, stores).
        .maxConnections = 200,
        // First match wins: the password role's TCP line must come before the catch-all trust line.
        .hba = "# Written by vigil::testing::PgServer. First match wins.\n"
               "local   all          all                      trust\n"
               "local   replication  all                      trust\n"
               "host    all          vigil_pw   127.0.0.1/32  scram-sha-256\n"
               "host    all          all        127.0.0.1/32  trust\n"
               "host    replication  all        127.0.0.1/32  trust\n",
    };
}

} // namespace

PgServer::PgServer()
    : m_cluster(std::make_unique<PostgresCluster>(clusterOptions()))
{ }

PgServer::~PgServer() = default;

QString PgServer::binDirectory()
{
    return PostgresCluster::binDirectory();
}

QString PgServer::host() const
{
    return PostgresCluster::host();
}

QString PgServer::database() const
{
    return kDatabase;
}

QString PgServer::conninfo(const QString &user) const
{
    return QStringLiteral("host=%1 port=%2 dbname=%3 user=%4").arg(host()).arg(port()).arg(database(), user);
}

int PgServer::port() const
{
    return m_cluster->port();
}

QString PgServer::directory() const
{
    return m_cluster->directory();
}

QString PgServer::dataDirectory() const
{
    return m_cluster->dataDirectory();
}

QString PgServer::logFile() const
{
    return m_cluster->logFile();
}

bool PgServer::isRunning() const
{
    return m_cluster->isRunning();
}

QStringList PgServer::connectionArguments(const QString &user) const
{
    return m_cluster->connectionArguments(user);
}

void PgServer::setUpProcess(QProcess &process, const QString &tool, const QStringList &arguments,
    const QProcessEnvironment &extraEnvironment) const
{
    m_cluster->setUpProcess(process, tool, arguments, extraEnvironment);
}

bool PgServer::start(QString *error)
{
    if (m_cluster->isCreated()) {
        setError(error, QStringLiteral("PgServer::start: already started"));
        return false;
    }
    QString why;
    if (!m_cluster->create(&why) || !m_cluster->start(&why) || !createObjects(&why)) {
        m_cluster->remove();
        setError(error, why);
        return false;
    }
    return true;
}

bool PgServer::createObjects(QString *error) const
{
    // CREATE DATABASE cannot run inside a transaction; separate -c options run as separate transactions.
    const QString superuser = PostgresCluster::superuser();
    return m_cluster->psql(QStringLiteral("postgres"), superuser, {},
               { QStringLiteral("CREATE ROLE %1 LOGIN PASSWORD '%2'").arg(kPasswordRole, kPassword),
                   QStringLiteral("CREATE DATABASE %1").arg(database()) },
               nullptr, error)
        && m_cluster->psql(
            database(), superuser, {}, { QStringLiteral("CREATE EXTENSION pg_stat_statements") }, nullptr, error);
}

bool PgServer::psql(const QString &sql, QString *output, QString *error) const
{
    return m_cluster->psql(database(), PostgresCluster::superuser(), {}, { sql }, output, error);
}

bool PgServer::psqlAs(
    const QString &user, const QString &password, const QString &sql, QString *output, QString *error) const
{
    return m_cluster->psql(database(), user, password, { sql }, output, error);
}

QString PgServer::setting(const QString &name) const
{
    // A setting's name only (letters, digits, _ and .), so the text pasted into the statement stays a name.
    static const QRegularExpression settingName(QStringLiteral("^[A-Za-z_][A-Za-z0-9_.]*$"));
    if (!settingName.match(name).hasMatch())
        return {};
    QString value;
    psql(QStringLiteral("SELECT current_setting('%1')").arg(name), &value);
    return value;
}

bool PgServer::pgbenchInit(int scale, QString *error) const
{
    return m_cluster->pgbenchInit(database(), scale, error);
}

QString PgServer::writeFile(const QString &name, const QByteArray &content, QString *error) const
{
    if (!m_cluster->isCreated()) {
        setError(error, QStringLiteral("writeFile: the server was not started"));
        return {};
    }
    const QString path = directory() + QLatin1Char('/') + name;
    if (!m_cluster->writeOwnedFile(path, content, error))
        return {};
    return path;
}

void PgServer::stop()
{
    m_cluster->stop(PostgresCluster::Shutdown::Immediate);
}

bool PgServer::restart(QString *error)
{
    if (!m_cluster->isCreated() || m_cluster->port() == 0) {
        setError(error, QStringLiteral("PgServer::restart: the server was never started"));
        return false;
    }
    // Fast, not immediate: a clean shutdown with a checkpoint, so the restart needs no crash recovery. The port
    // was chosen by the first start and is kept.
    return m_cluster->stop(PostgresCluster::Shutdown::Fast, error) && m_cluster->start(error);
}

} // namespace vigil::testing
