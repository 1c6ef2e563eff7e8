// In-process tests of stats::run: the files a run writes, checked against the input read
// independently (csv::read_table) and the small judged file's duplicate truth
// (near_dup_truth.py: pairs (0,6) (2,14) (2,15) (8,9) (14,15)); the gate's exit code; a usage
// error that writes nothing.
#include <catch2/catch.hpp>
#include <set>

#include "common/csv.h"
#include "common/errors.h"
#include "stats/stats.h"
#include "support/process.h"

using namespace synthmod;

namespace {

const std::string kJudged = SYNTHMOD_SOURCE_DIR "/tests/data/stats_judged.csv";

stats::Options options_for(const std::string& dir) {
    stats::Options o;
    o.inputs = {kJudged};
    o.report_dir = dir + "/report";
    o.pairs = dir + "/pairs.csv";
    o.quiet = true;
    o.threads = 2;
    return o;
}

}  // namespace

TEST_CASE("stats::run in-process writes the report folder, filtered, rejected and pairs",
          "[stats-run]") {
    const std::string dir = test::temp_dir("stats-run");
    REQUIRE(stats::run(options_for(dir)) == 0);
    CHECK(test::list_dir(dir + "/report") ==
          std::vector<std::string>{"confusion.svg", "drift.svg", "filtered.csv",
                                   "label_balance.svg", "length_by_label.svg", "metrics.json",
                                   "realism.svg", "refusals.svg", "rejected.csv", "report.md"});
    const csv::Table input = csv::read_table(kJudged);
    const int content = input.column("content"), label = input.column("label");

    // filtered.csv: content and label of rows 0-5 and 7, in file order (DESIGN section 9).
    const csv::Table filtered = csv::read_table(dir + "/report/filtered.csv");
    CHECK(filtered.header == std::vector<std::string>{"content", "label"});
    const std::vector<std::size_t> kept = {0, 1, 2, 3, 4, 5, 7};
    REQUIRE(filtered.rows.size() == kept.size());
    for (std::size_t k = 0; k < kept.size(); ++k) {
        CHECK(filtered.rows[k][0] == input.rows[kept[k]][content]);
        CHECK(filtered.rows[k][1] == input.rows[kept[k]][label]);
    }

    // rejected.csv: every other row, all its columns, then the first reason that applies.
    const csv::Table rejected = csv::read_table(dir + "/report/rejected.csv");
    REQUIRE(rejected.header.size() == input.header.size() + 2);
    CHECK(rejected.header[input.header.size()] == "reason");
    const std::vector<std::pair<std::size_t, std::string>> want = {
        {6, "exact_dup"},        {8, "label_conflict"},   {9, "near_dup"},
        {10, "judge_disagrees"}, {11, "judge_disagrees"}, {12, "empty"},
        {13, "judge_disagrees"}, {14, "near_dup"},        {15, "exact_dup"}};
    REQUIRE(rejected.rows.size() == want.size());
    for (std::size_t k = 0; k < want.size(); ++k) {
        INFO("row " << want[k].first);
        const auto& row = rejected.rows[k];
        CHECK(std::vector<std::string>(row.begin(), row.begin() + input.header.size()) ==
              input.rows[want[k].first]);
        CHECK(row[input.header.size()] == want[k].second);
    }

    // --pairs: the five truth pairs, each once.
    const csv::Table pairs = csv::read_table(dir + "/pairs.csv");
    std::set<std::pair<int, int>> got;
    for (const auto& p : pairs.rows) got.insert({std::stoi(p[0]), std::stoi(p[1])});
    CHECK(got == std::set<std::pair<int, int>>{{0, 6}, {2, 14}, {2, 15}, {8, 9}, {14, 15}});
    CHECK(pairs.rows.size() == 5);
}

TEST_CASE("stats::run in-process: a failed gate returns 1 and still writes its outputs",
          "[stats-run]") {
    const std::string dir = test::temp_dir("stats-run");
    auto o = options_for(dir);
    o.gate = true;
    o.gate_set = {"min_rows=17"};  // the file has 16 rows
    o.junit = dir + "/gate.xml";
    CHECK(stats::run(o) == 1);
    CHECK(test::slurp(dir + "/gate.xml").find("failures=\"1\"") != std::string::npos);
    CHECK(test::slurp(dir + "/report/report.md").find("min_rows") != std::string::npos);
    o.gate_set = {"min_rows=16"};
    CHECK(stats::run(o) == 0);
}

TEST_CASE("stats::run in-process: a usage error throws before anything is written", "[stats-run]") {
    const std::string dir = test::temp_dir("stats-run");
    auto o = options_for(dir);
    o.shingle = "bigram";
    CHECK_THROWS_AS(stats::run(o), UsageError);
    o.shingle.reset();
    o.ngram = 0;
    CHECK_THROWS_AS(stats::run(o), UsageError);
    o.ngram.reset();
    o.gate = true;  // no thresholds anywhere
    CHECK_THROWS_AS(stats::run(o), UsageError);
    o.gate = false;
    o.compare_by = "no_such_column";
    CHECK_THROWS_AS(stats::run(o), UsageError);
    CHECK(test::list_dir(dir).empty());  // no report folder, no pairs file
}
