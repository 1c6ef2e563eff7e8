// Tests of stats/charts: each chart is well-formed XML (python3's expat), hostile label text is
// escaped, bars and cells follow the numbers they show.
#include <algorithm>
#include <catch2/catch.hpp>
#include <regex>

#include "stats/charts.h"
#include "stats/review.h"
#include "support/process.h"

using namespace synthmod;

namespace {

/// "" when `svg` parses as XML, else the parser's complaint.
std::string xml_problem(const std::string& svg) {
    const std::string path = test::temp_dir("stats-charts") + "/chart.svg";
    test::spit(path, svg);
    return test::xml_problem(path);
}

/// The width attribute of every <rect> with a numeric width, in document order.
std::vector<double> rect_widths(const std::string& svg) {
    std::vector<double> out;
    static const std::regex rect(R"re(<rect x="[0-9.]+" y="[0-9.]+" width="([0-9.]+)")re");
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), rect); it != std::sregex_iterator();
         ++it)
        out.push_back(std::stod((*it)[1]));
    return out;
}

const std::string kHostile =
    "</text><script>alert('x')</script> & \"quoted\" \x1b[31mred\x01 \xef\xbf\xbe end";

}  // namespace

/// Every text element's content, in document order.
std::vector<std::string> texts(const std::string& svg) {
    std::vector<std::string> out;
    static const std::regex text(R"re(<text[^>]*>([^<]*)</text>)re");
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), text); it != std::sregex_iterator();
         ++it)
        out.push_back((*it)[1]);
    return out;
}

bool has_text(const std::string& svg, const std::string& t) {
    const auto all = texts(svg);
    return std::find(all.begin(), all.end(), t) != all.end();
}

TEST_CASE("bar chart: valid XML, escaped labels, bars on a numbered axis", "[charts]") {
    const std::vector<charts::Bar> bars = {
        {"Safe", 300, "300 (50.00 %)"},
        {kHostile, 150, "150 <b>"},
        {"Spam", 75, "75"},
        {"empty", 0, "0"},
    };
    const std::string svg = charts::bar_chart("Rows <per> label & more", bars, "rows");
    CHECK(xml_problem(svg) == "");
    CHECK(svg.find("<script>") == std::string::npos);
    CHECK(svg.find("</text><script>") == std::string::npos);
    CHECK(svg.find("&lt;/text&gt;&lt;script&gt;alert(&#39;x&#39;)") != std::string::npos);
    CHECK(svg.find("150 &lt;b&gt;") != std::string::npos);
    CHECK(svg.find("<title id=\"chart-title\">Rows &lt;per&gt; label &amp; more</title>") !=
          std::string::npos);
    CHECK(svg.find('\x1b') == std::string::npos);
    CHECK(svg.find('\x01') == std::string::npos);
    // The axis: a step of 1, 2 or 5 x 10^k giving about five ticks, up to the first tick at or
    // past the largest value: 300 / 5 = 60 -> step 100, ticks 0..300 over 320 units.
    for (const char* tick : {"0", "100", "200", "300"}) CHECK(has_text(svg, tick));
    CHECK(has_text(svg, "rows"));
    const auto widths = rect_widths(svg);
    REQUIRE(widths.size() == 4);
    CHECK(widths[0] == Approx(320.0));
    CHECK(widths[1] == Approx(160.0));
    CHECK(widths[2] == Approx(80.0));
    CHECK(widths[3] == 0.0);
    // 7 and 3: 7 / 5 = 1.4 -> step 2, axis to 8: bars of 320 * 7/8 = 280 and 320 * 3/8 = 120.
    const std::string small = charts::bar_chart("t", {{"a", 7, "7"}, {"b", 3, "3"}}, "rows");
    CHECK(rect_widths(small) == std::vector<double>{280.0, 120.0});
    for (const char* tick : {"0", "2", "4", "6", "8"}) CHECK(has_text(small, tick));
    // All zero: no division by zero, every bar empty, an axis from 0 to 1.
    const std::string zeros = charts::bar_chart("t", {{"a", 0, "0"}, {"b", 0, "0"}}, "rows");
    CHECK(rect_widths(zeros) == std::vector<double>{0.0, 0.0});
    CHECK(has_text(zeros, "1"));
}

TEST_CASE("heat map: every row and column, counts in cells, shaded by the row's share",
          "[charts]") {
    Eigen::MatrixXd m(3, 3);
    m << 8, 0, 0,  //
        1, 1, 2,   //
        0, 0, 0;   // a label with no row
    const std::string svg = charts::heat_map("Drift", {"Safe", kHostile, "none"},
                                             {"Safe", "Spam", "refused"}, m, "target", "returned");
    CHECK(xml_problem(svg) == "");
    CHECK(svg.find("<script>") == std::string::npos);
    // Nine cells and five legend swatches.
    CHECK(rect_widths(svg).size() == 9 + 5);
    // Shade = 255 - 200 x share of the row, as #LLLLff: 8 of 8 -> 55 (0x37); 1 of 4 -> 205
    // (0xcd); 2 of 4 -> 155 (0x9b); an empty row is white.
    auto cell = [&](const std::string& title) {
        const auto at = svg.find("<title>" + title + "</title>");
        REQUIRE(at != std::string::npos);
        const auto fill = svg.find("fill=\"", at);
        return svg.substr(fill + 6, 7);
    };
    CHECK(cell("Safe / Safe: 8 (100.0 % of the row)") == "#3737ff");
    CHECK(cell("Safe / Spam: 0 (0.0 % of the row)") == "#ffffff");
    CHECK(cell("none / refused: 0 (0.0 % of the row)") == "#ffffff");
    const std::string hostile = charts::xml_escape(kHostile);
    CHECK(cell(hostile + " / Spam: 1 (25.0 % of the row)") == "#cdcdff");
    CHECK(cell(hostile + " / refused: 2 (50.0 % of the row)") == "#9b9bff");
    // Row totals beside the rows, and the legend's scale.
    CHECK(has_text(svg, "rows"));
    CHECK(has_text(svg, "4"));
    CHECK(has_text(svg, "share of the row:"));
    for (const char* step : {"0 %", "25 %", "50 %", "75 %", "100 %"}) CHECK(has_text(svg, step));
    // Every column label, rotated below the grid.
    for (const char* column : {"Safe", "Spam", "refused"})
        CHECK(svg.find(std::string(")\">") + column + "</text>") != std::string::npos);
}

