// Hostile row content through the real tools as processes (issue 6, part 4): Markdown, HTML,
// ANSI/OSC escapes, NUL and other controls, a 1 MB field, bidi overrides, formula prefixes.
// Valid input round-trips byte for byte; the report, the charts and the terminal are escaped;
// invalid UTF-8 is refused with file:line; --csv-safe neutralises formula prefixes on request.
//
// NUL policy (the same in all three tools): U+0000 is valid UTF-8, so a NUL byte inside a CSV
// field is data like any other and is kept byte for byte in samples.csv, judged.csv,
// filtered.csv and rejected.csv. It never reaches report.md, the SVG charts or the terminal
// (printable() and the report's escaping drop control characters).
#include <dirent.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "common/csv.h"
#include "support/fake_server.h"
#include "support/process.h"

using namespace synthmod;
using synthmod::test::exists;
using synthmod::test::list_dir;
using synthmod::test::run;
using synthmod::test::slurp;
using synthmod::test::spit;
using synthmod::test::temp_dir;
using synthmod::test::tool;
using synthmod::test::xml_problem;

namespace {

const std::string kSpec = SYNTHMOD_SOURCE_DIR "/examples/moderation.toml";
const std::vector<std::string> kLabels = {"Spam & Scams", "Self-harm & Suicide",
                                          "Privacy & Personal Data Exposure", "Safe"};

/// A string literal with its embedded NULs (the std::string(const char*) constructor stops at one).
template <std::size_t N>
std::string bytes(const char (&literal)[N]) {
    return std::string(literal, N - 1);
}

struct Cell {
    std::string name;
    std::string text;
};

/// A field of at least 1 MiB that mixes quotes, newlines, separators and escapes.
std::string megabyte_field() {
    const std::string piece =
        "<b>|--- |\x1b[31m\"quoted\", comma\n=cmd \xe2\x80\xae rtl "
        "\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85 ";
    std::string out;
    for (int k = 0; out.size() < (std::size_t{1} << 20); ++k) out += piece + std::to_string(k);
    return out;
}

/// Every kind of hostile content the issue names; all valid UTF-8.
std::vector<Cell> hostile_cells() {
    return {
        {"markdown table", "| a | b |\n| --- | --- |\n| x | y |"},
        {"markdown syntax", "# title\n===\n[click](javascript:alert(1)) ![i](http://x/i.png) `c`"},
        {"html script", "<script>alert('x')</script> after"},
        {"html img onerror", "<img src=x onerror=\"alert(1)\"><a href='javascript:x'>y</a><!-- c"},
        {"ansi csi", "\x1b[31mred\x1b[0m \x1b[2J\x1b[H cleared screen"},
        {"osc 8 hyperlink", "\x1b]8;;http://evil.example/\x1b\\click here\x1b]8;;\x1b\\ done"},
        {"osc title with bel", "\x1b]0;pwned title\x07 after the title"},
        {"nul and c0 controls", bytes("nul \0 byte \x01\x02\x08\x0b\x0c\x0e\x1f del \x7f end")},
        {"c1 controls",
         "c1 \xc2\x85 next line \xc2\x9b"
         "31m csi \xc2\x9d osc"},
        {"bidi marks and overrides",
         "rtl \xe2\x80\x8f mark \xe2\x80\xae exe.txt \xe2\x80\xac \xe2\x81\xa6 iso \xe2\x81\xa9"},
        {"noncharacters (invalid in XML)", "nonchar \xef\xbf\xbf and \xef\xbf\xbe here"},
        {"leading BOM", "\xef\xbb\xbf starts with a byte order mark"},
        {"formula =", "=HYPERLINK(\"http://evil.example\",\"x\")"},
        {"formula +", "+1+cmd|' /C calc'!A0"},
        {"formula -", "-2+3 minus"},
        {"formula @", "@SUM(A1:A9) at"},
        {"formula tab", "\t=1+1 tab"},
        {"formula cr", "\r=1+1 carriage return"},
        {"crlf and quotes", "line one\r\nline \"two\",\n\"three\""},
        {"1 MB field", megabyte_field()},
    };
}

std::string csv_text(const std::vector<std::string>& header,
                     const std::vector<std::vector<std::string>>& rows) {
    std::ostringstream out;
    csv::Writer w(out);
    w.write_row(header);
    for (const auto& r : rows) w.write_row(r);
    return out.str();
}

/// The hostile cells as content (and a hostile `note` column beside them), labels from the spec.
std::string hostile_input() {
    std::vector<std::vector<std::string>> rows;
    const auto cells = hostile_cells();
    for (std::size_t i = 0; i < cells.size(); ++i)
        rows.push_back({cells[i].text, kLabels[i % kLabels.size()],
                        cells[(i + 1) % cells.size()].text.substr(0, 200)});
    return csv_text({"content", "label", "note"}, rows);
}

/// "" when `s` is safe on a terminal: no C0 control but LF, no DEL, no C1 control (UTF-8 C2 80-9F),
/// no bidi override or isolate; else what was found first and where.
std::string terminal_problem(const std::string& s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        const auto next = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0;
        const auto third = i + 2 < s.size() ? static_cast<unsigned char>(s[i + 2]) : 0;
        bool bad =
            (c < 0x20 && c != '\n') || c == 0x7f || (c == 0xc2 && next >= 0x80 && next <= 0x9f);
        bad |= c == 0xe2 && next == 0x80 && third >= 0xaa && third <= 0xae;  // U+202A-202E
        bad |= c == 0xe2 && next == 0x81 && third >= 0xa6 && third <= 0xa9;  // U+2066-2069
        if (bad) {
            char buf[64];
            std::snprintf(buf, sizeof buf, "byte 0x%02x at offset %zu", c, i);
            return buf;
        }
    }
    return "";
}

