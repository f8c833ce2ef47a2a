// SPDX-License-Identifier: MIT
#include "predicateextractor.h"

#include "analyse/sqlparsetree.h"

#include <QHash>

#include <optional>

namespace vigil {

namespace {

using Tree = SqlParseTree;

struct TableRef
{
    QString schema;
    QString table;
};

/// The tables a FROM clause (or an UPDATE / DELETE) names, by alias and by name; `count` includes what has no name
/// of its own (a subquery, a function), so that an unqualified column is attributed only when one table is read.
struct Scope
{
    QHash<QString, TableRef> byName;
    std::vector<TableRef> tables;
    int count = 0;

    void addRangeVar(const QJsonObject &rv)
    {
        const TableRef ref { rv.value(QLatin1StringView("schemaname")).toString(),
            rv.value(QLatin1StringView("relname")).toString() };
        ++count;
        if (ref.table.isEmpty())
            return;
        tables.push_back(ref);
        const QString alias
            = rv.value(QLatin1StringView("alias")).toObject().value(QLatin1StringView("aliasname")).toString();
        byName.insert(alias.isEmpty() ? ref.table : alias, ref);
        if (alias.isEmpty() && !ref.schema.isEmpty())
            byName.insert(ref.schema + u'.' + ref.table, ref);
    }

    void addFromItem(const QJsonValue &item)
    {
        const QString type = Tree::type(item);
        if (type == QLatin1StringView("RangeVar")) {
            addRangeVar(Tree::fields(item));
        } else if (type == QLatin1StringView("JoinExpr")) {
            const QJsonObject join = Tree::fields(item);
            addFromItem(join.value(QLatin1StringView("larg")));
            addFromItem(join.value(QLatin1StringView("rarg")));
        } else {
            ++count; // a subquery, a function, VALUES: rows without a table to index
        }
    }

    /// The table of a column reference's qualifier (empty: the one table read, if there is one).
    std::optional<TableRef> resolve(const QStringList &qualifier) const
    {
        if (qualifier.isEmpty())
            return count == 1 && tables.size() == 1 ? std::optional<TableRef>(tables.front()) : std::nullopt;
        const auto it = byName.constFind(qualifier.join(u'.'));
        if (it != byName.cend())
            return *it;
        return std::nullopt;
    }
};

/// True when the expression reads no column and no subquery: a parameter, a constant, or any expression of them
/// (md5($1::text), lower($1), $1::date, 'sku-' || $1), which an index on the column can be probed with.
bool isValueExpression(const QJsonValue &node)
{
    if (node.isArray()) {
        for (const QJsonValue &v : node.toArray())
            if (!isValueExpression(v))
                return false;
        return true;
    }
    if (!node.isObject())
        return true;
    const QJsonObject o = node.toObject();
    for (auto it = o.constBegin(); it != o.constEnd(); ++it) {
        if (it.key() == QLatin1StringView("ColumnRef") || it.key() == QLatin1StringView("SubLink"))
            return false;
        if (!isValueExpression(it.value()))
            return false;
    }
    return true;
}

/// A bare column (not an expression of one: lower(col) = $1 cannot use an index on col), as qualifier + name.
std::optional<std::pair<QStringList, QString>> bareColumn(const QJsonValue &node)
{
    if (Tree::type(node) != QLatin1StringView("ColumnRef"))
        return std::nullopt;
    QStringList names;
    for (const QJsonValue &f : Tree::fields(node).value(QLatin1StringView("fields")).toArray()) {
        if (Tree::type(f) != QLatin1StringView("String"))
            return std::nullopt; // t.* or a subscript
        names << Tree::text(f);
    }
    if (names.isEmpty() || names.size() > 3)
        return std::nullopt;
    const QString column = names.takeLast();
    return std::pair { names, column };
}

class Collector
{
public:
    explicit Collector(const Scope &scope)
        : m_scope(scope)
    { }

    void walk(const QJsonValue &node, bool conjunct)
    {
        const QString type = Tree::type(node);
        const QJsonObject f = Tree::fields(node);
        if (type == QLatin1StringView("BoolExpr")) {
            const QString op = f.value(QLatin1StringView("boolop")).toString();
            if (op == QLatin1StringView("NOT_EXPR"))
                return; // a negation is served by no index scan worth proposing
            // Each side of an OR could still use an index (a bitmap OR), but only together with its siblings.
            const bool andChain = conjunct && op == QLatin1StringView("AND_EXPR");
            for (const QJsonValue &arg : f.value(QLatin1StringView("args")).toArray())
                walk(arg, andChain);
        } else if (type == QLatin1StringView("A_Expr")) {
            comparison(f, conjunct);
        }
        // NullTest, SubLink (a subquery is its own statement), functions returning bool: nothing an index serves.
    }

