// SPDX-License-Identifier: MIT
#include "pgserver.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vigil::testing {

namespace {

using namespace std::chrono_literals;

constexpr QLatin1StringView kBinDir { "/usr/lib/postgresql/15/bin" };
constexpr QLatin1StringView kServerUser { "postgres" };
constexpr QLatin1StringView kSuperuser { "postgres" };
constexpr QLatin1StringView kHost { "127.0.0.1" };
constexpr QLatin1StringView kDatabase { "vigil_test" };
constexpr QLatin1StringView kPasswordRole { "vigil_pw" };
constexpr QLatin1StringView kPassword { "s3cret-pw" };

// Ports handed out by the kernel can be taken by someone else between our probe and the server's bind.
constexpr int kLaunchAttempts = 3;

void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}

QString errnoText()
{
    return QString::fromLocal8Bit(std::strerror(errno));
}

// Binding port 0 lets the kernel choose a port nobody listens on; the socket is closed again right away so the
// server can take the port. Plain POSIX keeps the fixture on Qt Core alone.
int pickFreePort(QString *error)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        setError(error, QStringLiteral("socket() failed: ") + errnoText());
        return 0;
    }
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0
        && ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) == 0) {
        port = ntohs(address.sin_port);
    } else {
        setError(error, QStringLiteral("cannot find a free port on 127.0.0.1: ") + errnoText());
    }
    ::close(fd);
    return port;
}

struct RunResult
{
    bool ok = false;
    QString output;
    QString error;
};

RunResult runTool(const PgServer &server, const QString &tool, const QStringList &arguments,
    std::chrono::milliseconds timeout, const QProcessEnvironment &extraEnvironment = {})
{
    QProcess process;
    server.setUpProcess(process, tool, arguments, extraEnvironment);
    process.start();
    RunResult result;
    if (!process.waitForStarted()) {
        result.error = tool + QStringLiteral(" could not be started: ") + process.errorString();
        return result;
    }
    if (!process.waitForFinished(static_cast<int>(timeout.count()))) {
        process.kill();
        process.waitForFinished();
        result.error = QStringLiteral("%1 did not finish within %2 s").arg(tool).arg(timeout / 1s);
        return result;
    }
    result.output = QString::fromUtf8(process.readAllStandardOutput()).trimmed();
    const QString stderrText = QString::fromUtf8(process.readAllStandardError()).trimmed();
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        const QString how = process.exitStatus() == QProcess::NormalExit
            ? QStringLiteral("exit code %1").arg(process.exitCode())
            : QStringLiteral("crashed");
        result.error
            = QStringLiteral("%1 failed (%2): %3").arg(tool, how, stderrText.isEmpty() ? result.output : stderrText);
        return result;
    }
    result.ok = true;
    return result;
}

QString readFrom(const QString &path, qint64 offset)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly) || !file.seek(offset))
        return {};
    return QString::fromUtf8(file.readAll());
}

QString lastLines(const QString &text, int count)
{
    const QStringList lines = text.trimmed().split(QLatin1Char('\n'));
    return lines.mid(std::max(0, static_cast<int>(lines.size()) - count)).join(QLatin1Char('\n'));
}

} // namespace

PgServer::PgServer() = default;

PgServer::~PgServer()
{
    cleanUp();
}

QString PgServer::binDirectory()
{
    return kBinDir;
}

QString PgServer::host() const
{
    return kHost;
}

QString PgServer::database() const
{
    return kDatabase;
}

QString PgServer::conninfo(const QString &user) const
{
    return QStringLiteral("host=%1 port=%2 dbname=%3 user=%4").arg(host()).arg(m_port).arg(database(), user);
}

QString PgServer::directory() const
{
    return m_dir ? m_dir->path() : QString();
}

QString PgServer::dataDirectory() const
{
    return m_dir ? m_dir->filePath(QStringLiteral("data")) : QString();
}

QString PgServer::logFile() const
{
    return m_dir ? m_dir->filePath(QStringLiteral("postgresql.log")) : QString();
}

bool PgServer::isRunning() const
{
    return m_dir && QFileInfo::exists(dataDirectory() + QStringLiteral("/postmaster.pid"));
}

