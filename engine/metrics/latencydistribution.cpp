// SPDX-License-Identifier: MIT
#include "metrics/latencydistribution.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace vigil {

namespace {
// Below these a statement is a point mass; a tiny spread keeps the CDF continuous for the solver.
constexpr double kMinMeanMs = 1e-6;
constexpr double kMinSigma = 1e-3;

double normalCdf(double z)
{
    return 0.5 * std::erfc(-z / std::numbers::sqrt2);
}

/// The standard normal CDF and density at u together, sharing one exp(): the solver's inner loop runs this for
/// every statement, and glibc's erfc plus a separate exp were most of the cost. Abramowitz & Stegun 7.1.26 for
/// erfc (absolute error below 1.5e-7, far below what a 95th percentile estimate can notice).
void normalCdfAndPdf(double u, double &cdf, double &pdf)
{
    const double x = std::abs(u) / std::numbers::sqrt2;
    const double e = std::exp(-0.5 * u * u);
    const double t = 1.0 / (1.0 + 0.3275911 * x);
    const double poly
        = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    const double upperTail = 0.5 * poly * e; // P(Z > |u|)
    cdf = u >= 0 ? 1.0 - upperTail : upperTail;
    pdf = e / std::sqrt(2.0 * std::numbers::pi);
}
double normalPdf(double z)
{
    return std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi);
}

/// Inverse of the standard normal CDF (Acklam's rational approximation, refined by one Newton step).
double normalQuantile(double p)
{
    static constexpr double a[] = { -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
        1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00 };
    static constexpr double b[] = { -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
        6.680131188771972e+01, -1.328068155288572e+01 };
    static constexpr double c[] = { -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
        -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00 };
    static constexpr double d[]
        = { 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00 };
    const double pLow = 0.02425;
    double x;
    if (p < pLow) {
        const double q = std::sqrt(-2 * std::log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
            / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p <= 1 - pLow) {
        const double q = p - 0.5;
        const double r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    } else {
        const double q = std::sqrt(-2 * std::log(1 - p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
            / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    const double e = normalCdf(x) - p;
    return x - e / std::max(normalPdf(x), 1e-300);
}
} // namespace

LatencyDistribution::LatencyDistribution(std::span<const Component> components)
{
    m_parts.reserve(components.size());
    for (const Component &c : components) {
        if (!(c.weight > 0) || !std::isfinite(c.meanMs) || !std::isfinite(c.varianceMs2))
            continue;
        const double mean = std::max(c.meanMs, kMinMeanMs);
        const double variance = std::max(c.varianceMs2, 0.0);
        // Log-normal with the given mean m and variance v: sigma^2 = ln(1 + v/m^2), mu = ln m - sigma^2/2.
        const double sigma2 = std::log1p(variance / (mean * mean));
        const double sigma = std::max(std::sqrt(sigma2), kMinSigma);
        m_parts.push_back({ c.weight, std::log(mean) - sigma2 / 2, sigma });
        m_totalWeight += c.weight;
        m_weightedMean += c.weight * mean;
    }
}

double LatencyDistribution::mean() const
{
    return m_totalWeight > 0 ? m_weightedMean / m_totalWeight : 0.0;
}

double LatencyDistribution::cdfLog(double y) const
{
    double sum = 0;
    for (const LogNormal &p : m_parts)
        sum += p.weight * normalCdf((y - p.mu) / p.sigma);
    return sum / m_totalWeight;
}

double LatencyDistribution::quantile(double q) const
{
    if (m_parts.empty())
        return 0.0;
    q = std::clamp(q, 1e-9, 1 - 1e-9);
    const double z = normalQuantile(q);

    // The mixture's q-quantile lies between the smallest and the largest component q-quantile.
    double lo = HUGE_VAL;
    double hi = -HUGE_VAL;
    double guess = 0;
    for (const LogNormal &p : m_parts) {
        const double yq = p.mu + p.sigma * z;
        lo = std::min(lo, yq);
        hi = std::max(hi, yq);
        guess += p.weight * yq;
    }
    if (hi - lo < 1e-12)
        return std::exp(lo);
    double y = std::clamp(guess / m_totalWeight, lo, hi);

    // Safeguarded Newton on the log scale: a handful of passes over the components instead of ~60 for bisection.
    for (int iteration = 0; iteration < 60; ++iteration) {
        double cdf = 0;
        double pdf = 0;
        for (const LogNormal &p : m_parts) {
            const double u = (y - p.mu) / p.sigma;
            // Far in a tail the CDF is 0 or 1 to double precision and the density nothing: skip erfc and exp,
            // which are most of the cost with thousands of statements.
            if (u > 8.5) {
                cdf += p.weight;
                continue;
            }
            if (u < -8.5)
                continue;
            double c;
            double d;
            normalCdfAndPdf(u, c, d);
            cdf += p.weight * c;
            pdf += p.weight * d / p.sigma;
        }
        cdf /= m_totalWeight;
        pdf /= m_totalWeight;
        const double error = cdf - q;
        if (error > 0)
            hi = y;
        else
            lo = y;
        if (std::abs(error) < 1e-7 || hi - lo < 1e-9)
            break;
        double next = pdf > 0 ? y - error / pdf : 0.5 * (lo + hi);
        if (!(next > lo && next < hi))
            next = 0.5 * (lo + hi); // Newton left the bracket: bisect instead
        y = next;
    }
    return std::exp(y);
}

} // namespace vigil
