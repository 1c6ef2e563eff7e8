// Tests of metrics.json (stats/report_json): every figure under its DESIGN name, in the table's
// order, with the values a reader computes from the same counts by hand.
#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>

#include "stats/report.h"
#include "support/process.h"

using namespace synthmod;

namespace {

/// A hand-made run: 10 rows, labels a (6) and b (4), 2 exact duplicates, one 3-row cluster.
struct Fixture {
    metrics::Metrics m;
    dedup::NearDupResult dups;
    report::Input in;

    Fixture() {
        m.rows = 10;
        m.label_counts = {{"a", 6}, {"b", 4}};
        m.imbalance_ratio = 1.5;
        m.entropy = 0.97;
        m.chi = {0.4, 1, 0.5271};
        m.chi_reference = "uniform";
        m.exact_dup_rows = 2;
        m.raw_exact_dup_rows = 1;
        m.near_dup_pairs = 3;
        m.near_dup_clusters = 1;
        m.rows_in_clusters = 3;
        m.near_dup_removed = 2;
        m.label_conflict_rows = 3;
        m.conflicts = {{0, {"a", "b"}, 3, 4}};
        m.distinct_1 = 1.0 / 3.0;
        m.length_all = {12.5, 12, 20};
        m.top_openings = {{"win a free", 3, 0.3}};
        m.generator_refused = 1;
        m.generator_refusal_source = "label column";
        m.kept_rows = {0, 1, 2, 3, 5, 6};
        m.rejected_by_reason = {{"near_dup", 1}, {"label_conflict", 3}};
        dups.banding = {9, 13};
        dups.rounds = 4;
        dups.unique_texts = 8;
        dups.candidates = 5;
        in.metrics = &m;
        in.dups = &dups;
        in.info.inputs = {"judged.csv"};
        in.info.dedup = {"word", 3, 0.8, 128};
    }

    rapidjson::Document json() const {
        rapidjson::Document doc;
        const std::string text = report::metrics_json(in);
        doc.Parse(text.c_str(), text.size());
        REQUIRE_FALSE(doc.HasParseError());
        return doc;
    }
};

/// P(candidate) of LSH with b bands of r rows over k independent rounds, at Jaccard s.
double lsh_probability(double s, int b, int r, int k) {
    const double one_round = 1 - std::pow(1 - std::pow(s, r), b);
    return 1 - std::pow(1 - one_round, k);
}

}  // namespace

TEST_CASE("metrics.json keys are DESIGN's names in the table's order", "[report_json]") {
    Fixture f;
    const auto doc = f.json();
    std::vector<std::string> keys;
    for (const auto& member : doc.GetObject()) keys.emplace_back(member.name.GetString());
    const std::vector<std::string> expected = {
        "tool", "inputs",
        // balance
        "rows", "label_counts", "label_shares", "min_label_count", "imbalance_ratio", "entropy",
        "chi_square", "chi_square_df", "chi_square_p", "chi_square_reference",
        "spec_labels_missing", "unknown_labels",
        // asked for vs got (DESIGN section 12)
        "answered_rows", "drift_rows", "drift_rate", "drift_matrix", "asked_rows", "quota",
        "quota_fill",
        // duplicates
        "exact_dup_rows", "exact_dup_rate", "raw_exact_dup_rows", "raw_exact_dup_rate",
        "empty_rows", "short_rows", "near_dup_pairs", "near_dup_clusters", "rows_in_clusters",
        "near_dup_removed", "near_dup_rate", "label_conflict_clusters", "label_conflict_rows",
        "label_conflict_rate", "label_conflicts", "largest_clusters", "dedup",
        // judge
        "judged", "judge_ok", "agreement", "agreement_lower", "agreement_upper", "kappa",
        "confusion", "per_label", "realism_mean", "realism_histogram", "issue_counts",
        "judge_refusal_rows", "judge_refusal_rate", "judge_error_rows", "judge_error_rate",
        "generator_refusal_rows", "generator_refusal_rate", "generator_refusal_source",
        "refusal_rate",
        // diversity
        "distinct_1", "distinct_2", "words_mean", "length_words", "top_openings",
        "top_opening_share", "persona_coverage", "distinct_personas",
        // filter
        "filtered_rows", "filtered_rate", "rejected_rows", "rejected_by_reason", "cost_usd",
        "cost_per_accepted_row", "cost_per_accepted_row_by_label", "min_realism",
        // ground truth (issue 13)
        "judge_tie_rows", "judge_voted_rows", "judge_votes_fleiss_kappa", "contamination_rows",
        "contamination_rate", "contamination_exact_rows", "contamination_pairs",
        "contamination_reference_rows", "human_rows", "human_reviewers", "human_answers",
        "human_reviewed_rows", "human_tie_rows", "human_label_accuracy",
        "human_label_accuracy_lower", "human_label_accuracy_upper", "human_effective_rows",
        "human_rows_more_for_2pt", "judge_human_rows", "judge_human_agreement",
        "judge_human_kappa", "judge_human_confusion", "judge_human_per_label",
        "judge_flag_precision", "judge_flag_recall", "reviewer_overlap_rows", "reviewer_kappa",
        "reviewer_fleiss_kappa", "reviewer_alpha"};
    CHECK(keys == expected);
}

