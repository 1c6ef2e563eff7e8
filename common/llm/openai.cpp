#include "common/llm/openai.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <stdexcept>
#include <utility>
#include <vector>

#include "common/errors.h"
#include "common/llm/http_status.h"
#include "common/llm/json_util.h"

namespace synthmod::llm {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using json::excerpt;
using json::int_at;
using json::member;
using json::string_at;
using json::to_json;

}  // namespace

OpenAiProvider::OpenAiProvider(std::string model, std::string api_key, std::string base_url)
    : model_(std::move(model)), api_key_(std::move(api_key)) {
    while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
    bool has_v1 = base_url.size() >= 3 && base_url.compare(base_url.size() - 3, 3, "/v1") == 0;
    url_ = base_url + (has_v1 ? "" : "/v1") + "/chat/completions";
}

http::Request OpenAiProvider::build_request(const Prompt& p) const {
    rapidjson::Document schema;
    schema.Parse(p.schema_json.c_str(), p.schema_json.size());
    if (schema.HasParseError() || !schema.IsObject())
        throw std::logic_error("prompt schema_json is not a JSON object: " + p.schema_json.str());
    rapidjson::StringBuffer sb;
    Writer w(sb);
    w.StartObject();
    w.Key("model");
    w.String(model_);
    w.Key("messages");
    w.StartArray();
    if (!p.system.empty()) {
        w.StartObject();
        w.Key("role");
        w.String("system");
        w.Key("content");
        w.String(p.system);
        w.EndObject();
    }
    w.StartObject();
    w.Key("role");
    w.String("user");
    w.Key("content");
    w.String(p.user);
    w.EndObject();
    w.EndArray();
    w.Key("max_tokens");
    w.Int(p.max_tokens);
    if (p.temperature) {
        w.Key("temperature");
        w.Double(*p.temperature);
    }
    w.Key("response_format");
    w.StartObject();
    w.Key("type");
    w.String("json_schema");
    w.Key("json_schema");
    w.StartObject();
    w.Key("name");
    w.String(p.tool_name.empty() ? "answer" : p.tool_name);
    w.Key("schema");
    w.RawValue(p.schema_json.c_str(), p.schema_json.size(), rapidjson::kObjectType);
    w.Key("strict");
    w.Bool(true);
    w.EndObject();
    w.EndObject();
    w.EndObject();

    http::Request r;
    r.method = "POST";
    r.url = url_;
    r.headers = {{"content-type", "application/json"}};
    if (!api_key_.empty()) {  // a local server may want none
        r.headers.insert(r.headers.begin(), {"authorization", "Bearer " + api_key_});
        r.secret_headers = {"authorization"};
    }
    r.body.assign(sb.GetString(), sb.GetSize());
    return r;
}

Result OpenAiProvider::parse_response(const http::Response& response) const {
    Result r;
    r.http_status = response.status;
    if (auto id = response.header("x-request-id")) r.request_id = *id;
    auto add_id = [&] {
        if (!r.request_id.empty()) r.error += " (request-id " + r.request_id + ")";
    };
    if (!response.transport_error.empty()) {
        r.status = Status::kRetryable;
        r.error =
            (response.timed_out ? "timed out: " : "transport error: ") + response.transport_error;
        add_id();
        return r;
    }
    rapidjson::Document d;
    const bool json_ok =
        json::parse(d, response.body.c_str(), response.body.size()) && d.IsObject();
    if (response.status < 200 || response.status >= 300) {
        r.status = classify_http_status(response.status);
        r.overloaded = is_overload(response.status);
        // OpenAI: {"error":{"message","type"}}; vLLM and others: {"message","type",...} at the top.
        const rapidjson::Value* err = json_ok ? member(d, "error") : nullptr;
        const rapidjson::Value& src = err && err->IsObject() ? *err : d;
        std::string message = json_ok ? string_at(src, "message") : std::string();
        if (json_ok && err && err->IsString()) message = err->GetString();
        std::string type = json_ok ? string_at(src, "type") : std::string();
        r.error = std::to_string(response.status) + " " + (type.empty() ? "error" : type) + ": " +
                  (message.empty() ? excerpt(response.body) : printable(message));
        if (r.status == Status::kFatal)
            r.error += " -- " + fatal_hint(response.status, "OPENAI_API_KEY");
        add_id();
        return r;
    }
    if (!json_ok) {
        r.status = Status::kRetryable;
        r.error = std::to_string(response.status) + " response is not valid JSON";
        add_id();
        return r;
    }
    if (const auto* u = member(d, "usage"); u && u->IsObject()) {
        r.usage.input_tokens = int_at(*u, "prompt_tokens");
        r.usage.output_tokens = int_at(*u, "completion_tokens");
    }
    const auto* choices = member(d, "choices");
    if (!choices || !choices->IsArray() || choices->Empty()) {
        r.status = Status::kMalformed;
        r.error = "response has no choices";
        add_id();
        return r;
    }
    const auto& choice = (*choices)[0];
    r.stop_reason = string_at(choice, "finish_reason");
    const auto* message = member(choice, "message");
    const auto* refusal = message ? member(*message, "refusal") : nullptr;
    if (r.stop_reason == "content_filter" || (refusal && refusal->IsString())) {
        r.status = Status::kRefused;
        r.error = "the model refused" + (refusal && refusal->IsString()
                                             ? ": " + printable(refusal->GetString())
                                             : std::string(" (finish_reason content_filter)"));
        return r;
    }
    if (r.stop_reason == "length") {
        r.status = Status::kTruncated;
        r.error = "answer cut at max_tokens (finish_reason length); raise max_tokens";
        return r;
    }
    std::string content = message ? string_at(*message, "content") : std::string();
    rapidjson::Document answer;
    if (!json::parse(answer, content.c_str(), content.size()) || !answer.IsObject()) {
        r.status = Status::kMalformed;
        r.error = "message content is not a JSON object: " + excerpt(content);
        add_id();
        return r;
    }
    rapidjson::StringBuffer sb;
    Writer w(sb);
    answer.Accept(w);
    r.answer_json.assign(sb.GetString(), sb.GetSize());
    r.status = Status::kOk;
    return r;
}

}  // namespace synthmod::llm
