// SPDX-License-Identifier: MIT
#include "analyse/catalogsnapshot.h"

namespace vigil {

const TableStats *CatalogSnapshot::table(const QString &schema, const QString &name) const
{
    for (const TableStats &t : tables)
        if (t.schema == schema && t.name == name)
            return &t;
    return nullptr;
}

const StatementStats *CatalogSnapshot::statement(qint64 queryId) const
{
    for (const StatementStats &s : statements)
        if (s.queryId == queryId)
            return &s;
    return nullptr;
}

} // namespace vigil
