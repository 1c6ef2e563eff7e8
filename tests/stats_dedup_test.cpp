// Tests of stats/dedup: exact duplicates, near-duplicate pairs and clusters.
#include <rapidjson/document.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "common/csv.h"
#include "common/text.h"
#include "stats/dedup.h"

using namespace synthmod;

namespace {

std::vector<std::string_view> views(const std::vector<std::string>& v) {
    return std::vector<std::string_view>(v.begin(), v.end());
}

/// Brute force: every pair of non-empty texts with exact char-5-gram Jaccard >= t.
std::set<std::pair<std::uint32_t, std::uint32_t>> brute_pairs(const std::vector<std::string>& t,
                                                              double threshold) {
    std::vector<std::vector<std::uint64_t>> sets(t.size());
    for (std::size_t i = 0; i < t.size(); ++i)
        minhash::shingle_hashes(t[i], minhash::ShingleKind::kChar, 5, sets[i]);
    std::set<std::pair<std::uint32_t, std::uint32_t>> out;
    for (std::uint32_t i = 0; i < t.size(); ++i)
        for (std::uint32_t j = i + 1; j < t.size(); ++j)
            if (!sets[i].empty() && minhash::jaccard(sets[i], sets[j]) >= threshold)
                out.insert({i, j});
    return out;
}

std::string random_post(std::mt19937_64& rng) {
    static const char* words[] = {"free",  "prize", "click", "link",   "today", "win",
                                  "money", "hello", "great", "thanks", "post",  "reply",
                                  "help",  "need",  "sorry", "friend", "call",  "now"};
    std::string s;
    int n = 15 + static_cast<int>(rng() % 20);
    for (int i = 0; i < n; ++i) {
        if (i) s += ' ';
        s += words[rng() % 18];
        s += std::to_string(rng() % 50);
    }
    return s;
}

}  // namespace

TEST_CASE("first_equal maps each row to the first row with the same text", "[dedup]") {
    std::vector<std::string> t = {"a", "b", "a", "", "b", ""};
    auto first = dedup::first_equal(views(t), 2);
    CHECK(first == std::vector<std::uint32_t>{0, 1, 0, 3, 1, 3});
    CHECK(dedup::duplicate_rows(first) == 3);
}

TEST_CASE("first_equal over many partitions matches a map of the texts", "[dedup]") {
    // Over 2^16 rows the hashes are grouped in 64 partitions; texts repeated up to 9 times at
    // random rows, so a group's first row is rarely its first in any partition's order.
    std::mt19937 rng(16);
    std::vector<std::string> t(90000);
    for (auto& s : t) s = "text " + std::to_string(rng() % 30000);
    t[5] = "";
    t[70000] = "";
    std::map<std::string, std::uint32_t> seen;
    std::vector<std::uint32_t> expected(t.size());
    for (std::uint32_t i = 0; i < t.size(); ++i) expected[i] = seen.emplace(t[i], i).first->second;
    for (int threads : {1, 2, 3}) {
        auto first = dedup::first_equal(views(t), threads);
        CHECK(first == expected);
        std::vector<dedup::Hash128> hashes;
        for (const auto& s : t) {
            XXH128_hash_t h = XXH3_128bits(s.data(), s.size());
            hashes.push_back({h.high64, h.low64});
        }
        CHECK(dedup::first_equal(std::move(hashes), threads) == expected);
    }
    CHECK(dedup::duplicate_rows(expected) == t.size() - seen.size());
}

TEST_CASE("near duplicates: identical texts pair, empty ones never, short ones as a whole",
          "[dedup]") {
    std::vector<std::string> t = {
        "the quick brown fox jumps over the lazy dog",   // 0
        "",                                              // 1
        "the quick brown fox jumps over the lazy dog",   // 2 identical to 0
        "",                                              // 3
        "abc",                                           // 4 short: its own shingle
        "abc",                                           // 5
        "abd",                                           // 6 no shared shingle with 4
        "the quick brown fox jumps over the lazy dogs",  // 7 near 0 and 2
        "something entirely different from the rest",    // 8
    };
    dedup::NearDupOptions options;
    auto r = dedup::find_near_duplicates(views(t), options);
    auto pairs = dedup::row_pairs(r);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> got;
    for (auto& p : pairs) got.push_back({p.i, p.j});
    CHECK(got ==
          std::vector<std::pair<std::uint32_t, std::uint32_t>>{{0, 2}, {0, 7}, {2, 7}, {4, 5}});
    CHECK(r.pairs == 4);
    CHECK(r.short_rows == 3);  // "abc", "abc", "abd": shorter than 5 code points
    CHECK(r.clusters == 2);
    CHECK(r.rows_in_clusters == 5);
    CHECK(r.cluster[0] == 0);
    CHECK(r.cluster[4] == 1);
    CHECK(r.cluster[1] == -1);
    CHECK(r.cluster[3] == -1);
    CHECK(r.cluster[6] == -1);
    // 0/7: 39 vs 40 shingles, 39 shared.
    CHECK(pairs[1].jaccard == Approx(39.0 / 40.0));
}

