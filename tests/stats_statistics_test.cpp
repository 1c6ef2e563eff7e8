// Tests of stats/statistics against hand-checked values, closed forms and textbook cases.
#include <catch2/catch.hpp>
#include <cmath>

#include "stats/statistics.h"

using namespace synthmod;

TEST_CASE("Wilson interval", "[statistics]") {
    // p = k/n, c = (p + z^2/2n) / (1 + z^2/n), h = z/(1 + z^2/n) sqrt(p(1-p)/n + z^2/4n^2),
    // z = 1.959963984540054; evaluated with python3.
    auto a = statistics::wilson(12, 14);
    CHECK(a.lower == Approx(0.6005862050302965).epsilon(1e-12));
    CHECK(a.upper == Approx(0.9599060787285351).epsilon(1e-12));
    auto b = statistics::wilson(0, 10);
    CHECK(b.lower == Approx(0.0).margin(1e-15));
    CHECK(b.upper == Approx(0.2775327998628892).epsilon(1e-12));
    auto c = statistics::wilson(50, 100);
    CHECK(c.lower == Approx(0.4038315303659956).epsilon(1e-12));
    CHECK(c.upper == Approx(0.5961684696340044).epsilon(1e-12));
    CHECK(statistics::wilson(0, 0).upper == 0.0);
}

TEST_CASE("chi-square survival function against closed forms", "[statistics]") {
    // Closed forms (python3): df=1 sf = erfc(sqrt(x/2)); df=3 sf = erfc(sqrt(x/2)) +
    // sqrt(2x/pi) e^{-x/2}; even df sf = e^{-x/2} sum_{k<df/2} (x/2)^k / k!.
    CHECK(statistics::chi_square_sf(3.841458820694124, 1) == Approx(0.05).epsilon(1e-10));
    CHECK(statistics::chi_square_sf(7.814727903251178, 3) == Approx(0.05).epsilon(1e-10));
    CHECK(statistics::chi_square_sf(18.307038053275146, 10) == Approx(0.05).epsilon(1e-10));
    CHECK(statistics::chi_square_sf(0.5, 4) == Approx(0.9735009788392561).epsilon(1e-12));
    CHECK(statistics::chi_square_sf(100.0, 10) == Approx(5.4497019829205295e-17).epsilon(1e-8));
    CHECK(statistics::chi_square_sf(0.0, 3) == 1.0);
    // Goodness of fit of (6, 5, 5) against uniform: expected 16/3 each,
    // X^2 = ((2/3)^2 + 2 (1/3)^2) / (16/3) = 0.125, df 2, p = e^{-0.0625}.
    auto chi = statistics::chi_square_gof({6, 5, 5}, {1, 1, 1});
    CHECK(chi.statistic == Approx(0.125));
    CHECK(chi.df == 2);
    CHECK(chi.p == Approx(0.9394130628134758).epsilon(1e-12));
    // Weights are normalised: (0.5, 0.25, 0.25) of 16 = (8, 4, 4);
    // X^2 = 4/8 + 1/4 + 1/4 = 1.0, p = e^{-0.5}.
    auto weighted = statistics::chi_square_gof({6, 5, 5}, {2, 1, 1});
    CHECK(weighted.statistic == Approx(1.0));
    CHECK(weighted.p == Approx(std::exp(-0.5)).epsilon(1e-12));
}

TEST_CASE("Cohen's kappa, entropy, percentiles", "[statistics]") {
    // Rows our label, columns judge label: po = 12/14, row sums (6, 3, 5), column sums
    // (8, 2, 4), pe = 74/196, kappa = (168 - 74) / (196 - 74) = 94/122.
    Eigen::MatrixXd c(3, 3);
    c << 6, 0, 0, 1, 2, 0, 1, 0, 4;
    CHECK(statistics::cohen_kappa(c) == Approx(94.0 / 122.0));
    Eigen::MatrixXd perfect = Eigen::MatrixXd::Identity(2, 2) * 5;
    CHECK(statistics::cohen_kappa(perfect) == Approx(1.0));
    // -sum p ln p / ln 3 for (6, 5, 5)/16 (python3).
    CHECK(statistics::normalized_entropy({6, 5, 5}) == Approx(0.9965119062478287));
    CHECK(statistics::normalized_entropy({4, 4}) == Approx(1.0));
    CHECK(statistics::normalized_entropy({4, 0}) == Approx(0.0));
    CHECK(statistics::percentile({1, 2, 3, 4}, 0.5) == Approx(2.5));
    CHECK(statistics::percentile({10, 20, 30, 40, 50}, 0.95) == Approx(48.0));
}

