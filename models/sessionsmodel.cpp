// SPDX-License-Identifier: MIT
#include "sessionsmodel.h"

#include "historyformat.h"

#include <QBrush>
#include <QColor>
#include <QJsonArray>
#include <QMap>

#include <algorithm>

namespace vigil {

namespace {

QString duration(double seconds)
{
    if (seconds < 1)
        return QStringLiteral("%1 ms").arg(qRound(seconds * 1000));
    if (seconds < 10)
        return QStringLiteral("%1 s").arg(seconds, 0, 'f', 1);
    if (seconds < 120)
        return QStringLiteral("%1 s").arg(qRound(seconds));
    if (seconds < 7200)
        return QStringLiteral("%1 min").arg(qRound(seconds / 60));
    return QStringLiteral("%1 h").arg(seconds / 3600, 0, 'f', 1);
}

} // namespace

SessionsModel::SessionsModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

int SessionsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_sessions.size());
}

int SessionsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : COLUMN_COUNT;
}

std::optional<double> SessionsModel::runningSeconds(const Session &s)
{
    if (s.state == QLatin1StringView("active"))
        return s.querySeconds;
    if (s.state.startsWith(QLatin1StringView("idle in transaction")))
        return s.xactSeconds;
    return std::nullopt;
}

QVariant SessionsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const Session &s = m_sessions[std::size_t(index.row())];
    const bool blocked = !s.blockedBy.isEmpty();
    if (role == BlockedRole)
        return blocked;
    const std::optional<double> running = runningSeconds(s);
    QStringList blockers;
    for (const int pid : s.blockedBy)
        blockers << QString::number(pid);
    if (role == Qt::ForegroundRole && blocked)
        return QBrush(QColor(0xc6, 0x28, 0x28)); // with the "blocked by" column's text: not colour alone
    if (role == Qt::ToolTipRole) {
        if (index.column() == QueryColumn)
            return s.query;
        if (index.column() == BlockedByColumn && blocked)
            return tr("Waits for a lock held by session(s) %1").arg(blockers.join(QStringLiteral(", ")));
        if (index.column() == UserColumn)
            return tr("%1 from %2").arg(s.user, s.client);
        return {};
    }
    if (role == SortRole) {
        switch (index.column()) {
        case PidColumn:
            return s.pid;
        case BlockedByColumn:
            return int(s.blockedBy.size());
        case RunningColumn:
            return running.value_or(-1);
        default:
            break;
        }
        role = Qt::DisplayRole;
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case PidColumn:
        return s.pid;
    case UserColumn:
        return s.user;
    case ApplicationColumn:
        return s.application;
    case StateColumn:
        return s.state.isEmpty() ? tr("unavailable") : s.state;
    case WaitingColumn:
        // An idle session always "waits" for its client to send something: not a wait a DBA looks for.
        if (s.waitType.isEmpty() || (s.state == QLatin1StringView("idle") && s.waitType == QLatin1StringView("Client")))
            return QString();
        return QString(s.waitType + QStringLiteral(": ") + s.waitEvent);
    case BlockedByColumn:
        return blockers.join(QStringLiteral(", "));
    case RunningColumn:
        return running ? duration(*running) : QString();
    case QueryColumn:
        return shortSql(s.query, 200);
    default:
        return {};
    }
}

QVariant SessionsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case PidColumn:
            return tr("PID");
        case UserColumn:
            return tr("User");
        case ApplicationColumn:
            return tr("Application");
        case StateColumn:
            return tr("State");
        case WaitingColumn:
            return tr("Waiting for");
        case BlockedByColumn:
            return tr("Blocked by");
        case RunningColumn:
            return tr("Running for");
        case QueryColumn:
            return tr("Query (the current or last one)");
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case WaitingColumn:
            return tr("pg_stat_activity's wait event: Lock means a lock another session holds; IO, LWLock and "
                      "Client are waits inside the server or for the client");
        case BlockedByColumn:
            return tr("The sessions holding the lock this one waits for (pg_blocking_pids)");
        case RunningColumn:
            return tr("An active session: how long its statement has run. Idle in transaction: how long its "
                      "transaction has been open (it holds its locks all that time)");
        default:
            return {};
        }
    }
    return {};
}

