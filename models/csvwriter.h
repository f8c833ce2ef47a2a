// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QString>
#include <QVariant>

#include <functional>

class QAbstractItemModel;
class QIODevice;

namespace vigil {

class TimeFormatter;

/**
 * Writes what an item model shows as CSV (RFC 4180): one header line from headerData(), then one line per row, in the
 * model's order (a filter proxy's order is what its view shows). Lines end with CRLF; a field is quoted when it holds
 * a comma, a quote, CR or LF (or starts with U+FEFF, which a reader would take for a byte-order mark), with its quotes
 * doubled; UTF-8 without a byte-order mark. Cells are read with one role
 * (raw values: ActionHistoryModel::ExportRole); a QDateTime becomes ISO 8601 in local time with its UTC offset.
 *
 * Only rows the model has are written: fetch the rest first (ActionHistoryModel::fetchAll) to export everything.
 */
class CsvWriter
{
public:
    /// Called every `progressInterval()` rows and at the end with the rows written and the total; returning false
    /// cancels the export (nothing is committed to a file).
    using Progress = std::function<bool(int written, int total)>;

    /// The role cells are read with; Qt::DisplayRole unless set.
    void setRole(int role) { m_role = role; }
    /// The model's columns to write, in this order; empty (the default) writes every column in model order.
    void setColumns(const QList<int> &columns) { m_columns = columns; }
    void setHeaderEnabled(bool enabled) { m_header = enabled; }
    void setProgress(Progress progress, int interval = 1000)
    {
        m_progress = std::move(progress);
        m_progressInterval = qMax(1, interval);
    }

    /// Writes to an open device. False on a write error or a cancel, with errorString() saying which.
    bool exportModel(const QAbstractItemModel &model, QIODevice &device);
    /// Writes to `path` through QSaveFile: the file appears whole, or an existing one is left untouched.
    bool exportModel(const QAbstractItemModel &model, const QString &path);

    QString errorString() const { return m_error; }
    bool wasCanceled() const { return m_canceled; }
    int rowsWritten() const { return m_rowsWritten; }

    /// A cell's text before quoting: ISO 8601 with offset for times (in `times`' zone), compact JSON for objects,
    /// "" for null.
    static QString fieldText(const QVariant &value, const TimeFormatter &times);
    /// The same in the system's zone.
    static QString fieldText(const QVariant &value);
    /// The field as it goes into a line: quoted and its quotes doubled when RFC 4180 requires it.
    static QString escapeField(const QString &field);

private:
    int m_role = Qt::DisplayRole;
    QList<int> m_columns;
    bool m_header = true;
    Progress m_progress;
    int m_progressInterval = 1000;
    QString m_error;
    bool m_canceled = false;
    int m_rowsWritten = 0;
};

} // namespace vigil
