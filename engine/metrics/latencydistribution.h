// SPDX-License-Identifier: MIT
#pragma once

#include <span>
#include <vector>

namespace vigil {

/**
 * The latency distribution of a mix of statements, each known only by its call count, mean and variance.
 *
 * Each statement's interval latencies are modelled as log-normal with the same mean and variance (latencies are
 * positive and right-skewed, which a normal fit with a large stddev is not). The mix is the call-weighted mixture of
 * those; its quantiles are solved for numerically. See docs/derivation.md.
 */
class LatencyDistribution
{
public:
    struct Component
    {
        double weight = 0; ///< usually the call count
        double meanMs = 0;
        double varianceMs2 = 0;
    };

    explicit LatencyDistribution(std::span<const Component> components);

    bool isEmpty() const { return m_parts.empty(); }
    /// The q-quantile (0 < q < 1) in milliseconds; 0 when empty.
    double quantile(double q) const;
    /// Call-weighted mean in milliseconds; 0 when empty.
    double mean() const;

private:
    struct LogNormal
    {
        double weight;
        double mu;
        double sigma;
    };
    double cdfLog(double y) const; ///< mixture CDF at log-latency y
    std::vector<LogNormal> m_parts;
    double m_totalWeight = 0;
    double m_weightedMean = 0;
};

} // namespace vigil
