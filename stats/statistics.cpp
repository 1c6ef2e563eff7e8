#include "stats/statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace synthmod::statistics {

Interval wilson(std::size_t successes, std::size_t n, double z) {
    if (n == 0) return {0, 0};
    const double nn = static_cast<double>(n);
    const double p = static_cast<double>(successes) / nn;
    const double z2 = z * z;
    const double center = (p + z2 / (2 * nn)) / (1 + z2 / nn);
    const double half = z / (1 + z2 / nn) * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
    return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

double gamma_q(double a, double x) {
    if (x <= 0) return 1.0;
    if (a <= 0) return 0.0;
    const double log_prefix = a * std::log(x) - x - std::lgamma(a);
    const double eps = 1e-15;
    if (x < a + 1) {
        // P(a, x) by its series; Q = 1 - P.
        double term = 1.0 / a, sum = term, ap = a;
        for (int n = 0; n < 10000; ++n) {
            ap += 1;
            term *= x / ap;
            sum += term;
            if (std::abs(term) < std::abs(sum) * eps) break;
        }
        return std::max(0.0, 1.0 - sum * std::exp(log_prefix));
    }
    // Q(a, x) by its continued fraction (modified Lentz).
    const double tiny = 1e-300;
    double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
    for (int i = 1; i < 10000; ++i) {
        double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (std::abs(d) < tiny) d = tiny;
        c = b + an / c;
        if (std::abs(c) < tiny) c = tiny;
        d = 1 / d;
        double delta = d * c;
        h *= delta;
        if (std::abs(delta - 1) < eps) break;
    }
    return std::exp(log_prefix) * h;
}

double chi_square_sf(double x, double df) {
    if (df <= 0) return 1.0;
    return gamma_q(df / 2, x / 2);
}

ChiSquare chi_square_gof(const std::vector<double>& observed, const std::vector<double>& weights) {
    ChiSquare out;
    double total = 0, weight_sum = 0;
    for (double o : observed) total += o;
    for (double w : weights) weight_sum += w;
    if (observed.size() < 2 || total <= 0 || weight_sum <= 0) return out;
    for (std::size_t k = 0; k < observed.size(); ++k) {
        double expected = total * weights[k] / weight_sum;
        if (expected <= 0) {
            if (observed[k] > 0) out.statistic = std::numeric_limits<double>::infinity();
            continue;
        }
        double diff = observed[k] - expected;
        out.statistic += diff * diff / expected;
    }
    out.df = static_cast<int>(observed.size()) - 1;
    out.p = std::isinf(out.statistic) ? 0.0 : chi_square_sf(out.statistic, out.df);
    return out;
}

double cohen_kappa(const Eigen::MatrixXd& confusion) {
    const double n = confusion.sum();
    if (n <= 0) return 0.0;
    const double observed = confusion.trace() / n;
    const double expected =
        confusion.rowwise().sum().dot(confusion.colwise().sum().transpose()) / (n * n);
    if (expected >= 1.0) return observed >= 1.0 ? 1.0 : 0.0;
    return (observed - expected) / (1 - expected);
}

double normalized_entropy(const std::vector<double>& counts) {
    double total = 0;
    std::size_t k = 0;
    for (double c : counts) {
        total += c;
        k += c > 0 ? 1 : 0;
    }
    if (counts.size() <= 1 || total <= 0) return 1.0;
    double h = 0;
    for (double c : counts)
        if (c > 0) h -= (c / total) * std::log(c / total);
    return h / std::log(static_cast<double>(counts.size()));
}

double percentile(std::vector<double> values, double q) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    double pos = q * static_cast<double>(values.size() - 1);
    std::size_t lo = static_cast<std::size_t>(std::floor(pos));
    std::size_t hi = std::min(values.size() - 1, lo + 1);
    return values[lo] + (values[hi] - values[lo]) * (pos - static_cast<double>(lo));
}

}  // namespace synthmod::statistics
