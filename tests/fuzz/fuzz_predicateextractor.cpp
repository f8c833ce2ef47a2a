// SPDX-License-Identifier: MIT
// Hostile statement texts through PostgreSQL's parser (libpg_query) and the predicate extractor the missing-index
// detector reads them with: no crash, and what comes out holds up: every predicate names a table and a column, and a
// text that is not one statement gives nothing.
#include "analyse/predicateextractor.h"
#include "analyse/sqlparsetree.h"
#include "fuzzcheck.h"

#include <QString>

#include <cstdint>
#include <cstdlib>

using namespace vigil;

using vigil::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString sql = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    QString error;
    const std::optional<QJsonArray> statements = SqlParseTree::parse(sql, &error);
    check(statements.has_value() || !error.isEmpty()); // a text that does not parse always says why
    const std::vector<ColumnPredicate> predicates = PredicateExtractor::extract(sql);
    if (!statements || statements->size() != 1)
        check(predicates.empty());
    for (const ColumnPredicate &p : predicates)
        check(!p.table.isEmpty() && !p.column.isEmpty());
    if (PredicateExtractor::isSingleSelect(sql))
        check(statements && statements->size() == 1);
    return 0;
}
