// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <vector>

namespace vigil {

/// A column compared with a parameter in a statement's WHERE clause, resolved to the table it belongs to.
struct ColumnPredicate
{
    QString schema; ///< empty when the statement did not qualify the table
    QString table;
    QString column;
    bool equality = false; ///< = or IN / = ANY; otherwise a range (<, <=, >, >=, BETWEEN)
};

/**
 * Finds, in a normalised statement (pg_stat_statements text, constants as $n), the columns its top-level WHERE
 * clause compares with a parameter, and the table of each: what an index could serve.
 *
 * A small tokenizer in the lexer's terms (quoted identifiers, strings, dollar quotes, comments), not a parser:
 * it reads SELECT ... FROM t [alias] [, u | JOIN u ON ...] WHERE ... and ignores what it cannot place (subqueries,
 * expressions on columns, OR-ed predicates are still reported: each could use an index in a bitmap OR).
 * Unqualified columns are attributed only when the FROM clause has one table.
 */
class PredicateExtractor
{
public:
    static std::vector<ColumnPredicate> extract(const QString &statement);
    /// True when the statement is one SELECT (what-if planning only ever prepares those).
    static bool isSingleSelect(const QString &statement);
};

} // namespace vigil
