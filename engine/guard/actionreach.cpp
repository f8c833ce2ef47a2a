// SPDX-License-Identifier: MIT
#include "guard/actionreach.h"

#include "act/settingvalue.h"
#include "act/sqlrecognizer.h"
#include "analyse/sqlparsetree.h"
#include "metrics/numberformat.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QSet>

namespace vigil {

namespace {

/// Functions PostgreSQL ships that read no table of the database: a statement calling only these (and naming the
/// action's table nowhere) cannot reach it. Anything else may be a DBA's function that writes anywhere.
bool isCommonBuiltin(const QString &name)
{
    static const QSet<QString> names {
        // aggregates
        QStringLiteral("count"),
        QStringLiteral("sum"),
        QStringLiteral("avg"),
        QStringLiteral("min"),
        QStringLiteral("max"),
        QStringLiteral("array_agg"),
        QStringLiteral("string_agg"),
        QStringLiteral("bool_and"),
        QStringLiteral("bool_or"),
        QStringLiteral("every"),
        QStringLiteral("stddev"),
        QStringLiteral("variance"),
        QStringLiteral("percentile_cont"),
        QStringLiteral("percentile_disc"),
        QStringLiteral("json_agg"),
        QStringLiteral("jsonb_agg"),
        QStringLiteral("json_object_agg"),
        QStringLiteral("jsonb_object_agg"),
        // window functions
        QStringLiteral("row_number"),
        QStringLiteral("rank"),
        QStringLiteral("dense_rank"),
        QStringLiteral("lag"),
        QStringLiteral("lead"),
        QStringLiteral("first_value"),
        QStringLiteral("last_value"),
        QStringLiteral("ntile"),
        // text, numbers, time
        QStringLiteral("md5"),
        QStringLiteral("lower"),
        QStringLiteral("upper"),
        QStringLiteral("length"),
        QStringLiteral("substr"),
        QStringLiteral("substring"),
        QStringLiteral("btrim"),
        QStringLiteral("ltrim"),
        QStringLiteral("rtrim"),
        QStringLiteral("concat"),
        QStringLiteral("concat_ws"),
        QStringLiteral("replace"),
        QStringLiteral("left"),
        QStringLiteral("right"),
        QStringLiteral("position"),
        QStringLiteral("split_part"),
        QStringLiteral("format"),
        QStringLiteral("repeat"),
        QStringLiteral("abs"),
        QStringLiteral("round"),
        QStringLiteral("floor"),
        QStringLiteral("ceil"),
        QStringLiteral("random"),
        QStringLiteral("now"),
        QStringLiteral("date_trunc"),
        QStringLiteral("date_part"),
        QStringLiteral("extract"),
        QStringLiteral("to_char"),
        QStringLiteral("to_timestamp"),
        QStringLiteral("age"),
        QStringLiteral("clock_timestamp"),
        QStringLiteral("generate_series"),
        QStringLiteral("unnest"),
        QStringLiteral("array_length"),
        QStringLiteral("cardinality"),
        QStringLiteral("jsonb_build_object"),
        QStringLiteral("json_build_object"),
        QStringLiteral("to_jsonb"),
        QStringLiteral("to_json"),
        QStringLiteral("pg_sleep"),
    };
    return names.contains(name);
}

/// A logging threshold at least this long reaches no statement. What it adds is one log line, written after an
/// execution that already ran this long: tens of microseconds to a file or a pipe, under 0.1 % of that execution at 100
/// ms. Below it (0, a few ms) a busy workload's every statement may be logged, which is harm the lab records
/// (`*_log_min_duration_0`), so the setting then reaches everything.
constexpr double kLoggingReachesNothingFromMs = 100;

/// Milliseconds in the value of a setting whose unit is ms ("10s", "250", "1min"); nothing when it is not one.
std::optional<double> settingMilliseconds(const QString &value)
{
    const std::optional<settingvalue::Number> read = settingvalue::read(value);
    if (!read)
        return std::nullopt;
    if (read->unit.isEmpty())
        return read->value;
    const double factor = settingvalue::unitFactor(read->unit);
    if (factor == 0 || settingvalue::isMemoryUnit(read->unit))
        return std::nullopt;
    return read->value * factor;
}

/// The name a column reference ends with ("amount" of o.amount); empty for `*` and for anything else.
QString columnName(const QJsonObject &columnRef)
{
    const QJsonArray fields = columnRef.value(QLatin1StringView("fields")).toArray();
    return fields.isEmpty() ? QString() : SqlParseTree::text(fields.last());
}

/// Every column an expression of the index reads, into `out`; false when one cannot be named.
bool collectColumns(const QJsonValue &value, QSet<QString> &out, const QString &key = {})
{
    if (value.isArray()) {
        for (const QJsonValue &item : value.toArray())
            if (!collectColumns(item, out))
                return false;
        return true;
    }
    if (!value.isObject())
        return true;
    const QJsonObject object = value.toObject();
    if (key == QLatin1StringView("ColumnRef")) {
        const QString name = columnName(object);
        if (name.isEmpty())
            return false;
        out.insert(name);
        return true;
    }
    for (auto it = object.constBegin(); it != object.constEnd(); ++it)
        if (!collectColumns(it.value(), out, it.key()))
            return false;
    return true;
}

/// The columns a new index is built from: its keys, INCLUDE columns and those its expressions and predicate read.
/// Nothing for a unique index (a uniqueness proof can change plans that name none of its columns) or when a part of
/// it cannot be named.
std::optional<QSet<QString>> indexColumns(const QJsonObject &index)
{
    if (index.value(QLatin1StringView("unique")).toBool() || index.value(QLatin1StringView("primary")).toBool())
        return std::nullopt;
    QSet<QString> columns;
    for (const char *list : { "indexParams", "indexIncludingParams" }) {
        for (const QJsonValue &element : index.value(QLatin1StringView(list)).toArray()) {
            const QJsonObject fields = SqlParseTree::fields(element);
            if (const QString name = fields.value(QLatin1StringView("name")).toString(); !name.isEmpty())
                columns.insert(name);
            else if (!fields.contains(QLatin1StringView("expr"))
                || !collectColumns(fields.value(QLatin1StringView("expr")), columns))
                return std::nullopt;
        }
    }
    if (!collectColumns(index.value(QLatin1StringView("whereClause")), columns) || columns.isEmpty())
        return std::nullopt;
    return columns;
}

/// What one parsed statement does with one table (and, given the columns of an index on it, whether a statement that
/// reads it can use that index; for a dropped one, whether a statement that writes it could have).
class TableMatch
{
public:
    TableMatch(const QString &schema, const QString &table, const QSet<QString> &indexColumns, bool dropped)
        : m_schema(schema)
        , m_table(table)
        , m_indexColumns(indexColumns)
        , m_dropped(dropped)
    { }

