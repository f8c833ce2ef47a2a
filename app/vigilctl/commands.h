// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

// Each returns the process exit code (see cli.h). They run their own event loop where they need one.
int runReplayCommand(const QStringList &arguments);
int runApplyCommand(const QStringList &arguments);
int runRecoverCommand(const QStringList &arguments);
int runHistoryCommand(const QStringList &arguments);
int runSamplesCommand(const QStringList &arguments);
int runWatchCommand(const QStringList &arguments);
int runRecordCommand(const QStringList &arguments);
int runAnalyseCommand(const QStringList &arguments);
int runCheckCommand(const QStringList &arguments);
/// vigilctl approve / reject: a decision sent to the agent over NATS.
int runDecideCommand(const QStringList &arguments, bool approve);
int runFindingsCommand(const QStringList &arguments);
