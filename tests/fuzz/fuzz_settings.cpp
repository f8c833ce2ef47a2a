// SPDX-License-Identifier: MIT
// A hand-edited or corrupted settings file: reading never fails, every value is in its range, the guard policy is
// always valid for the tick it is read with, and no password survives in the recent targets.
#include "settings.h"

#include <QCoreApplication>
#include <QFile>

#include <cstdint>
#include <cstdlib>

using namespace vigil;

namespace {
void check(bool condition)
{
    if (!condition)
        std::abort();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    // A file per input in memory-backed /dev/shm: QSettings reads INI files only from a path, and caches what it
    // parsed by path, size and time (a rewrite within the same second could be read from that cache).
    static int counter = 0;
    const QString path = QStringLiteral("/dev/shm/vigil-fuzz-settings-%1-%2.ini")
                             .arg(QCoreApplication::applicationPid())
                             .arg(++counter);
    {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return 0;
        file.write(bytes);
    }
    {
        Settings settings(path);
        const GuardPolicy policy = settings.guardPolicy();
        check(policy.validate(settings.collectorTickSeconds()).isEmpty());
        check(Settings::kIntervalRange.contains(settings.sampleIntervalSeconds()));
        check(Settings::kWindowRange.contains(settings.windowSeconds()));
        check(Settings::kBaselineRange.contains(settings.baselineSeconds()));
        check(Settings::kLatencyPctRange.contains(settings.latencyThresholdPct()));
        check(Settings::kThroughputPctRange.contains(settings.throughputThresholdPct()));
        check(Settings::kConsecutiveRange.contains(settings.consecutiveSamples()));
        check(Settings::kTickRange.contains(settings.collectorTickSeconds()));
        check(Settings::kRateLimitRange.contains(settings.rateLimitPerHour()));
        check(Settings::kCooldownRange.contains(settings.cooldownMinutes()));
        settings.mode();
        settings.askBeforeRollback();
        settings.natsUrl();
        settings.ignoredValues();
        settings.mainWindowGeometry();
        const QStringList targets = settings.recentTargets();
        check(targets.size() <= Settings::kMaxRecentTargets);
        for (const QString &target : targets)
            check(Settings::withoutPassword(target) == target);
    }
    // The same bytes as a target a user typed: taking the password out is idempotent.
    const QString target = QString::fromUtf8(bytes);
    const QString clean = Settings::withoutPassword(target);
    check(Settings::withoutPassword(clean) == clean);
    QFile::remove(path);
    return 0;
}
