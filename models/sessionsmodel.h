// SPDX-License-Identifier: MIT
#pragma once

#include "events/engineevent.h"

#include <QAbstractTableModel>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>
#include <vector>

namespace vigil {

/**
 * The target's client sessions now, as the engine read them from pg_stat_activity (event `sessions`, every 5 s):
 * who is connected, what each runs or waits for, for how long, and which sessions block which. No SQL here.
 */
class SessionsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Columns {
        PidColumn,
        UserColumn,
        ApplicationColumn,
        StateColumn,
        WaitingColumn,
        BlockedByColumn,
        RunningColumn,
        QueryColumn,
        COLUMN_COUNT
    };
    Q_ENUM(Columns)
    enum Roles {
        SortRole = Qt::UserRole, ///< per column: the value to sort by
        BlockedRole, ///< bool: the session waits for a lock another session holds
    };

    explicit SessionsModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /// Sessions running a statement now.
    int activeCount() const;
    /// Sessions waiting for a lock another session holds.
    int blockedCount() const;
    /// The pids that block others, most blocking first.
    QList<int> blockers() const;
    /// True once a first reading arrived.
    bool hasReading() const { return m_hasReading; }

public slots:
    void onEvent(const vigil::EngineEvent &event);
    /// Another target: everything goes.
    void clear();

private:
    struct Session
    {
        int pid = 0;
        QString user, application, client, state, waitType, waitEvent, query;
        std::optional<double> querySeconds, xactSeconds;
        QList<int> blockedBy;
    };
    /// How long it has been at it: its statement when it runs one, else its open transaction; empty when idle.
    static std::optional<double> runningSeconds(const Session &s);

    std::vector<Session> m_sessions;
    bool m_hasReading = false;
};

} // namespace vigil
