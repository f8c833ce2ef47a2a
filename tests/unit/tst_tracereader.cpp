// SPDX-License-Identifier: MIT
#include "collect/tracereader.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QLocale>
#include <QTest>

#include <algorithm>

using namespace vigil;

namespace {

const QByteArray kHeader = QByteArrayLiteral(R"({"type":"header","format":"vigil-trace/1"})"
                                             "\n");

/// A sample line with nothing but its time: the smallest valid sample.
QByteArray bareSample(double t)
{
    return QByteArrayLiteral(R"({"type":"sample","t":)") + QByteArray::number(t) + QByteArrayLiteral("}\n");
}

std::optional<Trace> readBytes(TraceReader &reader, const QByteArray &bytes)
{
    QBuffer buffer;
    buffer.setData(bytes);
    if (!buffer.open(QIODevice::ReadOnly))
        return std::nullopt;
    return reader.read(buffer);
}

/// Header + two samples + a note + two actions, written the way the recorder writes them (one object a line).
QByteArray minimalTrace()
{
    return QByteArrayLiteral(
        R"({"type":"header","format":"vigil-trace/1","interval_s":0.5,"server_version":"15.4",)"
        R"("workload":"unit test workload","statements":{"42":"SELECT 1","-1501324149581294150":"UPDATE t SET x = $1"}})"
        "\n"
        R"({"type":"sample","t":0.5,"pgss":[["9223372036854775807",7,70.0,10.0,1.5,7],)"
        R"(["42",10,5.0,0.5,0.1,10,100,4,2],["-1501324149581294150",3,30.0,10.0,2.0,3]],)"
        R"("db":{"xact_commit":1000,"xact_rollback":3,"blks_hit":5000,"blks_read":250,"tup_returned":7000,)"
        R"("tup_fetched":600,"tup_inserted":50,"tup_updated":40,"tup_deleted":30,"temp_bytes":8192,"deadlocks":1},)"
        R"("act":{"total":12,"active":4,"idle":6,"idle_in_transaction":1,"waiting":1,"max_connections":100},)"
        R"("sys":{"cpu_pct":37.5,"steal_pct":12.5,"mem_pct":61.25,"load1":1.75,"storage_wait_ms":3.25},"probe_ms":0.0625,"cpu_probe_ms":1.125})"
        "\n"
        R"({"type":"note","t":0.7,"text":"external CPU load for 10 s"})"
        "\n"
        R"({"type":"action","t":0.8,"id":"a1","kind":"set_parameter",)"
        R"("apply_sql":"ALTER SYSTEM SET random_page_cost = 40",)"
        R"("rollback_sql":"ALTER SYSTEM RESET random_page_cost","finished_t":0.9})"
        "\n"
        R"({"type":"sample","t":1.0,"pgss":[["42",12,6.0,0.5,0.1,12]]})"
        "\n"
        R"({"type":"action","t":1.2,"id":"a2","kind":"create_index"})"
        "\n");
}

} // namespace

