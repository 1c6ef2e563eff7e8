// runner over real HTTP: the curl transport and the anthropic provider against the loopback fake
// server, with faults injected. The server's request log proves that no item is lost, none is
// paid for twice, and a resumed run sends nothing again for an item already journalled.
#include <curl/curl.h>

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "common/errors.h"
#include "common/llm/anthropic.h"
#include "common/llm/cost_meter.h"
#include "common/llm/runner.h"
#include "tests/support/counting_transport.h"
#include "tests/support/curl_ready.h"
#include "tests/support/fake_server.h"
#include "tests/support/process.h"
#include "tests/support/runner_items.h"

using namespace synthmod;
using synthmod::test::curl_ready;
using synthmod::test::FakeServer;
using synthmod::test::post_items;
using synthmod::test::runner_header;

namespace {

/// SHA-256 hex of each prompt's user text, as the fake server logs it (python's hashlib).
std::map<std::string, std::string> user_hashes(const std::vector<runner::Item>& items) {
    std::string input;
    for (const auto& item : items) input += item.prompt.user + "\n";
    synthmod::test::RunOptions run_options;
    run_options.stdin_data = input;
    auto r = synthmod::test::run({"/usr/bin/python3", "-c",
                                  "import sys,hashlib\nfor l in sys.stdin.read().splitlines(): "
                                  "print(hashlib.sha256(l.encode()).hexdigest())"},
                                 run_options);
    REQUIRE(r.exit_code == 0);
    std::istringstream lines(r.out);
    std::map<std::string, std::string> by_hash;
    std::string line;
    for (const auto& item : items) {
        std::getline(lines, line);
        by_hash[line] = item.id;
    }
    return by_hash;
}

using synthmod::test::CountingTransport;

}  // namespace

TEST_CASE(
    "runner over HTTP with faults: every item once, nothing paid twice, resume sends "
    "nothing again",
    "[runner][runner_http]") {
    REQUIRE(curl_ready);
    FakeServer server({"--faults", "429,529,500,drop,truncate,badjson,refusal,max_tokens,slow",
                       "--fault-rate", "0.35", "--seed", "11", "--retry-after", "0.02", "--slow-ms",
                       "150"});
    std::string dir = synthmod::test::temp_dir("runner_http");
    auto items = post_items(60, "f");
    auto by_hash = user_hashes(items);
    llm::AnthropicProvider provider("claude-haiku-4-5", "test-key-SECRET", server.base_url());
    auto transport = http::make_curl_transport(http::Options{});
    runner::Options options = test::runner_options(dir, 8);

    auto result = runner::run_job(runner_header(), items, provider, transport.get(), options, {});
    const auto& s = result.summary;
    CHECK(s.stop == runner::Stop::kCompleted);
    REQUIRE(result.records.size() == 60);
    CHECK(s.ok + s.refused + s.failed == 60);
    CHECK(s.retries > 0);

    // Per item, from the server's log: answers that were paid for and usable.
    std::map<std::string, std::map<std::string, int>> faults;  // item -> fault -> count
    std::size_t messages = 0;
    for (const auto& e : server.log()) {
        if (e.path != "/v1/messages") continue;
        ++messages;
        CHECK(e.key_present);
        REQUIRE(by_hash.count(e.user_sha256));
        ++faults[by_hash[e.user_sha256]][e.fault];
    }
    std::size_t drops = 0;
    for (const auto& e : server.log()) drops += e.path == "/v1/messages" && e.fault == "drop";
    CHECK(messages >= static_cast<std::size_t>(s.requests));
    CHECK(messages <= static_cast<std::size_t>(s.requests) + drops);
    for (const auto& [id, rec] : result.records) {
        CAPTURE(id, rec.status, rec.error);
        auto& f = faults[id];
        int usable = f["ok"] + f["slow"];  // slow answers are good answers, late
        if (rec.status == "ok") {
            CHECK(usable == 1);  // asked until the first good answer, never after
            CHECK(f["refusal"] == 0);
            CHECK(f["max_tokens"] == 0);
        } else if (rec.status == "refused") {
            CHECK(f["refusal"] == 1);
            CHECK(usable == 0);
        } else {
            CHECK(rec.error == "truncated: max_tokens");
            CHECK(f["max_tokens"] == 1);
            CHECK(usable == 0);
        }
        int sent = 0;
        std::string seq;
        for (const auto& kv : f) {
            sent += kv.second;
            seq += kv.first + "=" + std::to_string(kv.second) + " ";
        }
        CAPTURE(seq);
        // libcurl silently re-sends a request once when a reused connection closes before any
        // answer byte ("drop"), so the server may see a dropped request twice.
        CHECK(rec.attempts <= sent);
        CHECK(sent <= rec.attempts + f["drop"]);
    }
    CHECK(synthmod::test::slurp(options.journal_path).find("SECRET") == std::string::npos);

    // The rerun asks again only for the failed (truncated) items.
    server.control(R"({"faults": [], "fault_rate": 0})");
    std::size_t before = server.count("/v1/messages");
    auto again = runner::run_job(runner_header(), items, provider, transport.get(), options, {});
    CHECK(again.summary.ok + again.summary.refused == 60);
    CHECK(again.summary.resumed == s.ok + s.refused);
    CHECK(server.count("/v1/messages") - before == s.failed);
}

