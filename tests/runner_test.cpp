// runner: retry policy, and run_job over a scripted transport and a tiny provider — every item
// ends exactly once, retries/repairs counted, fatal/budget/interrupt stops, adaptive concurrency.
#include "common/llm/runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <deque>
#include <set>
#include <thread>

#include "common/errors.h"
#include "common/llm/clock.h"
#include "common/llm/cost_meter.h"
#include "common/llm/estimate.h"
#include "common/llm/http_status.h"
#include "common/llm/progress.h"
#include "common/llm/rate_limit.h"
#include "common/llm/retry_policy.h"
#include "common/signals.h"
#include "tests/support/process.h"
#include "tests/support/stderr_capture.h"

using namespace synthmod;
using synthmod::test::StderrCapture;

namespace {

http::Response with_headers(long status, std::vector<std::pair<std::string, std::string>> headers) {
    http::Response r;
    r.status = status;
    r.headers = std::move(headers);
    return r;
}

std::string imf_date(std::time_t t) {
    char buf[64];
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
}

std::string rfc3339(std::time_t t) {
    char buf[64];
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// ---------------------------------------------------------------- fakes

/// One scripted reply: an HTTP status and a body kind the FakeProvider understands.
struct Reply {
    Reply(long status_ = 200, std::string kind_ = "ok",
          std::vector<std::pair<std::string, std::string>> headers_ = {},
          std::string transport_error_ = "")
        : status(status_),
          kind(std::move(kind_)),
          headers(std::move(headers_)),
          transport_error(std::move(transport_error_)) {}
    long status;
    std::string kind;  ///< ok | refusal | max_tokens | malformed | invalid | error
    std::vector<std::pair<std::string, std::string>> headers;
    std::string transport_error;  ///< non-empty: the transfer failed (status 0)
};

/// Answers requests from a per-item script (then "ok"); completes one transfer per poll so
/// the number in flight is observable.
class ScriptedTransport : public http::Transport {
   public:
    std::map<std::string, std::deque<Reply>> script;
    std::vector<std::string> started;       ///< item ids in start order
    std::vector<std::size_t> in_flight_at;  ///< transfers in flight right after each start
    std::vector<double> start_times;
    bool hold = false;  ///< never complete anything (for interruption)
    int cancels = 0;
    std::size_t first_overload_start = SIZE_MAX;  ///< index in `started` when a 429 went out
    std::function<void()> on_start;               ///< called after each start

    void start(std::uint64_t tag, const http::Request& request) override {
        std::string id = request.body;
        started.push_back(id);
        start_times.push_back(runner::mono_s());
        Reply reply;
        auto& queue = script[id];
        if (!queue.empty()) {
            reply = queue.front();
            queue.pop_front();
        }
        http::Response r;
        r.status = reply.transport_error.empty() ? reply.status : 0;
        r.transport_error = reply.transport_error;
        r.headers = reply.headers;
        r.headers.emplace_back("request-id", "req_" + id);
        r.body = reply.kind + "|" + id;
        pending_.emplace_back(tag, r);
        in_flight_at.push_back(pending_.size());
        if (on_start) on_start();
    }
    std::vector<std::pair<std::uint64_t, http::Response>> poll(int timeout_ms) override {
        if (hold || pending_.empty()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(std::min(timeout_ms, 5)));
            return {};
        }
        auto done = pending_.front();
        pending_.pop_front();
        if (done.second.status == 429 && first_overload_start == SIZE_MAX)
            first_overload_start = started.size();
        return {done};
    }
    std::size_t in_flight() const override { return pending_.size(); }
    void cancel_all() override {
        ++cancels;
        pending_.clear();
    }

   private:
    std::deque<std::pair<std::uint64_t, http::Response>> pending_;
};

/// Decodes the transport's "kind|id" bodies; status codes classified as the real providers do.
class FakeProvider : public llm::Provider {
   public:
    bool remote_ = true;
    std::string model_ = "claude-haiku-4-5";
    std::string secret = "sk-fake-SECRET-42";
    std::string name() const override { return "fake"; }
    std::string model() const override { return model_; }
    bool remote() const override { return remote_; }

