// SPDX-License-Identifier: MIT
#pragma once

#include "analyse/catalogsnapshot.h"
#include "analyse/detectors.h"

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
class CatalogReader
{
public:
    explicit CatalogReader(PgConnection &connection);

    /// One reading; empty with the reason when a query failed (a missing pg_stat_statements is not a failure:
    /// statements are then empty).
    std::optional<CatalogSnapshot> read(QString *error);

    /**
     * What-if validation of a candidate with hypopg: the plan cost of each statement it serves, with and without
     * a hypothetical index, planned generically (parameters unknown, as the application runs them). Runs inside a
     * read-only transaction that is rolled back; statements that are not one plain SELECT are not planned.
     * Empty when nothing could be planned (error says why).
     */
    std::optional<QJsonObject> whatIf(const IndexCandidate &candidate, const CatalogSnapshot &catalog, QString *error);

private:
    std::optional<double> planCost(const QString &statement, QString *error);

    PgConnection &m_connection;
    bool m_hasStatements = true;
    QHash<qint64, QString> m_texts; ///< statement texts by queryid, read once each
    std::optional<double> m_databaseSize;
    double m_databaseSizeAt = 0;
};

} // namespace vigil
