// SPDX-License-Identifier: MIT
#pragma once

#include "collect/snapshot.h"

#include <QByteArray>
#include <QString>

#include <functional>
#include <optional>

namespace vigil {

class PgConnection;

/**
 * The database host's CPU %, memory % and load, from /proc files read by a ProcReader.
 *
 * The host must be the database server's: local /proc when the target runs on this machine, the server's own
 * /proc through pg_read_file() when the role may read server files, and nothing otherwise — the workstation's
 * numbers are never passed off as the server's. Parsing is pure (parse*()) and tested on fixtures.
 */
class HostCollector
{
public:
    /// Returns the content of /proc/<name> (name is "stat", "diskstats", "meminfo" or "loadavg"), or nothing.
    using ProcReader = std::function<std::optional<QByteArray>(const QString &name)>;

    enum class Source { Local, Server, Unavailable };

    HostCollector(Source source, ProcReader reader, QString unavailableReason = {});

    /// Reads this machine's /proc (or another root, for tests).
    static ProcReader localReader(const QString &procRoot = QStringLiteral("/proc"));
    /// Reads the server's /proc through pg_read_file() on the given connection (must outlive the reader).
    static ProcReader serverReader(PgConnection &connection);
    /// Chooses the source for a target: local when the host is this machine, the server's files when the role
    /// may read them, otherwise unavailable (with the reason in words).
    static HostCollector forTarget(PgConnection &connection);

    Source source() const { return m_source; }
    QString sourceDescription() const;

    /// One reading. CPU % needs two readings of /proc/stat, so the first has none.
    HostMetrics read();

    struct CpuTimes
    {
        double busy = 0;
        double total = 0;
        double steal = 0; ///< also in busy
    };
    static std::optional<CpuTimes> parseCpu(const QByteArray &procStat);
    static std::optional<double> parseMemoryUsedPct(const QByteArray &procMeminfo);
    static std::optional<double> parseMemoryTotalBytes(const QByteArray &procMeminfo);
    static std::optional<double> parseLoad1(const QByteArray &procLoadavg);
    static std::optional<double> parseProcsRunning(const QByteArray &procStat);
    static std::optional<double> parseProcsBlocked(const QByteArray &procStat);
    struct DiskBytes
    {
        double read = 0;
        double written = 0;
    };
    /// Bytes read and written since boot over the whole disks of /proc/diskstats (partitions, device-mapper and
    /// md devices, loop and RAM disks are left out: they would count the same bytes twice or none at all).
    static std::optional<DiskBytes> parseDiskBytes(const QByteArray &procDiskstats);
    /// CPU busy % between two readings; empty if the counters went backwards or did not move.
    static std::optional<double> cpuPct(const CpuTimes &before, const CpuTimes &after);
    /// The hypervisor's steal as a % of all CPU time between two readings; empty where cpuPct is, or if it went back.
    static std::optional<double> stealPct(const CpuTimes &before, const CpuTimes &after);

private:
    static std::optional<double> parseStatCount(const QByteArray &procStat, const QByteArray &name);
    Source m_source;
    ProcReader m_reader;
    QString m_unavailableReason;
    std::optional<CpuTimes> m_lastCpu;
};

} // namespace vigil
