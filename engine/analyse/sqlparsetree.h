// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QString>

#include <optional>
#include <vector>

namespace vigil {

/**
 * PostgreSQL's own parser (libpg_query, Debian's libpg-query-dev), its raw parse tree read as JSON: each node is an
 * object with one key, the node's type ("SelectStmt", "A_Expr", "ColumnRef", ...), whose value holds its fields.
 * Only the grammar is applied: names are not looked up, so a statement about tables that do not exist parses.
 */
class SqlParseTree
{
public:
    /// The statements of `sql` in order, each its node ({"SelectStmt": {...}}); nothing, with the parser's message
    /// (and where in the text) in `error`, when it does not parse. `starts` (when given) gets where each statement
    /// begins in `sql` (a QString index).
    static std::optional<QJsonArray> parse(
        const QString &sql, QString *error = nullptr, QList<qsizetype> *starts = nullptr);

    /// One token of PostgreSQL's lexer: where it is in the text (QString indexes) and whether it is a keyword.
    struct Token
    {
        qsizetype start = 0;
        qsizetype end = 0; ///< one past its last character
        bool keyword = false;
        QString text; ///< as written
    };
    /// The tokens of `sql` (comments and white space are not tokens); nothing, with the lexer's message, when it
    /// cannot be read (an unterminated quote or comment).
    static std::optional<std::vector<Token>> scan(const QString &sql, QString *error = nullptr);
    /// How many statements the lexer sees (empty ones not counted), for text the parser refuses; nothing when the
    /// lexer cannot read it either (an unterminated quote or comment).
    static std::optional<int> countStatements(const QString &sql);

    /// A node's type: the one key of its object ("" for anything else).
    static QString type(const QJsonValue &node);
    /// A node's fields: the object under its type.
    static QJsonObject fields(const QJsonValue &node);
    /// The text of a String node ({"String": {"sval": "x"}}).
    static QString text(const QJsonValue &node);
    /// The texts of a list of String nodes (a qualified name, an operator's name).
    static QStringList texts(const QJsonValue &list);
};

} // namespace vigil
