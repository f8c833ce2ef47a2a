// SPDX-License-Identifier: MIT
#pragma once

#include "metrics/sample.h"

#include <QHash>
#include <QJsonObject>
#include <QSet>

namespace vigil {

/**
 * Which statements' texts the front ends have not heard yet. Samples carry queryids only; each text goes out once
 * (the `statements.named` event), for the desktop's Statements page.
 */
class StatementNamer
{
public:
    /// How much of a statement's text goes out (an event is no place for a 100 kB generated query).
    static constexpr int kTextChars = 2000;

    /// The texts of `sample`'s statements not named yet, by queryid (as a string), cut to kTextChars; a statement
    /// whose text is not known yet is asked for again with the next sample.
    QJsonObject newTexts(const Sample &sample, const QHash<qint64, QString> &texts);

private:
    QSet<qint64> m_named;
};

} // namespace vigil
