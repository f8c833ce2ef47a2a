// SPDX-License-Identifier: MIT
#include "collect/tracereader.h"

#include "collect/tracefields.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QSet>

#include <algorithm>
#include <cmath>

namespace vigil {

namespace {

const QLatin1StringView kFormat("vigil-trace/1");

/// Thrown inside the reader only; read() turns it into a TraceError.
struct ParseFailure
{
    QString message;
};

[[noreturn]] void fail(const QString &message)
{
    throw ParseFailure { message };
}

QString typeName(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("nothing");
}

double requireNumber(const QJsonObject &o, QLatin1StringView key, const QString &where)
{
    const QJsonValue v = o.value(key);
    if (!v.isDouble())
        fail(QStringLiteral("%1: \"%2\" must be a number, found %3").arg(where, key, typeName(v)));
    const double d = v.toDouble();
    if (!std::isfinite(d))
        fail(QStringLiteral("%1: \"%2\" is not a finite number").arg(where, key));
    return d;
}

/// A field the recorder could not read is absent; when present it must be a number.
std::optional<double> optionalNumber(const QJsonObject &o, QLatin1StringView key, const QString &where)
{
    if (!o.contains(key) || o.value(key).isNull())
        return std::nullopt;
    return requireNumber(o, key, where);
}

QString requireString(const QJsonObject &o, QLatin1StringView key, const QString &where)
{
    const QJsonValue v = o.value(key);
    if (!v.isString())
        fail(QStringLiteral("%1: \"%2\" must be a string, found %3").arg(where, key, typeName(v)));
    return v.toString();
}

qint64 parseQueryId(const QJsonValue &v, const QString &where)
{
    // queryid is a signed 64-bit value written as a string so JSON doubles cannot round it.
    if (!v.isString())
        fail(QStringLiteral("%1: queryid must be a string, found %2").arg(where, typeName(v)));
    bool ok = false;
    const qint64 id = v.toString().toLongLong(&ok);
    if (!ok)
        fail(QStringLiteral("%1: queryid \"%2\" is not a 64-bit integer").arg(where, v.toString()));
    return id;
}

QJsonObject optionalObject(const QJsonObject &o, QLatin1StringView key)
{
    const QJsonValue v = o.value(key);
    if (v.isUndefined() || v.isNull())
        return {};
    if (!v.isObject())
        fail(QStringLiteral("\"%1\" must be an object, found %2").arg(key, typeName(v)));
    return v.toObject();
}

StatementCounters parseStatementRow(const QJsonValue &rowValue, qsizetype index)
{
    const QString where = QStringLiteral("pgss row %1").arg(index + 1);
    if (!rowValue.isArray())
        fail(QStringLiteral("%1 must be an array, found %2").arg(where, typeName(rowValue)));
    const QJsonArray row = rowValue.toArray();
    if (row.size() != 6 && row.size() != 9)
        fail(QStringLiteral("%1 has %2 columns; expected 6 (queryid, calls, total, mean, stddev, rows) or 9 "
                            "(plus shared_blks_hit, shared_blks_read, temp_blks_written)")
                 .arg(where)
                 .arg(row.size()));
    auto number = [&](qsizetype col, const char *name) {
        const QJsonValue v = row.at(col);
        if (!v.isDouble() || !std::isfinite(v.toDouble()))
            fail(QStringLiteral("%1: %2 must be a finite number, found %3")
                     .arg(where, QLatin1StringView(name), typeName(v)));
        return v.toDouble();
    };
    StatementCounters s;
    s.queryId = parseQueryId(row.at(0), where);
    s.calls = number(1, "calls");
    s.totalExecMs = number(2, "total_exec_time");
    s.meanExecMs = number(3, "mean_exec_time");
    s.stddevExecMs = number(4, "stddev_exec_time");
    s.rows = number(5, "rows");
    if (row.size() == 9) {
        s.hasBlocks = true;
        s.sharedBlksHit = number(6, "shared_blks_hit");
        s.sharedBlksRead = number(7, "shared_blks_read");
        s.tempBlksWritten = number(8, "temp_blks_written");
    }
    if (s.calls < 0 || s.totalExecMs < 0)
        fail(QStringLiteral("%1: counters must not be negative").arg(where));
    return s;
}

template<typename Struct, std::size_t N>
void readFields(const QJsonObject &o, const QString &where, const TraceField<Struct> (&fields)[N], Struct &into)
{
    for (const TraceField<Struct> &f : fields)
        into.*f.member = optionalNumber(o, QLatin1StringView(f.name), where);
}

Snapshot parseSample(const QJsonObject &o)
{
    Snapshot snap;
    snap.t = requireNumber(o, QLatin1StringView("t"), QStringLiteral("sample"));

    const QJsonValue pgss = o.value(QLatin1StringView("pgss"));
    if (pgss.isArray()) {
        const QJsonArray rows = pgss.toArray();
        snap.hasStatements = true;
        snap.statements.reserve(rows.size());
        for (qsizetype i = 0; i < rows.size(); ++i)
            snap.statements.push_back(parseStatementRow(rows.at(i), i));
        std::sort(snap.statements.begin(), snap.statements.end(),
            [](const StatementCounters &a, const StatementCounters &b) { return a.queryId < b.queryId; });
        const auto dup = std::adjacent_find(snap.statements.begin(), snap.statements.end(),
            [](const StatementCounters &a, const StatementCounters &b) { return a.queryId == b.queryId; });
        if (dup != snap.statements.end())
            fail(QStringLiteral("pgss lists queryid %1 twice").arg(dup->queryId));
    } else if (!pgss.isUndefined() && !pgss.isNull()) {
        fail(QStringLiteral("\"pgss\" must be an array, found %1").arg(typeName(pgss)));
    }

    readFields(optionalObject(o, QLatin1StringView("db")), QStringLiteral("db"), kDatabaseFields, snap.db);
    readFields(optionalObject(o, QLatin1StringView("act")), QStringLiteral("act"), kActivityFields, snap.activity);
    readFields(optionalObject(o, QLatin1StringView("sys")), QStringLiteral("sys"), kHostFields, snap.host);
    readFields(optionalObject(o, QLatin1StringView("wal")), QStringLiteral("wal"), kWalFields, snap.wal);
    snap.probeMs = optionalNumber(o, QLatin1StringView("probe_ms"), QStringLiteral("sample"));
    snap.cpuProbeMs = optionalNumber(o, QLatin1StringView("cpu_probe_ms"), QStringLiteral("sample"));
    const QJsonValue longRunning = o.value(QLatin1StringView("long"));
    if (longRunning.isArray()) {
        for (const QJsonValue &id : longRunning.toArray()) {
            bool ok = false;
            const qint64 queryId = id.toString().toLongLong(&ok);
            if (!id.isString() || !ok)
                fail(QStringLiteral("\"long\" must list queryids as strings"));
            snap.longRunningQueryIds.push_back(queryId);
        }
    } else if (!longRunning.isUndefined() && !longRunning.isNull()) {
        fail(QStringLiteral("\"long\" must be an array, found %1").arg(typeName(longRunning)));
    }
    return snap;
}

TraceAction parseAction(const QJsonObject &o)
{
    const QString where = QStringLiteral("action");
    TraceAction a;
    a.id = requireString(o, QLatin1StringView("id"), where);
    if (a.id.isEmpty())
        fail(QStringLiteral("action: \"id\" must not be empty"));
    a.kind = requireString(o, QLatin1StringView("kind"), where);
    static const QStringList kinds { QStringLiteral("create_index"), QStringLiteral("drop_index"),
        QStringLiteral("set_parameter"), QStringLiteral("other") };
    if (!kinds.contains(a.kind))
        fail(QStringLiteral("action: unknown kind \"%1\" (expected one of %2)").arg(a.kind, kinds.join(u", ")));
    a.t = requireNumber(o, QLatin1StringView("t"), where);
    a.finishedT = optionalNumber(o, QLatin1StringView("finished_t"), where).value_or(a.t);
    if (a.finishedT < a.t)
        fail(QStringLiteral("action %1: finished_t %2 is before t %3")
                 .arg(a.id, QString::number(a.finishedT), QString::number(a.t)));
    if (o.contains(QLatin1StringView("apply_sql")))
        a.applySql = requireString(o, QLatin1StringView("apply_sql"), where);
    if (o.contains(QLatin1StringView("rollback_sql")))
        a.rollbackSql = requireString(o, QLatin1StringView("rollback_sql"), where);
    return a;
}

void parseHeader(const QJsonObject &o, Trace &trace)
{
    const QJsonValue type = o.value(QLatin1StringView("type"));
    if (type.toString() != QLatin1StringView("header"))
        fail(QStringLiteral("the first line must be the header ({\"type\":\"header\",...}), found type %1")
                 .arg(type.isString() ? u'"' + type.toString() + u'"' : typeName(type)));
    const QJsonValue format = o.value(QLatin1StringView("format"));
    if (format.toString() != kFormat)
        fail(QStringLiteral("unknown trace format %1; this Vigil reads %2")
                 .arg(format.isString() ? u'"' + format.toString() + u'"' : typeName(format), kFormat));
    trace.tickSeconds = optionalNumber(o, QLatin1StringView("interval_s"), QStringLiteral("header")).value_or(1.0);
    if (trace.tickSeconds <= 0)
        fail(QStringLiteral("header: interval_s must be positive, found %1").arg(trace.tickSeconds));
    if (o.value(QLatin1StringView("server_version")).isString())
        trace.serverVersion = o.value(QLatin1StringView("server_version")).toString();
    if (o.value(QLatin1StringView("workload")).isString())
        trace.workload = o.value(QLatin1StringView("workload")).toString();
    const QJsonObject statements = optionalObject(o, QLatin1StringView("statements"));
    for (auto it = statements.begin(); it != statements.end(); ++it) {
        const qint64 id = parseQueryId(QJsonValue(it.key()), QStringLiteral("header statements"));
        trace.statementTexts.insert(id, it.value().toString());
    }
}

} // namespace

QString TraceError::toString() const
{
    return line > 0 ? QStringLiteral("line %1: %2").arg(line).arg(message) : message;
}

std::optional<Trace> TraceReader::readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        m_error = { 0, QStringLiteral("cannot open %1: %2").arg(path, file.errorString()) };
        return std::nullopt;
    }
    return read(file);
}

