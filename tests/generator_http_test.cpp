// synthmod-generate against the loopback fake Anthropic server, run as a process the way a user
// runs it: plain generation, kill -9 and resume (the server's request log proves nothing
// journalled is asked again), --batch with errored rows, and --max-cost then a higher budget.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <thread>

#include "common/csv.h"
#include "tests/support/fake_server.h"
#include "tests/support/generate_fixture.h"
#include "tests/support/process.h"

namespace t = synthmod::test;

namespace {

const char* kKey = "sk-ant-test-KEY-must-never-leak-123";

/// The example's generate command against `server`, with --quiet.
std::vector<std::string> args(const std::string& dir, const std::string& out, int rows,
                              const t::FakeServer& server, std::vector<std::string> extra = {}) {
    extra.insert(extra.begin(), "--quiet");
    return t::generate_args(dir, out, rows, server.base_url(), extra);
}

std::size_t messages(const t::FakeServer& server, std::size_t from = 0) {
    auto log = server.log();
    std::size_t n = 0;
    for (std::size_t i = from; i < log.size(); ++i) n += log[i].path == "/v1/messages";
    return n;
}

/// Distinct items with a complete record line in the journal.
std::size_t journal_records(const std::string& path) {
    if (!t::exists(path)) return 0;
    std::string text = t::slurp(path);
    const std::string prefix = "{\"type\":\"item\",\"id\":\"";
    std::set<std::string> ids;
    std::size_t start = 0;
    for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
        if (text.compare(start, prefix.size(), prefix) == 0)
            ids.insert(text.substr(start + prefix.size(), 16));
    return ids.size();
}

std::size_t rows_of(const std::string& path) {
    return synthmod::csv::read_table(path, {"content", "label", "id"}).rows.size();
}

}  // namespace

TEST_CASE("generate over the Anthropic wire format, the key never leaks",
          "[generator][generator_http]") {
    t::FakeServer server({"--require-key", kKey});
    std::string dir = t::example_dir("genhttp-plain");
    auto r = t::run(args(dir, dir + "/samples.csv", 30, server, {"--verbose"}),
                    t::with_anthropic_key(kKey));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto table = synthmod::csv::read_table(dir + "/samples.csv", {"content", "label", "model"});
    REQUIRE(table.rows.size() == 30);
    const auto model = static_cast<std::size_t>(table.column("model"));
    for (const auto& row : table.rows) CHECK(row[model] == "claude-haiku-4-5");
    CHECK(messages(server) == 30);
    for (const auto& e : server.log()) CHECK(e.key_present);
    CHECK(r.err.find(kKey) == std::string::npos);
    CHECK(r.out.find(kKey) == std::string::npos);
    CHECK(t::slurp(dir + "/samples.csv").find(kKey) == std::string::npos);
    CHECK(t::slurp(dir + "/samples.csv.journal").find(kKey) == std::string::npos);

    SECTION("no key: exit 2 before anything is sent") {
        t::RunOptions no_key;
        no_key.env = {{"ANTHROPIC_API_KEY", "\x01unset"}};
        auto r2 = t::run(args(dir, dir + "/other.csv", 5, server), no_key);
        CHECK(r2.exit_code == 2);
        CHECK(r2.err.find("ANTHROPIC_API_KEY") != std::string::npos);
        CHECK(messages(server) == 30);
        CHECK_FALSE(t::exists(dir + "/other.csv"));
    }
    SECTION("a rejected key (401) stops the run: exit 3, and why on stderr even with --quiet") {
        t::RunOptions wrong;
        wrong.env = {{"ANTHROPIC_API_KEY", "sk-ant-wrong-0000"},
                     {"ANTHROPIC_BASE_URL", "\x01unset"}};
        auto r2 = t::run(args(dir, dir + "/denied.csv", 5, server), wrong);
        CHECK(r2.exit_code == 3);
        CHECK(r2.err.rfind("synthmod-generate: error: 401 authentication_error", 0) == 0);
        CHECK(r2.err.find("check ANTHROPIC_API_KEY") != std::string::npos);
        CHECK(r2.err.find("sk-ant-wrong-0000") == std::string::npos);
    }
}

