// Money and pacing against the loopback fake server, as a user would check them: the prompt cache
// engaging (tokens and dollars from the server's own usage log), the per-row cost column, the
// summary's token totals, dry-run ranges that bracket the real cost, and dispatch held by the
// provider's rate-limit headers before a 429.
#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "common/csv.h"
#include "common/llm/pricing.h"
#include "tests/support/fake_server.h"
#include "tests/support/generate_fixture.h"
#include "tests/support/process.h"

namespace t = synthmod::test;
using synthmod::test::column_sum;

namespace {

const char* kKey = "sk-ant-test-cost";

/// The usage of every 200 answer to /v1/messages in the server's log (batch results are not
/// logged per message: batch runs are priced from the output instead).
std::vector<synthmod::llm::Usage> served_usage(const t::FakeServer& server) {
    std::vector<synthmod::llm::Usage> out;
    for (const auto& e : server.log())
        if (e.usage) out.push_back(*e.usage);
    return out;
}

/// How many requests to `path` the server answered 200 and 429, from log line `from` on.
std::pair<std::size_t, std::size_t> answered(const t::FakeServer& server, std::size_t from,
                                             const std::string& path) {
    auto log = server.log();
    std::size_t ok = 0, limited = 0;
    for (std::size_t i = from; i < log.size(); ++i) {
        if (log[i].path != path) continue;
        ok += log[i].status == 200;
        limited += log[i].status == 429;
    }
    return {ok, limited};
}

using synthmod::test::dry_range;

}  // namespace

TEST_CASE("prompt cache engages on a model whose minimum the prefix reaches; costs add up",
          "[cost][cost_http]") {
    // moderation.toml's shared prefix (tools + system) is ~1,600 tokens: above Sonnet 4.5's
    // minimum (1,024), below Haiku 4.5's (4,096).
    t::FakeServer server({"--seed", "3"});
    std::string dir = t::example_dir("cost-cache");
    const int rows = 12;
    std::string out = dir + "/samples.csv";
    auto dry = t::run(
        t::generate_args(dir, out, rows, server.base_url(),
                         {"--model", "claude-sonnet-4-5", "--dry-run", "--concurrency", "1"}),
        t::with_anthropic_key(kKey));
    INFO(dry.out << dry.err);
    REQUIRE(dry.exit_code == 0);
    CHECK(dry.out.find("prompt cache: engages") != std::string::npos);
    auto [low, high] = dry_range(dry.out);

    auto r = t::run(
        t::generate_args(dir, out, rows, server.base_url(), {"--model", "claude-sonnet-4-5"}),
        t::with_anthropic_key(kKey));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto usage = served_usage(server);
    REQUIRE(usage.size() == static_cast<std::size_t>(rows));
    synthmod::llm::Usage sum;
    int writes = 0;
    for (const auto& u : usage) {
        sum.input_tokens += u.input_tokens;
        sum.output_tokens += u.output_tokens;
        sum.cache_creation_input_tokens += u.cache_creation_input_tokens;
        sum.cache_read_input_tokens += u.cache_read_input_tokens;
        writes += u.cache_creation_input_tokens > 0;
    }
    // One prefix per variant is written once; every other request reads it.
    CHECK(writes >= 1);
    CHECK(writes <= 2);
    CHECK(sum.cache_read_input_tokens > 0);
    CHECK(sum.cache_read_input_tokens > 5 * sum.cache_creation_input_tokens);

    // The summary's tokens are the server's; its dollars and the cost column are their price.
    const std::string tokens = "tokens input " + std::to_string(sum.input_tokens) +
                               ", cache write " + std::to_string(sum.cache_creation_input_tokens) +
                               ", cache read " + std::to_string(sum.cache_read_input_tokens) +
                               ", output " + std::to_string(sum.output_tokens);
    CHECK(r.err.find(tokens) != std::string::npos);
    auto price = synthmod::pricing::Table::builtin().find("claude-sonnet-4-5");
    REQUIRE(price);
    const double dollars = synthmod::pricing::cost(*price, sum, false);
    char expected[48];
    std::snprintf(expected, sizeof expected, "this run: $%.4f", dollars);
    CHECK(r.err.find(expected) != std::string::npos);
    CHECK(column_sum(out, "gen_cost_usd") == Approx(dollars).epsilon(1e-6));
    // Cheaper than without the cache: every prefix at the full input price.
    synthmod::llm::Usage uncached = sum;
    uncached.input_tokens += sum.cache_creation_input_tokens + sum.cache_read_input_tokens;
    uncached.cache_creation_input_tokens = uncached.cache_read_input_tokens = 0;
    CHECK(dollars < synthmod::pricing::cost(*price, uncached, false));

    // The dry run brackets it.
    CHECK(low <= dollars);
    CHECK(dollars <= high);

    // A run stopped by its budget, then resumed: the resumed run's summary shows its own spend
    // and the whole output's, which is what the finished file's cost column adds up to.
    std::string out2 = dir + "/stopped.csv";
    auto stopped = t::run(t::generate_args(dir, out2, rows, server.base_url(),
                                           {"--model", "claude-sonnet-4-5", "--max-cost", "0.03"}),
                          t::with_anthropic_key(kKey));
    INFO(stopped.err);
    REQUIRE(stopped.exit_code == 4);
    auto resumed = t::run(
        t::generate_args(dir, out2, rows, server.base_url(), {"--model", "claude-sonnet-4-5"}),
        t::with_anthropic_key(kKey));
    INFO(resumed.err);
    REQUIRE(resumed.exit_code == 0);
    CHECK(resumed.err.find("from the journal") != std::string::npos);
    double this_run = 0, whole = 0;
    auto at = resumed.err.find("this run: $");
    REQUIRE(at != std::string::npos);
    REQUIRE(std::sscanf(resumed.err.c_str() + at, "this run: $%lf", &this_run) == 1);
    at = resumed.err.find("whole output so far: $");
    REQUIRE(at != std::string::npos);
    REQUIRE(std::sscanf(resumed.err.c_str() + at, "whole output so far: $%lf", &whole) == 1);
    CHECK(this_run < whole);
    CHECK(whole == Approx(column_sum(out2, "gen_cost_usd")).margin(0.00006));
}

