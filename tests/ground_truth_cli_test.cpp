// synthmod-stats --gold / --reference / --review / vote ties, run as a process: figures in
// metrics.json, reject reason, gate keys, bad input (file:line, exit 2, nothing written).
#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <set>

#include "common/csv.h"
#include "common/text.h"
#include "stats/minhash.h"
#include "support/json_file.h"
#include "support/process.h"

using namespace synthmod;

namespace {

const std::string kRealData = SYNTHMOD_DATA_DIR "/";
std::string stats_bin() { return test::tool("synthmod-stats"); }

const char* kJudged =
    "content,label,id,judge_label,label_correct,judge_status\n"
    "first post here,safe,a,safe,true,ok\n"
    "second post here,spam,b,safe,false,ok\n"
    "third post here,spam,c,spam,true,ok\n"
    "fourth post here,safe,d,,false,error\n";

}  // namespace

TEST_CASE("stats --gold: figures in metrics.json and report, gate keys", "[ground_truth]") {
    const std::string dir = test::temp_dir("gold-cli");
    test::spit(dir + "/judged.csv", kJudged);
    test::spit(dir + "/g1.csv",
               "key,human_label,human_realism,human_issues,reviewer,note,weight\n"
               "a,safe,4,,ann,,1\nb,safe,,,ann,,1\nc,spam,,,ann,,1\nd,spam,,,ann,,1\n");
    test::spit(dir + "/g2.json",
               R"([{"data": {"key": "a"}, "annotations": [{"completed_by": 3, "result": [
                   {"from_name": "label", "value": {"choices": ["safe"]}}]}]},
                  {"data": {"key": "b"}, "annotations": [{"completed_by": 3, "result": [
                   {"from_name": "label", "value": {"choices": ["spam"]}}]}]}])");
    auto r =
        test::run({stats_bin(), "--in", dir + "/judged.csv", "--gold", dir + "/g1.csv", "--gold",
                   dir + "/g2.json", "--report-dir", dir + "/out", "--quiet", "--gate-set",
                   "min_human_accuracy=0.9", "--gate-set", "min_judge_human_kappa=0", "--gate"});
    INFO(r.err);
    // Gold: a safe (2 votes), b tie (safe / spam) -> left out, c spam, d spam.
    // Ours right on a, c; wrong on d -> 2/3. Judge ok on a, c: both right.
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("min_human_accuracy: human_label_accuracy = 0.6667 fails >= 0.9") !=
          std::string::npos);
    auto m = test::json_file(dir + "/out/metrics.json");
    CHECK(m["human_rows"].GetDouble() == 3.0);
    CHECK(m["human_tie_rows"].GetDouble() == 1.0);
    CHECK(m["human_label_accuracy"].GetDouble() == Approx(2.0 / 3));
    CHECK(m["judge_human_agreement"].GetDouble() == Approx(1.0));
    CHECK(m["reviewer_kappa"].IsDouble());                  // two reviewers, rows a and b in common
    CHECK(m["reviewer_kappa"].GetDouble() == Approx(0.0));  // po 1/2, pe 1/2
    CHECK(m.HasMember("reviewer_fleiss_kappa"));
    CHECK(m.HasMember("reviewer_alpha"));
    CHECK(test::slurp(dir + "/out/report.md").find("## Against people") != std::string::npos);

    SECTION("a gate key on gold figures without --gold fails and says why") {
        auto g = test::run({stats_bin(), "--in", dir + "/judged.csv", "--report-dir", dir + "/out2",
                            "--quiet", "--gate", "--gate-set", "min_human_accuracy_lower=0.5"});
        CHECK(g.exit_code == 1);
        CHECK(g.err.find("min_human_accuracy_lower: human_label_accuracy_lower unavailable: not "
                         "computed (give --gold F)") != std::string::npos);
    }
    SECTION("bad gold input: file:line, exit 2, nothing written") {
        test::spit(dir + "/bad.csv",
                   "key,human_label,human_realism,human_issues,reviewer,note,weight\n"
                   "a,safe,,,x,,1\nzz,safe,,,x,,1\n");
        auto b = test::run({stats_bin(), "--in", dir + "/judged.csv", "--gold", dir + "/bad.csv",
                            "--report-dir", dir + "/never", "--quiet"});
        CHECK(b.exit_code == 2);
        CHECK(b.err.find(dir + "/bad.csv:3: unknown key \"zz\"") != std::string::npos);
        CHECK_FALSE(test::exists(dir + "/never"));
        test::spit(dir + "/bad2.csv", "key,human_label,weight\na,safe,0\n");
        b = test::run({stats_bin(), "--in", dir + "/judged.csv", "--gold", dir + "/bad2.csv",
                       "--report-dir", dir + "/never", "--quiet"});
        CHECK(b.exit_code == 2);
        CHECK(b.err.find("bad2.csv:2: weight \"0\" is not a positive number") != std::string::npos);
    }
}

