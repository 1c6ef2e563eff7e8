// gold: reading --gold files (CSV, Label Studio JSON), matching by key, and every figure against
// hand-checked values and an independent Python computation (tests/gold_check.py).
#include "stats/gold.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>

#include "common/errors.h"
#include "support/process.h"

using namespace synthmod;

namespace {

const std::string kCheck = SYNTHMOD_SOURCE_DIR "/tests/gold_check.py";

gold::RowFacts fact(std::string key, std::string label, bool ok = false, std::string judge = "",
                    bool correct = false) {
    return {std::move(key), std::move(label), ok, std::move(judge), correct};
}

std::string error_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const InputError& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("Fleiss' kappa and Krippendorff's alpha on the textbook examples", "[gold]") {
    // Fleiss (1971) as on Wikipedia: 10 subjects, 14 raters, 5 categories: kappa = 0.210.
    std::vector<std::vector<double>> fleiss = {
        {0, 0, 0, 0, 14}, {0, 2, 6, 4, 2}, {0, 0, 3, 5, 6}, {0, 3, 9, 2, 0}, {2, 2, 8, 1, 1},
        {7, 7, 0, 0, 0},  {3, 2, 6, 3, 0}, {2, 5, 3, 2, 2}, {6, 5, 2, 1, 0}, {0, 2, 2, 3, 7}};
    REQUIRE(gold::fleiss_kappa(fleiss));
    CHECK(*gold::fleiss_kappa(fleiss) == Approx(0.20993070442195522).epsilon(1e-12));
    // Krippendorff (2011), "Computing Krippendorff's alpha-reliability", 4 coders x 12 units
    // with missing values, nominal: alpha = 0.743. Counts of values 1..5 per unit.
    std::vector<std::vector<double>> kripp = {{3, 0, 0, 0, 0}, {0, 3, 1, 0, 0}, {0, 0, 4, 0, 0},
                                              {0, 0, 4, 0, 0}, {0, 4, 0, 0, 0}, {1, 1, 1, 1, 0},
                                              {0, 0, 0, 4, 0}, {3, 1, 0, 0, 0}, {0, 4, 0, 0, 0},
                                              {0, 0, 0, 0, 3}, {2, 0, 0, 0, 0}, {0, 0, 1, 0, 0}};
    REQUIRE(gold::krippendorff_alpha(kripp));
    CHECK(*gold::krippendorff_alpha(kripp) == Approx(0.743).margin(0.0005));
    SECTION("undefined cases are empty, not a number") {
        CHECK_FALSE(gold::fleiss_kappa({{1, 0}, {0, 1}}));  // nobody rated twice
        CHECK_FALSE(gold::fleiss_kappa({{2, 0}, {3, 0}}));  // one category: chance = 1
        CHECK_FALSE(gold::krippendorff_alpha({{2, 0}, {3, 0}}));
    }
}

TEST_CASE("Wilson on a fractional n, and rows for a 2-point interval", "[gold]") {
    auto a = gold::wilson(0.8, 50);
    auto b = metrics::wilson(40, 50);
    CHECK(a.lower == Approx(b.lower).epsilon(1e-14));
    CHECK(a.upper == Approx(b.upper).epsilon(1e-14));
    // Found by a plain loop n = 1, 2, ... in Python (Wald would say 2401, 865, 0).
    CHECK(gold::rows_for_half_width(0.5, 0.02) == 2398);
    CHECK(gold::rows_for_half_width(0.9, 0.02) == 868);
    CHECK(gold::rows_for_half_width(1.0, 0.02) == 93);
}

TEST_CASE("gold figures on a hand-checked example", "[gold]") {
    // Rows: key, our label, judged ok, judge label, label_correct.
    std::vector<gold::RowFacts> rows = {fact("r0", "safe", true, "safe", true),
                                        fact("r1", "safe", true, "hate", false),
                                        fact("r2", "hate", true, "hate", true),
                                        fact("r3", "hate", true, "safe", false),
                                        fact("r4", "spam"),
                                        fact("r5", "spam", true, "spam", true)};
    const std::string a_csv =
        "key,human_label,human_realism,human_issues,reviewer,note,weight\n"
        "r0,safe,4,,A,,1\nr1,hate,2,placeholder;off_topic,A,\"a, note\",3\nr2,hate,,,A,,1\n"
        "r3,hate,5,,A,,1\nr4,spam,,,A,,1\nr5,spam,,,A,,1\n";
    const std::string b_csv =
        "key,human_label,human_realism,human_issues,reviewer,note,weight\n"
        "r0,safe,,,B,,1\nr1,hate,,,B,,3\nr2,safe,,,B,,1\nr3,hate,,,B,,1\nr9,,,,B,,1\n";
    auto a = gold::parse_gold(a_csv, "a.csv");
    auto b = gold::parse_gold(b_csv, "b.csv");
    REQUIRE(a.size() == 1);
    REQUIRE(b.size() == 1);
    CHECK(a[0].name == "A");
    CHECK(b[0].answers.size() == 4);  // the unanswered r9 is skipped, not an unknown key
    CHECK(a[0].answers[1].issues == std::vector<std::string>{"placeholder", "off_topic"});
    CHECK(a[0].answers[1].note == "a, note");
    CHECK(a[0].answers[1].realism == 2);
    std::vector<gold::Reviewer> both = {a[0], b[0]};
    auto f = gold::compute(both, rows, {"safe", "hate", "spam"});
    // r2 is a tie (hate / safe): left out. Gold: r0 safe, r1 hate, r3 hate, r4 spam, r5 spam.
    CHECK(f.reviewers == 2);
    CHECK(f.answers == 10);
    CHECK(f.reviewed_rows == 6);
    CHECK(f.human_rows == 5);
    CHECK(f.human_tie_rows == 1);
    // Ours right on r0, r3, r4, r5 (weight 4 of 7); r1 (weight 3) is wrong.
    CHECK(*f.human_label_accuracy == Approx(4.0 / 7.0));
    CHECK(f.effective_rows == Approx(49.0 / 13.0));
    auto ci = gold::wilson(4.0 / 7.0, 49.0 / 13.0);
    CHECK(*f.human_label_accuracy_lower == Approx(ci.lower));
    CHECK(*f.human_label_accuracy_upper == Approx(ci.upper));
    // Judged gold rows r0, r1, r3, r5: judge right on r0 (1), r1 (3), r5 (1); wrong on r3 (1).
    CHECK(f.judge_human_rows == 4);
    CHECK(*f.judge_human_agreement == Approx(5.0 / 6.0));
    // Confusion (gold x judge): safe/safe 1, hate/hate 3, hate/safe 1, spam/spam 1;
    // po = 5/6, pe = (1*2 + 4*3 + 1*1) / 36 = 15/36, kappa = 15/21.
    CHECK(*f.judge_human_kappa == Approx(15.0 / 21.0));
    CHECK(f.confusion(1, 0) == 1.0);
    CHECK(f.confusion(1, 1) == 3.0);
    CHECK(f.per_label["safe"].precision == Approx(0.5));
    CHECK(f.per_label["safe"].recall == Approx(1.0));
    CHECK(f.per_label["hate"].precision == Approx(1.0));
    CHECK(f.per_label["hate"].recall == Approx(0.75));
    CHECK(f.per_label["hate"].f1 == Approx(1.5 / 1.75));
    CHECK(f.per_label["hate"].support == Approx(4.0));
    // Flags (label_correct false): r1 (3), r3 (1); wrong labels among judged: r1 (3).
    CHECK(*f.judge_flag_precision == Approx(0.75));
    CHECK(*f.judge_flag_recall == Approx(1.0));
    // Reviewers on r0..r3: A safe hate hate hate, B safe hate safe hate.
    CHECK(f.reviewer_overlap_rows == 4);
    CHECK(*f.reviewer_kappa == Approx(0.5));  // po 3/4, pe (1*2 + 3*2)/16
    CHECK(*f.reviewer_fleiss_kappa == Approx((0.75 - 34.0 / 64) / (1 - 34.0 / 64)));
    CHECK(*f.reviewer_alpha == Approx(1 - 7.0 * 2 / 30));
}

TEST_CASE("gold figures equal an independent Python computation on random reviews", "[gold]") {
    std::string dir = test::temp_dir("gold-random");
    std::mt19937 rng(20261205);
    const std::vector<std::string> labels = {"safe", "hate", "spam", "harassment"};
    std::vector<gold::RowFacts> rows;
    std::string data = "content,label,id,judge_label,label_correct,judge_status\n";
    for (int i = 0; i < 400; ++i) {
        auto l = labels[rng() % 4];
        bool ok = rng() % 5 != 0;
        auto j = rng() % 3 == 0 ? labels[rng() % 4] : l;
        bool correct = ok && j == l;
        std::string key = "id" + std::to_string(i * 7);
        rows.push_back(fact(key, l, ok, ok ? j : "", correct));
        data += "text " + std::to_string(i) + "," + l + "," + key + "," + (ok ? j : "") + "," +
                (correct ? "true" : "false") + "," + (ok ? "ok" : "error") + "\n";
    }
    test::spit(dir + "/data.csv", data);
    // Three reviewers over overlapping random subsets; a reviewer mostly agrees with the truth,
    // which is our label 80 % of the time; weights by stratum as a sample would have them.
    std::vector<std::string> truth;
    for (const auto& r : rows) truth.push_back(rng() % 5 ? r.label : labels[rng() % 4]);
    std::vector<std::string> paths;
    std::vector<gold::Reviewer> reviewers;
    for (int r = 0; r < 3; ++r) {
        std::string csv = "key,human_label,human_realism,human_issues,reviewer,note,weight\n";
        for (std::size_t i = 0; i < rows.size(); ++i) {
            if (rng() % 3 == 0) continue;
            auto l = rng() % 6 ? truth[i] : labels[rng() % 4];
            const char* w = rows[i].judged_ok && !rows[i].label_correct ? "2.5" : "7.25";
            csv += rows[i].key + "," + l + ",3,,rev" + std::to_string(r) + ",," + w + "\n";
        }
        paths.push_back(dir + "/gold" + std::to_string(r) + ".csv");
        test::spit(paths.back(), csv);
        for (auto& rv : gold::read_gold(paths.back())) reviewers.push_back(rv);
    }
    auto check = [&](const std::vector<gold::Reviewer>& who,
                     const std::vector<std::string>& files) {
        auto f = gold::compute(who, rows, labels);
        std::vector<std::string> argv = {"/usr/bin/python3", kCheck, dir + "/data.csv",
                                         "safe,hate,spam,harassment"};
        argv.insert(argv.end(), files.begin(), files.end());
        auto r = test::run(argv);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        rapidjson::Document py;
        py.Parse(r.out.c_str());
        REQUIRE_FALSE(py.HasParseError());
        auto num = [&](const char* k) { return py[k].GetDouble(); };
        CHECK(f.reviewers == py["reviewers"].GetUint());
        CHECK(f.reviewed_rows == py["reviewed_rows"].GetUint());
        CHECK(f.human_rows == py["human_rows"].GetUint());
        CHECK(f.human_tie_rows == py["human_tie_rows"].GetUint());
        CHECK(*f.human_label_accuracy == Approx(num("human_label_accuracy")).epsilon(1e-12));
        CHECK(*f.human_label_accuracy_lower ==
              Approx(num("human_label_accuracy_lower")).epsilon(1e-12));
        CHECK(*f.human_label_accuracy_upper ==
              Approx(num("human_label_accuracy_upper")).epsilon(1e-12));
        CHECK(*f.more_rows_for_2pt == py["more_rows_for_2pt"].GetUint());
        CHECK(f.judge_human_rows == py["judge_human_rows"].GetUint());
        CHECK(*f.judge_human_agreement == Approx(num("judge_human_agreement")).epsilon(1e-12));
        CHECK(*f.judge_human_kappa == Approx(num("judge_human_kappa")).epsilon(1e-12));
        CHECK(*f.judge_flag_precision == Approx(num("judge_flag_precision")).epsilon(1e-12));
        CHECK(*f.judge_flag_recall == Approx(num("judge_flag_recall")).epsilon(1e-12));
        for (const auto& l : labels) {
            INFO(l);
            const auto& p = py["per_label"][l.c_str()];
            CHECK(f.per_label[l].precision == Approx(p["precision"].GetDouble()).epsilon(1e-12));
            CHECK(f.per_label[l].recall == Approx(p["recall"].GetDouble()).epsilon(1e-12));
            CHECK(f.per_label[l].f1 == Approx(p["f1"].GetDouble()).epsilon(1e-12));
            CHECK(f.per_label[l].support == Approx(p["support"].GetDouble()).epsilon(1e-12));
        }
        CHECK(f.reviewer_overlap_rows == py["reviewer_overlap_rows"].GetUint());
        CHECK(*f.reviewer_fleiss_kappa == Approx(num("reviewer_fleiss_kappa")).epsilon(1e-12));
        CHECK(*f.reviewer_alpha == Approx(num("reviewer_alpha")).epsilon(1e-12));
        if (who.size() == 2)
            CHECK(*f.reviewer_kappa == Approx(num("reviewer_kappa")).epsilon(1e-12));
        else
            CHECK_FALSE(f.reviewer_kappa);
        // metrics.json of synthmod-stats --gold on the same files carries the same figures:
        // the confusion (gold x judge, weighted) and P/R/F1 per label, cell by cell.
        std::vector<std::string> stats = {test::tool("synthmod-stats"),
                                          "--in",
                                          dir + "/data.csv",
                                          "--report-dir",
                                          dir + "/report",
                                          "--quiet"};
        for (const auto& file : files) {
            stats.push_back("--gold");
            stats.push_back(file);
        }
        auto s = test::run(stats);
        INFO(s.err);
        REQUIRE(s.exit_code == 0);
        rapidjson::Document m;
        m.Parse(test::slurp(dir + "/report/metrics.json").c_str());
        REQUIRE_FALSE(m.HasParseError());
        CHECK(m["human_answers"].GetDouble() == num("answers"));
        CHECK(m["human_effective_rows"].GetDouble() ==
              Approx(num("effective_rows")).epsilon(1e-12));
        const auto& confusion = m["judge_human_confusion"];
        REQUIRE(confusion.IsObject());
        // No --spec: the labels in the data's order (sorted), as report.md shows them.
        std::vector<std::string> json_labels;
        for (const auto& l : confusion["labels"].GetArray()) json_labels.push_back(l.GetString());
        CHECK(json_labels == std::vector<std::string>{"harassment", "hate", "safe", "spam"});
        for (std::size_t a = 0; a < json_labels.size(); ++a)
            for (std::size_t b = 0; b < json_labels.size(); ++b) {
                const auto pa = static_cast<rapidjson::SizeType>(
                    std::find(labels.begin(), labels.end(), json_labels[a]) - labels.begin());
                const auto pb = static_cast<rapidjson::SizeType>(
                    std::find(labels.begin(), labels.end(), json_labels[b]) - labels.begin());
                INFO(json_labels[a] << " x " << json_labels[b]);
                CHECK(confusion["matrix"][static_cast<rapidjson::SizeType>(a)]
                               [static_cast<rapidjson::SizeType>(b)]
                                   .GetDouble() ==
                      Approx(py["confusion"][pa][pb].GetDouble()).epsilon(1e-12));
            }
        for (const auto& l : labels) {
            INFO(l);
            const auto& p = py["per_label"][l.c_str()];
            const auto& j = m["judge_human_per_label"][l.c_str()];
            for (const char* k : {"precision", "recall", "f1", "support"})
                CHECK(j[k].GetDouble() == Approx(p[k].GetDouble()).epsilon(1e-12));
        }
        return f;
    };
    SECTION("three reviewers") {
        auto f = check(reviewers, paths);
        CHECK(f.human_tie_rows > 0);  // the data exercise the tie rule
        CHECK(f.human_rows > 300);
    }
    SECTION("two reviewers (Cohen's kappa between them)") {
        check({reviewers[0], reviewers[1]}, {paths[0], paths[1]});
    }
}

TEST_CASE("Label Studio export: annotators are reviewers, cancelled ones skipped", "[gold]") {
    const std::string ls = R"([
 {"id": 1, "data": {"key": "r0", "text": "x", "weight": 2.5},
  "annotations": [
   {"completed_by": 7, "was_cancelled": false, "result": [
     {"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": ["hate"]}},
     {"from_name": "realism", "to_name": "text", "type": "rating", "value": {"rating": 4}},
     {"from_name": "issues", "to_name": "text", "type": "choices",
      "value": {"choices": ["placeholder"]}},
     {"from_name": "note", "to_name": "text", "type": "textarea", "value": {"text": ["odd"]}}]},
   {"completed_by": {"id": 9, "email": "b@example.org"}, "result": [
     {"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": ["safe"]}}]},
   {"completed_by": 7, "was_cancelled": true, "result": []}]},
 {"id": 2, "data": {"key": 5, "text": "y", "weight": "1"},
  "annotations": [{"completed_by": 7, "result": [
     {"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": ["safe"]}}]}]},
 {"id": 3, "data": {"key": "r1", "text": "z"}, "annotations": []}
])";
    auto reviewers = gold::parse_gold(ls, "export.json");
    REQUIRE(reviewers.size() == 2);
    CHECK(reviewers[0].name == "annotator 7");
    CHECK(reviewers[1].name == "b@example.org");
    REQUIRE(reviewers[0].answers.size() == 2);
    const auto& a = reviewers[0].answers[0];
    CHECK(a.key == "r0");
    CHECK(a.label == "hate");
    CHECK(a.realism == 4);
    CHECK(a.issues == std::vector<std::string>{"placeholder"});
    CHECK(a.note == "odd");
    CHECK(a.weight == 2.5);
    CHECK(reviewers[0].answers[1].key == "5");
    CHECK(reviewers[0].answers[1].weight == 1.0);
    std::vector<gold::RowFacts> rows = {fact("r0", "hate"), fact("5", "safe")};
    auto f = gold::compute(reviewers, rows, {"safe", "hate"});
    CHECK(f.human_rows == 1);  // r0 ties hate / safe; "5" is safe
    CHECK(f.human_tie_rows == 1);
    CHECK(*f.human_label_accuracy == 1.0);
}