    http::Request build_request(const llm::Prompt& prompt) const override {
        http::Request r;
        r.url = "http://127.0.0.1:9/v1/messages?k=" + secret;
        r.headers = {{"x-api-key", secret}, {"content-type", "application/json"}};
        r.secret_headers = {"x-api-key"};
        r.body = prompt.user;  // the item id
        return r;
    }
    llm::Result parse_response(const http::Response& response) const override {
        llm::Result res;
        res.http_status = response.status;
        auto bar = response.body.find('|');
        std::string kind = response.body.substr(0, bar);
        std::string id = response.body.substr(bar + 1);
        res.request_id = "req_" + id;
        if (response.status != 200) {
            long s = response.status;
            res.error = "HTTP " + std::to_string(s) + " error";
            res.overloaded = s == 429 || s == 529;
            if (s == 401 || s == 403 || s == 404)
                res.status = llm::Status::kFatal;
            else if (s == 408 || s == 409 || s == 429 || s >= 500)
                res.status = llm::Status::kRetryable;
            else
                res.status = llm::Status::kFailed;
            return res;
        }
        res.usage.input_tokens = 1000;
        res.usage.output_tokens = 100;
        if (kind == "ok") {
            res.status = llm::Status::kOk;
            res.answer_json = R"({"id":")" + id + R"("})";
        } else if (kind == "invalid") {
            res.status = llm::Status::kOk;
            res.answer_json = R"({"id":")" + id + R"(","bad":true})";
        } else if (kind == "refusal") {
            res.status = llm::Status::kRefused;
        } else if (kind == "max_tokens") {
            res.status = llm::Status::kTruncated;
        } else {
            res.status = llm::Status::kMalformed;
            res.error = "no tool_use block";
        }
        return res;
    }
    llm::Result answer_locally(const llm::Prompt& prompt,
                               const std::string& item_id) const override {
        llm::Result res;
        res.status = llm::Status::kOk;
        res.answer_json =
            R"({"id":")" + item_id + R"(","n":)" + std::to_string(++local_calls) + "}";
        return res;
    }
    mutable int local_calls = 0;
};

std::vector<runner::Item> make_items(int n, std::size_t system_bytes = 0) {
    std::vector<runner::Item> items;
    for (int i = 0; i < n; ++i) {
        char id[16];
        std::snprintf(id, sizeof id, "item-%03d", i);
        runner::Item item;
        item.id = id;
        item.prompt.user = id;
        item.prompt.system = std::string(system_bytes, 's');
        item.prompt.max_tokens = 100;
        items.push_back(item);
    }
    return items;
}

journal::Header test_header() { return {"synthmod-generate", "spec", "plan", 0, {}, {}}; }

runner::Options quick_options(const std::string& dir) {
    runner::Options o;
    o.concurrency = 4;
    o.quiet = true;
    o.backoff_scale = 0.001;  // milliseconds instead of seconds
    o.journal_path = dir + "/out.csv.journal";
    o.stop_requested = [] { return false; };
    return o;
}

runner::Validator rejects_bad() {
    return [](const runner::Item&, const std::string& answer) {
        return answer.find("\"bad\"") != std::string::npos ? std::string("bad is not allowed")
                                                           : std::string();
    };
}

/// Counts how often each item id was sent.
std::map<std::string, int> sends(const ScriptedTransport& t) {
    std::map<std::string, int> n;
    for (const auto& id : t.started) ++n[id];
    return n;
}

}  // namespace

// ---------------------------------------------------------------- retry policy

TEST_CASE("retry_delay_s follows the server's headers from 0 to 60 s", "[runner]") {
    const double now = 1'700'000'000;
    SECTION("retry-after-ms") {
        CHECK(runner::retry_delay_s(with_headers(429, {{"retry-after-ms", "1500"}}), 0, 0.5, now) ==
              Approx(1.5));
        CHECK(runner::retry_delay_s(with_headers(429, {{"retry-after-ms", "2.5"}}), 3, 0.5, now) ==
              Approx(0.0025));
    }
    SECTION("retry-after-ms wins over retry-after") {
        CHECK(runner::retry_delay_s(
                  with_headers(429, {{"retry-after", "7"}, {"retry-after-ms", "300"}}), 0, 0,
                  now) == Approx(0.3));
    }
    SECTION("unparseable retry-after-ms falls through to retry-after") {
        CHECK(runner::retry_delay_s(
                  with_headers(429, {{"retry-after-ms", "soon"}, {"retry-after", "2"}}), 0, 0,
                  now) == Approx(2.0));
    }
    SECTION("retry-after in seconds") {
        CHECK(runner::retry_delay_s(with_headers(429, {{"retry-after", "3"}}), 0, 0, now) ==
              Approx(3.0));
        CHECK(runner::retry_delay_s(with_headers(503, {{"retry-after", "60"}}), 0, 0, now) ==
              Approx(60.0));
    }
    SECTION("retry-after as an HTTP date") {
        auto t = static_cast<std::time_t>(now) + 12;
        CHECK(runner::retry_delay_s(with_headers(429, {{"retry-after", imf_date(t)}}), 0, 0, now) ==
              Approx(12.0));
    }
    SECTION("out of range values fall back to the backoff") {
        // The backoff for n = 1, jitter 0 is 1 s; none of these headers is used.
        for (const char* value : {"0", "-5", "61", "3600", "abc", ""}) {
            CAPTURE(value);
            CHECK(runner::retry_delay_s(with_headers(429, {{"retry-after", value}}), 1, 0, now) ==
                  Approx(1.0));
        }
        auto past = static_cast<std::time_t>(now) - 30;
        CHECK(runner::retry_delay_s(with_headers(429, {{"retry-after", imf_date(past)}}), 1, 0,
                                    now) == Approx(1.0));
        auto far = static_cast<std::time_t>(now) + 600;
        CHECK(runner::retry_delay_s(with_headers(429, {{"retry-after", imf_date(far)}}), 1, 0,
                                    now) == Approx(1.0));
        // A parseable but out-of-range retry-after-ms is not replaced by retry-after.
        CHECK(runner::retry_delay_s(
                  with_headers(429, {{"retry-after-ms", "90000"}, {"retry-after", "2"}}), 1, 0,
                  now) == Approx(1.0));
    }
}

