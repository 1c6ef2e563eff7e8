// Tests of common/http (the libcurl multi transport) over real HTTP against tests/fake_server.py.
#include "common/llm/http.h"

#include <curl/curl.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>

#include "tests/support/curl_ready.h"
#include "tests/support/fake_server.h"
#include "tests/support/stderr_capture.h"

using synthmod::http::Options;
using synthmod::http::Request;
using synthmod::http::Response;
using synthmod::test::FakeServer;
using synthmod::test::StderrCapture;

using synthmod::test::curl_ready;

namespace {

Request message_request(const std::string& base, const std::string& user) {
    Request r;
    r.method = "POST";
    r.url = base + "/v1/messages";
    r.headers = {{"x-api-key", "test-key"},
                 {"anthropic-version", "2023-06-01"},
                 {"content-type", "application/json"}};
    r.secret_headers = {"x-api-key"};
    r.body =
        R"({"model":"claude-haiku-4-5","max_tokens":100,"messages":[{"role":"user","content":")" +
        user +
        R"("}],"tools":[{"name":"answer","input_schema":{"type":"object","properties":{"n":{"type":"integer","minimum":1,"maximum":5}},"required":["n"]}}],"tool_choice":{"type":"tool","name":"answer"}})";
    return r;
}

int stat_of(const FakeServer& server, const char* key) {
    std::string raw = synthmod::test::raw_http(server.port(), "GET", "/_stats", "");
    rapidjson::Document d;
    d.Parse(raw.substr(raw.find("\r\n\r\n") + 4).c_str());
    return d[key].GetInt();
}

}  // namespace

TEST_CASE("fake server fixture starts, answers, logs and takes control settings", "[http]") {
    FakeServer server({"--require-key", "k1"});
    REQUIRE(server.port() > 0);
    auto raw = synthmod::test::raw_http(server.port(), "POST", "/v1/chat/completions",
                                        R"({"messages":[{"role":"user","content":"hi"}]})");
    CHECK(raw.compare(0, 12, "HTTP/1.1 401") == 0);  // no key
    server.control(R"({"script": "429"})");
    CHECK_THROWS(server.control(R"({"script": "no_such_fault"})"));
    auto log = server.log();
    REQUIRE(log.size() == 3);
    CHECK(log[0].path == "/v1/chat/completions");
    CHECK(log[0].status == 401);
    CHECK_FALSE(log[0].bearer_present);
    CHECK(log[2].status == 400);
    CHECK(server.count("/_control") == 2);
}

TEST_CASE("redact masks every occurrence of a secret", "[http]") {
    CHECK(synthmod::http::redact("key=abc; again abc", "abc") ==
          "key=[REDACTED]; again [REDACTED]");
    CHECK(synthmod::http::redact("nothing here", "") == "nothing here");
    Response r;
    r.headers = {{"request-id", "req_1"}, {"x", "1"}, {"x", "2"}};
    CHECK(r.header("x") == "1");
    CHECK_FALSE(r.header("missing").has_value());
}

TEST_CASE("response headers: lines kept whole, names lower-cased, copies independent", "[http]") {
    synthmod::http::Headers h;
    h.add_line("Request-ID: req_1\r\n", 10, 12, 5);
    h.add_line("Anthropic-RateLimit-Requests-Remaining:3999\r\n", 38, 39, 4);
    h.emplace_back("X", "Mixed");  // as given
    h.add_line("request-id:  req_2 \r\n", 10, 13, 5);
    REQUIRE(h.size() == 4);
    CHECK(h[0].first == "request-id");
    CHECK(h[0].second == "req_1");
    CHECK(h[1].first == "anthropic-ratelimit-requests-remaining");
    CHECK(h[1].second == "3999");
    CHECK(h[2].first == "X");
    CHECK(h[2].second == "Mixed");  // values keep their case
    Response r;
    r.headers = h;
    h.clear();  // the copy does not point into the original
    h.emplace_back("request-id", "overwritten");
    CHECK(r.header("request-id") == "req_1");
    CHECK(r.find_header("anthropic-ratelimit-requests-remaining") == "3999");
    CHECK_FALSE(r.find_header("x").has_value());
    std::vector<std::string> seen;
    for (const auto& [name, value] : r.headers)
        seen.push_back(std::string(name) + "=" + std::string(value));
    CHECK(seen == std::vector<std::string>{"request-id=req_1",
                                           "anthropic-ratelimit-requests-remaining=3999", "X=Mixed",
                                           "request-id=req_2"});
    r.headers.clear();
    CHECK(r.headers.empty());
    CHECK_FALSE(r.header("request-id").has_value());
}

