// Tests of common/llm/anthropic: request building, response and error parsing, batches, and a
// round trip through the curl transport against tests/fake_server.py.
#include "common/llm/anthropic.h"

#include <curl/curl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <limits>
#include <optional>
#include <random>

#include "common/errors.h"
#include "common/llm/http.h"
#include "common/llm/json_util.h"
#include "tests/support/curl_ready.h"
#include "tests/support/fake_server.h"

using namespace synthmod::llm;
using synthmod::http::Response;

using synthmod::test::curl_ready;

namespace {

const char* kSchema =
    R"({"type":"object","properties":{"content":{"type":"string"},"label":{"type":"string","enum":["Safe","Spam & Scams"]},"realism":{"type":"integer","minimum":1,"maximum":5}},"required":["content","label","realism"]})";

Prompt sample_prompt() {
    Prompt p;
    p.task = "generate";
    p.system = "You write moderation data.";
    p.user = "Write a tweet by a \"nurse\"";
    p.tool_name = "post";
    p.schema_json = kSchema;
    p.max_tokens = 400;
    return p;
}

Response ok_response(const std::string& body) {
    Response r;
    r.status = 200;
    r.headers = {{"request-id", "req_abc"}, {"content-type", "application/json"}};
    r.body = body;
    return r;
}

Response error_response(long status, const std::string& type, const std::string& message) {
    Response r;
    r.status = status;
    r.headers = {{"request-id", "req_err1"}};
    r.body = R"({"type":"error","error":{"type":")" + type + R"(","message":")" + message +
             R"("},"request_id":"req_err1"})";
    return r;
}

const AnthropicProvider provider("claude-haiku-4-5", "sk-ant-test", "https://example.test/");

}  // namespace

TEST_CASE("anthropic request: URL, headers and exact body (forced tool use)", "[anthropic]") {
    auto req = provider.build_request(sample_prompt());
    CHECK(req.method == "POST");
    CHECK(req.url == "https://example.test/v1/messages");
    using H = std::vector<std::pair<std::string, std::string>>;
    CHECK(req.headers == H{{"x-api-key", "sk-ant-test"},
                           {"anthropic-version", "2023-06-01"},
                           {"content-type", "application/json"}});
    CHECK(req.secret_headers == std::vector<std::string>{"x-api-key"});
    CHECK(
        req.body ==
        std::string(
            R"({"model":"claude-haiku-4-5","max_tokens":400,)"
            R"("system":[{"type":"text","text":"You write moderation data.","cache_control":{"type":"ephemeral"}}],)"
            R"("messages":[{"role":"user","content":"Write a tweet by a \"nurse\""}],)"
            R"("tools":[{"name":"post","description":"Record the answer. Always answer by calling this tool.","input_schema":)") +
            kSchema + R"(}],"tool_choice":{"type":"tool","name":"post"}})");
    CHECK(req.body.find("temperature") == std::string::npos);
}

TEST_CASE("json::append_string writes the bytes rapidjson's Writer writes", "[anthropic]") {
    auto rapidjson_text = [](const std::string& s) {
        rapidjson::StringBuffer sb;
        rapidjson::Writer<rapidjson::StringBuffer> w(sb);
        w.String(s);
        return std::string(sb.GetString(), sb.GetSize());
    };
    auto ours = [](const std::string& s) {
        std::string out = "prefix,";
        json::append_string(out, s);
        return out.substr(7);
    };
    for (int b = 0; b < 256; ++b) {  // every byte alone, and between plain text
        const std::string one(1, static_cast<char>(b));
        CHECK(ours(one) == rapidjson_text(one));
        CHECK(ours("ab" + one + "cd" + one) == rapidjson_text("ab" + one + "cd" + one));
        for (std::size_t pos : {0, 1, 15, 16, 17, 31, 32, 39}) {  // in and across 16-byte steps
            std::string text(40, 'x');
            text[pos] = static_cast<char>(b);
            CHECK(ours(text) == rapidjson_text(text));
        }
    }
    CHECK(ours("") == "\"\"");
    CHECK(ours("say \"hi\"\\ \n\t\x01 caf\xc3\xa9") ==
          "\"say \\\"hi\\\"\\\\ \\n\\t\\u0001 caf\xc3\xa9\"");
    std::mt19937 rng(15);  // long mixed strings, as prompts with quotes, newlines and UTF-8
    const std::string alphabet = std::string("ab \"\\\n\r\t\x1f\x7f\xc3\xa9/", 13) + '\0';
    for (int n = 0; n < 200; ++n) {
        std::string s(rng() % 300, ' ');
        for (auto& c : s) c = alphabet[rng() % alphabet.size()];
        CHECK(ours(s) == rapidjson_text(s));
    }
}

