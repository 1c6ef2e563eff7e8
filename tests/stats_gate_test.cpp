// Tests of stats/gate: thresholds, unavailable figures, JUnit XML, exit codes, step summary.
#include <catch2/catch.hpp>

#include "common/errors.h"
#include "common/spec.h"
#include "stats/gate.h"
#include "support/process.h"

using namespace synthmod;
using synthmod::test::exists;
using synthmod::test::run;
using synthmod::test::slurp;
using synthmod::test::spit;
using synthmod::test::temp_dir;

namespace {
const std::string kJudged = SYNTHMOD_SOURCE_DIR "/tests/data/stats_judged.csv";
std::string stats_bin() { return synthmod::test::tool("synthmod-stats"); }
}  // namespace

TEST_CASE("gate checks compare figures with thresholds", "[gate]") {
    metrics::Metrics m;
    m.rows = 100;
    m.label_counts = {{"a", 60}, {"b", 40}};
    m.imbalance_ratio = 1.5;
    m.near_dup_removed = 10;  // rate 0.1
    auto r = gate::evaluate({{"min_rows", 100},
                             {"max_near_dup_rate", 0.05},
                             {"max_imbalance_ratio", 2},
                             {"min_rows_per_label", 50}},
                            m);
    REQUIRE(r.checks.size() == 4);
    CHECK_FALSE(r.passed());
    // Report order is the key order of DESIGN section 9.
    CHECK(r.checks[0].key == "min_rows");
    CHECK(r.checks[0].passed);        // 100 >= 100
    CHECK_FALSE(r.checks[1].passed);  // min_rows_per_label: 40 < 50
    CHECK(r.checks[2].passed);
    CHECK_FALSE(r.checks[3].passed);
    CHECK(r.checks[3].message == "max_near_dup_rate: near_dup_rate = 0.1000 fails <= 0.0500");
}

TEST_CASE("a judge check without judge columns fails and says why", "[gate]") {
    metrics::Metrics m;
    m.rows = 10;
    auto r = gate::evaluate({{"min_agreement", 0.9}, {"min_kappa", 0.5}}, m);
    REQUIRE(r.checks.size() == 2);
    for (const auto& c : r.checks) {
        CHECK_FALSE(c.passed);
        CHECK_FALSE(c.value);
        CHECK(c.message.find("unavailable: no judge columns") != std::string::npos);
    }
}

TEST_CASE("gate-set parsing (--gate-set key=value)", "[gate]") {
    CHECK(gate::parse_setting("min_kappa=0.6") == std::make_pair(std::string("min_kappa"), 0.6));
    CHECK_THROWS_AS(gate::parse_setting("min_fun=1"), UsageError);
    CHECK_THROWS_AS(gate::parse_setting("min_kappa"), UsageError);
    CHECK_THROWS_AS(gate::parse_setting("min_kappa=high"), UsageError);
}

TEST_CASE("a failed gate exits 1, lists the failing checks, writes JUnit and the summary",
          "[gate]") {
    std::string dir = temp_dir("stats-gate");
    test::RunOptions ro;
    ro.env["GITHUB_STEP_SUMMARY"] = dir + "/summary.md";
    spit(dir + "/summary.md", "earlier step\n");
    auto r =
        run({synthmod::test::tool("synthmod-stats"), "--in", kJudged, "--report-dir", dir + "/out",
             "--gate", "--gate-set", "min_agreement=0.9", "--gate-set", "max_near_dup_rate=0.3",
             "--gate-set", "max_label_conflict_rate=0.1", "--junit", dir + "/junit.xml"},
            ro);
    CHECK(r.exit_code == 1);
    // agreement 12/14 = 0.857 < 0.9; label conflicts 2/16 = 0.125 > 0.1; near dups 0.25 ok.
    CHECK(r.err.find("min_agreement: agreement = 0.8571 fails >= 0.9000") != std::string::npos);
    CHECK(r.err.find("max_label_conflict_rate: label_conflict_rate = 0.1250 fails <= 0.1000") !=
          std::string::npos);
    CHECK(r.err.find("max_near_dup_rate") == std::string::npos);
    std::string xml = slurp(dir + "/junit.xml");
    CHECK(xml.find("tests=\"3\" failures=\"2\"") != std::string::npos);
    auto parse = run({"/usr/bin/python3", "-c",
                      "import sys, xml.dom.minidom\n"
                      "d = xml.dom.minidom.parse(sys.argv[1])\n"
                      "print(len(d.getElementsByTagName('testcase')), "
                      "len(d.getElementsByTagName('failure')))",
                      dir + "/junit.xml"});
    CHECK(parse.exit_code == 0);
    CHECK(parse.out == "3 2\n");
    std::string summary = slurp(dir + "/summary.md");
    CHECK(summary.rfind("earlier step\n", 0) == 0);
    CHECK(summary.find("FAILED") != std::string::npos);
    std::string md = slurp(dir + "/out/report.md");
    CHECK(md.find("## Gate") < md.find("## Label balance"));
    CHECK(md.find("❌ FAIL") != std::string::npos);
}

