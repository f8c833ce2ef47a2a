// SPDX-License-Identifier: MIT
// vigil-lab-server: one private PostgreSQL 15 for scripts/lab, started by the same cluster code as `vigil --sandbox`
// and the integration tests. It prints one JSON line (port, directory, the tools' directory, a conninfo), keeps the
// server up while its standard input stays open and removes it when the input closes (or on SIGTERM / SIGINT).
#include "postgrescluster.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace {
volatile std::sig_atomic_t g_stop = 0;
void onSignal(int)
{
    g_stop = 1;
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    int maxConnections = 100;
    if (argc == 3 && QByteArray(argv[1]) == "--max-connections")
        maxConnections = QByteArray(argv[2]).toInt();
    if (maxConnections < 10 || maxConnections > 1000) {
        QTextStream(stderr) << "usage: vigil-lab-server [--max-connections 10..1000]\n";
        return 2;
    }
    vigil::PostgresCluster cluster({ QStringLiteral("/tmp/vigil-lab-XXXXXX"), QStringLiteral("vigil-lab-server"),
        maxConnections, {} });
    QString error;
    if (!cluster.create(&error) || !cluster.start(&error)) {
        QTextStream(stderr) << "vigil-lab-server: " << error << '\n';
        return 1;
    }
    const QJsonObject ready { { QStringLiteral("port"), cluster.port() },
        { QStringLiteral("directory"), cluster.directory() }, { QStringLiteral("bin"), cluster.binDirectory() },
        { QStringLiteral("log"), cluster.logFile() },
        { QStringLiteral("conninfo"),
            QStringLiteral("host=%1 port=%2 user=%3 dbname=postgres")
                .arg(cluster.host())
                .arg(cluster.port())
                .arg(cluster.superuser()) } };
    std::fputs(QJsonDocument(ready).toJson(QJsonDocument::Compact).append('\n').constData(), stdout);
    std::fflush(stdout);

    std::signal(SIGTERM, onSignal);
    std::signal(SIGINT, onSignal);
    // Block on stdin: EOF (the lab exited or closed the pipe) or a signal ends the server.
    char buffer[256];
    while (!g_stop) {
        const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n == 0 || (n < 0 && errno != EINTR))
            break;
    }
    cluster.stop(vigil::PostgresCluster::Shutdown::Immediate);
    cluster.remove();
    return 0;
}
