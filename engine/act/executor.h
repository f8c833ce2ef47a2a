// SPDX-License-Identifier: MIT
#pragma once

#include "act/action.h"
#include "conninfo.h"

#include <QJsonObject>
#include <QString>

#include <optional>

namespace vigil {

/// The outcome of a step the executor took, as a value (errors are values, not exceptions).
struct ExecResult
{
    bool ok = false;
    QString error; ///< the server's message, when !ok
    QJsonObject details; ///< what the step learned (saved index definition, previous setting, ...)
    double seconds = 0;

    static ExecResult success(QJsonObject details = {}) { return { true, {}, std::move(details), 0 }; }
    static ExecResult failure(QString error) { return { false, std::move(error), {}, 0 }; }
};

/**
 * Runs actions on the target through Qt SQL (QPSQL), on its own named connection, in the thread that opened it.
 *
 * Every statement runs with lock_timeout, statement_timeout and application_name 'vigil' (an index build without the
 * lock_timeout: Engine cancels it when it waits for the table's lock for longer). Vigil builds the SQL of
 * the kinds it recognises itself from catalog values (identifiers quoted by the server's rules, values quoted as
 * literals after validation against pg_settings); a DBA's own statement (kind Sql) runs as they wrote it, with the
 * rollback they gave.
 */
class Executor
{
public:
    struct Options
    {
        QString conninfo;
        int lockTimeoutMs = 5000;
        int statementTimeoutMs = 30 * 60 * 1000; ///< index builds can be long
    };

    static constexpr qint64 kAdvisoryLockKey = 0x5649474C; ///< "VIGL": one Vigil acting on a target at a time

    explicit Executor(Options options);
    ~Executor();
    Executor(const Executor &) = delete;
    Executor &operator=(const Executor &) = delete;

    bool open(QString *error);
    void close();
    bool isOpen() const;
    int backendPid() const;

    /// Takes the target's advisory lock on this session (held until release or disconnect).
    bool tryLockTarget(QString *error);
    void unlockTarget();

    /**
     * Checks the session and opens a new one when the old one is gone (terminated by a DBA, a server restart):
     * Qt SQL never reconnects on its own, and an executor stuck on a dead session could no longer roll anything
     * back. The target's advisory lock died with the old session; it is taken again when it was held. Returns
     * false when the session is gone and no new one can be opened; `note` (when given) says what happened.
     */
    bool ensureConnected(QString *note = nullptr);
    /// Drops the index named in an action's details if it exists and is INVALID (what an interrupted CREATE
    /// INDEX CONCURRENTLY leaves). A valid index of that name is never touched. True when one was dropped, false
    /// when there was none, empty with the reason when it could not be dropped (e.g. a lock_timeout).
    std::optional<bool> dropInvalidIndex(const Action &action, QString *error);
    /// How many times the session was opened anew after a loss (the backend pid changes with it).
    int reconnections() const { return m_reconnections; }

    /**
     * Checks an action against the live catalog and completes it before anything runs: for a parameter, the name,
     * type, range, enum values and context (postmaster context = needsRestart); the apply and rollback SQL are
     * (re)built from validated values. For create_index, the table exists and the name is free; for drop_index,
     * the index exists and backs no constraint, and its definition is saved for the rollback. Changes nothing on
     * the target. On failure returns the reason a DBA can act on.
     */
    ExecResult prepare(Action &action);

    /// Applies the action. A failed CREATE INDEX CONCURRENTLY leaves an INVALID index: it is dropped here.
    ExecResult apply(const Action &action);
    /// Takes the action back.
    ExecResult rollback(const Action &action);

    /// What the catalog says now, for start-up recovery: is the action's effect in place?
    std::optional<bool> isInEffect(const Action &action, QString *error);

    /// The current value of a parameter as pg_settings shows it (after the session processed any reload).
    std::optional<QString> currentSetting(const QString &name, QString *error = nullptr);
    /// Progress of this session's running CREATE INDEX, 0-100, from pg_stat_progress_create_index (other session).
    QString connectionName() const { return m_connectionName; }

private:
    ExecResult run(const QString &sql);
    /// CREATE INDEX CONCURRENTLY without the lock_timeout (its waits for old transactions block no one; the engine
    /// watches its wait for the table's lock instead).
    ExecResult runIndexBuild(const QString &sql);
    ExecResult runRollback(const Action &action);
    /// True when the session no longer answers.
    bool isLost();
    /// The apply's INVALID leftover dropped, its outcome appended to `result.error` (invalid_index_left in details
    /// when it stays, e.g. while another session still holds a lock on the table).
    void cleanUpAfterFailedBuild(const Action &action, ExecResult &result);
    /// ALTER SYSTEM ... then pg_reload_conf(), waiting until this session sees the change.
    ExecResult runParameterChange(const Action &action, const QString &sql);
    ExecResult prepareParameter(Action &action);
    ExecResult prepareCreateIndex(Action &action);
    ExecResult prepareDropIndex(Action &action);
    /// How statements can reach the table with this oid without naming it (a view or rule over it, a trigger that may
    /// write it, a foreign key cascading into it), for the details' `reached_unseen`; empty when none can. False with
    /// `error` set when the catalog could not be read.
    bool readUnseenReach(const QVariant &tableOid, QString *unseen, QString *error);
    QString quoteIdentifier(const QString &name) const;
    QString quoteLiteral(const QString &value) const;
    bool waitForSetting(const QString &name, const QString &expected);

    Options m_options;
    QString m_connectionName;
    int m_reconnections = 0;
    bool m_lockHeld = false; ///< this executor holds the target's advisory lock (to take again after a reconnect)
};

} // namespace vigil