TEST_CASE("curl transport: 200 responses over one kept-alive connection", "[http]") {
    REQUIRE(curl_ready);
    FakeServer server;
    auto transport = synthmod::http::make_curl_transport(Options{});
    int connections_before = stat_of(server, "connections");
    for (int i = 0; i < 5; ++i) {
        Response r =
            transport->perform(message_request(server.base_url(), "hello " + std::to_string(i)));
        INFO(r.transport_error << r.body);
        REQUIRE(r.transport_error.empty());
        CHECK(r.status == 200);
        CHECK(r.header("request-id").value_or("").rfind("req_", 0) == 0);
        CHECK(r.header("content-type") == "application/json");  // names lower-cased
        CHECK(r.header("anthropic-ratelimit-requests-remaining").has_value());
        CHECK(r.body.find("\"tool_use\"") != std::string::npos);
        CHECK(r.seconds > 0);
    }
    // 5 requests, one connection (plus the one /_stats query itself).
    CHECK(stat_of(server, "connections") - connections_before == 2);
    CHECK(server.count("/v1/messages", 200) == 5);
    for (const auto& e : server.log())
        if (e.path == "/v1/messages") CHECK(e.key_present);
}

TEST_CASE("curl transport: only the final response's headers are kept", "[http]") {
    REQUIRE(curl_ready);
    FakeServer server({"--script", "early_hints"});
    auto transport = synthmod::http::make_curl_transport(Options{});
    Response r = transport->perform(message_request(server.base_url(), "a"));
    CHECK(r.status == 200);
    CHECK_FALSE(r.header("link").has_value());  // from the 103 interim response
    CHECK(r.header("request-id").has_value());
    CHECK(server.log()[0].fault == "early_hints");
}

TEST_CASE("curl transport: header names are lower-cased, values trimmed", "[http]") {
    REQUIRE(curl_ready);
    FakeServer server({"--script", "mixed_case"});
    auto transport = synthmod::http::make_curl_transport(Options{});
    Response r = transport->perform(message_request(server.base_url(), "a"));
    REQUIRE(r.status == 200);
    CHECK(server.log()[0].fault == "mixed_case");
    CHECK(r.header("request-id").value_or("").rfind("req_", 0) == 0);  // sent as Request-Id
    CHECK(r.header("anthropic-ratelimit-requests-remaining").has_value());
    for (const auto& [name, value] : r.headers) {
        INFO(name);
        CHECK(name.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == std::string::npos);
        CHECK((value.empty() ||
               (value.front() != ' ' && value.back() != ' ' && value.back() != '\r')));
    }
}

