// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonArray>
#include <QString>

#include <vector>

namespace vigil {

/// One statement from pg_stat_statements and its generic plan (or why there is none).
struct StatementPlan
{
    qint64 queryId = 0;
    QString query; ///< the normalised text ($1, $2 ... for the constants)
    QString plan; ///< EXPLAIN's text output; empty when `error` says why there is none
    QString error;
};

/**
 * The plans a DBA compares when an action made a statement slower: the statements' generic plans just before the
 * action ran and just before it was rolled back.
 *
 * A plan is EXPLAIN (no ANALYZE: nothing runs) of the normalised text prepared with unknown parameters under
 * plan_cache_mode = force_generic_plan, in a READ ONLY transaction that is rolled back, with short lock and statement
 * timeouts: planning takes only the locks parse analysis takes, for at most a fraction of a second. Only a single
 * SELECT, INSERT, UPDATE or DELETE is planned (the parser says which); anything else gets an error instead.
 *
 * Works on the executor's Qt SQL connection, in the executor's thread, between its steps.
 */
class PlanReader
{
public:
    /// How many of the costliest statements are planned before an action: the one a harm shows in is nearly always
    /// among them (a statement must weigh in the database's time for the guard to see it).
    static constexpr int kCostliest = 8;

    explicit PlanReader(QString connectionName);

    /// This database's costliest statements in pg_stat_statements by total execution time (Vigil's own and those
    /// that cannot be planned left out), planned. Empty, with the reason in `error`, when the view cannot be read.
    std::vector<StatementPlan> costliest(int count, QString *error = nullptr) const;
    /// Plans each statement (fills `plan` or `error`).
    void explain(std::vector<StatementPlan> &statements) const;

    /// A single SELECT (not SELECT INTO), INSERT, UPDATE or DELETE, as PostgreSQL's parser reads it.
    static bool isPlannable(const QString &statement);
    /// The highest $n in the text (as the lexer sees it: a "$1" inside a string literal is not a parameter).
    static int parameterCount(const QString &statement);

    static QJsonArray toJson(const std::vector<StatementPlan> &plans);
    static std::vector<StatementPlan> fromJson(const QJsonArray &array);

private:
    StatementPlan planOf(qint64 queryId, const QString &query) const;

    QString m_connectionName;
};

} // namespace vigil