TEST_CASE("metrics.json figures equal the hand computation", "[report_json]") {
    Fixture f;
    const auto doc = f.json();
    // Counts are JSON integers.
    for (const char* k :
         {"rows", "min_label_count", "exact_dup_rows", "near_dup_pairs", "label_conflict_clusters",
          "generator_refusal_rows", "filtered_rows", "rejected_rows", "chi_square_df"}) {
        INFO(k);
        CHECK(doc[k].IsInt64());
    }
    CHECK(doc["rows"].GetInt64() == 10);
    CHECK(doc["label_shares"]["a"].GetDouble() == 0.6);
    CHECK(doc["label_shares"]["b"].GetDouble() == 0.4);
    CHECK(doc["min_label_count"].GetInt64() == 4);
    CHECK(doc["exact_dup_rate"].GetDouble() == 0.2);
    CHECK(doc["raw_exact_dup_rate"].GetDouble() == 0.1);
    CHECK(doc["near_dup_rate"].GetDouble() == 0.2);
    CHECK(doc["label_conflict_clusters"].GetInt64() == 1);
    CHECK(doc["label_conflict_rate"].GetDouble() == 0.3);
    CHECK(doc["label_conflicts"][0]["first_row"].GetInt64() == 4);
    CHECK(doc["generator_refusal_rows"].GetInt64() == 1);
    CHECK(doc["generator_refusal_rate"].GetDouble() == 0.1);
    CHECK(doc["refusal_rate"].GetDouble() == 0.1);  // no judge: the generator's
    CHECK(doc["words_mean"].GetDouble() == 12.5);
    CHECK(doc["top_opening_share"].GetDouble() == 0.3);
    CHECK(doc["filtered_rows"].GetInt64() == 6);
    CHECK(doc["filtered_rate"].GetDouble() == 0.6);
    CHECK(doc["rejected_rows"].GetInt64() == 4);
    CHECK(doc["min_realism"].GetDouble() == 3.0);
    // Shortest round trip: 1/3 reads back bit-identical.
    CHECK(doc["distinct_1"].GetDouble() == 1.0 / 3.0);
}

TEST_CASE("metrics.json holds the LSH design figures the report shows", "[report_json]") {
    Fixture f;
    const auto doc = f.json();
    const auto& d = doc["dedup"];
    CHECK(std::string(d["shingle"].GetString()) == "word");
    CHECK(d["ngram"].GetInt() == 3);
    CHECK(d["bands"].GetInt() == 9);
    CHECK(d["rows_per_band"].GetInt() == 13);
    CHECK(d["rounds"].GetInt() == 4);
    CHECK(d["max_miss"].GetDouble() == 0.005);
    CHECK(d["candidate_pairs"].GetUint64() == 5);
    const auto& p = d["match_probability"];
    REQUIRE(p.Size() == 2);
    CHECK(p[0]["jaccard"].GetDouble() == 0.8);
    CHECK(p[0]["probability"].GetDouble() == Approx(lsh_probability(0.8, 9, 13, 4)));
    CHECK(p[1]["jaccard"].GetDouble() == 0.85);
    CHECK(p[1]["probability"].GetDouble() == Approx(lsh_probability(0.85, 9, 13, 4)));
    // The banding comment of stats/dedup.h: 4 rounds lift a 0.85 pair to 99 %.
    CHECK(p[1]["probability"].GetDouble() == Approx(0.99).margin(0.005));
}

TEST_CASE("metrics.json writes null for what cannot be computed", "[report_json]") {
    Fixture f;
    f.m.imbalance_ratio = INFINITY;  // a spec label with no row
    const auto doc = f.json();
    CHECK(doc["imbalance_ratio"].IsNull());
    CHECK_FALSE(doc["judged"].GetBool());
    for (const char* k :
         {"agreement", "agreement_lower", "agreement_upper", "kappa", "confusion", "realism_mean",
          "judge_refusal_rate", "judge_error_rate", "persona_coverage"}) {
        INFO(k);
        CHECK(doc[k].IsNull());
    }
    CHECK(doc["judge_error_rows"].GetInt64() == 0);
    CHECK_FALSE(doc.HasMember("gate"));
    CHECK_FALSE(doc.HasMember("compare"));
    CHECK_FALSE(doc.HasMember("baseline"));
    // An integral real keeps its decimal point: a reader sees a rate, not a count.
    CHECK(report::metrics_json(f.in).find("\"min_realism\": 3.0,\n") != std::string::npos);
}