TEST_CASE("json::write_name writes plain names where Writer::Key and String would", "[anthropic]") {
    rapidjson::StringBuffer sb;  // rapidjson's own text of {"a_b":"item","k-2":["x","y"]}
    rapidjson::Writer<rapidjson::StringBuffer> expected(sb);
    expected.StartObject();
    expected.Key("a_b");
    expected.String("item");
    expected.Key("k-2");
    expected.StartArray();
    expected.String("x");
    expected.String("y");
    expected.EndArray();
    expected.EndObject();
    std::string text;
    json::StringOut out{text};
    rapidjson::Writer<json::StringOut> w(out);
    w.StartObject();
    json::write_name(w, text, "a_b");
    json::write_name(w, text, "item");
    json::write_name(w, text, "k-2");
    w.StartArray();
    json::write_name(w, text, "x");
    json::write_name(w, text, "y");
    w.EndArray();
    w.EndObject();
    CHECK(w.IsComplete());
    CHECK(text == std::string(sb.GetString(), sb.GetSize()));
}

TEST_CASE("json::LocalDocument parses past its buffer", "[anthropic]") {
    std::string big = "[";
    for (int i = 0; i < 5000; ++i) big += (i ? ",\"" : "\"") + std::to_string(i) + "\"";
    big += "]";
    json::LocalDocument local;
    REQUIRE(json::parse(local.doc(), big.c_str(), big.size()));
    REQUIRE(local.doc().IsArray());
    CHECK(local.doc().Size() == 5000);
    CHECK(std::string(local.doc()[4999].GetString()) == "4999");
}

TEST_CASE("json::LocalDocument::parse reads a copy in place with json::parse's result",
          "[anthropic]") {
    // Every outcome, error text and offset as json::parse (rapidjson's Parse(text, size)),
    // including the byte-order-mark bytes it skips and a NUL byte, which ends the input; texts
    // with at most kMaxDepth '{' and '[' are read by the recursive parser first (a failure is
    // read again by the iterative one), texts with more by the iterative one alone.
    const std::string deep = std::string(600, '[') + std::string(600, ']');
    const std::vector<std::string> texts = {
        R"({"content":"say \"hi\"\n caf\u00e9 \ud83d\ude00","label":"Safe","n":[1,-2,3.5e3,null]})",
        "{\"a\":1}",
        "  [true, false]  ",
        "{\"a\":1} x",
        "{\"a\":\"x\ty\"}",
        "{\"a\":",
        "",
        "\xEF\xBB\xBF{\"a\":\"b\"}",
        "\xEF\xBB\xBF{\"a\":}",
        "\xEF{\"a\":1}",
        "\xBB{\"a\":1}",
        "\xEF\xBF{\"a\":1}",
        std::string("{\"a\":1}\0{", 10),
        std::string("{\"a\":\"x\0y\"}", 11),
        "{\"a\":\"\\u0000z\"}",
        "{\"a\":\"\\x\"}",
        "\"\xff\xfe\"",
        deep,
        std::string(100, '[') + std::string(100, ']'),
        std::string(512, '[') + std::string(512, ']'),
        std::string(300, '[') + std::string(299, ']'),
        std::string(300, '{') + "}",
        "[\"" + std::string(600, '[') + "\"]",
        "{\"a\":\"" + std::string(600, '{') + "\",}"};
    for (const auto& text : texts) {
        INFO(text);
        rapidjson::Document expected;
        std::string expected_why;
        const bool expected_ok = json::parse(expected, text.data(), text.size(), &expected_why);
        json::LocalDocument local;
        std::string why;
        CHECK(local.parse(text, &why) == expected_ok);
        CHECK(why == expected_why);
        if (expected_ok) CHECK(json::to_json(local.doc()) == json::to_json(expected));

        rapidjson::Document plain;  // parse_plain: rapidjson's recursive parser, any flags
        plain.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
        json::LocalDocument copy;
        copy.parse_plain<rapidjson::kParseValidateEncodingFlag>(text);
        CHECK(copy.doc().HasParseError() == plain.HasParseError());
        CHECK(copy.doc().GetParseError() == plain.GetParseError());
        if (!plain.HasParseError()) CHECK(json::to_json(copy.doc()) == json::to_json(plain));
    }
}