/// `s` holds exactly one line (one `\n`, at the end).
bool one_line(const std::string& s) { return !s.empty() && s.find('\n') == s.size() - 1; }

std::vector<std::string> column(const csv::Table& t, const std::string& name) {
    const int c = t.column(name);
    REQUIRE(c >= 0);
    std::vector<std::string> out;
    for (const auto& r : t.rows) out.push_back(r[static_cast<std::size_t>(c)]);
    return out;
}

std::string judge_bin() { return tool("synthmod-judge"); }
std::string stats_bin() { return tool("synthmod-stats"); }
std::string generate_bin() { return tool("synthmod-generate"); }

}  // namespace

TEST_CASE("formula prefixes per OWASP: = + - @ TAB CR get a leading quote", "[hostile][csv]") {
    for (const char* f : {"=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"}) {
        INFO(f);
        CHECK(csv::looks_like_formula(f));
        CHECK(csv::neutralise_formula(f) == std::string("'") + f);
    }
    for (const char* f : {"", "plain", " =1", "1=1", "'=1", "\n=1", "a-b"}) {
        INFO(f);
        CHECK_FALSE(csv::looks_like_formula(f));
        CHECK(csv::neutralise_formula(f) == f);
    }
    std::ostringstream plain, safe;
    csv::Writer(plain).write_row(std::vector<std::string>{"=1+1", "x", "\t-2", "@a,b"});
    csv::Writer(safe, true).write_row(std::vector<std::string>{"=1+1", "x", "\t-2", "@a,b"});
    CHECK(plain.str() == "=1+1,x,\"\t-2\",\"@a,b\"\n");
    CHECK(safe.str() == "'=1+1,x,'\t-2,\"'@a,b\"\n");
}

