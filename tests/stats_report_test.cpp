// Tests of stats/report's Markdown: each section from hand-built figures (numbers formatted as
// the report promises, hostile text escaped, optional parts present only with their data), the
// duplicate method note from the search's own options, and the sections' order in report.md.
#include <catch2/catch.hpp>
#include <cmath>

#include "stats/compare.h"
#include "stats/dataset.h"
#include "stats/dedup.h"
#include "stats/figures.h"
#include "stats/metrics.h"
#include "stats/report.h"

using namespace synthmod;

namespace {

const std::string kJudged = SYNTHMOD_SOURCE_DIR "/tests/data/stats_judged.csv";

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

/// Four rows: 3 "Safe", 1 hostile label.
metrics::Metrics balance_figures(const std::string& other) {
    metrics::Metrics m;
    m.rows = 4;
    m.label_counts = {{"Safe", 3}, {other, 1}};
    m.imbalance_ratio = 3;
    m.entropy = 0.8112781244591328;               // -(0.75 log2 0.75 + 0.25 log2 0.25)
    m.chi = {1.0, 1, std::erfc(std::sqrt(0.5))};  // (3-2)^2/2 + (1-2)^2/2, df 1
    m.chi_reference = "uniform";
    return m;
}

}  // namespace

TEST_CASE("balance section: one row per label with its share, figures, escaped labels",
          "[report]") {
    const std::string hostile = "<img src=x onerror=alert(1)>|## `x`";
    auto m = balance_figures(hostile);
    const std::string md = report::section::balance(m);
    CHECK(has(md, "| Safe | 3 | 75.00 % |\n"));
    CHECK(has(md, "| &lt;img src=x onerror=alert(1)&gt;&#124;## &#96;x&#96; | 1 | 25.00 % |\n"));
    CHECK_FALSE(has(md, "<img"));
    CHECK(has(md, "- imbalance ratio (largest / smallest label): 3.0000\n"));
    CHECK(has(md, "- normalised entropy: 0.8113 (1 = perfectly even)\n"));
    // p of chi-square 1.0 with 1 df = erfc(sqrt(1/2)) = 0.317311 (six decimals).
    CHECK(
        has(md, "- chi-square against uniform: 1.0000 with 1 degrees of freedom, p = 0.317311\n"));
    CHECK_FALSE(has(md, "spec labels with no row"));
    CHECK_FALSE(has(md, "labels the spec does not define"));
    m.spec_labels_missing = {"Privacy"};
    m.unknown_labels = {"*bold*"};
    const std::string spec = report::section::balance(m);
    CHECK(has(spec, "- spec labels with no row: Privacy;\n"));
    CHECK(has(spec,
              "- labels the spec does not define (left out of the chi-square): "
              "&#42;bold&#42;;\n"));
}