TEST_CASE("json::to_json writes what rapidjson's Writer writes", "[anthropic]") {
    auto writer_text = [](const rapidjson::Value& v) {
        rapidjson::StringBuffer sb;
        rapidjson::Writer<rapidjson::StringBuffer> w(sb);
        v.Accept(w);
        return std::string(sb.GetString(), sb.GetSize());
    };
    const std::vector<std::string> texts = {
        R"({"content":"a \"quoted\"\\ post\n\ttabbed \u0001 caf\u00e9 \ud83d\ude00 / <b>",)"
        R"("label":"Safe","k\"ey":{"":[],"e":{}},"n":[0,-1,2147483647,2147483648,4294967295,)"
        R"(4294967296,-2147483649,9223372036854775807,18446744073709551615,-9223372036854775808,)"
        R"(1.5,-0.0,1e300,2.2250738585072014e-308,0.1,123456789.125],"t":true,"f":false,"z":null})",
        "[]",
        "{}",
        "\"\"",
        "[[[[\"deep\"]]]]",
        "-0",
        "3.0"};
    for (const auto& text : texts) {
        INFO(text);
        rapidjson::Document d;
        REQUIRE(json::parse(d, text.data(), text.size()));
        CHECK(json::to_json(d) == writer_text(d));
    }
    rapidjson::Document d;  // a NaN the writer refuses: both stop there
    d.SetArray();
    d.PushBack(1, d.GetAllocator());
    d.PushBack(std::numeric_limits<double>::quiet_NaN(), d.GetAllocator());
    d.PushBack(2, d.GetAllocator());
    CHECK(json::to_json(d) == writer_text(d));
}

TEST_CASE("anthropic request: one cache breakpoint, at the end of tools + system", "[anthropic]") {
    auto count = [](const std::string& body) {
        std::size_t n = 0;
        for (auto at = body.find("cache_control"); at != std::string::npos;
             at = body.find("cache_control", at + 1))
            ++n;
        return n;
    };
    Prompt p = sample_prompt();
    CHECK(count(provider.build_request(p).body) == 1);  // on the system block (exact body above)
    p.system.clear();                                   // no system: the tool ends the prefix
    auto req = provider.build_request(p);
    CHECK(count(req.body) == 1);
    rapidjson::Document d;
    d.Parse(req.body.c_str());
    REQUIRE_FALSE(d.HasParseError());
    CHECK(std::string(d["tools"][0]["cache_control"]["type"].GetString()) == "ephemeral");
}

TEST_CASE("anthropic request: the parts shared between requests follow each prompt's own",
          "[anthropic]") {
    // The system block and tools are serialised once per system prompt, schema and tool name;
    // prompts that alternate between several must each get their own, byte for byte what a
    // provider that never saw the others builds.
    auto fresh = [](const Prompt& p) {
        return AnthropicProvider("claude-haiku-4-5", "sk-ant-test", "https://example.test")
            .build_request(p)
            .body;
    };
    AnthropicProvider shared("claude-haiku-4-5", "sk-ant-test", "https://example.test");
    Prompt a = sample_prompt();
    Prompt b = sample_prompt();
    b.system = "Another system prompt, with \"quotes\" and a\nnewline.";
    Prompt c = sample_prompt();
    c.tool_name = "verdict";
    Prompt d = sample_prompt();
    d.schema_json = R"({"type":"object"})";
    Prompt e = sample_prompt();
    e.system.clear();
    for (int round = 0; round < 2; ++round) {
        for (const Prompt* p : {&a, &b, &c, &d, &e, &a}) {
            CAPTURE(round, p->system.str(), p->tool_name, p->schema_json.str());
            CHECK(shared.build_request(*p).body == fresh(*p));
        }
    }
    CHECK(fresh(a) != fresh(b));
    CHECK(fresh(a) != fresh(c));
    CHECK(fresh(a) != fresh(d));
    // A schema that is not an object is refused on every request, not only the first.
    Prompt bad = sample_prompt();
    bad.schema_json = "[1, 2]";
    CHECK_THROWS_AS(shared.build_request(bad), std::logic_error);
    CHECK_THROWS_AS(shared.build_request(bad), std::logic_error);
    CHECK(shared.build_request(a).body == fresh(a));
}