QStringList PgServer::connectionArguments(const QString &user) const
{
    return { QStringLiteral("-h"), host(), QStringLiteral("-p"), QString::number(m_port), QStringLiteral("-U"), user };
}

void PgServer::setUpProcess(QProcess &process, const QString &tool, const QStringList &arguments,
    const QProcessEnvironment &extraEnvironment) const
{
    const QString binary = binDirectory() + QLatin1Char('/') + tool;
    if (m_runAsPostgres) {
        // setpriv execs the tool in place (runuser would fork and sit in between), so the QProcess pid is the
        // tool's own and terminate() reaches pgbench directly.
        process.setProgram(m_setpriv);
        process.setArguments(
            QStringList { QStringLiteral("--reuid=") + kServerUser, QStringLiteral("--regid=") + kServerUser,
                QStringLiteral("--init-groups"), QStringLiteral("--"), binary }
            + arguments);
    } else {
        process.setProgram(binary);
        process.setArguments(arguments);
    }
    QProcessEnvironment environment = m_environment;
    environment.insert(extraEnvironment);
    process.setProcessEnvironment(environment);
    if (m_dir)
        process.setWorkingDirectory(m_dir->path());
    // psql -w never prompts, but nothing should ever wait on the test's stdin.
    process.setStandardInputFile(QProcess::nullDevice());
}

bool PgServer::start(QString *error)
{
    if (m_dir) {
        setError(error, QStringLiteral("PgServer::start: already started"));
        return false;
    }
    QString why;
    if (!startSteps(&why)) {
        cleanUp();
        setError(error, why);
        return false;
    }
    return true;
}

bool PgServer::startSteps(QString *error)
{
    if (!checkTools(error) || !createDirectory(error))
        return false;
    startWatchdog();
    return initCluster(error) && writeServerConfig(error) && launch(true, error) && createObjects(error);
}

bool PgServer::checkTools(QString *error)
{
    for (const char *tool : { "initdb", "pg_ctl", "postgres", "psql", "pgbench" }) {
        const QFileInfo binary(binDirectory() + QLatin1Char('/') + QLatin1StringView(tool));
        if (!binary.isExecutable()) {
            setError(error,
                QStringLiteral("PostgreSQL 15 is not installed: %1 is missing. Run scripts/install-deps "
                               "(postgresql-15, postgresql-contrib).")
                    .arg(binary.filePath()));
            return false;
        }
    }
    if (!QFileInfo::exists(QStringLiteral("/usr/share/postgresql/15/extension/pg_stat_statements.control"))) {
        setError(error,
            QStringLiteral("pg_stat_statements is not installed. Run scripts/install-deps (postgresql-contrib)."));
        return false;
    }

    m_runAsPostgres = ::geteuid() == 0;
    if (!m_runAsPostgres)
        return true;
    // The server refuses to run as root; its package creates the postgres system user we switch to.
    const passwd *user = ::getpwnam(kServerUser.data());
    if (!user) {
        setError(error,
            QStringLiteral("running as root, but there is no system user \"postgres\" to run PostgreSQL as. "
                           "Run scripts/install-deps (postgresql-15 creates it)."));
        return false;
    }
    m_serverUid = static_cast<int>(user->pw_uid);
    m_serverGid = static_cast<int>(user->pw_gid);
    m_setpriv = QStandardPaths::findExecutable(QStringLiteral("setpriv"));
    if (m_setpriv.isEmpty()) {
        setError(error, QStringLiteral("running as root, but setpriv (util-linux) is not on PATH"));
        return false;
    }
    return true;
}

