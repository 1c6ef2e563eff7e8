// The three tools' command lines agree: --version, the shape of --help (usage line with the
// program's own name, one example, the exit codes), and the summary lines name their tool.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace t = synthmod::test;

namespace {

const std::vector<std::string> kTools = {"synthmod-generate", "synthmod-judge", "synthmod-stats"};
const std::string kSpec = std::string(SYNTHMOD_SOURCE_DIR) + "/examples/moderation.toml";
const std::string kPersonas = std::string(SYNTHMOD_SOURCE_DIR) + "/examples/personas.jsonl";

/// The last non-empty line of `text`.
std::string last_line(const std::string& text) {
    std::string s = text;
    while (!s.empty() && s.back() == '\n') s.pop_back();
    auto nl = s.rfind('\n');
    return nl == std::string::npos ? s : s.substr(nl + 1);
}

}  // namespace

TEST_CASE("every tool prints synthmod-<tool> 0.2.0 for --version", "[cli]") {
    CHECK(std::string(SYNTHMOD_VERSION) == "0.2.0");  // DESIGN section 12, this release
    for (const auto& tool : kTools) {
        auto r = t::run({t::tool(tool), "--version"});
        INFO(tool << ": " << r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.out == tool + " 0.2.0\n");
    }
}

TEST_CASE("the three tools' help has the same shape", "[cli]") {
    for (const auto& tool : kTools) {
        const std::string path = t::tool(tool);
        auto r = t::run({path, "--help"});
        INFO(tool << ":\n" << r.out);
        CHECK(r.exit_code == 0);
        const std::string& h = r.out;
        auto usage = h.find("Usage: " + tool + " [OPTIONS]\n");
        auto options = h.find("Options:\n");
        auto example = h.find("Example:\n  " + tool + " --");
        auto codes = h.find("Exit codes: 0 ok");
        REQUIRE(usage != std::string::npos);
        REQUIRE(options != std::string::npos);
        REQUIRE(example != std::string::npos);
        REQUIRE(codes != std::string::npos);
        CHECK(usage < options);
        CHECK(options < example);
        CHECK(example < codes);
        // One paragraph says what the tool does, then the usage line: no wall of text first.
        CHECK(h.find('\n') + 1 == usage);
        CHECK(h.find("Usage: " + path) == std::string::npos);  // not the build path
        CHECK(h.find(", 2 bad usage or input") != std::string::npos);
        CHECK(h.find("130 interrupted") != std::string::npos);
        // Exactly one example.
        CHECK(h.find("Example:", example + 1) == std::string::npos);
    }
    CHECK(t::run({t::tool("synthmod-stats"), "--help"}).out.find("1 quality gate failed") !=
          std::string::npos);
}

TEST_CASE("the summary lines of generate and judge start with their own tool's name", "[cli]") {
    std::string dir = t::temp_dir("cli-summary");
    auto g = t::run({t::tool("synthmod-generate"), "--spec", kSpec, "--personas", kPersonas,
                     "--provider", "offline", "--rows", "8", "--out", dir + "/samples.csv"});
    INFO(g.err);
    REQUIRE(g.exit_code == 0);
    CHECK(last_line(g.err).rfind("synthmod-generate: 8 ok, 0 refused, 0 failed of 8; ", 0) == 0);
    auto j = t::run({t::tool("synthmod-judge"), "--spec", kSpec, "--provider", "offline", "--in",
                     dir + "/samples.csv", "--out", dir + "/judged.csv"});
    INFO(j.err);
    REQUIRE(j.exit_code == 0);
    CHECK(last_line(j.err).rfind("synthmod-judge: 8 ok, 0 refused, 0 failed of 8; ", 0) == 0);
    CHECK(g.err.find("synthmod: ") == std::string::npos);
    CHECK(j.err.find("synthmod: ") == std::string::npos);
}

TEST_CASE("generate and judge pick the output format from --out's extension alike", "[cli]") {
    std::string dir = t::temp_dir("cli-format");
    auto g = t::run({t::tool("synthmod-generate"), "--spec", kSpec, "--personas", kPersonas,
                     "--provider", "offline", "--rows", "4", "--out", dir + "/samples.jsonl",
                     "--quiet"});
    REQUIRE(g.exit_code == 0);
    std::string text = t::slurp(dir + "/samples.jsonl");
    CHECK(text.rfind("{\"content\":", 0) == 0);  // a JSON line, not a CSV header
    auto csv =
        t::run({t::tool("synthmod-generate"), "--spec", kSpec, "--personas", kPersonas,
                "--provider", "offline", "--rows", "4", "--out", dir + "/samples.txt", "--quiet"});
    REQUIRE(csv.exit_code == 0);
    CHECK(t::slurp(dir + "/samples.txt").rfind("content,label,id,", 0) == 0);
}