TEST_CASE("a shared text is the same object as its copies, not as an equal text", "[anthropic]") {
    const synthmod::llm::SharedText a = std::string(100, 'x');
    const synthmod::llm::SharedText copy = a;
    const synthmod::llm::SharedText equal = std::string(100, 'x');
    CHECK(a.same_object(copy));
    CHECK_FALSE(a.same_object(equal));
    CHECK(a == equal.str());
    CHECK(synthmod::llm::SharedText().same_object(synthmod::llm::SharedText()));
}

TEST_CASE("anthropic request: temperature when set, native structured output", "[anthropic]") {
    Prompt p = sample_prompt();
    p.temperature = 0.5;
    p.system.clear();
    AnthropicProvider native("claude-sonnet-4-5", "k", "http://127.0.0.1:9", true);
    auto req = native.build_request(p);
    rapidjson::Document d;
    d.Parse(req.body.c_str());
    REQUIRE_FALSE(d.HasParseError());
    CHECK(d["temperature"].GetDouble() == Approx(0.5));
    CHECK_FALSE(d.HasMember("system"));  // empty system prompt: no empty text block
    CHECK_FALSE(d.HasMember("tools"));
    CHECK_FALSE(d.HasMember("tool_choice"));
    CHECK(std::string(d["output_config"]["format"]["type"].GetString()) == "json_schema");
    CHECK(d["output_config"]["format"]["schema"]["required"].Size() == 3);

    p.schema_json = "not json";
    CHECK_THROWS_AS(native.build_request(p), std::logic_error);
}

TEST_CASE("anthropic response: tool_use answer, usage with cache tokens", "[anthropic]") {
    auto r = provider.parse_response(ok_response(R"({
      "id":"msg_01","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001",
      "content":[{"type":"thinking","thinking":"hmm","signature":"x"},
                 {"type":"some_future_block","data":1},
                 {"type":"tool_use","id":"toolu_1","name":"post","input":{"content":"hi","label":"Safe","realism":4}}],
      "stop_reason":"tool_use","stop_sequence":null,"unknown_field":{"a":1},
      "usage":{"input_tokens":472,"output_tokens":89,"cache_creation_input_tokens":12,
               "cache_read_input_tokens":300,"cache_creation":{"ephemeral_5m_input_tokens":12},
               "service_tier":"standard"}})"));
    CHECK(r.status == Status::kOk);
    CHECK(r.answer_json == R"({"content":"hi","label":"Safe","realism":4})");
    CHECK(r.usage.input_tokens == 472);
    CHECK(r.usage.output_tokens == 89);
    CHECK(r.usage.cache_creation_input_tokens == 12);
    CHECK(r.usage.cache_read_input_tokens == 300);
    CHECK(r.stop_reason == "tool_use");
    CHECK(r.request_id == "req_abc");
    CHECK(r.http_status == 200);
}