TEST_CASE("retry_delay_s backoff doubles from 0.5 s to 8 s with up to 25 % jitter", "[runner]") {
    http::Response none = with_headers(500, {});
    CHECK(runner::retry_delay_s(none, 0, 0, 0) == Approx(0.5));
    CHECK(runner::retry_delay_s(none, 1, 0, 0) == Approx(1.0));
    CHECK(runner::retry_delay_s(none, 2, 0, 0) == Approx(2.0));
    CHECK(runner::retry_delay_s(none, 3, 0, 0) == Approx(4.0));
    CHECK(runner::retry_delay_s(none, 4, 0, 0) == Approx(8.0));
    CHECK(runner::retry_delay_s(none, 9, 0, 0) == Approx(8.0));
    CHECK(runner::retry_delay_s(none, 0, 1.0, 0) == Approx(0.375));
    CHECK(runner::retry_delay_s(none, 7, 0.5, 0) == Approx(7.0));
    for (int n = 0; n < 12; ++n) {
        double base = std::min(0.5 * (1 << n), 8.0);
        for (double jitter : {0.0, 0.1, 0.5, 0.9, 0.999}) {
            double d = runner::retry_delay_s(none, n, jitter, 0);
            CHECK(d <= base);
            CHECK(d >= 0.75 * base);
        }
    }
}

TEST_CASE("should_retry: x-should-retry decides when present, else the status", "[runner]") {
    using llm::should_retry;
    for (long s : {408L, 409L, 429L, 500L, 502L, 503L, 504L, 529L}) {
        CAPTURE(s);
        CHECK(should_retry(with_headers(s, {})));
        CHECK_FALSE(should_retry(with_headers(s, {{"x-should-retry", "false"}})));
    }
    for (long s : {200L, 400L, 401L, 403L, 404L, 413L, 422L}) {
        CAPTURE(s);
        CHECK_FALSE(should_retry(with_headers(s, {})));
        CHECK(should_retry(with_headers(s, {{"x-should-retry", "true"}})));
    }
    // Any other value is ignored.
    CHECK(should_retry(with_headers(500, {{"x-should-retry", "maybe"}})));
    CHECK_FALSE(should_retry(with_headers(400, {{"x-should-retry", "TRUE "}})));
    http::Response dropped;
    dropped.transport_error = "Connection reset by peer";
    CHECK(should_retry(dropped));
}

TEST_CASE("estimate: bytes / 4 rounded up per request, the low end with and without the cache",
          "[runner]") {
    llm::Prompt p;
    p.system = std::string(10, 's');
    p.user = std::string(7, 'u');
    p.schema_json = std::string(3, 'j');
    p.max_tokens = 50;
    CHECK(estimate::tokens_of(0) == 0);
    CHECK(estimate::tokens_of(1) == 1);
    CHECK(estimate::tokens_of(4) == 1);
    CHECK(estimate::tokens_of(5) == 2);
    CHECK(estimate::input_tokens(p) == 5);   // 20 bytes
    CHECK(estimate::shared_tokens(p) == 4);  // 13 bytes of system and schema
    estimate::Tokens tokens;
    tokens.add(p);
    tokens.add(p);
    tokens.add(p);
    CHECK(tokens.requests == 3);
    CHECK(tokens.input == 15);
    CHECK(tokens.shared == 4);
    CHECK(tokens.output_max == 150);
    llm::Usage high = estimate::upper_usage(tokens);
    CHECK(high.input_tokens == 15);
    CHECK(high.output_tokens == 150);
    CHECK(high.cache_creation_input_tokens + high.cache_read_input_tokens == 0);
    llm::Usage low = estimate::lower_usage(tokens, 30, false);
    CHECK(low.input_tokens == 15);
    CHECK(low.output_tokens == 30);
    llm::Usage cached = estimate::lower_usage(tokens, 30, true);
    CHECK(cached.input_tokens == 3);                     // 15 - 3 x 4 shared
    CHECK(cached.cache_creation_input_tokens == 0);      // written by an earlier run
    CHECK(cached.cache_read_input_tokens == 12);         // read by all three
    CHECK(runner::CostMeter::estimate_tokens(p) == 55);  // --tpm: input + max output
}