TEST_CASE("hostile content round-trips byte for byte through judge and stats", "[hostile]") {
    const std::string dir = temp_dir("hostile-roundtrip");
    const std::string input = hostile_input();
    spit(dir + "/in.csv", input);
    const auto cells = hostile_cells();
    std::vector<std::string> expected;
    for (const auto& c : cells) expected.push_back(c.text);

    auto j = run({judge_bin(), "--spec", kSpec, "--in", dir + "/in.csv", "--out",
                  dir + "/judged.csv", "--provider", "offline"});
    INFO(j.err);
    REQUIRE(j.exit_code == 0);
    CHECK(terminal_problem(j.err) == "");
    const std::string judged_text = slurp(dir + "/judged.csv");
    // The writer's encoding of each cell appears verbatim: no byte was altered on the way.
    for (const auto& c : cells) {
        INFO(c.name);
        CHECK(judged_text.find(csv::quote(c.text)) != std::string::npos);
    }
    auto judged = csv::read_table(dir + "/judged.csv");
    auto contents = column(judged, "content");
    REQUIRE(contents.size() == expected.size());
    for (std::size_t i = 0; i < cells.size(); ++i) {
        INFO(cells[i].name);
        CHECK(contents[i] == expected[i]);
    }
    CHECK(column(judged, "note") == column(csv::read_table(dir + "/in.csv"), "note"));

    auto s = run({stats_bin(), "--in", dir + "/judged.csv", "--report-dir", dir + "/report",
                  "--keep-columns"});
    INFO(s.err);
    REQUIRE(s.exit_code == 0);
    CHECK(terminal_problem(s.err) == "");
    // Every row lands in exactly one of filtered.csv and rejected.csv, its cells unchanged.
    auto filtered = csv::read_table(dir + "/report/filtered.csv");
    auto rejected = csv::read_table(dir + "/report/rejected.csv");
    CHECK(filtered.header == judged.header);
    std::multiset<std::string> got, want(expected.begin(), expected.end());
    for (const auto& t : {filtered, rejected})
        for (const auto& c : column(t, "content")) got.insert(c);
    CHECK(got.size() == want.size());
    for (const auto& c : cells) {
        INFO(c.name);
        CHECK(got.count(c.text) == 1);
    }
    std::multiset<std::string> notes_in, notes_out;
    for (const auto& n : column(judged, "note")) notes_in.insert(n);
    for (const auto& t : {filtered, rejected})
        for (const auto& n : column(t, "note")) notes_out.insert(n);
    CHECK(notes_in == notes_out);
}

TEST_CASE("a NUL byte in a CSV field is kept byte for byte by all three tools", "[hostile]") {
    const std::string dir = temp_dir("hostile-nul");
    const std::string nul_text = bytes("before \0 after, and \0\0 twice");
    const std::string nul_persona = bytes("a nurse\0 who writes at night");
    spit(dir + "/personas.csv",
         csv_text({"persona"}, {{nul_persona}, {bytes("a retired\0 pilot")}, {"=cmd a trader"}}));
    auto g = run({generate_bin(), "--spec", kSpec, "--provider", "offline", "--rows", "8",
                  "--personas", dir + "/personas.csv", "--out", dir + "/samples.csv"});
    INFO(g.err);
    REQUIRE(g.exit_code == 0);
    CHECK(terminal_problem(g.err) == "");
    auto samples = csv::read_table(dir + "/samples.csv");
    std::set<std::string> personas;
    for (const auto& p : column(samples, "persona")) personas.insert(p);
    CHECK(personas.count(nul_persona) == 1);  // not cut at the NUL

    spit(dir + "/in.csv", csv_text({"content", "label"}, {{nul_text, "Safe"}, {"plain", "Safe"}}));
    auto j = run({judge_bin(), "--spec", kSpec, "--in", dir + "/in.csv", "--out",
                  dir + "/judged.csv", "--provider", "offline"});
    INFO(j.err);
    REQUIRE(j.exit_code == 0);
    CHECK(column(csv::read_table(dir + "/judged.csv"), "content")[0] == nul_text);
    auto s = run({stats_bin(), "--in", dir + "/judged.csv", "--report-dir", dir + "/report",
                  "--rejected", dir + "/rejected.csv", "--filtered", dir + "/filtered.csv"});
    INFO(s.err);
    REQUIRE(s.exit_code == 0);
    std::set<std::string> out;
    for (const auto& f : {"/filtered.csv", "/rejected.csv"})
        for (const auto& c : column(csv::read_table(dir + f), "content")) out.insert(c);
    CHECK(out.count(nul_text) == 1);
    CHECK(slurp(dir + "/report/report.md").find('\0') == std::string::npos);
}

