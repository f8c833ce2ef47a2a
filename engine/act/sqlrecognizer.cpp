// SPDX-License-Identifier: MIT
#include "act/sqlrecognizer.h"

namespace vigil {

namespace {

struct Token
{
    enum class Type { Word, QuotedIdentifier, String, Number, Symbol, Semicolon };
    Type type;
    QString text; ///< as written
    QString value; ///< unquoted (identifiers lower-cased when unquoted)
    qsizetype offset = 0;
    qsizetype end = 0;
};

/// What the server's lexer would reject before running anything: Vigil recognises none of it.
struct LexProblems
{
    bool unterminated = false; ///< a quote, dollar quote or block comment never closed
    bool emptyIdentifier = false; ///< "" (PostgreSQL has no zero-length names)
};

/// Splits SQL into tokens. Unterminated quotes or comments make the rest one token (never a crash) and are reported
/// in `problems`.
std::vector<Token> tokenize(const QString &sql, LexProblems *problems = nullptr)
{
    LexProblems found;
    std::vector<Token> tokens;
    const qsizetype n = sql.size();
    qsizetype i = 0;
    while (i < n) {
        const QChar c = sql[i];
        if (c.isSpace()) {
            ++i;
            continue;
        }
        if (c == u'-' && i + 1 < n && sql[i + 1] == u'-') {
            while (i < n && sql[i] != u'\n')
                ++i;
            continue;
        }
        if (c == u'/' && i + 1 < n && sql[i + 1] == u'*') {
            int depth = 1; // PostgreSQL block comments nest
            i += 2;
            while (i < n && depth > 0) {
                if (sql[i] == u'/' && i + 1 < n && sql[i + 1] == u'*') {
                    ++depth;
                    i += 2;
                } else if (sql[i] == u'*' && i + 1 < n && sql[i + 1] == u'/') {
                    --depth;
                    i += 2;
                } else {
                    ++i;
                }
            }
            found.unterminated = found.unterminated || depth > 0;
            continue;
        }
        Token t;
        t.offset = i;
        if (c == u'\'' || ((c == u'E' || c == u'e') && i + 1 < n && sql[i + 1] == u'\'')) {
            const bool escapes = c != u'\'';
            i += escapes ? 2 : 1;
            QString value;
            bool closed = false;
            while (i < n) {
                if (escapes && sql[i] == u'\\' && i + 1 < n) {
                    value += sql[i + 1];
                    i += 2;
                } else if (sql[i] == u'\'' && i + 1 < n && sql[i + 1] == u'\'') {
                    value += u'\'';
                    i += 2;
                } else if (sql[i] == u'\'') {
                    ++i;
                    closed = true;
                    break;
                } else {
                    value += sql[i++];
                }
            }
            found.unterminated = found.unterminated || !closed;
            t.type = Token::Type::String;
            t.value = value;
        } else if (c == u'"') {
            ++i;
            QString value;
            bool closed = false;
            while (i < n) {
                if (sql[i] == u'"' && i + 1 < n && sql[i + 1] == u'"') {
                    value += u'"';
                    i += 2;
                } else if (sql[i] == u'"') {
                    ++i;
                    closed = true;
                    break;
                } else {
                    value += sql[i++];
                }
            }
            found.unterminated = found.unterminated || !closed;
            found.emptyIdentifier = found.emptyIdentifier || value.isEmpty();
            t.type = Token::Type::QuotedIdentifier;
            t.value = value;
        } else if (c == u'$') {
            // Dollar quote $tag$...$tag$ (or a positional parameter $1, which is a symbol here).
            qsizetype j = i + 1;
            while (j < n && (sql[j].isLetterOrNumber() || sql[j] == u'_'))
                ++j;
            if (j < n && sql[j] == u'$' && !(j > i + 1 && sql[i + 1].isDigit())) {
                const QString tag = sql.mid(i, j - i + 1);
                const qsizetype close = sql.indexOf(tag, j + 1);
                t.type = Token::Type::String;
                t.value = sql.mid(j + 1, (close < 0 ? n : close) - j - 1);
                i = close < 0 ? n : close + tag.size();
                found.unterminated = found.unterminated || close < 0;
            } else {
                t.type = Token::Type::Symbol;
                i = j;
            }
        } else if (c.isLetter() || c == u'_') {
            while (i < n && (sql[i].isLetterOrNumber() || sql[i] == u'_' || sql[i] == u'$'))
                ++i;
            t.type = Token::Type::Word;
            t.value = sql.mid(t.offset, i - t.offset).toLower();
        } else if (c.isDigit() || (c == u'.' && i + 1 < n && sql[i + 1].isDigit())) {
            while (i < n && (sql[i].isDigit() || sql[i] == u'.'))
                ++i;
            // An exponent, possibly signed: 1e-2, 2.5E+3.
            if (i < n && (sql[i] == u'e' || sql[i] == u'E')) {
                qsizetype j = i + 1;
                if (j < n && (sql[j] == u'+' || sql[j] == u'-'))
                    ++j;
                if (j < n && sql[j].isDigit()) {
                    i = j;
                    while (i < n && sql[i].isDigit())
                        ++i;
                }
            }
            t.type = Token::Type::Number;
            t.value = sql.mid(t.offset, i - t.offset);
        } else if (c == u';') {
            t.type = Token::Type::Semicolon;
            t.value = QStringLiteral(";");
            ++i;
        } else {
            t.type = Token::Type::Symbol;
            t.value = QString(c);
            ++i;
        }
        t.end = i;
        t.text = sql.mid(t.offset, t.end - t.offset);
        tokens.push_back(t);
    }
    if (problems)
        *problems = found;
    return tokens;
}

/// Top-level statements, as token ranges, without their semicolons; empty statements dropped.
std::vector<std::vector<Token>> statements(const std::vector<Token> &tokens)
{
    std::vector<std::vector<Token>> out(1);
    for (const Token &t : tokens) {
        if (t.type == Token::Type::Semicolon) {
            if (!out.back().empty())
                out.emplace_back();
        } else {
            out.back().push_back(t);
        }
    }
    if (out.back().empty())
        out.pop_back();
    return out;
}

class Cursor
{
public:
    explicit Cursor(const std::vector<Token> &tokens)
        : m_tokens(tokens)
    { }
    bool atEnd() const { return m_pos >= m_tokens.size(); }
    const Token *peek() const { return atEnd() ? nullptr : &m_tokens[m_pos]; }
    bool acceptWord(const char *word)
    {
        if (!atEnd() && m_tokens[m_pos].type == Token::Type::Word && m_tokens[m_pos].value == QLatin1StringView(word)) {
            ++m_pos;
            return true;
        }
        return false;
    }
    bool acceptSymbol(const char *symbol)
    {
        if (!atEnd() && m_tokens[m_pos].type == Token::Type::Symbol
            && m_tokens[m_pos].value == QLatin1StringView(symbol)) {
            ++m_pos;
            return true;
        }
        return false;
    }
    /// An identifier (word or quoted); its normalised value.
    std::optional<QString> identifier()
    {
        if (atEnd())
            return std::nullopt;
        const Token &t = m_tokens[m_pos];
        if (t.type != Token::Type::Word && t.type != Token::Type::QuotedIdentifier)
            return std::nullopt;
        ++m_pos;
        return t.value;
    }
    const Token &next() { return m_tokens[m_pos++]; }
    std::size_t position() const { return m_pos; }
    std::size_t size() const { return m_tokens.size(); }

private:
    const std::vector<Token> &m_tokens;
    std::size_t m_pos = 0;
};

bool isReloadConf(const std::vector<Token> &statement)
{
    // SELECT pg_reload_conf()
    return statement.size() == 4 && statement[0].value == QLatin1StringView("select")
        && statement[1].value == QLatin1StringView("pg_reload_conf") && statement[2].value == QLatin1StringView("(")
        && statement[3].value == QLatin1StringView(")");
}

void recognizeAlterSystem(Cursor &c, SqlRecognizer::Result &r)
{
    const bool reset = c.acceptWord("reset");
    if (!reset && !c.acceptWord("set"))
        return;
    QStringList parts;
    const std::optional<QString> first = c.identifier();
    if (!first)
        return;
    parts << *first;
    while (c.acceptSymbol(".")) {
        const std::optional<QString> part = c.identifier();
        if (!part)
            return;
        parts << *part;
    }
    const QString name = parts.join(u'.');
    if (reset) {
        if (!c.atEnd() || name == QLatin1StringView("all"))
            return;
        r.kind = ActionKind::SetParameter;
        r.parameter = name;
        r.value.reset();
        return;
    }
    if (!c.acceptSymbol("=") && !c.acceptWord("to"))
        return;
    if (c.atEnd())
        return;
    if (c.acceptWord("default")) {
        if (!c.atEnd())
            return;
        r.kind = ActionKind::SetParameter;
        r.parameter = name;
        r.value.reset();
        return;
    }
    // One value: a string, a number (possibly signed) or a word (on, off, an enum value).
    QString value;
    if (c.acceptSymbol("-"))
        value = QStringLiteral("-");
    else if (c.acceptSymbol("+"))
        value = QStringLiteral("+");
    if (c.atEnd())
        return; // a sign and nothing after it
    const Token &t = c.next();
    if (t.type == Token::Type::Symbol || t.type == Token::Type::Semicolon)
        return;
    value += t.type == Token::Type::Word ? t.text : t.value;
    if (!c.atEnd()) {
        r.note = QStringLiteral("a list value (or anything after the value) is not recognised");
        return;
    }
    r.kind = ActionKind::SetParameter;
    r.parameter = name;
    r.value = value;
}

void recognizeCreateIndex(Cursor &c, const std::vector<Token> &tokens, SqlRecognizer::Result &r)
{
    c.acceptWord("unique");
    if (!c.acceptWord("index"))
        return;
    const qsizetype afterIndex = tokens[c.position() - 1].end;
    r.concurrently = c.acceptWord("concurrently");
    if (c.acceptWord("if")) {
        if (!c.acceptWord("not") || !c.acceptWord("exists"))
            return;
    }
    if (c.peek() && c.peek()->type == Token::Type::Word && c.peek()->value == QLatin1StringView("on")) {
        r.note = QStringLiteral("the index has no name, so Vigil could not drop it on rollback: name it");
        return;
    }
    const std::optional<QString> name = c.identifier();
    if (!name || !c.acceptWord("on"))
        return;
    c.acceptWord("only");
    // The table stays as written, quotes included: the executor resolves it with to_regclass(), which lower-cases
    // and splits unquoted text exactly as the server would have.
    QStringList table;
    const Token *firstToken = c.peek();
    if (!c.identifier())
        return;
    table << firstToken->text;
    while (c.acceptSymbol(".")) {
        const Token *partToken = c.peek();
        if (!c.identifier())
            return;
        table << partToken->text;
    }
    r.kind = ActionKind::CreateIndex;
    r.index = *name;
    r.table = table.join(u'.');
    if (!r.concurrently)
        r.concurrentlyInsertAt = afterIndex;
}

void recognizeDropIndex(Cursor &c, const std::vector<Token> &tokens, SqlRecognizer::Result &r)
{
    if (!c.acceptWord("index"))
        return;
    const qsizetype afterIndex = tokens[c.position() - 1].end;
    r.concurrently = c.acceptWord("concurrently");
    if (c.acceptWord("if") && !c.acceptWord("exists"))
        return;
    const std::optional<QString> first = c.identifier();
    if (!first)
        return;
    QString schema;
    QString name = *first;
    if (c.acceptSymbol(".")) {
        const std::optional<QString> second = c.identifier();
        if (!second)
            return;
        schema = *first;
        name = *second;
    }
    if (c.acceptSymbol(",")) {
        r.note = QStringLiteral("drop one index per action, so each can be recreated on its own");
        return;
    }
    if (c.acceptWord("cascade")) {
        r.note = QStringLiteral("DROP INDEX ... CASCADE may drop more than the index: not recognised");
        return;
    }
    c.acceptWord("restrict");
    if (!c.atEnd())
        return;
    r.kind = ActionKind::DropIndex;
    r.schema = schema;
    r.index = name;
    if (!r.concurrently)
        r.concurrentlyInsertAt = afterIndex;
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
    return int(statements(tokenize(sql)).size());
}

SqlRecognizer::Result SqlRecognizer::recognize(const QString &sql)
{
    Result r;
    LexProblems problems;
    const std::vector<Token> tokens = tokenize(sql, &problems);
    const std::vector<std::vector<Token>> all = statements(tokens);
    r.statements = int(all.size());
    if (all.empty())
        return r;
    // The server would refuse these before running anything; recognised, they would become a statement Vigil
    // rebuilds (a DROP INDEX from the name) that the DBA never wrote in a form the server accepts.
    if (problems.unterminated) {
        r.note = QStringLiteral("a quote or comment is not closed");
        return r;
    }
    if (problems.emptyIdentifier) {
        r.note = QStringLiteral("a quoted name is empty");
        return r;
    }
    // ALTER SYSTEM may be followed by the reload that makes it take effect; nothing else may follow anything.
    if (all.size() > 2 || (all.size() == 2 && !isReloadConf(all[1]))) {
        r.note = QStringLiteral("%1 statements: Vigil recognises one statement at a time").arg(all.size());
        return r;
    }
    const std::vector<Token> &statement = all.front();
    Cursor c(statement);
    if (c.acceptWord("alter")) {
        if (c.acceptWord("system"))
            recognizeAlterSystem(c, r);
    } else if (all.size() == 1 && c.acceptWord("create")) {
        recognizeCreateIndex(c, statement, r);
    } else if (all.size() == 1 && c.acceptWord("drop")) {
        recognizeDropIndex(c, statement, r);
    }
    if (r.kind != ActionKind::SetParameter && all.size() == 2)
        r.kind = ActionKind::Sql;
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