TEST_CASE("exit_code and summary_line", "[runner]") {
    runner::Summary s;
    s.items = 10;
    s.ok = 9;
    s.refused = 1;
    CHECK(runner::exit_code(s) == 0);  // a refusal is an outcome, not a failure
    s.failed = 1;
    CHECK(runner::exit_code(s) == 3);
    s.stop = runner::Stop::kBudget;
    CHECK(runner::exit_code(s) == 4);
    s.stop = runner::Stop::kInterrupted;
    CHECK(runner::exit_code(s) == 130);
    s.stop = runner::Stop::kFatal;
    s.fatal_message = "authentication_error: invalid x-api-key";
    CHECK(runner::exit_code(s) == 3);
    std::string line = runner::summary_line(s, "synthmod-judge");
    CHECK(line.find("9 ok") != std::string::npos);
    CHECK(line.find("1 refused") != std::string::npos);
    CHECK(line.find("1 failed") != std::string::npos);
    CHECK(line.find("invalid x-api-key") != std::string::npos);
    s.cost_known = false;
    CHECK(runner::summary_line(s, "synthmod-judge").find("unknown") != std::string::npos);
}

TEST_CASE("adaptive concurrency halves once per cooldown and grows back by windows", "[runner]") {
    runner::AdaptiveConcurrency c(16, 2.0);
    CHECK(c.cap() == 16);
    c.on_overload(100.0);
    CHECK(c.cap() == 8);
    c.on_overload(100.5);  // same wave: not halved again
    CHECK(c.cap() == 8);
    for (int i = 0; i < 20; ++i) c.on_success(101.0);  // still cooling down
    CHECK(c.cap() == 8);
    c.on_overload(103.0);  // after the cooldown: halved again
    CHECK(c.cap() == 4);
    for (int i = 0; i < 4; ++i) c.on_success(106.0);
    CHECK(c.cap() == 5);
    for (int i = 0; i < 5; ++i) c.on_success(106.0);
    CHECK(c.cap() == 6);
    runner::AdaptiveConcurrency one(1, 1.0);
    one.on_overload(0);
    CHECK(one.cap() == 1);
}

TEST_CASE("token bucket spaces requests at the configured rate", "[runner]") {
    runner::TokenBucket unlimited(0);
    CHECK(unlimited.wait_s(1e9, 0) == 0);
    runner::TokenBucket rpm(60);  // one a second, bursts of 10
    double now = runner::mono_s();
    for (int i = 0; i < 10; ++i) {
        CHECK(rpm.wait_s(1, now) == 0);
        rpm.take(1, now);
    }
    CHECK(rpm.wait_s(1, now) == Approx(1.0).margin(0.01));
    CHECK(rpm.wait_s(1, now + 1.0) == Approx(0).margin(0.01));
}

TEST_CASE("rate-limit headers pause dispatch until the reset", "[runner]") {
    runner::RateLimitHeaders rl;
    std::time_t t = 1'700'000'000;
    rl.observe(with_headers(200, {{"anthropic-ratelimit-requests-remaining", "5"},
                                  {"anthropic-ratelimit-requests-reset", rfc3339(t + 30)}}),
               t, 50.0);
    CHECK(rl.paused_until() == 0);
    rl.observe(with_headers(200, {{"anthropic-ratelimit-tokens-remaining", "0"},
                                  {"anthropic-ratelimit-tokens-reset", rfc3339(t + 3)}}),
               t, 50.0);
    CHECK(rl.paused_until() == Approx(53.0));
    rl.observe(with_headers(200, {{"anthropic-ratelimit-requests-remaining", "0"},
                                  {"anthropic-ratelimit-requests-reset", rfc3339(t + 3600)}}),
               t, 50.0);
    CHECK(rl.paused_until() == Approx(110.0));  // capped at 60 s
}

