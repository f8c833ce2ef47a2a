// SPDX-License-Identifier: MIT
#include "predicateextractor.h"

#include <QHash>

#include <optional>

namespace vigil {

namespace {

enum class TokenType { Word, QuotedWord, Parameter, Literal, Operator, Punct };

struct Token
{
    TokenType type;
    QString text; ///< words lower-cased; quoted words as written (without quotes)
    int depth = 0; ///< parenthesis depth at the token
};

bool isIdentStart(QChar c)
{
    return c.isLetter() || c == u'_';
}

bool isIdentPart(QChar c)
{
    return c.isLetterOrNumber() || c == u'_' || c == u'$';
}

std::vector<Token> tokenize(const QString &sql)
{
    std::vector<Token> tokens;
    int depth = 0;
    const qsizetype n = sql.size();
    qsizetype i = 0;
    while (i < n) {
        const QChar c = sql.at(i);
        if (c.isSpace()) {
            ++i;
        } else if (c == u'-' && i + 1 < n && sql.at(i + 1) == u'-') {
            while (i < n && sql.at(i) != u'\n')
                ++i;
        } else if (c == u'/' && i + 1 < n && sql.at(i + 1) == u'*') {
            int nest = 0;
            do {
                if (sql.mid(i, 2) == QLatin1StringView("/*")) {
                    ++nest;
                    i += 2;
                } else if (sql.mid(i, 2) == QLatin1StringView("*/")) {
                    --nest;
                    i += 2;
                } else {
                    ++i;
                }
            } while (i < n && nest > 0);
        } else if (c == u'"') {
            QString word;
            ++i;
            while (i < n) {
                if (sql.at(i) == u'"') {
                    if (i + 1 < n && sql.at(i + 1) == u'"') {
                        word += u'"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                word += sql.at(i++);
            }
            tokens.push_back({ TokenType::QuotedWord, word, depth });
        } else if (c == u'\'') {
            ++i;
            while (i < n) {
                if (sql.at(i) == u'\'') {
                    if (i + 1 < n && sql.at(i + 1) == u'\'') {
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                ++i;
            }
            tokens.push_back({ TokenType::Literal, {}, depth });
        } else if (c == u'$' && i + 1 < n && sql.at(i + 1).isDigit()) {
            qsizetype j = i + 1;
            while (j < n && sql.at(j).isDigit())
                ++j;
            tokens.push_back({ TokenType::Parameter, sql.mid(i, j - i), depth });
            i = j;
        } else if (c == u'$') {
            // Dollar quote: $tag$ ... $tag$
            qsizetype j = i + 1;
            while (j < n && isIdentPart(sql.at(j)) && sql.at(j) != u'$')
                ++j;
            if (j < n && sql.at(j) == u'$') {
                const QString tag = sql.mid(i, j - i + 1);
                const qsizetype end = sql.indexOf(tag, j + 1);
                i = end < 0 ? n : end + tag.size();
                tokens.push_back({ TokenType::Literal, {}, depth });
            } else {
                tokens.push_back({ TokenType::Punct, QStringLiteral("$"), depth });
                ++i;
            }
        } else if (isIdentStart(c)) {
            qsizetype j = i;
            while (j < n && isIdentPart(sql.at(j)))
                ++j;
            tokens.push_back({ TokenType::Word, sql.mid(i, j - i).toLower(), depth });
            i = j;
        } else if (c.isDigit()) {
            qsizetype j = i;
            while (j < n && (sql.at(j).isLetterOrNumber() || sql.at(j) == u'.'))
                ++j;
            tokens.push_back({ TokenType::Literal, {}, depth });
            i = j;
        } else if (c == u'(') {
            tokens.push_back({ TokenType::Punct, QStringLiteral("("), depth });
            ++depth;
            ++i;
        } else if (c == u')') {
            depth = std::max(0, depth - 1);
            tokens.push_back({ TokenType::Punct, QStringLiteral(")"), depth });
            ++i;
        } else if (c == u',' || c == u'.' || c == u';') {
            tokens.push_back({ TokenType::Punct, QString(c), depth });
            ++i;
        } else {
            static const QString operatorChars = QStringLiteral("+-*/<>=~!@#%^&|`?");
            qsizetype j = i;
            while (j < n && operatorChars.contains(sql.at(j)))
                ++j;
            if (j == i)
                j = i + 1;
            tokens.push_back({ TokenType::Operator, sql.mid(i, j - i), depth });
            i = j;
        }
    }
    return tokens;
}

bool isWord(const Token &t, QLatin1StringView word)
{
    return t.type == TokenType::Word && t.text == word;
}

bool isName(const Token &t)
{
    return t.type == TokenType::QuotedWord || t.type == TokenType::Word;
}

bool endsFromClause(const Token &t)
{
    static const QStringList enders { QStringLiteral("where"), QStringLiteral("group"), QStringLiteral("order"),
        QStringLiteral("limit"), QStringLiteral("offset"), QStringLiteral("for"), QStringLiteral("having"),
        QStringLiteral("window"), QStringLiteral("union"), QStringLiteral("except"), QStringLiteral("intersect"),
        QStringLiteral("returning"), QStringLiteral("fetch") };
    return t.type == TokenType::Word && enders.contains(t.text);
}

bool isJoinWord(const Token &t)
{
    static const QStringList words { QStringLiteral("join"), QStringLiteral("inner"), QStringLiteral("left"),
        QStringLiteral("right"), QStringLiteral("full"), QStringLiteral("outer"), QStringLiteral("cross"),
        QStringLiteral("natural"), QStringLiteral("lateral"), QStringLiteral("on"), QStringLiteral("using") };
    return t.type == TokenType::Word && words.contains(t.text);
}

struct TableRef
{
    QString schema;
    QString table;
};

} // namespace

bool PredicateExtractor::isSingleSelect(const QString &statement)
{
    const std::vector<Token> tokens = tokenize(statement);
    if (tokens.empty() || !isWord(tokens.front(), QLatin1StringView("select")))
        return false;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const Token &t = tokens[i];
        if (t.type == TokenType::Punct && t.text == QLatin1StringView(";") && i + 1 != tokens.size())
            return false;
        // A data-modifying SELECT (SELECT ... INTO, FOR UPDATE locks rows) is not what what-if planning is for.
        if (isWord(t, QLatin1StringView("into")) || (isWord(t, QLatin1StringView("for")) && t.depth == 0))
            return false;
    }
    return true;
}

std::vector<ColumnPredicate> PredicateExtractor::extract(const QString &statement)
{
    const std::vector<Token> tokens = tokenize(statement);
    const std::size_t n = tokens.size();

    // FROM clause at depth 0: table references and their aliases.
    QHash<QString, TableRef> byAlias;
    std::vector<TableRef> tables;
    std::size_t i = 0;
    while (i < n && !(isWord(tokens[i], QLatin1StringView("from")) && tokens[i].depth == 0))
        ++i;
    if (i == n)
        return {};
    ++i;
    bool expectTable = true;
    while (i < n && !(tokens[i].depth == 0 && endsFromClause(tokens[i]))) {
        const Token &t = tokens[i];
        if (t.depth > 0 || (t.type == TokenType::Punct && t.text == QLatin1StringView("("))) {
            ++i; // a subquery or a join condition's parentheses: not a table we can attribute
            continue;
        }
        if (t.type == TokenType::Punct && t.text == QLatin1StringView(",")) {
            expectTable = true;
            ++i;
            continue;
        }
        if (isJoinWord(t)) {
            expectTable = t.text == QLatin1StringView("join");
            if (t.text == QLatin1StringView("on")) {
                // Skip the join condition up to the next table reference or the clause's end.
                ++i;
                while (i < n && !(tokens[i].depth == 0 && (endsFromClause(tokens[i]) || isJoinWord(tokens[i])))
                    && !(tokens[i].type == TokenType::Punct && tokens[i].text == QLatin1StringView(",")))
                    ++i;
                continue;
            }
            ++i;
            continue;
        }
        if (expectTable && isName(t)) {
            TableRef ref { {}, t.text };
            std::size_t j = i + 1;
            if (j + 1 < n && tokens[j].type == TokenType::Punct && tokens[j].text == QLatin1StringView(".")
                && isName(tokens[j + 1])) {
                ref = { t.text, tokens[j + 1].text };
                j += 2;
            }
            QString alias = ref.table;
            if (j < n && isWord(tokens[j], QLatin1StringView("as")))
                ++j;
            if (j < n && isName(tokens[j]) && tokens[j].depth == 0 && !endsFromClause(tokens[j])
                && !isJoinWord(tokens[j])) {
                alias = tokens[j].text;
                ++j;
            }
            byAlias.insert(alias, ref);
            byAlias.insert(ref.table, ref);
            tables.push_back(ref);
            expectTable = false;
            i = j;
            continue;
        }
        ++i;
    }
    if (tables.empty() || i >= n || !isWord(tokens[i], QLatin1StringView("where")))
        return {};
    ++i;

    auto resolve = [&](const QString &qualifier) -> std::optional<TableRef> {
        if (qualifier.isEmpty())
            return tables.size() == 1 ? std::optional<TableRef>(tables.front()) : std::nullopt;
        if (byAlias.contains(qualifier))
            return byAlias.value(qualifier);
        return std::nullopt;
    };
    auto isComparison = [](const Token &t) {
        static const QStringList ops { QStringLiteral("="), QStringLiteral("<"), QStringLiteral(">"),
            QStringLiteral("<="), QStringLiteral(">=") };
        return t.type == TokenType::Operator && ops.contains(t.text);
    };
    auto isValue = [](const Token &t) { return t.type == TokenType::Parameter || t.type == TokenType::Literal; };

    std::vector<ColumnPredicate> predicates;
    auto add = [&](const QString &qualifier, const QString &column, bool equality) {
        const std::optional<TableRef> ref = resolve(qualifier);
        if (!ref)
            return;
        for (const ColumnPredicate &p : predicates)
            if (p.schema == ref->schema && p.table == ref->table && p.column == column && p.equality == equality)
                return;
        predicates.push_back({ ref->schema, ref->table, column, equality });
    };
    // The WHERE clause, at depth 0, up to its end.
    while (i < n && !(tokens[i].depth == 0 && endsFromClause(tokens[i]))) {
        if (tokens[i].depth != 0 || !isName(tokens[i])) {
            ++i;
            continue;
        }
        // [qualifier .] column
        QString qualifier;
        QString column = tokens[i].text;
        std::size_t j = i + 1;
        if (j + 1 < n && tokens[j].type == TokenType::Punct && tokens[j].text == QLatin1StringView(".")
            && isName(tokens[j + 1])) {
            qualifier = column;
            column = tokens[j + 1].text;
            j += 2;
        }
        if (j >= n) {
            break;
        }
        const Token &op = tokens[j];
        if (isComparison(op) && j + 1 < n) {
            if (isValue(tokens[j + 1]))
                add(qualifier, column, op.text == QLatin1StringView("="));
            else if (op.text == QLatin1StringView("=") && isWord(tokens[j + 1], QLatin1StringView("any")))
                add(qualifier, column, true);
        } else if (isWord(op, QLatin1StringView("in")) && j + 2 < n && isValue(tokens[j + 2])) {
            add(qualifier, column, true);
        } else if (isWord(op, QLatin1StringView("between")) && j + 1 < n && isValue(tokens[j + 1])) {
            add(qualifier, column, false);
        } else if (op.type == TokenType::Punct && op.text == QLatin1StringView("(")) {
            // A function call (lower(col) = $1) is not a plain column: skip its name.
        }
        i = j;
    }
    return predicates;
}

} // namespace vigil
