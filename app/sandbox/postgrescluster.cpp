// SPDX-License-Identifier: MIT
#include "postgrescluster.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <utility>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vigil {

namespace {

using namespace std::chrono_literals;

constexpr QLatin1StringView kBinDir { "/usr/lib/postgresql/15/bin" };
constexpr QLatin1StringView kServerUser { "postgres" };
constexpr QLatin1StringView kSuperuser { "postgres" };
constexpr QLatin1StringView kHost { "127.0.0.1" };

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
// server can take the port. Plain POSIX keeps this on Qt Core alone.
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

QStringList pgCtlStopArguments(const QString &dataDirectory, QLatin1StringView mode, int waitSeconds)
{
    return { QStringLiteral("-D"), dataDirectory, QStringLiteral("-m"), mode, QStringLiteral("-w"),
        QStringLiteral("-t"), QString::number(waitSeconds), QStringLiteral("stop") };
}

} // namespace

PostgresCluster::PostgresCluster(PostgresClusterOptions options)
    : m_options(std::move(options))
{ }

PostgresCluster::~PostgresCluster()
{
    remove();
}

void PostgresCluster::stopTool(QProcess &process)
{
    if (process.state() == QProcess::NotRunning)
        return;
    process.terminate();
    if (!process.waitForFinished(5000)) {
        process.kill();
        process.waitForFinished();
    }
}

QString PostgresCluster::binDirectory()
{
    return kBinDir;
}

QString PostgresCluster::host()
{
    return kHost;
}

QString PostgresCluster::superuser()
{
    return kSuperuser;
}

QString PostgresCluster::directory() const
{
    return m_dir ? m_dir->path() : QString();
}

QString PostgresCluster::dataDirectory() const
{
    return m_dir ? m_dir->filePath(QStringLiteral("data")) : QString();
}

QString PostgresCluster::logFile() const
{
    return m_dir ? m_dir->filePath(QStringLiteral("postgresql.log")) : QString();
}

bool PostgresCluster::isRunning() const
{
    return m_dir && QFileInfo::exists(dataDirectory() + QStringLiteral("/postmaster.pid"));
}

QStringList PostgresCluster::connectionArguments(const QString &user) const
{
    return { QStringLiteral("-h"), host(), QStringLiteral("-p"), QString::number(m_port), QStringLiteral("-U"), user };
}

void PostgresCluster::setUpProcess(QProcess &process, const QString &tool, const QStringList &arguments,
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
    // psql -w never prompts, but nothing should ever wait on our stdin.
    process.setStandardInputFile(QProcess::nullDevice());
}