TEST_CASE("rate-limit headers hold a request the remainder cannot take", "[runner][rate_limit]") {
    runner::RateLimitHeaders rl;
    std::time_t t = 1'700'000'000;
    rl.observe(with_headers(200, {{"anthropic-ratelimit-input-tokens-remaining", "5000"},
                                  {"anthropic-ratelimit-input-tokens-reset", rfc3339(t + 10)},
                                  {"anthropic-ratelimit-requests-remaining", "3"},
                                  {"anthropic-ratelimit-requests-reset", rfc3339(t + 20)}}),
               t, 100.0);
    const runner::LimitUse next{1, 2000, 400};
    CHECK(rl.hold_until(next, {}, 100.0) == 0);
    CHECK(rl.hold_until(next, {1, 2000, 400}, 100.0) == 0);              // 3000 left: fits
    CHECK(rl.hold_until(next, {1, 3500, 400}, 100.0) == Approx(110.0));  // 1500 left: hold
    CHECK(rl.hold_until(next, {3, 0, 0}, 100.0) == Approx(120.0));       // no request left
    CHECK(rl.hold_until(next, {3, 3500, 0}, 121.0) == 0);                // both reset since
    CHECK(rl.paused_until() == 0);  // nothing reported exhausted

    // OpenAI-style headers: remaining-tokens counts input and output together; resets are
    // durations.
    runner::RateLimitHeaders oa;
    oa.observe(with_headers(200, {{"x-ratelimit-remaining-tokens", "1000"},
                                  {"x-ratelimit-reset-tokens", "6m0s"},
                                  {"x-ratelimit-remaining-requests", "0"},
                                  {"x-ratelimit-reset-requests", "20ms"}}),
               t, 100.0);
    CHECK(oa.paused_until() == Approx(100.02));
    CHECK(oa.hold_until({1, 500, 400}, {}, 101.0) == 0);
    CHECK(oa.hold_until({1, 700, 400}, {}, 101.0) == Approx(160.0));  // capped at 60 s
    CHECK(runner::parse_duration("1h2m3.5s") == Approx(3723.5));
    CHECK(runner::parse_duration("20ms") == Approx(0.02));
    CHECK_FALSE(runner::parse_duration("soon"));
}

// ---------------------------------------------------------------- run_job

TEST_CASE("run_job answers local items, validates, and resumes from the journal", "[runner]") {
    std::string dir = synthmod::test::temp_dir("runner");
    FakeProvider provider;
    provider.remote_ = false;
    auto items = make_items(5);
    runner::Options options = quick_options(dir);
    int rejected = 0;
    std::size_t wrong_item = 0;
    auto validate = [&](const runner::Item& item, const std::string& answer) {
        // Told whose answer it checks: the answer names its item (the local provider's).
        if (answer.find("\"" + item.id + "\"") == std::string::npos) ++wrong_item;
        // item-003 is always rejected: re-asked max_repairs times, then failed.
        if (answer.find("item-003") != std::string::npos) {
            ++rejected;
            return std::string("wrong");
        }
        return std::string();
    };
    auto result = runner::run_job(test_header(), items, provider, nullptr, options, validate);
    CHECK(result.summary.stop == runner::Stop::kCompleted);
    CHECK(result.summary.ok == 4);
    CHECK(result.summary.failed == 1);
    CHECK(result.summary.repairs == 2);
    CHECK(rejected == 3);
    CHECK(wrong_item == 0);
    REQUIRE(result.records.size() == 5);
    CHECK(result.records.at("item-003").status == "failed");
    CHECK(result.records.at("item-003").repairs == 2);
    CHECK(result.records.at("item-000").answer_json == R"({"id":"item-000","n":1})");
    CHECK(result.summary.cost == 0);
    CHECK(result.summary.cost_known);
    CHECK(runner::exit_code(result.summary) == 3);

    // The rerun asks only for the failed item again; the others come from the journal.
    int calls_before = provider.local_calls;
    auto again =
        runner::run_job(test_header(), items, provider, nullptr, options,
                        [](const runner::Item&, const std::string&) { return std::string(); });
    CHECK(provider.local_calls == calls_before + 1);
    CHECK(again.summary.resumed == 4);
    CHECK(again.summary.ok == 5);
    CHECK(again.records.at("item-000").answer_json == R"({"id":"item-000","n":1})");
    CHECK(runner::exit_code(again.summary) == 0);
}