TEST_CASE("curl transport: each request goes to its own URL, a bad one fails alone", "[http]") {
    // The transport hands libcurl each distinct URL parsed once (CURLOPT_CURLU) and reuses
    // easy handles: a handle last used for one URL must send the next request to that one's.
    REQUIRE(curl_ready);
    FakeServer server;
    auto transport = synthmod::http::make_curl_transport(Options{});
    const std::string base = server.base_url();
    Request get;
    get.method = "GET";
    get.url = base + "/v1/messages/batches/msgbatch_none?limit=1";
    get.headers = {{"x-api-key", "test-key"}, {"anthropic-version", "2023-06-01"}};
    for (int i = 0; i < 2; ++i) {
        CHECK(transport->perform(message_request(base, "a" + std::to_string(i))).status == 200);
        CHECK(transport->perform(get).status == 404);
    }
    Request other = message_request(base, "b");
    other.url = base + "/v1/chat/completions";
    CHECK(transport->perform(other).status != 404);
    Response bad = transport->perform(message_request("http://[::1", "c"));
    CHECK(bad.status == 0);
    CHECK(bad.transport_error.find("URL") != std::string::npos);
    CHECK(transport->perform(message_request(base, "d")).status == 200);
    std::vector<std::string> paths;
    for (const auto& e : server.log()) paths.push_back(e.method + " " + e.path);
    CHECK(paths ==
          std::vector<std::string>{"POST /v1/messages", "GET /v1/messages/batches/msgbatch_none",
                                   "POST /v1/messages", "GET /v1/messages/batches/msgbatch_none",
                                   "POST /v1/chat/completions", "POST /v1/messages"});
}

TEST_CASE("curl transport: error statuses keep their body and headers", "[http]") {
    REQUIRE(curl_ready);
    FakeServer server({"--script", "429,529", "--retry-after", "3"});
    auto transport = synthmod::http::make_curl_transport(Options{});
    Response a = transport->perform(message_request(server.base_url(), "a"));
    CHECK(a.transport_error.empty());
    CHECK(a.status == 429);
    CHECK(a.header("retry-after") == "3");
    CHECK(a.body.find("rate_limit_error") != std::string::npos);
    Response b = transport->perform(message_request(server.base_url(), "b"));
    CHECK(b.status == 529);
    CHECK(b.body.find("overloaded_error") != std::string::npos);
}

TEST_CASE("curl transport: dropped connection, truncated body, timeout, refused", "[http]") {
    REQUIRE(curl_ready);
    FakeServer server({"--slow-ms", "3000"});
    Options options;
    options.timeout_ms = 400;
    auto transport = synthmod::http::make_curl_transport(options);

    SECTION("dropped connection is a transport error without status") {
        server.control(R"({"script": "drop"})");
        Response r = transport->perform(message_request(server.base_url(), "x"));
        CHECK(r.status == 0);
        CHECK_FALSE(r.transport_error.empty());
        CHECK_FALSE(r.timed_out);
        // The transport recovers: the next request on a fresh connection succeeds.
        Response ok = transport->perform(message_request(server.base_url(), "y"));
        CHECK(ok.status == 200);
        CHECK(ok.transport_error.empty());
    }
    SECTION("truncated body is a transport error, not a short 200") {
        server.control(R"({"script": "truncate"})");
        Response r = transport->perform(message_request(server.base_url(), "x"));
        CHECK(r.status == 200);
        CHECK_FALSE(r.transport_error.empty());
        CHECK_FALSE(r.timed_out);
    }
    SECTION("slow response with a short timeout times out") {
        server.control(R"({"script": "slow"})");
        Response r = transport->perform(message_request(server.base_url(), "x"));
        CHECK(r.timed_out);
        CHECK_FALSE(r.transport_error.empty());
        CHECK(r.seconds < 2.0);
    }
    SECTION("connection refused") {
        std::string url = server.base_url();
        server.stop();
        Response r = transport->perform(message_request(url, "x"));
        CHECK(r.status == 0);
        CHECK(r.transport_error.find("onnect") != std::string::npos);
    }
}

