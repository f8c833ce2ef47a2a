// SPDX-License-Identifier: MIT
#include "analyse/sqlparsetree.h"

#include <QJsonDocument>

#include <pg_query.h>

namespace vigil {

std::optional<QJsonArray> SqlParseTree::parse(const QString &sql, QString *error)
{
    const QByteArray text = sql.toUtf8();
    // libpg_query keeps its memory per thread and frees it with the result: safe from any thread.
    PgQueryParseResult result = pg_query_parse(text.constData());
    std::optional<QJsonArray> statements;
    if (result.error) {
        if (error)
            *error = QStringLiteral("%1 (at character %2)")
                         .arg(QString::fromUtf8(result.error->message))
                         .arg(result.error->cursorpos);
    } else {
        QJsonParseError jsonError {};
        const QJsonDocument tree = QJsonDocument::fromJson(QByteArray(result.parse_tree), &jsonError);
        if (jsonError.error != QJsonParseError::NoError) {
            if (error)
                *error = QStringLiteral("the parser's output could not be read: ") + jsonError.errorString();
        } else {
            QJsonArray out;
            for (const QJsonValue &s : tree.object().value(QLatin1StringView("stmts")).toArray())
                out.append(s.toObject().value(QLatin1StringView("stmt")));
            statements = out;
        }
    }
    pg_query_free_parse_result(result);
    return statements;
}

QString SqlParseTree::type(const QJsonValue &node)
{
    const QJsonObject o = node.toObject();
    return o.size() == 1 ? o.constBegin().key() : QString();
}

QJsonObject SqlParseTree::fields(const QJsonValue &node)
{
    const QJsonObject o = node.toObject();
    return o.size() == 1 ? o.constBegin().value().toObject() : QJsonObject();
}

QString SqlParseTree::text(const QJsonValue &node)
{
    const QJsonObject s = node.toObject().value(QLatin1StringView("String")).toObject();
    // PostgreSQL 15's parser names the field "sval"; older ones called it "str".
    return s.contains(QLatin1StringView("sval")) ? s.value(QLatin1StringView("sval")).toString()
                                                 : s.value(QLatin1StringView("str")).toString();
}

QStringList SqlParseTree::texts(const QJsonValue &list)
{
    QStringList out;
    for (const QJsonValue &v : list.toArray())
        out << text(v);
    return out;
}

} // namespace vigil