TEST_CASE("run_job over HTTP ends every item exactly once and counts retries and repairs",
          "[runner]") {
    std::string dir = synthmod::test::temp_dir("runner");
    FakeProvider provider;
    ScriptedTransport transport;
    auto items = make_items(12);
    auto& s = transport.script;
    s["item-001"] = {{500}, {529}};         // 2 retries, ok
    s["item-002"] = {{200, "refusal"}};     // refused
    s["item-003"] = {{200, "max_tokens"}};  // failed, truncated
    s["item-004"] = {{200, "malformed"}};   // 1 repair, ok
    s["item-005"] = {{200, "malformed"}, {200, "invalid"}, {200, "malformed"}};  // failed
    s["item-006"] = {{400}};                                                     // failed, no retry
    s["item-007"] = {{400, "error", {{"x-should-retry", "true"}}}};              // retried, ok
    s["item-008"] = {{503, "error", {{"x-should-retry", "false"}}}};             // failed, no retry
    s["item-009"] = {{0, "", {}, "Connection reset by peer"}};                   // retried, ok
    s["item-010"] = {{408}, {409}, {429, "error", {{"retry-after-ms", "5"}}}};   // 3 retries, ok

    runner::Options options = quick_options(dir);
    auto result =
        runner::run_job(test_header(), items, provider, &transport, options, rejects_bad());
    const auto& sum = result.summary;
    CHECK(sum.stop == runner::Stop::kCompleted);
    REQUIRE(result.records.size() == 12);
    auto status = [&](const char* id) { return result.records.at(id).status; };
    CHECK(status("item-000") == "ok");
    CHECK(status("item-001") == "ok");
    CHECK(status("item-002") == "refused");
    CHECK(status("item-003") == "failed");
    CHECK(result.records.at("item-003").error == "truncated: max_tokens");
    CHECK(status("item-004") == "ok");
    CHECK(status("item-005") == "failed");
    CHECK(status("item-006") == "failed");
    CHECK(status("item-007") == "ok");
    CHECK(status("item-008") == "failed");
    CHECK(status("item-009") == "ok");
    CHECK(status("item-010") == "ok");
    CHECK(status("item-011") == "ok");
    CHECK(sum.ok == 7);
    CHECK(sum.refused == 1);
    CHECK(sum.failed == 4);
    CHECK(sum.not_run == 0);
    CHECK(sum.retries == 2 + 1 + 1 + 3);
    CHECK(sum.repairs == 1 + 2);
    CHECK(sum.requests == static_cast<std::int64_t>(transport.started.size()));
    CHECK(runner::exit_code(sum) == 3);

    auto n = sends(transport);
    CHECK(n["item-000"] == 1);
    CHECK(n["item-001"] == 3);
    CHECK(n["item-005"] == 3);  // first ask + 2 repairs
    CHECK(n["item-006"] == 1);
    CHECK(n["item-008"] == 1);
    CHECK(n["item-010"] == 4);
    CHECK(result.records.at("item-001").attempts == 3);
    CHECK(result.records.at("item-004").repairs == 1);
    CHECK(result.records.at("item-010").request_id == "req_item-010");

    // Cost: every answer with usage is paid for, repairs included.
    auto price = pricing::Table::builtin().find(provider.model());
    REQUIRE(price);
    llm::Usage one;
    one.input_tokens = 1000;
    one.output_tokens = 100;
    std::size_t answered = 0;
    for (const auto& rec : result.records) answered += rec.second.usage.input_tokens / 1000;
    CHECK(answered == 12 - 2 + 3);  // 400s gave no usage; item-004 +1, item-005 +2
    CHECK(sum.cost == Approx(pricing::cost(*price, one, false) * answered));

    // The journal holds the same records.
    journal::Journal j(options.journal_path, test_header(), false);
    CHECK(j.records().size() == 12);
    CHECK(j.records().at("item-002").status == "refused");
}

TEST_CASE("run_job records an item failed when its retries are spent, others complete",
          "[runner]") {
    std::string dir = synthmod::test::temp_dir("runner");
    FakeProvider provider;
    ScriptedTransport transport;
    transport.script["item-001"] = {{529}, {529}, {529}, {529}};
    runner::Options options = quick_options(dir);
    options.max_retries = 3;
    auto result = runner::run_job(test_header(), make_items(4), provider, &transport, options, {});
    CHECK(result.summary.ok == 3);
    CHECK(result.summary.failed == 1);
    const auto& rec = result.records.at("item-001");
    CHECK(rec.status == "failed");
    CHECK(rec.attempts == 4);
    CHECK(rec.error.find("HTTP 529") != std::string::npos);
    CHECK(rec.error.find("3 retries") != std::string::npos);
    CHECK(runner::exit_code(result.summary) == 3);
}

TEST_CASE("run_job stops at once on 401 and reports the provider's message", "[runner]") {
    std::string dir = synthmod::test::temp_dir("runner");
    FakeProvider provider;
    ScriptedTransport transport;
    transport.script["item-002"] = {{401}};
    runner::Options options = quick_options(dir);
    options.concurrency = 1;
    auto result = runner::run_job(test_header(), make_items(10), provider, &transport, options, {});
    CHECK(result.summary.stop == runner::Stop::kFatal);
    CHECK(result.summary.fatal_message.find("HTTP 401") != std::string::npos);
    CHECK(transport.started.size() == 3);  // nothing dispatched after the 401
    CHECK(result.records.size() == 2);     // the 401 item is not journalled as failed
    CHECK(result.summary.not_run == 8);
    CHECK(runner::exit_code(result.summary) == 3);
}