    ActionReach::Touch statement(const QJsonValue &node)
    {
        const QString type = SqlParseTree::type(node);
        visit(node);
        if (m_unknownFunction)
            return ActionReach::Touch::Unknown;
        // A write to the table, or a utility statement on it (VACUUM, LOCK, ALTER TABLE, ...).
        const bool dml = type == QLatin1StringView("SelectStmt") || type == QLatin1StringView("InsertStmt")
            || type == QLatin1StringView("UpdateStmt") || type == QLatin1StringView("DeleteStmt")
            || type == QLatin1StringView("MergeStmt");
        if (m_names && !dml)
            return ActionReach::Touch::Writes;
        // A dropped index takes its upkeep away from writes and adds none: a write gets slower only where its own
        // search of the table used the index, which shows in its statement time, as a read's plan does.
        if (m_writes && !m_dropped)
            return ActionReach::Touch::Writes;
        if (!m_names || cannotUseIndex())
            return ActionReach::Touch::None;
        return ActionReach::Touch::Reads;
    }

private:
    /// A statement that reads the table and nothing else, names none of the index's columns and needs one it lacks:
    /// the planner has no condition or order to take the index for, and cannot cover the scan with it. Another
    /// relation in the statement (a join, a subquery, a CTE) could own the columns it names, so it is not judged.
    bool cannotUseIndex() const
    {
        if (m_indexColumns.isEmpty() || m_otherRelations || m_star)
            return false;
        bool needsAnother = false;
        for (const QString &name : m_columnNames) {
            // One of its columns, or the whole row (a reference by the table's name or alias).
            if (m_indexColumns.contains(name) || m_tableNames.contains(name))
                return false;
            // An output column's alias (ORDER BY n) is not a column the scan needs.
            needsAnother = needsAnother || !m_outputNames.contains(name);
        }
        return needsAnother;
    }

    bool isTable(const QJsonObject &rangeVar) const
    {
        if (rangeVar.value(QLatin1StringView("relname")).toString() != m_table)
            return false;
        const QString schema = rangeVar.value(QLatin1StringView("schemaname")).toString();
        return schema.isEmpty() || m_schema.isEmpty() || schema == m_schema;
    }