TEST_CASE("report.md and the SVG charts escape hostile labels, groups, tags and texts",
          "[hostile]") {
    // Extends stats_cli_test's "hostile row content is escaped": here the hostile text is also in
    // the label, judge_label, issues and compare-by columns (which the report and charts name),
    // in the input's file name, and covers OSC, BEL, NUL, C1, bidi overrides and noncharacters.
    const std::string dir = temp_dir("hostile-report");
    const std::vector<std::string> labels = {
        "Safe",
        bytes("\x1b[31m<b>red</b>\0\x01 | --- |"),
        "\xef\xbf\xbf<img src=x onerror=alert(1)> \xe2\x80\xae rlo",
        "\x1b]8;;http://e/\x07link\x1b]8;;\x07 \x1b]0;title\x07 \xc2\x9b"
        "2J",
    };
    const auto cells = hostile_cells();
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < 40; ++i) {
        const auto& cell = cells[i % cells.size()].text;
        // Each text twice, under different labels: clusters and label conflicts are reported.
        rows.push_back({i < 20 ? cell : cell + " again", labels[i % labels.size()],
                        labels[(i + 1) % labels.size()], i % 3 ? "true" : "false",
                        std::to_string(1 + i % 5), "ok", labels[i % 2], "\x1b[31mtag<i>;x|y;=1+1"});
    }
    const std::string input = dir + "/in | <b>put<i>.csv";
    spit(input, csv_text({"content", "label", "judge_label", "label_correct", "realism",
                          "judge_status", "variant", "issues"},
                         rows));
    auto r = run({stats_bin(), "--in", input, "--report-dir", dir + "/out", "--compare-by",
                  "variant", "--gate", "--gate-set", "min_rows=1000"});
    INFO(r.err);
    REQUIRE(r.exit_code == 1);  // the gate fails: its messages are printed too
    CHECK(terminal_problem(r.err) == "");

    const std::string md = slurp(dir + "/out/report.md");
    CHECK(terminal_problem(md) == "");  // no ESC, BEL, NUL, C1, CR or bidi override
    CHECK(md.find('\0') == std::string::npos);
    // No raw HTML: no '<' that could open a tag, a comment or a processing instruction.
    for (std::size_t at = md.find('<'); at != std::string::npos; at = md.find('<', at + 1)) {
        const char next = at + 1 < md.size() ? md[at + 1] : ' ';
        INFO(md.substr(at, 40));
        CHECK_FALSE((std::isalpha(static_cast<unsigned char>(next)) || next == '/' || next == '!' ||
                     next == '?'));
    }
    CHECK(md.find("&lt;b&gt;red&lt;/b&gt;") != std::string::npos);  // escaped, not dropped
    CHECK(md.find("&lt;img src=x onerror=") != std::string::npos);
    // Every table keeps its column count: no cell adds a '|' or a line.
    std::istringstream lines(md);
    std::string line;
    int columns = -1, tables = 0;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] != '|') {
            columns = -1;
            continue;
        }
        const int bars = static_cast<int>(std::count(line.begin(), line.end(), '|'));
        if (columns < 0) {
            columns = bars;
            ++tables;
        }
        INFO(line);
        CHECK(bars == columns);
    }
    CHECK(tables >= 5);

    int svgs = 0;
    for (const auto& name : list_dir(dir + "/out")) {
        if (name.size() < 4 || name.substr(name.size() - 4) != ".svg") continue;
        ++svgs;
        INFO(name);
        CHECK(xml_problem(dir + "/out/" + name) == "");
        const std::string svg = slurp(dir + "/out/" + name);
        CHECK(svg.find('\x1b') == std::string::npos);
        CHECK(svg.find("<b>") == std::string::npos);
        CHECK(svg.find("<img") == std::string::npos);
    }
    CHECK(svgs >= 3);
}

