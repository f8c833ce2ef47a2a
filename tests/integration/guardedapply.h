// SPDX-License-Identifier: MIT
// What the live tests of `vigilctl apply` share: its arguments with 1 s samples and short windows, and the journal a
// run left in its store.
#pragma once

#include "store/knowledgestore.h"

#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

namespace vigil::testing {

/// `vigilctl apply` of @p sql on @p targetConninfo with 1 s samples (the production defaults are 5 s / 60 s).
inline QStringList applyArguments(
    const QString &targetConninfo, const QString &storePath, const QString &sql, int windowSeconds, int baselineSeconds)
{
    return { QStringLiteral("apply"), QStringLiteral("--target"), targetConninfo, QStringLiteral("--sql"), sql,
        QStringLiteral("--store"), storePath, QStringLiteral("--interval"), QStringLiteral("1"),
        QStringLiteral("--baseline"), QString::number(baselineSeconds), QStringLiteral("--window"),
        QString::number(windowSeconds) };
}

/// The actions journalled in the SQLite store at @p storePath (none when it cannot be opened).
inline std::vector<Action> journalOf(const QString &storePath)
{
    QString error;
    const std::unique_ptr<KnowledgeStore> store = KnowledgeStore::open(storePath, &error);
    return store ? store->actions() : std::vector<Action> {};
}

} // namespace vigil::testing