TEST_CASE("a passing gate exits 0, thresholds from the spec, --gate-set overrides", "[gate]") {
    std::string dir = temp_dir("stats-gate-pass");
    auto r = run({stats_bin(), "--in", kJudged, "--report-dir", dir + "/out", "--gate",
                  "--gate-set", "min_rows=10", "--gate-set", "min_agreement_lower=0.5",
                  "--gate-set", "max_refusal_rate=0.1", "--junit", dir + "/junit.xml", "--quiet"});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(slurp(dir + "/junit.xml").find("failures=\"0\"") != std::string::npos);
    CHECK(slurp(dir + "/out/report.md").find("**Gate: PASSED**") != std::string::npos);
}

TEST_CASE("the spec supplies gate thresholds, label weights and [dedup], flags override",
          "[gate]") {
    std::string dir = temp_dir("stats-gate-spec");
    const std::string spec = SYNTHMOD_SOURCE_DIR "/examples/moderation.toml";
    auto r = run({stats_bin(), "--in", kJudged, "--spec", spec, "--report-dir", dir + "/a",
                  "--gate", "--quiet"});
    CHECK(r.exit_code == 1);
    // examples/moderation.toml: min_rows = 900, min_rows_per_label = 200.
    CHECK(r.err.find("min_rows: rows = 16 fails >= 900") != std::string::npos);
    CHECK(r.err.find("min_rows_per_label: min_label_count = 0 fails >= 200") != std::string::npos);
    std::string json = slurp(dir + "/a/metrics.json");
    CHECK(json.find("\"chi_square_reference\": \"spec weights\"") != std::string::npos);
    CHECK(json.find("\"spec_labels_missing\": [\n    \"Privacy & Personal Data Exposure\"") !=
          std::string::npos);
    // --gate-set overrides one key; --threshold overrides [dedup].
    auto o = run({stats_bin(), "--in", kJudged, "--spec", spec, "--report-dir", dir + "/b",
                  "--gate", "--gate-set", "min_rows=10", "--threshold", "0.9", "--quiet"});
    CHECK(o.exit_code == 1);
    CHECK(o.err.find("min_rows:") == std::string::npos);
    std::string json_b = slurp(dir + "/b/metrics.json");
    CHECK(json_b.find("\"threshold\": 0.9,") != std::string::npos);
    // At 0.9 the 0.864 pairs (2,14) and (14,15) are gone: 3 pairs remain.
    CHECK(json_b.find("\"near_dup_pairs\": 3,") != std::string::npos);
}

TEST_CASE("the gate keys are DESIGN section 9's, in its order, with section 12's drift and quota", "[gate]") {
    CHECK(gate::keys() == std::vector<std::string>{
                              "min_rows", "min_rows_per_label", "max_imbalance_ratio",
                              "max_drift_rate", "min_quota_fill", "max_exact_dup_rate", "max_near_dup_rate", "max_label_conflict_rate",
                              "min_agreement", "min_agreement_lower", "min_kappa",
                              "min_realism_mean", "max_refusal_rate"});
}