TEST_CASE("terminal output carries no control bytes, also when an error quotes bad input",
          "[hostile]") {
    const std::string dir = temp_dir("hostile-terminal");
    const std::string evil = "\x1b]0;pwned\x07\x1b[2J\r<b>\xe2\x80\xae\x01\nsecond line\t!";
    struct Case {
        std::string what;
        std::vector<std::string> argv;
        std::string where;  ///< expected in the one-line message
    };
    // Inputs whose error messages quote the hostile text.
    spit(dir + "/label.csv", csv_text({"content", "label"}, {{"ok", "Safe"}, {"x", evil}}));
    spit(dir + "/realism.csv",
         csv_text({"content", "label", "judge_status", "label_correct", "realism"},
                  {{"a", "Safe", "ok", "true", "4"}, {"b", "Safe", "ok", "true", evil}}));
    spit(dir + "/status.csv",
         csv_text({"content", "label", "judge_status", "label_correct", "realism"},
                  {{"a", "Safe", evil, "true", "4"}}));
    spit(dir + "/shard1.csv", csv_text({"content", "label", evil}, {{"a", "Safe", "x"}}));
    spit(dir + "/shard2.csv", csv_text({"content", "label"}, {{"b", "Safe"}}));
    std::string spec = slurp(kSpec);
    const std::string seed_line = "seed = 42";
    REQUIRE(spec.find(seed_line) != std::string::npos);
    spec.replace(spec.find(seed_line), seed_line.size(),
                 seed_line + "\n\"\\u001b]0;pwned\\u0007\\u001b[31m<b>\\nkey\" = 1");
    spit(dir + "/spec.toml", spec);
    spit(dir + "/personas.csv", csv_text({evil}, {{"a nurse"}}));
    std::vector<Case> errors = {
        {"judge: label not in the spec",
         {judge_bin(), "--spec", kSpec, "--in", dir + "/label.csv", "--out", dir + "/o.csv",
          "--provider", "offline"},
         "label.csv:3: "},
        {"stats: bad realism",
         {stats_bin(), "--in", dir + "/realism.csv", "--report-dir", dir + "/r1"},
         "realism.csv:3"},
        {"stats: bad judge_status",
         {stats_bin(), "--in", dir + "/status.csv", "--report-dir", dir + "/r2"},
         "status.csv:2"},
        {"stats: shards with other columns",
         {stats_bin(), "--in", dir + "/shard1.csv", "--in", dir + "/shard2.csv", "--report-dir",
          dir + "/r3"},
         "shard2.csv"},
        {"generate: unknown spec key",
         {generate_bin(), "--spec", dir + "/spec.toml", "--provider", "offline", "--out",
          dir + "/s.csv"},
         "spec.toml"},
        {"generate: persona column missing",
         {generate_bin(), "--spec", kSpec, "--provider", "offline", "--personas",
          dir + "/personas.csv", "--out", dir + "/s.csv"},
         "personas.csv"},
    };
    for (const auto& c : errors) {
        auto r = run(c.argv);
        INFO(c.what << ": " << r.err);
        CHECK(r.exit_code == 2);
        CHECK(one_line(r.err));
        CHECK(r.err.find(c.where) != std::string::npos);
        CHECK(terminal_problem(r.err) == "");
    }
    CHECK_FALSE(exists(dir + "/o.csv"));
    CHECK_FALSE(exists(dir + "/s.csv"));
    // Flag values quoted by the command-line parser's messages.
    for (const auto& argv : std::vector<std::vector<std::string>>{
             {generate_bin(), "--spec", kSpec, "--format", evil},
             {judge_bin(), "--spec", kSpec, "--in", "x.csv", "--format", evil},
             {stats_bin(), "--in", "x.csv", "--" + evil},
         }) {
        auto r = run(argv);
        INFO(argv[0] << ": " << r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("second line") != std::string::npos);
        CHECK(terminal_problem(r.err) == "");
    }

    // Successful runs over hostile rows and personas, with --verbose where the tool has it.
    const std::string personas = dir + "/evil_personas.csv";
    std::vector<std::vector<std::string>> prow;
    for (const auto& c : hostile_cells()) prow.push_back({c.text.substr(0, 300)});
    spit(personas, csv_text({"persona"}, prow));
    auto g = run({generate_bin(), "--spec", kSpec, "--provider", "offline", "--rows", "12",
                  "--personas", personas, "--out", dir + "/samples.csv", "--verbose"});
    INFO(g.err);
    CHECK(g.exit_code == 0);
    CHECK(terminal_problem(g.err) == "");
    spit(dir + "/in.csv", hostile_input());
    auto j = run({judge_bin(), "--spec", kSpec, "--in", dir + "/in.csv", "--out",
                  dir + "/judged.csv", "--provider", "offline", "--verbose"});
    INFO(j.err);
    CHECK(j.exit_code == 0);
    CHECK(terminal_problem(j.err) == "");
    auto s =
        run({stats_bin(), "--in", dir + "/judged.csv", "--report-dir", dir + "/r4", "--timings"});
    INFO(s.err);
    CHECK(s.exit_code == 0);
    CHECK(terminal_problem(s.err) == "");
}