bool PgServer::createDirectory(QString *error)
{
    // A short fixed parent keeps the socket path (directory + "/.s.PGSQL.N") far below its 107-byte limit.
    m_dir = std::make_unique<QTemporaryDir>(QStringLiteral("/tmp/vigil-pg-XXXXXX"));
    if (!m_dir->isValid()) {
        setError(error, QStringLiteral("cannot create a temporary directory: ") + m_dir->errorString());
        m_dir.reset();
        return false;
    }
    const QByteArray path = QFile::encodeName(m_dir->path());
    if (m_runAsPostgres) {
        // QTemporaryDir makes it 0700 root-owned; the postgres user must own it to create the data directory,
        // its socket and its log here.
        if (::chmod(path.constData(), 0755) != 0
            || ::chown(path.constData(), static_cast<uid_t>(m_serverUid), static_cast<gid_t>(m_serverGid)) != 0) {
            setError(error, QStringLiteral("cannot hand %1 to the postgres user: %2").arg(m_dir->path(), errnoText()));
            return false;
        }
    }
    // Set only now: the pgpass file path lives in the directory.
    m_environment = QProcessEnvironment::systemEnvironment();
    // The caller's PGHOST, PGDATABASE, PGOPTIONS, PGSERVICE... must not redirect or alter our tools.
    for (const QString &key : m_environment.keys()) {
        if (key.startsWith(QLatin1StringView("PG")))
            m_environment.remove(key);
    }
    // Never a password from the developer's ~/.pgpass: tests decide which password is sent.
    m_environment.insert(QStringLiteral("PGPASSFILE"), m_dir->filePath(QStringLiteral("no-pgpass")));
    m_environment.insert(QStringLiteral("PGCLIENTENCODING"), QStringLiteral("UTF8"));
    // English messages whatever the developer's locale, so tests and our log checks can match them.
    m_environment.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8"));
    return true;
}

void PgServer::startWatchdog() const
{
    // pg_ctl puts the postmaster in its own session, so a test process that dies without running destructors
    // (a crash, a ctest timeout, SIGKILL) would leave the server running and its files in /tmp. This detached
    // shell waits until either the test process is gone or the directory is (normal clean-up); only in the first
    // case does it stop the server and remove the directory.
    static const QString script
        = QStringLiteral("pid=$1; dir=$2; shift 2\n"
                         "while kill -0 \"$pid\" 2>/dev/null && [ -d \"$dir\" ]; do sleep 1; done\n"
                         "[ -d \"$dir\" ] || exit 0\n"
                         "[ -f \"$dir/data/postmaster.pid\" ] && \"$@\"\n"
                         "rm -rf \"$dir\"\n");
    QProcess stopCommand;
    setUpProcess(stopCommand, QStringLiteral("pg_ctl"),
        { QStringLiteral("-D"), dataDirectory(), QStringLiteral("-m"), QStringLiteral("immediate"),
            QStringLiteral("-w"), QStringLiteral("-t"), QStringLiteral("30"), QStringLiteral("stop") });

    QProcess watchdog;
    watchdog.setProgram(QStringLiteral("/bin/sh"));
    watchdog.setArguments(
        QStringList { QStringLiteral("-c"), script, QStringLiteral("vigil-pg-watchdog"),
            QString::number(QCoreApplication::applicationPid()), m_dir->path(), stopCommand.program() }
        + stopCommand.arguments());
    watchdog.setProcessEnvironment(m_environment);
    watchdog.setWorkingDirectory(QStringLiteral("/"));
    // Inherited stdout/stderr would keep ctest's output pipe open, and ctest waits for it to close.
    watchdog.setStandardInputFile(QProcess::nullDevice());
    watchdog.setStandardOutputFile(QProcess::nullDevice());
    watchdog.setStandardErrorFile(QProcess::nullDevice());
    // Best effort: without it the fixture still cleans up on every normal exit.
    watchdog.startDetached();
}

bool PgServer::initCluster(QString *error) const
{
    // --no-sync only skips flushing initdb's own files; the running server still fsyncs as in production.
    const RunResult r = runTool(*this, QStringLiteral("initdb"),
        { QStringLiteral("-D"), dataDirectory(), QStringLiteral("-U"), kSuperuser, QStringLiteral("-A"),
            QStringLiteral("trust"), QStringLiteral("-E"), QStringLiteral("UTF8"), QStringLiteral("--locale=C"),
            QStringLiteral("--no-sync"), QStringLiteral("--no-instructions") },
        120s);
    setError(error, r.error);
    return r.ok;
}

