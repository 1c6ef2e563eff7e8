// Tests of stats/metrics and stats/compare: the figures and the filter on a small judged file,
// and the bootstrap intervals (the statistics themselves: stats_statistics_test.cpp).
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <set>
#include <string_view>

#include "common/text.h"
#include "stats/compare.h"
#include "stats/dedup.h"
#include "stats/metrics.h"
#include "stats/metrics_sections.h"
#include "stats/stats.h"

using namespace synthmod;
using metrics::Reason;

namespace {

const std::string kJudged = SYNTHMOD_SOURCE_DIR "/tests/data/stats_judged.csv";

struct Loaded {
    metrics::Dataset data;
    dedup::NearDupResult dups;
    metrics::Metrics m;
};

Loaded load(const metrics::Reference& reference = {}) {
    Loaded l{dataset::load({kJudged}), {}, {}};
    l.data.prepare(2);
    l.dups = dedup::find_near_duplicates(l.data.normalized, {});
    l.m = metrics::compute(l.data, l.dups, reference);
    return l;
}

}  // namespace

TEST_CASE("figures and filter of a small judged file", "[metrics]") {
    // tests/data/stats_judged.csv, 16 rows; its duplicate truth by near_dup_truth.py:
    // pairs (0,6) (2,14) (2,15) (8,9) (14,15); rows 8/9 carry different labels.
    auto l = load();
    const auto& m = l.m;
    CHECK(m.rows == 16);
    CHECK(m.label_counts.at("Safe") == 6);
    CHECK(m.imbalance_ratio == Approx(1.2));
    CHECK(m.exact_dup_rows == 2);
    CHECK(m.empty_rows == 1);
    CHECK(m.near_dup_pairs == 5);
    CHECK(m.near_dup_clusters == 3);
    CHECK(m.rows_in_clusters == 7);
    CHECK(m.near_dup_removed == 4);
    CHECK(m.label_conflict_rows == 2);
    // Judge: 14 ok rows, 12 of them label_correct; one refused, one error.
    CHECK(m.judge_ok == 14);
    CHECK(*m.agreement == Approx(12.0 / 14.0));
    CHECK(m.agreement_ci.lower == Approx(0.6005862050302965));
    CHECK(*m.kappa == Approx(94.0 / 122.0));
    CHECK(*m.realism_mean == Approx(47.0 / 14.0));
    CHECK(m.realism_histogram == std::vector<std::size_t>{1, 2, 4, 5, 2});
    CHECK(*m.judge_refusal_rate == Approx(1.0 / 16.0));
    CHECK(m.issue_counts.at("off_topic") == 2);
    CHECK(m.per_label.at("Safe").precision == Approx(1.0));       // 6 of our 6 Safe
    CHECK(m.per_label.at("Safe").recall == Approx(6.0 / 8.0));    // judge said Safe 8 times
    CHECK(m.per_label.at("Spam & Scams").recall == Approx(1.0));  // 4 of 4
    CHECK(*m.persona_coverage == Approx(6.0 / 16.0));
    CHECK(m.chi.p == Approx(0.9394130628134758));
    // The filter, row by row (DESIGN section 9).
    std::vector<Reason> want = {Reason::kKeep,     Reason::kKeep,           Reason::kKeep,
                                Reason::kKeep,     Reason::kKeep,           Reason::kKeep,
                                Reason::kExactDup, Reason::kKeep,           Reason::kLabelConflict,
                                Reason::kNearDup,  Reason::kJudgeDisagrees, Reason::kJudgeDisagrees,
                                Reason::kEmpty,    Reason::kJudgeDisagrees, Reason::kNearDup,
                                Reason::kExactDup};
    for (std::size_t i = 0; i < want.size(); ++i) {
        INFO("row " << i);
        CHECK(metrics::reason_name(m.reasons[i]) == std::string(metrics::reason_name(want[i])));
    }
    CHECK(m.kept_rows == std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 7});
}

TEST_CASE("low realism and the spec's weights", "[metrics]") {
    metrics::Reference ref;
    ref.labels = {"Safe", "Spam & Scams", "Self-harm & Suicide", "Privacy"};
    ref.weights = {0.25, 0.25, 0.25, 0.25};
    ref.min_realism = 4;
    auto l = load(ref);
    // Row 1 (realism 3) and row 5 (realism 3) now fall below min_realism 4.
    CHECK(l.m.reasons[1] == Reason::kLowRealism);
    CHECK(l.m.reasons[5] == Reason::kLowRealism);
    CHECK(l.m.spec_labels_missing == std::vector<std::string>{"Privacy"});
    CHECK(l.m.chi.df == 3);
    // Observed (6, 5, 5, 0) against 4 each: (4 + 1 + 1 + 16) / 4 = 5.5.
    CHECK(l.m.chi.statistic == Approx(5.5));
}

