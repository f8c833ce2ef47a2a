// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace vigil {

class PgConnection;

/**
 * The storage's own speed: how long a small write and its flush (8 kB, fdatasync) wait, timed ten times a second by a
 * thread of its own in a file of one directory.
 *
 * The directory should be on the file system of the server's data directory (the probe runs beside the server, as
 * the agent does). No action on the database changes this file's writes, and none of them goes through the server's
 * commit path (a commit_delay or a synchronous_commit change cannot slow it), so a write that waits far longer than
 * before while nothing on the host writes more is the storage itself stalling: a virtual disk whose host is busy
 * elsewhere, a frozen file system (docs/guard.md, "The storage's own speed").
 *
 * Its own thread, so a write that hangs for seconds never delays the collector's tick: the tick reads how long the
 * write still in flight has waited so far.
 */
class StorageProbe
{
public:
    /// A probe file is created in `directory` by start() and removed when the probe is destroyed.
    explicit StorageProbe(QString directory);
    ~StorageProbe();
    StorageProbe(const StorageProbe &) = delete;
    StorageProbe &operator=(const StorageProbe &) = delete;

    /// Creates the file and starts timing; false with the reason in words when the directory cannot be written.
    bool start(QString *error);

    /// A started probe in `directory` for the server behind `connection`; nothing, with the reason in words, when the
    /// server does not run on this machine, when the directory is on another file system than the server's data
    /// directory (checked where the role may read `data_directory`: a probe on another disk would credit that
    /// disk's stalls to the database's), or when it cannot be written.
    static std::unique_ptr<StorageProbe> besideServer(
        PgConnection &connection, bool serverIsLocal, const QString &directory, QString *why);

    /// The longest a write has waited (ms) since the previous call: the writes that finished and the one still
    /// waiting. Empty when nothing was timed meanwhile or the probe failed (failure() says why).
    std::optional<double> takeLongestWaitMs();
    QString failure() const;

private:
    using Clock = std::chrono::steady_clock;
    /// Pause between two writes: ten a second, 80 kB/s of writes, cheap beside any server's own.
    static constexpr std::chrono::milliseconds kPause { 100 };
    void run();

    QString m_directory;
    QString m_path;
    int m_fd = -1;
    std::thread m_thread;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::optional<Clock::time_point> m_inFlightSince;
    std::optional<double> m_longestSinceTake;
    QString m_failure;
};

} // namespace vigil
