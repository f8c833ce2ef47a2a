// SPDX-License-Identifier: MIT
#pragma once

#include "analyse/analysisinput.h"
#include "events/natsoptions.h"
#include "guard/guardpolicy.h"

#include <QCommandLineParser>
#include <QDateTime>
#include <QJsonObject>
#include <QTextStream>

#include <optional>

/// Exit codes shared by every vigilctl command (docs: README, vigilctl --help).
namespace exitcode {
constexpr int kOk = 0;
/// analyse: something was found (as grep and diff say "there is a difference"), so a script can act on it.
constexpr int kFindings = 1;
constexpr int kBadInput = 2;
constexpr int kRolledBack = 3;
constexpr int kFailed = 4;
/// The server could not be reached or refused the connection (down, starting, no route, authentication): worth
/// retrying later, unlike bad input. The agent's unit restarts on it.
constexpr int kUnreachable = 5;
} // namespace exitcode

QTextStream &err();
/// Writes one JSON object as a line on stdout and flushes (the log of long-running commands).
void printJsonLine(const QJsonObject &object);
/// An engine event as a JSON line. Under systemd (stdout is the journal: $JOURNAL_STREAM set) a rollback and a
/// failed action are prefixed "<4>" (warning) and a failed rollback "<3>" (error), so `journalctl -p warning` shows
/// them; every other line keeps the journal's default priority.
void printEventLine(const QJsonObject &event);

/// How apply and watch print the engine's events: one readable line each (a person at a terminal) or JSON lines
/// (a script, a pipe, the journal).
enum class EventFormat { Text, Json };
/// Adds --format (text or json; the default: text on a terminal, json otherwise).
void addEventFormatOption(QCommandLineParser &parser);
/// Reads --format into printEventLine's choice; false (with the message printed) for a value it does not know.
bool readEventFormatOption(const QCommandLineParser &parser, const QString &command);
/// One event as a person reads it: "12:00:03  rolled back #4 ALTER SYSTEM SET ... — p95 latency ×4.5 ...".
QString eventText(const QJsonObject &event);

/// The guard options (--interval, --window, --baseline, --latency-pct, --throughput-pct, --consecutive).
void addGuardOptions(QCommandLineParser &parser);
/// Reads them into policy; false (with a message on stderr naming the command) on a value that is not a number.
bool readGuardOptions(const QCommandLineParser &parser, const QString &command, vigil::GuardPolicy &policy);
/// --tick when given: seconds from 0.1 to 60 (a tick of 0 would divide by zero). False, with a message, if not.
bool readTickOption(const QCommandLineParser &parser, const QString &command, double &tickSeconds);

/// --set NAME=VALUE (repeatable): the detectors' thresholds (names in docs/analyse.md).
void addThresholdOption(QCommandLineParser &parser);
/// Reads them; false (with a message on stderr naming the command) on an unknown name or a value out of range.
bool readThresholdOptions(
    const QCommandLineParser &parser, const QString &command, vigil::AnalyserThresholds &thresholds);

/// --store: where the knowledge store is (SQLite file or PostgreSQL conninfo); default the per-user SQLite file.
void addStoreOption(QCommandLineParser &parser);
QString storeLocation(const QCommandLineParser &parser);

/// --storage-probe-dir: a directory on the data directory's file system for the storage probe (StorageProbe).
void addStorageProbeOption(QCommandLineParser &parser);
QString storageProbeDirectory(const QCommandLineParser &parser);

/// --nats URL, --nats-creds FILE, --nats-ca FILE, --nats-samples S: the event bus (docs/events.md).
void addNatsOptions(QCommandLineParser &parser);
/// False (message on stderr) on a bad value. enabled says whether --nats was given.
bool readNatsOptions(
    const QCommandLineParser &parser, const QString &command, vigil::NatsOptions &options, bool &enabled);

namespace vigil {
class DbCollector;
class NatsPublisher;
} // namespace vigil
/// Prints the publisher's status as a JSON line ("nats.connected" / "nats.disconnected", with the counts) each
/// time its connection changes.
void printNatsStatusOnChange(vigil::NatsPublisher *publisher);

/// --since WHEN: a duration back from now ("90s", "10m", "2h", "7d") or an ISO 8601 date or time (UTC unless it
/// names its offset). Nothing when it is neither.
std::optional<QDateTime> parseSince(const QString &text);

/// Connects the collector to --target. Returns -1 when connected; otherwise prints why and returns the exit code: bad
/// input for a connection string that is not valid, unreachable when the server could not be reached or refused.
int connectOrExit(vigil::DbCollector &collector, const QString &conninfo, const QString &command);

/// --target as the journal names it ("host:port/dbname"), given either that name or the connection string the target
/// was watched with.
QString journalTargetName(const QString &text);
/// The target's name as the engine will journal it (one trial connection), for the NATS subjects an agent opens
/// before its engine starts; nothing, with the reason printed for `command`, when the server cannot be reached.
std::optional<QString> reachedTargetName(const QString &conninfo, const QString &command);

/// Parses the arguments; prints help (exit 0) or the error (exit 2). Returns -1 when the command should go on.
int parseOrExit(QCommandLineParser &parser, const QStringList &arguments, const QString &command);