TEST_CASE("bad --gold input: file:line and what, for every kind of mistake", "[gold]") {
    std::vector<gold::RowFacts> rows = {fact("r0", "safe"), fact("r1", "hate")};
    const std::vector<std::string> labels = {"safe", "hate"};
    auto run = [&](const std::string& text) {
        return error_of([&] { gold::compute(gold::parse_gold(text, "g.csv"), rows, labels); });
    };
    const std::string h = "key,human_label,human_realism,human_issues,reviewer,note,weight\n";
    CHECK(run(h + "r0,safe,,,,,1\nr7,safe,,,,,1\n") ==
          "g.csv:3: unknown key \"r7\" (no input row has this id)");
    CHECK(run(h + "r0,maybe,,,,,1\n") == "g.csv:2: unknown label \"maybe\"");
    CHECK(run(h + "r0,safe,6,,,,1\n") == "g.csv:2: human_realism \"6\" is not 1-5");
    CHECK(run(h + "r0,safe,,,,,-1\n") == "g.csv:2: weight \"-1\" is not a positive number");
    CHECK(run(h + "r0,safe,,,,,abc\n") == "g.csv:2: weight \"abc\" is not a positive number");
    CHECK(run(h + "r0,safe,,,,,1\n\nr0,hate,,,,,1\n") ==
          "g.csv:4: key \"r0\" already answered by \"g.csv\" at g.csv:2");
    CHECK(run(h + "r0,safe,,,A,,1\nr0,hate,,,B,,2\n") ==
          "g.csv:3: weight of key \"r0\" differs from the one at g.csv:2 (answers from different "
          "samples?)");
    CHECK(run(h + ",safe,,,,,1\n") == "g.csv:2: empty key");
    CHECK(run("key,label\nr0,safe\n") == "g.csv:1: missing column \"human_label\"");
    CHECK(run(h + "r0,\"safe\n").find("g.csv:2:") == 0);
    CHECK(run("") == "g.csv:1: empty file");
    CHECK(run("[{\"data\": {}}]") ==
          "g.csv: [0].data.key: missing (tasks come from --review-format label-studio, which "
          "sets it)");
    CHECK(run("[\n{\"data\": {\"key\": \"r0\"},\n \"annotations\": [{\"result\": [{\"from_name\": "
              "\"label\", \"value\": {\"choices\": [\"nope\"]}}]}]}]") ==
          "g.csv: [0].annotations[0]: unknown label \"nope\"");
    CHECK(run("[\n{\"data\": {\"key\": \"r0\"},\n \"annotations\": [{\"result\": [{\"from_name\": "
              "\"realism\", \"value\": {\"rating\": 9}}]}]}]") ==
          "g.csv: [0].annotations[0].result[0].value.rating: not 1-5");
    CHECK(run("[\n{\"data\": {\"key\": \"r0\"},\n bad}]").find("g.csv:3: not valid JSON") == 0);
    CHECK(run("\"key\",\"human_label\"\n\xff,safe\n").find("g.csv") == 0);
    SECTION("keys are row indices when the input has no id column") {
        std::vector<gold::RowFacts> by_index = {fact("0", "safe"), fact("1", "hate")};
        CHECK(error_of([&] {
                  gold::compute(gold::parse_gold(h + "2,safe,,,,,1\n", "g.csv"), by_index, labels);
              }) == "g.csv:2: unknown key \"2\" (no input row has this id or index)");
        auto f = gold::compute(gold::parse_gold(h + "1,hate,,,,,1\n", "g.csv"), by_index, labels);
        CHECK(f.human_rows == 1);
        CHECK(*f.human_label_accuracy == 1.0);
    }
}
