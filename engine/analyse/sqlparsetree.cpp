// SPDX-License-Identifier: MIT
#include "analyse/sqlparsetree.h"

#include <QJsonDocument>

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

namespace vigil {

namespace {

/// libpg_query counts in UTF-8 bytes; Qt in UTF-16 code units. The index in `sql` of byte `offset` of `utf8`.
qsizetype characterIndex(const QByteArray &utf8, qsizetype offset)
{
    return QString::fromUtf8(utf8.left(qBound<qsizetype>(0, offset, utf8.size()))).size();
}

} // namespace

std::optional<QJsonArray> SqlParseTree::parse(const QString &sql, QString *error, QList<qsizetype> *starts)
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
            for (const QJsonValue &s : tree.object().value(QLatin1StringView("stmts")).toArray()) {
                out.append(s.toObject().value(QLatin1StringView("stmt")));
                if (starts) // stmt_location is left out of the JSON when it is 0
                    starts->append(
                        characterIndex(text, s.toObject().value(QLatin1StringView("stmt_location")).toInt()));
            }
            statements = out;
        }
    }
    pg_query_free_parse_result(result);
    return statements;
}

std::optional<std::vector<SqlParseTree::Token>> SqlParseTree::scan(const QString &sql, QString *error)
{
    const QByteArray text = sql.toUtf8();
    PgQueryScanResult result = pg_query_scan(text.constData());
    std::optional<std::vector<Token>> tokens;
    if (result.error) {
        if (error)
            *error = QString::fromUtf8(result.error->message);
    } else if (PgQuery__ScanResult *scanned = pg_query__scan_result__unpack(
                   nullptr, result.pbuf.len, reinterpret_cast<const uint8_t *>(result.pbuf.data))) {
        tokens.emplace();
        tokens->reserve(scanned->n_tokens);
        for (size_t i = 0; i < scanned->n_tokens; ++i) {
            const PgQuery__ScanToken *t = scanned->tokens[i];
            Token token;
            token.start = characterIndex(text, t->start);
            token.end = characterIndex(text, t->end);
            token.keyword = t->keyword_kind != PG_QUERY__KEYWORD_KIND__NO_KEYWORD;
            token.text = sql.mid(token.start, token.end - token.start);
            tokens->push_back(token);
        }
        pg_query__scan_result__free_unpacked(scanned, nullptr);
    } else if (error) {
        *error = QStringLiteral("the lexer's output could not be read");
    }
    pg_query_free_scan_result(result);
    return tokens;
}

std::optional<int> SqlParseTree::countStatements(const QString &sql)
{
    // From the lexer's tokens, not pg_query_split_with_scanner(): that one crashed (libpg_query 15-4.0) on a
    // statement followed by an unterminated comment ("DROP INDEX foo; /*"), and found no statement in "A; B; C".
    const std::optional<std::vector<Token>> tokens = scan(sql);
    if (!tokens)
        return std::nullopt;
    int count = 0;
    bool inStatement = false;
    for (const Token &t : *tokens) {
        if (t.text == QLatin1StringView(";")) {
            inStatement = false;
        } else if (!inStatement) {
            inStatement = true;
            ++count;
        }
    }
    return count;
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