ToolResult PostgresCluster::run(const QString &tool, const QStringList &arguments, std::chrono::milliseconds timeout,
    const QProcessEnvironment &extraEnvironment) const
{
    QProcess process;
    setUpProcess(process, tool, arguments, extraEnvironment);
    process.start();
    ToolResult result;
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

bool PostgresCluster::create(QString *error)
{
    if (m_dir) {
        setError(error, QStringLiteral("the PostgreSQL cluster in %1 already exists").arg(m_dir->path()));
        return false;
    }
    if (!checkTools(error) || !createDirectory(error))
        return false;
    startWatchdog();
    return initCluster(error) && writeServerConfig(error);
}

bool PostgresCluster::checkTools(QString *error)
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

bool PostgresCluster::createDirectory(QString *error)
{
    m_dir = std::make_unique<QTemporaryDir>(m_options.directoryTemplate);
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
    // Never a password from the user's ~/.pgpass: our callers decide which password is sent.
    m_environment.insert(QStringLiteral("PGPASSFILE"), m_dir->filePath(QStringLiteral("no-pgpass")));
    m_environment.insert(QStringLiteral("PGCLIENTENCODING"), QStringLiteral("UTF8"));
    // English messages whatever the user's locale, so callers and our log checks can match them.
    m_environment.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8"));
    return true;
}

void PostgresCluster::startWatchdog() const
{
    // pg_ctl puts the postmaster in its own session, so a process that dies without running destructors (a
    // crash, a ctest timeout, SIGKILL) would leave the server running and its files in /tmp. This detached shell
    // waits until either our process is gone or the directory is (normal clean-up); only in the first case does
    // it stop the server and remove the directory.
    static const QString script
        = QStringLiteral("pid=$1; dir=$2; shift 2\n"
                         "while kill -0 \"$pid\" 2>/dev/null && [ -d \"$dir\" ]; do sleep 1; done\n"
                         "[ -d \"$dir\" ] || exit 0\n"
                         "[ -f \"$dir/data/postmaster.pid\" ] && \"$@\"\n"
                         "rm -rf \"$dir\"\n");
    QProcess stopCommand;
    setUpProcess(
        stopCommand, QStringLiteral("pg_ctl"), pgCtlStopArguments(dataDirectory(), QLatin1StringView("immediate"), 30));

    QProcess watchdog;
    watchdog.setProgram(QStringLiteral("/bin/sh"));
    watchdog.setArguments(
        QStringList { QStringLiteral("-c"), script, QStringLiteral("vigil-pg-watchdog"),
            QString::number(QCoreApplication::applicationPid()), m_dir->path(), stopCommand.program() }
        + stopCommand.arguments());
    watchdog.setProcessEnvironment(m_environment);
    watchdog.setWorkingDirectory(QStringLiteral("/"));
    // Inherited stdout/stderr would keep a parent's output pipe open (ctest waits for it to close).
    watchdog.setStandardInputFile(QProcess::nullDevice());
    watchdog.setStandardOutputFile(QProcess::nullDevice());
    watchdog.setStandardErrorFile(QProcess::nullDevice());
    // Best effort: without it every normal exit still cleans up.
    watchdog.startDetached();
}

bool PostgresCluster::initCluster(QString *error) const
{
    // --no-sync only skips flushing initdb's own files; the running server still fsyncs as in production.
    const ToolResult r = run(QStringLiteral("initdb"),
        { QStringLiteral("-D"), dataDirectory(), QStringLiteral("-U"), kSuperuser, QStringLiteral("-A"),
            QStringLiteral("trust"), QStringLiteral("-E"), QStringLiteral("UTF8"), QStringLiteral("--locale=C"),
            QStringLiteral("--no-sync"), QStringLiteral("--no-instructions") },
        120s);
    setError(error, r.error);
    return r.ok;
}

bool PostgresCluster::writeOwnedFile(const QString &path, const QByteArray &content, QString *error) const
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

bool PostgresCluster::writeServerConfig(QString *error) const
{
    // Our settings live in their own file so a retry on another port rewrites one file instead of editing
    // postgresql.conf again; postgresql.auto.conf (ALTER SYSTEM, which Vigil's actions use) still wins.
    QFile conf(dataDirectory() + QStringLiteral("/postgresql.conf"));
    if (!conf.open(QIODevice::Append)
        || conf.write(QStringLiteral("\n# Added by %1\ninclude 'vigil.conf'\n").arg(m_options.owner).toUtf8()) < 0) {
        setError(error, QStringLiteral("cannot append to %1: %2").arg(conf.fileName(), conf.errorString()));
        return false;
    }
    conf.close();
    if (m_options.hba.isEmpty())
        return true;
    return writeOwnedFile(dataDirectory() + QStringLiteral("/pg_hba.conf"), m_options.hba, error);
}

bool PostgresCluster::writeSettings(QString *error) const
{
    // fsync and synchronous_commit stay at their defaults on purpose: commits cost what they cost in production,
    // which is what the guard is tested against and what a sandbox user should see.
    const QString settings = QStringLiteral("# Written by %1\n"
                                            "listen_addresses = '%2'\n"
                                            "port = %3\n"
                                            "unix_socket_directories = '%4'\n"
                                            "shared_preload_libraries = 'pg_stat_statements'\n"
                                            "pg_stat_statements.track = all\n"
                                            "max_connections = %5\n"
                                            "shared_buffers = 128MB\n"
                                            "log_min_messages = warning\n")
                                 .arg(m_options.owner, host())
                                 .arg(m_port)
                                 .arg(m_dir->path())
                                 .arg(m_options.maxConnections);
    return writeOwnedFile(dataDirectory() + QStringLiteral("/vigil.conf"), settings.toUtf8(), error);
}

bool PostgresCluster::start(QString *error)
{
    if (!m_dir) {
        setError(error, QStringLiteral("the PostgreSQL cluster was not created"));
        return false;
    }
    const bool pickPort = m_port == 0;
    for (int attempt = 1;; ++attempt) {
        if (pickPort) {
            m_port = pickFreePort(error);
            if (m_port == 0 || !writeSettings(error)) {
                m_port = 0;
                return false;
            }
        }
        const qint64 logOffset = QFileInfo(logFile()).size();
        const ToolResult r = run(QStringLiteral("pg_ctl"),
            { QStringLiteral("-D"), dataDirectory(), QStringLiteral("-l"), logFile(), QStringLiteral("-w"),
                QStringLiteral("-t"), QStringLiteral("60"), QStringLiteral("start") },
            90s);
        if (r.ok)
            return true;
        const QString log = readFrom(logFile(), logOffset);
        // pg_ctl may have given up waiting on a postmaster that is still starting.
        stop(Shutdown::Immediate);
        const bool portTaken = log.contains(QLatin1StringView("could not bind"));
        if (!pickPort || !portTaken || attempt == kLaunchAttempts) {
            setError(error, r.error + QStringLiteral("\nlast lines of the server log:\n") + lastLines(log, 20));
            return false;
        }
    }
}

bool PostgresCluster::stop(Shutdown mode, QString *error)
{
    if (!isRunning())
        return true;
    if (mode == Shutdown::Fast) {
        const ToolResult r
            = run(QStringLiteral("pg_ctl"), pgCtlStopArguments(dataDirectory(), QLatin1StringView("fast"), 60), 90s);
        setError(error, r.error);
        return r.ok;
    }
    const ToolResult r
        = run(QStringLiteral("pg_ctl"), pgCtlStopArguments(dataDirectory(), QLatin1StringView("immediate"), 30), 60s);
    if (isRunning())
        killStalePostmaster();
    setError(error, r.error);
    return !isRunning();
}

void PostgresCluster::killStalePostmaster() const
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

void PostgresCluster::remove()
{
    stop(Shutdown::Immediate);
    // QTemporaryDir removes the directory recursively; the watchdog sees it gone and exits.
    m_dir.reset();
    m_port = 0;
}

bool PostgresCluster::psql(const QString &database, const QString &user, const QString &password,
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
    const ToolResult r = run(QStringLiteral("psql"), arguments, 120s, extra);
    if (output)
        *output = r.output;
    setError(error, r.error);
    return r.ok;
}

bool PostgresCluster::pgbenchInit(const QString &database, int scale, QString *error) const
{
    if (!isRunning()) {
        setError(error, QStringLiteral("pgbench -i: the server is not running"));
        return false;
    }
    const ToolResult r = run(QStringLiteral("pgbench"),
        QStringList { QStringLiteral("-i"), QStringLiteral("-s"), QString::number(scale), QStringLiteral("-q") }
            + connectionArguments(kSuperuser) + QStringList { database },
        10min);
    setError(error, r.error);
    return r.ok;
}

} // namespace vigil