TEST_CASE("anthropic response: null cache fields, stop reasons", "[anthropic]") {
    const std::string usage =
        R"("usage":{"input_tokens":10,"output_tokens":5,"cache_creation_input_tokens":null,"cache_read_input_tokens":null})";
    SECTION("null cache fields read as 0; end_turn with a tool_use is ok") {
        auto r = provider.parse_response(ok_response(
            R"({"content":[{"type":"tool_use","id":"t","name":"post","input":{"a":1}}],"stop_reason":"end_turn",)" +
            usage + "}"));
        CHECK(r.status == Status::kOk);
        CHECK(r.usage.cache_creation_input_tokens == 0);
        CHECK(r.usage.cache_read_input_tokens == 0);
        CHECK(r.usage.input_tokens == 10);
    }
    SECTION("a null stop_reason (compatible local servers) lets the answer decide") {
        auto r = provider.parse_response(ok_response(
            R"({"content":[{"type":"tool_use","id":"t","name":"post","input":{"a":1}}],"stop_reason":null,)" +
            usage + "}"));
        CHECK(r.status == Status::kOk);
    }
    SECTION("refusal") {
        auto r = provider.parse_response(ok_response(
            R"({"content":[{"type":"text","text":"I can't help with that."}],"stop_reason":"refusal",)" +
            usage + "}"));
        CHECK(r.status == Status::kRefused);
        CHECK(r.usage.output_tokens == 5);  // refusals are billed
    }
    SECTION("max_tokens") {
        auto r = provider.parse_response(ok_response(
            R"({"content":[{"type":"text","text":"Let me"}],"stop_reason":"max_tokens",)" + usage +
            "}"));
        CHECK(r.status == Status::kTruncated);
        CHECK(r.error.find("max_tokens") != std::string::npos);
    }
    SECTION("tool_use without an input object is malformed") {
        auto r = provider.parse_response(
            ok_response(R"({"content":[{"type":"text","text":"sure"}],"stop_reason":"end_turn",)" +
                        usage + "}"));
        CHECK(r.status == Status::kMalformed);
        CHECK(r.error.find("req_abc") != std::string::npos);
    }
    SECTION("pause_turn and model_context_window_exceeded fail with a clear message") {
        auto r = provider.parse_response(ok_response(
            R"({"content":[],"stop_reason":"model_context_window_exceeded",)" + usage + "}"));
        CHECK(r.status == Status::kFailed);
        CHECK(r.error.find("context window") != std::string::npos);
        auto p = provider.parse_response(
            ok_response(R"({"content":[],"stop_reason":"pause_turn",)" + usage + "}"));
        CHECK(p.status == Status::kFailed);
        CHECK(p.error.find("pause_turn") != std::string::npos);
    }
    SECTION("a 200 that is not JSON is retryable (corruption on the way)") {
        auto r =
            provider.parse_response(ok_response(R"({"id":"msg_broken","content":[{"type":"te)"));
        CHECK(r.status == Status::kRetryable);
        CHECK(r.error.find("not valid JSON") != std::string::npos);
    }
}

TEST_CASE("anthropic response: native structured output reads the JSON text block", "[anthropic]") {
    AnthropicProvider native("claude-sonnet-4-5", "k", "http://x", true);
    auto ok = native.parse_response(ok_response(
        R"({"content":[{"type":"text","text":"{\"label\": \"Safe\"}"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":2}})"));
    CHECK(ok.status == Status::kOk);
    CHECK(ok.answer_json == R"({"label":"Safe"})");
    auto bad = native.parse_response(ok_response(
        R"({"content":[{"type":"text","text":"{\"label\": "}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":2}})"));
    CHECK(bad.status == Status::kMalformed);
}

TEST_CASE("anthropic errors: body, request-id and classification", "[anthropic]") {
    auto r429 = provider.parse_response(error_response(429, "rate_limit_error", "slow down"));
    CHECK(r429.status == Status::kRetryable);
    CHECK(r429.overloaded);
    CHECK(r429.error == "429 rate_limit_error: slow down (request-id req_err1)");
    CHECK(r429.request_id == "req_err1");

    auto r529 = provider.parse_response(error_response(529, "overloaded_error", "Overloaded"));
    CHECK(r529.status == Status::kRetryable);
    CHECK(r529.overloaded);
    for (long s : {408L, 409L, 500L, 503L, 504L}) {
        auto r = provider.parse_response(error_response(s, "api_error", "x"));
        CHECK(r.status == Status::kRetryable);
        CHECK_FALSE(r.overloaded);
    }
    auto r401 =
        provider.parse_response(error_response(401, "authentication_error", "invalid x-api-key"));
    CHECK(r401.status == Status::kFatal);
    CHECK(r401.error.find("ANTHROPIC_API_KEY") != std::string::npos);
    CHECK(provider.parse_response(error_response(403, "permission_error", "no")).status ==
          Status::kFatal);
    auto r404 = provider.parse_response(error_response(404, "not_found_error", "model: claude-x"));
    CHECK(r404.status == Status::kFatal);
    CHECK(r404.error.find("model name") != std::string::npos);
    CHECK(provider.parse_response(error_response(400, "invalid_request_error", "bad")).status ==
          Status::kFailed);
    CHECK(provider.parse_response(error_response(413, "request_too_large", "big")).status ==
          Status::kFailed);

    SECTION("request id from the body when the header is missing; non-JSON error bodies") {
        Response r = error_response(500, "api_error", "boom");
        r.headers.clear();
        auto res = provider.parse_response(r);
        CHECK(res.request_id == "req_err1");
        Response html;
        html.status = 502;
        html.body = "<html>Bad gateway</html>";
        auto h = provider.parse_response(html);
        CHECK(h.status == Status::kRetryable);
        CHECK(h.error.find("502") != std::string::npos);
        CHECK(h.error.find("Bad gateway") != std::string::npos);
    }
    SECTION("transport errors are retryable") {
        Response t;
        t.transport_error = "Couldn't connect to server";
        CHECK(provider.parse_response(t).status == Status::kRetryable);
        t.timed_out = true;
        CHECK(provider.parse_response(t).error.find("timed out") != std::string::npos);
    }
}

TEST_CASE("anthropic batches: create, get, results, result lines", "[anthropic]") {
    Prompt a = sample_prompt(), b = sample_prompt();
    b.user = "other";
    auto create = provider.build_batch_create({{"item-1", &a}, {"item-2", &b}});
    CHECK(create.url == "https://example.test/v1/messages/batches");
    CHECK(create.method == "POST");
    rapidjson::Document d;
    d.Parse(create.body.c_str());
    REQUIRE(d["requests"].Size() == 2);
    CHECK(std::string(d["requests"][1]["custom_id"].GetString()) == "item-2");
    CHECK(std::string(d["requests"][1]["params"]["messages"][0]["content"].GetString()) == "other");
    // A batch request's params are exactly the body of the single request.
    rapidjson::Document single;
    single.Parse(provider.build_request(a).body.c_str());
    CHECK(d["requests"][0]["params"] == single);

    auto get = provider.build_batch_get("msgbatch_1");
    CHECK(get.method == "GET");
    CHECK(get.url == "https://example.test/v1/messages/batches/msgbatch_1");
    CHECK(get.headers[0].first == "x-api-key");

    auto info = provider.parse_batch(ok_response(
        R"({"id":"msgbatch_1","type":"message_batch","processing_status":"ended","request_counts":{"processing":0,"succeeded":5,"errored":1,"canceled":0,"expired":2},"results_url":"https://example.test/v1/messages/batches/msgbatch_1/results"})"));
    CHECK(info.id == "msgbatch_1");
    CHECK(info.processing_status == "ended");
    CHECK(info.succeeded == 5);
    CHECK(info.errored == 1);
    CHECK(info.expired == 2);
    auto results = provider.build_batch_results(info);
    CHECK(results.url == info.results_url);
    CHECK(results.method == "GET");
    CHECK(results.secret_headers == std::vector<std::string>{"x-api-key"});
    info.results_url.clear();
    CHECK_THROWS_AS(provider.build_batch_results(info), std::logic_error);
    CHECK_THROWS_AS(provider.parse_batch(error_response(404, "not_found_error", "no batch")),
                    synthmod::ProviderError);

    auto ok = provider.parse_batch_result_line(
        R"({"custom_id":"item-1","result":{"type":"succeeded","message":{"id":"msg_1","content":[{"type":"tool_use","id":"t","name":"post","input":{"label":"Safe"}}],"stop_reason":"tool_use","usage":{"input_tokens":7,"output_tokens":3,"cache_creation_input_tokens":null,"service_tier":"batch"}}}})");
    CHECK(ok.custom_id == "item-1");
    CHECK(ok.type == "succeeded");
    CHECK(ok.result.status == Status::kOk);
    CHECK(ok.result.answer_json == R"({"label":"Safe"})");
    CHECK(ok.result.usage.input_tokens == 7);

    auto err = provider.parse_batch_result_line(
        R"({"custom_id":"item-2","result":{"type":"errored","error":{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: too big","details":{"error_visibility":"user"}},"request_id":null}}})");
    CHECK(err.type == "errored");
    CHECK(err.result.status == Status::kFailed);
    CHECK(err.result.error.find("invalid_request_error: max_tokens: too big") != std::string::npos);
    auto overloaded = provider.parse_batch_result_line(
        R"({"custom_id":"x","result":{"type":"errored","error":{"type":"error","error":{"type":"overloaded_error","message":"o"}}}})");
    CHECK(overloaded.result.status == Status::kRetryable);
    auto expired =
        provider.parse_batch_result_line(R"({"custom_id":"item-3","result":{"type":"expired"}})");
    CHECK(expired.type == "expired");
    CHECK(expired.result.status == Status::kRetryable);
    auto canceled =
        provider.parse_batch_result_line(R"({"custom_id":"item-4","result":{"type":"canceled"}})");
    CHECK(canceled.type == "canceled");
    CHECK_THROWS_AS(provider.parse_batch_result_line("{\"custom_id\":"), synthmod::ProviderError);
}

