// SPDX-License-Identifier: MIT
#pragma once

#include <QSortFilterProxyModel>
#include <QString>
#include <QStringList>

namespace vigil {

/**
 * The history as the DBA narrows it: by status and by a piece of text, sorted by any column.
 *
 * Over an ActionHistoryModel (it reads that model's raw roles). The text matches the apply SQL, the target or the
 * reason, ignoring case; the statuses are journal names (StateRole), none meaning every status. Sorting uses
 * ActionHistoryModel::SortRole, so time sorts by journal order and the status by what the DBA reads.
 */
class ActionFilterModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit ActionFilterModel(QObject *parent = nullptr);

    QString text() const { return m_text; }
    QStringList states() const { return m_states; }

public slots:
    void setText(const QString &text);
    /// Journal state names (e.g. "rolled_back"); empty shows every status.
    void setStates(const QStringList &states);

signals:
    void filterChanged();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_text;
    QStringList m_states;
};

} // namespace vigil
