// SPDX-License-Identifier: MIT
// Hostile SQL through the recogniser that derives rollbacks (and actionFromSql, which builds actions from it): no
// crash, and what it recognises must hold up: CONCURRENTLY inserted where it belongs, the same name and table
// recognised again afterwards, and no second statement ever recognised as part of an index or parameter action.
#include "act/actionfromsql.h"
#include "act/sqlrecognizer.h"
#include "fuzzcheck.h"

#include <QString>

#include <cstdint>
#include <cstdlib>

using namespace vigil;

using vigil::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // Split at the first NUL: the statement, then its rollback (a DBA gives both).
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const qsizetype nul = bytes.indexOf('\0');
    const QString sql = QString::fromUtf8(nul < 0 ? bytes : bytes.left(nul));
    const QString rollback = nul < 0 ? QString() : QString::fromUtf8(bytes.mid(nul + 1));

    const SqlRecognizer::Result r = SqlRecognizer::recognize(sql);
    check(r.statements == SqlRecognizer::countStatements(sql));
    if (r.kind != ActionKind::Sql && r.kind != ActionKind::SetParameter)
        check(r.statements == 1); // an index action is one statement, never one with a rider
    if (r.kind == ActionKind::SetParameter)
        check(r.statements == 1 || r.statements == 2);
    if (r.kind == ActionKind::CreateIndex || r.kind == ActionKind::DropIndex) {
        check(!r.index.isNull());
        check(r.concurrently || (r.concurrentlyInsertAt >= 0 && r.concurrentlyInsertAt <= sql.size()));
        const QString concurrent = SqlRecognizer::withConcurrently(sql, r);
        const SqlRecognizer::Result again = SqlRecognizer::recognize(concurrent);
        check(again.kind == r.kind);
        check(again.concurrently);
        check(again.index == r.index);
        check(again.table == r.table);
        check(again.schema == r.schema);
        check(again.statements == 1);
    }
    QString error;
    const std::optional<Action> action = actionFromSql(sql, rollback, &error);
    check(action.has_value() || !error.isEmpty()); // refused input always says why
    if (action)
        check(action->kind == r.kind);
    derivedRollbackPreview(sql);
    return 0;
}
