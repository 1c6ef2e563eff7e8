// The review page in a real browser: headless Chromium (tests/browser/review_page.py) answers
// rows with the keyboard and downloads the CSV; the CSV must hold exactly those answers. The
// same with hostile rows: nothing runs, nothing is requested, nothing is logged.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "common/csv.h"
#include "stats/review.h"
#include "stats/stats.h"
#include "support/process.h"

using namespace synthmod;

namespace {

const std::string kScript = SYNTHMOD_SOURCE_DIR "/tests/browser/review_page.py";

struct Answer {
    std::string key;
    std::string label;
    int realism = 0;
    std::vector<std::string> issues;
    std::string note;
};

std::string answers_json(const std::string& reviewer, const std::vector<Answer>& answers) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    auto str = [&](const std::string& s) {
        w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    };
    w.StartObject();
    w.Key("reviewer");
    str(reviewer);
    w.Key("answers");
    w.StartArray();
    for (const auto& a : answers) {
        w.StartObject();
        w.Key("key");
        str(a.key);
        w.Key("label");
        str(a.label);
        w.Key("realism");
        w.Int(a.realism);
        w.Key("issues");
        w.StartArray();
        for (const auto& t : a.issues) str(t);
        w.EndArray();
        w.Key("note");
        str(a.note);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return b.GetString();
}

/// Writes the page for `csv_text`, lets the browser answer `answers`, returns the download.
csv::Table answer_in_browser(const std::string& tag, const std::string& csv_text, std::size_t n,
                             const std::string& reviewer, const std::function<std::vector<Answer>(
                                                              const review::Page&)>& choose,
                             review::Page* page_out, std::vector<Answer>* chosen) {
    std::string dir = test::temp_dir(tag);
    test::spit(dir + "/data.csv", csv_text);
    metrics::Dataset data = stats::load_inputs({dir + "/data.csv"});
    metrics::prepare(data, 1);
    review::Page page = review::build_page(data, n, 11, {"safe", "harassment", "spam"});
    test::spit(dir + "/review.html", review::html(page));
    *chosen = choose(page);
    test::spit(dir + "/answers.json", answers_json(reviewer, *chosen));
    test::RunOptions ro;
    ro.timeout_s = 240;
    auto r = test::run({"/usr/bin/python3", kScript, dir + "/review.html", dir + "/answers.json",
                        dir + "/answers.csv"},
                       ro);
    INFO(r.out);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    *page_out = page;
    return csv::read_table(dir + "/answers.csv");
}

/// The downloaded CSV holds exactly the answers, in page order, with the rows' weights.
void check_download(const csv::Table& got, const review::Page& page,
                    const std::vector<Answer>& answers, const std::string& reviewer) {
    REQUIRE(got.header == std::vector<std::string>{"key", "human_label", "human_realism",
                                                   "human_issues", "reviewer", "note", "weight"});
    std::vector<std::vector<std::string>> expected;
    for (const auto& item : page.items)
        for (const auto& a : answers) {
            if (a.key != item.key) continue;
            std::string issues;
            for (const auto& t : page.issue_tags)
                if (std::find(a.issues.begin(), a.issues.end(), t) != a.issues.end())
                    issues += (issues.empty() ? "" : ";") + t;
            expected.push_back({a.key, a.label, a.realism ? std::to_string(a.realism) : "",
                                issues, reviewer, a.note, review::weight_text(item.weight)});
        }
    CHECK(got.rows == expected);
}

}  // namespace

