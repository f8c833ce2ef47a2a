// SPDX-License-Identifier: MIT
#pragma once

#include "analyse/catalogsnapshot.h"
#include "analyse/detectors.h"
#include "collect/snapshot.h"

#include <QHash>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace vigil {

class PgConnection;

/**
 * Reads what the detectors need from the target's catalog and statistics views, over the collector's libpq
 * connection (the engine thread's), with the collector's marker so these reads never count as workload.
 * Every value is bound; no name is pasted into SQL except identifiers quoted by sqltext for what-if planning.
 */
/// pg_stat_statements as the collector read it this interval (cumulative counters, texts by queryid): the engine
/// hands it to the analyser, which then does not read the view a second time.
struct SharedStatements
{
    const std::vector<StatementCounters> &counters;
    const QHash<qint64, QString> &texts;
};

class CatalogReader
{
public:
    explicit CatalogReader(PgConnection &connection);

    /// One reading; empty with the reason when a query failed (a missing pg_stat_statements is not a failure:
    /// statements are then empty).
    /// With `shared`, the statements are taken from it instead of read again.
    std::optional<CatalogSnapshot> read(QString *error, const SharedStatements *shared = nullptr);

    /**
     * What-if validation of a candidate with hypopg: the plan cost of each statement it serves, with and without
     * a hypothetical index, planned generically (parameters unknown, as the application runs them). Runs inside a
     * read-only transaction that is rolled back; statements that are not one plain SELECT are not planned.
     * Empty when nothing could be planned (error says why).
     */
    std::optional<QJsonObject> whatIf(const IndexCandidate &candidate, const CatalogSnapshot &catalog, QString *error);

private:
    std::optional<double> planCost(const QString &statement, QString *error);
    /// The statements of this database that cost the most, read from pg_stat_statements; false when the
    /// connection broke (error says why).
    bool readStatements(CatalogSnapshot &c, QString *error);
    static void takeStatements(CatalogSnapshot &c, const SharedStatements &shared);

    PgConnection &m_connection;
    bool m_hasStatements = true;
    QHash<qint64, QString> m_texts; ///< statement texts by queryid, read once each
    std::optional<double> m_databaseSize;
    double m_databaseSizeAt = 0;
};

} // namespace vigil
