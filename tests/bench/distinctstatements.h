// SPDX-License-Identifier: MIT
// Fills pg_stat_statements with N distinct statements (one table each: constants and aliases do not make a statement
// distinct, pg_stat_statements normalises them away). Shared by the live benchmarks.
#pragma once

#include "collect/pgconnection.h"

#include <QString>

#include <functional>

namespace vigil::bench {

/// Tables bench_t1 ... bench_tN, created without pg_stat_statements seeing the DDL.
inline bool createTables(PgConnection &setup, int count, const std::function<bool(const QString &)> &fail)
{
    QString error;
    if (!setup.query("SET pg_stat_statements.track = 'none'", {}, &error))
        return fail(error);
    // Chunks keep each transaction's lock count far below the lock table's size.
    for (int from = 1; from <= count; from += 500) {
        const int to = std::min(count, from + 499);
        const QByteArray sql = "DO $$ BEGIN FOR k IN " + QByteArray::number(from) + " .. " + QByteArray::number(to)
            + " LOOP EXECUTE format('CREATE TABLE bench_t%s (x int)', k); END LOOP; END $$";
        if (!setup.query(sql, {}, &error))
            return fail(error);
    }
    if (!setup.query("RESET pg_stat_statements.track", {}, &error))
        return fail(error);
    return true;
}

/// Runs `SELECT count(*) FROM bench_tK` for K in [from, to]: one distinct statement (queryid) per table.
inline bool runStatements(PgConnection &setup, int from, int to, const std::function<bool(const QString &)> &fail)
{
    QString error;
    for (int k = from; k <= to; ++k) {
        if (!setup.query("SELECT count(*) FROM bench_t" + QByteArray::number(k), {}, &error))
            return fail(error);
    }
    return true;
}

} // namespace vigil::bench
