// generator::run twice in one process: the second run frees what the first left for the
// process's exit (generate.cpp's LeftToExit), and each run's samples.csv is whole.
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "generator/generate.h"
#include "tests/support/generate_fixture.h"

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("generate runs twice in one process: both samples.csv whole and equal", "[generate]") {
    const std::string dir = synthmod::test::example_dir("run-twice");
    const auto run_once = [&dir](const std::string& name) {
        synthmod::generator::Options options;
        options.spec_path = dir + "/moderation.toml";
        options.out = dir + "/" + name;
        options.rows = 40;
        options.run.provider = "offline";
        options.run.quiet = true;
        REQUIRE(synthmod::generator::run(options) == 0);
        return read_file(options.out);
    };
    const std::string first = run_once("first.csv");
    const std::string second = run_once("second.csv");
    CHECK(first.rfind("content,label,id,", 0) == 0);
    CHECK(std::count(first.begin(), first.end(), '\n') >= 41);  // the header and 40 rows
    CHECK(first == second);
}
