// SPDX-License-Identifier: MIT
#pragma once

#include "metrics/sample.h"

#include <QString>

#include <vector>

class QDateTime;

namespace vigil {

class StoreDatabase;

/**
 * The sample archive: the targets' samples at full rate for a day, then averaged per minute, in the store's
 * database (store/storedatabase.h), for the charts after a restart and `vigilctl samples`.
 */
class SampleArchive
{
public:
    explicit SampleArchive(StoreDatabase &database)
        : m_d(database)
    { }

    /// Appends a sample of one target at full rate. sample.tEnd is read as seconds since the Unix epoch (live
    /// sources stamp Snapshots with epoch time). prune() downsamples samples older than `fullRateForSeconds`
    /// to one per minute (averages) and keeps them.
    bool addSample(const QString &target, const Sample &sample);
    int sampleCount(const QString &target) const;
    /// The stored samples of `target` with tEnd in [from, to] (seconds since the Unix epoch), oldest first, full-rate
    /// and downsampled alike: tEnd, the metrics addSample() keeps (the others are empty) and, for a per-minute
    /// average, tStart a minute before. `ok` (when given) tells none from a failed read.
    std::vector<Sample> samples(const QString &target, double from, double to, bool *ok = nullptr) const;
    bool prune(const QDateTime &now, qint64 fullRateForSeconds = 24 * 3600);

private:
    StoreDatabase &m_d;
};

} // namespace vigil
