// SPDX-License-Identifier: MIT
#include "csvwriter.h"
#include "historyformat.h"

#include <QBuffer>
#include <QDateTime>
#include <QFile>
#include <QJsonObject>
#include <QLocale>
#include <QStandardItemModel>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

using namespace vigil;

namespace {

/**
 * A strict RFC 4180 reader, written for this test: records end with CRLF (the last one too, as the writer ends
 * every line), a quoted field may hold commas, CR, LF and doubled quotes, and a quote anywhere else is an error.
 */
std::optional<QList<QStringList>> parseCsv(const QByteArray &bytes)
{
    const QString text = QString::fromUtf8(bytes);
    QList<QStringList> records;
    QStringList record;
    QString field;
    qsizetype i = 0;
    const qsizetype n = text.size();
    bool fieldStarted = false;
    while (i < n) {
        const QChar c = text.at(i);
        if (!fieldStarted && c == u'"') {
            // A quoted field: up to the closing quote, "" being one quote.
            ++i;
            for (;;) {
                if (i >= n)
                    return std::nullopt; // unterminated
                if (text.at(i) == u'"') {
                    if (i + 1 < n && text.at(i + 1) == u'"') {
                        field += u'"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                field += text.at(i++);
            }
            fieldStarted = true;
            if (i < n && text.at(i) != u',' && text.at(i) != u'\r')
                return std::nullopt; // text after the closing quote
            continue;
        }
        if (c == u',') {
            record << field;
            field.clear();
            fieldStarted = false;
            ++i;
        } else if (c == u'\r') {
            if (i + 1 >= n || text.at(i + 1) != u'\n')
                return std::nullopt; // a bare CR outside quotes
            record << field;
            records << record;
            record.clear();
            field.clear();
            fieldStarted = false;
            i += 2;
        } else if (c == u'\n' || c == u'"') {
            return std::nullopt; // a bare LF, or a quote inside an unquoted field
        } else {
            field += c;
            fieldStarted = true;
            ++i;
        }
    }
    if (fieldStarted || !record.isEmpty())
        return std::nullopt; // the last record did not end with CRLF
    return records;
}

QByteArray exportToBytes(CsvWriter &writer, const QAbstractItemModel &model)
{
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    if (!writer.exportModel(model, buffer))
        return {};
    return buffer.data();
}

} // namespace

class TestCsvWriter : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }

