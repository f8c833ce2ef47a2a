// SPDX-License-Identifier: MIT
// The CSV writer's round trip: any cells (quotes, commas, CR, LF, unicode, empty fields) written by CsvWriter and
// read back by a strict RFC 4180 reader give the same cells, row for row.
#include "csvwriter.h"

#include <QAbstractTableModel>
#include <QBuffer>

#include <cstdint>
#include <cstdlib>

using namespace vigil;

namespace {
void check(bool condition)
{
    if (!condition)
        std::abort();
}

using Rows = QList<QStringList>;

class CellsModel : public QAbstractTableModel
{
public:
    CellsModel(QStringList header, Rows rows)
        : m_header(std::move(header))
        , m_rows(std::move(rows))
    { }
    int rowCount(const QModelIndex &parent = {}) const override { return parent.isValid() ? 0 : int(m_rows.size()); }
    int columnCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : int(m_header.size());
    }
    QVariant data(const QModelIndex &index, int role) const override
    {
        if (role != Qt::DisplayRole)
            return {};
        return m_rows.at(index.row()).value(index.column());
    }
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override
    {
        if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
            return {};
        return m_header.value(section);
    }

private:
    QStringList m_header;
    Rows m_rows;
};

/// RFC 4180, strictly: CRLF after every record, quotes only around a whole field, doubled inside it.
std::optional<Rows> parseCsv(const QString &text)
{
    Rows rows;
    QStringList record;
    QString field;
    qsizetype i = 0;
    const qsizetype n = text.size();
    while (i < n) {
        if (text[i] == u'"') {
            ++i;
            for (;;) {
                if (i >= n)
                    return std::nullopt; // unterminated quote
                if (text[i] == u'"') {
                    if (i + 1 < n && text[i + 1] == u'"') {
                        field += u'"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                field += text[i++];
            }
            if (i < n && text[i] != u',' && text[i] != u'\r')
                return std::nullopt; // text after a closing quote
        } else {
            while (i < n && text[i] != u',' && text[i] != u'\r') {
                if (text[i] == u'"' || text[i] == u'\n')
                    return std::nullopt; // must have been quoted
                field += text[i++];
            }
        }
        if (i >= n)
            return std::nullopt; // no CRLF after the last record
        record << field;
        field.clear();
        if (text[i] == u',') {
            ++i;
            continue;
        }
        if (i + 1 >= n || text[i + 1] != u'\n')
            return std::nullopt; // a bare CR
        i += 2;
        rows << record;
        record.clear();
    }
    return rows;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // Rows end at 0x1e, fields at 0x1f (ASCII record and unit separators): every other byte is cell content.
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    Rows rows;
    qsizetype columns = 1;
    for (const QString &line : text.split(QChar(0x1e))) {
        QStringList cells = line.split(QChar(0x1f));
        columns = std::max(columns, cells.size());
        rows << cells;
    }
    if (columns > 64 || rows.size() > 256)
        return 0;
    for (QStringList &cells : rows)
        while (cells.size() < columns)
            cells << QString();
    QStringList header = rows.takeFirst();

    CellsModel model(header, rows);
    QByteArray out;
    QBuffer buffer(&out);
    buffer.open(QIODevice::WriteOnly);
    CsvWriter writer;
    check(writer.exportModel(model, buffer));
    check(writer.rowsWritten() == rows.size());
    buffer.close();
    check(!out.startsWith("\xEF\xBB\xBF")); // no byte-order mark

    const std::optional<Rows> back = parseCsv(QString::fromUtf8(out));
    check(back.has_value());
    check(back->size() == rows.size() + 1);
    check(back->first() == header);
    for (qsizetype r = 0; r < rows.size(); ++r)
        check(back->at(r + 1) == rows.at(r));
    return 0;
}
