// Tests of stats/charts: each chart is well-formed XML (python3's expat), hostile label text is
// escaped, bars and cells follow the numbers they show.
#include <catch2/catch.hpp>
#include <regex>

#include "stats/charts.h"
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

TEST_CASE("bar chart: valid XML, escaped labels, bars proportional to the values", "[charts]") {
    const std::vector<charts::Bar> bars = {
        {"Safe", 300, "300 (50.00 %)"},
        {kHostile, 150, "150 <b>"},
        {"Spam", 75, "75"},
        {"empty", 0, "0"},
    };
    const std::string svg = charts::bar_chart("Rows <per> label & more", bars);
    CHECK(xml_problem(svg) == "");
    CHECK(svg.find("<script>") == std::string::npos);
    CHECK(svg.find("</text><script>") == std::string::npos);
    CHECK(svg.find("&lt;/text&gt;&lt;script&gt;alert(&#39;x&#39;)") != std::string::npos);
    CHECK(svg.find("150 &lt;b&gt;") != std::string::npos);
    CHECK(svg.find("<title id=\"chart-title\">Rows &lt;per&gt; label &amp; more</title>") !=
          std::string::npos);
    CHECK(svg.find('\x1b') == std::string::npos);
    CHECK(svg.find('\x01') == std::string::npos);
    // One bar per entry; the largest spans the full 320 units, the others their share of it.
    const auto widths = rect_widths(svg);
    REQUIRE(widths.size() == 4);
    CHECK(widths[0] == Approx(320.0));
    CHECK(widths[1] == Approx(320.0 * 150 / 300).margin(0.05));
    CHECK(widths[2] == Approx(320.0 * 75 / 300).margin(0.05));
    CHECK(widths[3] == 0.0);
    // All zero: no division by zero, every bar empty.
    const auto zeros = rect_widths(charts::bar_chart("t", {{"a", 0, "0"}, {"b", 0, "0"}}));
    CHECK(zeros == std::vector<double>{0.0, 0.0});
}

TEST_CASE("heat map: valid XML, one cell per pair with its count, darker for more", "[charts]") {
    Eigen::MatrixXd m(2, 2);
    m << 8, 1, 0, 3;
    const std::string svg = charts::heat_map("Confusion", {"Safe", kHostile}, m, "ours", "judge");
    CHECK(xml_problem(svg) == "");
    CHECK(svg.find("<script>") == std::string::npos);
    const auto widths = rect_widths(svg);
    CHECK(widths.size() == 4);
    // Each count is written in its cell; fills run from #ffffff-ish (0) to #3737ff (the max).
    for (const char* cell : {">8</text>", ">1</text>", ">0</text>", ">3</text>"})
        CHECK(svg.find(cell) != std::string::npos);
    CHECK(svg.find("fill=\"#3737ff\"") != std::string::npos);  // 255 - 200 = 55 = 0x37
    CHECK(svg.find("fill=\"#ffffff\" stroke") != std::string::npos);
}

TEST_CASE("spread chart: valid XML, median bar and p95 whisker on one scale", "[charts]") {
    const std::string svg = charts::spread_chart(
        "Length", {{"short", 4.5, 4, 10}, {kHostile, 20, 18, 40}, {"none", 0, 0, 0}});
    CHECK(xml_problem(svg) == "");
    CHECK(svg.find("<script>") == std::string::npos);
    // Scale: the largest p95 (40) spans 300 units; medians 4 and 18 are bars of 30 and 135.
    const auto widths = rect_widths(svg);
    REQUIRE(widths.size() == 3);
    CHECK(widths[0] == Approx(30.0));
    CHECK(widths[1] == Approx(135.0));
    CHECK(widths[2] == 0.0);
    CHECK(svg.find("median 4, mean 4.50, p95 10 words") != std::string::npos);
}

TEST_CASE("xml_escape", "[charts]") {
    CHECK(charts::xml_escape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&#39;");
    CHECK(charts::xml_escape("tab\there\x7f") == "tab here ");
    CHECK(charts::xml_escape("\xef\xbf\xbf") == "\xef\xbf\xbd");  // U+FFFF is not XML
    CHECK(charts::xml_escape("ünï ✓") == "ünï ✓");
}
