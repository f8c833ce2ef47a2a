// SPDX-License-Identifier: MIT
#include "store/actionjournal.h"

#include "store/storedatabase.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>

#include <utility>

namespace vigil {

namespace {

// %3 is the details and evidence columns, or NULLs when a read leaves them out (ActionFields::Summary).
constexpr char kActionColumns[] = "id, target, kind, origin, state, apply_sql, rollback_sql, reversible, "
                                  "needs_restart, reason, %3, %1, %2";
constexpr char kTransitionColumns[] = "id, action_id, from_state, to_state, %1, reason, evidence";

using Db = StoreDatabase;

} // namespace

QString ActionJournal::actionSelect(ActionFields fields) const
{
    const QString bulk = fields == ActionFields::All ? QStringLiteral("details, evidence")
                                                     : QStringLiteral("NULL AS details, NULL AS evidence");
    return QStringLiteral("SELECT ")
        + QString::fromLatin1(kActionColumns).arg(m_d.timeColumn("created_at"), m_d.timeColumn("updated_at"), bulk)
        + QStringLiteral(" FROM actions");
}

QStringList ActionJournal::filterConditions(const ActionFilter &filter, QVariantList &values)
{
    QStringList conditions;
    if (!filter.target.isEmpty()) {
        conditions << QStringLiteral("target = ?");
        values << filter.target;
    }
    if (!filter.states.empty()) {
        QStringList marks;
        for (const ActionState state : filter.states) {
            marks << QStringLiteral("?");
            values << stateName(state);
        }
        conditions << QStringLiteral("state IN (") + marks.join(QStringLiteral(", ")) + u')';
    }
    if (!filter.text.isEmpty()) {
        // The text is a literal: its own % and _ must not act as wildcards, so they are escaped with '!'.
        QString literal = filter.text.toLower();
        literal.replace(u'!', QStringLiteral("!!"));
        literal.replace(u'%', QStringLiteral("!%"));
        literal.replace(u'_', QStringLiteral("!_"));
        const QString pattern = u'%' + literal + u'%';
        conditions << QStringLiteral("(lower(apply_sql) LIKE ? ESCAPE '!' OR lower(target) LIKE ? ESCAPE '!' "
                                     "OR lower(COALESCE(reason, '')) LIKE ? ESCAPE '!')");
        values << pattern << pattern << pattern;
    }
    return conditions;
}

QString ActionJournal::transitionSelect() const
{
    return QStringLiteral("SELECT ") + QString::fromLatin1(kTransitionColumns).arg(m_d.timeColumn("at"))
        + QStringLiteral(" FROM transitions");
}

std::optional<Action> ActionJournal::readAction(const QSqlQuery &q) const
{
    Action a;
    a.id = q.value(0).toLongLong();
    a.target = q.value(1).toString();
    const auto kind = kindFromName(q.value(2).toString());
    const auto origin = originFromName(q.value(3).toString());
    const auto state = stateFromName(q.value(4).toString());
    if (!kind || !origin || !state) {
        m_d.fail(QStringLiteral("action %1 has a kind, origin or state this Vigil does not know").arg(a.id));
        return std::nullopt;
    }
    a.kind = *kind;
    a.origin = *origin;
    a.state = *state;
    a.applySql = q.value(5).toString();
    a.rollbackSql = q.value(6).toString();
    a.reversible = q.value(7).toBool();
    a.needsRestart = q.value(8).toBool();
    a.reason = q.value(9).toString();
    a.details = Db::fromJson(q.value(10));
    a.evidence = Db::fromJson(q.value(11));
    a.createdAt = Db::fromIso(q.value(12));
    a.updatedAt = Db::fromIso(q.value(13));
    return a;
}

std::vector<Action> ActionJournal::selectActions(
    const QString &where, const QVariantList &values, bool *ok, bool newestFirst, int limit, ActionFields fields) const
{
    std::vector<Action> result;
    if (ok)
        *ok = false;
    QSqlQuery q(m_d.db());
    QString statement = actionSelect(fields);
    if (!where.isEmpty())
        statement += QStringLiteral(" WHERE ") + where;
    // Ids are handed out by the server in insertion order, unlike client clocks across workstations.
    statement += newestFirst ? QStringLiteral(" ORDER BY id DESC") : QStringLiteral(" ORDER BY id");
    if (limit >= 0)
        statement += QStringLiteral(" LIMIT %1").arg(limit); // an int the code formats, never the user's text
    if (!m_d.prepare(q, statement, QStringLiteral("could not read actions")))
        return result;
    for (const QVariant &value : values)
        q.addBindValue(value);
    if (!m_d.exec(q, QStringLiteral("could not read actions")))
        return result;
    while (q.next()) {
        if (auto a = readAction(q))
            result.push_back(std::move(*a));
    }
    if (ok)
        *ok = true;
    return result;
}

qint64 ActionJournal::createAction(const Action &action, const QString &reason)
{
    const QString what = QStringLiteral("could not record the action");
    // Every action starts life proposed; storing it further along means the step there was taken.
    if (action.state != ActionState::Proposed && !isAllowedTransition(ActionState::Proposed, action.state)) {
        m_d.fail(QStringLiteral("cannot create an action in state %1").arg(stateName(action.state)));
        return 0;
    }
    const QString why = reason.isEmpty() ? action.reason : reason;
    const QString now = Db::toIso(QDateTime::currentDateTimeUtc());

    const StoreDatabase::Transaction transaction(m_d);
    if (!m_d.begin(what))
        return 0;
    qint64 id = 0;
    {
        QSqlQuery q(m_d.db());
        QString statement = QStringLiteral(
            "INSERT INTO actions (target, kind, origin, state, apply_sql, rollback_sql, reversible, needs_restart, "
            "reason, details, evidence, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        // QPSQL has no lastInsertId for sequences; RETURNING is also the one race-free way with many writers.
        if (m_d.isPostgres())
            statement += QStringLiteral(" RETURNING id");
        if (!m_d.prepare(q, statement, what))
            return 0;
        q.addBindValue(action.target);
        q.addBindValue(kindName(action.kind));
        q.addBindValue(originName(action.origin));
        q.addBindValue(stateName(action.state));
        q.addBindValue(action.applySql);
        q.addBindValue(action.rollbackSql);
        q.addBindValue(action.reversible);
        q.addBindValue(action.needsRestart);
        q.addBindValue(why);
        q.addBindValue(Db::toJson(action.details));
        q.addBindValue(Db::toJson(action.evidence));
        q.addBindValue(now);
        q.addBindValue(now);
        if (!m_d.exec(q, what))
            return 0;
        if (m_d.isPostgres()) {
            if (!q.next()) {
                m_d.fail(what, q.lastError());
                return 0;
            }
            id = q.value(0).toLongLong();
        } else {
            id = q.lastInsertId().toLongLong();
        }
    }
    if (id <= 0) {
        m_d.fail(QStringLiteral("could not record the action: the store assigned no id"));
        return 0;
    }
    {
        QSqlQuery q(m_d.db());
        if (!m_d.prepare(q,
                QStringLiteral("INSERT INTO transitions (action_id, from_state, to_state, at, reason, evidence) "
                               "VALUES (?, ?, ?, ?, ?, ?)"),
                what))
            return 0;
        q.addBindValue(id);
        q.addBindValue(stateName(ActionState::Proposed));
        q.addBindValue(stateName(action.state));
        q.addBindValue(now);
        q.addBindValue(why);
        q.addBindValue(Db::toJson(action.evidence));
        if (!m_d.exec(q, what))
            return 0;
    }
    if (!m_d.commit(what))
        return 0;
    return id;
}

bool ActionJournal::transition(qint64 id, ActionState to, const QString &reason, const QJsonObject &evidence)
{
    const QString what = QStringLiteral("could not record action %1 going to %2").arg(id).arg(stateName(to));
    const QString now = Db::toIso(QDateTime::currentDateTimeUtc());

    const StoreDatabase::Transaction transaction(m_d);
    if (!m_d.begin(what))
        return false;
    ActionState from = ActionState::Proposed;
    {
        QSqlQuery q(m_d.db());
        // FOR UPDATE: another Vigil on the same shared store must wait for this step before it checks its own.
        // SQLite needs none: BEGIN IMMEDIATE already excludes every other writer.
        QString statement = QStringLiteral("SELECT state FROM actions WHERE id = ?");
        if (m_d.isPostgres())
            statement += QStringLiteral(" FOR UPDATE");
        if (!m_d.prepare(q, statement, what))
            return false;
        q.addBindValue(id);
        if (!m_d.exec(q, what))
            return false;
        if (!q.next())
            return m_d.fail(QStringLiteral("there is no action %1").arg(id));
        const auto current = stateFromName(q.value(0).toString());
        if (!current)
            return m_d.fail(QStringLiteral("action %1 is in a state this Vigil does not know").arg(id));
        from = *current;
    }
    if (!isAllowedTransition(from, to))
        return m_d.fail(
            QStringLiteral("action %1 cannot go from %2 to %3").arg(id).arg(stateName(from), stateName(to)));
    {
        QSqlQuery q(m_d.db());
        QString statement = QStringLiteral("UPDATE actions SET state = ?, reason = ?, updated_at = ?");
        if (!evidence.isEmpty())
            statement += QStringLiteral(", evidence = ?");
        statement += QStringLiteral(" WHERE id = ?");
        if (!m_d.prepare(q, statement, what))
            return false;
        q.addBindValue(stateName(to));
        q.addBindValue(reason);
        q.addBindValue(now);
        if (!evidence.isEmpty())
            q.addBindValue(Db::toJson(evidence));
        q.addBindValue(id);
        if (!m_d.exec(q, what))
            return false;
    }
    {
        QSqlQuery q(m_d.db());
        if (!m_d.prepare(q,
                QStringLiteral("INSERT INTO transitions (action_id, from_state, to_state, at, reason, evidence) "
                               "VALUES (?, ?, ?, ?, ?, ?)"),
                what))
            return false;
        q.addBindValue(id);
        q.addBindValue(stateName(from));
        q.addBindValue(stateName(to));
        q.addBindValue(now);
        q.addBindValue(reason);
        q.addBindValue(Db::toJson(evidence));
        if (!m_d.exec(q, what))
            return false;
    }
    return m_d.commit(what);
}

bool ActionJournal::updateDetails(qint64 id, const QJsonObject &details)
{
    const QString what = QStringLiteral("could not update the details of action %1").arg(id);
    QSqlQuery q(m_d.db());
    if (!m_d.prepare(q, QStringLiteral("UPDATE actions SET details = ?, updated_at = ? WHERE id = ?"), what))
        return false;
    q.addBindValue(Db::toJson(details));
    q.addBindValue(Db::toIso(QDateTime::currentDateTimeUtc()));
    q.addBindValue(id);
    if (!m_d.exec(q, what))
        return false;
    if (q.numRowsAffected() != 1)
        return m_d.fail(QStringLiteral("there is no action %1").arg(id));
    return true;
}

std::optional<Action> ActionJournal::action(qint64 id) const
{
    bool ok = false;
    auto found = selectActions(QStringLiteral("id = ?"), { id }, &ok);
    if (found.empty()) {
        // A failed query has already said why.
        if (ok)
            m_d.fail(QStringLiteral("there is no action %1").arg(id));
        return std::nullopt;
    }
    return std::move(found.front());
}

std::vector<Action> ActionJournal::actions(const QString &target) const
{
    if (target.isEmpty())
        return selectActions({}, {});
    return selectActions(QStringLiteral("target = ?"), { target });
}

std::vector<Action> ActionJournal::inFlight(const QString &target) const
{
    QVariantList values { stateName(ActionState::Applying), stateName(ActionState::Observing),
        stateName(ActionState::RollingBack) };
    QString where = QStringLiteral("state IN (?, ?, ?)");
    if (!target.isEmpty()) {
        where += QStringLiteral(" AND target = ?");
        values << target;
    }
    return selectActions(where, values);
}

std::vector<Transition> ActionJournal::transitions(qint64 actionId) const
{
    const QString what = QStringLiteral("could not read the transitions of action %1").arg(actionId);
    std::vector<Transition> result;
    QSqlQuery q(m_d.db());
    if (!m_d.prepare(q, transitionSelect() + QStringLiteral(" WHERE action_id = ? ORDER BY id"), what))
        return result;
    q.addBindValue(actionId);
    if (!m_d.exec(q, what))
        return result;
    while (q.next()) {
        const auto from = stateFromName(q.value(2).toString());
        const auto to = stateFromName(q.value(3).toString());
        if (!from || !to) {
            m_d.fail(
                QStringLiteral("action %1 has a transition between states this Vigil does not know").arg(actionId));
            continue;
        }
        Transition t;
        t.id = q.value(0).toLongLong();
        t.actionId = q.value(1).toLongLong();
        t.from = *from;
        t.to = *to;
        t.at = Db::fromIso(q.value(4));
        t.reason = q.value(5).toString();
        t.evidence = Db::fromJson(q.value(6));
        result.push_back(std::move(t));
    }
    return result;
}

std::vector<Action> ActionJournal::actionsPage(
    qint64 beforeId, int limit, const ActionFilter &filter, ActionFields fields, bool *ok) const
{
    QVariantList values;
    QStringList conditions = filterConditions(filter, values);
    if (beforeId > 0) {
        conditions.prepend(QStringLiteral("id < ?"));
        values.prepend(beforeId);
    }
    return selectActions(conditions.join(QStringLiteral(" AND ")), values, ok, true, qMax(limit, 0), fields);
}

qint64 ActionJournal::countActions(const ActionFilter &filter) const
{
    const QString what = QStringLiteral("could not count actions");
    QVariantList values;
    const QStringList conditions = filterConditions(filter, values);
    QString statement = QStringLiteral("SELECT COUNT(*) FROM actions");
    if (!conditions.isEmpty())
        statement += QStringLiteral(" WHERE ") + conditions.join(QStringLiteral(" AND "));
    QSqlQuery q(m_d.db());
    if (!m_d.prepare(q, statement, what))
        return -1;
    for (const QVariant &value : values)
        q.addBindValue(value);
    if (!m_d.exec(q, what))
        return -1;
    if (!q.next()) {
        m_d.fail(what, q.lastError());
        return -1;
    }
    return q.value(0).toLongLong();
}

qint64 ActionJournal::lastTransitionId() const
{
    const QString what = QStringLiteral("could not read the journal's newest transition");
    QSqlQuery q(m_d.db());
    if (!m_d.prepare(q, QStringLiteral("SELECT COALESCE(MAX(id), 0) FROM transitions"), what) || !m_d.exec(q, what))
        return -1;
    if (!q.next()) {
        m_d.fail(what, q.lastError());
        return -1;
    }
    return q.value(0).toLongLong();
}

std::vector<Action> ActionJournal::actionsChangedSince(qint64 afterTransitionId, ActionFields fields, bool *ok) const
{
    return selectActions(QStringLiteral("id IN (SELECT action_id FROM transitions WHERE id > ?)"),
        { afterTransitionId }, ok, true, -1, fields);
}

} // namespace vigil
