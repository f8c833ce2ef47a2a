// SPDX-License-Identifier: MIT
#include "act/planreader.h"

#include "analyse/sqlparsetree.h"
#include "collect/dbcollector.h"

#include <QJsonObject>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>

#include <algorithm>

namespace vigil {

namespace {
// Vigil's own statements carry the collector's marker, so neither the collector nor the next plan reading counts them
// among the workload's statements.
QString marked(const char *sql)
{
    return QLatin1StringView(DbCollector::kMarker) + u' ' + QLatin1StringView(sql);
}

QString serverMessage(const QSqlQuery &q)
{
    const QString text = q.lastError().databaseText().trimmed();
    return text.isEmpty() ? q.lastError().text() : text;
}
} // namespace

PlanReader::PlanReader(QString connectionName)
    : m_connectionName(std::move(connectionName))
{ }

bool PlanReader::isPlannable(const QString &statement)
{
    const std::optional<QJsonArray> statements = SqlParseTree::parse(statement);
    if (!statements || statements->size() != 1)
        return false;
    const QString type = SqlParseTree::type(statements->first());
    if (type == QLatin1StringView("SelectStmt"))
        return !SqlParseTree::fields(statements->first()).contains(QLatin1StringView("intoClause"));
    return type == QLatin1StringView("InsertStmt") || type == QLatin1StringView("UpdateStmt")
        || type == QLatin1StringView("DeleteStmt");
}

int PlanReader::parameterCount(const QString &statement)
{
    static const QRegularExpression parameter(QStringLiteral("^\\$(\\d+)$"));
    int count = 0;
    if (const std::optional<std::vector<SqlParseTree::Token>> tokens = SqlParseTree::scan(statement)) {
        for (const SqlParseTree::Token &t : *tokens) {
            const QRegularExpressionMatch m = parameter.match(t.text);
            if (m.hasMatch())
                count = std::max(count, m.captured(1).toInt());
        }
    }
    return count;
}

std::vector<StatementPlan> PlanReader::costliest(int count, QString *error) const
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    // More rows than wanted: utility statements (Vigil's own ALTER SYSTEM, a DBA's VACUUM) are skipped below.
    q.prepare(marked("SELECT queryid::text, query FROM pg_stat_statements "
                     "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                     "AND strpos(query, ?) = 0 ORDER BY total_exec_time DESC LIMIT ?"));
    q.addBindValue(QString::fromLatin1(DbCollector::kMarker));
    q.addBindValue(count * 4);
    std::vector<StatementPlan> plans;
    if (!q.exec()) {
        if (error)
            *error = serverMessage(q);
        return plans;
    }
    while (q.next() && int(plans.size()) < count) {
        const QString query = q.value(1).toString();
        if (isPlannable(query))
            plans.push_back({ q.value(0).toString().toLongLong(), query, {}, {} });
    }
    q.finish();
    explain(plans);
    return plans;
}

void PlanReader::explain(std::vector<StatementPlan> &statements) const
{
    for (StatementPlan &s : statements)
        s = planOf(s.queryId, s.query);
}

StatementPlan PlanReader::planOf(qint64 queryId, const QString &query) const
{
    StatementPlan result { queryId, query, {}, {} };
    if (!isPlannable(query)) {
        result.error = QStringLiteral("not a single SELECT, INSERT, UPDATE or DELETE");
        return result;
    }
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    auto run = [&q, &result](const QString &sql) {
        if (q.exec(sql))
            return true;
        if (result.error.isEmpty())
            result.error = serverMessage(q);
        return false;
    };
    // Parameters stay unknown: a generic plan needs no values (NULLs only because EXECUTE wants one per parameter).
    QStringList nulls;
    for (int i = parameterCount(query); i > 0; --i)
        nulls << QStringLiteral("NULL");
    const bool began = run(marked("BEGIN READ ONLY"));
    const bool prepared = began && run(marked("SET LOCAL plan_cache_mode = force_generic_plan"))
        && run(marked("SET LOCAL lock_timeout = '500ms'")) && run(marked("SET LOCAL statement_timeout = '2s'"))
        && run(marked("PREPARE vigil_plan AS ") + query);
    if (prepared
        && run(marked("EXPLAIN EXECUTE vigil_plan") + (nulls.isEmpty() ? QString() : u'(' + nulls.join(u',') + u')'))) {
        QStringList lines;
        while (q.next())
            lines << q.value(0).toString();
        result.plan = lines.join(u'\n');
    }
    if (began)
        q.exec(marked("ROLLBACK"));
    // A prepared statement is not transactional: it outlives the ROLLBACK, so it goes afterwards (an aborted
    // transaction would refuse the DEALLOCATE).
    if (prepared)
        q.exec(marked("DEALLOCATE vigil_plan"));
    return result;
}

QJsonArray PlanReader::toJson(const std::vector<StatementPlan> &plans)
{
    QJsonArray array;
    for (const StatementPlan &p : plans) {
        QJsonObject o { { QStringLiteral("queryid"), QString::number(p.queryId) },
            { QStringLiteral("query"), p.query } };
        if (p.error.isEmpty())
            o.insert(QStringLiteral("plan"), p.plan);
        else
            o.insert(QStringLiteral("error"), p.error);
        array.append(o);
    }
    return array;
}

std::vector<StatementPlan> PlanReader::fromJson(const QJsonArray &array)
{
    std::vector<StatementPlan> plans;
    for (const QJsonValue &v : array) {
        const QJsonObject o = v.toObject();
        plans.push_back({ o.value(QLatin1StringView("queryid")).toString().toLongLong(),
            o.value(QLatin1StringView("query")).toString(), o.value(QLatin1StringView("plan")).toString(),
            o.value(QLatin1StringView("error")).toString() });
    }
    return plans;
}

} // namespace vigil
