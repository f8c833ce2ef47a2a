// SPDX-License-Identifier: MIT
#include "collect/hostcollector.h"

#include "collect/pgconnection.h"
#include "conninfo.h"

#include <QFile>
#include <QList>
#include <QRegularExpression>

namespace vigil {

namespace {
bool isLocalHost(const QString &host)
{
    // A Unix socket path, or a loopback address: the server runs on this machine.
    return host.isEmpty() || host.startsWith(u'/') || isLoopbackHost(host);
}
} // namespace

HostCollector::HostCollector(Source source, ProcReader reader, QString unavailableReason)
    : m_source(source)
    , m_reader(std::move(reader))
    , m_unavailableReason(std::move(unavailableReason))
{ }

HostCollector::ProcReader HostCollector::localReader(const QString &procRoot)
{
    return [procRoot](const QString &name) -> std::optional<QByteArray> {
        QFile file(procRoot + u'/' + name);
        if (!file.open(QIODevice::ReadOnly))
            return std::nullopt;
        return file.readAll(); // /proc files report size 0: read until EOF
    };
}

HostCollector::ProcReader HostCollector::serverReader(PgConnection &connection)
{
    return [&connection](const QString &name) -> std::optional<QByteArray> {
        const std::optional<PgRows> rows
            = connection.query("/* vigil-collector */ SELECT pg_read_file($1)", { QStringLiteral("/proc/") + name });
        if (!rows || rows->rows() != 1 || rows->isNull(0, 0))
            return std::nullopt;
        return rows->value(0, 0);
    };
}

HostCollector HostCollector::forTarget(PgConnection &connection)
{
    if (isLocalHost(connection.host()))
        return HostCollector(Source::Local, localReader());
    const std::optional<PgRows> rows = connection.query("/* vigil-collector */ SELECT "
                                                        "pg_has_role(current_user, 'pg_read_server_files', 'MEMBER')");
    if (rows && rows->rows() == 1 && rows->value(0, 0) == "t") {
        HostCollector server(Source::Server, serverReader(connection));
        if (server.m_reader(QStringLiteral("loadavg")))
            return server;
    }
    return HostCollector(Source::Unavailable, {},
        // Both grants are needed: either alone is refused (docs/security.md, checked by tst_privilegecheck).
        QStringLiteral("the server is remote and role %1 may not read its /proc (GRANT pg_read_server_files TO %1; "
                       "GRANT EXECUTE ON FUNCTION pg_read_file(text) TO %1; to see the server's CPU, memory and load)")
            .arg(connection.user()));
}

QString HostCollector::sourceDescription() const
{
    switch (m_source) {
    case Source::Local:
        return QStringLiteral("this machine's /proc (the server is local)");
    case Source::Server:
        return QStringLiteral("the server's /proc through pg_read_file()");
    case Source::Unavailable:
        return QStringLiteral("unavailable: ") + m_unavailableReason;
    }
    return {};
}

HostMetrics HostCollector::read()
{
    HostMetrics m;
    if (m_source == Source::Unavailable || !m_reader)
        return m;
    if (const std::optional<QByteArray> stat = m_reader(QStringLiteral("stat"))) {
        const std::optional<CpuTimes> now = parseCpu(*stat);
        if (now && m_lastCpu) {
            m.cpuPct = cpuPct(*m_lastCpu, *now);
            m.stealPct = stealPct(*m_lastCpu, *now);
        }
        if (now)
            m_lastCpu = now;
        m.procsRunning = parseProcsRunning(*stat);
        m.procsBlocked = parseProcsBlocked(*stat);
    }
    if (const std::optional<QByteArray> diskstats = m_reader(QStringLiteral("diskstats"))) {
        if (const std::optional<DiskBytes> disk = parseDiskBytes(*diskstats)) {
            m.diskReadBytes = disk->read;
            m.diskWrittenBytes = disk->written;
        }
    }
    if (const std::optional<QByteArray> meminfo = m_reader(QStringLiteral("meminfo"))) {
        m.memPct = parseMemoryUsedPct(*meminfo);
        m.memTotalBytes = parseMemoryTotalBytes(*meminfo);
    }
    if (const std::optional<QByteArray> loadavg = m_reader(QStringLiteral("loadavg")))
        m.load1 = parseLoad1(*loadavg);
    return m;
}

std::optional<HostCollector::CpuTimes> HostCollector::parseCpu(const QByteArray &procStat)
{
    // First line: "cpu  user nice system idle iowait irq softirq steal guest guest_nice". Idle and iowait are
    // not busy; guest time is already inside user/nice, so it is not added again.
    const qsizetype end = procStat.indexOf('\n');
    const QList<QByteArray> fields = procStat.left(end < 0 ? procStat.size() : end).simplified().split(' ');
    if (fields.size() < 5 || fields.first() != "cpu")
        return std::nullopt;
    double values[8] = {};
    const qsizetype count = std::min<qsizetype>(8, fields.size() - 1);
    for (qsizetype i = 0; i < count; ++i) {
        bool ok = false;
        values[i] = fields.at(i + 1).toDouble(&ok);
        if (!ok || values[i] < 0)
            return std::nullopt;
    }
    CpuTimes t;
    for (double v : values)
        t.total += v;
    t.busy = t.total - values[3] - values[4];
    t.steal = values[7];
    return t;
}

std::optional<double> HostCollector::parseProcsRunning(const QByteArray &procStat)
{
    // "procs_running N": tasks runnable right now. A busy loop elsewhere on the host keeps it above the cores the
    // database's own sessions use, which CPU busy % alone (capped at 100) cannot show.
    return parseStatCount(procStat, "procs_running");
}

std::optional<double> HostCollector::parseProcsBlocked(const QByteArray &procStat)
{
    // "procs_blocked N": tasks in uninterruptible sleep, nearly always waiting for the disk. Another program's
    // heavy I/O shows here (its own process blocked) although it neither runs nor touches the database.
    return parseStatCount(procStat, "procs_blocked");
}

std::optional<HostCollector::DiskBytes> HostCollector::parseDiskBytes(const QByteArray &procDiskstats)
{
    // "major minor name reads merged sectors_read ms writes merged sectors_written ms ...": sectors are 512 bytes
    // whatever the device's own sector size.
    static const QRegularExpression wholeDisk(QStringLiteral("^(?:(?:sd|vd|xvd|hd)[a-z]+|nvme\\d+n\\d+|mmcblk\\d+)$"));
    DiskBytes total;
    bool any = false;
    for (const QByteArray &line : procDiskstats.split('\n')) {
        const QList<QByteArray> fields = line.simplified().split(' ');
        if (fields.size() < 10 || !wholeDisk.match(QString::fromLatin1(fields.at(2))).hasMatch())
            continue;
        bool readOk = false;
        bool writtenOk = false;
        const double read = fields.at(5).toDouble(&readOk);
        const double written = fields.at(9).toDouble(&writtenOk);
        if (!readOk || !writtenOk || read < 0 || written < 0)
            return std::nullopt;
        total.read += 512.0 * read;
        total.written += 512.0 * written;
        any = true;
    }
    return any ? std::optional<DiskBytes>(total) : std::nullopt;
}

std::optional<double> HostCollector::parseStatCount(const QByteArray &procStat, const QByteArray &name)
{
    const QByteArray key = '\n' + name + ' ';
    const qsizetype at = procStat.indexOf(key);
    if (at < 0)
        return std::nullopt;
    const qsizetype from = at + key.size();
    const qsizetype end = procStat.indexOf('\n', from);
    bool ok = false;
    const double value = procStat.mid(from, end < 0 ? -1 : end - from).trimmed().toDouble(&ok);
    return ok && value >= 0 ? std::optional<double>(value) : std::nullopt;
}

std::optional<double> HostCollector::cpuPct(const CpuTimes &before, const CpuTimes &after)
{
    const double total = after.total - before.total;
    const double busy = after.busy - before.busy;
    if (total <= 0 || busy < 0 || busy > total)
        return std::nullopt;
    return 100.0 * busy / total;
}

std::optional<double> HostCollector::stealPct(const CpuTimes &before, const CpuTimes &after)
{
    const double steal = after.steal - before.steal;
    if (!cpuPct(before, after) || steal < 0 || steal > after.busy - before.busy)
        return std::nullopt;
    return 100.0 * steal / (after.total - before.total);
}

std::optional<double> HostCollector::parseMemoryUsedPct(const QByteArray &procMeminfo)
{
    std::optional<double> total;
    std::optional<double> available;
    for (const QByteArray &line : procMeminfo.split('\n')) {
        const QList<QByteArray> parts = line.simplified().split(' ');
        if (parts.size() < 2)
            continue;
        bool ok = false;
        const double kb = parts.at(1).toDouble(&ok);
        if (!ok)
            continue;
        if (parts.first() == "MemTotal:")
            total = kb;
        else if (parts.first() == "MemAvailable:")
            available = kb;
    }
    if (!total || !available || *total <= 0 || *available > *total)
        return std::nullopt;
    return 100.0 * (*total - *available) / *total;
}

std::optional<double> HostCollector::parseMemoryTotalBytes(const QByteArray &procMeminfo)
{
    for (const QByteArray &line : procMeminfo.split('\n')) {
        const QList<QByteArray> parts = line.simplified().split(' ');
        if (parts.size() >= 2 && parts.first() == "MemTotal:") {
            bool ok = false;
            const double kb = parts.at(1).toDouble(&ok);
            return ok && kb > 0 ? std::optional<double>(kb * 1024.0) : std::nullopt;
        }
    }
    return std::nullopt;
}

std::optional<double> HostCollector::parseLoad1(const QByteArray &procLoadavg)
{
    bool ok = false;
    const double load = procLoadavg.simplified().split(' ').value(0).toDouble(&ok);
    if (!ok || load < 0)
        return std::nullopt;
    return load;
}

} // namespace vigil
