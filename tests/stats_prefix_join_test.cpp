// Tests of stats/prefix_join: the exact similarity join gives exactly the pairs of a brute force.
#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "stats/prefix_join.h"

using namespace synthmod;

namespace {

using Sets = std::vector<std::vector<std::uint64_t>>;
/// (a, b, |A n B|, |A u B|) of a pair.
using Found = std::vector<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t>>;

/// Every pair of non-empty sets with |A n B| / |A u B| >= t, by std::set_intersection.
Found brute_force(Sets sets, double t) {
    for (auto& s : sets) {
        std::sort(s.begin(), s.end());
        s.erase(std::unique(s.begin(), s.end()), s.end());
    }
    Found out;
    for (std::uint32_t a = 0; a < sets.size(); ++a)
        for (std::uint32_t b = a + 1; b < sets.size(); ++b) {
            if (sets[a].empty() || sets[b].empty()) continue;
            std::vector<std::uint64_t> common;
            std::set_intersection(sets[a].begin(), sets[a].end(), sets[b].begin(), sets[b].end(),
                                  std::back_inserter(common));
            const std::size_t uni = sets[a].size() + sets[b].size() - common.size();
            if (static_cast<double>(common.size()) / static_cast<double>(uni) >= t)
                out.emplace_back(a, b, static_cast<std::uint32_t>(common.size()),
                                 static_cast<std::uint32_t>(uni));
        }
    return out;
}

/// Tokens of all sets, repeats included: the bound that lets the join keep the sets.
std::size_t all_tokens(const Sets& sets) {
    std::size_t n = 0;
    for (const auto& s : sets) n += s.size();
    return n;
}

prefix_join::Result join(const Sets& sets, double t, int threads, std::size_t bound) {
    return prefix_join::self_join(
        sets.size(), [&](std::size_t k, std::vector<std::uint64_t>& out) { out = sets[k]; }, t,
        threads, bound);
}

/// The join's pairs, with the sets kept between its passes (`keep`) or made again.
Found joined(const Sets& sets, double t, int threads, bool keep = false) {
    const auto r = join(sets, t, threads, keep ? all_tokens(sets) : 0);
    Found out;
    for (const auto& p : r.pairs) out.emplace_back(p.a, p.b, p.intersection, p.union_size);
    return out;
}

/// Token k of a small universe, spread over 64 bits as a shingle hash is (the join buckets and
/// counts tokens by their top bits).
std::uint64_t token(std::uint64_t k) { return (k + 1) * 0x9E3779B97F4A7C15ULL; }

/// `n` random sets: skewed token frequencies (a few tokens in most sets, a long tail), sizes
/// 1-40 with repeats, and near copies of earlier sets (a few tokens swapped, added or dropped)
/// so that many pairs sit around any threshold.
Sets random_sets(std::size_t n, std::uint64_t universe, std::mt19937_64& rng) {
    Sets sets;
    auto skewed = [&] {
        const double u = std::uniform_real_distribution<double>(0, 1)(rng);
        return token(static_cast<std::uint64_t>(u * u * u * universe));
    };
    for (std::size_t i = 0; i < n; ++i) {
        std::vector<std::uint64_t> s;
        if (i > 0 && rng() % 2 == 0) {
            s = sets[rng() % sets.size()];
            const int edits = static_cast<int>(rng() % 4);
            for (int e = 0; e < edits && !s.empty(); ++e) {
                const auto op = rng() % 3;
                if (op == 0) s[rng() % s.size()] = skewed();
                if (op == 1) s.push_back(skewed());
                if (op == 2 && s.size() > 1) s.erase(s.begin() + rng() % s.size());
            }
        } else {
            const std::size_t size = 1 + rng() % 40;
            for (std::size_t k = 0; k < size; ++k) s.push_back(skewed());
        }
        if (!s.empty() && rng() % 5 == 0) s.push_back(s.front());  // a repeat
        sets.push_back(std::move(s));
    }
    return sets;
}

}  // namespace

TEST_CASE("prefix lengths of AllPairs and PPJoin", "[prefix_join]") {
    // t = 0.8, |x| = 10: a pair shares >= 8 tokens with x, so 3 of them are enough to probe;
    // the index keeps 10 - ceil(1.6 / 1.8 * 10) + 1 = 10 - 9 + 1 = 2.
    CHECK(prefix_join::ceil_down(0.8 * 10) == 8);
    CHECK(prefix_join::probe_prefix(10, 0.8) == 3);
    CHECK(prefix_join::index_prefix(10, 0.8) == 2);
    CHECK(prefix_join::probe_prefix(1, 0.8) == 1);
    CHECK(prefix_join::index_prefix(1, 0.8) == 1);
    CHECK(prefix_join::probe_prefix(5, 1.0) == 1);
    CHECK(prefix_join::probe_prefix(7, 0.5) == 4);           // 7 - ceil(3.5) + 1
    CHECK(prefix_join::index_prefix(7, 0.5) == 3);           // 7 - ceil(2 / 3 * 7 = 4.67) + 1
    CHECK(prefix_join::ceil_down(3.0000000000000004) == 3);  // 0.1 * 30 in double
}