TEST_CASE("curl transport: a request dropped on a reused connection is not resent by libcurl",
          "[http]") {
    // libcurl resends a request by itself when a reused connection dies before any answer; the
    // runner would never know (request count, retry limit, backoff, cost). The transport must
    // report the drop instead, so that exactly one request reaches the server per perform().
    REQUIRE(curl_ready);
    FakeServer server({"--script", "ok,drop"});
    auto transport = synthmod::http::make_curl_transport(Options{});
    Response first = transport->perform(message_request(server.base_url(), "first"));
    REQUIRE(first.status == 200);
    Response second = transport->perform(message_request(server.base_url(), "second"));
    CHECK(second.status == 0);
    CHECK(second.transport_error == "the connection closed before any response");
    CHECK(server.count("/v1/messages") == 2);
    Response third = transport->perform(message_request(server.base_url(), "third"));
    CHECK(third.status == 200);
    CHECK(server.count("/v1/messages") == 3);
}

TEST_CASE("curl transport: 100 requests at concurrency 20, each answered once", "[http]") {
    REQUIRE(curl_ready);
    FakeServer server({"--latency-ms", "20"});
    auto transport = synthmod::http::make_curl_transport(Options{});
    const int total = 100, concurrency = 20;
    int started = 0;
    std::size_t peak = 0;
    std::map<std::uint64_t, Response> done;
    while (static_cast<int>(done.size()) < total) {
        while (started < total && transport->in_flight() < static_cast<std::size_t>(concurrency)) {
            transport->start(static_cast<std::uint64_t>(started),
                             message_request(server.base_url(), "item " + std::to_string(started)));
            ++started;
        }
        peak = std::max(peak, transport->in_flight());
        for (auto& [tag, response] : transport->poll(1000)) {
            CHECK(done.count(tag) == 0);
            done.emplace(tag, std::move(response));
        }
    }
    CHECK(peak == static_cast<std::size_t>(concurrency));
    CHECK(transport->in_flight() == 0);
    for (const auto& [tag, r] : done) {
        CHECK(r.status == 200);
        CHECK(r.transport_error.empty());
    }
    auto log = server.log();
    std::set<std::string> prompts;
    for (const auto& e : log)
        if (e.path == "/v1/messages") prompts.insert(e.user_sha256);
    CHECK(server.count("/v1/messages") == static_cast<std::size_t>(total));
    CHECK(prompts.size() == static_cast<std::size_t>(total));
    // Connections were reused: at most one per concurrent transfer (+1 for the stats query).
    CHECK(stat_of(server, "connections") <= concurrency + 1);
}

TEST_CASE("curl transport: cancel_all discards transfers in flight", "[http]") {
    REQUIRE(curl_ready);
    FakeServer server({"--latency-ms", "2000"});
    auto transport = synthmod::http::make_curl_transport(Options{});
    transport->start(1, message_request(server.base_url(), "a"));
    transport->start(2, message_request(server.base_url(), "b"));
    transport->poll(50);
    CHECK(transport->in_flight() == 2);
    CHECK_THROWS_AS(transport->perform(message_request(server.base_url(), "c")), std::logic_error);
    transport->cancel_all();
    CHECK(transport->in_flight() == 0);
    CHECK(transport->poll(10).empty());
}

TEST_CASE("curl transport: verbose log shows method, URL and status, never a secret", "[http]") {
    REQUIRE(curl_ready);
    FakeServer server;
    Options options;
    options.verbose = true;
    auto transport = synthmod::http::make_curl_transport(options);
    Request r = message_request(server.base_url(), "x");
    r.headers[0].second = "sk-secret-123";
    r.url += "?echo=sk-secret-123";  // a secret that leaked into a URL is masked too
    StderrCapture capture;
    Response response = transport->perform(r);
    std::string err = capture.text();
    CHECK(response.status == 200);
    CHECK(err.find("POST http://127.0.0.1:") != std::string::npos);
    CHECK(err.find("-> 200") != std::string::npos);
    CHECK(err.find("[REDACTED]") != std::string::npos);
    CHECK(err.find("sk-secret-123") == std::string::npos);
}

