// SPDX-License-Identifier: MIT
#pragma once

#include "act/action.h"

#include <QString>

#include <optional>
#include <vector>

namespace vigil {

/**
 * Recognises the statements Vigil knows how to take back, from a DBA's text. Pure text work: no database.
 *
 * The text is read by PostgreSQL's own parser (libpg_query), so a name such as `x"; DROP TABLE t; --` stays one
 * name, a second statement hidden in a literal is not a second statement, and what is recognised is exactly what
 * the server would run. Anything it does not recognise is kind Sql: the DBA must then give the rollback statement;
 * text the parser refuses comes back with the parser's message in `note`.
 */
class SqlRecognizer
{
public:
    struct Result
    {
        ActionKind kind = ActionKind::Sql;
        QString parameter; ///< SetParameter: the GUC name, lower-cased unless it was quoted
        std::optional<QString> value; ///< SetParameter: the new value; empty for RESET / DEFAULT
        QString schema; ///< DropIndex: the schema when the name was qualified
        QString index; ///< CreateIndex / DropIndex: the index name
        QString table; ///< CreateIndex: the table as SQL text (qualified when it was; quoted where it must be)
        bool concurrently = false; ///< CreateIndex / DropIndex: CONCURRENTLY was written
        qsizetype concurrentlyInsertAt = -1; ///< where " CONCURRENTLY" goes when it was not written
        int statements = 0; ///< top-level statements in the text
        QString note; ///< why a statement that looks familiar was not recognised
    };

    static Result recognize(const QString &sql);
    /// The text with CONCURRENTLY added to a CREATE/DROP INDEX that lacks it.
    static QString withConcurrently(const QString &sql, const Result &recognized);
    /// Number of top-level statements as PostgreSQL reads them (empty ones not counted).
    static int countStatements(const QString &sql);
    /// The name as SQL text: as is when PostgreSQL would read it back unchanged unquoted (lower-case letters,
    /// digits, _ and $, not starting with a digit or $), else in double quotes with its quotes doubled. For SQL a
    /// person reads and may copy (a rollback preview): a hostile name must stay one name there too.
    static QString quoteIdentifierIfNeeded(const QString &name);
};

} // namespace vigil
