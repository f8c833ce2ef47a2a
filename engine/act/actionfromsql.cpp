// SPDX-License-Identifier: MIT
#include "act/actionfromsql.h"

#include "act/sqlrecognizer.h"

#include <QJsonObject>

namespace vigil {

std::optional<Action> actionFromSql(const QString &sql, const QString &rollbackSql, QString *error)
{
    if (sql.trimmed().isEmpty()) {
        *error = QStringLiteral("--sql is empty: give the statement to apply");
        return std::nullopt;
    }
    const SqlRecognizer::Result r = SqlRecognizer::recognize(sql);
    if (r.statements == 0) {
        *error = QStringLiteral("--sql holds no statement (only comments or semicolons)");
        return std::nullopt;
    }
    Action action;
    action.origin = ActionOrigin::User;
    action.kind = r.kind;
    action.applySql = sql.trimmed();
    action.rollbackSql = rollbackSql.trimmed();
    action.reason = QStringLiteral("guarded change requested with vigilctl apply");
    QJsonObject details;
    switch (r.kind) {
    case ActionKind::SetParameter:
        details[QStringLiteral("name")] = r.parameter;
        details[QStringLiteral("value")] = r.value ? QJsonValue(*r.value) : QJsonValue(QJsonValue::Null);
        break;
    case ActionKind::CreateIndex:
        details[QStringLiteral("index")] = r.index;
        details[QStringLiteral("table")] = r.table;
        break;
    case ActionKind::DropIndex:
        details[QStringLiteral("schema")] = r.schema;
        details[QStringLiteral("index")] = r.index;
        break;
    case ActionKind::Sql:
        if (action.rollbackSql.isEmpty()) {
            *error = QStringLiteral("Vigil does not know how to take this statement back%1: give the rollback "
                                    "statement with --rollback-sql")
                         .arg(r.note.isEmpty() ? QString() : QStringLiteral(" (") + r.note + u')');
            return std::nullopt;
        }
        break;
    }
    if (r.kind != ActionKind::Sql && !action.rollbackSql.isEmpty()) {
        // The DBA's rollback replaces the one Vigil would derive; the kind (and its safety checks) stays.
        details[QStringLiteral("rollback_from")] = QStringLiteral("user");
        details[QStringLiteral("user_rollback_sql")] = action.rollbackSql;
    }
    action.details = details;
    return action;
}

QString derivedRollbackPreview(const QString &sql)
{
    const SqlRecognizer::Result r = SqlRecognizer::recognize(sql);
    switch (r.kind) {
    case ActionKind::SetParameter:
        return QStringLiteral("ALTER SYSTEM RESET %1 -- or the value ALTER SYSTEM had set before, read when applying")
            .arg(SqlRecognizer::quoteIdentifierIfNeeded(r.parameter));
    case ActionKind::CreateIndex:
        return QStringLiteral("DROP INDEX CONCURRENTLY IF EXISTS %1")
            .arg(SqlRecognizer::quoteIdentifierIfNeeded(r.index));
    case ActionKind::DropIndex:
        return QStringLiteral("CREATE INDEX CONCURRENTLY ... -- the index's definition, saved when applying");
    case ActionKind::Sql:
        break;
    }
    return {};
}

} // namespace vigil