TEST_CASE("dry-run ranges bracket the real cost, with and without --batch, and offline",
          "[cost][cost_http]") {
    t::FakeServer server({"--batch-polls", "0", "--seed", "4"});
    const int rows = 16;
    for (bool batch : {false, true}) {
        for (const char* model : {"claude-haiku-4-5", "claude-sonnet-4-5"}) {
            std::string dir =
                t::example_dir(std::string("cost-bracket-") + (batch ? "b-" : "d-") + model);
            std::string out = dir + "/samples.csv";
            std::vector<std::string> extra = {"--model", model, "--quiet"};
            if (batch) extra.push_back("--batch");
            auto dry_args = extra;
            dry_args.push_back("--dry-run");
            auto dry = t::run(t::generate_args(dir, out, rows, server.base_url(), dry_args),
                              t::with_anthropic_key(kKey));
            INFO(model << (batch ? " batch" : " direct") << "\n" << dry.out << dry.err);
            REQUIRE(dry.exit_code == 0);
            auto [low, high] = dry_range(dry.out);
            auto r = t::run(t::generate_args(dir, out, rows, server.base_url(), extra),
                            t::with_anthropic_key(kKey));
            INFO(r.err);
            REQUIRE(r.exit_code == 0);
            double actual = column_sum(out, "gen_cost_usd");
            CHECK(actual > 0);
            CHECK(low <= actual);
            CHECK(actual <= high);
            // A second dry run reads the journal: a narrower range that still holds the cost.
            auto again = t::run(t::generate_args(dir, out, rows, server.base_url(), dry_args),
                                t::with_anthropic_key(kKey));
            REQUIRE(again.exit_code == 0);
            CHECK(again.out.find("output from journal:") != std::string::npos);
            auto [low2, high2] = dry_range(again.out);
            CHECK(low2 <= actual);
            CHECK(actual <= high2);
            CHECK(high2 - low2 < high - low);
        }
    }
    // Offline: nothing is paid; the range is $0 and so is every row.
    std::string dir = t::example_dir("cost-bracket-offline");
    std::string out = dir + "/samples.csv";
    std::vector<std::string> offline = {t::tool("synthmod-generate"),
                                        "--spec",
                                        dir + "/moderation.toml",
                                        "--provider",
                                        "offline",
                                        "--rows",
                                        "8",
                                        "--out",
                                        out,
                                        "--quiet"};
    auto dry_args = offline;
    dry_args.push_back("--dry-run");
    auto dry = t::run(dry_args);
    REQUIRE(dry.exit_code == 0);
    CHECK(dry.out.find("estimated cost: $0") != std::string::npos);
    REQUIRE(t::run(offline).exit_code == 0);
    CHECK(column_sum(out, "gen_cost_usd") == 0);
}

