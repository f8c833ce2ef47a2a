// SPDX-License-Identifier: MIT
#include "sandbox.h"

#include "postgrescluster.h"
#include "sandboxshowcase.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTimer>

#include <algorithm>

namespace vigil {

namespace {

constexpr QLatin1StringView kDatabase { "vigil_sandbox" };

// pgbench stops by itself after -T seconds; a day is long enough that this is rare, and the restart covers it.
constexpr int kWorkloadSeconds = 86400;

// A pgbench that exits at once (bad option, refused connection) does so within this time: start() reports it.
constexpr int kEarlyExitMs = 300;

// Restarts back off while the workload keeps dying young (a server in trouble), up to this delay.
constexpr int kFirstRestartDelayMs = 1000;
constexpr int kMaxRestartDelayMs = 30000;
constexpr qint64 kHealthyRunMs = 10000;

void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}

} // namespace

Sandbox::Sandbox(QObject *parent)
    : Sandbox(SandboxOptions {}, parent)
{ }

Sandbox::Sandbox(const SandboxOptions &options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_cluster(std::make_unique<PostgresCluster>(PostgresClusterOptions {
          // A short fixed parent keeps the socket path (directory + "/.s.PGSQL.N") below its 107-byte limit,
          // whatever TMPDIR says.
          .directoryTemplate = QStringLiteral("/tmp/vigil-sandbox-XXXXXX"),
          .owner = QStringLiteral("vigil --sandbox"),
          .maxConnections = 100,
          .hba = {},
      }))
    , m_workload(new QProcess(this))
    , m_restartTimer(new QTimer(this))
{
    m_restartTimer->setSingleShot(true);
    connect(m_restartTimer, &QTimer::timeout, this, &Sandbox::restartWorkload);
    connect(m_workload, &QProcess::finished, this, &Sandbox::onWorkloadFinished);
    // A program that cannot be started never emits finished().
    connect(m_workload, &QProcess::errorOccurred, this, [this](QProcess::ProcessError processError) {
        if (processError == QProcess::FailedToStart)
            onWorkloadFinished();
    });
}

Sandbox::~Sandbox()
{
    stop();
}

void Sandbox::setProgressCallback(ProgressCallback callback)
{
    m_progress = std::move(callback);
}

void Sandbox::report(const QString &step) const
{
    if (m_progress)
        m_progress(step);
}

QString Sandbox::database()
{
    return kDatabase;
}

bool Sandbox::isRunning() const
{
    return m_running && m_cluster->isRunning();
}

int Sandbox::port() const
{
    return m_running ? m_cluster->port() : 0;
}

QString Sandbox::directory() const
{
    return m_cluster->directory();
}

QString Sandbox::logFile() const
{
    return m_cluster->logFile();
}

QString Sandbox::conninfo() const
{
    if (!m_running)
        return {};
    return QStringLiteral("host=%1 port=%2 dbname=%3 user=%4")
        .arg(PostgresCluster::host())
        .arg(m_cluster->port())
        .arg(kDatabase, PostgresCluster::superuser());
}

QString Sandbox::displayName() const
{
    if (!m_running)
        return {};
    return QStringLiteral("sandbox (PostgreSQL 15 on %1:%2, pgbench scale %3)")
        .arg(PostgresCluster::host())
        .arg(m_cluster->port())
        .arg(m_options.scale);
}

bool Sandbox::isWorkloadRunning() const
{
    return m_workload->state() != QProcess::NotRunning;
}

qint64 Sandbox::workloadProcessId() const
{
    return isWorkloadRunning() ? m_workload->processId() : 0;
}

bool Sandbox::start(QString *error)
{
    if (m_running || m_cluster->isCreated()) {
        setError(error, QStringLiteral("the sandbox is already running"));
        return false;
    }
    if (m_options.scale < 1 || m_options.clients < 1 || m_options.threads < 1 || m_options.rate < 1) {
        setError(error,
            QStringLiteral("sandbox: scale, clients, threads and rate must be at least 1 (got %1, %2, %3, %4)")
                .arg(m_options.scale)
                .arg(m_options.clients)
                .arg(m_options.threads)
                .arg(m_options.rate));
        return false;
    }
    if (!startSteps(error)) {
        stop();
        return false;
    }
    return true;
}

bool Sandbox::startSteps(QString *error)
{
    report(QStringLiteral("initialising the cluster"));
    if (!m_cluster->create(error))
        return false;
    report(QStringLiteral("starting PostgreSQL"));
    if (!m_cluster->start(error) || !createDatabase(error))
        return false;
    report(QStringLiteral("loading pgbench data (scale %1)").arg(m_options.scale));
    if (!m_cluster->pgbenchInit(kDatabase, m_options.scale, error))
        return false;
    report(QStringLiteral("starting the workload"));
    if (!startWorkload(error))
        return false;
    if (m_options.showcase) {
        report(QStringLiteral("adding a missing index and a hoarding client"));
        m_showcase = std::make_unique<SandboxShowcase>(*m_cluster, kDatabase);
        if (!m_showcase->prepare(error) || !m_showcase->start(error))
            return false;
    }
    m_workloadRestarts = 0;
    m_restartDelayMs = kFirstRestartDelayMs;
    // Only from here on does an exiting workload get restarted.
    m_running = true;
    return true;
}

bool Sandbox::createDatabase(QString *error) const
{
    // CREATE DATABASE cannot run inside a transaction, so it goes alone; the extension must be created in the
    // database Vigil watches, where pg_stat_statements is queried.
    return m_cluster->psql(QStringLiteral("postgres"), PostgresCluster::superuser(), {},
               { QStringLiteral("CREATE DATABASE %1").arg(kDatabase) }, nullptr, error)
        && m_cluster->psql(kDatabase, PostgresCluster::superuser(), {},
            { QStringLiteral("CREATE EXTENSION pg_stat_statements") }, nullptr, error);
}

bool Sandbox::startWorkload(QString *error)
{
    const QStringList arguments = QStringList { QStringLiteral("-n"), QStringLiteral("-c"),
        QString::number(m_options.clients), QStringLiteral("-j"),
        QString::number(std::min(m_options.threads, m_options.clients)), QStringLiteral("-R"),
        QString::number(m_options.rate), QStringLiteral("-T"), QString::number(kWorkloadSeconds) }
        + m_cluster->connectionArguments(PostgresCluster::superuser()) + QStringList { kDatabase };
    m_cluster->setUpProcess(*m_workload, QStringLiteral("pgbench"), arguments);
    // pgbench's output goes to a file so a long run never blocks on a full pipe; appended across restarts.
    m_workload->setProcessChannelMode(QProcess::MergedChannels);
    m_workload->setStandardOutputFile(
        QDir(m_cluster->directory()).filePath(QStringLiteral("pgbench.log")), QIODevice::Append);
    m_workloadClock.start();
    m_workload->start();
    if (!m_workload->waitForStarted()) {
        setError(error, QStringLiteral("pgbench could not be started: ") + m_workload->errorString());
        return false;
    }
    if (!m_running && m_workload->waitForFinished(kEarlyExitMs)) {
        QFile log(QDir(m_cluster->directory()).filePath(QStringLiteral("pgbench.log")));
        const QString output = log.open(QIODevice::ReadOnly) ? QString::fromUtf8(log.readAll()).trimmed() : QString();
        setError(
            error, QStringLiteral("pgbench exited at once (exit code %1): %2").arg(m_workload->exitCode()).arg(output));
        return false;
    }
    return true;
}

void Sandbox::onWorkloadFinished()
{
    // Exits while starting are start()'s to report; exits after stop() are ours.
    if (!m_running)
        return;
    if (!m_cluster->isRunning())
        return;
    if (m_workloadClock.elapsed() >= kHealthyRunMs)
        m_restartDelayMs = kFirstRestartDelayMs;
    const int delayMs = m_restartDelayMs;
    m_restartDelayMs = std::min(delayMs * 2, kMaxRestartDelayMs);
    const int exitCode = m_workload->exitStatus() == QProcess::NormalExit ? m_workload->exitCode() : -1;
    emit workloadExited(exitCode, delayMs);
    m_restartTimer->start(delayMs);
}

void Sandbox::restartWorkload()
{
    if (!m_running || !m_cluster->isRunning() || isWorkloadRunning())
        return;
    ++m_workloadRestarts;
    QString error;
    // A failure to start comes back through errorOccurred(), which schedules the next attempt.
    if (startWorkload(&error))
        emit workloadRestarted();
}

void Sandbox::stopWorkload()
{
    PostgresCluster::stopTool(*m_workload);
}

void Sandbox::stop()
{
    m_running = false;
    m_restartTimer->stop();
    if (m_showcase) {
        m_showcase->stop();
        m_showcase.reset();
    }
    stopWorkload();
    // A fast shutdown first, so a sandbox stopped by the user ends cleanly; remove() falls back to an immediate
    // one (and a kill) if that fails, then deletes the directory.
    m_cluster->stop(PostgresCluster::Shutdown::Fast);
    m_cluster->remove();
}

} // namespace vigil
