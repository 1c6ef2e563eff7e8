// Tests of common/llm/openai (chat completions with a json_schema response_format).
#include "common/llm/openai.h"

#include <curl/curl.h>
#include <rapidjson/document.h>

#include <catch2/catch.hpp>

#include "common/llm/anthropic.h"
#include "common/llm/http.h"
#include "common/llm/http_status.h"
#include "tests/support/curl_ready.h"
#include "tests/support/fake_server.h"

using namespace synthmod::llm;
using synthmod::http::Response;

using synthmod::test::curl_ready;

namespace {

Prompt judge_prompt() {
    Prompt p;
    p.task = "judge";
    p.system = "Grade the post.";
    p.user = "Post: buy cheap pills";
    p.tool_name = "grade";
    p.schema_json =
        R"({"type":"object","properties":{"label":{"type":"string","enum":["Safe","Spam & Scams"]}},"required":["label"],"additionalProperties":false})";
    p.max_tokens = 200;
    return p;
}

Response response(long status, const std::string& body) {
    Response r;
    r.status = status;
    r.headers = {{"x-request-id", "req_o1"}};
    r.body = body;
    return r;
}

std::string completion(const std::string& message, const std::string& finish) {
    return R"({"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":)" +
           message + R"(,"finish_reason":")" + finish +
           R"("}],"usage":{"prompt_tokens":30,"completion_tokens":6,"total_tokens":36}})";
}

}  // namespace

TEST_CASE("openai request: URL, bearer header and exact body", "[openai]") {
    OpenAiProvider provider("llama-3-8b", "sk-o", "http://localhost:8000");
    auto req = provider.build_request(judge_prompt());
    CHECK(req.url == "http://localhost:8000/v1/chat/completions");
    CHECK(req.headers[0] ==
          std::make_pair(std::string("authorization"), std::string("Bearer sk-o")));
    CHECK(req.secret_headers == std::vector<std::string>{"authorization"});
    CHECK(
        req.body ==
        std::string(
            R"({"model":"llama-3-8b","messages":[{"role":"system","content":"Grade the post."},)"
            R"({"role":"user","content":"Post: buy cheap pills"}],"max_tokens":200,)"
            R"("response_format":{"type":"json_schema","json_schema":{"name":"grade","schema":)") +
            judge_prompt().schema_json.str() + R"(,"strict":true}}})");
    // The OpenAI SDKs' base URL convention (ending in /v1) is accepted as is.
    CHECK(OpenAiProvider("m", "k", "http://h/v1/").build_request(judge_prompt()).url ==
          "http://h/v1/chat/completions");
    Prompt t = judge_prompt();
    t.temperature = 0.0;
    rapidjson::Document d;
    d.Parse(provider.build_request(t).body.c_str());
    CHECK(d["temperature"].GetDouble() == 0.0);
}