TEST_CASE("runner over HTTP: a rejected key stops the run with exit 3", "[runner][runner_http]") {
    REQUIRE(curl_ready);
    FakeServer server({"--require-key", "the-right-key"});
    std::string dir = synthmod::test::temp_dir("runner_http");
    llm::AnthropicProvider provider("claude-haiku-4-5", "a-wrong-key", server.base_url());
    auto transport = http::make_curl_transport(http::Options{});
    runner::Options options = test::runner_options(dir, 8);
    options.concurrency = 2;
    auto result = runner::run_job(runner_header(), post_items(30, "k"), provider, transport.get(),
                                  options, {});
    CHECK(result.summary.stop == runner::Stop::kFatal);
    CHECK(runner::exit_code(result.summary) == 3);
    CHECK(result.summary.fatal_message.find("ANTHROPIC_API_KEY") != std::string::npos);
    CHECK(result.summary.fatal_message.find("a-wrong-key") == std::string::npos);
    CHECK(server.count("/v1/messages") <= 2);  // stopped at once
    CHECK(result.records.empty());
}

TEST_CASE("runner batches: chunks, errored and expired rows resubmitted, batch price",
          "[runner][runner_http]") {
    REQUIRE(curl_ready);
    FakeServer server({"--batch-errored", "0.15", "--batch-expired", "0.1", "--batch-polls", "2",
                       "--script", "500"});  // the first create answers 500: retried
    std::string dir = synthmod::test::temp_dir("runner_http");
    auto items = post_items(50, "b");
    llm::AnthropicProvider provider("claude-haiku-4-5", "test-key", server.base_url());
    auto transport = http::make_curl_transport(http::Options{});
    runner::Options options = test::runner_options(dir, 8);
    options.batch = true;
    options.batch_max_requests = 20;
    options.batch_rounds = 8;  // failing 9 rounds in a row at 25 %: ~4e-6 per row

    auto result = runner::run_job(runner_header(), items, provider, transport.get(), options, {});
    CHECK(result.summary.stop == runner::Stop::kCompleted);
    REQUIRE(result.records.size() == 50);
    CHECK(result.summary.ok == 50);

    // Creates: the 500, then 3 chunks (20 + 20 + 10), then resubmissions of what did not succeed.
    std::map<std::string, int> submitted;
    std::vector<std::size_t> sizes;
    int create_errors = 0;
    for (const auto& e : server.log()) {
        if (e.path != "/v1/messages/batches" || e.method != "POST") continue;
        if (e.status != 200) {
            ++create_errors;
            continue;
        }
        sizes.push_back(e.custom_ids.size());
        for (const auto& id : e.custom_ids) ++submitted[id];
    }
    CHECK(create_errors == 1);
    REQUIRE(sizes.size() >= 3);
    CHECK(sizes[0] == 20);
    CHECK(sizes[1] == 20);
    CHECK(sizes[2] == 10);
    CHECK(submitted.size() == 50);
    int resubmitted = 0;
    for (const auto& [id, n] : submitted) {
        CAPTURE(id);
        CHECK(result.records.at(id).attempts == n);
        resubmitted += n - 1;
    }
    CHECK(resubmitted > 0);  // 25 % of 50 rows did not succeed the first time

    // Batch price: half of the standard price of the same usage.
    auto price = pricing::Table::builtin().find("claude-haiku-4-5");
    REQUIRE(price);
    double total = 0;
    for (const auto& [id, rec] : result.records) {
        CHECK(rec.cost == Approx(pricing::cost(*price, rec.usage, true)));
        CHECK(rec.cost == Approx(pricing::cost(*price, rec.usage, false) / 2));
        total += rec.cost;
    }
    CHECK(result.summary.cost == Approx(total));

    journal::Journal j(options.journal_path, runner_header(), false);
    CHECK(j.open_batches().empty());
}

