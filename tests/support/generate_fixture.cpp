#include "tests/support/generate_fixture.h"

#include <catch2/catch.hpp>
#include <cstdio>

#include "common/csv.h"

namespace synthmod::test {

std::string example_dir(const std::string& tag) {
    std::string dir = temp_dir(tag);
    std::string src = std::string(SYNTHMOD_SOURCE_DIR) + "/examples/";
    spit(dir + "/moderation.toml", slurp(src + "moderation.toml"));
    spit(dir + "/personas.jsonl", slurp(src + "personas.jsonl"));
    return dir;
}

std::vector<std::string> generate_args(const std::string& dir, const std::string& out, int rows,
                                       const std::string& base_url,
                                       const std::vector<std::string>& extra) {
    std::vector<std::string> a = {tool("synthmod-generate"),
                                  "--spec",
                                  dir + "/moderation.toml",
                                  "--provider",
                                  "anthropic",
                                  "--base-url",
                                  base_url,
                                  "--rows",
                                  std::to_string(rows),
                                  "--out",
                                  out};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}

RunOptions with_anthropic_key(const std::string& key) {
    RunOptions o;
    o.env = {{"ANTHROPIC_API_KEY", key}, {"ANTHROPIC_BASE_URL", "\x01unset"}};
    return o;
}

std::pair<double, double> dry_range(const std::string& out) {
    auto at = out.find("estimated cost: $");
    REQUIRE(at != std::string::npos);
    double low = 0, high = 0;
    REQUIRE(std::sscanf(out.c_str() + at, "estimated cost: $%lf - $%lf", &low, &high) == 2);
    return {low, high};
}

double column_sum(const std::string& path, const std::string& column) {
    auto table = csv::read_table(path, {column});
    std::size_t c = 0;
    while (table.header[c] != column) ++c;
    double sum = 0;
    for (const auto& row : table.rows) sum += std::stod(row[c]);
    return sum;
}

}  // namespace synthmod::test