TEST_CASE("fake server: --faults draws are deterministic per prompt and attempt", "[http]") {
    REQUIRE(curl_ready);
    auto statuses = [](const std::vector<std::string>& args) {
        FakeServer server(args);
        auto transport = synthmod::http::make_curl_transport(Options{});
        std::vector<long> out;
        for (int round = 0; round < 2; ++round)  // round 1 re-sends every prompt (a retry)
            for (int i = 0; i < 20; ++i)
                out.push_back(
                    transport->perform(message_request(server.base_url(), "p" + std::to_string(i)))
                        .status);
        auto log = server.log();
        REQUIRE(log.size() == 40);
        CHECK(log[25].attempt == 1);
        return out;
    };
    std::vector<std::string> args = {"--faults", "500,529", "--fault-rate", "0.5", "--seed", "7"};
    auto a = statuses(args);
    CHECK(a == statuses(args));
    CHECK(std::count(a.begin(), a.end(), 200) >= 8);
    CHECK(std::count(a.begin(), a.end(), 200) <= 32);
    CHECK(std::count(a.begin(), a.end(), 500) > 0);
    CHECK(std::count(a.begin(), a.end(), 529) > 0);
    // A retry gets a fresh draw: the two rounds differ somewhere.
    CHECK_FALSE(std::equal(a.begin(), a.begin() + 20, a.begin() + 20));
    args[5] = "8";
    CHECK(a != statuses(args));
}

namespace {

/// Sets (or, with nullptr, unsets) environment variables for one scope, restoring them after.
class ScopedEnv {
   public:
    ScopedEnv(std::initializer_list<std::pair<const char*, const char*>> vars) {
        for (const auto& [name, value] : vars) {
            const char* old = std::getenv(name);
            saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
            set(name, value);
        }
    }
    ~ScopedEnv() {
        for (const auto& [name, value] : saved_)
            set(name.c_str(), value ? value->c_str() : nullptr);
    }
    static void set(const char* name, const char* value) {
        if (value)
            ::setenv(name, value, 1);
        else
            ::unsetenv(name);
    }

