// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractTableModel>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <map>
#include <vector>

namespace vigil {

/**
 * The fleet as heard on NATS: one row per target that published anything (`vigil-event/1`, docs/events.md), with
 * its last action state, its last action, its last rollback and when it was last heard from. Fed with
 * addEvent() from a NatsSubscriber's received() signal (queued: values only). Keeps each target's last
 * kHistoryPerTarget action events for the detail view, and the actions that wait for approval.
 *
 * Messages without the vigil-event schema (approval requests on vigil.<t>.approve, say) are ignored.
 */
class FleetModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { TargetColumn, StateColumn, ActionColumn, RollbackColumn, HeardColumn, ColumnCount };
    enum Role { TargetRole = Qt::UserRole + 1, StateRole, RolledBackRole };
    static constexpr int kHistoryPerTarget = 200;

    /// One action waiting for approval on a remote agent.
    struct Pending
    {
        qint64 actionId = 0;
        QString applySql;
    };

    explicit FleetModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /// The target of a row (its exact name, as the agent reported it).
    QString target(int row) const;
    /// The target's action events, oldest first (at most kHistoryPerTarget).
    QList<QJsonObject> history(const QString &target) const;
    /// The target's actions waiting for approval, oldest first.
    std::vector<Pending> pendingApprovals(const QString &target) const;

public slots:
    void addEvent(const QString &subject, const QJsonObject &payload);

signals:
    /// An action was rolled back (or a rollback failed: alert) on target.
    void rollbackSeen(const QString &target, const QString &applySql, const QString &reason, bool failed);
    /// The target's row or history changed.
    void targetChanged(const QString &target);

private:
    struct Row
    {
        QString target;
        QString state; ///< the last action event's name without "action." (rolled_back, kept, ...)
        qint64 actionId = 0;
        QString applySql;
        QString rollback; ///< "HH:mm:ss reason" of the last rollback
        QString lastEvent;
        QDateTime heard;
        QList<QJsonObject> history;
        std::map<qint64, QString> pending; ///< action id -> apply SQL, awaiting approval
    };

    std::vector<Row> m_rows;
};

} // namespace vigil
