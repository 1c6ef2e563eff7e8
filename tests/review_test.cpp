// review: the stratified sample, the page's embedded data and policy, Label Studio output.
// The page in a real browser is tests/browser/review_page.py (review_browser_test.cpp).
#include "stats/review.h"

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "common/errors.h"
#include "judge/rubric.h"
#include "stats/dataset.h"
#include "stats/review_page.h"
#include "support/process.h"

using namespace synthmod;

namespace {

const std::string kJudged = SYNTHMOD_SOURCE_DIR "/tests/data/stats_judged.csv";

std::vector<std::size_t> strata_of(const std::vector<std::size_t>& sizes) {
    std::vector<std::size_t> out;
    for (std::size_t h = 0; h < sizes.size(); ++h) out.insert(out.end(), sizes[h], h);
    return out;
}

std::map<std::size_t, std::size_t> taken(const std::vector<review::Draw>& draws) {
    std::map<std::size_t, std::size_t> per;
    for (const auto& d : draws) ++per[d.stratum];
    return per;
}

}  // namespace

TEST_CASE("sha256_base64 matches the FIPS 180-4 digests (hashlib)", "[review]") {
    CHECK(review::sha256_base64("") == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    CHECK(review::sha256_base64("abc") == "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
    CHECK(review::sha256_base64(std::string(55, 'a')) ==
          "n0OQ+NMMLdkuyfCVtl4rmumwqSWlJY4kHJ8ekQ9zQxg=");
    CHECK(review::sha256_base64(std::string(56, 'a')) ==
          "s1Q5pKxvCUi21vnjxq8PX1kM4g8b3nCQ73lwaG7Gc4o=");
    CHECK(review::sha256_base64(std::string(64, 'a')) ==
          "/+BU/nrgy23GXDr5th1SCfQ5hR20PQulmXM33xVGaOs=");
    CHECK(review::sha256_base64(std::string(1000, 'a')) ==
          "Qe3s5C1j6Nm/UVqbppMuHCDLyfWl0TRkWttdsblzfqM=");
}

TEST_CASE("stratified sample: allocation, weights, caps and boost", "[review]") {
    SECTION("proportional: 50/30/20 rows, 10 drawn -> 5/3/2, weight 10 each") {
        auto draws = review::stratified_sample(strata_of({50, 30, 20}), 3, 10, 7);
        auto per = taken(draws);
        CHECK(per[0] == 5);
        CHECK(per[1] == 3);
        CHECK(per[2] == 2);
        for (const auto& d : draws) CHECK(d.weight == 10.0);
    }
    SECTION("boost: 90 agree / 10 disagree, disagreements x2, 11 drawn -> 9 and 2") {
        auto draws = review::stratified_sample(strata_of({90, 10}), 2, 11, 7, {1.0, 2.0});
        auto per = taken(draws);
        CHECK(per[0] == 9);
        CHECK(per[1] == 2);
        for (const auto& d : draws) CHECK(d.weight == (d.stratum == 0 ? 10.0 : 5.0));
    }
    SECTION("a stratum smaller than its share is taken whole; the rest goes elsewhere") {
        auto draws = review::stratified_sample(strata_of({2, 100}), 2, 20, 3, {10.0, 1.0});
        auto per = taken(draws);
        CHECK(per[0] == 2);
        CHECK(per[1] == 18);
        for (const auto& d : draws) CHECK(d.weight == (d.stratum == 0 ? 1.0 : 100.0 / 18.0));
    }
    SECTION("every non-empty stratum gets a row, even a tiny one") {
        auto draws = review::stratified_sample(strata_of({1000, 0, 1}), 3, 4, 1);
        auto per = taken(draws);
        CHECK(per[0] == 3);
        CHECK(per[1] == 0);
        CHECK(per[2] == 1);
    }
    SECTION("n >= rows: every row once, weight 1") {
        auto draws = review::stratified_sample(strata_of({3, 4}), 2, 50, 1);
        REQUIRE(draws.size() == 7);
        std::set<std::size_t> rows;
        for (const auto& d : draws) {
            rows.insert(d.row);
            CHECK(d.weight == 1.0);
        }
        CHECK(rows.size() == 7);
    }
    SECTION("weights add up to the rows of the sampled strata; rows distinct; within stratum") {
        auto of = strata_of({37, 5, 120, 9});
        auto draws = review::stratified_sample(of, 4, 25, 99, {1, 2, 1, 2});
        double sum = 0;
        std::set<std::size_t> rows;
        for (const auto& d : draws) {
            sum += d.weight;
            rows.insert(d.row);
            CHECK(of[d.row] == d.stratum);
        }
        CHECK(draws.size() == 25);
        CHECK(rows.size() == 25);
        CHECK(sum == Approx(171.0).epsilon(1e-12));
    }
    SECTION("seeded: the same seed draws the same rows in the same order, another does not") {
        auto of = strata_of({40, 40});
        auto a = review::stratified_sample(of, 2, 10, 5);
        auto b = review::stratified_sample(of, 2, 10, 5);
        auto c = review::stratified_sample(of, 2, 10, 6);
        std::vector<std::size_t> ra, rb, rc;
        for (auto& d : a) ra.push_back(d.row);
        for (auto& d : b) rb.push_back(d.row);
        for (auto& d : c) rc.push_back(d.row);
        CHECK(ra == rb);
        CHECK(ra != rc);
    }
    SECTION("uniform within a stratum: over 3000 seeds each of 10 rows is drawn ~30 % of runs") {
        // 3 of 10 per run: each row 900 times expected, sd sqrt(3000 * .3 * .7) = 25.1.
        std::vector<int> hits(10, 0);
        auto of = strata_of({10});
        for (std::uint64_t seed = 0; seed < 3000; ++seed)
            for (const auto& d : review::stratified_sample(of, 1, 3, seed)) ++hits[d.row];
        for (int h : hits) {
            CHECK(h > 900 - 4 * 25);
            CHECK(h < 900 + 4 * 25);
        }
    }
}

TEST_CASE("weight_text reads back as the same double", "[review]") {
    for (double w : {1.0, 10.0, 100.0 / 18.0, 1.0 / 3.0, 2.5, 123456.789}) {
        std::string t = review::weight_text(w);
        CHECK(std::strtod(t.c_str(), nullptr) == w);
    }
    CHECK(review::weight_text(1.0) == "1");
    CHECK(review::weight_text(2.5) == "2.5");
}

TEST_CASE("issue tags are the judge's list", "[review]") {
    CHECK(review::default_issue_tags() == judge::issue_tags());
}

TEST_CASE("choice keys: one per label and tag, never a key the page uses itself", "[review]") {
    auto keys = review::choice_keys(9, 6);
    REQUIRE(keys.size() == 15);
    CHECK(keys[0] == "1");
    CHECK(keys[8] == "9");
    CHECK(keys[9] == "0");
    CHECK(keys[10] == "a");
    std::set<std::string> unique(keys.begin(), keys.end());
    CHECK(unique.size() == keys.size());
    auto all = review::choice_keys(20, 12);
    for (const char* reserved : {"j", "k", "n", "u"})
        CHECK(std::find(all.begin(), all.end(), reserved) == all.end());
    CHECK_THROWS_AS(review::choice_keys(30, 6), UsageError);
}

TEST_CASE("page data: hostile row text cannot leave the data element", "[review]") {
    review::Page page;
    page.labels = {"safe", "hate"};
    page.issue_tags = review::default_issue_tags();
    const std::string hostile =
        "</script><script>alert(1)</script><!-- <img src=x onerror=alert(2)> "
        "javascript:alert(3) & \xe2\x80\xa8 line \xe2\x80\xa9 para \xe2\x80\xae"
        "override"
        "\xe2\x80\xac "
        "</SCRIPT> \"quote\" \\ back" +
        std::string(1, '\0') + " nul";
    page.items.push_back(
        {"k<1>", hostile, "<b>ctx</b>", "safe", "hate", review::Verdict::kDisagrees, 2.5});
    const std::string json = review::page_json(page);
    CHECK(json.find('<') == std::string::npos);
    CHECK(json.find('>') == std::string::npos);
    CHECK(json.find('&') == std::string::npos);
    CHECK(json.find("\xe2\x80\xa8") == std::string::npos);
    CHECK(json.find("\xe2\x80\xa9") == std::string::npos);
    rapidjson::Document d;
    d.Parse(json.c_str(), json.size());
    REQUIRE_FALSE(d.HasParseError());
    const auto& item = d["items"][0];
    CHECK(std::string(item["text"].GetString(), item["text"].GetStringLength()) == hostile);
    CHECK(std::string(item["key"].GetString()) == "k<1>");
    CHECK(std::string(item["weight"].GetString()) == "2.5");
    CHECK(std::string(item["label"].GetString()) == "safe");

    const std::string page_html = review::html(page);
    // Exactly the two script elements of the page close: no row text closes one.
    std::size_t closes = 0;
    for (std::size_t at = 0; (at = page_html.find("</script", at)) != std::string::npos; ++at)
        ++closes;
    CHECK(closes == 2);
    CHECK(page_html.find("<script>alert") == std::string::npos);
    CHECK(page_html.find("onerror=alert(2)") != std::string::npos);  // kept, as inert text
    CHECK(page_html.find("<img") == std::string::npos);
    CHECK(page_html.find("<!--") == std::string::npos);
    // The policy allows the page's own script and style by hash and nothing else.
    CHECK(page_html.find("script-src 'sha256-" + review::sha256_base64(review::page_script()) +
                         "'") != std::string::npos);
    CHECK(page_html.find("style-src 'sha256-" + review::sha256_base64(review::page_style()) +
                         "'") != std::string::npos);
    CHECK(page_html.find("default-src 'none'") != std::string::npos);
    CHECK(page_html.find("connect-src 'none'") != std::string::npos);
    CHECK(page_html.find("unsafe-inline") == std::string::npos);
    CHECK(page_html.find("http:") == std::string::npos);
    CHECK(page_html.find("https:") == std::string::npos);
    CHECK(page_html.find("innerHTML") == std::string::npos);

    SECTION("--review-blind full: neither our label nor the judge's is on the page") {
        page.blind_full = true;
        rapidjson::Document b;
        const std::string blind = review::page_json(page);
        b.Parse(blind.c_str(), blind.size());
        REQUIRE_FALSE(b.HasParseError());
        CHECK_FALSE(b["items"][0].HasMember("label"));
        CHECK_FALSE(b["items"][0].HasMember("judge_label"));
        CHECK(b["blind_full"].GetBool());
    }
}

TEST_CASE("build_page on a judged file: strata, keys, weights", "[review]") {
    metrics::Dataset data = dataset::load({kJudged});
    data.prepare(1);
    SECTION("every row: weights 1, keys are the id column, verdicts from the judge columns") {
        auto page = review::build_page(data, 100, 1, {});
        REQUIRE(page.items.size() == data.size());
        std::set<std::string> keys;
        for (const auto& item : page.items) {
            keys.insert(item.key);
            CHECK(item.weight == 1.0);
        }
        CHECK(keys.count("a0") == 1);
        CHECK(keys.size() == data.size());
    }
    SECTION("a sample: weights add up to the rows") {
        auto page = review::build_page(data, 8, 3, {"Spam & Scams"});
        REQUIRE(page.items.size() == 8);
        double sum = 0;
        for (const auto& item : page.items) sum += item.weight;
        CHECK(sum == Approx(static_cast<double>(data.size())));
        CHECK(page.labels.front() == "Spam & Scams");
        std::size_t row = 0;
        for (const auto& item : page.items) {
            // Find the row by key and check the verdict the page carries.
            for (row = 0; row < data.size(); ++row)
                if (data.field(row, 2) == item.key) break;
            REQUIRE(row < data.size());
            const bool ok = data.judge[row] == metrics::JudgeStatus::kOk;
            CHECK(item.verdict == (!ok                 ? review::Verdict::kNotJudged
                                   : data.correct[row] ? review::Verdict::kAgrees
                                                       : review::Verdict::kDisagrees));
            CHECK(item.label == data.label_of(row));
        }
    }
}

TEST_CASE("Label Studio tasks and labeling config", "[review]") {
    review::Page page;
    page.labels = {"safe", "a\"<b>&"};
    page.issue_tags = review::default_issue_tags();
    page.items.push_back({"7", "text </script>", "", "safe", "", review::Verdict::kNotJudged, 4});
    rapidjson::Document d;
    const std::string tasks = review::label_studio_tasks(page);
    d.Parse(tasks.c_str());
    REQUIRE_FALSE(d.HasParseError());
    REQUIRE(d.IsArray());
    REQUIRE(d.Size() == 1);
    CHECK(std::string(d[0]["data"]["key"].GetString()) == "7");
    CHECK(std::string(d[0]["data"]["text"].GetString()) == "text </script>");
    CHECK(d[0]["data"]["weight"].GetDouble() == 4.0);
    CHECK_FALSE(d[0]["data"].HasMember("label"));  // blind
    std::string dir = test::temp_dir("review-ls");
    test::spit(dir + "/config.xml", review::label_studio_config(page));
    CHECK(test::xml_problem(dir + "/config.xml").empty());
    const std::string config = review::label_studio_config(page);
    for (const char* name : {"name=\"label\"", "name=\"realism\"", "name=\"issues\"",
                             "name=\"note\"", "value=\"a&quot;&lt;b&gt;&amp;\""})
        CHECK(config.find(name) != std::string::npos);
}
