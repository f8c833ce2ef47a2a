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
    // The cluster's directory is made under /tmp, or under --in DIR (the lab's storage stalls freeze a file system
    // of their own, which must hold the data directory).
    QString parent = QStringLiteral("/tmp");
    bool usage = false;
    for (int i = 1; i < argc; i += 2) {
        const QByteArray option(argv[i]);
        if (i + 1 >= argc)
            usage = true;
        else if (option == "--max-connections")
            maxConnections = QByteArray(argv[i + 1]).toInt();
        else if (option == "--in")
            parent = QString::fromLocal8Bit(argv[i + 1]);
        else
            usage = true;
    }
    if (usage || maxConnections < 10 || maxConnections > 1000) {
        QTextStream(stderr) << "usage: vigil-lab-server [--max-connections 10..1000] [--in DIR]\n";
        return 2;
    }
    vigil::PostgresCluster cluster(
        { parent + QStringLiteral("/vigil-lab-XXXXXX"), QStringLiteral("vigil-lab-server"), maxConnections, {} });
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
