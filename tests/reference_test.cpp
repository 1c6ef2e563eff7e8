// reference: contamination against a test set, checked against an exhaustive pairwise
// computation on the real moderation set (and against its independent truth file).
#include "stats/reference.h"

#include <catch2/catch.hpp>
#include <set>
#include <tuple>

#include "common/csv.h"
#include "common/text.h"
#include "stats/minhash.h"

using namespace synthmod;

namespace {

const std::string kRealData = SYNTHMOD_DATA_DIR "/";

using PairSet = std::set<std::tuple<std::uint32_t, std::uint32_t>>;

/// Every dataset x reference pair with Jaccard >= threshold, by brute force.
PairSet exhaustive(const std::vector<std::string>& rows, const std::vector<std::string>& refs,
                   double threshold) {
    auto sets = [](const std::vector<std::string>& texts) {
        std::vector<std::vector<std::uint64_t>> out(texts.size());
        for (std::size_t i = 0; i < texts.size(); ++i)
            minhash::shingle_hashes(texts[i], minhash::ShingleKind::kChar, 5, out[i]);
        return out;
    };
    auto a = sets(rows), b = sets(refs);
    PairSet out;
    for (std::uint32_t i = 0; i < a.size(); ++i)
        for (std::uint32_t j = 0; j < b.size(); ++j) {
            if (a[i].empty() || b[j].empty()) continue;
            std::size_t common = minhash::intersection_size(a[i], b[j]);
            double jac = static_cast<double>(common) /
                         static_cast<double>(a[i].size() + b[j].size() - common);
            if (jac >= threshold) out.emplace(i, j);
        }
    return out;
}

std::vector<std::string_view> views(const std::vector<std::string>& v) {
    return {v.begin(), v.end()};
}

}  // namespace

TEST_CASE("contamination on the real moderation set equals the exhaustive pairwise search",
          "[reference]") {
    auto table = csv::read_table(kRealData + "moderation_openai.csv", {"content"});
    const int content = table.column("content");
    // Dataset: the even rows, plus edited copies of every 7th odd row (a word dropped, a
    // word doubled, a prefix added), so there are pairs at many Jaccard values near 0.8.
    // Reference: the odd rows.
    std::vector<std::string> rows, refs;
    for (std::size_t i = 0; i < table.rows.size(); ++i)
        (i % 2 ? refs : rows).push_back(text::normalize(table.rows[i][content]));
    std::size_t edited = 0;
    for (std::size_t j = 0; j < refs.size(); j += 7) {
        auto w = text::words(refs[j]);
        if (w.size() < 6) continue;
        std::string dropped, doubled;
        for (std::size_t k = 0; k < w.size(); ++k) {
            if (k != w.size() / 2) dropped += (dropped.empty() ? "" : " ") + std::string(w[k]);
            doubled += (doubled.empty() ? "" : " ") + std::string(w[k]);
            if (k == 1) doubled += " " + std::string(w[k]);
        }
        rows.push_back(dropped);
        rows.push_back(doubled);
        rows.push_back("so " + refs[j]);
        edited += 3;
    }
    REQUIRE(edited > 150);
    dedup::NearDupOptions o;
    o.threads = 2;
    auto result = reference::find_contamination(views(rows), views(refs), o);
    PairSet got;
    for (const auto& p : result.pairs) got.emplace(p.row, p.ref);
    const PairSet truth = exhaustive(rows, refs, 0.8);
    REQUIRE(truth.size() > 200);
    // No false pair (verification is exact), and LSH with four rounds misses (almost) none.
    std::size_t found = 0;
    for (const auto& p : got) CHECK(truth.count(p) == 1);
    for (const auto& p : truth) found += got.count(p);
    INFO("found " << found << " of " << truth.size());
    CHECK(static_cast<double>(found) >= 0.99 * static_cast<double>(truth.size()));
    // Rows: contaminated exactly when they are in a pair.
    std::set<std::uint32_t> contaminated;
    for (const auto& p : got) contaminated.insert(std::get<0>(p));
    CHECK(result.contaminated_rows == contaminated.size());
    for (std::uint32_t r = 0; r < rows.size(); ++r)
        CHECK(static_cast<bool>(result.contaminated[r]) == (contaminated.count(r) == 1));
    // Jaccard values are the exact ones.
    for (const auto& p : result.pairs) {
        std::vector<std::uint64_t> a, b;
        minhash::shingle_hashes(rows[p.row], minhash::ShingleKind::kChar, 5, a);
        minhash::shingle_hashes(refs[p.ref], minhash::ShingleKind::kChar, 5, b);
        CHECK(p.jaccard == minhash::jaccard(a, b));
    }

    SECTION("the cross pairs of the untouched rows are those of the independent truth file") {
        // near_dup_truth.py's pairs (a, b) with a even and b odd (or the reverse) are exactly
        // the dataset x reference pairs among the first table.rows.size() / 2 dataset rows.
        auto pairs = csv::read_table(kRealData + "moderation_openai.near_dup_pairs.csv");
        PairSet expected;
        for (const auto& r : pairs.rows) {
            std::uint32_t a = std::stoul(r[0]), b = std::stoul(r[1]);
            if (a % 2 == b % 2) continue;
            if (a % 2) std::swap(a, b);
            expected.emplace(a / 2, b / 2);
        }
        PairSet untouched;
        for (const auto& p : truth)
            if (std::get<0>(p) < (table.rows.size() + 1) / 2) untouched.insert(p);
        CHECK(untouched == expected);
        CHECK(expected.size() == 26);
    }
}

TEST_CASE("contamination: equal normalised texts, empty texts, references among themselves",
          "[reference]") {
    dedup::NearDupOptions o;
    o.threads = 1;
    std::vector<std::string> rows = {text::normalize("Hello, World!  again"), "",
                                     text::normalize("nothing like the others at all"), "abc"};
    std::vector<std::string> refs = {
        text::normalize("hello world again"),   "",
        text::normalize("HELLO WORLD AGAIN!!"), "abc",
        "one two three four five six",          "one two three four five six"};
    auto r = reference::find_contamination(views(rows), views(refs), o);
    CHECK(r.contaminated_rows == 2);
    CHECK(r.exact_rows == 2);
    REQUIRE(r.pairs.size() == 3);
    CHECK(std::tie(r.pairs[0].row, r.pairs[0].ref) == std::make_tuple(0u, 0u));
    CHECK(std::tie(r.pairs[1].row, r.pairs[1].ref) == std::make_tuple(0u, 2u));
    CHECK(std::tie(r.pairs[2].row, r.pairs[2].ref) == std::make_tuple(3u, 3u));
    CHECK(r.pairs[0].jaccard == 1.0);
    CHECK_FALSE(r.contaminated[1]);  // an empty text joins nothing
    // The two equal reference rows 4 and 5 are never paired with each other.
    for (const auto& p : r.pairs) CHECK(p.ref < 4);
    CHECK(reference::find_contamination(views(rows), {}, o).contaminated_rows == 0);
}
