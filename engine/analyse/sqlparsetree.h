// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QString>

#include <optional>

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
    /// (and where in the text) in `error`, when it does not parse.
    static std::optional<QJsonArray> parse(const QString &sql, QString *error = nullptr);

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