TEST_CASE("metrics.json judge figures and the gate section", "[report_json]") {
    Fixture f;
    f.m.judged = true;
    f.m.judge_ok = 8;
    f.m.judge_correct = 6;
    f.m.judge_refused = 1;
    f.m.judge_errors = 1;
    f.m.agreement = 0.75;
    f.m.agreement_ci = {0.4, 0.9};
    f.m.judge_refusal_rate = 0.1;
    f.m.realism_mean = 3.5;
    f.m.realism_histogram = {0, 1, 3, 3, 1};
    gate::Result g = gate::evaluate({{"min_agreement", 0.8}, {"max_refusal_rate", 0.2}}, f.m);
    f.in.gate = &g;
    f.in.info.gate_source = "--gate-set";
    const auto doc = f.json();
    CHECK(doc["agreement"].GetDouble() == 0.75);
    CHECK(doc["agreement_lower"].GetDouble() == 0.4);
    CHECK(doc["agreement_upper"].GetDouble() == 0.9);
    CHECK(doc["judge_refusal_rows"].GetInt64() == 1);
    CHECK(doc["judge_error_rows"].GetInt64() == 1);
    CHECK(doc["judge_error_rate"].GetDouble() == 0.1);
    CHECK(doc["realism_histogram"]["3"].GetInt64() == 3);
    const auto& gate = doc["gate"];
    CHECK_FALSE(gate["passed"].GetBool());  // 0.75 < 0.8
    REQUIRE(gate["checks"].Size() == 2);
    CHECK(std::string(gate["checks"][0]["key"].GetString()) == "min_agreement");
    CHECK(gate["checks"][0]["value"].GetDouble() == 0.75);
    CHECK_FALSE(gate["checks"][0]["passed"].GetBool());
    CHECK(std::string(gate["checks"][1]["metric"].GetString()) == "refusal_rate");
    CHECK(gate["checks"][1]["value"].GetDouble() == 0.1);  // max(0.1 generator, 0.1 judge)
    CHECK(gate["checks"][1]["passed"].GetBool());
}

TEST_CASE("metrics.json baseline section: regressions by the figure's direction", "[report_json]") {
    Fixture f;
    // An earlier release: fewer near duplicates (0.1 < 0.2: a regression now), more rows (not a
    // direction), lower distinct_1 (0.25 < 1/3: better now).
    const std::string earlier =
        R"({"rows": 50, "near_dup_rate": 0.1, "distinct_1": 0.25, "words_mean": 12.5})";
    const auto b = compare::against_baseline("old/metrics.json", earlier, f.m);
    REQUIRE(b.rows.front().metric == "rows");
    CHECK(b.rows.front().decimals == 0);  // a count prints without decimals
    CHECK(b.rows.back().decimals == 4);
    f.in.baseline = &b;
    const auto doc = f.json();
    const auto& base = doc["baseline"];
    CHECK(std::string(base["path"].GetString()) == "metrics.json");
    CHECK(base["regressions"].GetInt64() == 1);
    const auto& m = base["metrics"];
    CHECK(m["near_dup_rate"]["regression"].GetBool());
    CHECK(m["near_dup_rate"]["baseline"].GetDouble() == 0.1);
    CHECK(m["near_dup_rate"]["current"].GetDouble() == 0.2);
    CHECK(m["near_dup_rate"]["change"].GetDouble() == Approx(0.1));  // report.md's change column
    CHECK_FALSE(m["rows"]["regression"].GetBool());
    CHECK_FALSE(m["distinct_1"]["regression"].GetBool());
    // words_mean is in metrics.json now, so a baseline has it.
    CHECK(m["words_mean"]["baseline"].GetDouble() == 12.5);
    CHECK(m["agreement"]["current"].IsNull());
    CHECK(m["agreement"]["baseline"].IsNull());
    CHECK(m["agreement"]["change"].IsNull());
}

