// SPDX-License-Identifier: MIT
#pragma once

#include "act/action.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>

#include <deque>
#include <optional>

namespace vigil {

/**
 * Failed index builds whose INVALID index is still to be dropped: one at a time, when no action is in hand, until
 * each is gone. Pure: the engine asks next() on every tick, hands the build to the executor, and passes its answer
 * to cleaned(), which says what to journal and publish.
 *
 * A cancelled CREATE INDEX CONCURRENTLY leaves an INVALID index that cannot be dropped while the transaction the
 * build waited for is still open (DROP INDEX CONCURRENTLY waits for it too): the drop is tried again at the next
 * idle tick.
 */
class IndexCleanup
{
public:
    void add(const Action &failedBuild) { m_queue.push_back(failedBuild); }
    bool isEmpty() const { return m_queue.empty(); }

    /// The build whose leftover to drop now: only when @p idle (no action in hand) and none is with the executor.
    std::optional<Action> next(bool idle);

    /// What became of one leftover.
    struct Outcome
    {
        bool retry = false; ///< not dropped yet (`notice` says why); tried again at the next idle tick
        QString notice;
        QString invalidIndex; ///< that, in words: "dropped by Vigil at ..." or "gone (dropped by someone else)"
    };
    /// The executor's answer for @p action: @p dropped 1 dropped, 0 already gone, -1 not dropped (@p error says why).
    Outcome cleaned(const Action &action, int dropped, const QString &error, const QDateTime &now);
    /// An action's journalled @p details once its leftover is gone: what became of the index, instead of what was left.
    static QJsonObject detailsAfter(QJsonObject details, const Outcome &outcome);

private:
    std::deque<Action> m_queue;
    bool m_withExecutor = false;
};

} // namespace vigil
