// SPDX-License-Identifier: MIT
#pragma once

#include "analyse/finding.h"

#include <QAbstractTableModel>
#include <QDateTime>

#include <vector>

namespace vigil {

/**
 * What the detectors see now: one row per finding of the latest analysis (the engine's `analysis.finished` event),
 * merged in place by the finding's identity (Finding::key(): detector, case, subject) so a selection survives the
 * next run.
 */
class FindingsModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Columns { SeverityColumn, DetectorColumn, SummaryColumn, ProposalColumn, DecisionColumn, COLUMN_COUNT };
    Q_ENUM(Columns)
    enum Roles {
        FindingRole = Qt::UserRole, ///< vigil::Finding, the whole finding
        SeverityRole, ///< QString: info, warning, critical
        KeyRole, ///< QString: Finding::key(), detector/case/subject
    };

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /// Replaces the findings with those of a new analysis: rows that stay are updated, gone ones removed, new added.
    void setFindings(
        const std::vector<vigil::Finding> &findings, const QDateTime &at = QDateTime::currentDateTimeUtc());
    QDateTime analysedAt() const { return m_analysedAt; }
    /// Findings at warning or above (the navigation's badge).
    int seriousCount() const;

signals:
    void analysed();

private:
    std::vector<Finding> m_rows;
    QDateTime m_analysedAt;
};

} // namespace vigil
