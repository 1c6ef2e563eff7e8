// Regression tests for what the sanitizer build and the fuzz targets (tests/fuzz/) found, and for
// the hostile-input limits the fuzzers cannot reach with their 8 KiB inputs. Tag: [fuzz].
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>

#include "common/errors.h"
#include "common/jsonl.h"
#include "common/llm/anthropic.h"
#include "common/llm/json_util.h"
#include "common/llm/openai.h"

using namespace synthmod::llm;
using synthmod::http::Response;

namespace {

const AnthropicProvider anthropic_tools("claude-haiku-4-5", "sk-ant-test", "http://127.0.0.1:1");
const AnthropicProvider anthropic_native("claude-haiku-4-5", "sk-ant-test", "http://127.0.0.1:1",
                                         true);
const OpenAiProvider openai("m", "sk-test", "http://127.0.0.1:1/v1");

Response response(long status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

/// `depth` nested arrays: [[[ ... ]]].
std::string nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

}  // namespace

// A response of a million nested arrays (a broken or hostile server) must be refused as bad JSON,
// not overflow the stack: RapidJSON's default parser recurses once per level.
TEST_CASE("provider parsers refuse deeply nested bodies without overflowing the stack", "[fuzz]") {
    const std::string deep = nested(1'000'000);
    for (const Provider* p :
         {static_cast<const Provider*>(&anthropic_tools), static_cast<const Provider*>(&openai)}) {
        Result ok = p->parse_response(response(200, deep));
        CHECK(ok.status == Status::kRetryable);
        Result err = p->parse_response(response(500, deep));
        CHECK(err.status == Status::kRetryable);
        CHECK(err.error.rfind("500 ", 0) == 0);
    }
    CHECK_THROWS_AS(anthropic_tools.parse_batch(response(200, deep)), synthmod::ProviderError);
    CHECK_THROWS_AS(anthropic_tools.parse_batch_result_line(deep), synthmod::ProviderError);
}

TEST_CASE("answers are parsed up to 512 levels deep, arrays and objects alike", "[fuzz]") {
    auto object = [](std::size_t depth) {
        std::string s;
        for (std::size_t i = 1; i < depth; ++i) s += R"({"a":)";
        s += "{}";
        return s + std::string(depth - 1, '}');
    };
    for (const auto& make : {std::function<std::string(std::size_t)>(nested),
                             std::function<std::string(std::size_t)>(object)}) {
        synthmod::llm::json::LocalDocument at_limit, past;
        std::string why;
        CHECK(at_limit.parse(make(512), &why));
        CHECK(why.empty());
        CHECK_FALSE(past.parse(make(513), &why));
        CHECK(why == "nesting deeper than 512");
        rapidjson::Document d;
        CHECK(synthmod::llm::json::parse(d, make(512).c_str(), make(512).size(), &why));
        CHECK_FALSE(synthmod::llm::json::parse(d, make(513).c_str(), make(513).size(), &why));
    }
}

// The body itself is nested too deeply when a tool_use input is (kRetryable, like any bad JSON);
// an answer in a text block or a chat message is a string, so only the answer is refused.
TEST_CASE("a deeply nested answer inside a valid response is malformed, not a crash", "[fuzz]") {
    const std::string deep = nested(1'000'000);
    const std::string tool_body =
        R"({"content":[{"type":"tool_use","id":"t","name":"answer","input":{"a":)" + deep +
        R"(}}],"stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":1}})";
    Result r = anthropic_tools.parse_response(response(200, tool_body));
    CHECK(r.status == Status::kRetryable);
    CHECK(r.error.find("nesting deeper than 512") != std::string::npos);
    // The answer as a JSON string inside the body: {\"a\":[[[...]]]}.
    const std::string text_answer = "{\\\"a\\\":" + deep + "}";
    const std::string native_body =
        R"({"content":[{"type":"text","text":")" + text_answer + R"("}],"stop_reason":"end_turn"})";
    Result n = anthropic_native.parse_response(response(200, native_body));
    CHECK(n.status == Status::kMalformed);
    const std::string chat_body =
        R"({"choices":[{"message":{"content":")" + text_answer + R"("},"finish_reason":"stop"}]})";
    Result c = openai.parse_response(response(200, chat_body));
    CHECK(c.status == Status::kMalformed);
    // 512 levels are still an answer.
    const std::string ok_answer = "{\\\"a\\\":" + nested(511) + "}";
    Result ok =
        openai.parse_response(response(200, R"({"choices":[{"message":{"content":")" + ok_answer +
                                                R"("},"finish_reason":"stop"}]})"));
    CHECK(ok.status == Status::kOk);
}

// fuzz_jsonl under clang's UBSan: with kParseFullPrecisionFlag RapidJSON 1.1.0 computed clz(0) on
// "0e308" (and, for other long numbers, read past its cached-powers table and shifted by negative
// counts). jsonl now converts number text itself; the values must be the correctly rounded ones,
// which the compiler's own literals give.
TEST_CASE("jsonl numbers: zero with a huge exponent and other hard cases read exactly", "[fuzz]") {
    struct Case {
        const char* text;
        double value;
    };
    const Case cases[] = {
        {"0e308", 0.0},
        {"0.000e-400", 0.0},
        {"-0e300", -0.0},
        {"1e-400", 0.0},
        {"2.2250738585072011e-308", 2.2250738585072011e-308},
        {"2.2250738585072012e-308", 2.2250738585072012e-308},
        {"4.9406564584124654e-324", 4.9406564584124654e-324},
        {"1.7976931348623157e308", 1.7976931348623157e308},
        {"9007199254740993", 9007199254740993.0},
        {"123456789012345678901234567890e-50", 123456789012345678901234567890e-50},
        {"0.1000000000000000055511151231257827021181583404541015625", 0.1},
        {"100000000000000000000000000000000000000000000000000000000000e-59", 1.0},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        const auto doc = synthmod::jsonl::parse(c.text, "n");
        REQUIRE(doc.IsNumber());
        CHECK(doc.GetDouble() == c.value);
        CHECK(std::signbit(doc.GetDouble()) == std::signbit(c.value));
    }
    // Integers keep RapidJSON's integer types; beyond 64 bits they become doubles.
    CHECK(synthmod::jsonl::parse("-9223372036854775808", "n").GetInt64() == INT64_MIN);
    CHECK(synthmod::jsonl::parse("18446744073709551615", "n").GetUint64() == UINT64_MAX);
    CHECK(synthmod::jsonl::parse("42", "n").IsInt());
    CHECK(synthmod::jsonl::parse("-0", "n").IsInt());
    CHECK(synthmod::jsonl::parse("18446744073709551616", "n").IsDouble());
    CHECK(synthmod::jsonl::to_line(synthmod::jsonl::parse("[1,-2,3.5,1e2]", "n")) ==
          "[1,-2,3.5,100.0]");
}