TEST_CASE("dispatch holds on the provider's rate-limit headers before a 429",
          "[cost][cost_http][rate_limit]") {
    t::FakeServer server({"--seed", "5"});
    std::string dir = t::example_dir("cost-ratelimit");
    // Learn one request's input tokens, then allow 2.5 of them per 2-second window.
    REQUIRE(t::run(t::generate_args(dir, dir + "/one.csv", 1, server.base_url(), {"--quiet"}),
                   t::with_anthropic_key(kKey))
                .exit_code == 0);
    auto first = served_usage(server);
    REQUIRE(first.size() == 1);
    const long per_window = first[0].input_tokens * 5 / 2;
    server.control("{\"rl_input_tokens\": " + std::to_string(per_window) + ", \"rl_window_s\": 2}");
    const std::size_t before = server.log_lines().size();
    auto start = std::chrono::steady_clock::now();
    auto r = t::run(t::generate_args(dir, dir + "/paced.csv", 8, server.base_url(),
                                     {"--concurrency", "2", "--quiet"}),
                    t::with_anthropic_key(kKey));
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto [ok, limited] = answered(server, before, "/v1/messages");
    CHECK(ok == 8);
    CHECK(limited == 0);    // held by the headers, never told off
    CHECK(seconds >= 4.0);  // 2 requests per 2-second window: 8 requests span 4 windows
}

TEST_CASE("stats: cost per accepted row, overall and per label, from the cost columns", "[cost]") {
    std::string dir = t::temp_dir("cost-stats");
    t::spit(dir + "/judged.csv",
            "content,label,gen_cost_usd,judge_cost_usd\n"
            "the first post about the weather today,Safe,0.001,0.002\n"
            "a second and rather different text,Safe,0.001,0.002\n"
            "click here for a free prize right now,Spam,0.002,0.003\n"
            "the first post about the weather today,Safe,0.001,0.002\n");  // a duplicate
    auto r = t::run({t::tool("synthmod-stats"), "--in", dir + "/judged.csv", "--report-dir",
                     dir + "/report", "--filtered", dir + "/filtered.csv", "--rejected",
                     dir + "/rejected.csv"});
    INFO(r.err << r.out);
    REQUIRE(r.exit_code == 0);
    rapidjson::Document m;
    std::string json = t::slurp(dir + "/report/metrics.json");
    m.Parse(json.c_str());
    REQUIRE_FALSE(m.HasParseError());
    CHECK(m["filtered_rows"].GetInt() == 3);
    CHECK(m["cost_usd"].GetDouble() == Approx(0.014));
    CHECK(m["cost_per_accepted_row"].GetDouble() == Approx(0.014 / 3));
    // Safe: 3 rows cost 0.009, 2 kept; Spam: 0.005, 1 kept.
    CHECK(m["cost_per_accepted_row_by_label"]["Safe"].GetDouble() == Approx(0.0045));
    CHECK(m["cost_per_accepted_row_by_label"]["Spam"].GetDouble() == Approx(0.005));
    std::string report = t::slurp(dir + "/report/report.md");
    CHECK(report.find("| cost of all rows (generate + judge) | $0.0140, $0.004667 per accepted "
                      "row (Safe $0.004500; Spam $0.005000) |") != std::string::npos);

    // A row whose cost is unknown (empty cell): no cost figures rather than wrong ones.
    t::spit(dir + "/unknown.csv",
            "content,label,gen_cost_usd\nsome text here,Safe,\nother text there,Safe,0.1\n");
    auto u =
        t::run({t::tool("synthmod-stats"), "--in", dir + "/unknown.csv", "--report-dir",
                dir + "/report2", "--filtered", dir + "/f2.csv", "--rejected", dir + "/r2.csv"});
    REQUIRE(u.exit_code == 0);
    rapidjson::Document m2;
    std::string json2 = t::slurp(dir + "/report2/metrics.json");
    m2.Parse(json2.c_str());
    CHECK(m2["cost_usd"].IsNull());
    CHECK(m2["cost_per_accepted_row"].IsNull());
}

