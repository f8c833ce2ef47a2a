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
    /// Part of the WHERE clause's top-level AND chain (not under an OR): all such predicates of one statement
    /// narrow the same rows, so one multi-column index can serve them together.
    bool conjunct = true;
};

/**
 * Finds, in a statement (a pg_stat_statements text, constants as $n), the columns its WHERE clause compares with a
 * value, and the table of each: what an index could serve. The statement is read by PostgreSQL's own parser
 * (libpg_query): SELECT (each branch of a UNION), UPDATE and DELETE; tables through aliases, schemas and joins; =, <,
 * <=, >, >=, IN (...), = ANY(...), BETWEEN against any expression of parameters and constants (md5($1::text),
 * lower($1), $1::date). A column inside an expression (lower(col) = $1) is not reported: an index on the column
 * cannot serve it. Unqualified columns are attributed only when one table is read. Text that does not parse gives
 * nothing.
 */
class PredicateExtractor
{
public:
    static std::vector<ColumnPredicate> extract(const QString &statement);
    /// True when the statement is one SELECT (what-if planning only ever prepares those).
    static bool isSingleSelect(const QString &statement);
};

} // namespace vigil
