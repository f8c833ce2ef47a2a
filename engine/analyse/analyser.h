// SPDX-License-Identifier: MIT
#pragma once

#include "analyse/analysisinput.h"
#include "analyse/catalogreader.h"
#include "analyse/finding.h"

#include <functional>
#include <optional>
#include <vector>

namespace vigil {

class PgConnection;

/**
 * Runs every detector over one AnalysisInput. The missing-index candidates go through what-if validation when a
 * validator is given (hypopg on the live target); a candidate that fails it is reported without a recommendation.
 */
class Analyser
{
public:
    /// Returns the what-if evidence for a candidate, or empty when it cannot be validated (error says why).
    using WhatIf = std::function<std::optional<QJsonObject>(const IndexCandidate &, QString *error)>;

    static std::vector<Finding> analyse(const AnalysisInput &input, const WhatIf &whatIf = {});
};

/**
 * The live form: reads the catalog over the collector's connection, keeps the previous reading for rates, and
 * validates index candidates with hypopg when the target has it.
 */
class LiveAnalyser
{
public:
    LiveAnalyser(PgConnection &connection, AnalyserThresholds thresholds);

    /// One run over these samples; empty with the reason when the catalog could not be read.
    /// With `shared`, pg_stat_statements is taken from the collector's reading rather than read again.
    std::optional<std::vector<Finding>> run(const std::vector<Sample> &samples, std::optional<double> hostMemoryBytes,
        QString *error, const SharedStatements *shared = nullptr);
    /// Reads the catalog only (the first reading of a run that will compare two).
    bool prime(QString *error, const SharedStatements *shared = nullptr);

    void setThresholds(const AnalyserThresholds &thresholds) { m_thresholds = thresholds; }
    const AnalyserThresholds &thresholds() const { return m_thresholds; }

private:
    CatalogReader m_reader;
    AnalyserThresholds m_thresholds;
    std::optional<CatalogSnapshot> m_previous;
};

} // namespace vigil
