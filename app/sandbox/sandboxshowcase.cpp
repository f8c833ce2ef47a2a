// SPDX-License-Identifier: MIT
#include "sandboxshowcase.h"

#include "postgrescluster.h"

#include <QDir>
#include <QProcess>

#include <utility>

namespace vigil {

namespace {

// As long as the sandbox's own workload: a day.
constexpr int kClientSeconds = 86400;
// A pgbench that fails at once (no connection, a bad script) does so within this time.
constexpr int kEarlyExitMs = 300;

void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}

} // namespace

SandboxShowcase::SandboxShowcase(const PostgresCluster &cluster, QString database)
    : m_cluster(cluster)
    , m_database(std::move(database))
    , m_lookup(std::make_unique<QProcess>())
    , m_hoarder(std::make_unique<QProcess>())
{ }

SandboxShowcase::~SandboxShowcase()
{
    stop();
}

bool SandboxShowcase::prepare(QString *error) const
{
    // hypopg lets the analyser check that the planner would use the index it proposes; without the package the
    // proposal is still made, on the statistics alone.
    m_cluster.psql(m_database, PostgresCluster::superuser(), {},
        { QStringLiteral("CREATE EXTENSION IF NOT EXISTS hypopg") }, nullptr, nullptr);
    return m_cluster.psql(m_database, PostgresCluster::superuser(), {},
        { QStringLiteral("CREATE TABLE showcase_items AS SELECT g AS id, 'sku-' || g AS sku, g % 1000 AS price "
                         "FROM generate_series(1, %1) g")
                .arg(kItems),
            QStringLiteral("ANALYZE showcase_items") },
        nullptr, error);
}

bool SandboxShowcase::start(QString *error)
{
    const QByteArray lookup = QStringLiteral("\\set n random(1, %1)\n"
                                             "SELECT id, price FROM showcase_items WHERE sku = 'sku-' || :n;\n")
                                  .arg(kItems)
                                  .toUtf8();
    // BEGIN, one statement, then idle in the open transaction: what a pool that forgets to commit looks like.
    const QByteArray hoard = "BEGIN;\nSELECT 1;\n\\sleep 600 s\nCOMMIT;\n";
    return startClient(*m_lookup, QStringLiteral("showcase-lookup.sql"), lookup,
               { QStringLiteral("-c"), QStringLiteral("1"), QStringLiteral("-R"), QString::number(kLookupsPerSecond) },
               error)
        && startClient(*m_hoarder, QStringLiteral("showcase-hoard.sql"), hoard,
            { QStringLiteral("-c"), QString::number(kHoardedSessions), QStringLiteral("-j"), QStringLiteral("2") },
            error);
}

bool SandboxShowcase::startClient(QProcess &process, const QString &scriptName, const QByteArray &script,
    const QStringList &arguments, QString *error) const
{
    const QString path = QDir(m_cluster.directory()).filePath(scriptName);
    if (!m_cluster.writeOwnedFile(path, script, error))
        return false;
    m_cluster.setUpProcess(process, QStringLiteral("pgbench"),
        QStringList {
            QStringLiteral("-n"), QStringLiteral("-f"), path, QStringLiteral("-T"), QString::number(kClientSeconds) }
            + arguments + m_cluster.connectionArguments(PostgresCluster::superuser()) + QStringList { m_database });
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.setStandardOutputFile(QDir(m_cluster.directory()).filePath(scriptName + QStringLiteral(".log")));
    process.start();
    if (!process.waitForStarted()) {
        setError(error, QStringLiteral("pgbench (%1) could not be started: %2").arg(scriptName, process.errorString()));
        return false;
    }
    if (process.waitForFinished(kEarlyExitMs)) {
        setError(error,
            QStringLiteral("pgbench (%1) exited at once (exit code %2); its output is in %3.log")
                .arg(scriptName)
                .arg(process.exitCode())
                .arg(QDir(m_cluster.directory()).filePath(scriptName)));
        return false;
    }
    return true;
}

void SandboxShowcase::stop()
{
    PostgresCluster::stopTool(*m_lookup);
    PostgresCluster::stopTool(*m_hoarder);
}

bool SandboxShowcase::isLookupRunning() const
{
    return m_lookup->state() != QProcess::NotRunning;
}

bool SandboxShowcase::isHoarderRunning() const
{
    return m_hoarder->state() != QProcess::NotRunning;
}

QString SandboxShowcase::whatToTry()
{
    return QStringLiteral(
        "This sandbox has a lookup without its index (showcase_items.sku) and a client holding %1 sessions idle in "
        "a transaction: within about two minutes Vigil finds both (Findings, Ctrl+4) and, in Approve mode, asks "
        "before it fixes them, one at a time (Approvals, Ctrl+3). To see a rollback, try File > Guarded change "
        "(Ctrl+G) with ALTER SYSTEM SET random_page_cost = 100000.")
        .arg(kHoardedSessions);
}

} // namespace vigil