TEST_CASE("Wilson bounds solve the score equation", "[statistics]") {
    // Independently of the closed form: each bound p of the Wilson interval is a root of
    // (k/n - p)^2 = z^2 p (1 - p) / n, lower <= k/n <= upper, and the bounds are clamped to [0, 1]
    // only where the root would leave it (never here: both roots lie in [0, 1]).
    const double z = 1.959963984540054;
    for (std::size_t n : {1u, 2u, 7u, 30u, 1000u}) {
        for (std::size_t k = 0; k <= n; k += (n > 30 ? 97 : 1)) {
            INFO(k << " of " << n);
            const auto ci = statistics::wilson(k, n);
            const double phat = static_cast<double>(k) / static_cast<double>(n);
            for (double p : {ci.lower, ci.upper}) {
                const double lhs = (phat - p) * (phat - p);
                const double rhs = z * z * p * (1 - p) / static_cast<double>(n);
                CHECK(lhs == Approx(rhs).margin(1e-12));
            }
            CHECK(ci.lower <= phat + 1e-15);
            CHECK(ci.upper >= phat - 1e-15);
        }
    }
}

TEST_CASE("incomplete gamma against its closed form for integer a, both branches", "[statistics]") {
    // Q(a, x) = e^{-x} sum_{k<a} x^k / k! for integer a; x < a + 1 takes the series,
    // x >= a + 1 the continued fraction.
    for (int a = 1; a <= 12; ++a) {
        for (double x : {0.01, 0.5, 1.0, 2.5, 5.0, 9.0, 13.0, 20.0, 40.0}) {
            double sum = 0, term = 1;
            for (int k = 0; k < a; ++k) {
                sum += term;
                term *= x / (k + 1);
            }
            const double want = std::exp(-x) * sum;
            INFO("a " << a << ", x " << x);
            CHECK(statistics::gamma_q(a, x) == Approx(want).epsilon(1e-10).margin(1e-300));
        }
    }
    // Two degrees of freedom: sf(x) = e^{-x/2}.
    for (double x : {0.1, 1.0, 3.0, 10.0, 50.0})
        CHECK(statistics::chi_square_sf(x, 2) == Approx(std::exp(-x / 2)).epsilon(1e-12));
    CHECK(statistics::gamma_q(2, 0) == 1.0);
    CHECK(statistics::chi_square_sf(5.0, 0) == 1.0);
}

TEST_CASE("chi-square goodness of fit: edge cases", "[statistics]") {
    // A category with zero weight but rows: the fit is impossible (statistic inf, p 0).
    auto impossible = statistics::chi_square_gof({3, 1}, {1, 0});
    CHECK(std::isinf(impossible.statistic));
    CHECK(impossible.p == 0.0);
    // Fewer than two categories or no rows: nothing to test (statistic 0, p 1, df 0).
    auto one = statistics::chi_square_gof({10}, {1});
    CHECK(one.df == 0);
    CHECK(one.p == 1.0);
    auto empty = statistics::chi_square_gof({0, 0}, {1, 1});
    CHECK(empty.p == 1.0);
    // A perfect fit: statistic 0, p 1.
    auto perfect = statistics::chi_square_gof({25, 25, 50}, {1, 1, 2});
    CHECK(perfect.statistic == Approx(0.0).margin(1e-15));
    CHECK(perfect.p == Approx(1.0));
}

TEST_CASE("kappa, entropy and percentiles against textbook cases", "[statistics]") {
    // The 2 x 2 example of Cohen's kappa on Wikipedia: 20 yes/yes, 5 yes/no, 10 no/yes,
    // 15 no/no: po = 0.7, pe = 0.5 * 0.6 + 0.5 * 0.4 = 0.5, kappa = 0.4.
    Eigen::MatrixXd c(2, 2);
    c << 20, 5, 10, 15;
    CHECK(statistics::cohen_kappa(c) == Approx(0.4));
    // Agreement no better than chance: kappa 0 (independent margins, 2 x 2 of 25 each).
    Eigen::MatrixXd chance = Eigen::MatrixXd::Constant(2, 2, 25);
    CHECK(statistics::cohen_kappa(chance) == Approx(0.0).margin(1e-15));
    CHECK(statistics::cohen_kappa(Eigen::MatrixXd::Zero(2, 2)) == 0.0);
    // One category only, all agreeing: pe = 1, kappa defined as 1.
    Eigen::MatrixXd single = Eigen::MatrixXd::Constant(1, 1, 7);
    CHECK(statistics::cohen_kappa(single) == 1.0);
    // (1, 1, 2)/4: H = -(2 * 0.25 ln 0.25 + 0.5 ln 0.5) / ln 3 = 0.946394630357186 (python3).
    CHECK(statistics::normalized_entropy({1, 1, 2}) == Approx(0.946394630357186).epsilon(1e-12));
    CHECK(statistics::normalized_entropy({5, 5, 5, 5}) == Approx(1.0));
    CHECK(statistics::normalized_entropy({9}) == 1.0);
    CHECK(statistics::normalized_entropy({}) == 1.0);
    // numpy.percentile's default ("linear"): position q (n - 1) in the sorted values.
    CHECK(statistics::percentile({10, 1, 7, 3, 5, 9, 2, 8, 4, 6}, 0.9) == Approx(9.1));
    CHECK(statistics::percentile({3, 1, 2}, 0.0) == 1.0);
    CHECK(statistics::percentile({3, 1, 2}, 1.0) == 3.0);
    CHECK(statistics::percentile({42}, 0.95) == 42.0);
    CHECK(statistics::percentile({}, 0.5) == 0.0);
}
