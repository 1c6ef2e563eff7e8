// ground_truth: report sections of --gold / --reference / votes: named figures, escaping of
// hostile text, the --reference-pairs file, vote ties and Fleiss' kappa across votes.
#include "stats/ground_truth.h"

#include <catch2/catch.hpp>

#include "stats/dataset.h"
#include "support/process.h"

using namespace synthmod;

TEST_CASE("vote figures: ties counted, Fleiss' kappa across the votes by hand", "[ground_truth]") {
    std::string dir = test::temp_dir("votes");
    test::spit(dir + "/judged.csv",
               "content,label,judge_label,judge_status,judge_votes\n"
               "a,A,A,ok,A;A;B\n"
               "b,A,,tie,A;B\n"
               "c,B,B,ok,B;B;B\n"
               "d,B,,refused,;;\n"
               "e,B,B,ok,B;;\n");
    auto data = dataset::load({dir + "/judged.csv"});
    auto v = ground_truth::vote_figures(data);
    CHECK(v.tie_rows == 1);
    CHECK(v.voted_rows == 3);  // d has no answering vote, e only one
    // Units {A2 B1}, {A1 B1}, {B3}: P = 1/3, 0, 1 -> 4/9; p = 3/8, 5/8 -> Pe = 34/64.
    REQUIRE(v.fleiss_kappa);
    CHECK(*v.fleiss_kappa == Approx((4.0 / 9 - 34.0 / 64) / (1 - 34.0 / 64)));
    CHECK(*v.fleiss_kappa == Approx(-50.0 / 270));
}

TEST_CASE("contamination section and pairs file: hostile text escaped, names kept",
          "[ground_truth]") {
    reference::Result r;
    r.pairs = {{0, 1, 0.85}, {2, 0, 1.0}};
    r.contaminated = {1, 0, 1};
    r.contaminated_rows = 2;
    r.exact_rows = 1;
    const std::vector<std::string> rows = {"<script>alert(1)</script> | pipe", "x",
                                           "[link](javascript:alert(2))"};
    const std::vector<std::string> refs = {"<img src=x onerror=alert(3)>",
                                           "\xe2\x80\xae"
                                           "evil"};
    ground_truth::ContaminationInput in;
    in.result = &r;
    in.rows = 3;
    in.reference_rows = 2;
    in.files = {"test<1>.csv"};
    in.row_text = [&](std::uint32_t i) { return rows[i]; };
    in.ref_text = [&](std::uint32_t j) { return refs[j]; };
    in.ref_where = [&](std::uint32_t j) { return "test<1>.csv row " + std::to_string(j); };
    const std::string md = ground_truth::contamination_markdown(in);
    CHECK(md.find("<script") == std::string::npos);
    CHECK(md.find("<img") == std::string::npos);
    CHECK(md.find("](javascript") == std::string::npos);
    CHECK(md.find("\xe2\x80\xae") == std::string::npos);
    CHECK(md.find("| contamination_rate | 0.6667 |") != std::string::npos);
    // Highest Jaccard first: row 2 (1.0) before row 0 (0.85).
    CHECK(md.find("| 2 | ") < md.find("| 0 | "));
    auto figures = ground_truth::contamination_figures(r, 3, 2);
    CHECK(figures[0].name == "contamination_rows");
    CHECK(*figures[0].value == 2.0);
    CHECK(figures[1].name == "contamination_rate");
    CHECK(*figures[1].value == Approx(2.0 / 3));

    CHECK(ground_truth::reference_pairs_csv(r, {0, 0}, {0, 1}, {"a.csv"}) ==
          "row_i,ref_j,jaccard\n0,1,0.850000\n2,0,1.000000\n");
    CHECK(ground_truth::reference_pairs_csv(r, {0, 1}, {0, 0}, {"a.csv", "b,\"c\".csv"}) ==
          "row_i,ref_j,jaccard,reference\n0,0,0.850000,\"b,\"\"c\"\".csv\"\n"
          "2,0,1.000000,\"a.csv\"\n");
}

TEST_CASE("gold section: figure names of DESIGN section 12, hostile labels escaped",
          "[ground_truth]") {
    std::vector<gold::RowFacts> rows = {{"0", "<b>safe</b>", true, "<b>safe</b>", true},
                                        {"1", "spam|x", true, "<b>safe</b>", false}};
    std::vector<gold::Reviewer> who = {{"A",
                                        {{"0", "<b>safe</b>", 0, {}, "", 1, "g.csv:2"},
                                         {"1", "spam|x", 0, {}, "", 1, "g.csv:3"}}}};
    auto f = gold::compute(who, rows, {"<b>safe</b>", "spam|x"});
    const std::string md = ground_truth::gold_markdown(f, {"gold<1>.csv"});
    CHECK(md.find("<b>") == std::string::npos);
    CHECK(md.find("gold<1>") == std::string::npos);
    CHECK(md.find("spam|x") == std::string::npos);
    std::vector<std::string> names;
    for (const auto& n : ground_truth::gold_figures(f)) names.push_back(n.name);
    for (const char* required :
         {"human_rows", "human_label_accuracy", "human_label_accuracy_lower",
          "human_label_accuracy_upper", "judge_human_agreement", "judge_human_kappa",
          "reviewer_kappa", "reviewer_fleiss_kappa", "reviewer_alpha"})
        CHECK(std::find(names.begin(), names.end(), required) != names.end());
    for (const auto& n : ground_truth::gold_figures(f))
        if (!n.value) CHECK_FALSE(n.why_missing.empty());
}
