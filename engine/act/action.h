// SPDX-License-Identifier: MIT
#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QMetaType>
#include <QString>

#include <optional>

namespace vigil {

/// What an action does to the target. Each kind knows how to apply and take itself back.
enum class ActionKind {
    SetParameter, ///< ALTER SYSTEM SET name = value; SELECT pg_reload_conf()
    CreateIndex, ///< CREATE INDEX CONCURRENTLY; rollback drops it
    DropIndex, ///< DROP INDEX CONCURRENTLY; rollback recreates it from the saved pg_get_indexdef
    Sql, ///< the DBA's own statement with the rollback statement they gave
};

/// The journal's state machine (DESIGN.md, "Action lifecycle").
enum class ActionState {
    Proposed,
    AwaitingApproval,
    Applying,
    Observing,
    Kept,
    RollingBack,
    RolledBack,
    Failed,
    Rejected,
    Dropped, ///< not applied: actions were paused, or the mode switched to Observe, before its SQL ran
};

/// Where an action came from.
enum class ActionOrigin {
    Auto, ///< a detector proposed it
    User, ///< a DBA typed it (vigilctl apply, the guarded-change dialog)
};

QString kindName(ActionKind kind); ///< set_parameter, create_index, drop_index, sql
std::optional<ActionKind> kindFromName(const QString &name);
QString stateName(ActionState state); ///< proposed, awaiting_approval, applying, observing, kept, rolling_back, ...
std::optional<ActionState> stateFromName(const QString &name);
QString originName(ActionOrigin origin); ///< auto, user
std::optional<ActionOrigin> originFromName(const QString &name);

/// True for the states an action can be left in by a crash: start-up recovery must finish these.
bool isInFlight(ActionState state);
/// True when the journal allows going from `from` to `to`.
bool isAllowedTransition(ActionState from, ActionState to);

/**
 * One action on one target, as the journal records it. Plain value: it crosses threads by copy.
 *
 * `details` carries what the kind needs to apply and roll back without re-parsing SQL: for set_parameter
 * {"name","value","previous_value","previous_source","context"}, for create_index {"index","table","schema"},
 * for drop_index {"index","schema","definition"}.
 */
struct Action
{
    qint64 id = 0; ///< journal id; 0 until the journal has stored it
    QString target; ///< a display name of the target (host:port/dbname), never a password
    ActionKind kind = ActionKind::Sql;
    ActionOrigin origin = ActionOrigin::User;
    ActionState state = ActionState::Proposed;
    QString applySql;
    QString rollbackSql;
    bool reversible = true;
    bool needsRestart = false; ///< postmaster-context parameters: never applied autonomously
    QString reason; ///< why it was proposed, or the last transition's reason
    QJsonObject details;
    QJsonObject evidence; ///< the verdict's evidence, once there is one
    QDateTime createdAt;
    QDateTime updatedAt;
};

} // namespace vigil

Q_DECLARE_METATYPE(vigil::Action)