class TestTraceReader : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }

    void readsHeader()
    {
        TraceReader reader;
        const std::optional<Trace> trace = readBytes(reader, minimalTrace());
        QVERIFY2(trace, qPrintable(reader.error().toString()));
        QCOMPARE(reader.error().line, qint64(0));
        QVERIFY(reader.error().message.isEmpty());

        QCOMPARE(trace->tickSeconds, 0.5);
        QCOMPARE(trace->serverVersion, QStringLiteral("15.4"));
        QCOMPARE(trace->workload, QStringLiteral("unit test workload"));
        QCOMPARE(trace->statementTexts.size(), 2);
        QCOMPARE(trace->statementTexts.value(42), QStringLiteral("SELECT 1"));
        QCOMPARE(trace->statementTexts.value(Q_INT64_C(-1501324149581294150)), QStringLiteral("UPDATE t SET x = $1"));
    }

    void headerDefaults()
    {
        TraceReader reader;
        const std::optional<Trace> trace = readBytes(reader, kHeader + bareSample(3));
        QVERIFY2(trace, qPrintable(reader.error().toString()));
        QCOMPARE(trace->tickSeconds, 1.0);
        QVERIFY(trace->serverVersion.isEmpty());
        QVERIFY(trace->workload.isEmpty());
        QVERIFY(trace->statementTexts.isEmpty());
        QCOMPARE(trace->snapshots.size(), std::size_t(1));
        QVERIFY(trace->actions.empty());
    }

    void readsSamples()
    {
        TraceReader reader;
        const std::optional<Trace> trace = readBytes(reader, minimalTrace());
        QVERIFY2(trace, qPrintable(reader.error().toString()));
        // The note line between the samples is not a snapshot.
        QCOMPARE(trace->snapshots.size(), std::size_t(2));

        const Snapshot &first = trace->snapshots[0];
        QCOMPARE(first.t, 0.5);
        QVERIFY(first.hasStatements);
        QCOMPARE(first.statements.size(), std::size_t(3));
        // Sorted by queryId, whatever the order in the file; 64-bit ids survive exactly.
        QCOMPARE(first.statements[0].queryId, Q_INT64_C(-1501324149581294150));
        QCOMPARE(first.statements[1].queryId, Q_INT64_C(42));
        QCOMPARE(first.statements[2].queryId, Q_INT64_C(9223372036854775807));

        const StatementCounters &update = first.statements[0];
        QCOMPARE(update.calls, 3.0);
        QCOMPARE(update.totalExecMs, 30.0);
        QCOMPARE(update.meanExecMs, 10.0);
        QCOMPARE(update.stddevExecMs, 2.0);
        QCOMPARE(update.rows, 3.0);
        QVERIFY(!update.hasBlocks);

        const StatementCounters &select = first.statements[1];
        QCOMPARE(select.calls, 10.0);
        QCOMPARE(select.totalExecMs, 5.0);
        QCOMPARE(select.meanExecMs, 0.5);
        QCOMPARE(select.stddevExecMs, 0.1);
        QCOMPARE(select.rows, 10.0);
        QVERIFY(select.hasBlocks);
        QCOMPARE(select.sharedBlksHit, 100.0);
        QCOMPARE(select.sharedBlksRead, 4.0);
        QCOMPARE(select.tempBlksWritten, 2.0);

        QCOMPARE(first.db.xactCommit.value_or(-1), 1000.0);
        QCOMPARE(first.db.xactRollback.value_or(-1), 3.0);
        QCOMPARE(first.db.blksHit.value_or(-1), 5000.0);
        QCOMPARE(first.db.blksRead.value_or(-1), 250.0);
        QCOMPARE(first.db.tupReturned.value_or(-1), 7000.0);
        QCOMPARE(first.db.tupFetched.value_or(-1), 600.0);
        QCOMPARE(first.db.tupInserted.value_or(-1), 50.0);
        QCOMPARE(first.db.tupUpdated.value_or(-1), 40.0);
        QCOMPARE(first.db.tupDeleted.value_or(-1), 30.0);
        QCOMPARE(first.db.tempBytes.value_or(-1), 8192.0);
        QCOMPARE(first.db.deadlocks.value_or(-1), 1.0);
        QCOMPARE(first.activity.total.value_or(-1), 12.0);
        QCOMPARE(first.activity.active.value_or(-1), 4.0);
        QCOMPARE(first.activity.idle.value_or(-1), 6.0);
        QCOMPARE(first.activity.idleInTransaction.value_or(-1), 1.0);
        QCOMPARE(first.activity.waiting.value_or(-1), 1.0);
        QCOMPARE(first.activity.maxConnections.value_or(-1), 100.0);
        QCOMPARE(first.host.cpuPct.value_or(-1), 37.5);
        QCOMPARE(first.host.stealPct.value_or(-1), 12.5);
        QCOMPARE(first.host.memPct.value_or(-1), 61.25);
        QCOMPARE(first.host.load1.value_or(-1), 1.75);
        QCOMPARE(first.host.storageWaitMs.value_or(-1), 3.25);
        QCOMPARE(first.probeMs.value_or(-1), 0.0625);
        QCOMPARE(first.cpuProbeMs.value_or(-1), 1.125);

        // The second sample has pgss only: everything else is unknown, not zero.
        const Snapshot &second = trace->snapshots[1];
        QCOMPARE(second.t, 1.0);
        QVERIFY(second.hasStatements);
        QCOMPARE(second.statements.size(), std::size_t(1));
        QCOMPARE(second.statements[0].queryId, Q_INT64_C(42));
        QCOMPARE(second.statements[0].calls, 12.0);
        QVERIFY(!second.statements[0].hasBlocks);
        QVERIFY(!second.db.xactCommit);
        QVERIFY(!second.db.deadlocks);
        QVERIFY(!second.activity.total);
        QVERIFY(!second.activity.maxConnections);
        QVERIFY(!second.host.cpuPct);
        QVERIFY(!second.host.stealPct);
        QVERIFY(!second.host.load1);
        QVERIFY(!second.host.storageWaitMs);
        QVERIFY(!second.probeMs);
        QVERIFY(!second.cpuProbeMs);
    }

    void readsActions()
    {
        TraceReader reader;
        const std::optional<Trace> trace = readBytes(reader, minimalTrace());
        QVERIFY2(trace, qPrintable(reader.error().toString()));
        QCOMPARE(trace->actions.size(), std::size_t(2));

        const TraceAction &a1 = trace->actions[0];
        QCOMPARE(a1.id, QStringLiteral("a1"));
        QCOMPARE(a1.kind, QStringLiteral("set_parameter"));
        QCOMPARE(a1.t, 0.8);
        QCOMPARE(a1.finishedT, 0.9);
        QCOMPARE(a1.applySql, QStringLiteral("ALTER SYSTEM SET random_page_cost = 40"));
        QCOMPARE(a1.rollbackSql, QStringLiteral("ALTER SYSTEM RESET random_page_cost"));

        // No finished_t: the action finished when it started. No SQL given: empty.
        const TraceAction &a2 = trace->actions[1];
        QCOMPARE(a2.id, QStringLiteral("a2"));
        QCOMPARE(a2.kind, QStringLiteral("create_index"));
        QCOMPARE(a2.t, 1.2);
        QCOMPARE(a2.finishedT, 1.2);
        QVERIFY(a2.applySql.isEmpty());
        QVERIFY(a2.rollbackSql.isEmpty());
    }

    void bufferColumns_data()
    {
        QTest::addColumn<QByteArray>("row");
        QTest::addColumn<bool>("hasBlocks");
        QTest::addColumn<double>("hit");
        QTest::addColumn<double>("read");
        QTest::addColumn<double>("tempWritten");

        QTest::newRow("six columns: no buffer counters")
            << QByteArray(R"(["7",5,10.0,2.0,0.5,5])") << false << 0.0 << 0.0 << 0.0;
        QTest::newRow("nine columns: buffer counters present")
            << QByteArray(R"(["7",5,10.0,2.0,0.5,5,1200,30,4])") << true << 1200.0 << 30.0 << 4.0;
        QTest::newRow("nine columns, all buffer counters zero")
            << QByteArray(R"(["7",5,10.0,2.0,0.5,5,0,0,0])") << true << 0.0 << 0.0 << 0.0;
    }

    void bufferColumns()
    {
        QFETCH(QByteArray, row);
        QFETCH(bool, hasBlocks);
        QFETCH(double, hit);
        QFETCH(double, read);
        QFETCH(double, tempWritten);

        TraceReader reader;
        const std::optional<Trace> trace
            = readBytes(reader, kHeader + R"({"type":"sample","t":1,"pgss":[)" + row + "]}\n");
        QVERIFY2(trace, qPrintable(reader.error().toString()));
        QCOMPARE(trace->snapshots.size(), std::size_t(1));
        QCOMPARE(trace->snapshots[0].statements.size(), std::size_t(1));
        const StatementCounters &s = trace->snapshots[0].statements[0];
        QCOMPARE(s.queryId, Q_INT64_C(7));
        QCOMPARE(s.calls, 5.0);
        QCOMPARE(s.totalExecMs, 10.0);
        QCOMPARE(s.rows, 5.0);
        QCOMPARE(s.hasBlocks, hasBlocks);
        QCOMPARE(s.sharedBlksHit, hit);
        QCOMPARE(s.sharedBlksRead, read);
        QCOMPARE(s.tempBlksWritten, tempWritten);
    }

    void missingSections_data()
    {
        QTest::addColumn<QByteArray>("sample");
        QTest::addColumn<bool>("hasStatements");
        QTest::addColumn<int>("statementCount");
        QTest::addColumn<bool>("hasCommit");
        QTest::addColumn<bool>("hasActive");
        QTest::addColumn<bool>("hasCpu");

        QTest::newRow("only t") << QByteArray(R"({"type":"sample","t":1})") << false << 0 << false << false << false;
        QTest::newRow("pgss null is unreadable, not empty")
            << QByteArray(R"({"type":"sample","t":1,"pgss":null})") << false << 0 << false << false << false;
        QTest::newRow("empty pgss array is readable and empty")
            << QByteArray(R"({"type":"sample","t":1,"pgss":[]})") << true << 0 << false << false << false;
        QTest::newRow("empty db/act/sys objects") << QByteArray(R"({"type":"sample","t":1,"db":{},"act":{},"sys":{}})")
                                                  << false << 0 << false << false << false;
        QTest::newRow("null fields count as absent")
            << QByteArray(R"({"type":"sample","t":1,"db":{"xact_commit":null},"act":{"active":null},"sys":null})")
            << false << 0 << false << false << false;
        QTest::newRow("one field of each section")
            << QByteArray(R"({"type":"sample","t":1,"db":{"xact_commit":0},"act":{"active":0},"sys":{"cpu_pct":0}})")
            << false << 0 << true << true << true;
    }

    void missingSections()
    {
        QFETCH(QByteArray, sample);
        QFETCH(bool, hasStatements);
        QFETCH(int, statementCount);
        QFETCH(bool, hasCommit);
        QFETCH(bool, hasActive);
        QFETCH(bool, hasCpu);

        TraceReader reader;
        const std::optional<Trace> trace = readBytes(reader, kHeader + sample + '\n');
        QVERIFY2(trace, qPrintable(reader.error().toString()));
        QCOMPARE(trace->snapshots.size(), std::size_t(1));
        const Snapshot &s = trace->snapshots[0];
        QCOMPARE(s.hasStatements, hasStatements);
        QCOMPARE(int(s.statements.size()), statementCount);
        QCOMPARE(s.db.xactCommit.has_value(), hasCommit);
        QCOMPARE(s.activity.active.has_value(), hasActive);
        QCOMPARE(s.host.cpuPct.has_value(), hasCpu);
        if (hasCommit) // a present zero stays a zero
            QCOMPARE(*s.db.xactCommit, 0.0);
        // Fields never written are absent in every row.
        QVERIFY(!s.db.xactRollback);
        QVERIFY(!s.db.tempBytes);
        QVERIFY(!s.activity.total);
        QVERIFY(!s.activity.waiting);
        QVERIFY(!s.host.memPct);
        QVERIFY(!s.host.load1);
    }

    void acceptedLayouts_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<int>("snapshots");
        QTest::addColumn<int>("actions");

        QTest::newRow("header only") << kHeader << 0 << 0;
        QTest::newRow("header without final newline") << kHeader.trimmed() << 0 << 0;
        QTest::newRow("last sample without final newline")
            << kHeader + bareSample(1) + bareSample(2).trimmed() << 2 << 0;
        QTest::newRow("CRLF line endings") << QByteArray(R"({"type":"header","format":"vigil-trace/1"})"
                                                         "\r\n"
                                                         R"({"type":"sample","t":1})"
                                                         "\r\n"
                                                         R"({"type":"sample","t":2})"
                                                         "\r\n")
                                           << 2 << 0;
        QTest::newRow("blank lines between and after") << kHeader + "\n" + bareSample(1) + "\n\n" + bareSample(2) + "\n"
                                                       << 2 << 0;
        QTest::newRow("notes only are no samples")
            << kHeader + R"({"type":"note","t":1,"text":"a"})" + "\n" + R"({"type":"note","t":0.5,"text":"b"})" + "\n"
            << 0 << 0;
        QTest::newRow("action before the first sample")
            << kHeader + R"({"type":"action","t":0,"id":"x","kind":"other"})" + "\n" + bareSample(1) << 1 << 1;
        QTest::newRow("every action kind") << kHeader + R"({"type":"action","t":1,"id":"a","kind":"create_index"})"
                + "\n" + R"({"type":"action","t":2,"id":"b","kind":"drop_index"})" + "\n"
                + R"({"type":"action","t":3,"id":"c","kind":"set_parameter"})" + "\n"
                + R"({"type":"action","t":4,"id":"d","kind":"other"})"
                + "\n" << 0 << 4;
    }

    void acceptedLayouts()
    {
        QFETCH(QByteArray, input);
        QFETCH(int, snapshots);
        QFETCH(int, actions);

        TraceReader reader;
        const std::optional<Trace> trace = readBytes(reader, input);
        QVERIFY2(trace, qPrintable(reader.error().toString()));
        QCOMPARE(int(trace->snapshots.size()), snapshots);
        QCOMPARE(int(trace->actions.size()), actions);
        for (std::size_t i = 0; i < trace->snapshots.size(); ++i)
            QCOMPARE(trace->snapshots[i].t, double(i + 1));
    }

    void rejectsMalformed_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<qint64>("line");
        QTest::addColumn<QString>("mentions");

        const QByteArray sampleT1 = bareSample(1);

        QTest::newRow("empty file") << QByteArray() << qint64(1) << QStringLiteral("empty");
        QTest::newRow("only blank lines") << QByteArray("\n\n  \n") << qint64(1) << QStringLiteral("empty");
        QTest::newRow("bad JSON in the header")
            << QByteArray("{\"type\":\"header\",\n") << qint64(1) << QStringLiteral("invalid JSON");
        QTest::newRow("bad JSON in a sample (trailing comma)") << kHeader + sampleT1 + R"({"type":"sample","t":2,})"
                + "\n" << qint64(3) << QStringLiteral("invalid JSON");
        QTest::newRow("bad JSON after blank lines counts the blank lines") << kHeader + "\n\n"
                + R"({"type":"sample" "t":2})" + "\n" << qint64(4) << QStringLiteral("invalid JSON");
        // An ordinary literal here: moc's lexer misreads a raw string holding an odd number of quotes.
        QTest::newRow("bad JSON in a note line") << kHeader + "{\"type\":\"note\",\"t\":1,\"text\":\"unterminated}\n"
                                                 << qint64(2) << QStringLiteral("invalid JSON");
        QTest::newRow("truncated last line (no closing brace, no newline)")
            << kHeader + sampleT1 + R"({"type":"sample","t":2,"db":{"xact_commit":12)" << qint64(3)
            << QStringLiteral("truncated");
        QTest::newRow("array instead of an object") << kHeader + "[1,2,3]\n" << qint64(2) << QStringLiteral("object");
        QTest::newRow("a probe round trip that is not a number")
            << kHeader + sampleT1 + R"({"type":"sample","t":2,"probe_ms":"fast"})" + "\n"
            << qint64(3) << QStringLiteral("probe_ms");
        QTest::newRow("string instead of an object") << kHeader + sampleT1 + "\"sample\"\n"
                                                     << qint64(3) << QStringLiteral("JSON");
        QTest::newRow("header line is an array")
            << QByteArray("[\"header\"]\n") << qint64(1) << QStringLiteral("object");
        QTest::newRow("first line is a sample, not the header") << sampleT1 << qint64(1) << QStringLiteral("header");
        QTest::newRow("header without type") << QByteArray(R"({"format":"vigil-trace/1"})"
                                                           "\n")
                                             << qint64(1) << QStringLiteral("header");
        QTest::newRow("unknown format vigil-trace/2") << QByteArray(R"({"type":"header","format":"vigil-trace/2"})"
                                                                    "\n")
                                                      << qint64(1) << QStringLiteral("vigil-trace/2");
        QTest::newRow("header without format") << QByteArray(R"({"type":"header"})"
                                                             "\n")
                                               << qint64(1) << QStringLiteral("format");
        QTest::newRow("negative interval_s") << QByteArray(
            R"({"type":"header","format":"vigil-trace/1","interval_s":-1})"
            "\n") << qint64(1) << QStringLiteral("interval_s");
        QTest::newRow("zero interval_s") << QByteArray(R"({"type":"header","format":"vigil-trace/1","interval_s":0})"
                                                       "\n")
                                         << qint64(1) << QStringLiteral("interval_s");
        QTest::newRow("interval_s as a string") << QByteArray(
            R"({"type":"header","format":"vigil-trace/1","interval_s":"1"})"
            "\n") << qint64(1) << QStringLiteral("interval_s");
        QTest::newRow("second header") << kHeader + sampleT1 + kHeader << qint64(3) << QStringLiteral("second header");
        QTest::newRow("unknown line type") << kHeader + sampleT1 + R"({"type":"metric","t":2})" + "\n"
                                           << qint64(3) << QStringLiteral("unknown line type");
        QTest::newRow("line without type") << kHeader + R"({"t":2})" + "\n" << qint64(2) << QStringLiteral("\"type\"");
        QTest::newRow("t as a string") << kHeader + R"({"type":"sample","t":"1.0"})" + "\n"
                                       << qint64(2) << QStringLiteral("\"t\" must be a number");
        QTest::newRow("sample without t") << kHeader + R"({"type":"sample","pgss":[]})" + "\n"
                                          << qint64(2) << QStringLiteral("\"t\"");
        QTest::newRow("sample t going backwards") << kHeader + bareSample(5) + bareSample(6) + bareSample(4)
                                                  << qint64(4) << QStringLiteral("previous sample");
        QTest::newRow("sample t repeated")
            << kHeader + bareSample(5) + bareSample(5) << qint64(3) << QStringLiteral("previous sample");
        QTest::newRow("calls as a string") << kHeader + R"({"type":"sample","t":1,"pgss":[["1","5",1,0.2,0,5]]})" + "\n"
                                           << qint64(2) << QStringLiteral("calls");
        QTest::newRow("negative calls") << kHeader + R"({"type":"sample","t":1,"pgss":[["1",-5,1,0.2,0,5]]})" + "\n"
                                        << qint64(2) << QStringLiteral("negative");
        QTest::newRow("pgss not an array") << kHeader + R"({"type":"sample","t":1,"pgss":{"1":[5,1,0.2,0,5]}})" + "\n"
                                           << qint64(2) << QStringLiteral("\"pgss\" must be an array");
        QTest::newRow("pgss row not an array") << kHeader + R"({"type":"sample","t":1,"pgss":["1"]})" + "\n"
                                               << qint64(2) << QStringLiteral("pgss row 1");
        QTest::newRow("pgss row with 7 columns")
            << kHeader + sampleT1 + R"({"type":"sample","t":2,"pgss":[["1",5,1,0.2,0,5],["2",5,1,0.2,0,5,9]]})" + "\n"
            << qint64(3) << QStringLiteral("pgss row 2 has 7 columns");
        QTest::newRow("pgss row with 5 columns") << kHeader + R"({"type":"sample","t":1,"pgss":[["1",5,1,0.2,0]]})"
                + "\n" << qint64(2) << QStringLiteral("5 columns");
        QTest::newRow("queryid as a number") << kHeader + R"({"type":"sample","t":1,"pgss":[[1,5,1,0.2,0,5]]})" + "\n"
                                             << qint64(2) << QStringLiteral("queryid must be a string");
        QTest::newRow("queryid not an integer") << kHeader + R"({"type":"sample","t":1,"pgss":[["12abc",5,1,0.2,0,5]]})"
                + "\n" << qint64(2) << QStringLiteral("\"12abc\" is not a 64-bit integer");
        QTest::newRow("queryid beyond 64 bits")
            << kHeader + R"({"type":"sample","t":1,"pgss":[["9223372036854775808",5,1,0.2,0,5]]})" + "\n"
            << qint64(2) << QStringLiteral("64-bit integer");
        QTest::newRow("header statement key not an integer") << QByteArray(
            R"({"type":"header","format":"vigil-trace/1","statements":{"select":"SELECT 1"}})"
            "\n") << qint64(1) << QStringLiteral("64-bit integer");
        QTest::newRow("same queryid twice in one sample")
            << kHeader + R"({"type":"sample","t":1,"pgss":[["3",5,1,0.2,0,5],["3",6,1,0.2,0,6]]})" + "\n"
            << qint64(2) << QStringLiteral("twice");
        QTest::newRow("db not an object") << kHeader + R"({"type":"sample","t":1,"db":[1]})" + "\n"
                                          << qint64(2) << QStringLiteral("\"db\" must be an object");
        QTest::newRow("db counter as a string") << kHeader + R"({"type":"sample","t":1,"db":{"xact_commit":"5"}})"
                + "\n" << qint64(2) << QStringLiteral("xact_commit");
        QTest::newRow("sys value as a boolean") << kHeader + R"({"type":"sample","t":1,"sys":{"load1":true}})" + "\n"
                                                << qint64(2) << QStringLiteral("load1");
        QTest::newRow("unknown action kind")
            << kHeader + sampleT1 + R"({"type":"action","t":1,"id":"a1","kind":"vacuum_full"})" + "\n"
            << qint64(3) << QStringLiteral("unknown kind \"vacuum_full\"");
        QTest::newRow("action without id") << kHeader + R"({"type":"action","t":1,"kind":"other"})" + "\n"
                                           << qint64(2) << QStringLiteral("\"id\"");
        QTest::newRow("action with empty id") << kHeader + R"({"type":"action","t":1,"id":"","kind":"other"})" + "\n"
                                              << qint64(2) << QStringLiteral("\"id\"");
        QTest::newRow("action t as a string") << kHeader + R"({"type":"action","t":"90","id":"a1","kind":"other"})"
                + "\n" << qint64(2) << QStringLiteral("\"t\"");
        QTest::newRow("finished_t before t")
            << kHeader + sampleT1 + R"({"type":"action","t":90,"id":"a1","kind":"other","finished_t":89.5})" + "\n"
            << qint64(3) << QStringLiteral("before t");
        QTest::newRow("apply_sql not a string")
            << kHeader + R"({"type":"action","t":1,"id":"a1","kind":"other","apply_sql":42})" + "\n"
            << qint64(2) << QStringLiteral("apply_sql");
        QTest::newRow("duplicate action id")
            << kHeader + sampleT1 + R"({"type":"action","t":1,"id":"a1","kind":"other"})" + "\n" + bareSample(2)
                + R"({"type":"action","t":2,"id":"a1","kind":"other"})" + "\n" + bareSample(3)
            << qint64(5) << QStringLiteral("\"a1\" appears twice");
        QTest::newRow("binary garbage as the whole file")
            << QByteArray("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\n", 17) << qint64(1) << QStringLiteral("invalid JSON");
        QTest::newRow("binary garbage after the header")
            << kHeader + sampleT1 + QByteArray("\0\x01\xff\xfe{\x80\x81}\n", 9) << qint64(3)
            << QStringLiteral("invalid JSON");
    }

    void rejectsMalformed()
    {
        QFETCH(QByteArray, input);
        QFETCH(qint64, line);
        QFETCH(QString, mentions);

        TraceReader reader;
        const std::optional<Trace> trace = readBytes(reader, input);
        QVERIFY(!trace);
        QVERIFY2(reader.error().message.contains(mentions, Qt::CaseInsensitive),
            qPrintable(QStringLiteral("expected \"%1\" in: %2").arg(mentions, reader.error().toString())));
        QCOMPARE(reader.error().line, line);
        QVERIFY(reader.error().toString().startsWith(QStringLiteral("line %1: ").arg(line)));
    }

    void errorClearedBySuccessfulRead()
    {
        TraceReader reader;
        QVERIFY(!readBytes(reader, kHeader + "not json\n"));
        QCOMPARE(reader.error().line, qint64(2));
        QVERIFY(!reader.error().message.isEmpty());

        const std::optional<Trace> trace = readBytes(reader, kHeader + bareSample(1));
        QVERIFY(trace);
        QCOMPARE(reader.error().line, qint64(0));
        QVERIFY(reader.error().message.isEmpty());
    }

    void errorToString_data()
    {
        QTest::addColumn<qint64>("line");
        QTest::addColumn<QString>("message");
        QTest::addColumn<QString>("expected");

        QTest::newRow("with a line") << qint64(12) << QStringLiteral("bad thing")
                                     << QStringLiteral("line 12: bad thing");
        QTest::newRow("without a line") << qint64(0) << QStringLiteral("cannot open x")
                                        << QStringLiteral("cannot open x");
    }

    void errorToString()
    {
        QFETCH(qint64, line);
        QFETCH(QString, message);
        QFETCH(QString, expected);
        QCOMPARE((TraceError { line, message }).toString(), expected);
    }

    void recordedTracesArePresent()
    {
        const QStringList files = QDir(QStringLiteral(VIGIL_TEST_DATA "/traces"))
                                      .entryList({ QStringLiteral("*.jsonl") }, QDir::Files, QDir::Name);
        QVERIFY2(files.size() >= 5, qPrintable(files.join(u", ")));
    }

    void readsRecordedTraces_data()
    {
        QTest::addColumn<QString>("path");
        const QDir dir(QStringLiteral(VIGIL_TEST_DATA "/traces"));
        const QStringList files = dir.entryList({ QStringLiteral("*.jsonl") }, QDir::Files, QDir::Name);
        for (const QString &file : files)
            QTest::newRow(qPrintable(file)) << dir.filePath(file);
    }

    void readsRecordedTraces()
    {
        QFETCH(QString, path);

        TraceReader reader;
        const std::optional<Trace> trace = reader.readFile(path);
        QVERIFY2(trace, qPrintable(reader.error().toString()));
        QVERIFY2(trace->snapshots.size() > 150, qPrintable(QString::number(trace->snapshots.size())));
        QCOMPARE(trace->actions.size(), std::size_t(1));
        QCOMPARE(trace->tickSeconds, 1.0);
        QVERIFY(!trace->statementTexts.isEmpty());

        const TraceAction &action = trace->actions.front();
        QVERIFY(!action.id.isEmpty());
        QVERIFY(action.finishedT >= action.t);
        QVERIFY(action.t > trace->snapshots.front().t);
        QVERIFY(action.t < trace->snapshots.back().t);

        for (std::size_t i = 1; i < trace->snapshots.size(); ++i)
            QVERIFY(trace->snapshots[i].t > trace->snapshots[i - 1].t);
        std::size_t withStatements = 0;
        for (const Snapshot &s : trace->snapshots) {
            const auto byId
                = [](const StatementCounters &a, const StatementCounters &b) { return a.queryId < b.queryId; };
            QVERIFY(std::is_sorted(s.statements.begin(), s.statements.end(), byId));
            withStatements += s.hasStatements && !s.statements.empty() ? 1 : 0;
        }
        QVERIFY(withStatements > 150);
        QVERIFY(trace->snapshots.back().db.xactCommit.has_value());
    }

    void readFileMissingPath()
    {
        const QString path = QDir::temp().filePath(QStringLiteral("vigil-no-such-trace-3f9c.jsonl"));
        QVERIFY(!QFile::exists(path));
        TraceReader reader;
        QVERIFY(!reader.readFile(path));
        QVERIFY2(reader.error().message.contains(path), qPrintable(reader.error().message));
        QCOMPARE(reader.error().line, qint64(0));
    }
};

QTEST_GUILESS_MAIN(TestTraceReader)
#include "tst_tracereader.moc"