TEST_CASE("an API that answers with hostile text cannot drive the terminal in --verbose",
          "[hostile]") {
    // The fake API with --hostile-errors: error bodies and request-id headers carry escapes,
    // CR LF, a bidi override and a NUL. Every request answers 400 (not retried), then 401.
    const std::string dir = temp_dir("hostile-api");
    test::FakeServer server({"--hostile-errors", "--faults", "400", "--fault-rate", "1"});
    const std::string base = server.base_url();
    test::RunOptions env;
    env.env["ANTHROPIC_API_KEY"] = "sk-ant-test-key-hostile";
    spit(dir + "/bad.csv",
         csv_text({"content", "label"}, {{"a post", "Safe"}, {"b post", "Safe"}}));
    spit(dir + "/fatal.csv", csv_text({"content", "label"}, {{"fatal post", "Safe"}}));
    std::string fatal_err;
    for (const auto* in : {"/bad.csv", "/fatal.csv"}) {
        if (std::string(in) == "/fatal.csv") server.control(R"({"faults": "401"})");
        auto r = run({judge_bin(), "--spec", kSpec, "--in", dir + in, "--out", dir + "/j.csv",
                      "--provider", "anthropic", "--base-url", base, "--verbose", "--force"},
                     env);
        INFO(in << ": " << r.err);
        CHECK(r.exit_code == 3);
        CHECK(r.err.find("request-id") != std::string::npos);  // --verbose lines were printed
        CHECK(terminal_problem(r.err) == "");
        CHECK(r.err.find("sk-ant-test-key-hostile") == std::string::npos);
        fatal_err = r.err;
    }
    // The 401's message is shown (summary and error line), without its controls.
    CHECK(fatal_err.find("bad &lt;b&gt;") == std::string::npos);
    CHECK(fatal_err.find("bad <b>request</b>") != std::string::npos);
}