TEST_CASE("anthropic over HTTP: the fake server's answers satisfy the schema", "[anthropic]") {
    REQUIRE(curl_ready);
    synthmod::test::FakeServer server({"--require-key", "sk-ant-test"});
    auto transport = synthmod::http::make_curl_transport({});
    AnthropicProvider live("claude-haiku-4-5", "sk-ant-test", server.base_url());
    Prompt p = sample_prompt();
    auto r = live.parse_response(transport->perform(live.build_request(p)));
    INFO(r.error);
    REQUIRE(r.status == Status::kOk);
    rapidjson::Document answer;
    answer.Parse(r.answer_json.c_str());
    std::string label = answer["label"].GetString();
    CHECK((label == "Safe" || label == "Spam & Scams"));
    CHECK(answer["realism"].GetInt() >= 1);
    CHECK(answer["realism"].GetInt() <= 5);
    CHECK(answer["content"].GetStringLength() > 0);
    CHECK(r.usage.input_tokens > 0);
    // A prefix below claude-haiku-4-5's minimum (4,096 tokens) is sent uncached, silently.
    CHECK(r.usage.cache_creation_input_tokens == 0);
    CHECK(r.usage.cache_read_input_tokens == 0);
    CHECK(r.request_id.rfind("req_", 0) == 0);

    // Different prompts give different texts; the same prompt the same text.
    Prompt q = p;
    q.user = "Write a product review by a retired pilot";
    auto r2 = live.parse_response(transport->perform(live.build_request(q)));
    auto r3 = live.parse_response(transport->perform(live.build_request(p)));
    CHECK(r2.answer_json != r.answer_json);
    CHECK(r3.answer_json == r.answer_json);
    CHECK(r3.usage.cache_read_input_tokens == 0);

    // A prefix (tools + system) that reaches the minimum: the first request writes it, the next
    // reads it; input_tokens keeps only what follows the breakpoint.
    Prompt big = p;
    big.system = std::string(4096 * 4, 's');
    auto w = live.parse_response(transport->perform(live.build_request(big)));
    auto rd = live.parse_response(transport->perform(live.build_request(big)));
    const std::int64_t prefix = w.usage.cache_creation_input_tokens;
    CHECK(prefix >= 4096);
    CHECK(prefix < 4096 + 200);  // the system text and the tool definition
    CHECK(w.usage.cache_read_input_tokens == 0);
    CHECK(rd.usage.cache_creation_input_tokens == 0);
    CHECK(rd.usage.cache_read_input_tokens == prefix);
    CHECK(rd.usage.input_tokens == w.usage.input_tokens);
    CHECK(rd.usage.input_tokens < 100);

    server.control(R"({"script": "refusal,max_tokens,badjson,529"})");
    CHECK(live.parse_response(transport->perform(live.build_request(p))).status ==
          Status::kRefused);
    CHECK(live.parse_response(transport->perform(live.build_request(p))).status ==
          Status::kTruncated);
    CHECK(live.parse_response(transport->perform(live.build_request(p))).status ==
          Status::kRetryable);
    auto o = live.parse_response(transport->perform(live.build_request(p)));
    CHECK(o.status == Status::kRetryable);
    CHECK(o.overloaded);
    CHECK(o.error.rfind("529 overloaded_error", 0) == 0);

    AnthropicProvider wrong("claude-haiku-4-5", "another-key", server.base_url());
    auto denied = wrong.parse_response(transport->perform(wrong.build_request(p)));
    CHECK(denied.status == Status::kFatal);
    CHECK(denied.error.find("another-key") == std::string::npos);
    for (const auto& line : server.log_lines())
        CHECK(line.find("sk-ant-test") == std::string::npos);
}