   private:
    std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

/// Every proxy variable there is, unset by `ScopedEnv clean(kNoProxyVars)`.
const std::initializer_list<std::pair<const char*, const char*>> kNoProxyVars = {
    {"http_proxy", nullptr},  {"HTTP_PROXY", nullptr}, {"https_proxy", nullptr},
    {"HTTPS_PROXY", nullptr}, {"all_proxy", nullptr},  {"ALL_PROXY", nullptr},
    {"no_proxy", nullptr},    {"NO_PROXY", nullptr}};

}  // namespace

TEST_CASE("proxy environment: read as libcurl reads it", "[http]") {
    ScopedEnv clean(kNoProxyVars);
    using synthmod::http::read_proxy_environment;
    CHECK(read_proxy_environment().http_proxy.empty());
    CHECK(read_proxy_environment().https_proxy.empty());
    CHECK(read_proxy_environment().no_proxy.empty());
    {
        // HTTP_PROXY is never read; all_proxy serves both schemes; "" counts as unset.
        ScopedEnv env({{"HTTP_PROXY", "http://upper:1"},
                       {"ALL_PROXY", "http://all-upper:2"},
                       {"all_proxy", ""},
                       {"NO_PROXY", "a.example"}});
        auto e = read_proxy_environment();
        CHECK(e.http_proxy == "http://all-upper:2");
        CHECK(e.https_proxy == "http://all-upper:2");
        CHECK(e.no_proxy == "a.example");
    }
    {
        ScopedEnv env({{"http_proxy", "http://lower:1"},
                       {"HTTPS_PROXY", "http://secure-upper:3"},
                       {"all_proxy", "http://all:2"},
                       {"no_proxy", "b.example"},
                       {"NO_PROXY", "a.example"}});
        auto e = read_proxy_environment();
        CHECK(e.http_proxy == "http://lower:1");
        CHECK(e.https_proxy == "http://secure-upper:3");
        CHECK(e.no_proxy == "b.example");
        ScopedEnv lower({{"https_proxy", "http://secure:4"}});
        CHECK(read_proxy_environment().https_proxy == "http://secure:4");
    }
}

TEST_CASE("curl transport: the environment's proxy is used, read when the transport is made",
          "[http]") {
    REQUIRE(curl_ready);
    ScopedEnv clean(kNoProxyVars);
    FakeServer server;
    const std::string target = "http://proxied.invalid/v1/messages";
    auto through_proxy = [&] {
        int n = 0;
        for (const auto& e : server.log()) n += e.path == target;
        return n;
    };
    SECTION("http_proxy: the request goes to the proxy, in absolute form") {
        ScopedEnv env({{"http_proxy", server.base_url().c_str()}});
        auto transport = synthmod::http::make_curl_transport(Options{});
        // The environment changed afterwards does not change this transport's proxy.
        ScopedEnv later({{"http_proxy", nullptr}, {"no_proxy", "*"}});
        for (int i = 0; i < 2; ++i) {
            Response r = transport->perform(message_request("http://proxied.invalid", "x"));
            INFO(r.transport_error);
            CHECK(r.status == 404);  // the fake server is no proxy: it answers itself
        }
        CHECK(through_proxy() == 2);
    }
    SECTION("no_proxy naming the host bypasses the proxy") {
        ScopedEnv env({{"all_proxy", "http://127.0.0.1:1"}, {"no_proxy", "127.0.0.1"}});
        auto transport = synthmod::http::make_curl_transport(Options{});
        Response r = transport->perform(message_request(server.base_url(), "x"));
        INFO(r.transport_error);
        CHECK(r.status == 200);
        // Without no_proxy the same request goes to the (closed) proxy port.
        ScopedEnv proxied({{"no_proxy", nullptr}});
        auto proxied_transport = synthmod::http::make_curl_transport(Options{});
        Response refused = proxied_transport->perform(message_request(server.base_url(), "y"));
        CHECK(refused.status == 0);
        CHECK_FALSE(refused.transport_error.empty());
    }
    SECTION("an https URL takes https_proxy, not http_proxy") {
        ScopedEnv env(
            {{"http_proxy", "http://127.0.0.1:1"}, {"https_proxy", server.base_url().c_str()}});
        auto transport = synthmod::http::make_curl_transport(Options{});
        // Through an http proxy an https URL is tunnelled (CONNECT), which the fake server
        // refuses; that it got the CONNECT shows the https proxy was asked.
        Response r = transport->perform(message_request("https://proxied.invalid", "x"));
        CHECK_FALSE(r.transport_error.empty());
        bool connect = false;
        for (const auto& e : server.log()) connect = connect || e.method == "CONNECT";
        CHECK(connect);
    }
}

TEST_CASE("curl transport: start_moved sends the body it takes without a copy", "[http]") {
    REQUIRE(curl_ready);
    FakeServer server;
    auto transport = synthmod::http::make_curl_transport(Options{});
    for (int i = 0; i < 3; ++i) {
        Request request = message_request(server.base_url(), "moved " + std::to_string(i));
        const Request copy = request;
        transport->start_moved(static_cast<std::uint64_t>(i + 1), std::move(request));
        CHECK(request.body.empty());  // NOLINT(bugprone-use-after-move): the body was taken
        std::vector<std::pair<std::uint64_t, Response>> done;
        while (done.empty()) done = transport->poll(1000);
        REQUIRE(done.size() == 1);
        CHECK(done[0].first == static_cast<std::uint64_t>(i + 1));
        CHECK(done[0].second.status == 200);
        // The same request sent by start(): the server sees the same prompt (hashed, below).
        CHECK(transport->perform(copy).status == 200);
    }
    const auto log = server.log();
    std::map<std::string, int> by_prompt;
    for (const auto& e : log)
        if (e.path == "/v1/messages" && !e.user_sha256.empty()) ++by_prompt[e.user_sha256];
    CHECK(by_prompt.size() == 3);
    for (const auto& [sha, n] : by_prompt) CHECK(n == 2);  // the moved body and its copy alike
}
