// SPDX-License-Identifier: MIT
#pragma once

#include "analyse/finding.h"

#include <QHash>
#include <QString>

#include <vector>

namespace vigil {

/**
 * Which findings of an analysis go out as `finding` events: a finding when it first appears, and again when what a
 * DBA would act on changes (its severity, the fix it recommends, what became of that fix), never for its numbers
 * alone, which move on every run. A finding that disappears is forgotten: if it comes back, it is news again.
 *
 * Pure: the engine publishes what it returns.
 */
class FindingPublisher
{
public:
    /// The findings of one analysis run, in their order: returns the indices of those to publish now.
    std::vector<std::size_t> select(const std::vector<Finding> &findings);

private:
    QHash<QString, QString> m_published; ///< finding key -> what was last published for it
};

} // namespace vigil