TEST_CASE("bootstrap intervals: paired by persona x target_label", "[metrics]") {
    auto l = load();
    auto cmp = compare::by_column(l.data, "variant", {}, {}, 42, 1000);
    REQUIRE(cmp.groups == std::vector<std::string>{"A", "B"});
    CHECK(cmp.paired);
    CHECK(cmp.pairs[1] == 7);  // (p1..p6 x label) pairs; row 12/13 have no partner
    const compare::Row* words = nullptr;
    for (const auto& r : cmp.rows)
        if (r.metric == "words_mean") words = &r;
    REQUIRE(words);
    REQUIRE(words->lower[1]);
    // The point difference lies inside its own interval, which is not degenerate.
    CHECK(*words->lower[1] <= *words->diff[1]);
    CHECK(*words->diff[1] <= *words->upper[1]);
    CHECK(*words->lower[1] < *words->upper[1]);
    // Same seed, same interval.
    auto again = compare::by_column(l.data, "variant", {}, {}, 42, 1000);
    for (const auto& r : again.rows)
        if (r.metric == "words_mean") CHECK(*r.lower[1] == *words->lower[1]);
}

TEST_CASE("bootstrap intervals against hand-checked cases", "[metrics]") {
    // Two variants over the same 40 (persona, target_label) keys; variant B's post is always
    // exactly 2 words longer. Paired: every resample's difference is exactly 2, so the
    // interval is [2, 2]. Unpaired (no persona column): the interval must be wider and hold 2.
    auto make = [](const std::string& persona_column) {
        metrics::Dataset d({"content", "label", "variant", persona_column, "target_label"});
        const auto file = d.add_file("t.csv");
        for (int k = 0; k < 40; ++k) {
            std::string base;
            for (int w = 0; w < 5 + k % 7; ++w)
                base += "w" + std::to_string(w) + "x" + std::to_string(k) + " ";
            d.add_row({base, "Safe", "A", "p" + std::to_string(k), "Safe"}, file, 2 + 2 * k);
            d.add_row({base + "extra words", "Safe", "B", "p" + std::to_string(k), "Safe"}, file,
                      3 + 2 * k);
        }
        d.prepare(1);
        return d;
    };
    metrics::Dataset d = make("persona");
    auto paired = compare::by_column(d, "variant", {}, {}, 7, 500);
    CHECK(paired.paired);
    for (const auto& r : paired.rows)
        if (r.metric == "words_mean") {
            CHECK(*r.diff[1] == Approx(2.0));
            CHECK(*r.lower[1] == Approx(2.0));
            CHECK(*r.upper[1] == Approx(2.0));
        }
    // No persona column: unpaired bootstrap.
    auto unpaired = compare::by_column(make("who"), "variant", {}, {}, 7, 500);
    CHECK_FALSE(unpaired.paired);
    for (const auto& r : unpaired.rows)
        if (r.metric == "words_mean") {
            // Lengths 5..11 words (sd ~2): unpaired sd of the difference ~ sqrt(2 * 4 / 40) = 0.45.
            CHECK(*r.lower[1] < 1.5);
            CHECK(*r.upper[1] > 2.5);
            CHECK(*r.lower[1] < 2.0);
            CHECK(*r.upper[1] > 2.0);
        }
}

TEST_CASE("word counts per row equal Python's str.split() (text::words) for every whitespace",
          "[metrics]") {
    // The counting in prepare() takes 16 ASCII bytes at a time; text::words is the reference.
    // Random texts over every ASCII whitespace Python splits on, near misses (0x08, 0x0e, 0x1b,
    // 0x7f) and, now and then, non-ASCII spaces (NBSP, U+2003), across 16-byte boundaries.
    const std::vector<std::string> pieces = {" ",    "\t",   "\n",   "\x0b", "\x0c", "\r",
                                             "\x1c", "\x1d", "\x1e", "\x1f", "a",    "bc",
                                             "\x08", "\x0e", "\x1b", "\x7f", "x",    "  "};
    std::mt19937 rng(11);
    metrics::Dataset d({"content", "label"});
    const auto file = d.add_file("t.csv");
    std::vector<std::string> texts;
    for (int k = 0; k < 4000; ++k) {
        std::string t;
        const int n = static_cast<int>(rng() % 60);
        for (int p = 0; p < n; ++p) t += pieces[rng() % pieces.size()];
        if (k % 50 == 0) t.insert(rng() % (t.size() + 1), rng() % 2 ? "\xc2\xa0" : "\xe2\x80\x83");
        texts.push_back(t);
        d.add_row({t, "Safe"}, file, static_cast<std::size_t>(k + 2));
    }
    d.prepare(2);
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < texts.size(); ++i)
        wrong += d.words[i] != text::words(texts[i]).size();
    CHECK(wrong == 0);
}