TEST_CASE("invalid UTF-8 in an input is refused with file:line and nothing is written",
          "[hostile]") {
    const std::string dir = temp_dir("hostile-utf8");
    // Each bad sequence sits on line 4 of its file, after a quoted field spanning lines 2-3.
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"lone continuation", "\x80"},  {"invalid byte", "\xff"},
        {"overlong slash", "\xc0\xaf"}, {"surrogate half", "\xed\xa0\x80"},
        {"truncated", "\xe2\x82"},      {"beyond U+10FFFF", "\xf5\x80\x80\x80"},
    };
    int n = 0;
    for (const auto& [what, bytes] : bad) {
        const std::string tag = "b" + std::to_string(n++);
        const std::string rows = "\"two\nlines\",Safe\n" + std::string("x ") + bytes + " y,Safe\n";
        spit(dir + "/" + tag + ".csv", "content,label\n" + rows);
        spit(dir + "/" + tag + "_p.csv", "persona\n\"two\nlines\"\nx " + bytes + " y\n");
        spit(
            dir + "/" + tag + "_p.jsonl",
            "{\"persona\": \"a\"}\n{\"persona\": \"b\"}\n{\"persona\": \"c\"}\n{\"persona\": \"x " +
                bytes + "\"}\n");
        struct Run {
            std::vector<std::string> argv;
            std::string where;
            std::vector<std::string> not_created;
            std::string stdin_data;
        };
        const std::string out = dir + "/" + tag + "_out";
        std::vector<Run> runs = {
            {{judge_bin(), "--spec", kSpec, "--in", dir + "/" + tag + ".csv", "--out", out + ".csv",
              "--provider", "offline"},
             tag + ".csv:4: ",
             {out + ".csv", out + ".csv.journal"},
             ""},
            {{judge_bin(), "--spec", kSpec, "--in", "-", "--out", out + "_stdin.csv", "--provider",
              "offline"},
             "<stdin>:4: ",
             {out + "_stdin.csv", out + "_stdin.csv.journal"},
             "content,label\n" + rows},
            {{stats_bin(), "--in", dir + "/" + tag + ".csv", "--report-dir", out + "_report",
              "--filtered", out + "_f.csv", "--pairs", out + "_p.csv"},
             tag + ".csv:4: ",
             {out + "_report", out + "_f.csv", out + "_p.csv"},
             ""},
            {{generate_bin(), "--spec", kSpec, "--provider", "offline", "--personas",
              dir + "/" + tag + "_p.csv", "--out", out + "_s.csv"},
             tag + "_p.csv:4: ",
             {out + "_s.csv", out + "_s.csv.journal"},
             ""},
            {{generate_bin(), "--spec", kSpec, "--provider", "offline", "--personas",
              dir + "/" + tag + "_p.jsonl", "--out", out + "_j.csv"},
             tag + "_p.jsonl:4: ",
             {out + "_j.csv", out + "_j.csv.journal"},
             ""},
        };
        for (const auto& r : runs) {
            test::RunOptions ro;
            ro.stdin_data = r.stdin_data;
            auto p = run(r.argv, ro);
            INFO(what << ": " << r.argv[0] << " " << r.argv[4] << ": " << p.err);
            CHECK(p.exit_code == 2);
            CHECK(one_line(p.err));
            CHECK(p.err.find(r.where) != std::string::npos);
            CHECK((p.err.find("UTF-8") != std::string::npos ||
                   p.err.find("encoding") != std::string::npos));
            CHECK(terminal_problem(p.err) == "");
            for (const auto& path : r.not_created) {
                INFO(path);
                CHECK_FALSE(exists(path));
            }
        }
    }
}