TEST_CASE("review page in headless Chromium: keyboard answers, undo, autosave, CSV download",
          "[review][browser]") {
    std::string csv_text = "content,label,id,context,judge_label,label_correct,judge_status\n";
    const char* labels[] = {"safe", "harassment", "spam"};
    for (int i = 0; i < 60; ++i) {
        const std::string label = labels[i % 3];
        const bool agree = i % 4 != 0;
        const std::string judge = agree ? label : labels[(i + 1) % 3];
        csv_text += "\"post number " + std::to_string(i) + ", about things\"," + label + ",r" +
                    std::to_string(i) + ",a comment," + judge + "," + (agree ? "true" : "false") +
                    ",ok\n";
    }
    review::Page page;
    std::vector<Answer> answers;
    const std::string reviewer = "Ada L";
    auto got = answer_in_browser(
        "review-browser", csv_text, 12, reviewer,
        [](const review::Page& p) {
            std::vector<Answer> out;
            for (std::size_t i = 0; i < p.items.size(); i += 2) {
                Answer a;
                a.key = p.items[i].key;
                a.label = p.labels[(i / 2) % p.labels.size()];
                a.realism = static_cast<int>(i % 5) + 1;
                if (i % 4 == 0) a.issues = {"placeholder", "ai_disclaimer"};
                if (i == 2) a.note = "says \"hi\", twice";
                out.push_back(a);
            }
            return out;
        },
        &page, &answers);
    REQUIRE(page.items.size() == 12);
    REQUIRE(answers.size() == 6);
    check_download(got, page, answers, reviewer);
}

TEST_CASE("review page in headless Chromium: hostile rows stay text, nothing runs or leaves",
          "[review][browser]") {
    const std::vector<std::string> hostile = {
        "</script><script>window.__pwned=1;alert(1)</script>",
        "<img src=x onerror=\"window.__pwned=2;alert(2)\">",
        "<a href=\"javascript:window.__pwned=3\">click me</a> javascript:alert(3)",
        "<svg onload=alert(4)></svg><iframe src=\"http://198.51.100.7/\"></iframe>",
        "<link rel=stylesheet href=\"http://198.51.100.7/x.css\"><base href=\"http://198.51.100.7/\">",
        "<meta http-equiv=\"refresh\" content=\"0;url=http://198.51.100.7/\">",
        "<style>@import url(http://198.51.100.7/y.css); body{background:url(http://198.51.100.7/z)}"
        "</style>",
        "<!-- comment opened <script>window.__pwned=5</script>",
        "bidi \xe2\x80\xae" "cod.exe\xe2\x80\xac and isolate \xe2\x81\xa6x\xe2\x81\xa9",
        "line\xe2\x80\xa8separator and para\xe2\x80\xa9separator');window.__pwned=6;('",
        "\"]}</script><script>window.__pwned=7</script>{\"a\":[\"",
        "{{constructor.constructor('window.__pwned=8')()}} ${window.__pwned=9}",
        std::string(1 << 20, 'x') + "<script>window.__pwned=10</script>",
    };
    std::string csv_text = "content,label,id,context\n";
    for (std::size_t i = 0; i < hostile.size(); ++i) {
        std::string quoted;
        for (char c : hostile[i]) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
        csv_text += "\"" + quoted + "\"," + (i % 2 ? "spam" : "safe") + ",\"<b>id" +
                    std::to_string(i) + "</b>\",\"<img src=y onerror=alert(" + std::to_string(i) +
                    ")>\"\n";
    }
    review::Page page;
    std::vector<Answer> answers;
    const std::string reviewer = "<script>alert('r')</script>";
    auto got = answer_in_browser(
        "review-browser-hostile", csv_text, 100, reviewer,
        [](const review::Page& p) {
            std::vector<Answer> out;
            for (std::size_t i = 0; i < p.items.size(); ++i) {
                Answer a;
                a.key = p.items[i].key;
                a.label = p.labels[i % p.labels.size()];
                a.realism = static_cast<int>(i % 5) + 1;
                a.note = i == 0 ? "=HYPERLINK(\"http://198.51.100.7\")" : "";
                out.push_back(a);
            }
            return out;
        },
        &page, &answers);
    REQUIRE(page.items.size() == hostile.size());
    check_download(got, page, answers, reviewer);
}