TEST_CASE("anthropic over HTTP: a batch runs to its results", "[anthropic]") {
    REQUIRE(curl_ready);
    synthmod::test::FakeServer server({"--batch-polls", "2", "--batch-expired", "0.5"});
    auto transport = synthmod::http::make_curl_transport({});
    AnthropicProvider live("claude-haiku-4-5", "k", server.base_url());
    std::vector<Prompt> prompts(20, sample_prompt());
    std::vector<std::pair<std::string, const Prompt*>> reqs;
    for (std::size_t i = 0; i < prompts.size(); ++i) {
        prompts[i].user = "row " + std::to_string(i);
        reqs.emplace_back("row-" + std::to_string(i), &prompts[i]);
    }
    BatchInfo info = live.parse_batch(transport->perform(live.build_batch_create(reqs)));
    CHECK(info.processing_status == "in_progress");
    CHECK(info.processing == 20);
    int polls = 0;
    while (info.processing_status != "ended" && polls < 10) {
        info = live.parse_batch(transport->perform(live.build_batch_get(info.id)));
        ++polls;
    }
    CHECK(polls == 3);
    REQUIRE(info.results_url.rfind(server.base_url(), 0) == 0);
    Response body = transport->perform(live.build_batch_results(info));
    REQUIRE(body.status == 200);
    std::size_t lines = 0, succeeded = 0, expired = 0;
    std::size_t start = 0;
    while (start < body.body.size()) {
        std::size_t end = body.body.find('\n', start);
        auto line = live.parse_batch_result_line(body.body.substr(start, end - start));
        ++lines;
        if (line.type == "succeeded") {
            ++succeeded;
            CHECK(line.result.status == Status::kOk);
        }
        if (line.type == "expired") ++expired;
        start = end + 1;
    }
    CHECK(lines == 20);
    CHECK(succeeded == static_cast<std::size_t>(info.succeeded));
    CHECK(expired == static_cast<std::size_t>(info.expired));
    CHECK(expired > 0);
    auto creates = server.log();
    CHECK(creates[0].custom_ids.size() == 20);
}

