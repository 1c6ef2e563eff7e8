// The review page in a real browser: headless Chromium (tests/browser/review_page.py) answers
// rows with the keyboard and downloads the CSV; the CSV must hold exactly those answers. The
// same with hostile rows: nothing runs, nothing is requested, nothing is logged.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>

#include "common/csv.h"
#include "support/json_file.h"
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

/// What the page carries about its rows (read back from its JSON data element).
struct PageData {
    std::vector<std::string> keys, weights, labels, tags;
    rapidjson::Document json;
};

PageData read_page(const std::string& html) {
    const std::string open = "<script type=\"application/json\" id=\"sample\">";
    const auto at = html.find(open);
    REQUIRE(at != std::string::npos);
    const auto from = at + open.size();
    const auto to = html.find("</script>", from);
    PageData p;
    p.json.Parse(html.c_str() + from, to - from);
    REQUIRE_FALSE(p.json.HasParseError());
    for (const auto& item : p.json["items"].GetArray()) {
        p.keys.emplace_back(item["key"].GetString(), item["key"].GetStringLength());
        p.weights.emplace_back(item["weight"].GetString());
    }
    for (const auto& l : p.json["labels"].GetArray()) p.labels.emplace_back(l.GetString());
    for (const auto& t : p.json["tags"].GetArray()) p.tags.emplace_back(t.GetString());
    return p;
}

std::string stats_bin() { return test::tool("synthmod-stats"); }

/// synthmod-stats writes the review page for `csv_text`; the browser answers `choose(page)`;
/// returns the downloaded CSV's path.
std::string answer_in_browser(const std::string& dir, const std::string& csv_text, std::size_t n,
                              const std::vector<std::string>& extra_flags,
                              const std::string& reviewer,
                              const std::function<std::vector<Answer>(const PageData&)>& choose,
                              PageData* page_out, std::vector<Answer>* chosen) {
    test::spit(dir + "/data.csv", csv_text);
    std::vector<std::string> argv = {
        stats_bin(),       "--in",         dir + "/data.csv", "--review",
        std::to_string(n), "--report-dir", dir + "/report",   "--quiet"};
    argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
    auto made = test::run(argv);
    INFO(made.err);
    REQUIRE(made.exit_code == 0);
    *page_out = read_page(test::slurp(dir + "/report/review.html"));
    *chosen = choose(*page_out);
    test::spit(dir + "/answers.json", answers_json(reviewer, *chosen));
    test::RunOptions ro;
    ro.timeout_s = 240;
    auto r = test::run({"/usr/bin/python3", kScript, dir + "/report/review.html",
                        dir + "/answers.json", dir + "/answers.csv"},
                       ro);
    INFO(r.out);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return dir + "/answers.csv";
}

/// The downloaded CSV holds exactly the answers, in page order, with the rows' weights.
void check_download(const csv::Table& got, const PageData& page, const std::vector<Answer>& answers,
                    const std::string& reviewer) {
    REQUIRE(got.header == std::vector<std::string>{"key", "human_label", "human_realism",
                                                   "human_issues", "reviewer", "note", "weight"});
    std::vector<std::vector<std::string>> expected;
    for (std::size_t i = 0; i < page.keys.size(); ++i)
        for (const auto& a : answers) {
            if (a.key != page.keys[i]) continue;
            std::string issues;
            for (const auto& t : page.tags)
                if (std::find(a.issues.begin(), a.issues.end(), t) != a.issues.end())
                    issues += (issues.empty() ? "" : ";") + t;
            expected.push_back({a.key, a.label, a.realism ? std::to_string(a.realism) : "", issues,
                                reviewer, a.note, page.weights[i]});
        }
    CHECK(got.rows == expected);
}

}  // namespace

