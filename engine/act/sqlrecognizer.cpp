// SPDX-License-Identifier: MIT
#include "act/sqlrecognizer.h"

#include "analyse/sqlparsetree.h"

#include <QJsonArray>
#include <QJsonObject>

#include <algorithm>

namespace vigil {

namespace {

using Node = QJsonValue;

QString field(const QJsonObject &o, const char *name)
{
    return o.value(QLatin1StringView(name)).toString();
}

/// SELECT pg_reload_conf(): the one statement that may follow an ALTER SYSTEM.
bool isReloadConf(const Node &statement)
{
    if (SqlParseTree::type(statement) != QLatin1StringView("SelectStmt"))
        return false;
    const QJsonObject select = SqlParseTree::fields(statement);
    const QJsonArray targets = select.value(QLatin1StringView("targetList")).toArray();
    // A target list and the defaults every SELECT has: no FROM, WHERE, GROUP BY, LIMIT ...
    for (auto it = select.begin(); it != select.end(); ++it)
        if (it.key() != QLatin1StringView("targetList") && it.key() != QLatin1StringView("limitOption")
            && it.key() != QLatin1StringView("op"))
            return false;
    if (targets.size() != 1)
        return false;
    const QJsonObject call
        = SqlParseTree::fields(SqlParseTree::fields(targets.first()).value(QLatin1StringView("val")));
    return SqlParseTree::texts(call.value(QLatin1StringView("funcname")))
        == QStringList { QStringLiteral("pg_reload_conf") }
    && !call.contains(QLatin1StringView("args"));
}

/// The value of an ALTER SYSTEM SET: a string as the server reads it (unquoted, unescaped), a number as written
/// (its tokens at the constant's place: libpg_query 15-4.0's JSON writes a negative integer as {"ival": {}}, which
/// reads as 0), or a word.
std::optional<QString> constantText(
    const Node &node, const QByteArray &utf8, const std::vector<SqlParseTree::Token> &tokens)
{
    if (SqlParseTree::type(node) != QLatin1StringView("A_Const"))
        return std::nullopt;
    const QJsonObject c = SqlParseTree::fields(node);
    if (c.contains(QLatin1StringView("ival")) || c.contains(QLatin1StringView("fval"))) {
        const qsizetype at = QString::fromUtf8(utf8.left(c.value(QLatin1StringView("location")).toInt())).size();
        const auto first
            = std::find_if(tokens.begin(), tokens.end(), [at](const SqlParseTree::Token &t) { return t.start >= at; });
        if (first == tokens.end())
            return std::nullopt;
        QString text = first->text;
        if ((text == QLatin1StringView("-") || text == QLatin1StringView("+")) && first + 1 != tokens.end())
            text += (first + 1)->text; // "- 1" is the number -1
        return text;
    }
    if (c.contains(QLatin1StringView("sval")))
        return c.value(QLatin1StringView("sval")).toObject().value(QLatin1StringView("sval")).toString();
    if (c.contains(QLatin1StringView("boolval")))
        return c.value(QLatin1StringView("boolval")).toObject().value(QLatin1StringView("boolval")).toBool()
            ? QStringLiteral("true")
            : QStringLiteral("false");
    return std::nullopt;
}

void recognizeAlterSystem(const QJsonObject &alter, const QByteArray &utf8,
    const std::vector<SqlParseTree::Token> &tokens, SqlRecognizer::Result &r)
{
    const QJsonObject set = alter.value(QLatin1StringView("setstmt")).toObject(); // a VariableSetStmt's fields
    const QString kind = field(set, "kind");
    const QString name = field(set, "name");
    if (kind == QLatin1StringView("VAR_RESET") || kind == QLatin1StringView("VAR_SET_DEFAULT")) {
        r.kind = ActionKind::SetParameter;
        r.parameter = name;
        r.value.reset();
        return;
    }
    if (kind != QLatin1StringView("VAR_SET_VALUE"))
        return; // RESET ALL, SET ... FROM CURRENT: nothing Vigil can take back one parameter at a time
    const QJsonArray args = set.value(QLatin1StringView("args")).toArray();
    if (args.size() != 1) {
        r.note = QStringLiteral("a list value is not recognised: set one value");
        return;
    }
    const std::optional<QString> value = constantText(args.first(), utf8, tokens);
    if (!value)
        return;
    r.kind = ActionKind::SetParameter;
    r.parameter = name;
    r.value = *value;
}

/// Where " CONCURRENTLY" goes: after the statement's INDEX keyword, as PostgreSQL's lexer finds it (a comment or a
/// quoted name that says "index" is not the keyword).
qsizetype afterIndexKeyword(const std::vector<SqlParseTree::Token> &tokens, qsizetype statementStart)
{
    for (const SqlParseTree::Token &t : tokens)
        if (t.start >= statementStart && t.keyword
            && t.text.compare(QLatin1StringView("index"), Qt::CaseInsensitive) == 0)
            return t.end;
    return -1;
}

/// A RangeVar's name as SQL text that resolves to the same table (to_regclass() reads it the way the server does).
QString tableText(const QJsonObject &rangeVar)
{
    QStringList parts;
    for (const char *part : { "catalogname", "schemaname", "relname" })
        if (const QString name = field(rangeVar, part); !name.isEmpty())
            parts << SqlRecognizer::quoteIdentifierIfNeeded(name);
    return parts.join(u'.');
}

void recognizeCreateIndex(const QJsonObject &index, SqlRecognizer::Result &r)
{
    const QString name = field(index, "idxname");
    if (name.isEmpty()) {
        r.note = QStringLiteral("the index has no name, so Vigil could not drop it on rollback: name it");
        return;
    }
    r.kind = ActionKind::CreateIndex;
    r.index = name;
    r.table = tableText(index.value(QLatin1StringView("relation")).toObject()); // a RangeVar's fields
    r.concurrently = index.value(QLatin1StringView("concurrent")).toBool();
}

void recognizeDropIndex(const QJsonObject &drop, SqlRecognizer::Result &r)
{
    if (field(drop, "removeType") != QLatin1StringView("OBJECT_INDEX"))
        return;
    const QJsonArray objects = drop.value(QLatin1StringView("objects")).toArray();
    if (objects.size() != 1) {
        r.note = QStringLiteral("drop one index per action, so each can be recreated on its own");
        return;
    }
    if (field(drop, "behavior") == QLatin1StringView("DROP_CASCADE")) {
        r.note = QStringLiteral("DROP INDEX ... CASCADE may drop more than the index: not recognised");
        return;
    }
    const QStringList name
        = SqlParseTree::texts(SqlParseTree::fields(objects.first()).value(QLatin1StringView("items")));
    if (name.isEmpty() || name.size() > 2)
        return; // a database-qualified name: not one Vigil recreates
    r.kind = ActionKind::DropIndex;
    r.schema = name.size() == 2 ? name.front() : QString();
    r.index = name.back();
    r.concurrently = drop.value(QLatin1StringView("concurrent")).toBool();
}

} // namespace

QString SqlRecognizer::quoteIdentifierIfNeeded(const QString &name)
{
    bool plain = !name.isEmpty() && (name[0] == u'_' || (name[0] >= u'a' && name[0] <= u'z'));
    for (qsizetype i = 0; plain && i < name.size(); ++i) {
        const QChar c = name[i];
        plain = (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9') || c == u'_' || c == u'$';
    }
    // A keyword would need quotes too; the few a name could collide with here are harmless in a preview, and
    // quoting every one of them would take the keyword list.
    if (plain)
        return name;
    QString quoted = name;
    quoted.replace(u'"', QStringLiteral("\"\""));
    return u'"' + quoted + u'"';
}

int SqlRecognizer::countStatements(const QString &sql)
{
    return recognize(sql).statements;
}

SqlRecognizer::Result SqlRecognizer::recognize(const QString &sql)
{
    Result r;
    // PostgreSQL's own parser (libpg_query): what it reads is what the server would run.
    QString error;
    QList<qsizetype> starts;
    const std::optional<QJsonArray> parsed = SqlParseTree::parse(sql, &error, &starts);
    if (!parsed) {
        // The server would refuse it before running anything: "your own statement", with the parser's reason.
        r.statements = std::max(1, SqlParseTree::countStatements(sql).value_or(1));
        r.note = QStringLiteral("PostgreSQL's parser: %1").arg(error);
        return r;
    }
    r.statements = int(parsed->size());
    if (parsed->isEmpty())
        return r;
    // ALTER SYSTEM may be followed by the reload that makes it take effect; nothing else may follow anything.
    if (parsed->size() > 2 || (parsed->size() == 2 && !isReloadConf(parsed->at(1)))) {
        r.note = QStringLiteral("%1 statements: Vigil recognises one statement at a time").arg(parsed->size());
        return r;
    }
    const QJsonValue statement = parsed->first();
    const QString type = SqlParseTree::type(statement);
    // The lexer's tokens, for what the tree does not keep: where the INDEX keyword ends, a number as written.
    const std::vector<SqlParseTree::Token> tokens
        = SqlParseTree::scan(sql).value_or(std::vector<SqlParseTree::Token> {});
    if (type == QLatin1StringView("AlterSystemStmt"))
        recognizeAlterSystem(SqlParseTree::fields(statement), sql.toUtf8(), tokens, r);
    else if (parsed->size() == 1 && type == QLatin1StringView("IndexStmt"))
        recognizeCreateIndex(SqlParseTree::fields(statement), r);
    else if (parsed->size() == 1 && type == QLatin1StringView("DropStmt"))
        recognizeDropIndex(SqlParseTree::fields(statement), r);
    if (r.kind != ActionKind::SetParameter && parsed->size() == 2)
        r.kind = ActionKind::Sql;
    if ((r.kind == ActionKind::CreateIndex || r.kind == ActionKind::DropIndex) && !r.concurrently) {
        r.concurrentlyInsertAt = afterIndexKeyword(tokens, starts.value(0));
        if (r.concurrentlyInsertAt < 0) { // cannot happen for text the parser read; never guess a place
            const int statements = r.statements;
            r = Result {};
            r.statements = statements;
            r.note = QStringLiteral("the INDEX keyword was not found");
        }
    }
    return r;
}

QString SqlRecognizer::withConcurrently(const QString &sql, const Result &recognized)
{
    if (recognized.concurrentlyInsertAt < 0 || recognized.concurrently)
        return sql;
    QString out = sql;
    out.insert(recognized.concurrentlyInsertAt, QStringLiteral(" CONCURRENTLY"));
    return out;
}

} // namespace vigil