    void parserRejectsMalformedInput_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("LF line end") << QByteArray("a,b\n");
        QTest::newRow("no final line end") << QByteArray("a,b");
        QTest::newRow("unterminated quote") << QByteArray("\"a,b\r\n");
        QTest::newRow("quote inside an unquoted field") << QByteArray("a\"b\r\n");
        QTest::newRow("text after the closing quote") << QByteArray("\"a\"b\r\n");
    }

    void parserRejectsMalformedInput()
    {
        // The reader the round trips rely on must itself be strict, or it would let a bad writer pass.
        QFETCH(QByteArray, bytes);
        QVERIFY(!parseCsv(bytes));
    }

    void escapesAsRfc4180Says_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("escaped");
        QTest::newRow("plain") << QStringLiteral("kept") << QStringLiteral("kept");
        QTest::newRow("empty") << QString() << QString();
        QTest::newRow("comma") << QStringLiteral("a,b") << QStringLiteral("\"a,b\"");
        QTest::newRow("quote doubled") << QStringLiteral("say \"hi\"") << QStringLiteral("\"say \"\"hi\"\"\"");
        QTest::newRow("LF") << QStringLiteral("a\nb") << QStringLiteral("\"a\nb\"");
        QTest::newRow("CR") << QStringLiteral("a\rb") << QStringLiteral("\"a\rb\"");
        QTest::newRow("spaces stay unquoted") << QStringLiteral(" a b ") << QStringLiteral(" a b ");
        QTest::newRow("semicolon stays unquoted") << QStringLiteral("a;b") << QStringLiteral("a;b");
        // Found by fuzz_csvwriter: first in a file, an unquoted U+FEFF reads back as a byte-order mark and is lost.
        QTest::newRow("leading U+FEFF quoted") << QStringLiteral("\uFEFFa") << QStringLiteral("\"\uFEFFa\"");
        QTest::newRow("inner U+FEFF stays unquoted") << QStringLiteral("a\uFEFF") << QStringLiteral("a\uFEFF");
    }

    void escapesAsRfc4180Says()
    {
        QFETCH(QString, field);
        QFETCH(QString, escaped);
        QCOMPARE(CsvWriter::escapeField(field), escaped);
    }

    void trickyFieldsRoundTrip_data()
    {
        QTest::addColumn<QString>("field");
        QTest::newRow("plain") << QStringLiteral("ALTER SYSTEM SET work_mem = '64MB'");
        QTest::newRow("empty") << QString();
        QTest::newRow("comma") << QStringLiteral("CREATE INDEX i ON t (a, b)");
        QTest::newRow("quotes") << QStringLiteral("CREATE INDEX \"Odd\"\"Name\" ON \"T\" (a)");
        QTest::newRow("only a quote") << QStringLiteral("\"");
        QTest::newRow("two quotes") << QStringLiteral("\"\"");
        QTest::newRow("CRLF") << QStringLiteral("UPDATE t SET a = 1\r\nWHERE b = 2");
        QTest::newRow("LF") << QStringLiteral("line one\nline two\n");
        QTest::newRow("CR") << QStringLiteral("a\rb");
        QTest::newRow("everything") << QStringLiteral("a,\"b\"\r\n,c\n\"");
        QTest::newRow("unicode") << QStringLiteral("café — 漢字 — ünïcødé — 🐘");
        QTest::newRow("leading and trailing spaces") << QStringLiteral("  padded  ");
        QTest::newRow("tab") << QStringLiteral("a\tb");
        QTest::newRow("comma only") << QStringLiteral(",");
    }

    void trickyFieldsRoundTrip()
    {
        QFETCH(QString, field);
        // The tricky field in the middle, in the header too, beside plain neighbours.
        QStandardItemModel model(2, 3);
        model.setHorizontalHeaderLabels({ QStringLiteral("id"), field, QStringLiteral("after") });
        model.setItem(0, 0, new QStandardItem(QStringLiteral("1")));
        model.setItem(0, 1, new QStandardItem(field));
        model.setItem(0, 2, new QStandardItem(QStringLiteral("x")));
        model.setItem(1, 0, new QStandardItem(QStringLiteral("2")));
        model.setItem(1, 1, new QStandardItem(field + field));
        model.setItem(1, 2, new QStandardItem(QString()));

        CsvWriter writer;
        const QByteArray bytes = exportToBytes(writer, model);
        QVERIFY2(!bytes.isEmpty(), qPrintable(writer.errorString()));
        QVERIFY(!bytes.startsWith("\xEF\xBB\xBF")); // no byte-order mark
        QVERIFY(bytes.endsWith("\r\n"));
        QCOMPARE(writer.rowsWritten(), 2);

        const auto records = parseCsv(bytes);
        QVERIFY2(records, bytes.constData());
        QCOMPARE(records->size(), 3);
        QCOMPARE(records->at(0), (QStringList { QStringLiteral("id"), field, QStringLiteral("after") }));
        QCOMPARE(records->at(1), (QStringList { QStringLiteral("1"), field, QStringLiteral("x") }));
        QCOMPARE(records->at(2), (QStringList { QStringLiteral("2"), field + field, QString() }));
    }

    void writesUtf8()
    {
        QStandardItemModel model(1, 1);
        model.setItem(0, 0, new QStandardItem(QStringLiteral("é")));
        CsvWriter writer;
        writer.setHeaderEnabled(false);
        QCOMPARE(exportToBytes(writer, model), QByteArray("\xC3\xA9\r\n"));
    }

    void rawValuesAreFormatted()
    {
        const QDateTime utc(QDate(2026, 11, 27), QTime(9, 30, 0, 5), Qt::UTC);
        QCOMPARE(CsvWriter::fieldText(utc), isoWithOffset(utc));
        // Whatever the zone, the text carries its offset and names the same instant.
        QCOMPARE(QDateTime::fromString(CsvWriter::fieldText(utc), Qt::ISODateWithMs).toUTC(), utc);
        QCOMPARE(CsvWriter::fieldText(QVariant()), QString());
        QCOMPARE(CsvWriter::fieldText(true), QStringLiteral("true"));
        QCOMPARE(CsvWriter::fieldText(qint64(100000)), QStringLiteral("100000"));
        QCOMPARE(CsvWriter::fieldText(0.25), QStringLiteral("0.25"));
        QCOMPARE(CsvWriter::fieldText(QJsonObject { { QStringLiteral("a"), 1 } }), QStringLiteral("{\"a\":1}"));
    }

    void exportsTheChosenRoleAndColumns()
    {
        constexpr int kRawRole = Qt::UserRole + 7;
        QStandardItemModel model(2, 3);
        model.setHorizontalHeaderLabels({ QStringLiteral("Time"), QStringLiteral("Name"), QStringLiteral("Note") });
        const QDateTime t0(QDate(2026, 1, 2), QTime(3, 4, 5), Qt::UTC);
        for (int row = 0; row < 2; ++row) {
            auto *time = new QStandardItem(QStringLiteral("shown %1").arg(row));
            time->setData(t0.addSecs(row), kRawRole);
            model.setItem(row, 0, time);
            auto *name = new QStandardItem(QStringLiteral("Name %1").arg(row));
            name->setData(QStringLiteral("name_%1").arg(row), kRawRole);
            model.setItem(row, 1, name);
            model.setItem(row, 2, new QStandardItem(QStringLiteral("note")));
        }
        CsvWriter writer;
        writer.setRole(kRawRole);
        writer.setColumns({ 1, 0 }); // reordered, one left out
        const auto records = parseCsv(exportToBytes(writer, model));
        QVERIFY(records);
        QCOMPARE(records->size(), 3);
        QCOMPARE(records->at(0), (QStringList { QStringLiteral("Name"), QStringLiteral("Time") }));
        QCOMPARE(records->at(2), (QStringList { QStringLiteral("name_1"), isoWithOffset(t0.addSecs(1)) }));
    }

    void reportsProgressAndCanBeCanceled()
    {
        QStandardItemModel model(25, 1);
        for (int row = 0; row < 25; ++row)
            model.setItem(row, 0, new QStandardItem(QString::number(row)));
        CsvWriter writer;
        QList<int> seen;
        writer.setProgress(
            [&](int written, int total) {
                seen << written;
                return total == 25;
            },
            10);
        QVERIFY(!exportToBytes(writer, model).isEmpty());
        QCOMPARE(seen, (QList<int> { 10, 20, 25 }));

        writer.setProgress([](int written, int) { return written < 10; }, 10);
        QBuffer buffer;
        buffer.open(QIODevice::WriteOnly);
        QVERIFY(!writer.exportModel(model, buffer));
        QVERIFY(writer.wasCanceled());
        QVERIFY(!writer.errorString().isEmpty());
    }

    void savesToAFileWholeOrNotAtAll()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("history.csv"));
        QStandardItemModel model(3, 1);
        for (int row = 0; row < 3; ++row)
            model.setItem(row, 0, new QStandardItem(QStringLiteral("row, %1").arg(row)));

        CsvWriter writer;
        QVERIFY2(writer.exportModel(model, path), qPrintable(writer.errorString()));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray saved = file.readAll();
        file.close();
        const auto records = parseCsv(saved);
        QVERIFY(records);
        QCOMPARE(records->size(), 4);
        QCOMPARE(records->at(3).at(0), QStringLiteral("row, 2"));

        // A canceled export leaves the earlier file as it was: QSaveFile never commits.
        writer.setProgress([](int, int) { return false; }, 1);
        QVERIFY(!writer.exportModel(model, path));
        QVERIFY(writer.wasCanceled());
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), saved);
        file.close();

        // A place that cannot be written says why.
        CsvWriter failing;
        QVERIFY(!failing.exportModel(model, dir.filePath(QStringLiteral("no/such/dir/history.csv"))));
        QVERIFY(!failing.wasCanceled());
        QVERIFY2(failing.errorString().contains(QLatin1StringView("history.csv")), qPrintable(failing.errorString()));
    }

    void refusesADeviceNotOpenForWriting()
    {
        QStandardItemModel model(1, 1);
        QBuffer buffer;
        CsvWriter writer;
        QVERIFY(!writer.exportModel(model, buffer));
        QVERIFY(!writer.errorString().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCsvWriter)
#include "tst_csvwriter.moc"
