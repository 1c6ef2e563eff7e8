// The runner with K items per request over real HTTP (the anthropic provider against the loopback
// fake server): with faults, every item settles once and the journal's usage is exactly what the
// server billed; an interrupted --batch run of K-item requests re-attaches to its batch.
#include <curl/curl.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/llm/anthropic.h"
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

std::vector<runner::Item> items_for(int n, int k, const std::string& tag) {
    return synthmod::test::post_items(n, tag, k, "g");
}

using synthmod::test::CountingTransport;

}  // namespace

TEST_CASE("K items per request with faults: each item settles once, usage adds up to the server's",
          "[rows_per_request][rows_per_request_http]") {
    REQUIRE(curl_ready);
    // The first six requests to arrive (the first four are K-item ones) get one fault each. The
    // server answers 100 ms after a request arrives (its fault is chosen on arrival), so the
    // first four all arrive before any answer and no follow-up can take one of their faults (a
    // refused or truncated single item settles differently from a K-item request). With answers
    // at once that order rested on timing; this test failed once in a full ctest run (its output
    // was lost) and not in 150 runs since, so whether that race was the cause is not known.
    FakeServer server({"--script", "dropitem,baditem,refusal,max_tokens,429,500", "--seed", "21",
                       "--retry-after", "0.02", "--latency-ms", "100"});
    std::string dir = synthmod::test::temp_dir("rpr_runner");
    auto items = items_for(40, 4, "m");
    llm::AnthropicProvider provider("claude-haiku-4-5", "test-key", server.base_url());
    auto transport = http::make_curl_transport(http::Options{});
    // What the generator's validator checks first: a "content" (baditem leaves only the index).
    auto validate = [](const runner::Item&, const std::string& answer) {
        return answer.find("\"content\"") == std::string::npos ? std::string("no content")
                                                               : std::string();
    };
    auto result = runner::run_job(runner_header(), items, provider, transport.get(),
                                  test::runner_options(dir, 4), validate);
    const auto& s = result.summary;
    CHECK(s.stop == runner::Stop::kCompleted);
    REQUIRE(result.records.size() == 40);
    CHECK(s.ok == 40);
    CHECK(s.repairs == 2);  // the dropped item and the bad one, each asked again
    CHECK(s.retries == 2);  // the 429 and the 500
    // 10 requests of 4, a follow-up for each of the two items missing, the 4 + 4 items of the
    // refused and the truncated request asked one by one, and the two retried requests.
    CHECK(s.requests == 10 + 2 + 8 + 2);

    // Every answer the server gave (200 with usage) is in the journal, split over its items.
    llm::Usage served;
    std::size_t answers = 0;
    for (const auto& e : server.log()) {
        if (!e.usage) continue;
        ++answers;
        served.input_tokens += e.usage->input_tokens;
        served.output_tokens += e.usage->output_tokens;
    }
    llm::Usage journalled;
    for (const auto& [id, r] : result.records) {
        journalled.input_tokens += r.usage.input_tokens;
        journalled.output_tokens += r.usage.output_tokens;
    }
    CHECK(static_cast<std::int64_t>(answers) == s.requests - s.retries);
    CHECK(journalled.input_tokens == served.input_tokens);
    CHECK(journalled.output_tokens == served.output_tokens);
    CHECK(s.usage.input_tokens == served.input_tokens);
}

TEST_CASE("K items per request in a batch: an interrupted run re-attaches, nothing paid twice",
          "[rows_per_request][rows_per_request_http]") {
    REQUIRE(curl_ready);
    FakeServer server({"--batch-polls", "1000"});  // never ends until told
    std::string dir = synthmod::test::temp_dir("rpr_runner");
    auto items = items_for(12, 4, "r");
    llm::AnthropicProvider provider("claude-haiku-4-5", "test-key", server.base_url());
    auto curl = http::make_curl_transport(http::Options{});
    CountingTransport transport(*curl);
    runner::Options options = test::runner_options(dir, 4);
    options.batch = true;
    options.stop_requested = [&] { return transport.starts >= 3; };  // create + 2 polls

    auto first = runner::run_job(runner_header(), items, provider, &transport, options, {});
    CHECK(first.summary.stop == runner::Stop::kInterrupted);
    CHECK(first.records.empty());
    auto log = server.log();
    REQUIRE(!log.empty());
    REQUIRE(log[0].custom_ids.size() == 3);  // 12 items, 4 per request
    for (const auto& id : log[0].custom_ids) CHECK(id.substr(id.size() - 2) == "-4");

    server.control(R"({"batch_polls": 1})");
    options.stop_requested = [] { return false; };
    auto second = runner::run_job(runner_header(), items, provider, &transport, options, {});
    CHECK(second.summary.stop == runner::Stop::kCompleted);
    CHECK(second.summary.ok == 12);
    CHECK(server.count("/v1/messages/batches") == 1);  // no second create
    CHECK(server.count("/v1/messages") == 0);
    for (const auto& [id, r] : second.records) {
        CAPTURE(id);
        CHECK(r.status == "ok");
        CHECK(r.answer_json.find("\"index\"") == std::string::npos);  // the item's own answer
        CHECK(r.usage.output_tokens > 0);
    }
}
