// Tests of stats/minhash: shingles, one-permutation MinHash, LSH banding.
#include <xxhash.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <set>

#include "stats/minhash.h"

using namespace synthmod::minhash;

namespace {

std::uint64_t h(const std::string& s) { return XXH3_64bits(s.data(), s.size()); }

std::vector<std::uint64_t> sorted(std::vector<std::uint64_t> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

/// Two random sets of `size` elements each sharing `common`: Jaccard common / (2 size - common).
std::pair<std::vector<std::uint64_t>, std::vector<std::uint64_t>> random_pair(std::mt19937_64& rng,
                                                                              int size,
                                                                              int common) {
    std::vector<std::uint64_t> a, b;
    for (int i = 0; i < common; ++i) {
        auto x = rng();
        a.push_back(x);
        b.push_back(x);
    }
    for (int i = common; i < size; ++i) {
        a.push_back(rng());
        b.push_back(rng());
    }
    return {sorted(a), sorted(b)};
}

}  // namespace

TEST_CASE("char shingles are n code points of the normalised text", "[minhash]") {
    std::vector<std::uint64_t> out;
    SECTION("ascii") {
        shingle_hashes("abcdefg", ShingleKind::kChar, 5, out);
        CHECK(out == sorted({h("abcde"), h("bcdef"), h("cdefg")}));
    }
    SECTION("multi-byte code points count once") {
        shingle_hashes("h\xc3\xa9llo w", ShingleKind::kChar, 5, out);  // "héllo w": 7 code points
        CHECK(out == sorted({h("h\xc3\xa9llo"), h("\xc3\xa9llo "), h("llo w")}));
    }
    SECTION("a text shorter than n is its own shingle; an empty one has none") {
        shingle_hashes("abcd", ShingleKind::kChar, 5, out);
        CHECK(out == std::vector<std::uint64_t>{h("abcd")});
        shingle_hashes("", ShingleKind::kChar, 5, out);
        CHECK(out.empty());
    }
    SECTION("repeated shingles are counted once") {
        shingle_hashes("aaaaaaa", ShingleKind::kChar, 5, out);
        CHECK(out == std::vector<std::uint64_t>{h("aaaaa")});
    }
    SECTION("word shingles") {
        shingle_hashes("a bb c dd", ShingleKind::kWord, 2, out);
        CHECK(out == sorted({h("a bb"), h("bb c"), h("c dd")}));
        shingle_hashes("one two", ShingleKind::kWord, 5, out);
        CHECK(out == std::vector<std::uint64_t>{h("one two")});
    }
}

TEST_CASE("exact Jaccard of sorted hash sets", "[minhash]") {
    CHECK(jaccard({1, 2, 3, 4}, {3, 4, 5}) == Approx(2.0 / 5.0));
    CHECK(intersection_size({1, 5, 9}, {2, 5, 9, 11}) == 2);
    CHECK(jaccard({7}, {7}) == 1.0);
    CHECK(jaccard({}, {}) == 0.0);
}

TEST_CASE("one-permutation MinHash estimates Jaccard within its expected error", "[minhash]") {
    std::mt19937_64 rng(7);
    const int perms = 128;
    std::vector<std::uint32_t> sa(perms), sb(perms);
    // Large sets fill every bin; small ones (< perms shingles) go through densification.
    for (int size : {1000, 200, 40}) {
        double error_sum = 0;
        int pairs = 0;
        for (int trial = 0; trial < 100; ++trial) {
            int common = static_cast<int>(rng() % (size + 1));
            auto [a, b] = random_pair(rng, size, common);
            double exact = jaccard(a, b);
            signature(a.data(), a.size(), perms, 42, sa.data());
            signature(b.data(), b.size(), perms, 42, sb.data());
            double est = estimate_jaccard(sa.data(), sb.data(), perms);
            // Binomial standard error sqrt(J(1-J)/k); 5 sigma (plus one position) per pair.
            double sigma = std::sqrt(exact * (1 - exact) / perms);
            INFO("size " << size << " J " << exact << " est " << est);
            CHECK(std::abs(est - exact) <= 5 * sigma + 1.0 / perms);
            error_sum += est - exact;
            ++pairs;
        }
        // Unbiased: the mean error over 100 pairs is far below one position's worth.
        INFO("size " << size);
        CHECK(std::abs(error_sum / pairs) < 0.02);
    }
    SECTION("identical sets give identical signatures; the seed changes them") {
        auto [a, b] = random_pair(rng, 50, 50);
        signature(a.data(), a.size(), perms, 1, sa.data());
        signature(b.data(), b.size(), perms, 1, sb.data());
        CHECK(sa == sb);
        signature(b.data(), b.size(), perms, 2, sb.data());
        CHECK(sa != sb);
    }
}

TEST_CASE("LSH banding follows datasketch's optimal parameters", "[minhash]") {
    // Reference: datasketch's _optimal_param loop (b = 1..num_perm, r = 1..num_perm/b, error =
    // 0.5 * integral_0^t P + 0.5 * integral_t^1 (1 - P), P(s) = 1 - (1 - s^r)^b), evaluated once
    // with python3 and a 2000-interval Simpson rule: t=0.8 -> (9, 13), 0.5 -> (25, 5),
    // 0.9 -> (5, 25), all for num_perm = 128.
    auto b8 = optimal_banding(0.8, 128);
    CHECK(b8.bands == 9);
    CHECK(b8.rows == 13);
    auto b5 = optimal_banding(0.5, 128);
    CHECK(b5.bands == 25);
    CHECK(b5.rows == 5);
    auto b9 = optimal_banding(0.9, 128);
    CHECK(b9.bands == 5);
    CHECK(b9.rows == 25);
    // 1 - (1 - 0.8^13)^9 = 0.39884387824016365 (python3).
    CHECK(match_probability(0.8, b8) == Approx(0.39884387824016365).epsilon(1e-12));
    // Four rounds: 1 - (1 - 0.39884...)^4 = 0.8693... (python3: 0.8693982199951618).
    CHECK(match_probability(0.8, b8, 4) == Approx(0.8693982199951618).epsilon(1e-9));
    CHECK(match_probability(0.0, b8) == 0.0);
    CHECK(match_probability(1.0, b8) == 1.0);
}

TEST_CASE("the empirical LSH candidate rate matches 1-(1-s^r)^b", "[minhash]") {
    std::mt19937_64 rng(11);
    const int perms = 128;
    Banding banding{9, 13};
    std::vector<std::uint32_t> sa(perms), sb(perms);
    for (double s : {0.7, 0.8, 0.9}) {
        const int trials = 400;
        int hits = 0;
        int size = 300;
        // common / (2 size - common) = s  =>  common = 2 s size / (1 + s)
        int common = static_cast<int>(std::lround(2 * s * size / (1 + s)));
        double exact = 0;
        for (int t = 0; t < trials; ++t) {
            auto [a, b] = random_pair(rng, size, common);
            exact = jaccard(a, b);
            signature(a.data(), a.size(), perms, t, sa.data());
            signature(b.data(), b.size(), perms, t, sb.data());
            bool hit = false;
            for (int band = 0; band < banding.bands && !hit; ++band)
                hit = band_key(sa.data(), banding, band) == band_key(sb.data(), banding, band);
            hits += hit;
        }
        double p = match_probability(exact, banding);
        double sigma = std::sqrt(p * (1 - p) / trials);
        INFO("s " << exact << " expected " << p << " got " << double(hits) / trials);
        CHECK(std::abs(double(hits) / trials - p) < 4 * sigma + 0.01);
    }
}

TEST_CASE("radix sort sorts", "[minhash]") {
    std::mt19937_64 rng(3);
    std::vector<std::uint64_t> v(100000);
    for (auto& x : v) x = rng() >> (rng() % 40);
    auto w = v;
    radix_sort(v);
    std::sort(w.begin(), w.end());
    CHECK(v == w);
}

TEST_CASE("ShingleTable compares exactly like sorted intersection", "[minhash]") {
    std::mt19937_64 rng(13);
    ShingleTable shingle_table;
    for (int trial = 0; trial < 200; ++trial) {
        std::vector<std::uint64_t> a, b;
        int na = 1 + static_cast<int>(rng() % 300), nb = 1 + static_cast<int>(rng() % 300);
        for (int i = 0; i < na; ++i) a.push_back(rng() % 400);  // small range: repeats and overlap
        for (int i = 0; i < nb; ++i) b.push_back(rng() % 400);
        shingle_table.assign(a);
        auto [common, size_b] = shingle_table.compare(b);
        auto sa = sorted(a), sb = sorted(b);
        CHECK(shingle_table.size() == sa.size());
        CHECK(size_b == sb.size());
        CHECK(common == intersection_size(sa, sb));
        // The table is unchanged by a comparison.
        auto again = shingle_table.compare(b);
        CHECK(again.first == common);
    }
}
