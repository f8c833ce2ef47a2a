// SPDX-License-Identifier: MIT
#include "pgbenchload.h"

#include "pgserver.h"

#include <QDir>
#include <QFile>
#include <QProcess>

#include <atomic>
#include <utility>

namespace vigil::testing {

namespace {

// Several loads may run against one server; each keeps its own output file.
std::atomic<int> s_loadCount { 0 };

// A typo in the arguments or a refused connection makes pgbench exit almost at once; waiting this long in
// start() turns that into a start() failure instead of a confusing "no load" later in the test.
constexpr int kEarlyExitMs = 300;

} // namespace

PgBenchLoad::PgBenchLoad(const PgServer &server, QStringList arguments)
    : m_server(server)
    , m_arguments(std::move(arguments))
{ }

std::unique_ptr<PgBenchLoad> PgBenchLoad::startNearlyIdle(const PgServer &server, QString *error)
{
    if (!server.pgbenchInit(1, error))
        return nullptr;
    auto load = std::make_unique<PgBenchLoad>(server,
        QStringList { QStringLiteral("-S"), QStringLiteral("-n"), QStringLiteral("-c"), QStringLiteral("1"),
            QStringLiteral("-R"), QStringLiteral("3"), QStringLiteral("-T"), QStringLiteral("3600") });
    return load->start(error) ? std::move(load) : nullptr;
}

PgBenchLoad::~PgBenchLoad()
{
    stop();
}

bool PgBenchLoad::start(QString *error)
{
    auto fail = [error](const QString &text) {
        if (error)
            *error = text;
        return false;
    };
    if (isRunning())
        return fail(QStringLiteral("pgbench load: already running"));
    if (!m_server.isRunning())
        return fail(QStringLiteral("pgbench load: the server is not running"));

    m_logFile = QDir(m_server.directory()).filePath(QStringLiteral("pgbench-%1.log").arg(++s_loadCount));
    m_process = std::make_unique<QProcess>();
    m_server.setUpProcess(*m_process, QStringLiteral("pgbench"),
        m_server.connectionArguments() + m_arguments + QStringList { m_server.database() });
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->setStandardOutputFile(m_logFile, QIODevice::Truncate);
    m_process->start();
    if (!m_process->waitForStarted())
        return fail(QStringLiteral("pgbench could not be started: ") + m_process->errorString());
    if (m_process->waitForFinished(kEarlyExitMs) && exitCode() != 0) {
        return fail(QStringLiteral("pgbench exited at once (exit code %1): %2")
                        .arg(m_process->exitCode())
                        .arg(output().trimmed()));
    }
    return true;
}

void PgBenchLoad::stop()
{
    if (!isRunning())
        return;
    // SIGTERM first so the clients' connections close; SIGKILL only if pgbench does not go.
    m_process->terminate();
    if (!m_process->waitForFinished(5000)) {
        m_process->kill();
        m_process->waitForFinished();
    }
}

bool PgBenchLoad::isRunning() const
{
    return m_process && m_process->state() != QProcess::NotRunning;
}

bool PgBenchLoad::waitForFinished(int msecs)
{
    return m_process && (m_process->state() == QProcess::NotRunning || m_process->waitForFinished(msecs));
}

int PgBenchLoad::exitCode() const
{
    if (!m_process || isRunning() || m_process->exitStatus() != QProcess::NormalExit)
        return -1;
    return m_process->exitCode();
}

QString PgBenchLoad::output() const
{
    QFile file(m_logFile);
    if (m_logFile.isEmpty() || !file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll());
}

} // namespace vigil::testing
