// SPDX-License-Identifier: MIT
#include "findingpublisher.h"

#include <QSet>

namespace vigil {

namespace {

/// What a DBA would act on: the severity and the recommendation with its decision.
QString actionable(const Finding &f)
{
    return severityName(f.severity)
        + (f.recommendation ? u'|' + f.recommendation->sql + u'|' + f.recommendation->decision : QString());
}

} // namespace

std::vector<std::size_t> FindingPublisher::select(const std::vector<Finding> &findings)
{
    std::vector<std::size_t> chosen;
    QSet<QString> current;
    for (std::size_t i = 0; i < findings.size(); ++i) {
        const QString key = findings[i].key();
        current.insert(key);
        const QString shown = actionable(findings[i]);
        if (m_published.value(key) != shown) {
            m_published.insert(key, shown);
            chosen.push_back(i);
        }
    }
    for (auto it = m_published.begin(); it != m_published.end();)
        it = current.contains(it.key()) ? std::next(it) : m_published.erase(it);
    return chosen;
}

} // namespace vigil
