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

TEST_CASE("recall_design meets the miss target with the fewest rounds", "[minhash]") {
    // Worked by hand (python3, the same rule): at t = 0.8, 128 bins, at most 0.5 % missed,
    // three rounds of 13 bands x 9 rows: 1 - (1 - 0.8^9)^39 = 0.99638; 12 bands give 0.99429.
    auto d = recall_design(0.8, 128, 0.005);
    CHECK(d.rounds == 3);
    CHECK(d.banding.bands == 13);
    CHECK(d.banding.rows == 9);
    CHECK(match_probability(0.8, d.banding, d.rounds) == Approx(0.99638).margin(5e-6));
    CHECK(match_probability(0.8, {12, 9}, 3) < 0.995);
    // Fixed rounds: one round needs flat bands (many more false candidates), more rounds steeper.
    auto one = recall_design(0.8, 128, 0.005, 1);
    CHECK((one.banding.bands == 18 && one.banding.rows == 6 && one.rounds == 1));
    auto two = recall_design(0.8, 128, 0.005, 2);
    CHECK((two.banding.bands == 15 && two.banding.rows == 8 && two.rounds == 2));
    auto four = recall_design(0.8, 128, 0.005, 4);
    CHECK((four.banding.bands == 12 && four.banding.rows == 10 && four.rounds == 4));
    // A loose target: steep banding, about one pair in six missed at t.
    auto loose = recall_design(0.8, 128, 0.2);
    CHECK(loose.rounds == 3);
    CHECK(match_probability(0.8, loose.banding, 3) >= 0.8);
    CHECK(match_probability(0.8, loose.banding, 3) < 0.85);
    // Everywhere: the target is met, within num_perm, with 3 rounds or the fewest above 3.
    for (int perms : {16, 64, 128, 256})
        for (double t : {0.3, 0.5, 0.7, 0.8, 0.9, 0.95})
            for (double miss : {0.001, 0.005, 0.05}) {
                INFO(perms << " " << t << " " << miss);
                auto x = recall_design(t, perms, miss);
                CHECK(x.banding.bands * x.banding.rows <= perms);
                CHECK(match_probability(t, x.banding, x.rounds) >= 1 - miss);
                CHECK(x.rounds >= kDefaultRounds);
                for (int r = kDefaultRounds; r < x.rounds; ++r)
                    for (int rows = 1; rows <= perms; ++rows)
                        CHECK(match_probability(t, {perms / rows, rows}, r) < 1 - miss);
            }
    // A fixed round count that cannot reach the target gives its most probable design.
    auto capped = recall_design(0.5, 8, 1e-6, 1);
    CHECK(capped.rounds == 1);
    CHECK((capped.banding.bands == 8 && capped.banding.rows == 1));
    CHECK(match_probability(0.5, capped.banding, 1) == Approx(1 - std::pow(0.5, 8)));
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

namespace {

/// An independent, deliberately plain reference of signatures() as documented in minhash.h and
/// defined in minhash.cpp: no tables, no sparse/dense split, one round at a time, every walk
/// step hashed afresh. Sharing nothing with the production code but the definition:
///   - round pair p = r & ~1: salt = mix64(seed + p + 0x9e3779b97f4a7c15); a shingle hash h gives
///     x = (h ^ salt) * 0x9e3779b97f4a7c15, x ^= x >> 31; round p takes the high 32 bits, round
///     p + 1 the low 32 bits; that word w goes to bin fast_range(w, bins), value w & (2^25 - 1),
///     and each bin keeps its minimum value;
///   - an empty bin k of round r copies the first filled bin on its walk: step a = 1, 2, ... is
///     bin fast_range(mix64(mix64(seed + r + 0x2545f4914f6cdd1d) ^ (k << 32) ^ a) >> 32, bins).
namespace reference {

std::uint64_t mix64(std::uint64_t x) {  // MurmurHash3 fmix64
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

std::uint32_t fast_range(std::uint32_t x, std::uint32_t n) {
    return static_cast<std::uint32_t>((static_cast<std::uint64_t>(x) * n) >> 32);
}

/// Round r's 32-bit word for shingle hash h.
std::uint32_t word(std::uint64_t h, std::uint64_t seed, int r) {
    const std::uint64_t pair = static_cast<std::uint64_t>(r & ~1);
    const std::uint64_t salt = mix64(seed + pair + 0x9e3779b97f4a7c15ULL);
    std::uint64_t x = (h ^ salt) * 0x9e3779b97f4a7c15ULL;
    x ^= x >> 31;
    return r % 2 == 0 ? static_cast<std::uint32_t>(x >> 32) : static_cast<std::uint32_t>(x);
}

/// Step `attempt` (1-based) of the walk of bin k in round r.
std::uint32_t walk_step(std::uint64_t seed, int r, std::uint32_t k, std::uint64_t attempt,
                        std::uint32_t bins) {
    const std::uint64_t salt = mix64(seed + static_cast<std::uint64_t>(r) + 0x2545f4914f6cdd1dULL);
    const std::uint64_t x = mix64(salt ^ (static_cast<std::uint64_t>(k) << 32) ^ attempt);
    return fast_range(static_cast<std::uint32_t>(x >> 32), bins);
}

/// rounds * bins values, round r at [r * bins]; returns the longest walk taken (in steps).
std::uint64_t signatures(const std::vector<std::uint64_t>& hashes, int num_perm, std::uint64_t seed,
                         int rounds, std::vector<std::uint32_t>& out) {
    const auto bins = static_cast<std::uint32_t>(num_perm);
    out.assign(static_cast<std::size_t>(bins) * rounds, 0);
    std::uint64_t longest = 0;
    for (int r = 0; r < rounds; ++r) {
        std::vector<bool> filled(bins, false);
        std::vector<std::uint32_t> best(bins, 0);
        for (std::uint64_t h : hashes) {
            const std::uint32_t w = word(h, seed, r);
            const std::uint32_t k = fast_range(w, bins);
            const std::uint32_t value = w & ((1u << 25) - 1);
            if (!filled[k] || value < best[k]) best[k] = value;
            filled[k] = true;
        }
        for (std::uint32_t k = 0; k < bins; ++k) {
            std::uint32_t from = k;
            for (std::uint64_t attempt = 1; !filled[from]; ++attempt) {
                from = walk_step(seed, r, k, attempt, bins);
                longest = std::max(longest, attempt);
            }
            out[static_cast<std::size_t>(r) * bins + k] = best[from];
        }
    }
    return longest;
}

}  // namespace reference

/// signatures() through the production entry point.
std::vector<std::uint32_t> production(const std::vector<std::uint64_t>& hashes, int num_perm,
                                      std::uint64_t seed, int rounds) {
    std::vector<std::uint32_t> out(static_cast<std::size_t>(num_perm) * rounds, 0xdeadbeefu);
    signatures(hashes.data(), hashes.size(), num_perm, seed, rounds, out.data());
    return out;
}

/// minhash.cpp takes the sparse (stop-table) path when bins <= 256, rounds * bins^2 <= 2^21 and
/// count < 1.386 * bins (count = hashes passed, repeats included); the walk otherwise.
bool takes_sparse_path(std::size_t count, int bins, int rounds) {
    return bins <= 256 &&
           static_cast<std::size_t>(rounds) * bins * bins <= (std::size_t{1} << 21) &&
           static_cast<double>(count) < 1.386 * bins;
}

}  // namespace

TEST_CASE("sparse densification (stop table) equals the plain densification walk bit for bit",
          "[minhash]") {
    std::mt19937_64 rng(20261126);
    std::size_t sets = 0, sparse_sets = 0, sparse_long_walks = 0, mismatches = 0;
    std::string first_mismatch;
    std::vector<std::uint32_t> expected;

    // One shingle set through production (as is, and padded with repeats so that the count
    // forces the dense walk path) against the reference.
    auto check = [&](const std::vector<std::uint64_t>& set, int bins, std::uint64_t seed,
                     int rounds) {
        const std::uint64_t longest = reference::signatures(set, bins, seed, rounds, expected);
        const auto as_is = production(set, bins, seed, rounds);
        // Same set, every hash repeated until count >= 2 * bins (> 1.386 * bins): the dense
        // path. Repeats cannot change a minimum, so the signature must not change either.
        std::vector<std::uint64_t> padded;
        while (padded.size() < 2 * static_cast<std::size_t>(bins))
            padded.insert(padded.end(), set.begin(), set.end());
        std::shuffle(padded.begin(), padded.end(), rng);
        REQUIRE_FALSE(takes_sparse_path(padded.size(), bins, rounds));
        const auto walked = production(padded, bins, seed, rounds);
        ++sets;
        if (takes_sparse_path(set.size(), bins, rounds)) {
            ++sparse_sets;
            sparse_long_walks += longest > 64;  // past the 64 tabulated steps: the tail fix-up
        }
        if (as_is != expected || walked != expected || as_is != walked) {
            if (mismatches++ == 0) {
                std::size_t at = 0;
                const auto& bad = as_is != expected ? as_is : walked;
                while (at < bad.size() && bad[at] == expected[at]) ++at;
                first_mismatch = "size " + std::to_string(set.size()) + " bins " +
                                 std::to_string(bins) + " rounds " + std::to_string(rounds) +
                                 " seed " + std::to_string(seed) + " path " +
                                 (as_is != expected ? "as-is" : "padded") + " position " +
                                 std::to_string(at) + (as_is != walked ? " (fast != walk)" : "");
            }
        }
    };
    auto random_set = [&](std::size_t size) {
        std::vector<std::uint64_t> set(size);
        for (auto& x : set) x = rng();
        return set;
    };

    // 1 and 16 bins: degenerate tables; 64, 100, 200: min_rows (SSE2 blocks of 64 plus a scalar
    // tail); 128 and 256: the AVX2 path where the CPU has it; 384: no stop table (walk only).
    const std::uint64_t seeds[] = {42, 1, rng()};
    for (int bins : {1, 16, 64, 100, 128, 200, 256, 384}) {
        const auto sparse_limit = static_cast<std::size_t>(std::ceil(1.386 * bins));
        for (int rounds = 1; rounds <= 5; ++rounds) {
            for (std::uint64_t seed : seeds) {
                // Edge sizes: single shingles (long walks), both sides of the sparse threshold.
                for (std::size_t size : {std::size_t{1}, std::size_t{2}, sparse_limit - 1,
                                         sparse_limit, sparse_limit + 1})
                    if (size >= 1) check(random_set(size), bins, seed, rounds);
                // Random sizes: half below the sparse threshold, half over 1..400.
                for (int i = 0; i < 40; ++i) {
                    const std::size_t size =
                        1 + rng() % (i % 2 ? 400 : std::max<std::size_t>(1, sparse_limit - 1));
                    check(random_set(size), bins, seed, rounds);
                }
            }
        }
    }
    // Configurations interleaved at random: the per-thread walk tables must follow each change
    // of (seed, bins, rounds).
    const int bin_choices[] = {16, 64, 100, 128, 200, 256};
    for (int i = 0; i < 1500; ++i) {
        const int bins = bin_choices[rng() % 6];
        const int rounds = 1 + static_cast<int>(rng() % 5);
        check(random_set(1 + rng() % 400), bins, seeds[rng() % 3], rounds);
    }

    INFO("first mismatch: " << first_mismatch);
    CHECK(mismatches == 0);
    // The fast path was actually exercised, including walks past its tabulated steps.
    INFO(sets << " sets, " << sparse_sets << " on the sparse path, " << sparse_long_walks
              << " of them with a walk longer than 64 steps");
    CHECK(sparse_sets > sets / 3);
    CHECK(sparse_long_walks > 50);
}