    std::vector<ColumnPredicate> predicates;

private:
    void comparison(const QJsonObject &e, bool conjunct)
    {
        const QString kind = e.value(QLatin1StringView("kind")).toString();
        const QStringList name = Tree::texts(e.value(QLatin1StringView("name")));
        const QString op = name.value(name.size() - 1);
        QJsonValue left = e.value(QLatin1StringView("lexpr"));
        QJsonValue right = e.value(QLatin1StringView("rexpr"));
        if (kind == QLatin1StringView("AEXPR_OP")) {
            static const QStringList comparisons { QStringLiteral("="), QStringLiteral("<"), QStringLiteral("<="),
                QStringLiteral(">"), QStringLiteral(">=") };
            if (!comparisons.contains(op))
                return;
            if (!bareColumn(left) && bareColumn(right))
                std::swap(left, right); // $1 = col
            if (isValueExpression(right))
                add(left, op == QLatin1StringView("="), conjunct);
        } else if (kind == QLatin1StringView("AEXPR_OP_ANY")) {
            if (op == QLatin1StringView("=") && isValueExpression(right))
                add(left, true, conjunct); // col = ANY($1)
        } else if (kind == QLatin1StringView("AEXPR_IN")) {
            if (op == QLatin1StringView("=") && isValueExpression(right))
                add(left, true, conjunct); // IN (...), not NOT IN (whose operator is <>)
        } else if (kind == QLatin1StringView("AEXPR_BETWEEN")) {
            if (isValueExpression(right))
                add(left, false, conjunct);
        }
    }

    void add(const QJsonValue &columnNode, bool equality, bool conjunct)
    {
        const auto column = bareColumn(columnNode);
        if (!column)
            return;
        const std::optional<TableRef> ref = m_scope.resolve(column->first);
        if (!ref)
            return;
        for (ColumnPredicate &p : predicates)
            if (p.schema == ref->schema && p.table == ref->table && p.column == column->second
                && p.equality == equality) {
                p.conjunct = p.conjunct || conjunct;
                return;
            }
        predicates.push_back({ ref->schema, ref->table, column->second, equality, conjunct });
    }

    const Scope &m_scope;
};

void extractFrom(const QJsonValue &statement, std::vector<ColumnPredicate> &out)
{
    const QString type = Tree::type(statement);
    const QJsonObject s = Tree::fields(statement);
    Scope scope;
    QJsonValue where;
    if (type == QLatin1StringView("SelectStmt")) {
        if (s.value(QLatin1StringView("op")).toString(QStringLiteral("SETOP_NONE"))
            != QLatin1StringView("SETOP_NONE")) {
            // UNION / INTERSECT / EXCEPT: each branch filters its own tables.
            extractFrom(QJsonObject { { QStringLiteral("SelectStmt"), s.value(QLatin1StringView("larg")) } }, out);
            extractFrom(QJsonObject { { QStringLiteral("SelectStmt"), s.value(QLatin1StringView("rarg")) } }, out);
            return;
        }
        for (const QJsonValue &item : s.value(QLatin1StringView("fromClause")).toArray())
            scope.addFromItem(item);
        where = s.value(QLatin1StringView("whereClause"));
    } else if (type == QLatin1StringView("UpdateStmt") || type == QLatin1StringView("DeleteStmt")) {
        // UPDATE t ... WHERE / DELETE FROM t ... WHERE find their rows as a SELECT would; FROM / USING add tables.
        scope.addRangeVar(s.value(QLatin1StringView("relation")).toObject());
        const QLatin1StringView more(type == QLatin1StringView("UpdateStmt") ? "fromClause" : "usingClause");
        for (const QJsonValue &item : s.value(more).toArray())
            scope.addFromItem(item);
        where = s.value(QLatin1StringView("whereClause"));
    } else {
        return;
    }
    if (where.isUndefined() || scope.tables.empty())
        return;
    Collector collector(scope);
    collector.walk(where, true);
    for (const ColumnPredicate &p : collector.predicates)
        out.push_back(p);
}

} // namespace

std::vector<ColumnPredicate> PredicateExtractor::extract(const QString &statement)
{
    std::vector<ColumnPredicate> out;
    if (statement.trimmed().isEmpty())
        return out;
    const std::optional<QJsonArray> statements = SqlParseTree::parse(statement);
    if (!statements || statements->size() != 1)
        return out; // pg_stat_statements keeps one statement per entry; anything else is not a hot statement's text
    extractFrom(statements->first(), out);
    return out;
}

bool PredicateExtractor::isSingleSelect(const QString &statement)
{
    const std::optional<QJsonArray> statements = SqlParseTree::parse(statement);
    if (!statements || statements->size() != 1 || Tree::type(statements->first()) != QLatin1StringView("SelectStmt"))
        return false;
    const QJsonObject s = Tree::fields(statements->first());
    // SELECT INTO creates a table and FOR UPDATE takes row locks: neither is a read to plan hypothetically.
    if (s.contains(QLatin1StringView("intoClause")) || s.contains(QLatin1StringView("lockingClause")))
        return false;
    // A WITH clause may hold an INSERT, UPDATE or DELETE.
    // (A field that can only hold one node type comes without the type's name around it; accept either.)
    QJsonObject with = s.value(QLatin1StringView("withClause")).toObject();
    if (with.contains(QLatin1StringView("WithClause")))
        with = with.value(QLatin1StringView("WithClause")).toObject();
    for (const QJsonValue &cte : with.value(QLatin1StringView("ctes")).toArray()) {
        const QJsonValue query = Tree::fields(cte).value(QLatin1StringView("ctequery"));
        if (Tree::type(query) != QLatin1StringView("SelectStmt"))
            return false;
    }
    return true;
}

} // namespace vigil
