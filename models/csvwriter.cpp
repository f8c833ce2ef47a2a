// SPDX-License-Identifier: MIT
#include "csvwriter.h"

#include "store/csvfield.h"

#include "historyformat.h"

#include <QAbstractItemModel>
#include <QDateTime>
#include <QIODevice>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace vigil {

namespace {

/// Bytes gathered before a write: one write per row would make a 100,000-row export a syscall storm.
constexpr qsizetype kFlushBytes = 64 * 1024;

} // namespace

QString CsvWriter::fieldText(const QVariant &value)
{
    return fieldText(value, TimeFormatter());
}

QString CsvWriter::fieldText(const QVariant &value, const TimeFormatter &times)
{
    if (!value.isValid() || value.isNull())
        return {};
    switch (value.typeId()) {
    case QMetaType::QDateTime:
        return times.iso(value.toDateTime());
    case QMetaType::QDate:
        return value.toDate().toString(Qt::ISODate);
    case QMetaType::Bool:
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QMetaType::QJsonObject:
        return QString::fromUtf8(QJsonDocument(value.toJsonObject()).toJson(QJsonDocument::Compact));
    case QMetaType::QJsonArray:
        return QString::fromUtf8(QJsonDocument(value.toJsonArray()).toJson(QJsonDocument::Compact));
    default:
        return value.toString();
    }
}

QString CsvWriter::escapeField(const QString &field)
{
    return csvField(field); // the one escaping vigilctl's CSV shares
}

bool CsvWriter::exportModel(const QAbstractItemModel &model, QIODevice &device)
{
    m_error.clear();
    m_canceled = false;
    m_rowsWritten = 0;
    if (!device.isOpen() || !device.isWritable()) {
        m_error = QStringLiteral("the output is not open for writing");
        return false;
    }
    QList<int> columns = m_columns;
    if (columns.isEmpty()) {
        for (int c = 0; c < model.columnCount(); ++c)
            columns << c;
    }

    QByteArray buffer;
    buffer.reserve(kFlushBytes + 4096);
    auto flush = [&]() {
        if (buffer.isEmpty())
            return true;
        if (device.write(buffer) != buffer.size()) {
            m_error = QStringLiteral("could not write: %1").arg(device.errorString());
            return false;
        }
        buffer.clear();
        return true;
    };
    QString line;
    auto endLine = [&]() {
        line += QStringLiteral("\r\n");
        buffer += line.toUtf8();
        line.clear();
        return buffer.size() < kFlushBytes || flush();
    };

    if (m_header) {
        for (qsizetype i = 0; i < columns.size(); ++i) {
            if (i > 0)
                line += u',';
            line += escapeField(model.headerData(columns[i], Qt::Horizontal, Qt::DisplayRole).toString());
        }
        if (!endLine())
            return false;
    }

    const TimeFormatter times; // the system's zone, looked up once for the whole export
    const int rows = model.rowCount();
    for (int row = 0; row < rows; ++row) {
        for (qsizetype i = 0; i < columns.size(); ++i) {
            if (i > 0)
                line += u',';
            line += escapeField(fieldText(model.index(row, columns[i]).data(m_role), times));
        }
        if (!endLine())
            return false;
        ++m_rowsWritten;
        if (m_progress && (m_rowsWritten % m_progressInterval == 0) && !m_progress(m_rowsWritten, rows)) {
            m_canceled = true;
            m_error = QStringLiteral("the export was canceled");
            return false;
        }
    }
    if (!flush())
        return false;
    if (m_progress)
        m_progress(m_rowsWritten, rows);
    return true;
}

bool CsvWriter::exportModel(const QAbstractItemModel &model, const QString &path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        m_error = QStringLiteral("could not open %1 for writing: %2").arg(path, file.errorString());
        m_canceled = false;
        m_rowsWritten = 0;
        return false;
    }
    if (!exportModel(model, static_cast<QIODevice &>(file))) {
        file.cancelWriting(); // the existing file, if any, stays as it was
        return false;
    }
    if (!file.commit()) {
        m_error = QStringLiteral("could not save %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace vigil