TEST_CASE(
    "judge: judge_cost_usd is the server's usage at the table's price, inside the dry run's "
    "range, direct and batched",
    "[cost][cost_http]") {
    t::FakeServer server({"--batch-polls", "0", "--seed", "6"});
    std::string dir = t::example_dir("cost-judge");
    std::string samples = dir + "/samples.csv";
    REQUIRE(t::run({t::tool("synthmod-generate"), "--spec", dir + "/moderation.toml", "--provider",
                    "offline", "--rows", "10", "--out", samples, "--quiet"})
                .exit_code == 0);
    for (bool batch : {false, true}) {
        std::string out = dir + (batch ? "/judged-batch.csv" : "/judged.csv");
        std::vector<std::string> cmd = {t::tool("synthmod-judge"),
                                        "--spec",
                                        dir + "/moderation.toml",
                                        "--in",
                                        samples,
                                        "--out",
                                        out,
                                        "--base-url",
                                        server.base_url()};
        if (batch) cmd.push_back("--batch");
        auto dry_cmd = cmd;
        dry_cmd.push_back("--dry-run");
        auto dry = t::run(dry_cmd, t::with_anthropic_key(kKey));
        INFO(dry.out << dry.err);
        REQUIRE(dry.exit_code == 0);
        auto [low, high] = dry_range(dry.out);
        const std::size_t before = served_usage(server).size();
        auto r = t::run(cmd, t::with_anthropic_key(kKey));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        const double actual = column_sum(out, "judge_cost_usd");
        CHECK(actual > 0);
        CHECK(low <= actual);
        CHECK(actual <= high);
        if (!batch) {  // direct answers are in the server's log, one per row
            auto usage = served_usage(server);
            REQUIRE(usage.size() - before == 10);
            synthmod::llm::Usage sum;
            for (std::size_t i = before; i < usage.size(); ++i) {
                sum.input_tokens += usage[i].input_tokens;
                sum.output_tokens += usage[i].output_tokens;
                sum.cache_creation_input_tokens += usage[i].cache_creation_input_tokens;
                sum.cache_read_input_tokens += usage[i].cache_read_input_tokens;
            }
            auto price = synthmod::pricing::Table::builtin().find("claude-sonnet-4-5");
            REQUIRE(price);
            CHECK(actual == Approx(synthmod::pricing::cost(*price, sum, false)).epsilon(1e-6));
        }
    }
}