TEST_CASE("stats --gold: the Against people tables in metrics.json, hand-checked, spec order",
          "[ground_truth]") {
    const std::string dir = test::temp_dir("gold-tables");
    // The spec lists spam, safe, hate: not sorted, so the order is the spec's.
    test::spit(dir + "/spec.toml",
               "[dataset]\nname = \"hand\"\nrows = 6\nseed = 1\n\n[[labels]]\nname = \"spam\"\n"
               "definition = \"Unsolicited ads.\"\n\n[[labels]]\nname = \"safe\"\ndefinition = "
               "\"Nothing wrong.\"\n\n[[labels]]\nname = \"hate\"\ndefinition = \"Hate.\"\n");
    test::spit(dir + "/judged.csv",
               "content,label,id,judge_label,label_correct,judge_status\n"
               "zero post,safe,r0,safe,true,ok\none post,safe,r1,hate,false,ok\n"
               "two post,hate,r2,hate,true,ok\nthree post,hate,r3,safe,false,ok\n"
               "four post,spam,r4,,false,error\nfive post,spam,r5,spam,true,ok\n");
    const std::string header = "key,human_label,human_realism,human_issues,reviewer,note,weight\n";
    test::spit(dir + "/a.csv", header +
                                   "r0,safe,4,,A,,1\nr1,hate,2,,A,,3\nr2,hate,,,A,,1\n"
                                   "r3,hate,5,,A,,1\nr4,spam,,,A,,1\nr5,spam,,,A,,1\n");
    test::spit(dir + "/b.csv",
               header + "r0,safe,,,B,,1\nr1,hate,,,B,,3\nr2,safe,,,B,,1\nr3,hate,,,B,,1\n");
    auto r = test::run({stats_bin(), "--in", dir + "/judged.csv", "--spec", dir + "/spec.toml",
                        "--gold", dir + "/a.csv", "--gold", dir + "/b.csv", "--report-dir",
                        dir + "/out", "--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto m = test::json_file(dir + "/out/metrics.json");
    // By hand: r2 ties (hate / safe) and is left out. Gold rows the judge graded ok: r0 (gold
    // safe, judge safe, weight 1), r1 (hate, hate, 3), r3 (hate, safe, 1), r5 (spam, spam, 1).
    CHECK(m["human_answers"].GetDouble() == 10.0);  // A 6, B 4
    // Weights of the gold rows r0 r1 r3 r4 r5: 1 3 1 1 1 -> (7)^2 / 13.
    CHECK(m["human_effective_rows"].GetDouble() == Approx(49.0 / 13.0));
    const auto& c = m["judge_human_confusion"];
    REQUIRE(c.IsObject());
    std::vector<std::string> labels;
    for (const auto& l : c["labels"].GetArray()) labels.push_back(l.GetString());
    CHECK(labels == std::vector<std::string>{"spam", "safe", "hate"});
    const double expected[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 1, 3}};  // rows gold, columns judge
    for (rapidjson::SizeType i = 0; i < 3; ++i)
        for (rapidjson::SizeType j = 0; j < 3; ++j)
            CHECK(c["matrix"][i][j].GetDouble() == expected[i][j]);
    const auto& p = m["judge_human_per_label"];
    // spam: 1 of 1 said, 1 of 1 gold. safe: judge said safe on r0 and r3 (1 right of 2), gold
    // safe only r0. hate: judge said hate on r1 (3 of 3 right), gold hate r1 + r3 (4).
    CHECK(p["spam"]["precision"].GetDouble() == 1.0);
    CHECK(p["spam"]["recall"].GetDouble() == 1.0);
    CHECK(p["safe"]["precision"].GetDouble() == 0.5);
    CHECK(p["safe"]["recall"].GetDouble() == 1.0);
    CHECK(p["safe"]["f1"].GetDouble() == Approx(2.0 / 3.0));
    CHECK(p["hate"]["precision"].GetDouble() == 1.0);
    CHECK(p["hate"]["recall"].GetDouble() == 0.75);
    CHECK(p["hate"]["f1"].GetDouble() == Approx(6.0 / 7.0));
    CHECK(p["hate"]["support"].GetDouble() == 4.0);
    std::vector<std::string> order;
    for (const auto& e : p.GetObject()) order.push_back(e.name.GetString());
    CHECK(order == labels);
    // report.md shows the same figures (to its decimals).
    const std::string md = test::slurp(dir + "/out/report.md");
    CHECK(md.find("(2 reviewers, 10 answers)") != std::string::npos);
    CHECK(md.find("| effective sample size | 3.8 |") != std::string::npos);
    CHECK(md.find("| hate | 0.00 | 1.00 | 3.00 |") != std::string::npos);
    CHECK(md.find("| safe | 0.5000 | 1.0000 | 0.6667 | 1.00 |") != std::string::npos);

    SECTION("no judge columns: the tables are null, the counts are there") {
        test::spit(dir + "/plain.csv",
                   "content,label,id\nzero post,safe,r0\none post,safe,r1\ntwo post,hate,r2\n"
                   "three post,hate,r3\nfour post,spam,r4\nfive post,spam,r5\n");
        auto q = test::run({stats_bin(), "--in", dir + "/plain.csv", "--gold", dir + "/a.csv",
                            "--report-dir", dir + "/plain", "--quiet"});
        REQUIRE(q.exit_code == 0);
        auto n = test::json_file(dir + "/plain/metrics.json");
        CHECK(n["judge_human_confusion"].IsNull());
        CHECK(n["judge_human_per_label"].IsNull());
        CHECK(n["human_answers"].GetDouble() == 6.0);
        CHECK(n["human_effective_rows"].GetDouble() ==
              Approx(64.0 / 14.0));  // (1 + 3 + 4)^2 / (1 + 9 + 4)
    }
}

TEST_CASE("stats --reference on the real moderation set: contaminated rows, pairs file, gate",
          "[ground_truth]") {
    const std::string dir = test::temp_dir("reference-cli");
    auto table = csv::read_table(kRealData + "moderation_openai.csv");
    // The reference: every 10th row, under a `text` column, plus a hostile row of its own.
    std::string ref = "text\n";
    std::vector<std::string> ref_norm;
    for (std::size_t i = 0; i < table.rows.size(); i += 10) {
        ref += csv::quote(table.rows[i][0]) + "\n";
        ref_norm.push_back(text::normalize(table.rows[i][0]));
    }
    test::spit(dir + "/test_set.csv", ref);
    auto r =
        test::run({stats_bin(), "--in", kRealData + "moderation_openai.csv", "--reference",
                   dir + "/test_set.csv", "--reference-pairs", dir + "/cross.csv", "--report-dir",
                   dir + "/out", "--quiet", "--gate", "--gate-set", "max_contamination_rate=0.05"});
    INFO(r.err);
    // Exhaustive: every dataset row with Jaccard >= 0.8 against some reference row.
    std::vector<std::vector<std::uint64_t>> refs(ref_norm.size());
    for (std::size_t j = 0; j < ref_norm.size(); ++j)
        minhash::shingle_hashes(ref_norm[j], minhash::ShingleKind::kChar, 5, refs[j]);
    std::set<std::size_t> expected;
    std::size_t expected_pairs = 0;
    for (std::size_t i = 0; i < table.rows.size(); ++i) {
        std::vector<std::uint64_t> a;
        minhash::shingle_hashes(text::normalize(table.rows[i][0]), minhash::ShingleKind::kChar, 5,
                                a);
        for (const auto& b : refs) {
            if (a.empty() || b.empty()) continue;
            std::size_t common = minhash::intersection_size(a, b);
            if (static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common) >=
                0.8) {
                expected.insert(i);
                ++expected_pairs;
            }
        }
    }
    REQUIRE(expected.size() >= 168);
    auto m = test::json_file(dir + "/out/metrics.json");
    CHECK(m["contamination_rows"].GetDouble() == static_cast<double>(expected.size()));
    CHECK(m["contamination_rate"].GetDouble() ==
          Approx(static_cast<double>(expected.size()) / 1680.0));
    CHECK(m["contamination_pairs"].GetDouble() == static_cast<double>(expected_pairs));
    // 10 % of the rows are in the test set: the gate at 5 % fails.
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("max_contamination_rate: contamination_rate = ") != std::string::npos);
    auto pairs = csv::read_table(dir + "/cross.csv");
    CHECK(pairs.header == std::vector<std::string>{"row_i", "ref_j", "jaccard"});
    CHECK(pairs.rows.size() == expected_pairs);
    std::set<std::size_t> rows_in_pairs;
    for (const auto& p : pairs.rows) {
        rows_in_pairs.insert(std::stoul(p[0]));
        CHECK(std::stoul(p[1]) < ref_norm.size());
        CHECK(std::stod(p[2]) >= 0.8);
    }
    CHECK(rows_in_pairs == expected);
    // Every contaminated row is out of filtered.csv: in rejected.csv (with some reason).
    auto rejected = csv::read_table(dir + "/out/rejected.csv");
    const int reason = rejected.column("reason");
    std::size_t contaminated = 0;
    for (const auto& row : rejected.rows) contaminated += row[reason] == "contaminated";
    CHECK(contaminated > 100);
    auto kept = csv::read_table(dir + "/out/filtered.csv");
    std::set<std::string> kept_texts;
    for (const auto& row : kept.rows) kept_texts.insert(row[0]);
    for (std::size_t i : expected) CHECK(kept_texts.count(table.rows[i][0]) == 0);
    const std::string report = test::slurp(dir + "/out/report.md");
    CHECK(report.find("## Overlap with the reference set") != std::string::npos);

    SECTION("bad usage: --reference-pairs alone, a reference without a text column") {
        auto b = test::run({stats_bin(), "--in", kRealData + "moderation_openai.csv",
                            "--reference-pairs", dir + "/x.csv", "--report-dir", dir + "/n"});
        CHECK(b.exit_code == 2);
        test::spit(dir + "/norm.csv", "body\nx\n");
        b = test::run({stats_bin(), "--in", kRealData + "moderation_openai.csv", "--reference",
                       dir + "/norm.csv", "--report-dir", dir + "/n"});
        CHECK(b.exit_code == 2);
        CHECK(b.err.find("norm.csv:1: a --reference file: missing column \"content\" or "
                         "\"text\" (columns found: body; --reference-text-column picks one)") !=
              std::string::npos);
        CHECK_FALSE(test::exists(dir + "/n"));
        b = test::run({stats_bin(), "--in", kRealData + "moderation_openai.csv", "--reference",
                       dir + "/norm.csv", "--reference-text-column", "text", "--report-dir",
                       dir + "/n"});
        CHECK(b.exit_code == 2);
        CHECK(b.err.find("norm.csv:1: a --reference file: missing column \"text\" (columns "
                         "found: body; --reference-text-column picks one)") != std::string::npos);
        CHECK_FALSE(test::exists(dir + "/n"));
    }

    SECTION("the release as OpenAI ships it (.jsonl.gz, text in prompt) gives the same pairs") {
        // The same 1,680 texts as moderation_openai.csv (records_test checks it), read through
        // the records reader: JSON Lines by the extension, gzip by the magic bytes.
        auto run_with = [&](const std::vector<std::string>& reference, const std::string& tag) {
            std::vector<std::string> args = {stats_bin(), "--in",
                                             kRealData + "moderation_openai.csv"};
            args.insert(args.end(), reference.begin(), reference.end());
            for (const std::string& a :
                 std::vector<std::string>{"--reference-pairs", dir + "/cross_" + tag + ".csv",
                                          "--report-dir", dir + "/out_" + tag, "--quiet"})
                args.push_back(a);
            auto run = test::run(args);
            INFO(run.err);
            CHECK(run.exit_code == 0);
            return test::json_file(dir + "/out_" + tag + "/metrics.json");
        };
        auto csv_ref = run_with({"--reference", kRealData + "moderation_openai.csv"}, "csv");
        auto gz_ref =
            run_with({"--reference", kRealData + "moderation-api-release/samples-1680.jsonl.gz",
                      "--reference-text-column", "prompt"},
                     "gz");
        CHECK(test::slurp(dir + "/cross_gz.csv") == test::slurp(dir + "/cross_csv.csv"));
        CHECK(gz_ref["contamination_rows"].GetDouble() ==
              csv_ref["contamination_rows"].GetDouble());
        CHECK(gz_ref["contamination_pairs"].GetDouble() ==
              csv_ref["contamination_pairs"].GetDouble());
        // Every non-empty row is in the reference: it pairs at least with itself.
        CHECK(gz_ref["contamination_rows"].GetDouble() >= 1670);
    }
}