int SessionsModel::activeCount() const
{
    return int(std::count_if(
        m_sessions.begin(), m_sessions.end(), [](const Session &s) { return s.state == QLatin1StringView("active"); }));
}

int SessionsModel::blockedCount() const
{
    return int(
        std::count_if(m_sessions.begin(), m_sessions.end(), [](const Session &s) { return !s.blockedBy.isEmpty(); }));
}

QList<int> SessionsModel::blockers() const
{
    QMap<int, int> blocking; // pid -> sessions it blocks
    for (const Session &s : m_sessions)
        for (const int pid : s.blockedBy)
            ++blocking[pid];
    QList<int> pids = blocking.keys();
    std::stable_sort(pids.begin(), pids.end(), [&blocking](int a, int b) { return blocking[a] > blocking[b]; });
    return pids;
}

void SessionsModel::onEvent(const EngineEvent &event)
{
    if (event.name() != QLatin1StringView("sessions"))
        return;
    const QJsonObject payload = event.fields();
    std::vector<Session> sessions;
    for (const QJsonValue &v : payload.value(QLatin1StringView("sessions")).toArray()) {
        const QJsonObject o = v.toObject();
        Session s;
        s.pid = o.value(QLatin1StringView("pid")).toInt();
        s.user = o.value(QLatin1StringView("user")).toString();
        s.application = o.value(QLatin1StringView("application")).toString();
        s.client = o.value(QLatin1StringView("client")).toString();
        s.state = o.value(QLatin1StringView("state")).toString();
        s.waitType = o.value(QLatin1StringView("wait_event_type")).toString();
        s.waitEvent = o.value(QLatin1StringView("wait_event")).toString();
        s.query = o.value(QLatin1StringView("query")).toString();
        for (const char *key : { "query_seconds", "xact_seconds" }) {
            const QJsonValue seconds = o.value(QLatin1StringView(key));
            (key[0] == 'q' ? s.querySeconds : s.xactSeconds)
                = seconds.isDouble() ? std::optional<double>(seconds.toDouble()) : std::nullopt;
        }
        for (const QJsonValue &pid : o.value(QLatin1StringView("blocked_by")).toArray())
            s.blockedBy << pid.toInt();
        sessions.push_back(std::move(s));
    }
    m_hasReading = true;
    // Merged by pid rather than reset, so a DBA's selection and scroll survive the reading every 5 s.
    for (int row = int(m_sessions.size()) - 1; row >= 0; --row) {
        const int pid = m_sessions[std::size_t(row)].pid;
        if (std::none_of(sessions.begin(), sessions.end(), [pid](const Session &n) { return n.pid == pid; })) {
            beginRemoveRows({}, row, row);
            m_sessions.erase(m_sessions.begin() + row);
            endRemoveRows();
        }
    }
    for (Session &fresh : sessions) {
        const auto same = std::find_if(
            m_sessions.begin(), m_sessions.end(), [&fresh](const Session &s) { return s.pid == fresh.pid; });
        if (same != m_sessions.end()) {
            *same = std::move(fresh);
            const int row = int(same - m_sessions.begin());
            emit dataChanged(index(row, 0), index(row, COLUMN_COUNT - 1));
        } else {
            beginInsertRows({}, rowCount(), rowCount());
            m_sessions.push_back(std::move(fresh));
            endInsertRows();
        }
    }
    emit headerDataChanged(Qt::Horizontal, 0, COLUMN_COUNT - 1); // the page's summary line reads the counts anew
}

void SessionsModel::clear()
{
    beginResetModel();
    m_sessions.clear();
    m_hasReading = false;
    endResetModel();
}

} // namespace vigil
