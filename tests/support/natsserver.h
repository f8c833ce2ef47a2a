// SPDX-License-Identifier: MIT
// A real, private nats-server for integration tests and benchmarks: its own port and log in a temporary directory,
// stopped with the object (and killed with the test process if that dies first).
#pragma once

#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

class QProcess;

namespace vigil::testing {

/**
 * @brief Debian's /usr/sbin/nats-server on 127.0.0.1 and a free port, for the lifetime of this object.
 *
 * stop() and start() again keep the port, so clients reconnecting with backoff find the server where it was
 * (a server "going away and coming back"). extraArguments are nats-server's own (for example --user and --pass).
 */
class NatsServer
{
public:
    explicit NatsServer(QStringList extraArguments = {});
    ~NatsServer();
    NatsServer(const NatsServer &) = delete;
    NatsServer &operator=(const NatsServer &) = delete;

    /// Starts the server and waits until it accepts connections (at most 10 s).
    bool start(QString *error);
    /// SIGTERM, then SIGKILL after 5 s. Does nothing when it is not running.
    void stop();
    bool isRunning() const;
    int port() const { return m_port; }
    /// nats://127.0.0.1:PORT
    QString url() const;
    QString logFile() const;

    static QString binary();

private:
    QStringList m_extraArguments;
    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_process;
    int m_port = 0;
};

} // namespace vigil::testing