    void visit(const QJsonValue &value, const QString &key = {})
    {
        if (value.isArray()) {
            for (const QJsonValue &item : value.toArray())
                visit(item);
            return;
        }
        if (!value.isObject())
            return;
        const QJsonObject object = value.toObject();
        // A RangeVar is wrapped where the field may hold any node ({"RangeVar": {...}}) and bare where the field is
        // typed (an INSERT's "relation").
        if (key == QLatin1StringView("RangeVar")
            || (key == QLatin1StringView("relation") && object.contains(QLatin1StringView("relname")))) {
            if (isTable(object)) {
                m_names = true;
                m_tableNames.insert(object.value(QLatin1StringView("relname")).toString());
                if (const QString alias = object.value(QLatin1StringView("alias"))
                                              .toObject()
                                              .value(QLatin1StringView("aliasname"))
                                              .toString();
                    !alias.isEmpty())
                    m_tableNames.insert(alias);
            } else {
                m_otherRelations = true;
            }
        }
        if (key == QLatin1StringView("ColumnRef")) {
            for (const QJsonValue &field : object.value(QLatin1StringView("fields")).toArray())
                m_star = m_star || SqlParseTree::type(field) == QLatin1StringView("A_Star");
            m_columnNames.insert(columnName(object));
        }
        if (key == QLatin1StringView("ResTarget"))
            m_outputNames.insert(object.value(QLatin1StringView("name")).toString());
        for (const char *write : { "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt" }) {
            const QJsonObject stmt = object.value(QLatin1StringView(write)).toObject();
            if (!stmt.isEmpty() && isTable(stmt.value(QLatin1StringView("relation")).toObject()))
                m_writes = true;
        }
        if (key == QLatin1StringView("FuncCall")) {
            const QStringList name = SqlParseTree::texts(object.value(QLatin1StringView("funcname")));
            const bool builtin = (name.size() == 2 && name.front() == QLatin1StringView("pg_catalog"))
                || (name.size() == 1 && isCommonBuiltin(name.front()));
            m_unknownFunction = m_unknownFunction || !builtin;
        }
        for (auto it = object.constBegin(); it != object.constEnd(); ++it)
            visit(it.value(), it.key());
    }