std::optional<Trace> TraceReader::read(QIODevice &device)
{
    m_error = {};
    Trace trace;
    qint64 lineNumber = 0;
    bool sawHeader = false;
    QSet<QString> actionIds;
    try {
        while (!device.atEnd()) {
            const QByteArray raw = device.readLine();
            ++lineNumber;
            const QByteArray line = raw.trimmed();
            if (line.isEmpty())
                continue; // a blank line (typically the last newline) carries nothing
            if (!raw.endsWith('\n') && device.atEnd() && !line.endsWith('}'))
                fail(QStringLiteral("the line is truncated (no closing brace): was the trace cut off while written?"));
            QJsonParseError parseError;
            const QJsonDocument doc = QJsonDocument::fromJson(line, &parseError);
            if (parseError.error != QJsonParseError::NoError)
                fail(QStringLiteral("invalid JSON at column %1: %2")
                         .arg(parseError.offset + 1)
                         .arg(parseError.errorString()));
            if (!doc.isObject())
                fail(QStringLiteral("each line must be a JSON object"));
            const QJsonObject o = doc.object();
            if (!sawHeader) {
                parseHeader(o, trace);
                sawHeader = true;
                continue;
            }
            const QJsonValue typeValue = o.value(QLatin1StringView("type"));
            if (!typeValue.isString())
                fail(QStringLiteral("\"type\" must be a string, found %1").arg(typeName(typeValue)));
            const QString type = typeValue.toString();
            if (type == QLatin1StringView("sample")) {
                Snapshot snap = parseSample(o);
                if (!trace.snapshots.empty() && snap.t <= trace.snapshots.back().t)
                    fail(QStringLiteral("sample t=%1 does not come after the previous sample (t=%2)")
                             .arg(snap.t)
                             .arg(trace.snapshots.back().t));
                trace.snapshots.push_back(std::move(snap));
            } else if (type == QLatin1StringView("action")) {
                TraceAction action = parseAction(o);
                if (actionIds.contains(action.id))
                    fail(QStringLiteral("action id \"%1\" appears twice").arg(action.id));
                actionIds.insert(action.id);
                trace.actions.push_back(std::move(action));
            } else if (type == QLatin1StringView("note")) {
                continue; // informational only: a detector must not read notes
            } else if (type == QLatin1StringView("header")) {
                fail(QStringLiteral("a second header"));
            } else {
                fail(QStringLiteral("unknown line type \"%1\" (expected sample, action or note)").arg(type));
            }
        }
    } catch (const ParseFailure &failure) {
        m_error = { lineNumber, failure.message };
        return std::nullopt;
    }
    if (!sawHeader) {
        m_error = { 1, QStringLiteral("the trace is empty: expected a vigil-trace/1 header line") };
        return std::nullopt;
    }
    return trace;
}

} // namespace vigil