TEST_CASE(
    "generate: kill -9 or SIGTERM mid-run, resume sends nothing twice, equals an uninterrupted run",
    "[generator][generator_http]") {
    t::FakeServer server({"--latency-ms", "25"});
    std::string dir = t::example_dir("genhttp-kill");
    const int rows = 80;
    std::vector<std::string> extra = {"--concurrency", "4"};

    REQUIRE(t::run(args(dir, dir + "/full.csv", rows, server, extra), t::with_anthropic_key(kKey))
                .exit_code == 0);
    std::string full = t::slurp(dir + "/full.csv");
    REQUIRE(rows_of(dir + "/full.csv") == static_cast<std::size_t>(rows));
    std::size_t before = server.log().size();

    std::string out = dir + "/killed.csv";
    std::size_t journalled = 0;
    {
        t::Background bg(args(dir, out, rows, server, extra), t::with_anthropic_key(kKey));
        for (int i = 0; i < 2000 && journal_records(out + ".journal") < 12; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        bg.kill(SIGKILL);
        CHECK(bg.wait() == 128 + SIGKILL);
        journalled = journal_records(out + ".journal");
    }
    REQUIRE(journalled >= 12);
    REQUIRE(journalled < static_cast<std::size_t>(rows));
    std::this_thread::sleep_for(
        std::chrono::milliseconds(100));  // in-flight answers land in the log
    std::size_t after_kill = server.log().size();
    CHECK(messages(server, before) >= journalled);

    auto r = t::run(args(dir, out, rows, server, extra), t::with_anthropic_key(kKey));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // the resumed run asked exactly for the items the journal did not hold
    CHECK(messages(server, after_kill) == static_cast<std::size_t>(rows) - journalled);
    CHECK(t::slurp(out) == full);

    // SIGTERM: stop dispatching, let in-flight requests finish, write what is done, exit 130.
    std::string termed = dir + "/termed.csv";
    {
        t::Background bg(args(dir, termed, rows, server, extra), t::with_anthropic_key(kKey));
        for (int i = 0; i < 2000 && journal_records(termed + ".journal") < 12; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        bg.kill(SIGTERM);
        CHECK(bg.wait() == 130);
    }
    std::size_t partial = rows_of(termed);
    CHECK(partial >= 12);
    CHECK(partial < static_cast<std::size_t>(rows));
    CHECK(partial == journal_records(termed + ".journal"));  // every finished row is written
    auto r2 = t::run(args(dir, termed, rows, server, extra), t::with_anthropic_key(kKey));
    REQUIRE(r2.exit_code == 0);
    CHECK(t::slurp(termed) == full);
}

TEST_CASE("generate --batch: errored rows are resubmitted, output equals the direct run",
          "[generator][generator_http]") {
    t::FakeServer server({"--batch-polls", "0", "--batch-errored", "0.25", "--seed", "5"});
    std::string dir = t::example_dir("genhttp-batch");
    const int rows = 30;
    REQUIRE(t::run(args(dir, dir + "/direct.csv", rows, server), t::with_anthropic_key(kKey))
                .exit_code == 0);

    int code = -1;
    for (int attempt = 0; attempt < 4 && code != 0; ++attempt) {
        auto r = t::run(args(dir, dir + "/batch.csv", rows, server, {"--batch"}),
                        t::with_anthropic_key(kKey));
        INFO(r.err);
        code = r.exit_code;
        CHECK((code == 0 || code == 3));  // 3: a row errored in every round; a rerun retries it
    }
    REQUIRE(code == 0);
    // The same rows; each batch row costs half its direct twin (gen_cost_usd, the last column).
    auto batch = synthmod::csv::read_table(dir + "/batch.csv", {"gen_cost_usd"});
    auto direct = synthmod::csv::read_table(dir + "/direct.csv", {"gen_cost_usd"});
    REQUIRE(batch.header == direct.header);
    REQUIRE(batch.header.back() == "gen_cost_usd");
    REQUIRE(batch.rows.size() == direct.rows.size());
    for (std::size_t i = 0; i < batch.rows.size(); ++i) {
        auto b = batch.rows[i], d = direct.rows[i];
        CHECK(std::stod(b.back()) == Approx(std::stod(d.back()) * 0.5));
        CHECK(std::stod(d.back()) > 0);
        b.pop_back();
        d.pop_back();
        CHECK(b == d);
    }

    std::vector<std::vector<std::string>> batches;
    for (const auto& e : server.log())
        if (e.method == "POST" && e.path == "/v1/messages/batches" && e.status == 200)
            batches.push_back(e.custom_ids);
    REQUIRE(batches.size() >= 2);  // 30 rows at 25 % errors: a second round is all but certain
    CHECK(batches[0].size() == static_cast<std::size_t>(rows));
    std::set<std::string> first(batches[0].begin(), batches[0].end());
    for (std::size_t b = 1; b < batches.size(); ++b) {
        CHECK(batches[b].size() < static_cast<std::size_t>(rows));
        for (const auto& id : batches[b]) CHECK(first.count(id) == 1);
    }
}

TEST_CASE("generate --max-cost stops with exit 4, a higher budget finishes the job",
          "[generator][generator_http]") {
    t::FakeServer server;
    std::string dir = t::example_dir("genhttp-budget");
    const int rows = 40;
    std::string out = dir + "/samples.csv";
    auto r = t::run(args(dir, out, rows, server, {"--max-cost", "0.02", "--concurrency", "2"}),
                    t::with_anthropic_key(kKey));
    INFO(r.err);
    REQUIRE(r.exit_code == 4);
    std::size_t partial = rows_of(out);
    CHECK(partial > 0);
    CHECK(partial < static_cast<std::size_t>(rows));
    std::size_t sent = messages(server);
    CHECK(sent < static_cast<std::size_t>(rows));

    auto r2 =
        t::run(args(dir, out, rows, server, {"--max-cost", "5"}), t::with_anthropic_key(kKey));
    INFO(r2.err);
    REQUIRE(r2.exit_code == 0);
    CHECK(rows_of(out) == static_cast<std::size_t>(rows));
    CHECK(messages(server) == static_cast<std::size_t>(rows) + (sent - partial));
}

TEST_CASE("generate with --native-json and with an OpenAI-compatible server",
          "[generator][generator_http]") {
    t::FakeServer server;
    std::string dir = t::example_dir("genhttp-native");
    SECTION("anthropic structured outputs (output_config) instead of tool use") {
        auto r = t::run(args(dir, dir + "/native.csv", 12, server, {"--native-json"}),
                        t::with_anthropic_key(kKey));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(rows_of(dir + "/native.csv") == 12);
    }
    SECTION("openai provider, model from the flag") {
        t::RunOptions env;
        env.env = {{"OPENAI_API_KEY", kKey}, {"OPENAI_BASE_URL", "\x01unset"}};
        auto a = args(dir, dir + "/openai.csv", 12, server, {"--model", "llama-3.1-8b"});
        a[4] = "openai";
        auto r = t::run(a, env);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        auto table = synthmod::csv::read_table(dir + "/openai.csv", {"content", "model"});
        REQUIRE(table.rows.size() == 12);
        CHECK(table.rows[0][static_cast<std::size_t>(table.column("model"))] == "llama-3.1-8b");
        std::size_t chat = 0;
        for (const auto& e : server.log()) chat += e.path == "/v1/chat/completions";
        CHECK(chat == 12);
    }
    SECTION("openai provider without OPENAI_API_KEY (a local server): no Authorization header") {
        t::RunOptions env;
        env.env = {{"OPENAI_API_KEY", "\x01unset"}, {"OPENAI_BASE_URL", "\x01unset"}};
        t::FakeServer local({"--openai-keyless"});
        auto a = args(dir, dir + "/local.csv", 6, local, {"--model", "llama-3.1-8b"});
        a[4] = "openai";
        auto r = t::run(a, env);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(rows_of(dir + "/local.csv") == 6);
        std::size_t chat = 0, bearer = 0;
        for (const auto& e : local.log()) {
            chat += e.path == "/v1/chat/completions";
            bearer += e.bearer_present;
        }
        CHECK(chat == 6);
        CHECK(bearer == 0);
    }
}
