// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QJsonObject>
#include <QSet>
#include <QString>

#include <optional>

namespace vigil {

/**
 * Which of the workload's statements an action can change: the guard's answer to "is this slowdown the action's?".
 *
 * A new index can change only the statements that use its table: their plans, and the upkeep of their writes. A
 * slowdown among statements that never touch the table is something else's (a VACUUM FULL, busy loops, the
 * workload's own slow wander), and rolling the index back would not undo it (soak run 9, docs/guard.md). Nor can a
 * plain (not unique) index change the plan of a statement that reads its table alone without naming any of the
 * index's columns while needing one it lacks: the planner takes an index for a condition or an order on its columns,
 * or to cover every column a scan needs, and such a statement offers neither (live, tst_indexactions: an index on
 * orders (amount) under lookups by customer, the clients' p95 rose 88 % as the VM slowed, 2026-12-07). A logging
 * threshold that only long executions cross (log_min_duration_statement = '10s') reaches no statement at all: it adds a
 * log line to an execution after it ran that long. A dropped plain index reaches what the same index, new, could be in
 * the plans of, its writes included only where they name one of its columns: a drop takes upkeep away from writes and
 * never adds any, so only a plan that used the index can get slower, and that shows in the statement's own time (soak
 * run 16, case 14: an index the lookups never use, dropped, rolled back when the VM slowed). Every other action (other
 * settings, a unique index dropped, a drop whose definition is not known, a DBA's own statement) reaches everything.
 *
 * Pure text work with PostgreSQL's own parser: a statement is matched by the relations it names. What text cannot
 * show is counted as reaching the table: a statement that does not parse, one whose text is unknown, one that calls
 * a function that is not one of PostgreSQL's common built-ins (it may write anywhere). What text cannot show at all
 * (a view or rule over the table, a trigger that writes it, a foreign key cascading into it) the engine asks the
 * catalog when it prepares the index (Executor::prepareCreateIndex, `reached_unseen`: then it reaches everything);
 * a replayed trace has no catalog (docs/guard.md, Known limits).
 */
class ActionReach
{
public:
    /// How one statement meets the action's table.
    enum class Touch {
        None, ///< names other relations only: the action cannot change it
        Reads, ///< reads the table: a new index can change its plan
        Writes, ///< writes the table (or runs a utility statement on it): index upkeep, more WAL, commit waits
        Unknown, ///< cannot tell (no text, does not parse, calls a function that may reach the table)
    };

    /// Reaches everything.
    ActionReach() = default;
    /// The reach of an action from its kind (trace or journal spelling: create_index, ...), the SQL it applies and,
    /// for a dropped index, the SQL that rolls it back (the index's definition, which names its table and columns).
    static ActionReach ofAction(const QString &kind, const QString &applySql, const QString &rollbackSql = {});
    /// Reaches only the statements that touch this table (`schema` empty: any schema of that name).
    static ActionReach ofTable(const QString &schema, const QString &table);
    /// Reaches the statements that write this table, and those that read it and can use a plain index built from
    /// these columns (its keys, INCLUDE columns and the columns its expressions and predicate read).
    static ActionReach ofIndexColumns(const QString &schema, const QString &table, const QSet<QString> &columns);
    /// Reaches no statement; `why` says so in words a DBA reads ("log_min_duration_statement = '10s' only ...").
    static ActionReach ofNothing(const QString &why);
    /// The reach of a setting the action gives (`value` empty: RESET to what the configuration files say).
    static ActionReach ofSetting(const QString &parameter, const std::optional<QString> &value);
    /// The reach of a journalled action: ofAction(), widened to everything when preparing it found that statements
    /// can reach the table without naming it (its details' `reached_unseen`, which says how).
    static ActionReach ofJournalled(
        const QString &kind, const QString &applySql, const QString &rollbackSql, const QJsonObject &details);
    /// For a DBA about to approve the action: which statements its verdict will be read from, and why (one sentence).
    static QString judgedOn(
        const QString &kind, const QString &applySql, const QString &rollbackSql, const QJsonObject &details);

    /// False when the action can change any statement (then every slowdown may be its own).
    bool isLimited() const { return !m_table.isEmpty() || reachesNothing(); }
    /// True when the action drops an index (then writes that name none of its columns are not reached).
    bool isDrop() const { return m_drop; }
    /// True when the action can change no statement at all (then no slowdown is its own).
    bool reachesNothing() const { return !m_nothingBecause.isEmpty(); }
    /// Why it reaches nothing (empty when it reaches something).
    QString whyNothing() const { return m_nothingBecause; }
    /// The table, as "schema.table" or "table", for reasons a DBA reads.
    QString tableName() const;
    /// What a statement must use to be reached, for reasons a DBA reads: the table ("orders"), or the table and the
    /// index's columns ("orders (amount)").
    QString reachedName() const;
    /// How the statement with this text meets the table (Unknown for an empty text; None for any text when the action
    /// reaches nothing). Cached by text.
    Touch touch(const QString &statementText) const;

private:
    /// The reach of the index this CREATE INDEX builds (everything when the SQL is not one).
    static ActionReach ofIndexDefinition(const QString &sql);
    /// The new index's columns in a stable order, for text a DBA reads (empty when the whole table is reached).
    QStringList indexColumnNames() const;

    QString m_schema;
    QString m_table;
    QSet<QString> m_indexColumns; ///< empty: any statement that reads the table is reached
    bool m_drop = false; ///< the index is dropped: writes are judged as reads (only with m_indexColumns)
    QString m_nothingBecause;
    mutable QHash<QString, Touch> m_cache;
};

} // namespace vigil