bool PgServer::writeOwnedFile(const QString &path, const QByteArray &content, QString *error) const
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(content) != content.size()) {
        setError(error, QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
        return false;
    }
    file.close();
    // Files we create as root must still be readable by, and belong to, the user the server runs as.
    if (m_runAsPostgres) {
        const QByteArray encoded = QFile::encodeName(path);
        if (::chown(encoded.constData(), static_cast<uid_t>(m_serverUid), static_cast<gid_t>(m_serverGid)) != 0) {
            setError(error, QStringLiteral("cannot chown %1: %2").arg(path, errnoText()));
            return false;
        }
    }
    return true;
}

bool PgServer::writeServerConfig(QString *error) const
{
    // Our settings live in their own file so a retry on another port rewrites one file instead of editing
    // postgresql.conf again; postgresql.auto.conf (ALTER SYSTEM, which actions under test use) still wins.
    QFile conf(dataDirectory() + QStringLiteral("/postgresql.conf"));
    if (!conf.open(QIODevice::Append)
        || conf.write("\n# Added by vigil::testing::PgServer\ninclude 'vigil.conf'\n") < 0) {
        setError(error, QStringLiteral("cannot append to %1: %2").arg(conf.fileName(), conf.errorString()));
        return false;
    }
    conf.close();

    // First match wins: the password role's TCP line must come before the catch-all trust line.
    const QByteArray hba = "# Written by vigil::testing::PgServer. First match wins.\n"
                           "local   all          all                      trust\n"
                           "local   replication  all                      trust\n"
                           "host    all          vigil_pw   127.0.0.1/32  scram-sha-256\n"
                           "host    all          all        127.0.0.1/32  trust\n"
                           "host    replication  all        127.0.0.1/32  trust\n";
    return writeOwnedFile(dataDirectory() + QStringLiteral("/pg_hba.conf"), hba, error);
}

bool PgServer::launch(bool pickPort, QString *error)
{
    for (int attempt = 1;; ++attempt) {
        if (pickPort) {
            m_port = pickFreePort(error);
            if (m_port == 0)
                return false;
            // fsync and synchronous_commit stay at their defaults on purpose: the guard is tested against
            // realistic commit latency.
            const QString settings = QStringLiteral("# Written by vigil::testing::PgServer\n"
                                                    "listen_addresses = '%1'\n"
                                                    "port = %2\n"
                                                    "unix_socket_directories = '%3'\n"
                                                    "shared_preload_libraries = 'pg_stat_statements'\n"
                                                    "pg_stat_statements.track = all\n"
                                                    "max_connections = 200\n"
                                                    "shared_buffers = 128MB\n"
                                                    "log_min_messages = warning\n")
                                         .arg(host())
                                         .arg(m_port)
                                         .arg(m_dir->path());
            if (!writeOwnedFile(dataDirectory() + QStringLiteral("/vigil.conf"), settings.toUtf8(), error))
                return false;
        }
        const qint64 logOffset = QFileInfo(logFile()).size();
        const RunResult r = runTool(*this, QStringLiteral("pg_ctl"),
            { QStringLiteral("-D"), dataDirectory(), QStringLiteral("-l"), logFile(), QStringLiteral("-w"),
                QStringLiteral("-t"), QStringLiteral("60"), QStringLiteral("start") },
            90s);
        if (r.ok)
            return true;
        const QString log = readFrom(logFile(), logOffset);
        // pg_ctl may have given up waiting on a postmaster that is still starting.
        stop();
        const bool portTaken = log.contains(QLatin1StringView("could not bind"));
        if (!pickPort || !portTaken || attempt == kLaunchAttempts) {
            setError(error, r.error + QStringLiteral("\nlast lines of the server log:\n") + lastLines(log, 20));
            return false;
        }
    }
}

bool PgServer::createObjects(QString *error) const
{
    // CREATE DATABASE cannot run inside a transaction; separate -c options run as separate transactions.
    return runPsql(QStringLiteral("postgres"), kSuperuser, {},
               { QStringLiteral("CREATE ROLE %1 LOGIN PASSWORD '%2'").arg(kPasswordRole, kPassword),
                   QStringLiteral("CREATE DATABASE %1").arg(database()) },
               nullptr, error)
        && runPsql(
            database(), kSuperuser, {}, { QStringLiteral("CREATE EXTENSION pg_stat_statements") }, nullptr, error);
}

