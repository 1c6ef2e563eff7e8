// Several rows per request (issue 15): the multi-item prompt and the split of its answer, the
// seeded order of a request's rows, the spec's bounds, and both tools asking K rows per request
// offline and over real HTTP against the loopback fake server (an item dropped or corrupted by
// the server is asked again alone; --batch carries K-row requests; costs add up to the server's
// usage; the dry run brackets the cost).
#include <rapidjson/document.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "common/csv.h"
#include "common/errors.h"
#include "common/llm/multi_item.h"
#include "common/llm/pricing.h"
#include "common/spec.h"
#include "tests/support/fake_server.h"
#include "tests/support/generate_fixture.h"
#include "tests/support/process.h"

namespace t = synthmod::test;
using synthmod::test::column_sum;
namespace llm = synthmod::llm;

namespace {

const char* kKey = "sk-ant-test-rows-per-request";

using t::example_dir;

t::RunOptions with_key() { return t::with_anthropic_key(kKey); }

std::vector<std::string> generate(const std::string& dir, const std::string& out, int rows,
                                  std::vector<std::string> extra) {
    std::vector<std::string> a = {t::tool("synthmod-generate"),
                                  "--spec",
                                  dir + "/moderation.toml",
                                  "--rows",
                                  std::to_string(rows),
                                  "--out",
                                  out};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}

/// Requests of every /v1/messages answer in the server's log, and their usage summed.
struct Served {
    std::size_t answers = 0;
    llm::Usage usage;
};
Served served(const t::FakeServer& server) {
    Served s;
    for (const auto& e : server.log()) {
        if (!e.usage) continue;
        ++s.answers;
        s.usage.input_tokens += e.usage->input_tokens;
        s.usage.output_tokens += e.usage->output_tokens;
        s.usage.cache_creation_input_tokens += e.usage->cache_creation_input_tokens;
        s.usage.cache_read_input_tokens += e.usage->cache_read_input_tokens;
    }
    return s;
}

std::size_t rows_of(const std::string& path) {
    return synthmod::csv::read_table(path, {"content", "label"}).rows.size();
}

/// Requests a plan of `per_variant` rows in each of `variants` variants takes at K per request.
std::size_t requests_for(std::size_t per_variant, std::size_t variants, std::size_t k) {
    return variants * ((per_variant + k - 1) / k);
}

using synthmod::test::dry_range;

}  // namespace

TEST_CASE("a K-item prompt: schema of K indexed answers, the answer split back by index",
          "[rows_per_request]") {
    llm::Prompt a, b, c;
    for (llm::Prompt* p : {&a, &b, &c}) {
        p->task = "generate";
        p->system = "SYSTEM";
        p->tool_name = "submit_post";
        p->schema_json =
            R"({"type":"object","properties":{"content":{"type":"string"}},"required":["content"]})";
        p->max_tokens = 100;
    }
    a.user = "write A";
    b.user = "write B";
    c.user = "write C";
    llm::Prompt p = llm::combine_prompts({&a, &b, &c}, {"ida", "idb", "idc"});
    CHECK(p.system == std::string("SYSTEM"));
    CHECK(p.max_tokens == 300);
    REQUIRE(p.parts.size() == 3);
    CHECK(p.parts[1].id == "idb");
    CHECK(p.user.find("### Request 0\n\nwrite A") != std::string::npos);
    CHECK(p.user.find("### Request 2\n\nwrite C") != std::string::npos);
    rapidjson::Document schema;
    schema.Parse(p.schema_json.c_str());
    REQUIRE(!schema.HasParseError());
    const auto& items = schema["properties"]["items"];
    CHECK(items["minItems"].GetInt() == 3);
    CHECK(items["maxItems"].GetInt() == 3);
    CHECK(std::string(items["items"]["properties"]["index"]["type"].GetString()) == "integer");
    CHECK(!items["items"]["properties"]["index"].HasMember("maximum"));  // refused natively
    std::set<std::string> required;
    for (const auto& r : items["items"]["required"].GetArray()) required.insert(r.GetString());
    CHECK(required == std::set<std::string>{"content", "index"});
    // Without exact_count (a provider that refuses minItems > 1) the count is left out.
    llm::Prompt loose = llm::combine_prompts({&a, &b}, {"ida", "idb"}, false);
    CHECK(loose.schema_json.str().find("minItems") == std::string::npos);

    std::string why;
    auto parts = llm::split_answer(
        R"({"items":[{"index":2,"content":"C"},{"index":0,"content":"A"}]})", 3, &why);
    CHECK(parts[0] == R"({"content":"A"})");
    CHECK(parts[1].empty());
    CHECK(parts[2] == R"({"content":"C"})");
    CHECK(why == "item 1 is missing");
    why.clear();
    parts = llm::split_answer(
        R"({"items":[{"index":1,"content":"x"},{"index":1,"content":"y"},{"index":7}]})", 2, &why);
    CHECK(parts[0].empty());
    CHECK(parts[1].empty());  // answered twice: which one is meant is unknown
    CHECK(!why.empty());
    CHECK(llm::split_answer("not json", 2) == std::vector<std::string>(2));
}