TEST_CASE("synthmod-stats writes the report's clusters and judge counts into metrics.json",
          "[report_json]") {
    const std::string dir = test::temp_dir("report-json-run");
    auto r = test::run({test::tool("synthmod-stats"), "--in",
                        SYNTHMOD_SOURCE_DIR "/tests/data/stats_judged.csv", "--report-dir",
                        dir + "/out", "--quiet", "--dedup-method", "lsh"});
    REQUIRE(r.exit_code == 0);
    rapidjson::Document doc;
    const std::string text = test::slurp(dir + "/out/metrics.json");
    doc.Parse(text.c_str(), text.size());
    REQUIRE_FALSE(doc.HasParseError());
    // tests/data/stats_judged.csv: rows 2, 14, 15 (the 10k run, Safe), rows 0 and 6 (the same
    // iPhone scam once normalised) and rows 8 and 9 (the coffee post, Safe and Self-harm).
    const auto& c = doc["largest_clusters"];
    REQUIRE(c.Size() == 3);
    const std::vector<std::size_t> rows = {3, 2, 2}, first = {2, 0, 8};
    const std::vector<std::vector<std::string>> labels = {
        {"Safe"}, {"Spam & Scams"}, {"Safe", "Self-harm & Suicide"}};
    for (rapidjson::SizeType k = 0; k < c.Size(); ++k) {
        INFO(k);
        CHECK(c[k]["rows"].GetUint64() == rows[k]);
        CHECK(c[k]["first_row"].GetUint64() == first[k]);
        std::vector<std::string> got;
        for (const auto& l : c[k]["labels"].GetArray()) got.emplace_back(l.GetString());
        CHECK(got == labels[k]);
    }
    // Row a5 is refused by the judge, row b5 an error: 1 of 16 each.
    CHECK(doc["judge_refusal_rows"].GetInt64() == 1);
    CHECK(doc["judge_refusal_rate"].GetDouble() == 1.0 / 16);
    CHECK(doc["judge_error_rows"].GetInt64() == 1);
    // Default [dedup]: char 5-grams, threshold 0.8, 128 permutations, max_miss 0.005 -> three
    // rounds of 13 bands x 9 rows, P(0.8) = 1 - (1 - 0.8^9)^39 >= 0.995.
    const auto& d = doc["dedup"];
    CHECK(std::string(d["method"].GetString()) == "lsh");
    CHECK(d["bands"].GetInt() == 13);
    CHECK(d["rows_per_band"].GetInt() == 9);
    CHECK(d["rounds"].GetInt() == 3);
    const auto& p = d["match_probability"];
    CHECK(p[0]["probability"].GetDouble() == Approx(lsh_probability(0.8, 13, 9, 3)));
    CHECK(p[0]["probability"].GetDouble() >= 0.995);
    // The report shows the same figure, as a percentage with two decimals.
    char pct[32];
    std::snprintf(pct, sizeof pct, "%.2f %%", 100 * lsh_probability(0.8, 13, 9, 3));
    CHECK(test::slurp(dir + "/out/report.md").find(std::string("probability ") + pct) !=
          std::string::npos);
}

TEST_CASE("metrics.json and the report say when the exact join ran", "[report_json]") {
    // 16 rows: method auto picks the exact join (at most dedup::kAutoExactAnyTexts texts).
    const std::string dir = test::temp_dir("report-json-exact");
    auto r = test::run({test::tool("synthmod-stats"), "--in",
                        SYNTHMOD_SOURCE_DIR "/tests/data/stats_judged.csv", "--report-dir",
                        dir + "/out", "--quiet"});
    REQUIRE(r.exit_code == 0);
    rapidjson::Document doc;
    const std::string text = test::slurp(dir + "/out/metrics.json");
    doc.Parse(text.c_str(), text.size());
    REQUIRE_FALSE(doc.HasParseError());
    const auto& d = doc["dedup"];
    CHECK(std::string(d["method"].GetString()) == "exact");
    CHECK(d["bands"].IsNull());
    CHECK(d["rows_per_band"].IsNull());
    CHECK(d["rounds"].IsNull());
    CHECK(d["match_probability"][0]["probability"].GetDouble() == 1.0);
    // The same pairs as LSH on this file (3 clusters, every pair far above the threshold).
    CHECK(doc["largest_clusters"].Size() == 3);
    const std::string md = test::slurp(dir + "/out/report.md");
    CHECK(md.find("exact similarity join by prefix filtering (chosen by method auto") !=
          std::string::npos);
    auto bad = test::run({test::tool("synthmod-stats"), "--in",
                          SYNTHMOD_SOURCE_DIR "/tests/data/stats_judged.csv", "--report-dir",
                          dir + "/bad", "--dedup-method", "minhash"});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("--dedup-method: expected \"auto\", \"lsh\" or \"exact\", not \"minhash\"") !=
          std::string::npos);
}