TEST_CASE("gate-set values are checked as the spec's gate table values are", "[gate]") {
    spec::Gate g;
    SECTION("out of range") {
        CHECK_THROWS_WITH(gate::apply_settings(g, {"max_near_dup_rate=5"}),
                          "--gate-set max_near_dup_rate=5: must be between 0 and 1");
        CHECK_THROWS_WITH(gate::apply_settings(g, {"min_kappa=2"}),
                          "--gate-set min_kappa=2: must be between -1 and 1");
        CHECK_THROWS_WITH(gate::apply_settings(g, {"min_rows=-3"}),
                          "--gate-set min_rows=-3: must be >= 0");
        CHECK_THROWS_WITH(gate::apply_settings(g, {"min_realism=0"}),
                          "--gate-set min_realism=0: must be between 1 and 5 (the realism scale)");
        CHECK(g.thresholds.empty());
    }
    SECTION("unknown key lists the known ones") {
        CHECK_THROWS_WITH(gate::apply_settings(g, {"min_fun=1"}),
                          Catch::StartsWith("--gate-set: unknown key 'min_fun' (known: min_rows, "
                                            "min_rows_per_label, ") &&
                              Catch::EndsWith(", max_refusal_rate, min_realism)"));
    }
    SECTION("min_realism sets the filter threshold, the others a check") {
        g.thresholds["min_rows"] = 5;  // as if from the spec
        gate::apply_settings(g, {"min_realism=4.5", "max_near_dup_rate=0.1", "min_rows=7"});
        CHECK(g.min_realism == 4.5);
        CHECK(g.thresholds ==
              std::map<std::string, double>{{"max_near_dup_rate", 0.1}, {"min_rows", 7.0}});
    }
}

TEST_CASE("synthmod-stats refuses a bad --gate-set value and a bad [dedup] value at once",
          "[gate]") {
    std::string dir = temp_dir("stats-gate-bad");
    auto r = run({stats_bin(), "--in", kJudged, "--report-dir", dir + "/out", "--gate",
                  "--gate-set", "max_near_dup_rate=5"});
    CHECK(r.exit_code == 2);
    CHECK(r.err ==
          "synthmod-stats: error: --gate-set max_near_dup_rate=5: must be between 0 and 1\n");
    CHECK_FALSE(exists(dir + "/out"));

    // [dedup] ngram = 100 is refused when the spec is read, naming the spec's line, not a flag.
    spit(dir + "/s.toml",
         "[[labels]]\nname = \"Safe\"\ndefinition = \"Ordinary.\"\n\n[dedup]\nngram = 100\n");
    auto s = run(
        {stats_bin(), "--in", kJudged, "--spec", dir + "/s.toml", "--report-dir", dir + "/out"});
    CHECK(s.exit_code == 2);
    CHECK(s.err ==
          "synthmod-stats: error: " + dir + "/s.toml:6: dedup.ngram: must be between 1 and 64\n");
    CHECK_FALSE(exists(dir + "/out"));
    auto f = run({stats_bin(), "--in", kJudged, "--ngram", "65", "--report-dir", dir + "/out"});
    CHECK(f.exit_code == 2);
    CHECK(f.err == "synthmod-stats: error: --ngram: must be between 1 and 64\n");
    // The flags have the spec's bounds: --num-perm 4 is refused as [dedup] num_perm = 4 is (the
    // flag used to accept 1-1024, the spec 8-65536).
    auto n = run({stats_bin(), "--in", kJudged, "--num-perm", "4", "--report-dir", dir + "/out"});
    CHECK(n.exit_code == 2);
    CHECK(n.err == "synthmod-stats: error: --num-perm: must be between 8 and 1024\n");
    auto t =
        run({stats_bin(), "--in", kJudged, "--shingle", "token", "--report-dir", dir + "/out"});
    CHECK(t.exit_code == 2);
    CHECK(t.err ==
          "synthmod-stats: error: --shingle: expected \"char\" or \"word\", not \"token\"\n");
    CHECK_FALSE(exists(dir + "/out"));
}

TEST_CASE("gate-set min_realism sets the filter's realism threshold", "[gate]") {
    std::string dir = temp_dir("stats-gate-realism");
    auto r = run({stats_bin(), "--in", kJudged, "--report-dir", dir + "/out", "--gate-set",
                  "min_realism=5", "--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // Realism 5 rows: 2 and 15, in one near-duplicate cluster with row 14 (all judged correct;
    // 2 and 15 tie on realism, so the first, row 2, is the one kept): one row passes.
    CHECK(slurp(dir + "/out/filtered.csv") ==
          "content,label\n\"Just finished a 10k run this morning, legs are jelly but worth "
          "it.\",Safe\n");
    std::string json = slurp(dir + "/out/metrics.json");
    CHECK(json.find("\"min_realism\": 5.0\n") != std::string::npos);
    CHECK(json.find("\"filtered_rows\": 1,") != std::string::npos);
}
