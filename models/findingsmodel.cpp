// SPDX-License-Identifier: MIT
#include "findingsmodel.h"

#include <QColor>
#include <QHash>
#include <QSet>

namespace vigil {

namespace {

int severityRank(Severity severity)
{
    switch (severity) {
    case Severity::Critical:
        return 2;
    case Severity::Warning:
        return 1;
    case Severity::Info:
        break;
    }
    return 0;
}

} // namespace

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
    const Finding &f = m_rows[std::size_t(index.row())];
    const std::optional<Recommendation> &proposal = f.recommendation;
    switch (role) {
    case FindingRole:
        return QVariant::fromValue(f);
    case SeverityRole:
        return severityName(f.severity);
    case KeyRole:
        return f.key();
    case Qt::DisplayRole:
        switch (index.column()) {
        case SeverityColumn:
            return severityName(f.severity);
        case DetectorColumn:
            return QString(f.detector).replace(u'_', u' ');
        case SummaryColumn:
            return f.summary;
        case ProposalColumn:
            return proposal ? proposal->sql : tr("(advice only)");
        case DecisionColumn:
            return proposal ? proposal->decision : QString();
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == DecisionColumn)
            return proposal ? proposal->decisionReason : QString();
        if (index.column() == ProposalColumn && proposal && proposal->needsRestart)
            return tr("Needs a server restart: Vigil never applies it on its own");
        return f.advice;
    case Qt::ForegroundRole:
        // The same colours as everywhere in Vigil: red critical, amber warning; info keeps the palette's text.
        if (index.column() == SeverityColumn && f.severity == Severity::Critical)
            return QColor(0xc6, 0x28, 0x28);
        if (index.column() == SeverityColumn && f.severity == Severity::Warning)
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

void FindingsModel::setFindings(const std::vector<Finding> &findings, const QDateTime &at)
{
    QHash<QString, const Finding *> incoming; // the last of a key wins, as a run's findings are one per key
    QStringList order;
    for (const Finding &f : findings) {
        const QString key = f.key();
        if (!incoming.contains(key))
            order << key;
        incoming.insert(key, &f);
    }
    // Remove the rows that are gone (from the bottom, so indexes stay right).
    for (int row = int(m_rows.size()) - 1; row >= 0; --row) {
        if (incoming.contains(m_rows[std::size_t(row)].key()))
            continue;
        beginRemoveRows({}, row, row);
        m_rows.erase(m_rows.begin() + row);
        endRemoveRows();
    }
    // Update the rows that stay.
    QSet<QString> present;
    for (std::size_t row = 0; row < m_rows.size(); ++row) {
        const QString key = m_rows[row].key();
        present.insert(key);
        if (const Finding &now = *incoming.value(key); m_rows[row] != now) {
            m_rows[row] = now;
            emit dataChanged(index(int(row), 0), index(int(row), COLUMN_COUNT - 1));
        }
    }
    // Append the new ones, most severe first.
    std::vector<Finding> added;
    for (const QString &key : order)
        if (!present.contains(key))
            added.push_back(*incoming.value(key));
    std::stable_sort(added.begin(), added.end(),
        [](const Finding &a, const Finding &b) { return severityRank(a.severity) > severityRank(b.severity); });
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
    for (const Finding &f : m_rows)
        n += severityRank(f.severity) >= 1 ? 1 : 0;
    return n;
}

} // namespace vigil
