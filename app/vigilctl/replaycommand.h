// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

/// `vigilctl replay TRACE.jsonl [options]`: the guard run offline on a recorded trace. Returns the exit code.
int runReplayCommand(const QStringList &arguments);
