// SPDX-License-Identifier: MIT
#include "collect/storageprobe.h"

#include <QDir>
#include <QFile>

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace vigil {

namespace {
/// One page of PostgreSQL's size: the smallest write a commit's flush makes.
constexpr std::size_t kWriteBytes = 8192;
} // namespace

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