TEST_CASE("near duplicates match brute force on a planted corpus", "[dedup]") {
    std::mt19937_64 rng(5);
    std::vector<std::string> t;
    for (int i = 0; i < 600; ++i) {
        if (i > 10 && rng() % 4 == 0) {
            // Copy an earlier post with a few word edits (Jaccard roughly 0.6 to 1).
            std::string s = t[rng() % t.size()];
            int edits = static_cast<int>(rng() % 4);
            for (int e = 0; e < edits; ++e) s[rng() % s.size()] = 'x';
            t.push_back(s);
        } else {
            t.push_back(random_post(rng));
        }
    }
    auto truth = brute_pairs(t, 0.8);
    dedup::NearDupOptions lsh;
    lsh.method = dedup::Method::kLsh;
    auto r = dedup::find_near_duplicates(views(t), lsh);
    REQUIRE(r.method == dedup::Method::kLsh);
    std::set<std::pair<std::uint32_t, std::uint32_t>> got;
    for (auto& p : dedup::row_pairs(r)) {
        got.insert({p.i, p.j});
        CHECK(p.jaccard >= 0.8);
    }
    for (auto& p : got) {
        INFO(p.first << "," << p.second);
        CHECK(truth.count(p) == 1);  // no pair outside the truth
    }
    // Recall as the LSH curve predicts: E[found] = sum of P(J) over the true pairs (pairs of
    // identical texts are always found); allow 3 standard deviations.
    std::vector<std::vector<std::uint64_t>> sets(t.size());
    for (std::size_t i = 0; i < t.size(); ++i)
        minhash::shingle_hashes(t[i], minhash::ShingleKind::kChar, 5, sets[i]);
    double expected = 0, variance = 0, found = 0;
    for (auto& p : truth) {
        double j = minhash::jaccard(sets[p.first], sets[p.second]);
        double prob =
            t[p.first] == t[p.second] ? 1.0 : minhash::match_probability(j, r.banding, r.rounds);
        expected += prob;
        variance += prob * (1 - prob);
        found += got.count(p);
    }
    INFO("truth " << truth.size() << " found " << found << " expected " << expected);
    REQUIRE(truth.size() > 50);
    CHECK(found >= expected - 3 * std::sqrt(variance));
    CHECK(found / truth.size() >= 0.95);
}

TEST_CASE("the exact join finds exactly the brute force's pairs", "[dedup]") {
    std::mt19937_64 rng(7);
    std::vector<std::string> t;
    for (int i = 0; i < 800; ++i) {
        if (i > 10 && rng() % 3 == 0) {
            std::string s = t[rng() % t.size()];
            int edits = static_cast<int>(rng() % 5);
            for (int e = 0; e < edits && !s.empty(); ++e) s[rng() % s.size()] = 'x';
            t.push_back(s);
        } else {
            t.push_back(i % 50 == 0 ? std::string() : random_post(rng));
        }
    }
    const auto truth = brute_pairs(t, 0.8);
    REQUIRE(truth.size() > 100);
    for (auto method : {dedup::Method::kExact, dedup::Method::kAuto}) {
        dedup::NearDupOptions options;
        options.method = method;
        const auto r = dedup::find_near_duplicates(views(t), options);
        CHECK(r.method == dedup::Method::kExact);  // auto: 800 texts
        std::set<std::pair<std::uint32_t, std::uint32_t>> got;
        for (auto& p : dedup::row_pairs(r)) got.insert({p.i, p.j});
        CHECK(got == truth);
        CHECK(r.pairs == truth.size());
    }
}

TEST_CASE("auto picks the exact join for few texts, or for short ones up to 100k", "[dedup]") {
    using dedup::Method;
    CHECK(dedup::auto_method(Method::kAuto, 5000, 500) == Method::kExact);
    CHECK(dedup::auto_method(Method::kAuto, 5001, 500) == Method::kLsh);
    CHECK(dedup::auto_method(Method::kAuto, 100000, 64) == Method::kExact);
    CHECK(dedup::auto_method(Method::kAuto, 100000, 64.5) == Method::kLsh);
    CHECK(dedup::auto_method(Method::kAuto, 100001, 30) == Method::kLsh);
    CHECK(dedup::auto_method(Method::kLsh, 10, 1) == Method::kLsh);
    CHECK(dedup::auto_method(Method::kExact, 1000000, 500) == Method::kExact);
    // mean_shingles counts shingles with repeats: "abcdefg" has 3 char 5-grams, "ab" one.
    const std::vector<std::string> t = {"abcdefg", "ab", "", "ab"};
    const auto r = dedup::find_near_duplicates(views(t), {});
    CHECK(r.mean_shingles == Approx(2.0));
    CHECK(r.short_rows == 2);
}