TEST_CASE("runner batches: an interrupted run re-attaches to its batch instead of paying again",
          "[runner][runner_http]") {
    REQUIRE(curl_ready);
    FakeServer server({"--batch-polls", "1000"});  // never ends until told
    std::string dir = synthmod::test::temp_dir("runner_http");
    auto items = post_items(12, "r");
    llm::AnthropicProvider provider("claude-haiku-4-5", "test-key", server.base_url());
    auto curl = http::make_curl_transport(http::Options{});
    CountingTransport transport(*curl);
    runner::Options options = test::runner_options(dir, 8);
    options.batch = true;
    options.stop_requested = [&] { return transport.starts >= 3; };  // create + 2 polls

    auto first = runner::run_job(runner_header(), items, provider, &transport, options, {});
    CHECK(first.summary.stop == runner::Stop::kInterrupted);
    CHECK(first.records.empty());
    CHECK(server.count("/v1/messages/batches") == 1);
    {
        journal::Journal j(options.journal_path, runner_header(), false);
        REQUIRE(j.open_batches().size() == 1);
        CHECK(j.open_batches()[0].item_ids.size() == 12);
    }

    server.control(R"({"batch_polls": 1})");
    options.stop_requested = [] { return false; };
    auto second = runner::run_job(runner_header(), items, provider, &transport, options, {});
    CHECK(second.summary.stop == runner::Stop::kCompleted);
    CHECK(second.summary.ok == 12);
    CHECK(server.count("/v1/messages/batches") == 1);  // no second create
    CHECK(server.count("/v1/messages") == 0);
    journal::Journal j(options.journal_path, runner_header(), false);
    CHECK(j.open_batches().empty());
}

TEST_CASE("runner batches: --max-cost holds back what the budget cannot cover",
          "[runner][runner_http]") {
    REQUIRE(curl_ready);
    FakeServer server;
    std::string dir = synthmod::test::temp_dir("runner_http");
    auto items = post_items(30, "m");
    llm::AnthropicProvider provider("claude-haiku-4-5", "test-key", server.base_url());
    auto transport = http::make_curl_transport(http::Options{});
    runner::Options options = test::runner_options(dir, 8);
    options.batch = true;
    runner::CostMeter meter(provider, options);
    double per_item = meter.estimate(items[0].prompt, true);
    REQUIRE(per_item > 0);
    options.max_cost = per_item * 10.5;

    auto first = runner::run_job(runner_header(), items, provider, transport.get(), options, {});
    CHECK(first.summary.stop == runner::Stop::kBudget);
    CHECK(runner::exit_code(first.summary) == 4);
    CHECK(first.summary.ok == 10);
    CHECK(first.summary.cost <= *options.max_cost);

    options.max_cost = 1.0;
    auto second = runner::run_job(runner_header(), items, provider, transport.get(), options, {});
    CHECK(second.summary.stop == runner::Stop::kCompleted);
    CHECK(second.summary.ok == 30);
    std::map<std::string, int> submitted;
    for (const auto& e : server.log())
        if (e.path == "/v1/messages/batches" && e.method == "POST")
            for (const auto& id : e.custom_ids) ++submitted[id];
    CHECK(submitted.size() == 30);
    for (const auto& [id, n] : submitted) CHECK(n == 1);
}

namespace {

/// Fails the first `failures` GET requests (batch polls, result downloads) as a reset connection.
class FlakyGets : public http::Transport {
   public:
    FlakyGets(http::Transport& inner, int failures) : inner_(inner), failures_(failures) {}
    void start(std::uint64_t tag, const http::Request& request) override {
        if (request.method == "GET" && failures_ > 0) {
            --failures_;
            http::Response r;
            r.transport_error = "Connection reset by peer";
            failed_.emplace_back(tag, r);
            return;
        }
        inner_.start(tag, request);
    }
    std::vector<std::pair<std::uint64_t, http::Response>> poll(int timeout_ms) override {
        if (!failed_.empty()) return std::exchange(failed_, {});
        return inner_.poll(timeout_ms);
    }
    std::size_t in_flight() const override { return inner_.in_flight() + failed_.size(); }
    void cancel_all() override {
        failed_.clear();
        inner_.cancel_all();
    }

   private:
    http::Transport& inner_;
    int failures_;
    std::vector<std::pair<std::uint64_t, http::Response>> failed_;
};

}  // namespace