    QString m_schema;
    QString m_table;
    const QSet<QString> &m_indexColumns;
    bool m_dropped;
    bool m_names = false;
    bool m_writes = false;
    bool m_unknownFunction = false;
    bool m_otherRelations = false;
    bool m_star = false;
    QSet<QString> m_tableNames;
    QSet<QString> m_columnNames;
    QSet<QString> m_outputNames;
};

} // namespace

ActionReach ActionReach::ofAction(const QString &kind, const QString &applySql, const QString &rollbackSql)
{
    if (kind == QLatin1StringView("set_parameter")) {
        const SqlRecognizer::Result setting = SqlRecognizer::recognize(applySql);
        return setting.kind == ActionKind::SetParameter ? ofSetting(setting.parameter, setting.value) : ActionReach();
    }
    if (kind == QLatin1StringView("create_index"))
        return ofIndexDefinition(applySql);
    if (kind == QLatin1StringView("drop_index")) {
        // Rolled back by building it again: the definition names its table and columns. A unique one's uniqueness may
        // have shaped plans that name none of its columns, and a write may have needed it (ON CONFLICT): everything.
        ActionReach reach = ofIndexDefinition(rollbackSql);
        if (reach.m_indexColumns.isEmpty())
            return {};
        reach.m_drop = true;
        return reach;
    }
    return {};
}

ActionReach ActionReach::ofIndexDefinition(const QString &sql)
{
    const std::optional<QJsonArray> statements = SqlParseTree::parse(sql);
    if (!statements || statements->size() != 1)
        return {};
    const QJsonValue statement = statements->first();
    if (SqlParseTree::type(statement) != QLatin1StringView("IndexStmt"))
        return {};
    const QJsonObject relation = SqlParseTree::fields(statement).value(QLatin1StringView("relation")).toObject();
    const QString table = relation.value(QLatin1StringView("relname")).toString();
    if (table.isEmpty())
        return {};
    const QString schema = relation.value(QLatin1StringView("schemaname")).toString();
    if (const std::optional<QSet<QString>> columns = indexColumns(SqlParseTree::fields(statement)))
        return ofIndexColumns(schema, table, *columns);
    return ofTable(schema, table);
}

ActionReach ActionReach::ofTable(const QString &schema, const QString &table)
{
    ActionReach reach;
    reach.m_schema = schema;
    reach.m_table = table;
    return reach;
}

ActionReach ActionReach::ofIndexColumns(const QString &schema, const QString &table, const QSet<QString> &columns)
{
    ActionReach reach = ofTable(schema, table);
    reach.m_indexColumns = columns;
    return reach;
}

ActionReach ActionReach::ofNothing(const QString &why)
{
    ActionReach reach;
    reach.m_nothingBecause = why;
    return reach;
}

ActionReach ActionReach::ofSetting(const QString &parameter, const std::optional<QString> &value)
{
    // RESET goes back to what postgresql.conf says, which may be 0 (every statement logged): it may reach everything.
    if (!value)
        return {};
    if (parameter != QLatin1StringView("log_min_duration_statement")
        && parameter != QLatin1StringView("log_min_duration_sample"))
        return {};
    const std::optional<double> ms = settingMilliseconds(*value);
    if (!ms)
        return {};
    if (*ms == -1)
        return ofNothing(QStringLiteral("%1 = %2 logs no statement by duration: it can only take work away from "
                                        "statements, never add it")
                             .arg(parameter, *value));
    if (*ms < kLoggingReachesNothingFromMs)
        return {};
    const QString after = *ms >= 1000 ? numbers::significant(*ms / 1000) + QStringLiteral(" s")
                                      : numbers::significant(*ms) + QStringLiteral(" ms");
    return ofNothing(QStringLiteral("%1 = '%2' adds one log line to an execution after it ran for %3 or longer: it "
                                    "cannot slow any statement by a share that shows")
                         .arg(parameter, *value, after));
}

ActionReach ActionReach::ofJournalled(
    const QString &kind, const QString &applySql, const QString &rollbackSql, const QJsonObject &details)
{
    if (details.contains(QLatin1StringView("reached_unseen")))
        return {};
    // A drop the engine has not prepared yet has no rollback; a detector's proposal carries the definition.
    const QString definition
        = rollbackSql.isEmpty() ? details.value(QLatin1StringView("definition")).toString() : rollbackSql;
    return ofAction(kind, applySql, definition);
}

QString ActionReach::judgedOn(
    const QString &kind, const QString &applySql, const QString &rollbackSql, const QJsonObject &details)
{
    const ActionReach reach = ofJournalled(kind, applySql, rollbackSql, details);
    if (reach.reachesNothing())
        return QStringLiteral("no statement: %1, so a slowdown in the window is something else's and does not roll it "
                              "back (the window is still shown)")
            .arg(reach.whyNothing());
    if (reach.isDrop())
        return QStringLiteral("the statements that could have used the dropped index: those that read or write %1 and "
                              "name %2, join it to other relations or cannot be told apart (a slowdown only in other "
                              "statements cannot be this drop's: a dropped index takes upkeep away from writes and "
                              "adds none)")
            .arg(reach.tableName(), reach.indexColumnNames().join(QStringLiteral(" or ")));
    if (reach.isLimited()) {
        const QStringList names = reach.indexColumnNames();
        const QString columns = names.isEmpty()
            ? QString()
            : QStringLiteral(", except those that read it alone and never name %1, which cannot use the index")
                  .arg(names.join(QStringLiteral(" or ")));
        return QStringLiteral("the statements that use %1 while the workload only reads it%2 (a slowdown only in other "
                              "statements cannot be this index's and does not roll it back); every statement if the "
                              "workload writes %1 or a statement's text cannot tell (upkeep and commit waits are not "
                              "in the statements' own time)")
            .arg(reach.tableName(), columns);
    }
    if (const QString unseen = details.value(QLatin1StringView("reached_unseen")).toString(); !unseen.isEmpty())
        return QStringLiteral("every statement: %1, so statements that do not name the table can reach it").arg(unseen);
    return QStringLiteral(
        "every statement: a setting, a unique index dropped or a statement of your own can change any "
        "of them");
}

QString ActionReach::tableName() const
{
    return m_schema.isEmpty() ? m_table : m_schema + u'.' + m_table;
}

QString ActionReach::reachedName() const
{
    if (m_indexColumns.isEmpty())
        return tableName();
    return QStringLiteral("%1 (%2)").arg(tableName(), indexColumnNames().join(QStringLiteral(", ")));
}

QStringList ActionReach::indexColumnNames() const
{
    QStringList names(m_indexColumns.cbegin(), m_indexColumns.cend());
    names.sort();
    return names;
}

ActionReach::Touch ActionReach::touch(const QString &statementText) const
{
    if (reachesNothing())
        return Touch::None;
    if (!isLimited())
        return Touch::Unknown;
    if (statementText.trimmed().isEmpty())
        return Touch::Unknown;
    if (const auto cached = m_cache.constFind(statementText); cached != m_cache.cend())
        return *cached;
    Touch result = Touch::Unknown;
    if (const std::optional<QJsonArray> statements = SqlParseTree::parse(statementText)) {
        result = Touch::None;
        for (const QJsonValue &statement : *statements) {
            const Touch one = TableMatch(m_schema, m_table, m_indexColumns, m_drop).statement(statement);
            result = std::max(result, one); // None < Reads < Writes < Unknown
        }
    }
    m_cache.insert(statementText, result);
    return result;
}

} // namespace vigil
