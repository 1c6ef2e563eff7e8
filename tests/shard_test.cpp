// --shard I/N for synthmod-generate and synthmod-judge, run as separate processes: the shards'
// outputs together are exactly the unsharded run's rows, each shard resumes on its own, bad
// values are refused with exit 2, and the dry run shows the shard's share.
#include "common/llm/shard.h"

#include <catch2/catch.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/csv.h"
#include "tests/support/process.h"

namespace t = synthmod::test;
namespace csv = synthmod::csv;

namespace {

const std::string kSpec = std::string(SYNTHMOD_SOURCE_DIR) + "/examples/moderation.toml";
const std::string kPersonas = std::string(SYNTHMOD_SOURCE_DIR) + "/examples/personas.jsonl";
constexpr int kShards = 4;

std::vector<std::string> generate(const std::string& out, const std::vector<std::string>& extra) {
    std::vector<std::string> a = {t::tool("synthmod-generate"),
                                  "--spec",
                                  kSpec,
                                  "--personas",
                                  kPersonas,
                                  "--provider",
                                  "offline",
                                  "--rows",
                                  "200",
                                  "--out",
                                  out};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}

std::vector<std::string> judge(const std::string& in, const std::string& out,
                               const std::vector<std::string>& extra) {
    std::vector<std::string> a = {t::tool("synthmod-judge"),
                                  "--spec",
                                  kSpec,
                                  "--provider",
                                  "offline",
                                  "--in",
                                  in,
                                  "--out",
                                  out};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}

std::string shard_arg(int i) { return std::to_string(i) + "/" + std::to_string(kShards); }

/// Every data row of a CSV file, sorted (the header is checked separately).
std::multiset<std::vector<std::string>> row_set(const csv::Table& table) {
    return {table.rows.begin(), table.rows.end()};
}

/// Runs `make(out_i, {"--shard", i/4})` for each shard; returns the shards' tables.
template <typename Make>
std::vector<csv::Table> run_shards(const std::string& dir, const std::string& stem, Make make) {
    std::vector<csv::Table> tables;
    for (int i = 0; i < kShards; ++i) {
        std::string out = dir + "/" + stem + "." + std::to_string(i) + ".csv";
        auto r = t::run(make(out, std::vector<std::string>{"--shard", shard_arg(i), "--quiet"}));
        INFO("shard " << shard_arg(i) << ": " << r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(t::exists(out + ".journal"));  // each shard has its own journal
        tables.push_back(csv::read_table(out));
    }
    return tables;
}

/// The shards together hold exactly the whole run's rows: same header, same rows, no row twice,
/// none missing; and every shard has some.
void check_union(const csv::Table& whole, const std::vector<csv::Table>& shards) {
    std::multiset<std::vector<std::string>> together;
    std::size_t count = 0;
    for (const auto& s : shards) {
        CHECK(s.header == whole.header);
        CHECK_FALSE(s.rows.empty());
        count += s.rows.size();
        for (const auto& row : s.rows) together.insert(row);
    }
    CHECK(count == whole.rows.size());
    CHECK(together == row_set(whole));
}

}  // namespace

TEST_CASE("Shard: parse I/N and split keys", "[shard]") {
    using synthmod::runner::parse_shard;
    auto s = parse_shard("3/4");
    CHECK(s.index == 3);
    CHECK(s.count == 4);
    CHECK(s.str() == "3/4");
    CHECK(parse_shard("0/1").whole());
    for (const char* bad :
         {"4/4", "0/0", "x", "1/", "/4", "-1/4", "1/4/2", " 1/4", "1/+4", "", "99999999999/1"}) {
        INFO(bad);
        CHECK_THROWS_WITH(parse_shard(bad), Catch::StartsWith("--shard: "));
    }
    // Each key lands in exactly one of the N shards.
    std::vector<synthmod::runner::Shard> all;
    for (std::size_t i = 0; i < 4; ++i) all.push_back({i, 4});
    std::vector<int> per(4, 0);
    for (int k = 0; k < 1000; ++k) {
        int holders = 0;
        for (std::size_t i = 0; i < 4; ++i)
            if (all[i].holds("key" + std::to_string(k))) {
                ++holders;
                ++per[i];
            }
        CHECK(holders == 1);
    }
    for (int n : per) CHECK(n > 150);  // roughly a quarter each
}

TEST_CASE("generate --shard I/4: the four shards are exactly the unsharded run", "[shard]") {
    std::string dir = t::temp_dir("shard-gen");
    auto whole_run = t::run(generate(dir + "/all.csv", {"--quiet"}));
    INFO(whole_run.err);
    REQUIRE(whole_run.exit_code == 0);
    csv::Table whole = csv::read_table(dir + "/all.csv");
    REQUIRE(whole.rows.size() == 200);
    auto shards = run_shards(dir, "part", [](const std::string& out, std::vector<std::string> x) {
        return generate(out, x);
    });
    check_union(whole, shards);

    SECTION("the dry run shows each shard's share of the plan") {
        std::size_t sum = 0;
        for (int i = 0; i < kShards; ++i) {
            auto r = t::run(generate(dir + "/dry.csv", {"--shard", shard_arg(i), "--dry-run"}));
            REQUIRE(r.exit_code == 0);
            std::string expected = "shard " + shard_arg(i) + ": " +
                                   std::to_string(shards[static_cast<std::size_t>(i)].rows.size()) +
                                   " of 200 requests";
            CHECK(r.out.find(expected) != std::string::npos);
            sum += shards[static_cast<std::size_t>(i)].rows.size();
        }
        CHECK(sum == 200);
        CHECK_FALSE(t::exists(dir + "/dry.csv"));
    }
    SECTION("a shard resumes on its own: the same command sends nothing and writes the same") {
        std::string out = dir + "/part.2.csv";
        std::string before = t::slurp(out);
        auto r = t::run(generate(out, {"--shard", shard_arg(2)}));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(r.err.find("; 0 requests,") != std::string::npos);
        CHECK(r.err.find("from the journal") != std::string::npos);
        CHECK(t::slurp(out) == before);
    }
    SECTION("another shard on a shard's output is refused, not mixed in") {
        auto r = t::run(generate(dir + "/part.2.csv", {"--shard", shard_arg(1), "--quiet"}));
        CHECK(r.exit_code == 2);
    }
}

TEST_CASE("judge --shard I/4: the four shards are exactly the unsharded run", "[shard]") {
    std::string dir = t::temp_dir("shard-judge");
    REQUIRE(t::run(generate(dir + "/samples.csv", {"--quiet"})).exit_code == 0);

    SECTION("rows with an id column") {
        std::string in = dir + "/samples.csv";
        auto r = t::run(judge(in, dir + "/all.csv", {"--quiet"}));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        csv::Table whole = csv::read_table(dir + "/all.csv");
        REQUIRE(whole.rows.size() == 200);
        auto shards =
            run_shards(dir, "judged", [&in](const std::string& out, std::vector<std::string> x) {
                return judge(in, out, x);
            });
        check_union(whole, shards);
        // The split follows the rows' ids: the generator's shard i holds the same ids.
        auto gen_shard = t::run(generate(dir + "/g1.csv", {"--shard", shard_arg(1), "--quiet"}));
        REQUIRE(gen_shard.exit_code == 0);
        std::set<std::string> gen_ids, judge_ids;
        for (const auto& row : csv::read_table(dir + "/g1.csv").rows) gen_ids.insert(row[2]);
        for (const auto& row : shards[1].rows) judge_ids.insert(row[2]);
        CHECK(gen_ids == judge_ids);

        auto dry = t::run(judge(in, dir + "/dry.csv", {"--shard", shard_arg(3), "--dry-run"}));
        REQUIRE(dry.exit_code == 0);
        CHECK(dry.out.find("shard 3/4: " + std::to_string(shards[3].rows.size()) +
                           " of 200 rows") != std::string::npos);
    }
    SECTION("rows without an id column split by row index, votes included") {
        csv::Table samples = csv::read_table(dir + "/samples.csv");
        std::string text = "content,label\n";
        std::ostringstream body;
        csv::Writer w(body);
        for (const auto& row : samples.rows) w.write_row(std::vector<std::string>{row[0], row[1]});
        t::spit(dir + "/plain.csv", text + body.str());
        std::string in = dir + "/plain.csv";
        REQUIRE(t::run(judge(in, dir + "/all.csv", {"--quiet", "--votes", "3"})).exit_code == 0);
        csv::Table whole = csv::read_table(dir + "/all.csv");
        REQUIRE(whole.rows.size() == 200);
        auto shards =
            run_shards(dir, "plain", [&in](const std::string& out, std::vector<std::string> x) {
                x.insert(x.end(), {"--votes", "3"});
                return judge(in, out, x);
            });
        check_union(whole, shards);
    }
}

TEST_CASE("a bad --shard value is exit 2 with a clear message and no output", "[shard]") {
    std::string dir = t::temp_dir("shard-bad");
    for (const char* bad : {"4/4", "0/0", "x", "1/", "-1/4", "2/4/1"}) {
        INFO(bad);
        auto g = t::run(generate(dir + "/g.csv", {"--shard", bad}));
        CHECK(g.exit_code == 2);
        CHECK(g.err.find("--shard") != std::string::npos);
        CHECK(g.err.find("expected I/N with 0 <= I < N") != std::string::npos);
        auto j = t::run(judge(kSpec, dir + "/j.csv", {"--shard", bad}));
        CHECK(j.exit_code == 2);
        CHECK(j.err.find("expected I/N with 0 <= I < N") != std::string::npos);
    }
    CHECK_FALSE(t::exists(dir + "/g.csv"));
    CHECK_FALSE(t::exists(dir + "/j.csv"));
}
