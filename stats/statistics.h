// statistics: the textbook formulas behind the figures of DESIGN section 9 (Wilson interval,
// chi-square goodness of fit, Cohen's kappa, normalised entropy, percentiles), free of any
// dataset so that each can be checked against hand-computed values.
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <vector>

namespace synthmod::statistics {

struct Interval {
    double lower = 0;
    double upper = 0;
};

/// Wilson score interval of a proportion (z = 1.96 for 95 %); {0, 0} when n = 0.
Interval wilson(std::size_t successes, std::size_t n, double z = 1.959963984540054);

/// Regularised upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a) (series for x < a + 1, Lentz's
/// continued fraction otherwise). Hand-written: the C++ standard library has no incomplete gamma
/// and the only packaged alternative (Boost.Math) would be a new dependency for one function.
double gamma_q(double a, double x);

/// P(X >= x) for X ~ chi-square with `df` degrees of freedom: Q(df/2, x/2).
double chi_square_sf(double x, double df);

struct ChiSquare {
    double statistic = 0;
    int df = 0;
    double p = 1;
};

/// Pearson's goodness of fit of `observed` counts against `weights` (normalised to sum 1).
ChiSquare chi_square_gof(const std::vector<double>& observed, const std::vector<double>& weights);

/// Cohen's kappa of a square confusion matrix (rows: rater A, columns: rater B).
double cohen_kappa(const Eigen::MatrixXd& confusion);

/// Shannon entropy of the shares divided by log(k) for k categories (1 when k <= 1).
double normalized_entropy(const std::vector<double>& counts);

/// Linear-interpolation percentile (numpy's default), q in [0, 1]; 0 for an empty list.
double percentile(std::vector<double> values, double q);

}  // namespace synthmod::statistics
