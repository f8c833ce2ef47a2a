// SPDX-License-Identifier: MIT
#include "findingsmodel.h"

#include <QColor>
#include <QHash>
#include <QSet>

namespace vigil {

namespace {

QJsonObject proposalOf(const QJsonObject &f)
{
    return f.value(QLatin1StringView("proposal")).toObject();
}

int severityRank(const QString &severity)
{
    if (severity == QLatin1StringView("critical"))
        return 2;
    if (severity == QLatin1StringView("warning"))
        return 1;
    return 0;
}

} // namespace

QString FindingsModel::keyOf(const QJsonObject &f)
{
    // The engine's own key (Finding::key(), sent with the finding); computed here only for a payload without it
    // (an older agent's, over NATS).
    if (const QString key = f.value(QLatin1StringView("key")).toString(); !key.isEmpty())
        return key;
    const QString subject
        = f.value(QLatin1StringView("evidence")).toObject().value(QLatin1StringView("subject")).toString();
    return f.value(QLatin1StringView("detector")).toString() + u'/' + f.value(QLatin1StringView("case")).toString()
        + u'/' + subject;
}

int FindingsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int FindingsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : COLUMN_COUNT;
}

QVariant FindingsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_rows.size()))
        return {};
    const QJsonObject &f = m_rows[std::size_t(index.row())];
    const QString severity = f.value(QLatin1StringView("severity")).toString();
    const QJsonObject proposal = proposalOf(f);
    switch (role) {
    case FindingRole:
        return f;
    case SeverityRole:
        return severity;
    case KeyRole:
        return keyOf(f);
    case Qt::DisplayRole:
        switch (index.column()) {
        case SeverityColumn:
            return severity;
        case DetectorColumn:
            return f.value(QLatin1StringView("detector")).toString().replace(u'_', u' ');
        case SummaryColumn:
            return f.value(QLatin1StringView("summary")).toString();
        case ProposalColumn:
            return proposal.isEmpty() ? tr("(advice only)") : proposal.value(QLatin1StringView("sql")).toString();
        case DecisionColumn:
            return proposal.value(QLatin1StringView("decision")).toString();
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == DecisionColumn)
            return proposal.value(QLatin1StringView("decision_reason")).toString();
        if (index.column() == ProposalColumn && proposal.value(QLatin1StringView("needs_restart")).toBool())
            return tr("Needs a server restart: Vigil never applies it on its own");
        return f.value(QLatin1StringView("advice")).toString();
    case Qt::ForegroundRole:
        // The same colours as everywhere in Vigil: red critical, amber warning; info keeps the palette's text.
        if (index.column() == SeverityColumn && severity == QLatin1StringView("critical"))
            return QColor(0xc6, 0x28, 0x28);
        if (index.column() == SeverityColumn && severity == QLatin1StringView("warning"))
            return QColor(0xb2, 0x6a, 0x00);
        return {};
    }
    return {};
}

QVariant FindingsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case SeverityColumn:
        return tr("Severity");
    case DetectorColumn:
        return tr("Detector");
    case SummaryColumn:
        return tr("Finding");
    case ProposalColumn:
        return tr("Proposed action");
    case DecisionColumn:
        return tr("Decision");
    }
    return {};
}

void FindingsModel::setFindings(const QJsonArray &findings, const QDateTime &at)
{
    QHash<QString, QJsonObject> incoming;
    QStringList order;
    for (const QJsonValue &v : findings) {
        const QJsonObject f = v.toObject();
        const QString key = keyOf(f);
        if (!incoming.contains(key))
            order << key;
        incoming.insert(key, f);
    }
    // Remove the rows that are gone (from the bottom, so indexes stay right).
    for (int row = int(m_rows.size()) - 1; row >= 0; --row) {
        if (incoming.contains(keyOf(m_rows[std::size_t(row)])))
            continue;
        beginRemoveRows({}, row, row);
        m_rows.erase(m_rows.begin() + row);
        endRemoveRows();
    }
    // Update the rows that stay.
    QSet<QString> present;
    for (std::size_t row = 0; row < m_rows.size(); ++row) {
        const QString key = keyOf(m_rows[row]);
        present.insert(key);
        if (m_rows[row] != incoming.value(key)) {
            m_rows[row] = incoming.value(key);
            emit dataChanged(index(int(row), 0), index(int(row), COLUMN_COUNT - 1));
        }
    }
    // Append the new ones, most severe first.
    std::vector<QJsonObject> added;
    for (const QString &key : order)
        if (!present.contains(key))
            added.push_back(incoming.value(key));
    std::stable_sort(added.begin(), added.end(), [](const QJsonObject &a, const QJsonObject &b) {
        return severityRank(a.value(QLatin1StringView("severity")).toString())
            > severityRank(b.value(QLatin1StringView("severity")).toString());
    });
    if (!added.empty()) {
        beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + added.size()) - 1);
        m_rows.insert(m_rows.end(), added.begin(), added.end());
        endInsertRows();
    }
    m_analysedAt = at;
    emit analysed();
}

int FindingsModel::seriousCount() const
{
    int n = 0;
    for (const QJsonObject &f : m_rows)
        n += severityRank(f.value(QLatin1StringView("severity")).toString()) >= 1 ? 1 : 0;
    return n;
}

} // namespace vigil