namespace {

/// Sets (or unsets, with nullptr) an environment variable for one scope.
class ScopedEnv {
   public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value)
            ::setenv(name, value, 1);
        else
            ::unsetenv(name);
    }
    ~ScopedEnv() {
        if (old_)
            ::setenv(name_, old_->c_str(), 1);
        else
            ::unsetenv(name_);
    }

   private:
    const char* name_;
    std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("make_provider: keys and base URLs from the environment", "[anthropic]") {
    ScopedEnv key("ANTHROPIC_API_KEY", nullptr), url("ANTHROPIC_BASE_URL", nullptr);
    ScopedEnv okey("OPENAI_API_KEY", nullptr), ourl("OPENAI_BASE_URL", nullptr);
    ProviderConfig config{"anthropic", "claude-haiku-4-5", "", "", false};
    try {
        make_provider(config);
        FAIL("no UsageError without a key");
    } catch (const synthmod::UsageError& e) {
        CHECK(std::string(e.what()).find("set ANTHROPIC_API_KEY") == 0);
    }
    {
        ScopedEnv k("ANTHROPIC_API_KEY", "sk-env");
        auto p = make_provider(config);
        CHECK(p->name() == "anthropic");
        CHECK(p->model() == "claude-haiku-4-5");
        CHECK(p->remote());
        CHECK(p->supports_batches());
        auto req = p->build_request(sample_prompt());
        CHECK(req.url == "https://api.anthropic.com/v1/messages");
        CHECK(req.headers[0].second == "sk-env");
        ScopedEnv u("ANTHROPIC_BASE_URL", "http://127.0.0.1:9999/");
        CHECK(make_provider(config)->build_request(sample_prompt()).url ==
              "http://127.0.0.1:9999/v1/messages");
        ProviderConfig flag = config;  // --base-url wins over the environment
        flag.base_url = "http://localhost:1234";
        CHECK(make_provider(flag)->build_request(sample_prompt()).url ==
              "http://localhost:1234/v1/messages");
        flag.base_url = "localhost:1234";
        CHECK_THROWS_AS(make_provider(flag), synthmod::UsageError);
        ProviderConfig native = config;
        native.native_structured_output = true;
        CHECK(make_provider(native)->build_request(sample_prompt()).body.find("output_config") !=
              std::string::npos);
    }
    ProviderConfig openai{"openai", "llama", "", "", false};
    {  // no OPENAI_API_KEY: a local server that wants no key gets no Authorization header
        auto p = make_provider(openai);
        CHECK(p->name() == "openai");
        for (const auto& [name, value] : p->build_request(sample_prompt()).headers)
            CHECK(name != "authorization");
    }
    {
        ScopedEnv k("OPENAI_API_KEY", "sk-o");
        ScopedEnv u("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1");
        auto p = make_provider(openai);
        CHECK(p->name() == "openai");
        CHECK_FALSE(p->supports_batches());
        CHECK_THROWS_AS(p->build_batch_get("x"), std::logic_error);
        CHECK(p->build_request(sample_prompt()).url == "http://127.0.0.1:8000/v1/chat/completions");
    }
    ProviderConfig offline{"offline", "claude-haiku-4-5", "", "", false};
    auto off = make_provider(offline);  // no key needed
    CHECK(off->name() == "offline");
    CHECK(off->model() == "offline");
    CHECK_FALSE(off->remote());
    CHECK_THROWS_AS(make_provider(ProviderConfig{"gemini", "m", "", "", false}),
                    synthmod::UsageError);
}

TEST_CASE("Status names", "[anthropic]") {
    CHECK(std::string(to_string(Status::kOk)) == "ok");
    CHECK(std::string(to_string(Status::kRefused)) == "refused");
    CHECK(std::string(to_string(Status::kFatal)) == "fatal");
}