TEST_CASE("run_job stops before the budget is passed and a larger budget finishes the job",
          "[runner]") {
    std::string dir = synthmod::test::temp_dir("runner");
    FakeProvider provider;
    auto price = pricing::Table::builtin().find(provider.model());
    REQUIRE(price);
    llm::Usage one;
    one.input_tokens = 1000;
    one.output_tokens = 100;
    double per_item = pricing::cost(*price, one, false);
    auto items = make_items(20, 4000);  // ~1000 input tokens estimated, 100 output

    ScriptedTransport first;
    runner::Options options = quick_options(dir);
    options.concurrency = 3;
    options.max_cost = per_item * 5.5;
    auto r1 = runner::run_job(test_header(), items, provider, &first, options, {});
    CHECK(r1.summary.stop == runner::Stop::kBudget);
    CHECK(runner::exit_code(r1.summary) == 4);
    CHECK(r1.summary.cost <= *options.max_cost);
    CHECK(r1.summary.ok >= 3);
    CHECK(r1.summary.ok <= 5);
    CHECK(r1.records.size() == r1.summary.ok);
    CHECK(first.started.size() == r1.summary.ok);  // in-flight ones finished and were kept

    ScriptedTransport second;
    options.max_cost = 1.0;
    auto r2 = runner::run_job(test_header(), items, provider, &second, options, {});
    CHECK(r2.summary.stop == runner::Stop::kCompleted);
    CHECK(r2.summary.ok == 20);
    CHECK(r2.summary.resumed == r1.summary.ok);
    std::set<std::string> all(first.started.begin(), first.started.end());
    for (const auto& id : second.started) CHECK(all.insert(id).second);  // nothing sent twice
    CHECK(all.size() == 20);
}

TEST_CASE("run_job halves its in-flight cap on 429", "[runner]") {
    std::string dir = synthmod::test::temp_dir("runner");
    FakeProvider provider;
    ScriptedTransport transport;
    transport.script["item-000"] = {{429, "error", {{"retry-after-ms", "1"}}}};
    runner::Options options = quick_options(dir);
    options.concurrency = 8;
    options.overload_cooldown_s = 30;  // no growth back during the test
    auto result = runner::run_job(test_header(), make_items(40), provider, &transport, options, {});
    CHECK(result.summary.ok == 40);
    REQUIRE(transport.first_overload_start != SIZE_MAX);
    std::size_t before = 0, after = 0;
    for (std::size_t i = 0; i < transport.in_flight_at.size(); ++i) {
        if (i < transport.first_overload_start)
            before = std::max(before, transport.in_flight_at[i]);
        else
            after = std::max(after, transport.in_flight_at[i]);
    }
    CHECK(before == 8);
    CHECK(after == 4);
}

TEST_CASE("run_job waits for an exhausted rate limit to reset", "[runner]") {
    std::string dir = synthmod::test::temp_dir("runner");
    FakeProvider provider;
    ScriptedTransport transport;
    std::time_t reset = std::time(nullptr) + 2;  // whole seconds: 1 to 2 s from now
    transport.script["item-000"] = {{200,
                                     "ok",
                                     {{"anthropic-ratelimit-requests-remaining", "0"},
                                      {"anthropic-ratelimit-requests-reset", rfc3339(reset)}}}};
    runner::Options options = quick_options(dir);
    options.concurrency = 1;
    auto result = runner::run_job(test_header(), make_items(2), provider, &transport, options, {});
    CHECK(result.summary.ok == 2);
    REQUIRE(transport.start_times.size() == 2);
    CHECK(transport.start_times[1] - transport.start_times[0] >= 0.9);
}

TEST_CASE("run_job stops on request, gives in-flight a grace, cancels the rest", "[runner]") {
    std::string dir = synthmod::test::temp_dir("runner");
    FakeProvider provider;
    ScriptedTransport transport;
    runner::Options options = quick_options(dir);
    options.concurrency = 2;
    options.grace_s = 0.05;

    SECTION("in-flight answers arrive within the grace and are kept") {
        options.stop_requested = [&] { return transport.started.size() >= 5; };
        auto result =
            runner::run_job(test_header(), make_items(20), provider, &transport, options, {});
        CHECK(result.summary.stop == runner::Stop::kInterrupted);
        CHECK(runner::exit_code(result.summary) == 130);
        CHECK(transport.started.size() <= 6);
        CHECK(result.records.size() == transport.started.size());
        CHECK(result.summary.not_run == 20 - transport.started.size());
        CHECK(transport.cancels == 0);
    }
    SECTION("answers that do not come in time are cancelled") {
        transport.hold = true;
        options.stop_requested = [&] { return transport.started.size() >= 2; };
        auto result =
            runner::run_job(test_header(), make_items(20), provider, &transport, options, {});
        CHECK(result.summary.stop == runner::Stop::kInterrupted);
        CHECK(transport.cancels == 1);
        CHECK(result.records.empty());
        CHECK(result.summary.not_run == 20);
    }
    // Everything not finished is run by the next invocation.
    transport.hold = false;
    options.stop_requested = [] { return false; };
    ScriptedTransport second;
    auto again = runner::run_job(test_header(), make_items(20), provider, &second, options, {});
    CHECK(again.summary.ok == 20);
    CHECK(second.started.size() == 20 - again.summary.resumed);
}

