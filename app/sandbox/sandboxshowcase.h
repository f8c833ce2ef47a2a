// SPDX-License-Identifier: MIT
// What `vigil --sandbox` adds so a new user sees the whole product within two minutes: two problems a DBA meets
// every week, which the detectors find and propose to fix, beside the steady pgbench workload.
#pragma once

#include <QString>

#include <memory>

class QProcess;

namespace vigil {

class PostgresCluster;

/**
 * @brief A lookup without its index and a client hoarding connections idle in a transaction, on the sandbox.
 *
 * prepare() creates `showcase_items` (200,000 rows, no index on `sku`) and, where the package is installed, the
 * hypopg extension the analyser checks its index proposals with. start() runs two more pgbench processes:
 * one client looking an item up by `sku` four times a second (each lookup a sequential scan: the missing-index
 * detector proposes CREATE INDEX, which the guard then keeps), and 55 sessions that open a transaction and sit idle
 * in it for ten minutes at a time (over half of the 100 connection slots: the connection-pool detector proposes an
 * idle_in_transaction_session_timeout). Neither is restarted when it ends: a fix that ends it should stay seen.
 */
class SandboxShowcase
{
public:
    static constexpr int kItems = 200000;
    static constexpr int kLookupsPerSecond = 4;
    static constexpr int kHoardedSessions = 55;

    SandboxShowcase(const PostgresCluster &cluster, QString database);
    ~SandboxShowcase();
    SandboxShowcase(const SandboxShowcase &) = delete;
    SandboxShowcase &operator=(const SandboxShowcase &) = delete;

    /// Creates the table (and hypopg when it can); false with @p error when the table cannot be made.
    bool prepare(QString *error) const;
    /// Starts both clients; false with @p error when either cannot start.
    bool start(QString *error);
    /// Ends both clients (SIGTERM, then SIGKILL). Idempotent.
    void stop();
    bool isLookupRunning() const;
    bool isHoarderRunning() const;
    /// What to try, in two sentences, for the window to show a new user.
    static QString whatToTry();

private:
    bool startClient(QProcess &process, const QString &scriptName, const QByteArray &script,
        const QStringList &arguments, QString *error) const;

    const PostgresCluster &m_cluster;
    QString m_database;
    std::unique_ptr<QProcess> m_lookup;
    std::unique_ptr<QProcess> m_hoarder;
};

} // namespace vigil
