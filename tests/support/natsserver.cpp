// SPDX-License-Identifier: MIT
#include "natsserver.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QProcess>
#include <QThread>

#include <csignal>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace vigil::testing {

namespace {

sockaddr_in loopback(int port)
{
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(quint16(port));
    return address;
}

// The kernel picks a port nobody listens on; the socket is closed at once so that the server can bind it.
int pickFreePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    sockaddr_in address = loopback(0);
    socklen_t length = sizeof address;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0
        && ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) == 0)
        port = ntohs(address.sin_port);
    ::close(fd);
    return port;
}

bool accepts(int port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return false;
    const sockaddr_in address = loopback(port);
    const bool ok = ::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) == 0;
    ::close(fd);
    return ok;
}

} // namespace

NatsServer::NatsServer(QStringList extraArguments)
    : m_extraArguments(std::move(extraArguments))
    , m_dir(QStringLiteral("/tmp/vigil-nats-XXXXXX"))
{ }

NatsServer::~NatsServer()
{
    stop();
}

QString NatsServer::binary()
{
    return QStringLiteral("/usr/sbin/nats-server");
}

QString NatsServer::url() const
{
    return QStringLiteral("nats://127.0.0.1:%1").arg(m_port);
}

QString NatsServer::logFile() const
{
    return m_dir.filePath(QStringLiteral("nats-server.log"));
}

bool NatsServer::isRunning() const
{
    return m_process && m_process->state() != QProcess::NotRunning;
}

bool NatsServer::start(QString *error)
{
    auto fail = [&](const QString &text) {
        if (error) {
            QFile log(logFile());
            *error = text
                + (log.open(QIODevice::ReadOnly) ? QStringLiteral("\n") + QString::fromUtf8(log.readAll().right(2000))
                                                 : QString());
        }
        stop();
        return false;
    };
    if (isRunning())
        return true;
    if (!m_dir.isValid())
        return fail(QStringLiteral("nats-server: no temporary directory"));
    if (m_port == 0)
        m_port = pickFreePort();
    if (m_port == 0)
        return fail(QStringLiteral("nats-server: no free port on 127.0.0.1"));
    m_process = std::make_unique<QProcess>();
    m_process->setProgram(binary());
    m_process->setArguments(QStringList { QStringLiteral("-a"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"),
                                QString::number(m_port), QStringLiteral("-l"), logFile() }
        + m_extraArguments);
    m_process->setWorkingDirectory(m_dir.path());
    m_process->setStandardInputFile(QProcess::nullDevice());
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->setStandardOutputFile(m_dir.filePath(QStringLiteral("nats-server.out")), QIODevice::Append);
    // Killed with the test process, even when that dies without running destructors.
    m_process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    m_process->start();
    if (!m_process->waitForStarted(5000))
        return fail(QStringLiteral("nats-server could not be started: %1").arg(m_process->errorString()));
    const QDeadlineTimer deadline(10000);
    while (!accepts(m_port)) {
        if (!isRunning())
            return fail(QStringLiteral("nats-server exited (code %1)").arg(m_process->exitCode()));
        if (deadline.hasExpired())
            return fail(QStringLiteral("nats-server does not accept connections on port %1").arg(m_port));
        QThread::msleep(20);
    }
    return true;
}

void NatsServer::stop()
{
    if (!isRunning())
        return;
    m_process->terminate();
    if (!m_process->waitForFinished(5000)) {
        m_process->kill();
        m_process->waitForFinished(2000);
    }
    m_process.reset();
}

} // namespace vigil::testing