TEST_CASE("the csv-safe flag neutralises formula prefixes in every CSV written, off is byte-exact",
          "[hostile]") {
    for (const auto& bin : {generate_bin(), judge_bin(), stats_bin()}) {
        auto h = run({bin, "--help"});
        INFO(bin);
        CHECK(h.exit_code == 0);
        CHECK(h.out.find("--csv-safe") != std::string::npos);
    }
    const std::string dir = temp_dir("hostile-csv-safe");
    spit(dir + "/in.csv", hostile_input());
    const auto cells = hostile_cells();
    auto no_formula_cell = [](const csv::Table& t) {
        for (const auto& h : t.header)
            if (csv::looks_like_formula(h)) return h;
        for (const auto& r : t.rows)
            for (const auto& c : r)
                if (csv::looks_like_formula(c)) return c;
        return std::string();
    };

    auto j = run({judge_bin(), "--spec", kSpec, "--in", dir + "/in.csv", "--out",
                  dir + "/judged_safe.csv", "--provider", "offline", "--csv-safe"});
    INFO(j.err);
    REQUIRE(j.exit_code == 0);
    auto judged = csv::read_table(dir + "/judged_safe.csv");
    CHECK(no_formula_cell(judged) == "");
    auto contents = column(judged, "content");
    REQUIRE(contents.size() == cells.size());
    int neutralised = 0;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        INFO(cells[i].name);
        const bool formula = csv::looks_like_formula(cells[i].text);
        neutralised += formula;
        CHECK(contents[i] == (formula ? "'" + cells[i].text : cells[i].text));
    }
    CHECK(neutralised == 6);

    // The same rows judged without the flag, then stats with and without it.
    auto plain = run({judge_bin(), "--spec", kSpec, "--in", dir + "/in.csv", "--out",
                      dir + "/judged.csv", "--provider", "offline"});
    REQUIRE(plain.exit_code == 0);
    CHECK(column(csv::read_table(dir + "/judged.csv"), "content") ==
          column(csv::read_table(dir + "/in.csv"), "content"));
    for (bool safe : {true, false}) {
        const std::string out = dir + (safe ? "/safe" : "/plain");
        std::vector<std::string> argv = {stats_bin(),    "--in", dir + "/judged.csv",
                                         "--report-dir", out,    "--keep-columns"};
        if (safe) argv.push_back("--csv-safe");
        auto s = run(argv);
        INFO(s.err);
        REQUIRE(s.exit_code == 0);
        std::multiset<std::string> got, want;
        for (const auto& f : {"/filtered.csv", "/rejected.csv"}) {
            auto t = csv::read_table(out + f);
            if (safe) CHECK(no_formula_cell(t) == "");
            for (const auto& c : column(t, "content")) got.insert(c);
        }
        for (const auto& c : cells)
            want.insert(safe && csv::looks_like_formula(c.text) ? "'" + c.text : c.text);
        CHECK(got == want);
    }

    // generate: the persona column is copied from the persona file.
    spit(dir + "/personas.csv",
         csv_text({"persona"}, {{"=HYPERLINK(\"http://x\")"}, {"-a dash"}, {"@at"}, {"calm"}}));
    for (bool safe : {true, false}) {
        const std::string out = dir + (safe ? "/samples_safe.csv" : "/samples.csv");
        std::vector<std::string> argv = {generate_bin(),
                                         "--spec",
                                         kSpec,
                                         "--provider",
                                         "offline",
                                         "--rows",
                                         "8",
                                         "--personas",
                                         dir + "/personas.csv",
                                         "--out",
                                         out};
        if (safe) argv.push_back("--csv-safe");
        auto g = run(argv);
        INFO(g.err);
        REQUIRE(g.exit_code == 0);
        auto t = csv::read_table(out);
        std::set<std::string> personas;
        for (const auto& p : column(t, "persona")) personas.insert(p);
        if (safe) {
            CHECK(no_formula_cell(t) == "");
            CHECK(personas.count("'=HYPERLINK(\"http://x\")") == 1);
            CHECK(personas.count("calm") == 1);
        } else {
            CHECK(personas.count("=HYPERLINK(\"http://x\")") == 1);
            CHECK(personas.count("-a dash") == 1);
        }
    }
}
