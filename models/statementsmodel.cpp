// SPDX-License-Identifier: MIT
#include "statementsmodel.h"

#include "historyformat.h"
#include "metrics/numberformat.h"

#include <algorithm>

namespace vigil {

namespace {
/// Rows shown: the costliest statements; the rest are a long tail nobody reads here.
constexpr std::size_t kMaxRows = 100;
} // namespace

StatementsModel::StatementsModel(double spanSeconds, QObject *parent)
    : QAbstractTableModel(parent)
    , m_spanSeconds(spanSeconds)
{ }

int StatementsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int StatementsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : COLUMN_COUNT;
}

void StatementsModel::clear()
{
    beginResetModel();
    m_samples.clear();
    m_texts.clear();
    m_referenceMeanMs.clear();
    m_referenceSql.clear();
    m_rows.clear();
    m_totalMsPerSecond = 0;
    endResetModel();
}

void StatementsModel::addSample(const Sample &sample)
{
    if (!sample.valid || sample.statementsReset)
        return;
    m_samples.push_back(sample);
    while (!m_samples.empty() && sample.tEnd - m_samples.front().tStart > m_spanSeconds + 1e-6)
        m_samples.pop_front();
    rebuild();
}

double StatementsModel::pooledSeconds() const
{
    double seconds = 0;
    for (const Sample &s : m_samples)
        seconds += s.seconds();
    return seconds;
}

std::vector<StatementsModel::Pooled> StatementsModel::pool() const
{
    // Calls and time add up across intervals: the mean is total time over total calls, not a mean of means.
    QHash<qint64, Pooled> pooled;
    const double seconds = pooledSeconds();
    for (const Sample &s : m_samples) {
        for (const StatementInterval &st : s.statements) {
            Pooled &p = pooled[st.queryId];
            p.queryId = st.queryId;
            p.calls += st.calls;
            p.totalMs += st.calls * st.meanMs;
        }
    }
    std::vector<Pooled> rows;
    rows.reserve(std::size_t(pooled.size()));
    for (Pooled p : pooled) {
        p.callsPerSecond = seconds > 0 ? p.calls / seconds : 0;
        rows.push_back(p);
    }
    std::sort(rows.begin(), rows.end(), [](const Pooled &a, const Pooled &b) { return a.totalMs > b.totalMs; });
    return rows;
}

void StatementsModel::rebuild()
{
    beginResetModel();
    m_rows = pool();
    const double seconds = pooledSeconds();
    double totalMs = 0;
    for (const Pooled &p : m_rows)
        totalMs += p.totalMs;
    m_totalMsPerSecond = seconds > 0 ? totalMs / seconds : 0;
    if (m_rows.size() > kMaxRows)
        m_rows.resize(kMaxRows);
    endResetModel();
}

void StatementsModel::onEvent(const EngineEvent &event)
{
    const ActionEvent *action = event.action();
    if (const SampleEvent *sample = event.sample())
        addSample(sample->sample);
    else if (event.name() == QLatin1StringView("statements.named")) {
        const QJsonObject texts = event.fields().value(QLatin1StringView("texts")).toObject();
        for (auto it = texts.begin(); it != texts.end(); ++it)
            m_texts.insert(it.key().toLongLong(), it.value().toString());
        if (!m_rows.empty())
            emit dataChanged(index(0, StatementColumn), index(rowCount() - 1, StatementColumn));
    } else if (action && action->transition == QLatin1StringView("executed")) {
        // The minute before the action is what its statements are compared with from now on.
        m_referenceMeanMs.clear();
        for (const Pooled &p : pool())
            m_referenceMeanMs.insert(p.queryId, p.meanMs());
        m_referenceSql = action->applySql;
        m_samples.clear(); // the rows now show the statements with the action in place
        rebuild();
        emit headerDataChanged(Qt::Horizontal, ChangeColumn, ChangeColumn);
    }
}

QVariant StatementsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const Pooled &p = m_rows[std::size_t(index.row())];
    const double timePerSecond = m_samples.empty() ? 0 : p.callsPerSecond * p.meanMs();
    // Its mean over the minute before the last action; absent when it did not run then.
    const auto reference = m_referenceMeanMs.constFind(p.queryId);
    const bool ranBefore = reference != m_referenceMeanMs.constEnd();
    const double before = ranBefore ? reference.value() : 0.0;
    const QString text = m_texts.value(p.queryId);
    if (role == QueryIdRole)
        return p.queryId;
    if (role == SortRole) {
        switch (index.column()) {
        case StatementColumn:
            return text;
        case CallsColumn:
            return p.callsPerSecond;
        case MeanColumn:
            return p.meanMs();
        case TimeColumn:
        case ShareColumn:
            return timePerSecond;
        case ChangeColumn:
            return before > 0 ? p.meanMs() / before - 1.0 : 0.0;
        }
    }
    if (role == Qt::ToolTipRole && index.column() == StatementColumn)
        return text.isEmpty() ? tr("queryid %1 (its text has not been read yet)").arg(p.queryId) : text;
    if (role == Qt::TextAlignmentRole && index.column() != StatementColumn)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case StatementColumn:
        return text.isEmpty() ? tr("queryid %1").arg(p.queryId) : oneLine(text);
    case CallsColumn:
        return numbers::significant(p.callsPerSecond);
    case MeanColumn:
        return numbers::milliseconds(p.meanMs());
    case TimeColumn:
        return numbers::milliseconds(timePerSecond);
    case ShareColumn:
        return m_totalMsPerSecond > 0
            ? QStringLiteral("%1 %").arg(100.0 * timePerSecond / m_totalMsPerSecond, 0, 'f', 0)
            : QString();
    case ChangeColumn:
        if (m_referenceSql.isEmpty())
            return QString();
        if (!ranBefore)
            return tr("new");
        return before > 0 ? numbers::change(p.meanMs() / before - 1.0) : QString();
    }
    return {};
}

QVariant StatementsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case CallsColumn:
            return tr("Executions per second over the last minute");
        case MeanColumn:
            return tr("Mean execution time per call (pg_stat_statements: time inside the server)");
        case TimeColumn:
            return tr("Execution time spent per second of wall time: what the statement costs the server");
        case ShareColumn:
            return tr("Its share of all statement time");
        case ChangeColumn:
            return m_referenceSql.isEmpty()
                ? tr("The change of its mean time since the last action, once there is one")
                : tr("The change of its mean time since \"%1\" was applied, against the minute before it")
                      .arg(oneLine(m_referenceSql));
        default:
            return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case StatementColumn:
        return tr("Statement");
    case CallsColumn:
        return tr("Calls/s");
    case MeanColumn:
        return tr("Mean");
    case TimeColumn:
        return tr("Time/s");
    case ShareColumn:
        return tr("Share");
    case ChangeColumn:
        return tr("Since the last action");
    }
    return {};
}

} // namespace vigil