TEST_CASE("judge section: without judge columns, and with confusion, realism and issues",
          "[report]") {
    metrics::Metrics none;
    none.rows = 5;
    CHECK(has(report::section::judge(none), "No judge columns in the input"));
    CHECK(has(report::section::summary(none), "| judge | no judge columns |\n"));

    metrics::Metrics m;
    m.rows = 16;
    m.judged = true;
    m.judge_ok = 14;
    m.judge_correct = 12;
    m.judge_refused = 1;
    m.judge_errors = 1;
    m.agreement = 12.0 / 14.0;
    m.agreement_ci = statistics::wilson(12, 14);
    m.confusion_labels = {"Safe", "Spam"};
    m.confusion = Eigen::MatrixXd(2, 2);
    m.confusion << 6, 0, 2, 6;
    m.kappa = statistics::cohen_kappa(m.confusion);
    m.per_label["Safe"] = {0.75, 1.0, 6.0 / 7.0, 8};
    m.realism_mean = 3.5;
    m.realism_histogram = {1, 2, 4, 5, 2};
    m.issue_counts = {{"off_topic", 2}};
    m.generator_refusal_source = "label = refused";
    const std::string md = report::section::judge(m);
    CHECK(has(md, "| rows judged ok | 14 |\n"));
    CHECK(has(md, "| agreement (label_correct among ok) | 0.8571 |\n"));
    // Wilson 95 % for 12 of 14 (python3): [0.6005862050302965, 0.9599060787285351].
    CHECK(has(md, "| Wilson 95 % interval | [0.6006, 0.9599] |\n"));
    // kappa: po = 12/14, pe = (6*8 + 8*6) / 196 = 96/196, (168 - 96) / (196 - 96) = 0.72.
    CHECK(has(md, "| Cohen's kappa (our label x judge label) | 0.7200 |\n"));
    CHECK(has(md, "| judge refusals | 1 (6.25 %) |\n"));
    CHECK(has(md,
              "| our \\ judge | Safe | Spam |\n|---|---:|---:|\n| Safe | 6 | 0 |\n"
              "| Spam | 2 | 6 |\n"));
    CHECK(has(md, "| Safe | 0.7500 | 1.0000 | 0.8571 | 8 |\n"));
    CHECK(has(md,
              "| realism | rows |\n|---:|---:|\n| 1 | 1 |\n| 2 | 2 |\n| 3 | 4 |\n| 4 | 5 |\n"
              "| 5 | 2 |\n"));
    CHECK(has(md, "| off&#95;topic | 2 |\n"));
    const std::string summary = report::section::summary(m);
    CHECK(has(summary, "| judge agreement | 85.71 % [60.06 %, 95.99 %] |\n"));
    CHECK(has(summary, "| Cohen's kappa | 0.720 |\n"));
    // With a spec: every spec label is a row and a column, in spec order, also one no row has
    // (as the heat map shows it); the counts stay metrics.json's.
    m.quota = {{"Spam"}, {"Privacy"}, {"Safe"}};
    m.spec_labels_missing = {"Privacy"};
    CHECK(has(report::section::judge(m),
              "| our \\ judge | Spam | Privacy | Safe |\n|---|---:|---:|---:|\n"
              "| Spam | 6 | 0 | 2 |\n| Privacy | 0 | 0 | 0 |\n| Safe | 0 | 0 | 6 |\n"));
    // No kappa (the judge gave no labels): no confusion table or heat map.
    m.kappa.reset();
    CHECK_FALSE(has(report::section::judge(m), "confusion.svg"));
}

TEST_CASE("diversity and filter sections", "[report]") {
    metrics::Metrics m;
    m.rows = 10;
    m.distinct_1 = 0.5;
    m.distinct_2 = 2.0 / 3.0;
    m.length_by_label["Safe"] = {12.25, 12, 30.5};
    m.length_all = {12.25, 12, 30.5};
    m.top_openings = {{"i love this", 4, 0.4}, {"[click] <here>", 1, 0.1}};
    const std::string div = report::section::diversity(m);
    CHECK(has(div, "- distinct-1: 0.5000, distinct-2: 0.6667 "));
    CHECK_FALSE(has(div, "persona coverage"));
    CHECK(has(div, "| Safe | 12.2 | 12.0 | 30.5 |\n"));  // %.1f rounds 12.25 to even
    CHECK(has(div, "| i love this | 4 | 40.00 % |\n"));
    CHECK(has(div, "| &#91;click&#93; &lt;here&gt; | 1 | 10.00 % |\n"));
    m.persona_coverage = 0.3;
    m.distinct_personas = 3;
    CHECK(has(report::section::diversity(m),
              "- persona coverage: 3 distinct personas / 10 rows = 0.3000\n"));

    m.kept_rows = {0, 1, 2, 3, 4, 5, 7};
    m.rejected_by_reason = {{"exact_dup", 2}, {"near_dup", 1}};
    const std::string filter = report::section::filter(m);
    CHECK(has(filter, "filtered.csv keeps 7 of 10 rows."));
    CHECK(has(filter, "| reason | rows |\n|---|---:|\n| exact_dup | 2 |\n| near_dup | 1 |\n"));
    CHECK_FALSE(has(filter, "low_realism"));
    m.judged = true;
    m.min_realism = 4;
    CHECK(has(report::section::filter(m), "`low_realism` (realism < 4.0)"));
}