TEST_CASE("stats --review: html by default, label-studio on request, bad values refused",
          "[ground_truth]") {
    const std::string dir = test::temp_dir("review-cli");
    test::spit(dir + "/judged.csv", kJudged);
    auto r = test::run({stats_bin(), "--in", dir + "/judged.csv", "--review", "3",
                        "--review-format", "label-studio", "--review-out", dir + "/tasks.json",
                        "--report-dir", dir + "/out", "--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto tasks = test::json_file(dir + "/tasks.json");
    CHECK(tasks.Size() == 3);
    CHECK(test::xml_problem(dir + "/tasks.label_config.xml").empty());
    auto h = test::run({stats_bin(), "--in", dir + "/judged.csv", "--review", "2", "--report-dir",
                        dir + "/out2", "--quiet"});
    CHECK(h.exit_code == 0);
    CHECK(test::slurp(dir + "/out2/review.html").find("Content-Security-Policy") !=
          std::string::npos);
    for (auto bad : std::vector<std::vector<std::string>>{{"--review-format", "xlsx"},
                                                          {"--review-blind", "partly"},
                                                          {"--review", "0", "--review-out", "x"}}) {
        std::vector<std::string> argv = {stats_bin(),   "--in", dir + "/judged.csv",
                                         "--review",    "2",    "--report-dir",
                                         dir + "/never"};
        argv.insert(argv.end(), bad.begin(), bad.end());
        auto b = test::run(argv);
        CHECK(b.exit_code == 2);
        CHECK_FALSE(test::exists(dir + "/never"));
    }
}

TEST_CASE("stats reads judge_status tie: counted, Fleiss' kappa across the votes",
          "[ground_truth]") {
    const std::string dir = test::temp_dir("ties-cli");
    test::spit(dir + "/judged.csv",
               "content,label,judge_label,label_correct,judge_status,judge_votes\n"
               "one,A,A,true,ok,A;A;B\n"
               "two,A,,false,tie,A;B\n"
               "three,B,B,true,ok,B;B;B\n");
    auto r = test::run(
        {stats_bin(), "--in", dir + "/judged.csv", "--report-dir", dir + "/out", "--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto m = test::json_file(dir + "/out/metrics.json");
    CHECK(m["judge_tie_rows"].GetDouble() == 1.0);
    CHECK(m["judge_votes_fleiss_kappa"].GetDouble() == Approx(-50.0 / 270));
    auto rejected = csv::read_table(dir + "/out/rejected.csv");
    REQUIRE(rejected.rows.size() == 1);  // the tie: not confirmed by the judge
    CHECK(rejected.rows[0][0] == "two");
}
