// SPDX-License-Identifier: MIT
#include "actionfromsql.h"

#include "act/sqlrecognizer.h"

#include <QJsonObject>

std::optional<vigil::Action> actionFromSql(const QString &sql, const QString &rollbackSql, QString *error)
{
    using vigil::ActionKind;
    if (sql.trimmed().isEmpty()) {
        *error = QStringLiteral("--sql is empty: give the statement to apply");
        return std::nullopt;
    }
    const vigil::SqlRecognizer::Result r = vigil::SqlRecognizer::recognize(sql);
    if (r.statements == 0) {
        *error = QStringLiteral("--sql holds no statement (only comments or semicolons)");
        return std::nullopt;
    }
    vigil::Action action;
    action.origin = vigil::ActionOrigin::User;
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
