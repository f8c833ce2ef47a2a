// SPDX-License-Identifier: MIT
#pragma once

#include "events/engineevent.h"
#include "metrics/sample.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QJsonObject>

#include <deque>
#include <vector>

namespace vigil {

/**
 * The statements behind the numbers: pg_stat_statements as the guard reads it, per statement over the last minute
 * of samples (calls per second, mean time, time per second and its share), costliest first, with each statement's
 * change in mean time since the last action was applied (against the minute before it).
 *
 * Fed by the engine's samples (their per-statement intervals) and its events: `statements.named` gives the texts,
 * `action.executed` sets the reference. No SQL here: what the engine already read.
 */
class StatementsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Columns { StatementColumn, CallsColumn, MeanColumn, TimeColumn, ShareColumn, ChangeColumn, COLUMN_COUNT };
    Q_ENUM(Columns)
    enum Roles {
        QueryIdRole = Qt::UserRole, ///< qint64
        SortRole, ///< per column: the number to sort by
    };

    /// `spanSeconds`: how much of the recent samples each row pools.
    explicit StatementsModel(double spanSeconds = 60, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /// The SQL of the action the change column is measured from (empty before the first action).
    QString referenceAction() const { return m_referenceSql; }

public slots:
    void addSample(const vigil::Sample &sample);
    /// Engine events: samples (addSample), statements.named, and action.executed (the new reference minute).
    void onEvent(const vigil::EngineEvent &event);
    /// Another target: everything goes.
    void clear();

private:
    struct Pooled
    {
        qint64 queryId = 0;
        double calls = 0;
        double totalMs = 0;
        double callsPerSecond = 0;
        double meanMs() const { return calls > 0 ? totalMs / calls : 0; }
    };
    std::vector<Pooled> pool() const;
    double pooledSeconds() const; ///< the time the pooled samples cover
    void rebuild();

    double m_spanSeconds;
    std::deque<Sample> m_samples; ///< the last spanSeconds of valid samples, oldest first
    QHash<qint64, QString> m_texts;
    QHash<qint64, double> m_referenceMeanMs; ///< mean time per statement over the minute before the last action
    QString m_referenceSql;
    std::vector<Pooled> m_rows; ///< costliest first
    double m_totalMsPerSecond = 0;
};

} // namespace vigil
