// SPDX-License-Identifier: MIT
#include "desktopengineconfig.h"

#include "settings.h"

namespace vigil {

EngineConfig desktopEngineConfig(const Settings &settings, const QString &storeLocation)
{
    EngineConfig config;
    config.storeLocation = storeLocation;
    config.policy = settings.guardPolicy();
    config.tickSeconds = settings.collectorTickSeconds();
    config.limits.maxActionsPerHour = settings.rateLimitPerHour();
    config.limits.cooldownSeconds = 60.0 * settings.cooldownMinutes();
    config.limits.memorySeconds = 3600.0 * settings.rollbackMemoryHours();
    config.thresholds = settings.analyserThresholds();
    config.askBeforeRollback = settings.askBeforeRollback();
    config.storageProbeDirectory = settings.storageProbeDirectory();
    config.publishSessions = true; // the Sessions page
    return config;
}

} // namespace vigil
