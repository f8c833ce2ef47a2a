// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringList>
#include <QtGlobal>

#include <optional>
#include <vector>

namespace vigil {

/// Server settings the detectors size their advice against, in base units (bytes, milliseconds, counts).
struct ServerSettings
{
    std::optional<double> sharedBuffersBytes;
    std::optional<double> effectiveCacheSizeBytes;
    std::optional<double> workMemBytes;
    std::optional<double> maxConnections;
    std::optional<double> idleInTransactionTimeoutMs; ///< 0 = disabled
};

/// One user table's cumulative access counters (pg_stat_user_tables) and its columns.
struct TableStats
{
    QString schema;
    QString name;
    double seqScan = 0;
    double seqTupRead = 0;
    double idxScan = 0;
    double liveTuples = 0;
    double sizeBytes = 0;
    QStringList columns;
};

/// One index (pg_stat_user_indexes + pg_index) and what it backs.
struct IndexStats
{
    QString schema;
    QString table;
    QString name;
    double idxScan = 0;
    double sizeBytes = 0;
    bool valid = true;
    bool unique = false; ///< unique or primary key: dropping it changes what the table accepts
    bool backsConstraint = false; ///< a constraint's index (primary key, unique, exclusion, referenced by a FK)
    bool supportsForeignKey = false; ///< its leading columns are a foreign key of its table (RI checks use it)
    QString leadingColumn; ///< empty for an expression index
    QString definition;
};

/// One statement of pg_stat_statements (this database), cumulative.
struct StatementStats
{
    qint64 queryId = 0;
    QString text;
    double calls = 0;
    double totalMs = 0;
    double tempBlksWritten = 0;
    double sharedBlksRead = 0;
};

/**
 * What the detectors need from the catalog at one moment. Read by CatalogReader; built by hand in unit tests.
 * Cumulative counters: detectors compare two snapshots to see what happened between them.
 */
struct CatalogSnapshot
{
    double t = 0; ///< Unix time, seconds
    ServerSettings settings;
    std::optional<double> databaseSizeBytes;
    std::optional<double> statsAgeSeconds; ///< since the statistics were reset (or the server started)
    std::vector<TableStats> tables;
    std::vector<IndexStats> indexes;
    std::vector<StatementStats> statements;
    bool hypopgAvailable = false; ///< the hypopg extension is installed in the target database

    const TableStats *table(const QString &schema, const QString &name) const;
    const StatementStats *statement(qint64 queryId) const;
};

} // namespace vigil
