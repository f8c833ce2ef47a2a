// SPDX-License-Identifier: MIT
#include "collect/statementnamer.h"

namespace vigil {

QJsonObject StatementNamer::newTexts(const Sample &sample, const QHash<qint64, QString> &texts)
{
    QJsonObject named;
    for (const StatementInterval &s : sample.statements) {
        if (m_named.contains(s.queryId))
            continue;
        const QString text = texts.value(s.queryId);
        if (text.isEmpty())
            continue;
        m_named.insert(s.queryId);
        named.insert(QString::number(s.queryId), text.left(kTextChars));
    }
    return named;
}

} // namespace vigil