TEST_CASE("what runs alongside the diversity figures sees every reason final", "[metrics]") {
    auto l = load();
    std::vector<Reason> seen_reasons;
    std::vector<std::size_t> seen_kept;
    const auto m = metrics::compute(l.data, l.dups, {}, {}, 2, [&](const metrics::Metrics& at) {
        seen_reasons = at.reasons;
        seen_kept = at.kept_rows;
    });
    CHECK(seen_reasons == l.m.reasons);
    CHECK(seen_kept == l.m.kept_rows);
    CHECK_FALSE(seen_kept.empty());
    // The figures are the same with and without it.
    CHECK(m.reasons == l.m.reasons);
    CHECK(m.kept_rows == l.m.kept_rows);
    CHECK(m.distinct_1 == l.m.distinct_1);
    CHECK(m.distinct_2 == l.m.distinct_2);
    CHECK(m.near_dup_removed == l.m.near_dup_removed);
    // What it throws comes out of compute, after the figures' own thread is done.
    CHECK_THROWS_WITH(metrics::compute(l.data, l.dups, {}, {}, 2,
                                       [](const metrics::Metrics&) {
                                           throw std::runtime_error("row files: disk full");
                                       }),
                      "row files: disk full");
}

namespace {

/// The reference for distinct_grams: the pieces between single spaces of each normalised text
/// (words; an empty one between two spaces), and the spans of two neighbours, as strings.
struct NGramTruth {
    std::set<std::string_view> unigrams, bigrams;
    std::size_t total_1 = 0, total_2 = 0;
};

NGramTruth ngrams_by_set(const metrics::Dataset& d) {
    NGramTruth t;
    for (std::size_t i = 0; i < d.size(); ++i) {
        const std::string_view s = d.normalized[i];
        std::size_t start = 0, prev = std::string_view::npos;
        while (start < s.size()) {
            const std::size_t stop = std::min(s.find(' ', start), s.size());
            t.unigrams.insert(s.substr(start, stop - start));
            ++t.total_1;
            if (prev != std::string_view::npos) {
                t.bigrams.insert(s.substr(prev, stop - prev));
                ++t.total_2;
            }
            prev = start;
            start = stop + 1;
        }
    }
    return t;
}

template <class Grams>
void check_grams(const Grams& g, const NGramTruth& truth) {
    CHECK(g.total_1 == truth.total_1);
    CHECK(g.distinct_1 == truth.unigrams.size());
    CHECK(g.total_2 == truth.total_2);
    CHECK(g.distinct_2 == truth.bigrams.size());
}

}  // namespace

TEST_CASE("distinct n-grams: the kept bigram hashes and the second hashing walk agree with a set",
          "[metrics]") {
    // 6,000 rows (two workers) of words from a small vocabulary, so that unigrams and bigrams
    // repeat, some with double spaces (an empty word between them) or a trailing space.
    const std::vector<std::string> vocab = {"a", "bb", "ccc", "dddd", "eeeee", "ff", "g", "hh"};
    std::mt19937 rng(5);
    metrics::Dataset d({"content", "label"});
    const auto file = d.add_file("t.csv");
    for (int k = 0; k < 6000; ++k) {
        std::string t;
        const int n = static_cast<int>(rng() % 12);
        for (int w = 0; w < n; ++w) {
            if (w > 0) t += rng() % 20 ? " " : "  ";
            t += vocab[rng() % vocab.size()];
        }
        d.add_row({t, k % 2 ? "Safe" : "Harmful"}, file, static_cast<std::size_t>(k + 2));
    }
    d.prepare(2);
    const NGramTruth truth = ngrams_by_set(d);
    const std::vector<std::size_t> all;
    const metrics::sections::Rows rows(d, all, 2);
    for (std::size_t kept : {metrics::sections::kKeptBigrams, std::size_t{0}})
        check_grams(metrics::sections::distinct_grams(rows, 2, kept), truth);
}

TEST_CASE("distinct n-grams: a large vocabulary on 1-3 threads agrees with a set", "[metrics]") {
    // 25,000 rows of words from 4,000 and 6,000 words seen once, so that each worker's unigram
    // set grows several times (it is half full at most) and the bigrams fill many prefixes.
    std::mt19937 rng(11);
    std::vector<std::string> vocab;
    for (int v = 0; v < 4000; ++v) vocab.push_back("w" + std::to_string(v * 7919 % 100003));
    metrics::Dataset d({"content", "label"});
    const auto file = d.add_file("t.csv");
    for (int k = 0; k < 25000; ++k) {
        std::string t;
        const int n = 1 + static_cast<int>(rng() % 20);
        for (int w = 0; w < n; ++w) {
            if (w > 0) t += ' ';
            t += vocab[rng() % (w % 3 ? vocab.size() : 50)];  // some words far more common
        }
        // Words seen once, early in each worker's rows: a set that lost keys as it grew
        // would not see them again.
        if (k % 12500 < 3000) t += " u" + std::to_string(k);
        d.add_row({t, "Safe"}, file, static_cast<std::size_t>(k + 2));
    }
    d.prepare(2);
    const NGramTruth truth = ngrams_by_set(d);
    REQUIRE(truth.unigrams.size() > 2000);
    const std::vector<std::size_t> all;
    for (int threads : {1, 2, 3}) {
        const metrics::sections::Rows rows(d, all, threads);
        for (std::size_t kept : {metrics::sections::kKeptBigrams, std::size_t{0}})
            check_grams(metrics::sections::distinct_grams(rows, threads, kept), truth);
    }
}