TEST_CASE("mean_shingles counts every code point and word of long and multibyte texts", "[dedup]") {
    // The units are counted 16 bytes at a time, in runs of up to 255 blocks: texts of up to
    // 9,000 bytes of ASCII letters, spaces and 2- to 4-byte code points, each joined alone with
    // 1-grams, so that mean_shingles is its code points (char) or its spaces + 1 (word).
    std::mt19937_64 rng(61);
    const std::vector<std::string> pieces = {
        "a", "Z", " ", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "  "};
    for (int i = 0; i < 200; ++i) {
        std::string text;
        const std::size_t length = i < 20 ? static_cast<std::size_t>(i) : rng() % 9000;
        while (text.size() < length) text += pieces[rng() % pieces.size()];
        std::size_t code_points = 0, spaces = 0;
        for (char c : text) {
            code_points += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
            spaces += c == ' ';
        }
        if (text.empty()) continue;
        INFO("text of " << text.size() << " bytes");
        for (auto kind : {minhash::ShingleKind::kChar, minhash::ShingleKind::kWord}) {
            dedup::NearDupOptions options;
            options.shingle = kind;
            options.ngram = 1;
            const std::vector<std::string> one = {text};
            const auto r = dedup::find_near_duplicates(views(one), options);
            const std::size_t units =
                kind == minhash::ShingleKind::kChar ? code_points : spaces + 1;
            CHECK(r.mean_shingles == Approx(static_cast<double>(units)).epsilon(1e-12));
        }
    }
}

TEST_CASE("exact and near duplicates of the real moderation set equal the truth file", "[dedup]") {
    for (auto method : {dedup::Method::kLsh, dedup::Method::kExact}) {
        dedup::NearDupOptions options;
        options.method = method;
        INFO(dedup::method_name(method));
        const std::string dir = SYNTHMOD_DATA_DIR "/";
        auto table = csv::read_table(dir + "moderation_openai.csv", {"content", "label"});
        int content = table.column("content");
        int label = table.column("label");
        std::vector<std::string> norm, trimmed;
        for (auto& row : table.rows) {
            norm.push_back(text::normalize(row[content]));
            trimmed.push_back(text::trim(row[content]));
        }
        std::ifstream in(dir + "moderation_openai.truth.json");
        std::stringstream ss;
        ss << in.rdbuf();
        rapidjson::Document truth;
        truth.Parse(ss.str().c_str());
        REQUIRE(truth.IsObject());

        auto r = dedup::find_near_duplicates(views(norm), options);
        CHECK(r.method == method);
        CHECK(dedup::duplicate_rows(r.first_equal) == truth["exact_dup_rows"].GetUint64());
        CHECK(dedup::duplicate_rows(dedup::first_equal(views(trimmed), 2)) ==
              truth["raw_exact_dup_rows"].GetUint64());
        CHECK(r.pairs == truth["near_dup_pairs"].GetUint64());
        CHECK(r.clusters == truth["near_dup_clusters"].GetUint64());
        CHECK(r.rows_in_clusters == truth["rows_in_clusters"].GetUint64());
        std::size_t conflict_rows = 0;
        std::vector<std::set<std::string>> labels(r.clusters);
        std::vector<std::size_t> sizes(r.clusters);
        for (std::size_t i = 0; i < norm.size(); ++i)
            if (r.cluster[i] >= 0) {
                labels[r.cluster[i]].insert(table.rows[i][label]);
                ++sizes[r.cluster[i]];
            }
        for (std::size_t c = 0; c < r.clusters; ++c)
            if (labels[c].size() > 1) conflict_rows += sizes[c];
        CHECK(conflict_rows == truth["label_conflict_rows"].GetUint64());

        // Pairs: none outside the exact enumeration, and all 46 found (each is proposed with
        // probability >= 0.995 at the default max_miss; this seed finds every one).
        std::set<std::pair<std::uint32_t, std::uint32_t>> expected;
        auto pairs_table = csv::read_table(dir + "moderation_openai.near_dup_pairs.csv");
        for (auto& row : pairs_table.rows)
            expected.insert({std::stoul(row[0]), std::stoul(row[1])});
        std::size_t found = 0;
        for (auto& p : dedup::row_pairs(r)) {
            INFO(p.i << "," << p.j);
            CHECK(expected.count({p.i, p.j}) == 1);
            found += expected.count({p.i, p.j});
        }
        CHECK(found == expected.size());
    }
}