TEST_CASE("the exact join gives exactly the brute force's pairs on random sets", "[prefix_join]") {
    std::mt19937_64 rng(16);
    std::size_t pairs = 0, runs = 0;
    for (double t : {0.3, 0.5, 0.7, 0.8, 0.85, 0.9, 1.0}) {
        for (std::uint64_t universe : {30, 200, 5000}) {
            const Sets sets = random_sets(400, universe, rng);
            const Found truth = brute_force(sets, t);
            pairs += truth.size();
            for (int threads : {1, 3})
                for (bool keep : {false, true}) {
                    INFO("t " << t << " universe " << universe << " threads " << threads << " keep "
                              << keep);
                    CHECK(joined(sets, t, threads, keep) == truth);
                    ++runs;
                }
        }
    }
    INFO(pairs << " pairs over " << runs << " runs");
    CHECK(pairs > 10000);  // the sets hold pairs at every threshold
}

TEST_CASE("the exact join: empty sets join nothing, equal sets pair", "[prefix_join]") {
    const Sets sets = {{}, {token(1)}, {}, {token(1)}, {token(1), token(2)}, {token(3)}};
    CHECK(joined(sets, 0.5, 1) == Found{{1, 3, 1, 1}, {1, 4, 1, 2}, {3, 4, 1, 2}});
    CHECK(joined(sets, 0.8, 2) == Found{{1, 3, 1, 1}});
}

TEST_CASE("the exact join keeps the sets between its passes or not: the same candidates",
          "[prefix_join]") {
    // The candidate count is in the report, so the two ways must filter alike, not only find
    // the same pairs.
    std::mt19937_64 rng(7);
    const Sets sets = random_sets(3000, 2000, rng);
    for (double t : {0.5, 0.8}) {
        const auto made = join(sets, t, 2, 0);
        const auto kept = join(sets, t, 2, all_tokens(sets));
        INFO("t " << t);
        CHECK(made.candidates > 0);
        CHECK(kept.candidates == made.candidates);
        CHECK(kept.index_entries == made.index_entries);
        CHECK(kept.pairs.size() == made.pairs.size());
    }
    // A bound under the tokens given is a caller's bug, not a wrong answer.
    CHECK_THROWS_AS(join(sets, 0.8, 2, all_tokens(sets) / 2), std::logic_error);
}

TEST_CASE("the exact join keeps sets of thousands of tokens as it keeps short ones",
          "[prefix_join]") {
    // Sets over 4,096 tokens get room of their own in the kept sets' buffer, short ones share
    // blocks; mixed in one join, with near copies and repeats, kept or made again, the join
    // must find the brute force's pairs with the same candidates.
    std::mt19937_64 rng(29);
    Sets sets;
    for (int i = 0; i < 120; ++i) {
        std::vector<std::uint64_t> s;
        if (i > 0 && rng() % 2 == 0) {
            s = sets[rng() % sets.size()];
            const std::size_t edits = rng() % (s.size() / 8 + 2);
            for (std::size_t e = 0; e < edits; ++e) s[rng() % s.size()] = token(rng() % 20000);
        } else {
            const std::size_t size = rng() % 3 == 0 ? 4000 + rng() % 5000 : 1 + rng() % 60;
            for (std::size_t k = 0; k < size; ++k) s.push_back(token(rng() % 20000));
        }
        s.push_back(s.front());  // a repeat
        sets.push_back(std::move(s));
    }
    std::size_t large = 0;
    for (const auto& s : sets) large += s.size() > 4096;
    CHECK(large >= 10);
    for (double t : {0.5, 0.8}) {
        INFO("t " << t);
        const Found truth = brute_force(sets, t);
        CHECK(truth.size() > 10);
        CHECK(joined(sets, t, 2, true) == truth);
        CHECK(joined(sets, t, 1, true) == truth);
        const auto made = join(sets, t, 2, 0);
        const auto kept = join(sets, t, 2, all_tokens(sets));
        CHECK(kept.candidates == made.candidates);
        CHECK(kept.index_entries == made.index_entries);
    }
}
