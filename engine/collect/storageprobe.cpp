// SPDX-License-Identifier: MIT
#include "collect/storageprobe.h"

#include "collect/pgconnection.h"

#include <QDir>
#include <QFile>

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vigil {

namespace {
/// One page of PostgreSQL's size: the smallest write a commit's flush makes.
constexpr std::size_t kWriteBytes = 8192;

/// Why `directory` is not on the file system of the server's data directory; empty when it is, or when that cannot be
/// told (the role may not read the setting, or this user may not look at the data directory): then it is trusted.
QString otherFileSystemThanTheData(PgConnection &connection, const QString &directory)
{
    const std::optional<PgRows> rows
        = connection.query("/* vigil-collector */ SELECT current_setting('data_directory')");
    if (!rows || rows->rows() != 1 || rows->isNull(0, 0))
        return {};
    const QString dataDirectory = QString::fromUtf8(rows->value(0, 0));
    struct stat data
    {
    };
    struct stat probe
    {
    };
    if (::stat(QFile::encodeName(dataDirectory).constData(), &data) != 0
        || ::stat(QFile::encodeName(directory).constData(), &probe) != 0 || data.st_dev == probe.st_dev)
        return {};
    return QStringLiteral("%1 is on another file system than the data directory %2").arg(directory, dataDirectory);
}
} // namespace

std::unique_ptr<StorageProbe> StorageProbe::besideServer(
    PgConnection &connection, bool serverIsLocal, const QString &directory, QString *why)
{
    QString reason;
    if (!serverIsLocal)
        reason = QStringLiteral("the server does not run on this machine (run vigilctl agent beside it for the probe)");
    else
        reason = otherFileSystemThanTheData(connection, directory);
    auto probe = reason.isEmpty() ? std::make_unique<StorageProbe>(directory) : nullptr;
    if (probe && !probe->start(&reason))
        probe.reset();
    if (!probe && why)
        *why = reason;
    return probe;
}

StorageProbe::StorageProbe(QString directory)
    : m_directory(std::move(directory))
{ }

StorageProbe::~StorageProbe()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    // A write hung on a stalled disk ends when the disk does; the probe is destroyed with its engine, after that.
    if (m_thread.joinable())
        m_thread.join();
    if (m_fd >= 0) {
        ::close(m_fd);
        QFile::remove(m_path);
    }
}

bool StorageProbe::start(QString *error)
{
    const QDir dir(m_directory);
    if (m_directory.isEmpty() || !dir.exists()) {
        if (error)
            *error = QStringLiteral("the storage probe's directory %1 does not exist").arg(m_directory);
        return false;
    }
    m_path = dir.absoluteFilePath(QStringLiteral(".vigil-storage-probe-%1").arg(::getpid()));
    m_fd = ::open(QFile::encodeName(m_path).constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (m_fd < 0) {
        if (error)
            *error = QStringLiteral("cannot write the storage probe's file in %1: %2 (give Vigil's user a directory "
                                    "it may write on the data directory's file system)")
                         .arg(m_directory, QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    m_thread = std::thread([this] { run(); });
    return true;
}

void StorageProbe::run()
{
    std::array<char, kWriteBytes> page {};
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        const Clock::time_point began = Clock::now();
        m_inFlightSince = began;
        lock.unlock();
        // The same page rewritten in place and flushed: the file never grows, and the flush waits for the storage.
        const bool written = ::pwrite(m_fd, page.data(), page.size(), 0) == ssize_t(page.size());
        const int writeErrno = errno;
        const bool flushed = written && ::fdatasync(m_fd) == 0;
        const int flushErrno = errno;
        const double waitedMs = std::chrono::duration<double, std::milli>(Clock::now() - began).count();
        lock.lock();
        m_inFlightSince.reset();
        if (!flushed) {
            m_failure = QStringLiteral("the storage probe's write failed: %1")
                            .arg(QString::fromLocal8Bit(std::strerror(written ? flushErrno : writeErrno)));
            return;
        }
        m_longestSinceTake = std::max(m_longestSinceTake.value_or(0.0), waitedMs);
        m_wake.wait_for(lock, kPause, [this] { return m_stopping; });
    }
}

std::optional<double> StorageProbe::takeLongestWaitMs()
{
    std::lock_guard lock(m_mutex);
    if (!m_failure.isEmpty())
        return std::nullopt;
    std::optional<double> longest = m_longestSinceTake;
    if (m_inFlightSince) {
        const double waitingMs = std::chrono::duration<double, std::milli>(Clock::now() - *m_inFlightSince).count();
        longest = std::max(longest.value_or(0.0), waitingMs);
    }
    m_longestSinceTake.reset();
    return longest;
}

QString StorageProbe::failure() const
{
    std::lock_guard lock(m_mutex);
    return m_failure;
}

} // namespace vigil