TEST_CASE(
    "review page in headless Chromium: keyboard answers, undo, autosave, CSV download, "
    "then --gold on that CSV",
    "[review][browser]") {
    std::string csv_text = "content,label,id,context,judge_label,label_correct,judge_status\n";
    const char* labels[] = {"safe", "harassment", "spam"};
    std::map<std::string, std::pair<std::string, std::string>> truth;  // key -> ours, judge's
    for (int i = 0; i < 60; ++i) {
        const std::string label = labels[i % 3];
        const bool agree = i % 4 != 0;
        const std::string judge = agree ? label : labels[(i + 1) % 3];
        const std::string key = "r" + std::to_string(i);
        truth[key] = {label, judge};
        csv_text += "\"post number " + std::to_string(i) + ", about things\"," + label + "," + key +
                    ",a comment," + judge + "," + (agree ? "true" : "false") + ",ok\n";
    }
    const std::string dir = test::temp_dir("review-browser");
    PageData page;
    std::vector<Answer> answers;
    const std::string reviewer = "Ada L";
    const std::string csv_path = answer_in_browser(
        dir, csv_text, 12, {}, reviewer,
        [](const PageData& p) {
            std::vector<Answer> out;
            for (std::size_t i = 0; i < p.keys.size(); i += 2) {
                Answer a;
                a.key = p.keys[i];
                a.label = p.labels[(i / 2) % p.labels.size()];
                a.realism = static_cast<int>(i % 5) + 1;
                if (i % 4 == 0) a.issues = {"placeholder", "ai_disclaimer"};
                if (i == 2) a.note = "says \"hi\", twice";
                out.push_back(a);
            }
            return out;
        },
        &page, &answers);
    REQUIRE(page.keys.size() == 12);
    REQUIRE(answers.size() == 6);
    check_download(csv::read_table(csv_path), page, answers, reviewer);

    // --gold on the downloaded file: the figures a person would compute from the answers.
    auto r = test::run({stats_bin(), "--in", dir + "/data.csv", "--gold", csv_path, "--report-dir",
                        dir + "/gold", "--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    double w_all = 0, w_ours = 0, w_judge = 0;
    for (const auto& a : answers) {
        std::size_t i = std::find(page.keys.begin(), page.keys.end(), a.key) - page.keys.begin();
        const double w = std::strtod(page.weights[i].c_str(), nullptr);
        w_all += w;
        if (truth[a.key].first == a.label) w_ours += w;
        if (truth[a.key].second == a.label) w_judge += w;
    }
    auto m = test::json_file(dir + "/gold/metrics.json");
    CHECK(m["human_rows"].GetDouble() == 6.0);
    CHECK(m["human_label_accuracy"].GetDouble() == Approx(w_ours / w_all).epsilon(1e-12));
    CHECK(m["judge_human_agreement"].GetDouble() == Approx(w_judge / w_all).epsilon(1e-12));
    CHECK(m["reviewer_kappa"].IsNull());  // one reviewer
    const std::string report = test::slurp(dir + "/gold/report.md");
    CHECK(report.find("## Against people") != std::string::npos);
}
TEST_CASE("review page in headless Chromium: hostile rows stay text, nothing runs or leaves",
          "[review][browser]") {
    const std::vector<std::string> hostile = {
        "</script><script>window.__pwned=1;alert(1)</script>",
        "<img src=x onerror=\"window.__pwned=2;alert(2)\">",
        "<a href=\"javascript:window.__pwned=3\">click me</a> javascript:alert(3)",
        "<svg onload=alert(4)></svg><iframe src=\"http://198.51.100.7/\"></iframe>",
        "<link rel=stylesheet href=\"http://198.51.100.7/x.css\"><base "
        "href=\"http://198.51.100.7/\">",
        "<meta http-equiv=\"refresh\" content=\"0;url=http://198.51.100.7/\">",
        "<style>@import url(http://198.51.100.7/y.css); body{background:url(http://198.51.100.7/z)}"
        "</style>",
        "<!-- comment opened <script>window.__pwned=5</script>",
        "bidi \xe2\x80\xae"
        "cod.exe\xe2\x80\xac and isolate \xe2\x81\xa6x\xe2\x81\xa9",
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
    PageData page;
    std::vector<Answer> answers;
    const std::string reviewer = "<script>alert('r')</script>";
    const std::string dir = test::temp_dir("review-browser-hostile");
    auto csv_path = answer_in_browser(
        dir, csv_text, 100, {"--review-blind", "full"}, reviewer,
        [](const PageData& p) {
            std::vector<Answer> out;
            for (std::size_t i = 0; i < p.keys.size(); ++i) {
                Answer a;
                a.key = p.keys[i];
                a.label = p.labels[i % p.labels.size()];
                a.realism = static_cast<int>(i % 5) + 1;
                a.note = i == 0 ? "=HYPERLINK(\"http://198.51.100.7\")" : "";
                out.push_back(a);
            }
            return out;
        },
        &page, &answers);
    REQUIRE(page.keys.size() == hostile.size());
    for (const auto& item : page.json["items"].GetArray())
        CHECK_FALSE(item.HasMember("label"));  // --review-blind full
    check_download(csv::read_table(csv_path), page, answers, reviewer);
}