TEST_CASE("spread chart: median bar and p95 whisker on a numbered axis, with a legend",
          "[charts]") {
    const std::string svg = charts::spread_chart(
        "Length", {{"short", 4.5, 4, 10}, {kHostile, 20, 18, 40}, {"none", 0, 0, 0}}, "words");
    CHECK(xml_problem(svg) == "");
    CHECK(svg.find("<script>") == std::string::npos);
    // Scale: the largest p95 (40) / 5 = 8 -> step 10, axis to 40 over 320 units: medians 4 and 18
    // are bars of 32 and 144. The legend's median swatch is the fourth rect.
    const auto widths = rect_widths(svg);
    REQUIRE(widths.size() == 4);
    CHECK(widths[0] == Approx(32.0));
    CHECK(widths[1] == Approx(144.0));
    CHECK(widths[2] == 0.0);
    for (const char* t : {"0", "10", "20", "30", "40", "words", "median", "to p95", "mean",
                          "median 4, mean 4.50, p95 10"})
        CHECK(has_text(svg, t));
}

TEST_CASE("text width: per code point, East Asian wide characters double", "[charts]") {
    // S (capital 0.8) a (0.64) f (narrow 0.42) e (0.64) = 2.5 em at 12 px.
    CHECK(charts::text_width("Safe", 12) == Approx(30.0));
    CHECK(charts::text_width("mW", 10) == Approx(21.0));
    CHECK(charts::text_width("Safe", 12, true) == Approx(34.5));
    // é: 1.05 em; 垃圾: two wide characters of two columns of 0.8 em each.
    CHECK(charts::text_width("\xc3\xa9", 10) == Approx(10.5));
    CHECK(charts::text_width("垃圾", 10) == Approx(32.0));
    CHECK(charts::text_width("", 12) == 0.0);
}

TEST_CASE("fit_lines: wraps at spaces, cuts the last line with an ellipsis", "[charts]") {
    const std::string label = "Harassment, threats and targeted abuse of protected groups ok";
    const auto lines = charts::fit_lines(label, 150, 12, 2);
    REQUIRE(lines.size() == 2);
    for (const auto& l : lines) CHECK(charts::text_width(l, 12) <= 150);
    CHECK(label.rfind(lines[0] + " ", 0) == 0);  // a prefix ending at a space
    CHECK(lines[1].size() > 3);
    CHECK(lines[1].substr(lines[1].size() - 3) == "\xe2\x80\xa6");
    // What fits stays whole; a short text one line.
    CHECK(charts::fit_lines("Safe", 150, 12, 2) == std::vector<std::string>{"Safe"});
    CHECK(charts::fit_lines(label, 1000, 12, 2) == std::vector<std::string>{label});
    // No space to break at: cut between code points (never inside one), each line fitting.
    const std::string cjk = "自残与自杀内容包括暗示";  // 11 wide characters, 19.2 px each at 12
    const auto cut = charts::fit_lines(cjk, 60, 12, 2);
    REQUIRE(cut.size() == 2);
    CHECK(cut[0] == "自残与");
    CHECK(cut[1] == "自杀\xe2\x80\xa6");
    for (const auto& l : cut) CHECK(charts::text_width(l, 12) <= 60);
}

TEST_CASE("xml_escape", "[charts]") {
    CHECK(charts::xml_escape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&#39;");
    CHECK(charts::xml_escape("tab\there\x7f") == "tab here ");
    CHECK(charts::xml_escape("\xef\xbf\xbf") == "\xef\xbf\xbd");  // U+FFFF is not XML
    CHECK(charts::xml_escape("ünï ✓") == "ünï ✓");
}

TEST_CASE("the review page and its Label Studio config escape with the charts' escaper",
          "[charts][review]") {
    // One escaper for SVG, the review page and the Label Studio XML config: a label with a
    // control character or U+FFFF still gives well-formed XML, markup is escaped.
    review::Page page;
    page.title = "review <b>\x01";
    page.labels = {"Safe",
                   "a\x01"
                   "b <i>&",
                   "x\xef\xbf\xbfy"};
    page.issue_tags = {"tag\x1f"};
    const std::string config = review::label_studio_config(page);
    CHECK(xml_problem(config) == "");
    CHECK(config.find("<Choice value=\"a b &lt;i&gt;&amp;\"") != std::string::npos);
    CHECK(config.find("<Choice value=\"x\xef\xbf\xbdy\"") != std::string::npos);
    CHECK(config.find("<Choice value=\"tag \"") != std::string::npos);
    CHECK(review::html(page).find("<title>review &lt;b&gt; </title>") != std::string::npos);
}
