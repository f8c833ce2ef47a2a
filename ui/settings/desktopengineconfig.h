// SPDX-License-Identifier: MIT
#pragma once

#include "Engine.h"

#include <QString>

namespace vigil {

class Settings;

/**
 * The engine's configuration as the desktop's Settings hold it when a target is connected: the guard policy, the
 * collector tick, the action limits, the detectors' thresholds, asking before a rollback, the storage probe's
 * directory, and the Sessions page's feed. The command line's intervals and the sandbox's own probe directory are
 * main()'s to lay over it.
 */
EngineConfig desktopEngineConfig(const Settings &settings, const QString &storeLocation);

} // namespace vigil