TEST_CASE("duplicates section: the method note reads the search's own options", "[report]") {
    auto data = dataset::load({kJudged});
    data.prepare(1);
    dedup::NearDupOptions options;
    options.shingle = minhash::ShingleKind::kWord;
    options.ngram = 3;
    options.threshold = 0.5;
    options.num_perm = 64;
    options.rounds = 2;
    options.method = dedup::Method::kLsh;  // auto would run the exact join on these 16 rows
    const auto dups = dedup::find_near_duplicates(data.normalized, options);
    const auto m = metrics::compute(data, dups, {});
    const std::string md = report::section::duplicates(m, dups, data);
    CHECK(has(md, "Method: word 3-gram shingles"));
    CHECK(has(md, "one-permutation MinHash with 64 bins; LSH " +
                      std::to_string(dups.banding.bands) + " bands x " +
                      std::to_string(dups.banding.rows) +
                      " rows in each of 2 independent rounds (the cheapest design that misses at most "
                      "0.50 % of the pairs at the threshold)"));
    // Probability that LSH proposes a pair at Jaccard s: 1 - (1 - (1 - (1 - s^r)^b))^rounds.
    auto proposed = [&](double s) {
        const double one = 1 - std::pow(1 - std::pow(s, dups.banding.rows), dups.banding.bands);
        return 1 - std::pow(1 - one, 2);
    };
    char want[160];
    std::snprintf(want, sizeof want,
                  "threshold is proposed with probability %.2f %%, one at 0.55 with %.2f %%",
                  100 * proposed(0.5), 100 * proposed(0.55));
    CHECK(has(md, want));
    CHECK(
        has(md, "| exact duplicate rows (normalised text) | " + std::to_string(m.exact_dup_rows)));
    // The largest clusters quote their first row's raw text, escaped.
    CHECK(has(md, "Largest clusters:"));
}

TEST_CASE("report.md: sections in order, figures of the small judged file", "[report]") {
    auto data = dataset::load({kJudged});
    data.prepare(2);
    const auto dups = dedup::find_near_duplicates(data.normalized, {});
    auto m = metrics::compute(data, dups, {});
    report::Input in;
    in.data = &data;
    in.metrics = &m;
    in.dups = &dups;
    in.info.inputs = {"stats_judged.csv", "more.csv"};
    const std::string md = report::markdown(in);
    std::size_t at = 0;
    for (const char* heading :
         {"# Dataset report: stats&#95;judged.csv\n\nInputs (read as one dataset): 2 files.",
          "## Summary", "## Gate\n\nNot run", "## Label balance", "## Duplicates",
          "## Label conflicts", "## Judge", "## Diversity", "## Filter"}) {
        INFO(heading);
        const auto next = md.find(heading, at);
        REQUIRE(next != std::string::npos);
        at = next;
    }
    CHECK_FALSE(has(md, "## Comparison"));
    CHECK_FALSE(has(md, "## Against the baseline"));
    // stats_judged.csv: 16 rows, 7 kept (its figures are checked in stats_metrics_test).
    CHECK(has(md, "| rows | 16 |\n"));
    CHECK(has(md, "| kept in filtered.csv | 7 (43.75 %) |\n"));
    CHECK(has(md, "- conflict clusters: 1; rows in them: 2 (12.50 %)\n"));
}

TEST_CASE("comparison and baseline tables print each figure with the table's decimals",
          "[report]") {
    auto data = dataset::load({kJudged});
    data.prepare(2);
    const auto dups = dedup::find_near_duplicates(data.normalized, {});
    auto m = metrics::compute(data, dups, {});
    const std::string json = "{\"rows\": 12, \"agreement\": 0.5}";
    const auto b = compare::against_baseline("old/metrics.json", json, m);
    const std::string md = report::section::baseline(b);
    // rows is a count (0 decimals in the table of figures), agreement a share (4).
    CHECK(has(md, "| rows | 12 | 16 | +4.0000 |  |\n"));
    CHECK(has(md, "| agreement | 0.5000 | "));

    compare::Comparison cmp;
    cmp.column = "variant";
    cmp.groups = {"a", "b"};
    cmp.sizes = {8, 8};
    for (const auto& [figure, value] : figures::compared(m)) {
        compare::Row row;
        row.metric = figure->name;
        row.decimals = figure->decimals;
        row.values = {value, value};
        row.diff = {std::nullopt, 0.0};
        row.lower = row.upper = {std::nullopt, std::nullopt};
        cmp.rows.push_back(row);
    }
    const std::string table = report::section::comparison(cmp);
    CHECK(has(table, "| rows | 16 | 16 | +0.0000 |\n"));
    CHECK(has(table, "| exact_dup_rate | 0.1250 | 0.1250 | +0.0000 |\n"));
}

TEST_CASE("duplicates section: the largest clusters are metrics.json's largest_clusters",
          "[report]") {
    auto data = dataset::load({kJudged});
    data.prepare(2);
    const auto dups = dedup::find_near_duplicates(data.normalized, {});
    auto m = metrics::compute(data, dups, {});
    const std::string md = report::section::duplicates(m, dups, data);
    const auto clusters = figures::largest_clusters(dups, data);
    REQUIRE_FALSE(clusters.empty());
    for (const auto& c : clusters) {
        INFO(c.cluster);
        CHECK(has(md, "| " + std::to_string(c.cluster) + " | " + std::to_string(c.rows) + " | "));
    }
}