TEST_CASE("run_job prints one summary line when stderr is not a terminal, redacts --verbose",
          "[runner]") {
    std::string dir = synthmod::test::temp_dir("runner");
    FakeProvider provider;
    ScriptedTransport transport;
    runner::Options options = quick_options(dir);
    options.quiet = false;

    SECTION("summary only") {
        StderrCapture capture;
        runner::run_job(test_header(), make_items(3), provider, &transport, options, {});
        std::string err = capture.text();
        CHECK(std::count(err.begin(), err.end(), '\n') == 1);
        CHECK(err.find("3 ok") != std::string::npos);
        CHECK(err.find('\r') == std::string::npos);
    }
    SECTION("verbose") {
        options.verbose = true;
        transport.script["item-001"] = {{500}};
        StderrCapture capture;
        runner::run_job(test_header(), make_items(3), provider, &transport, options, {});
        std::string err = capture.text();
        CHECK(err.find("-> POST") != std::string::npos);
        CHECK(err.find("<- 200") != std::string::npos);
        CHECK(err.find("retry 1 of item item-001 in ") != std::string::npos);
        CHECK(err.find(provider.secret) == std::string::npos);
        CHECK(err.find("[REDACTED]") != std::string::npos);
    }
    SECTION("quiet") {
        options.quiet = true;
        StderrCapture capture;
        runner::run_job(test_header(), make_items(3), provider, &transport, options, {});
        CHECK(capture.text().empty());
    }
    CHECK(synthmod::test::slurp(options.journal_path).find(provider.secret) == std::string::npos);
}

TEST_CASE("run_job: a model without a price is reported unknown, never free", "[runner]") {
    std::string dir = synthmod::test::temp_dir("runner");
    FakeProvider provider;
    provider.model_ = "no-such-model-xyz";
    ScriptedTransport transport;
    runner::Options options = quick_options(dir);
    StderrCapture capture;
    auto result = runner::run_job(test_header(), make_items(3), provider, &transport, options, {});
    std::string err = capture.text();
    CHECK_FALSE(result.summary.cost_known);
    CHECK_FALSE(result.records.at("item-000").cost_known);
    // One warning, not one per response.
    std::size_t first = err.find("no price");
    REQUIRE(first != std::string::npos);
    CHECK(err.find("no price", first + 1) == std::string::npos);

    options.max_cost = 1.0;  // a budget cannot be kept without a price
    CHECK_THROWS_AS(
        runner::run_job(test_header(), make_items(3), provider, &transport, options, {}),
        UsageError);
}

TEST_CASE("run_job stops on a real SIGINT and the next run finishes the job", "[runner]") {
    // The stop flag cannot be cleared once set, so the interrupted run happens in a child.
    std::string dir = synthmod::test::temp_dir("runner");
    runner::Options options = quick_options(dir);
    options.concurrency = 2;
    options.grace_s = 1.0;
    std::fflush(nullptr);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        signals::install();
        FakeProvider provider;
        ScriptedTransport transport;
        transport.on_start = [&] {
            if (transport.started.size() == 3) ::raise(SIGINT);
        };
        options.stop_requested = nullptr;  // the real flag
        auto result =
            runner::run_job(test_header(), make_items(20), provider, &transport, options, {});
        bool kept = result.records.size() == transport.started.size();
        ::_exit(kept ? runner::exit_code(result.summary) : 99);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 130);
    std::size_t journalled = 0;
    {
        journal::Journal j(options.journal_path, test_header(), false);
        journalled = j.records().size();
    }
    CHECK(journalled >= 3);
    CHECK(journalled <= 4);

    FakeProvider provider;
    ScriptedTransport transport;
    auto again = runner::run_job(test_header(), make_items(20), provider, &transport, options, {});
    CHECK(again.summary.ok == 20);
    CHECK(again.summary.resumed == journalled);
    CHECK(transport.started.size() == 20 - journalled);
}

TEST_CASE("projected_cost: spent / answered x planned, from the 50th answer on",
          "[runner][progress]") {
    CHECK_FALSE(runner::projected_cost(0.49, 49, 1000).has_value());
    REQUIRE(runner::projected_cost(0.5, 50, 1000).has_value());
    CHECK(*runner::projected_cost(0.5, 50, 1000) == Approx(10.0));  // $0.01 a row x 1000
    CHECK(*runner::projected_cost(0.75, 60, 200) == Approx(2.5));   // $0.0125 a row x 200
    CHECK(*runner::projected_cost(0.0, 80, 80) == 0.0);             // offline: nothing to pay
}
