// SPDX-License-Identifier: MIT
#include "analyse/analyser.h"

#include "analyse/detectors.h"

#include <algorithm>

namespace vigil {

std::vector<Finding> Analyser::analyse(const AnalysisInput &input, const WhatIf &whatIf)
{
    std::vector<Finding> findings;
    auto append = [&findings](std::vector<Finding> more) {
        for (Finding &f : more)
            findings.push_back(std::move(f));
    };
    append(ConnectionPoolDetector::analyse(input));
    append(CacheDetector::analyse(input));
    for (const IndexCandidate &candidate : MissingIndexDetector::candidates(input)) {
        QJsonObject evidence;
        bool validated = true;
        if (whatIf && input.catalog.hypopgAvailable) {
            QString why;
            if (const std::optional<QJsonObject> result = whatIf(candidate, &why)) {
                evidence = *result;
                validated = result->value(QLatin1StringView("cost_reduction")).toDouble()
                    >= input.thresholds.whatIfMinCostReduction;
                evidence.insert(QStringLiteral("required_reduction"), input.thresholds.whatIfMinCostReduction);
            } else {
                // Validation could not run (no statement could be planned, no privilege on hypopg): the candidate
                // stays unvalidated, as without hypopg, and the guard still watches the index once built.
                evidence = { { QStringLiteral("error"), why } };
            }
        }
        findings.push_back(MissingIndexDetector::finding(candidate, input, evidence, validated));
    }
    append(UnusedIndexDetector::analyse(input));
    append(SpillDetector::analyse(input));
    // The most severe first: the engine acts on one recommendation per run, and it should be the one that matters.
    std::stable_sort(findings.begin(), findings.end(),
        [](const Finding &a, const Finding &b) { return int(a.severity) > int(b.severity); });
    return findings;
}

LiveAnalyser::LiveAnalyser(PgConnection &connection, AnalyserThresholds thresholds)
    : m_reader(connection)
    , m_thresholds(thresholds)
{ }

bool LiveAnalyser::prime(QString *error, const SharedStatements *shared)
{
    std::optional<CatalogSnapshot> catalog = m_reader.read(error, shared);
    if (!catalog)
        return false;
    m_previous = std::move(catalog);
    return true;
}

std::optional<std::vector<Finding>> LiveAnalyser::run(const std::vector<Sample> &samples,
    std::optional<double> hostMemoryBytes, QString *error, const SharedStatements *shared)
{
    std::optional<CatalogSnapshot> catalog = m_reader.read(error, shared);
    if (!catalog)
        return std::nullopt;
    AnalysisInput input;
    input.samples = samples;
    input.catalog = std::move(*catalog);
    input.previousCatalog = m_previous;
    input.hostMemoryBytes = hostMemoryBytes;
    input.thresholds = m_thresholds;
    const std::vector<Finding> findings
        = Analyser::analyse(input, [this, &input](const IndexCandidate &candidate, QString *why) {
              return m_reader.whatIf(candidate, input.catalog, why);
          });
    m_previous = std::move(input.catalog);
    return findings;
}

} // namespace vigil