bool PgServer::runPsql(const QString &database, const QString &user, const QString &password,
    const QStringList &commands, QString *output, QString *error) const
{
    if (!isRunning()) {
        setError(error, QStringLiteral("psql: the server is not running"));
        return false;
    }
    // -X: no ~/.psqlrc; -w: fail instead of prompting for a password.
    QStringList arguments { QStringLiteral("-X"), QStringLiteral("-w"), QStringLiteral("-v"),
        QStringLiteral("ON_ERROR_STOP=1"), QStringLiteral("-At") };
    arguments << connectionArguments(user) << QStringLiteral("-d") << database;
    for (const QString &command : commands)
        arguments << QStringLiteral("-c") << command;
    QProcessEnvironment extra;
    if (!password.isEmpty())
        extra.insert(QStringLiteral("PGPASSWORD"), password);
    const RunResult r = runTool(*this, QStringLiteral("psql"), arguments, 120s, extra);
    if (output)
        *output = r.output;
    setError(error, r.error);
    return r.ok;
}

bool PgServer::psql(const QString &sql, QString *output, QString *error) const
{
    return runPsql(database(), kSuperuser, {}, { sql }, output, error);
}

bool PgServer::psqlAs(
    const QString &user, const QString &password, const QString &sql, QString *output, QString *error) const
{
    return runPsql(database(), user, password, { sql }, output, error);
}

bool PgServer::pgbenchInit(int scale, QString *error) const
{
    if (!isRunning()) {
        setError(error, QStringLiteral("pgbench -i: the server is not running"));
        return false;
    }
    const RunResult r = runTool(*this, QStringLiteral("pgbench"),
        QStringList { QStringLiteral("-i"), QStringLiteral("-s"), QString::number(scale), QStringLiteral("-q") }
            + connectionArguments() + QStringList { database() },
        10min);
    setError(error, r.error);
    return r.ok;
}

QString PgServer::writeFile(const QString &name, const QByteArray &content, QString *error) const
{
    if (!m_dir) {
        setError(error, QStringLiteral("writeFile: the server was not started"));
        return {};
    }
    const QString path = m_dir->filePath(name);
    if (!writeOwnedFile(path, content, error))
        return {};
    return path;
}

void PgServer::stop()
{
    if (!isRunning())
        return;
    runTool(*this, QStringLiteral("pg_ctl"),
        { QStringLiteral("-D"), dataDirectory(), QStringLiteral("-m"), QStringLiteral("immediate"),
            QStringLiteral("-w"), QStringLiteral("-t"), QStringLiteral("30"), QStringLiteral("stop") },
        60s);
    if (isRunning())
        killStalePostmaster();
}

void PgServer::killStalePostmaster() const
{
    // pg_ctl could not stop it (or it had already died and left its pid file): make sure nothing survives us.
    const QString pidFile = dataDirectory() + QStringLiteral("/postmaster.pid");
    QFile file(pidFile);
    if (file.open(QIODevice::ReadOnly)) {
        const qint64 pid = file.readLine().trimmed().toLongLong();
        QFile comm(QStringLiteral("/proc/%1/comm").arg(pid));
        // Only a postgres process: the pid in a stale file may have been reused.
        if (pid > 0 && comm.open(QIODevice::ReadOnly) && comm.readAll().trimmed() == "postgres")
            ::kill(static_cast<pid_t>(pid), SIGKILL);
    }
    QFile::remove(pidFile);
}

bool PgServer::restart(QString *error)
{
    if (!m_dir || m_port == 0) {
        setError(error, QStringLiteral("PgServer::restart: the server was never started"));
        return false;
    }
    if (isRunning()) {
        // Fast, not immediate: a clean shutdown with a checkpoint, so the restart needs no crash recovery.
        const RunResult r = runTool(*this, QStringLiteral("pg_ctl"),
            { QStringLiteral("-D"), dataDirectory(), QStringLiteral("-m"), QStringLiteral("fast"), QStringLiteral("-w"),
                QStringLiteral("-t"), QStringLiteral("60"), QStringLiteral("stop") },
            90s);
        if (!r.ok) {
            setError(error, r.error);
            return false;
        }
    }
    return launch(false, error);
}

void PgServer::cleanUp()
{
    stop();
    m_dir.reset();
    m_port = 0;
}

} // namespace vigil::testing