TEST_CASE("dispatch holds on OpenAI-style x-ratelimit headers before a 429",
          "[cost][cost_http][rate_limit]") {
    t::FakeServer server({"--seed", "7"});
    std::string dir = t::example_dir("cost-ratelimit-openai");
    t::RunOptions env;
    env.env = {{"OPENAI_API_KEY", kKey}, {"OPENAI_BASE_URL", "\x01unset"}};
    auto cmd = [&](const std::string& out, int rows) {
        auto a = t::generate_args(dir, out, rows, server.base_url(),
                                  {"--model", "llama-3.1-8b", "--concurrency", "2", "--quiet"});
        a[4] = "openai";
        return a;
    };
    REQUIRE(t::run(cmd(dir + "/one.csv", 1), env).exit_code == 0);
    // The one answer's prompt + completion tokens: allow 2.5 of them per 2-second window.
    long total = 0;
    for (const auto& line : server.log_lines()) {
        rapidjson::Document d;
        d.Parse(line.c_str());
        if (!d.HasParseError() && d.HasMember("usage"))
            total = d["usage"]["total_tokens"].GetInt64();
    }
    REQUIRE(total > 0);
    server.control("{\"rl_input_tokens\": " + std::to_string(total * 5 / 2) +
                   ", \"rl_window_s\": 2}");
    const std::size_t before = server.log_lines().size();
    auto start = std::chrono::steady_clock::now();
    auto r = t::run(cmd(dir + "/paced.csv", 8), env);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto [ok, limited] = answered(server, before, "/v1/chat/completions");
    CHECK(ok == 8);
    CHECK(limited == 0);
    CHECK(seconds >= 4.0);
}

TEST_CASE("after 50 answers the progress line projects the total: mean cost so far x rows planned",
          "[cost][cost_http][progress]") {
    // Latency and two requests in flight keep the run going for a few seconds, so the live line
    // (drawn only on a terminal, at most 4 times a second) is drawn before and after answer 50.
    t::FakeServer server({"--seed", "8", "--latency-ms", "30"});
    std::string dir = t::example_dir("cost-projection");
    const std::size_t rows = 160;
    const std::string out = dir + "/samples.csv";
    t::RunOptions terminal = t::with_anthropic_key(kKey);
    terminal.stderr_terminal = true;
    auto r = t::run(t::generate_args(dir, out, static_cast<int>(rows), server.base_url(),
                                     {"--concurrency", "2"}),
                    terminal);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // No repair or retry: every dollar spent is in a journal record the moment it is counted.
    REQUIRE(r.err.find("160 requests, 0 retries, 0 repairs") != std::string::npos);

    // Independent: the journal's item records in the order they were written, and the cost of
    // the first d of them, summed in that order.
    std::vector<double> cumulative = {0.0};
    std::istringstream journal(t::slurp(out + ".journal"));
    for (std::string line; std::getline(journal, line);) {
        rapidjson::Document d;
        d.Parse<rapidjson::kParseFullPrecisionFlag>(line.c_str());
        REQUIRE_FALSE(d.HasParseError());
        if (std::string(d["type"].GetString()) != "item") continue;
        cumulative.push_back(cumulative.back() + d["cost"].GetDouble());
    }
    REQUIRE(cumulative.size() == rows + 1);

    // Each drawing of the live line: "synthmod-generate: D/160 ... $S[ so far, ~$P projected]".
    const std::string redraw = "\r\033[K";
    std::size_t before = 0, after = 0;
    for (std::size_t at = r.err.find(redraw); at != std::string::npos;) {
        std::size_t next = r.err.find(redraw, at + redraw.size());
        std::string line =
            r.err.substr(at + redraw.size(),
                         next == std::string::npos ? std::string::npos : next - at - redraw.size());
        at = next;
        std::size_t done = 0, total = 0;
        if (std::sscanf(line.c_str(), "synthmod-generate: %zu/%zu", &done, &total) != 2) continue;
        CAPTURE(line);
        REQUIRE(total == rows);
        REQUIRE(done <= rows);
        char spent[32], projected[32];
        std::snprintf(spent, sizeof spent, " $%.4f", cumulative[done]);
        CHECK(line.find(spent) != std::string::npos);
        const bool shown = line.find(" projected") != std::string::npos;
        if (done < 50) {
            CHECK_FALSE(shown);
            ++before;
            continue;
        }
        std::snprintf(projected, sizeof projected, " so far, ~$%.2f projected",
                      cumulative[done] / static_cast<double>(done) * static_cast<double>(rows));
        CHECK(line.find(std::string(spent) + projected) != std::string::npos);
        after += done < rows;
    }
    CHECK(before >= 1);
    CHECK(after >= 1);  // a projection drawn while rows were still to come
}