TEST_CASE("openai response parsing", "[openai]") {
    OpenAiProvider provider("m", "k", "http://h");
    auto ok = provider.parse_response(response(
        200, completion(R"({"role":"assistant","content":"{\"label\": \"Safe\"}","refusal":null})",
                        "stop")));
    CHECK(ok.status == Status::kOk);
    CHECK(ok.answer_json == R"({"label":"Safe"})");
    CHECK(ok.usage.input_tokens == 30);
    CHECK(ok.usage.output_tokens == 6);

    auto len = provider.parse_response(
        response(200, completion(R"({"role":"assistant","content":"{\"lab"})", "length")));
    CHECK(len.status == Status::kTruncated);
    auto filtered = provider.parse_response(
        response(200, completion(R"({"role":"assistant","content":null})", "content_filter")));
    CHECK(filtered.status == Status::kRefused);
    auto refusal = provider.parse_response(response(
        200,
        completion(R"({"role":"assistant","content":null,"refusal":"I can't help"})", "stop")));
    CHECK(refusal.status == Status::kRefused);
    CHECK(refusal.error.find("I can't help") != std::string::npos);
    auto prose = provider.parse_response(
        response(200, completion(R"({"role":"assistant","content":"Sure! Here it is"})", "stop")));
    CHECK(prose.status == Status::kMalformed);
    CHECK(provider.parse_response(response(200, "{not json")).status == Status::kRetryable);
    CHECK(provider.parse_response(response(200, R"({"choices":[]})")).status == Status::kMalformed);
}

TEST_CASE("openai errors are classified like anthropic's", "[openai]") {
    OpenAiProvider provider("m", "k", "http://h");
    auto r401 = provider.parse_response(response(
        401,
        R"({"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})"));
    CHECK(r401.status == Status::kFatal);
    CHECK(r401.error.find("401 invalid_request_error: Incorrect API key provided") == 0);
    CHECK(r401.error.find("OPENAI_API_KEY") != std::string::npos);
    CHECK(r401.error.find("req_o1") != std::string::npos);
    auto r429 = provider.parse_response(
        response(429, R"({"error":{"message":"slow","type":"rate_limit_exceeded"}})"));
    CHECK(r429.status == Status::kRetryable);
    CHECK(r429.overloaded);
    // vLLM's shape: the fields at the top level.
    auto vllm = provider.parse_response(response(
        400,
        R"({"object":"error","message":"max_tokens too large","type":"BadRequestError","code":400})"));
    CHECK(vllm.status == Status::kFailed);
    CHECK(vllm.error.find("max_tokens too large") != std::string::npos);
    CHECK(provider.parse_response(response(500, "oops")).status == Status::kRetryable);
}

TEST_CASE("one status rule: both providers and should_retry agree on every HTTP status",
          "[openai][anthropic][runner]") {
    OpenAiProvider openai("m", "k", "http://h");
    AnthropicProvider anthropic("m", "k", "http://h");
    // The rule of DESIGN section 7, spelled out for the statuses it names.
    CHECK(classify_http_status(200) == Status::kOk);
    for (long s : {401L, 402L, 403L, 404L}) CHECK(classify_http_status(s) == Status::kFatal);
    for (long s : {408L, 409L, 429L, 500L, 502L, 503L, 529L, 599L})
        CHECK(classify_http_status(s) == Status::kRetryable);
    for (long s : {301L, 400L, 405L, 413L, 418L, 422L})
        CHECK(classify_http_status(s) == Status::kFailed);
    for (long s = 300; s < 600; ++s) {
        INFO("HTTP " << s);
        Response r = response(s, R"({"type":"error","error":{"type":"x","message":"y"}})");
        Status expected = classify_http_status(s);
        CHECK(openai.parse_response(r).status == expected);
        CHECK(anthropic.parse_response(r).status == expected);
        CHECK(openai.parse_response(r).overloaded == (s == 429 || s == 529));
        CHECK(anthropic.parse_response(r).overloaded == (s == 429 || s == 529));
        CHECK(should_retry(r) == (expected == Status::kRetryable));
    }
}

TEST_CASE("openai over HTTP against the fake server", "[openai]") {
    REQUIRE(curl_ready);
    synthmod::test::FakeServer server({"--require-key", "sk-o"});
    auto transport = synthmod::http::make_curl_transport({});
    OpenAiProvider provider("m", "sk-o", server.base_url());
    auto r = provider.parse_response(transport->perform(provider.build_request(judge_prompt())));
    INFO(r.error);
    REQUIRE(r.status == Status::kOk);
    rapidjson::Document d;
    d.Parse(r.answer_json.c_str());
    std::string label = d["label"].GetString();
    CHECK((label == "Safe" || label == "Spam & Scams"));
    server.control(R"({"script": "refusal,max_tokens,429"})");
    CHECK(provider.parse_response(transport->perform(provider.build_request(judge_prompt())))
              .status == Status::kRefused);
    CHECK(provider.parse_response(transport->perform(provider.build_request(judge_prompt())))
              .status == Status::kTruncated);
    CHECK(provider.parse_response(transport->perform(provider.build_request(judge_prompt())))
              .status == Status::kRetryable);
    OpenAiProvider wrong("m", "nope", server.base_url());
    CHECK(wrong.parse_response(transport->perform(wrong.build_request(judge_prompt()))).status ==
          Status::kFatal);
    auto log = server.log();
    REQUIRE(log.size() >= 1);
    CHECK(log[0].bearer_present);
    CHECK_FALSE(log[0].key_present);
}