TEST_CASE("usage shares add up to the request's usage exactly", "[rows_per_request]") {
    llm::Usage total;
    total.input_tokens = 1003;
    total.output_tokens = 7;
    total.cache_creation_input_tokens = 16;
    total.cache_read_input_tokens = 0;
    for (std::size_t n : {1u, 3u, 8u, 16u}) {
        llm::Usage sum;
        for (std::size_t i = 0; i < n; ++i) {
            llm::Usage u = llm::usage_share(total, n, i);
            CHECK(u.input_tokens >= 1003 / static_cast<std::int64_t>(n));
            CHECK(u.input_tokens <= 1003 / static_cast<std::int64_t>(n) + 1);
            sum.input_tokens += u.input_tokens;
            sum.output_tokens += u.output_tokens;
            sum.cache_creation_input_tokens += u.cache_creation_input_tokens;
            sum.cache_read_input_tokens += u.cache_read_input_tokens;
        }
        CHECK(sum.input_tokens == 1003);
        CHECK(sum.output_tokens == 7);
        CHECK(sum.cache_creation_input_tokens == 16);
        CHECK(sum.cache_read_input_tokens == 0);
    }
}

TEST_CASE("a request's row order: seeded, deterministic, different between requests",
          "[rows_per_request]") {
    std::vector<std::string> first, second;
    for (int i = 0; i < 8; ++i) {
        first.push_back("row-a" + std::to_string(i));
        second.push_back("row-b" + std::to_string(i));
    }
    auto order = llm::request_order(first, 42);
    std::vector<std::size_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7});  // a permutation
    CHECK(llm::request_order(first, 42) == order);                      // same seed, same order
    CHECK(order != sorted);                          // shuffled (fixed seed: checked once)
    CHECK(llm::request_order(second, 42) != order);  // another request, another order
    CHECK(llm::request_order(first, 43) != order);   // another seed, another order
    CHECK(llm::request_order(first, 0) == sorted);   // seed 0: plan order
    // Over many requests a given row lands in every position.
    std::set<std::size_t> positions_of_row0;
    for (int r = 0; r < 64; ++r) {
        std::vector<std::string> ids;
        for (int i = 0; i < 8; ++i)
            ids.push_back("r" + std::to_string(r) + "-" + std::to_string(i));
        auto o = llm::request_order(ids, 42);
        positions_of_row0.insert(
            static_cast<std::size_t>(std::find(o.begin(), o.end(), 0u) - o.begin()));
    }
    CHECK(positions_of_row0.size() == 8);
}

