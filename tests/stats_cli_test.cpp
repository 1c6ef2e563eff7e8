// synthmod-stats run as a process, as a user runs it: the real moderation set against its
// truth files, hostile content, bad input, determinism, shards, defaults, compare, baseline.
#include <dirent.h>
#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "common/csv.h"
#include "support/json_file.h"
#include "support/process.h"

using namespace synthmod;
using synthmod::test::json_file;
using synthmod::test::exists;
using synthmod::test::list_dir;
using synthmod::test::xml_problem;
using synthmod::test::run;
using synthmod::test::slurp;
using synthmod::test::spit;
using synthmod::test::temp_dir;

namespace {

const std::string kRealData = SYNTHMOD_DATA_DIR "/";
const std::string kJudged = SYNTHMOD_SOURCE_DIR "/tests/data/stats_judged.csv";

std::string stats_bin() { return synthmod::test::tool("synthmod-stats"); }

}  // namespace

TEST_CASE("moderation set: figures equal the truth file and pairs the exact enumeration",
          "[stats]") {
    std::string dir = temp_dir("stats-moderation");
    auto r = run({stats_bin(), "--in", kRealData + "moderation_openai.csv", "--report-dir",
                  dir + "/report", "--pairs", dir + "/pairs.csv", "--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto truth = json_file(kRealData + "moderation_openai.truth.json");
    auto got = json_file(dir + "/report/metrics.json");
    for (const char* key :
         {"rows", "exact_dup_rows", "raw_exact_dup_rows", "near_dup_pairs", "near_dup_clusters",
          "rows_in_clusters", "near_dup_removed", "label_conflict_rows"}) {
        INFO(key);
        REQUIRE(got.HasMember(key));
        CHECK(got[key].GetUint64() == truth[key].GetUint64());
    }
    for (const char* key :
         {"exact_dup_rate", "near_dup_rate", "label_conflict_rate", "imbalance_ratio"}) {
        INFO(key);
        CHECK(got[key].GetDouble() == Approx(truth[key].GetDouble()).epsilon(1e-12));
    }
    for (auto& [label, count] : truth["label_counts"].GetObject())
        CHECK(got["label_counts"][label.GetString()].GetUint64() == count.GetUint64());

    std::set<std::pair<long, long>> expected, found;
    auto exact = csv::read_table(kRealData + "moderation_openai.near_dup_pairs.csv");
    for (auto& row : exact.rows) expected.insert({std::stol(row[0]), std::stol(row[1])});
    auto pairs = csv::read_table(dir + "/pairs.csv", {"row_i", "row_j", "jaccard"});
    REQUIRE(pairs.header == std::vector<std::string>{"row_i", "row_j", "jaccard"});
    std::pair<long, long> previous{-1, -1};
    for (auto& row : pairs.rows) {
        std::pair<long, long> p{std::stol(row[0]), std::stol(row[1])};
        INFO(row[0] << "," << row[1]);
        CHECK(p.first < p.second);
        CHECK(previous < p);  // sorted, no repeats
        CHECK(std::stod(row[2]) >= 0.8);
        CHECK(expected.count(p) == 1);  // zero pairs outside the exact enumeration
        previous = p;
        found.insert(p);
    }
    std::size_t hit = 0;
    for (auto& p : expected) hit += found.count(p);
    CHECK(double(hit) / expected.size() >= 0.99);
}

TEST_CASE("hostile row content is escaped in report.md and charts stay valid XML", "[stats]") {
    std::string dir = temp_dir("stats-hostile");
    std::string evil =
        "# Heading | col <script>alert(1)</script> \x1b[31mred\x1b[0m & `tick` *bold* [x](y)\n"
        "=== second line";
    std::ostringstream csv;
    csv << "content,label\n";
    for (int k = 0; k < 3; ++k)  // duplicates with different labels: a cluster and a conflict
        csv << "\"" << evil << "\"," << (k ? "\"<b>bad|label</b>\"" : "Safe") << "\n";
    csv << "\"a calm ordinary post about gardening and tomatoes\",Safe\n";
    spit(dir + "/evil.csv", csv.str());
    auto r = run({stats_bin(), "--in", dir + "/evil.csv", "--report-dir", dir + "/out"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::string md = slurp(dir + "/out/report.md");
    CHECK(md.find("<script") == std::string::npos);
    CHECK(md.find("<b>") == std::string::npos);
    CHECK(md.find('\x1b') == std::string::npos);
    CHECK(md.find("&lt;script&gt;") != std::string::npos);
    CHECK(md.find("`tick`") == std::string::npos);
    // Every line of a table keeps its column count: no row text adds a cell or a line.
    std::istringstream lines(md);
    std::string line, header;
    int columns = -1;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] != '|') {
            columns = -1;
            continue;
        }
        int bars = static_cast<int>(std::count(line.begin(), line.end(), '|'));
        if (columns < 0) columns = bars;
        INFO(line);
        CHECK(bars == columns);
    }
    // The row's second line cannot start a line of its own (a setext heading).
    CHECK(md.find("\n===") == std::string::npos);
    for (const auto& name : list_dir(dir + "/out")) {
        if (name.size() < 4 || name.substr(name.size() - 4) != ".svg") continue;
        INFO(name);
        CHECK(xml_problem(dir + "/out/" + name) == "");
        std::string svg = slurp(dir + "/out/" + name);
        CHECK(svg.find("<title") != std::string::npos);
        CHECK(svg.find("<b>") == std::string::npos);
    }
}

TEST_CASE("bad input exits 2 with file:line and writes nothing", "[stats]") {
    std::string dir = temp_dir("stats-bad");
    spit(dir + "/empty.csv", "");
    spit(dir + "/nolabel.csv", "content,other\nhello,x\n");
    spit(dir + "/quote.csv", "content,label\n\"ok\",Safe\n\"unterminated,Safe\n");
    spit(dir + "/utf8.csv", "content,label\nfine,Safe\nbad \xff\xfe byte,Safe\n");
    spit(dir + "/width.csv", "content,label\na,Safe\nb,Safe,extra\n");
    spit(dir + "/realism.csv",
         "content,label,judge_status,label_correct,realism\na,Safe,ok,true,4\nb,Safe,ok,true,"
         "great\n");
    struct Case {
        std::vector<std::string> args;
        std::string where;
    };
    std::vector<Case> cases = {
        {{"--in", dir + "/missing.csv"}, "missing.csv"},
        {{"--in", dir + "/empty.csv"}, "empty.csv"},
        {{"--in", dir + "/nolabel.csv"}, "nolabel.csv:1"},
        {{"--in", dir + "/quote.csv"}, "quote.csv:3"},
        {{"--in", dir + "/utf8.csv"}, "utf8.csv:3"},
        {{"--in", dir + "/width.csv"}, "width.csv:3"},
        {{"--in", dir + "/realism.csv"}, "realism.csv:3"},
        {{"--in", kJudged, "--in", dir + "/nolabel.csv"}, "nolabel.csv"},
        {{"--in", kJudged, "--gate", "--gate-set", "max_fun=1"}, "max_fun"},
        {{"--in", kJudged, "--shingle", "sentence"}, "--shingle"},
        {{"--in", kJudged, "--compare-by", "nope"}, "nope"},
        {{"--in", kJudged, "--bogus-flag"}, "bogus"},
    };
    for (const auto& c : cases) {
        std::string out = dir + "/out";
        std::vector<std::string> argv = {stats_bin()};
        argv.insert(argv.end(), c.args.begin(), c.args.end());
        for (auto s : {"--report-dir", out.c_str()}) argv.push_back(s);
        for (auto s : {"--filtered", "f.csv", "--rejected", "r.csv", "--pairs", "p.csv"})
            argv.push_back(s);
        test::RunOptions ro;
        ro.cwd = dir;
        auto r = run(argv, ro);
        INFO(c.where << ": " << r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find(c.where) != std::string::npos);
        CHECK(r.err.find("\n") == r.err.size() - 1);  // one line
        CHECK_FALSE(exists(out));
        CHECK_FALSE(exists(dir + "/f.csv"));
        CHECK_FALSE(exists(dir + "/r.csv"));
        CHECK_FALSE(exists(dir + "/p.csv"));
    }
}

TEST_CASE("same input, byte-identical outputs, defaults next to the report", "[stats]") {
    std::string dir = temp_dir("stats-determinism");
    test::RunOptions ro;
    ro.cwd = dir;
    auto a = run({stats_bin(), "--in", kJudged, "--compare-by", "variant", "--quiet"}, ro);
    INFO(a.err);
    REQUIRE(a.exit_code == 0);
    // Default report dir: reports/<input stem>/, filtered.csv and rejected.csv inside it.
    std::string first = dir + "/reports/stats_judged";
    for (auto f : {"report.md", "metrics.json", "filtered.csv", "rejected.csv", "label_balance.svg",
                   "realism.svg", "length_by_label.svg", "confusion.svg"}) {
        INFO(f);
        CHECK(exists(first + "/" + f));
    }
    auto b = run({stats_bin(), "--in", kJudged, "--compare-by", "variant", "--report-dir",
                  dir + "/second", "--quiet"});
    REQUIRE(b.exit_code == 0);
    auto names = list_dir(first);
    CHECK(names == list_dir(dir + "/second"));
    for (const auto& n : names) {
        INFO(n);
        CHECK(slurp(first + "/" + n) == slurp(dir + "/second/" + n));
    }
    // filtered.csv: content,label of the kept rows; rejected.csv: all columns + reason, cluster.
    auto filtered = csv::read_table(first + "/filtered.csv");
    CHECK(filtered.header == std::vector<std::string>{"content", "label"});
    CHECK(filtered.rows.size() == 7);
    auto rejected = csv::read_table(first + "/rejected.csv");
    CHECK(rejected.header.size() == 17);
    CHECK(rejected.header[15] == "reason");
    CHECK(rejected.header[16] == "cluster");
    std::multiset<std::string> reasons;
    for (auto& row : rejected.rows) reasons.insert(row[15]);
    CHECK(reasons.count("exact_dup") == 2);
    CHECK(reasons.count("near_dup") == 2);
    CHECK(reasons.count("label_conflict") == 1);
    CHECK(reasons.count("judge_disagrees") == 3);
    CHECK(reasons.count("empty") == 1);
    auto m = json_file(first + "/metrics.json");
    REQUIRE(m.HasMember("compare"));
    CHECK(std::string(m["compare"]["bootstrap"].GetString()) == "paired");
    CHECK(m["kappa"].GetDouble() == Approx(94.0 / 122.0));
    CHECK(m["agreement_lower"].GetDouble() == Approx(0.6005862050302965));
    std::string md = slurp(first + "/report.md");
    CHECK(md.find("paired bootstrap") != std::string::npos);
    CHECK(md.find("judge_disagrees") != std::string::npos);
}

TEST_CASE("shards and stdin read as one dataset, --keep-columns", "[stats]") {
    std::string dir = temp_dir("stats-shards");
    auto whole = csv::read_table(kJudged);
    std::ostringstream s1, s2;
    csv::Writer w1(s1), w2(s2);
    w1.write_row(whole.header);
    // The second shard lists the columns in another order.
    std::vector<std::string> reversed(whole.header.rbegin(), whole.header.rend());
    w2.write_row(reversed);
    for (std::size_t i = 0; i < whole.rows.size(); ++i) {
        if (i < 9) {
            w1.write_row(whole.rows[i]);
        } else {
            std::vector<std::string> r(whole.rows[i].rbegin(), whole.rows[i].rend());
            w2.write_row(r);
        }
    }
    spit(dir + "/s1.csv", s1.str());
    spit(dir + "/s2.csv", s2.str());
    test::RunOptions ro;
    ro.stdin_data = s2.str();
    auto r = run({stats_bin(), "--in", dir + "/s1.csv", "--in", "-", "--report-dir", dir + "/out",
                  "--keep-columns", "--pairs", dir + "/pairs.csv"},
                 ro);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto m = json_file(dir + "/out/metrics.json");
    CHECK(m["rows"].GetUint64() == 16);
    CHECK(m["near_dup_pairs"].GetUint64() == 5);
    CHECK(m["label_conflict_rows"].GetUint64() == 2);
    CHECK(slurp(dir + "/pairs.csv") ==
          "row_i,row_j,jaccard\n0,6,1.000000\n2,14,0.863636\n2,15,1.000000\n8,9,0.904762\n"
          "14,15,0.863636\n");
    auto filtered = csv::read_table(dir + "/out/filtered.csv");
    CHECK(filtered.header == whole.header);
    CHECK(filtered.rows.size() == 7);
}

TEST_CASE("stats with --baseline flags regressions against an earlier metrics.json", "[stats]") {
    std::string dir = temp_dir("stats-baseline");
    spit(dir + "/old.json",
         "{\"rows\": 16, \"agreement\": 0.95, \"near_dup_rate\": 0.5, \"kappa\": 0.5}");
    auto r = run({stats_bin(), "--in", kJudged, "--report-dir", dir + "/out", "--baseline",
                  dir + "/old.json", "--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto m = json_file(dir + "/out/metrics.json");
    REQUIRE(m.HasMember("baseline"));
    const auto& b = m["baseline"]["metrics"];
    CHECK(b["agreement"]["regression"].GetBool());            // 0.857 < 0.95
    CHECK_FALSE(b["near_dup_rate"]["regression"].GetBool());  // 0.25 < 0.5 is better
    CHECK_FALSE(b["kappa"]["regression"].GetBool());          // 0.77 > 0.5
    CHECK(m["baseline"]["regressions"].GetUint64() == 1);
    CHECK(slurp(dir + "/out/report.md").find("regression") != std::string::npos);

    // Under --gate a regression past the tolerance is a failed check (exit 1), printed with the
    // others; a tolerance wider than the drop (0.95 - 0.857 = 0.093) lets it pass.
    auto gated = run({stats_bin(), "--in", kJudged, "--report-dir", dir + "/gated", "--baseline",
                      dir + "/old.json", "--gate", "--gate-set", "min_rows=1", "--quiet"});
    CHECK(gated.exit_code == 1);
    CHECK(gated.err.find("synthmod-stats: gate: baseline: agreement = 0.8571 fails >= 0.9400 "
                         "(0.9500 in old.json, tolerance 0.0100)") != std::string::npos);
    CHECK(gated.err.find("baseline: kappa") == std::string::npos);  // better than 0.5: passes
    auto g = json_file(dir + "/gated/metrics.json");
    CHECK_FALSE(g["gate"]["passed"].GetBool());
    auto wide = run({stats_bin(), "--in", kJudged, "--report-dir", dir + "/wide", "--baseline",
                     dir + "/old.json", "--gate", "--gate-set", "min_rows=1",
                     "--baseline-tolerance", "0.1", "--quiet"});
    CHECK(wide.exit_code == 0);
    spit(dir + "/bad.json", "not json");
    auto bad = run({stats_bin(), "--in", kJudged, "--report-dir", dir + "/out2", "--baseline",
                    dir + "/bad.json"});
    CHECK(bad.exit_code == 2);
    CHECK_FALSE(exists(dir + "/out2"));
}
