// SPDX-License-Identifier: MIT
#include "analyse/detectors.h"
#include "analyse/predicateextractor.h"
#include "analyse/sqltext.h"
#include "metrics/numberformat.h"

#include <QHash>
#include <QJsonArray>

#include <map>

namespace vigil {

namespace {

/// PostgreSQL truncates identifiers to 63 bytes; cut on a character boundary so the name stays valid UTF-8.
QString truncatedIdentifier(const QString &name)
{
    QString out;
    int bytes = 0;
    for (const QChar c : name) {
        const int size = int(QString(c).toUtf8().size());
        if (bytes + size > 63)
            break;
        bytes += size;
        out += c;
    }
    return out;
}

/// Beyond three columns an index grows wide for little more selectivity.
constexpr qsizetype kMaxIndexColumns = 3;

bool tableMatches(const ColumnPredicate &p, const TableStats &t)
{
    return p.table == t.name && (p.schema.isEmpty() || p.schema == t.schema);
}

} // namespace

std::vector<IndexCandidate> MissingIndexDetector::candidates(const AnalysisInput &in)
{
    std::vector<IndexCandidate> out;
    if (!in.previousCatalog)
        return out; // rates need two readings; cumulative counters since a reset say nothing about now
    const double seconds = in.catalog.t - in.previousCatalog->t;
    if (seconds <= 0)
        return out;
    const AnalyserThresholds &th = in.thresholds;

    for (const TableStats &table : in.catalog.tables) {
        const TableStats *before = in.previousCatalog->table(table.schema, table.name);
        if (!before || table.liveTuples < th.minTableRows)
            continue;
        const double rate = (table.seqTupRead - before->seqTupRead) / seconds;
        if (rate < th.minSeqTuplesPerSecond)
            continue;
        // The column sets the statements that ran since the last reading filter on, by calls served: a statement
        // whose top-level AND compares several columns with values is served best by one index on all of them
        // (the equality columns first, then one range column); otherwise each compared column on its own.
        struct Use
        {
            double calls = 0;
            bool equality = false;
            std::vector<qint64> statements;
        };
        std::map<QStringList, Use> uses;
        auto use = [&](const QStringList &columns, bool equality, double calls, qint64 queryId) {
            Use &u = uses[columns];
            u.calls += calls;
            u.equality = u.equality || equality;
            if (std::find(u.statements.begin(), u.statements.end(), queryId) == u.statements.end())
                u.statements.push_back(queryId);
        };
        for (const StatementStats &s : in.catalog.statements) {
            const StatementStats *old = in.previousCatalog->statement(s.queryId);
            const double calls = s.calls - (old ? old->calls : 0);
            if (calls <= 0)
                continue;
            std::vector<ColumnPredicate> onTable;
            for (const ColumnPredicate &p : PredicateExtractor::extract(s.text))
                if (tableMatches(p, table) && (table.columns.isEmpty() || table.columns.contains(p.column)))
                    onTable.push_back(p);
            QStringList key;
            for (const ColumnPredicate &p : onTable)
                if (p.conjunct && p.equality && !key.contains(p.column) && key.size() < kMaxIndexColumns)
                    key << p.column;
            for (const ColumnPredicate &p : onTable)
                if (!key.isEmpty() && p.conjunct && !p.equality && !key.contains(p.column)
                    && key.size() < kMaxIndexColumns) {
                    key << p.column;
                    break;
                }
            if (key.size() >= 2) {
                use(key, true, calls, s.queryId);
                continue;
            }
            for (const ColumnPredicate &p : onTable)
                use({ p.column }, p.equality, calls, s.queryId);
        }
        // An index whose leading column is the candidate's first already serves it (an invalid one does not).
        for (const IndexStats &index : in.catalog.indexes)
            if (index.valid && index.schema == table.schema && index.table == table.name)
                std::erase_if(uses, [&](const auto &u) { return u.first.front() == index.leadingColumn; });
        if (uses.empty())
            continue;
        // Equality predicates first (an index serves them best), then the most calls.
        auto best = uses.begin();
        for (auto it = uses.begin(); it != uses.end(); ++it)
            if ((it->second.equality && !best->second.equality)
                || (it->second.equality == best->second.equality && it->second.calls > best->second.calls))
                best = it;
        IndexCandidate c;
        c.schema = table.schema;
        c.table = table.name;
        c.columns = best->first;
        c.indexName = truncatedIdentifier(QStringLiteral("vigil_%1_%2_idx").arg(table.name, c.columns.join(u'_')));
        QStringList quoted;
        for (const QString &column : c.columns)
            quoted << sqltext::quoteIdentifier(column);
        c.createSql = QStringLiteral("CREATE INDEX CONCURRENTLY %1 ON %2 (%3)")
                          .arg(sqltext::quoteIdentifier(c.indexName), sqltext::qualifiedName(c.schema, c.table),
                              quoted.join(QStringLiteral(", ")));
        c.statements = best->second.statements;
        c.seqTuplesPerSecond = rate;
        out.push_back(c);
    }
    return out;
}

Finding MissingIndexDetector::finding(
    const IndexCandidate &c, const AnalysisInput &in, const QJsonObject &whatIf, bool validated)
{
    Finding f;
    f.detector = QStringLiteral("missing_index");
    f.condition = QStringLiteral("sequential_scans_on_predicate");
    f.severity = Severity::Warning;
    const TableStats *table = in.catalog.table(c.schema, c.table);
    QJsonArray statements;
    for (qint64 id : c.statements) {
        const StatementStats *s = in.catalog.statement(id);
        statements.append(QJsonObject { { QStringLiteral("queryid"), QString::number(id) },
            { QStringLiteral("query"), s ? s->text.left(300) : QString() },
            { QStringLiteral("mean_ms"), s && s->calls > 0 ? s->totalMs / s->calls : 0.0 } });
    }
    f.evidence = { { QStringLiteral("subject"), QString(c.schema + u'.' + c.indexName) },
        { QStringLiteral("table"), QString(c.schema + u'.' + c.table) },
        { QStringLiteral("column"), c.columns.join(QStringLiteral(", ")) },
        { QStringLiteral("columns"), QJsonArray::fromStringList(c.columns) },
        { QStringLiteral("seq_tuples_per_second"), std::round(c.seqTuplesPerSecond) },
        { QStringLiteral("table_rows"), table ? table->liveTuples : 0.0 },
        { QStringLiteral("statements"), statements } };
    if (!whatIf.isEmpty())
        f.evidence.insert(QStringLiteral("what_if"), whatIf);
    f.summary
        = QStringLiteral("%1.%2 is read by sequential scans (%3 rows/s) for statements filtering on %4")
              .arg(c.schema, c.table, numbers::significant(c.seqTuplesPerSecond), c.columns.join(QStringLiteral(", ")));
    if (!validated) {
        f.severity = Severity::Info;
        f.advice = QStringLiteral("The what-if plan with this index was not cheaper by the required margin: no index "
                                  "is proposed. The statements may need a multi-column or expression index.");
        return f;
    }
    if (whatIf.isEmpty())
        f.advice = QStringLiteral("Not validated what-if: the hypopg extension is not installed in this database "
                                  "(apt-get install postgresql-15-hypopg; CREATE EXTENSION hypopg).");
    else if (whatIf.contains(QLatin1StringView("error")))
        f.advice
            = QStringLiteral("Not validated what-if: %1.").arg(whatIf.value(QLatin1StringView("error")).toString());
    Recommendation r;
    r.sql = c.createSql;
    r.subject = c.schema + u'.' + c.indexName;
    f.recommendation = r;
    return f;
}

} // namespace vigil