TEST_CASE("spec: rows_per_request in [generator], per variant and in [judge], bounds with line",
          "[rows_per_request][spec]") {
    const std::string base =
        "[dataset]\nrows = 4\n[[labels]]\nname = \"Safe\"\ndefinition = \"ok\"\n";
    auto spec = synthmod::spec::parse(
        base +
            "[generator]\nrows_per_request = 8\n[[generator.variants]]\nname = \"one\"\nprompt = "
            "\"{{persona}}\"\nrows_per_request = 1\n[[generator.variants]]\nname = \"k\"\nprompt "
            "= \"{{persona}}\"\n[judge]\nrows_per_request = 4\n",
        "spec.toml");
    CHECK(spec.generator.rows_per_request == 8);
    REQUIRE(spec.generator.variants.size() == 2);
    CHECK(spec.generator.variants[0].rows_per_request == 1);
    CHECK(!spec.generator.variants[1].rows_per_request);
    CHECK(spec.judge.rows_per_request == 4);
    CHECK(synthmod::spec::parse(base, "spec.toml").generator.rows_per_request == 1);
    auto refused = [&](const std::string& text) {
        try {
            synthmod::spec::parse(base + text, "spec.toml");
        } catch (const synthmod::InputError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    CHECK(refused("[generator]\nrows_per_request = 0\n") ==
          "spec.toml:7: generator.rows_per_request: must be between 1 and 64");
    CHECK(refused("[judge]\nrows_per_request = 65\n") ==
          "spec.toml:7: judge.rows_per_request: must be between 1 and 64");
    CHECK(refused("[[generator.variants]]\nname = \"v\"\nprompt = \"x\"\nrows_per_request = "
                  "0\n")
              .find("spec.toml:9: generator.variants.rows_per_request: must be between 1 and 64") !=
          std::string::npos);
}

TEST_CASE("offline: K rows per request give the same rows in fewer requests, generate and judge",
          "[rows_per_request]") {
    std::string dir = example_dir("rpr-offline");
    std::vector<std::string> offline = {"--provider", "offline"};
    auto k1 = t::run(generate(dir, dir + "/k1.csv", 40, offline));
    REQUIRE(k1.exit_code == 0);
    auto more = offline;
    more.insert(more.end(), {"--rows-per-request", "8"});
    auto k8 = t::run(generate(dir, dir + "/k8.csv", 40, more));
    INFO(k8.err);
    REQUIRE(k8.exit_code == 0);
    // The offline provider answers each item from its id: K does not change a row.
    CHECK(t::slurp(dir + "/k8.csv") == t::slurp(dir + "/k1.csv"));
    // 40 rows in two variants of 20: ceil(20 / 8) = 3 requests each.
    CHECK(k1.err.find(" 40 requests,") != std::string::npos);
    CHECK(k8.err.find(" " + std::to_string(requests_for(20, 2, 8)) + " requests,") !=
          std::string::npos);

    auto judge = [&](const std::string& out, std::vector<std::string> extra) {
        std::vector<std::string> a = {t::tool("synthmod-judge"),
                                      "--spec",
                                      dir + "/moderation.toml",
                                      "--in",
                                      dir + "/k1.csv",
                                      "--out",
                                      out,
                                      "--provider",
                                      "offline"};
        a.insert(a.end(), extra.begin(), extra.end());
        return t::run(a);
    };
    auto j1 = judge(dir + "/j1.csv", {});
    REQUIRE(j1.exit_code == 0);
    auto j8 = judge(dir + "/j8.csv", {"--rows-per-request", "8"});
    INFO(j8.err);
    REQUIRE(j8.exit_code == 0);
    CHECK(t::slurp(dir + "/j8.csv") == t::slurp(dir + "/j1.csv"));
    CHECK(j8.err.find(" 5 requests,") != std::string::npos);  // ceil(40 / 8)
    // With votes, a row's votes never share a request (each vote round is its own group):
    // 3 rounds of ceil(40 / 8) requests, and the verdicts those of K = 1.
    auto v1 = judge(dir + "/v1.csv", {"--votes", "3"});
    REQUIRE(v1.exit_code == 0);
    auto v8 = judge(dir + "/v8.csv", {"--votes", "3", "--rows-per-request", "8"});
    INFO(v8.err);
    REQUIRE(v8.exit_code == 0);
    CHECK(t::slurp(dir + "/v8.csv") == t::slurp(dir + "/v1.csv"));
    CHECK(v8.err.find(" 15 requests,") != std::string::npos);
    // --rows-per-request is bounded like the spec value.
    auto bad = judge(dir + "/j0.csv", {"--rows-per-request", "0"});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("--rows-per-request: must be between 1 and 64") != std::string::npos);
}

TEST_CASE(
    "generate K rows per request over HTTP: costs add up, a dropped or bad item is asked "
    "again alone",
    "[rows_per_request][rows_per_request_http]") {
    t::FakeServer server({"--seed", "5"});
    std::string dir = example_dir("rpr-http");
    const std::string out = dir + "/samples.csv";
    auto r =
        t::run(generate(dir, out, 40,
                        {"--provider", "anthropic", "--base-url", server.base_url(), "--model",
                         "claude-sonnet-4-5", "--rows-per-request", "8", "--concurrency", "1"}),
               with_key());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(rows_of(out) == 40);
    Served s = served(server);
    CHECK(s.answers == requests_for(20, 2, 8));
    // Every row's gen_cost_usd is its share of a request: together, the server's usage priced.
    auto price = synthmod::pricing::Table::builtin().find("claude-sonnet-4-5");
    REQUIRE(price);
    CHECK(column_sum(out, "gen_cost_usd") ==
          Approx(synthmod::pricing::cost(*price, s.usage, false)).epsilon(1e-6));
    // Every row is one of the plan's ids, once.
    auto table = synthmod::csv::read_table(out, {"id"});
    std::set<std::string> ids;
    for (const auto& row : table.rows) ids.insert(row[2]);
    CHECK(ids.size() == 40);

    // The other provider paths: Anthropic's native structured outputs and the OpenAI wire format.
    for (const char* path : {"native-json", "openai"}) {
        INFO(path);
        t::FakeServer other({"--seed", "5"});
        std::string d = example_dir(std::string("rpr-") + path);
        std::vector<std::string> flags = {"--base-url", other.base_url(), "--rows-per-request",
                                          "8"};
        if (std::string(path) == "openai")
            flags.insert(flags.end(), {"--provider", "openai", "--model", "llama-3.1-8b"});
        else
            flags.insert(flags.end(), {"--provider", "anthropic", "--native-json"});
        t::RunOptions env = with_key();
        env.env["OPENAI_API_KEY"] = kKey;
        env.env["OPENAI_BASE_URL"] = "\x01unset";
        auto o = t::run(generate(d, d + "/samples.csv", 16, flags), env);
        INFO(o.err);
        REQUIRE(o.exit_code == 0);
        CHECK(rows_of(d + "/samples.csv") == 16);
        CHECK(o.err.find(" 2 requests, 0 retries, 0 repairs") != std::string::npos);
    }

    for (const char* fault : {"dropitem", "baditem"}) {
        INFO(fault);
        t::FakeServer faulty({"--seed", "5", "--script", fault});
        std::string d = example_dir(std::string("rpr-") + fault);
        auto f = t::run(generate(d, d + "/samples.csv", 16,
                                 {"--provider", "anthropic", "--base-url", faulty.base_url(),
                                  "--rows-per-request", "8", "--concurrency", "1"}),
                        with_key());
        INFO(f.err);
        REQUIRE(f.exit_code == 0);
        CHECK(rows_of(d + "/samples.csv") == 16);
        // Two requests of 8 (one per variant), then one follow-up for the one item it lacked.
        CHECK(served(faulty).answers == requests_for(8, 2, 8) + 1);
        CHECK(f.err.find("1 repairs") != std::string::npos);
        auto log = faulty.log();
        REQUIRE(log.size() == 3);
        CHECK(log[0].fault == fault);
        // The follow-up (sent next: a re-ask goes first) asks that one item alone, so its answer
        // is one post where the others are eight.
        std::vector<std::int64_t> output;
        for (const auto& line : faulty.log_lines()) {
            rapidjson::Document doc;
            doc.Parse(line.c_str());
            output.push_back(doc["usage"]["output_tokens"].GetInt64());
        }
        REQUIRE(output.size() == 3);
        CHECK(output[1] * 4 < output[2]);
        CHECK(output[1] * 4 < output[0]);
    }
}

TEST_CASE("generate and judge K rows per request, direct and in batches, inside the dry-run range",
          "[rows_per_request][rows_per_request_http]") {
    t::FakeServer server({"--batch-polls", "0", "--seed", "8"});
    for (bool batch : {false, true}) {
        INFO((batch ? "batch" : "direct"));
        std::string dir = example_dir(std::string("rpr-bracket-") + (batch ? "b" : "d"));
        const std::string out = dir + "/samples.csv";
        std::vector<std::string> extra = {"--provider",      "anthropic",          "--base-url",
                                          server.base_url(), "--rows-per-request", "8",
                                          "--quiet"};
        if (batch) extra.push_back("--batch");
        auto dry_args = extra;
        dry_args.push_back("--dry-run");
        auto dry = t::run(generate(dir, out, 32, dry_args), with_key());
        INFO(dry.out << dry.err);
        REQUIRE(dry.exit_code == 0);
        auto [low, high] = dry_range(dry.out);
        const std::size_t logged = server.log().size();
        auto r = t::run(generate(dir, out, 32, extra), with_key());
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(rows_of(out) == 32);
        const double actual = column_sum(out, "gen_cost_usd");
        CHECK(actual > 0);
        CHECK(low <= actual);
        CHECK(actual <= high);
        if (batch) {  // one batch of 4 requests of 8 items: "<first id>-8"
            auto log = server.log();
            std::vector<std::string> custom_ids;
            for (std::size_t i = logged; i < log.size(); ++i)
                if (log[i].path == "/v1/messages/batches" && log[i].method == "POST")
                    custom_ids.insert(custom_ids.end(), log[i].custom_ids.begin(),
                                      log[i].custom_ids.end());
            REQUIRE(custom_ids.size() == requests_for(16, 2, 8));
            for (const auto& id : custom_ids) CHECK(id.substr(id.size() - 2) == "-8");
        }

        // The judge grades the 32 rows 8 per request, blind, each verdict on its own row.
        std::vector<std::string> judge = {t::tool("synthmod-judge"),
                                          "--spec",
                                          dir + "/moderation.toml",
                                          "--in",
                                          out,
                                          "--out",
                                          dir + "/judged.csv",
                                          "--base-url",
                                          server.base_url(),
                                          "--rows-per-request",
                                          "8"};
        if (batch) judge.push_back("--batch");
        auto judge_dry = judge;
        judge_dry.push_back("--dry-run");
        auto jd = t::run(judge_dry, with_key());
        INFO(jd.out << jd.err);
        REQUIRE(jd.exit_code == 0);
        auto [jlow, jhigh] = dry_range(jd.out);
        const Served before = served(server);
        auto j = t::run(judge, with_key());
        INFO(j.err);
        REQUIRE(j.exit_code == 0);
        auto judged = synthmod::csv::read_table(dir + "/judged.csv", {"judge_status"});
        CHECK(judged.rows.size() == 32);
        const double jactual = column_sum(dir + "/judged.csv", "judge_cost_usd");
        CHECK(jlow <= jactual);
        CHECK(jactual <= jhigh);
        if (!batch) CHECK(served(server).answers - before.answers == 4);

        // Asked for a rationale (not by default): dearer, and still inside its own dry-run range.
        for (auto& a : judge)
            if (a == dir + "/judged.csv") a = dir + "/judged_rationale.csv";
        judge.push_back("--rationale");
        judge_dry = judge;
        judge_dry.push_back("--dry-run");
        auto rd = t::run(judge_dry, with_key());
        INFO(rd.out << rd.err);
        REQUIRE(rd.exit_code == 0);
        auto [rlow, rhigh] = dry_range(rd.out);
        auto with_rationale = t::run(judge, with_key());
        INFO(with_rationale.err);
        REQUIRE(with_rationale.exit_code == 0);
        const double ractual = column_sum(dir + "/judged_rationale.csv", "judge_cost_usd");
        CHECK(rlow <= ractual);
        CHECK(ractual <= rhigh);
        CHECK(jactual < ractual);
    }
}