TEST_CASE("runner batches: a failed poll is retried with backoff", "[runner][runner_http]") {
    REQUIRE(curl_ready);
    FakeServer server;
    std::string dir = synthmod::test::temp_dir("runner_http");
    llm::AnthropicProvider provider("claude-haiku-4-5", "test-key", server.base_url());
    auto curl = http::make_curl_transport(http::Options{});
    FlakyGets transport(*curl, 3);
    runner::Options options = test::runner_options(dir, 8);
    options.batch = true;
    auto result =
        runner::run_job(runner_header(), post_items(5, "p"), provider, &transport, options, {});
    CHECK(result.summary.stop == runner::Stop::kCompleted);
    CHECK(result.summary.ok == 5);
    CHECK(result.summary.retries == 3);
    CHECK(server.count("/v1/messages/batches") == 1);

    // Retries spent on polling: the run stops (exit 3) and the batch stays open for a rerun.
    FlakyGets dead(*curl, 1000);
    options.max_retries = 2;
    options.journal_path = dir + "/second.journal";
    auto stuck = runner::run_job(runner_header(), post_items(5, "q"), provider, &dead, options, {});
    CHECK(stuck.summary.stop == runner::Stop::kFatal);
    CHECK(runner::exit_code(stuck.summary) == 3);
    CHECK(stuck.summary.fatal_message.find("rerun") != std::string::npos);
    journal::Journal j(options.journal_path, runner_header(), false);
    CHECK(j.open_batches().size() == 1);
}

TEST_CASE("runner batches: create, polls and results held by the request limit's headers, no 429",
          "[runner][runner_http][rate_limit]") {
    REQUIRE(curl_ready);
    // 3 requests per 1-second window; the batch takes 1 create + 9 polls + 1 results download,
    // 11 calls that the 50 ms poll interval would otherwise send within about half a second.
    FakeServer server({"--batch-polls", "8", "--rl-requests", "3", "--rl-window-s", "1"});
    std::string dir = synthmod::test::temp_dir("runner_http");
    llm::AnthropicProvider provider("claude-haiku-4-5", "test-key", server.base_url());
    auto transport = http::make_curl_transport(http::Options{});
    runner::Options options = test::runner_options(dir, 8);
    options.batch = true;
    auto result = runner::run_job(runner_header(), post_items(10, "l"), provider, transport.get(),
                                  options, {});
    CHECK(result.summary.stop == runner::Stop::kCompleted);
    CHECK(result.summary.ok == 10);
    CHECK(result.summary.retries == 0);
    std::size_t calls = 0, limited = 0;
    for (const auto& e : server.log()) {
        if (e.path.rfind("/v1/messages/batches", 0) != 0) continue;
        ++calls;
        limited += e.status == 429;
    }
    CHECK(limited == 0);  // held by the headers, never told off
    CHECK(calls == 11);
}

TEST_CASE("runner batches: --rpm paces create, polls and results",
          "[runner][runner_http][rate_limit]") {
    REQUIRE(curl_ready);
    // --rpm 60: a bucket of 10 requests (10 s worth) refilled at 1 a second. The batch's 13
    // calls (1 create + 11 polls + 1 download) would all go within about 0.6 s unpaced; paced,
    // call k (0-based) cannot leave before (k + 1 - 10) s after the bucket was filled.
    FakeServer server({"--batch-polls", "10"});
    std::string dir = synthmod::test::temp_dir("runner_http");
    llm::AnthropicProvider provider("claude-haiku-4-5", "test-key", server.base_url());
    auto transport = http::make_curl_transport(http::Options{});
    runner::Options options = test::runner_options(dir, 8);
    options.batch = true;
    options.rpm = 60;
    auto result = runner::run_job(runner_header(), post_items(4, "t"), provider, transport.get(),
                                  options, {});
    CHECK(result.summary.stop == runner::Stop::kCompleted);
    CHECK(result.summary.ok == 4);
    std::vector<double> arrivals;
    for (const auto& e : server.log())
        if (e.path.rfind("/v1/messages/batches", 0) == 0) arrivals.push_back(e.t_arrival);
    REQUIRE(arrivals.size() == 13);
    for (std::size_t k = 10; k < arrivals.size(); ++k) {
        CAPTURE(k);
        // 0.1 s: the bucket is filled a moment before the first call reaches the server.
        CHECK(arrivals[k] - arrivals[0] >= static_cast<double>(k + 1 - 10) - 0.1);
    }
}
