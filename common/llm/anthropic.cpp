#include "common/llm/anthropic.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <memory>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

#include "common/errors.h"
#include "common/llm/http_status.h"
#include "common/llm/json_util.h"

namespace synthmod::llm {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

/// A request body is written in place, with no buffer to grow and copy out of.
using BodyOut = json::StringOut;
using BodyWriter = rapidjson::Writer<BodyOut>;

/// Writes already-serialised JSON `raw` as the next value of `w`, whose stream appends to
/// `text`: the writer puts the separator and checks the structure, the bytes are appended in one
/// go (RawValue itself copies them a byte at a time).
void splice(BodyWriter& w, std::string& text, const std::string& raw, rapidjson::Type type) {
    w.RawValue("", 0, type);
    text += raw;
}
using json::excerpt;
using json::int_at;
using json::member;
using json::string_at;
using json::to_json;

constexpr const char* kVersion = "2023-06-01";
constexpr const char* kKeyVariable = "ANTHROPIC_API_KEY";

std::string strip_slash(std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

/// The schema is spliced into requests as raw JSON: check once that it is an object.
void check_schema(const Prompt& prompt) {
    rapidjson::Document d;
    d.Parse(prompt.schema_json.c_str(), prompt.schema_json.size());
    if (d.HasParseError() || !d.IsObject())
        throw std::logic_error("prompt schema_json is not a JSON object: " +
                               prompt.schema_json.str());
}

std::string tool_name(const Prompt& p) { return p.tool_name.empty() ? "answer" : p.tool_name; }

/// The one cache breakpoint, at the end of what every request of a run shares: the cached
/// prefix runs tools -> system, so on the system block when there is one, else on the tool.
template <typename AnyWriter>
void write_breakpoint(AnyWriter& w) {
    w.Key("cache_control");
    w.StartObject();
    w.Key("type");
    w.String("ephemeral");
    w.EndObject();
}

/// `[{"type":"text","text":<system>,"cache_control":...}]`: the system block.
std::string system_json(const Prompt& p) {
    rapidjson::StringBuffer sb;
    Writer w(sb);
    w.StartArray();
    w.StartObject();
    w.Key("type");
    w.String("text");
    w.Key("text");
    w.String(p.system);
    write_breakpoint(w);
    w.EndObject();
    w.EndArray();
    return std::string(sb.GetString(), sb.GetSize());
}

/// `{"format":{"type":"json_schema","schema":<schema>}}`: native structured output.
std::string output_config_json(const Prompt& p) {
    rapidjson::StringBuffer sb;
    Writer w(sb);
    w.StartObject();
    w.Key("format");
    w.StartObject();
    w.Key("type");
    w.String("json_schema");
    w.Key("schema");
    w.RawValue(p.schema_json.c_str(), p.schema_json.size(), rapidjson::kObjectType);
    w.EndObject();
    w.EndObject();
    return std::string(sb.GetString(), sb.GetSize());
}

/// `[{"name":...,"input_schema":<schema>...}]`: the one tool of forced tool use.
std::string tools_json(const Prompt& p) {
    rapidjson::StringBuffer sb;
    Writer w(sb);
    w.StartArray();
    w.StartObject();
    w.Key("name");
    w.String(tool_name(p));
    w.Key("description");
    w.String("Record the answer. Always answer by calling this tool.");
    w.Key("input_schema");
    w.RawValue(p.schema_json.c_str(), p.schema_json.size(), rapidjson::kObjectType);
    if (p.system.empty()) write_breakpoint(w);  // else the system block ends the prefix
    w.EndObject();
    w.EndArray();
    return std::string(sb.GetString(), sb.GetSize());
}

/// `{"type":"tool","name":...}`: the tool the model must call.
std::string tool_choice_json(const Prompt& p) {
    rapidjson::StringBuffer sb;
    Writer w(sb);
    w.StartObject();
    w.Key("type");
    w.String("tool");
    w.Key("name");
    w.String(tool_name(p));
    w.EndObject();
    return std::string(sb.GetString(), sb.GetSize());
}

/// The Messages request body (also a batch request's `params`), written by `w` to `text`;
/// `shared` holds its parts that depend on the system prompt, the schema and the tool name only,
/// serialised already.
void write_params(BodyWriter& w, std::string& text, const std::string& model, const Prompt& p,
                  bool native, const SharedRequestParts& shared) {
    // Keys and strings written at once instead of a Put per byte (Writer::Key, Writer::String):
    // the keys, plain names, as they are (json::write_name), the strings through write_string.
    auto key = [&](std::string_view name) { json::write_name(w, text, name); };
    w.StartObject();
    key("model");
    json::write_string(w, text, model);
    key("max_tokens");
    w.Int(p.max_tokens);
    if (!p.system.empty()) {  // the API rejects empty text blocks
        key("system");
        splice(w, text, shared.system, rapidjson::kArrayType);
    }
    key("messages");
    w.StartArray();
    w.StartObject();
    key("role");
    json::write_name(w, text, "user");
    key("content");
    json::write_string(w, text, p.user);  // copied in runs, not a Put per byte
    w.EndObject();
    w.EndArray();
    if (p.temperature) {
        key("temperature");
        w.Double(*p.temperature);
    }
    if (native) {
        key("output_config");
        splice(w, text, shared.output_config, rapidjson::kObjectType);
    } else {
        key("tools");
        splice(w, text, shared.tools, rapidjson::kArrayType);
        key("tool_choice");
        splice(w, text, shared.tool_choice, rapidjson::kObjectType);
    }
    w.EndObject();
}

/// Room for a request body of `p`: its parts, the user prompt with some room for escapes.
std::size_t body_size_hint(const Prompt& p, const SharedRequestParts& shared) {
    return 256 + p.user.size() + p.user.size() / 8 + shared.system.size() + shared.tools.size() +
           shared.tool_choice.size() + shared.output_config.size();
}

void with_request_id(Result& r) {
    if (!r.request_id.empty()) r.error += " (request-id " + r.request_id + ")";
}

/// Reads a Message object (a 200 body, or a batch result's `message`) into `r`.
void parse_message(const rapidjson::Value& msg, bool native, Result& r) {
    if (const auto* u = member(msg, "usage"); u && u->IsObject()) {
        r.usage.input_tokens = int_at(*u, "input_tokens");
        r.usage.output_tokens = int_at(*u, "output_tokens");
        r.usage.cache_creation_input_tokens = int_at(*u, "cache_creation_input_tokens");
        r.usage.cache_read_input_tokens = int_at(*u, "cache_read_input_tokens");
    }
    r.stop_reason = string_at(msg, "stop_reason");
    if (r.stop_reason == "refusal") {
        r.status = Status::kRefused;
        r.error = "the model refused (stop_reason refusal)";
        return;
    }
    if (r.stop_reason == "max_tokens") {
        r.status = Status::kTruncated;
        r.error = "answer cut at max_tokens (stop_reason max_tokens); raise max_tokens";
        return;
    }
    // A missing or null stop_reason (seen from some Anthropic-compatible local servers) is read
    // as end_turn: the answer decides.
    if (!r.stop_reason.empty() && r.stop_reason != "tool_use" && r.stop_reason != "end_turn" &&
        r.stop_reason != "stop_sequence") {
        r.status = Status::kFailed;
        r.error = "unexpected stop_reason '" + r.stop_reason + "'" +
                  (r.stop_reason == "model_context_window_exceeded"
                       ? ": the prompt does not fit the model's context window"
                   : r.stop_reason == "pause_turn" ? ": the model paused its turn"
                                                   : "");
        return;
    }
    // The answer: the tool_use block's input (forced tool use) or the JSON text block (native
    // structured output); the other form is accepted as a fallback. Unknown block types are
    // skipped.
    const rapidjson::Value* tool_input = nullptr;
    const rapidjson::Value* text = nullptr;
    if (const auto* content = member(msg, "content"); content && content->IsArray()) {
        for (const auto& block : content->GetArray()) {
            std::string type = string_at(block, "type");
            if (type == "tool_use" && !tool_input) {
                if (const auto* in = member(block, "input"); in && in->IsObject()) tool_input = in;
            } else if (type == "text" && !text) {
                if (const auto* t = member(block, "text"); t && t->IsString()) text = t;
            }
        }
    }
    auto from_text = [&]() {
        json::LocalDocument local;
        rapidjson::Document& d = local.doc();
        if (!local.parse({text->GetString(), text->GetStringLength()}) || !d.IsObject())
            return false;
        r.answer_json = to_json(d);
        return true;
    };
    bool found = false;
    if (native) {
        found =
            (text && from_text()) || (tool_input && (r.answer_json = to_json(*tool_input), true));
    } else {
        found =
            (tool_input && (r.answer_json = to_json(*tool_input), true)) || (text && from_text());
    }
    if (found) {
        r.status = Status::kOk;
    } else {
        r.status = Status::kMalformed;
        r.error = native ? "no JSON object in the response's text block"
                         : "no tool_use block with an input object in the response";
    }
}

/// Reads an error body {"type":"error","error":{"type","message"},"request_id"} into `r`.
void parse_error_body(const std::string& body, long status, Result& r) {
    rapidjson::Document d;
    const bool ok = json::parse(d, body.c_str(), body.size());
    std::string prefix = status ? std::to_string(status) + " " : std::string();
    const rapidjson::Value* err = ok ? member(d, "error") : nullptr;
    if (err && err->IsObject()) {
        r.error = prefix + string_at(*err, "type") + ": " + printable(string_at(*err, "message"));
        if (r.request_id.empty()) r.request_id = string_at(d, "request_id");
    } else {
        r.error = prefix + "error: " + (body.empty() ? std::string("(empty body)") : excerpt(body));
    }
}

}  // namespace

AnthropicProvider::AnthropicProvider(std::string model, std::string api_key, std::string base_url,
                                     bool native_structured_output)
    : model_(std::move(model)),
      api_key_(std::move(api_key)),
      base_url_(strip_slash(std::move(base_url))),
      native_(native_structured_output) {}

http::Request AnthropicProvider::base_request(const std::string& method,
                                              const std::string& url) const {
    http::Request r;
    r.method = method;
    r.url = url;
    r.headers = {{"x-api-key", api_key_},
                 {"anthropic-version", kVersion},
                 {"content-type", "application/json"}};
    r.secret_headers = {"x-api-key"};
    return r;
}

std::shared_ptr<const SharedRequestParts> AnthropicProvider::shared_parts(
    const Prompt& prompt) const {
    const std::string tool = tool_name(prompt);
    std::lock_guard<std::mutex> lock(shared_mutex_);
    // Every item of a run shares one system prompt and one schema object (SharedText): found
    // by identity without comparing their ~6 KB, else by content.
    auto same = [](const SharedText& kept, const SharedText& asked) {
        return kept.same_object(asked) || kept == asked.str();
    };
    for (const auto& parts : shared_)
        if (same(parts->system_text, prompt.system) &&
            same(parts->schema_text, prompt.schema_json) && parts->tool_name == tool)
            return parts;
    check_schema(prompt);  // once per schema: it is spliced into every request as raw JSON
    auto parts = std::make_shared<SharedRequestParts>();
    parts->system_text = prompt.system;  // holds the prompt's text object: its address stays
    parts->schema_text = prompt.schema_json;
    parts->tool_name = tool;
    if (!prompt.system.empty()) parts->system = system_json(prompt);
    if (native_) {
        parts->output_config = output_config_json(prompt);
    } else {
        parts->tools = tools_json(prompt);
        parts->tool_choice = tool_choice_json(prompt);
    }
    // A run has one system prompt and schema per variant and task; the bound only keeps a
    // caller that makes up a new one per request from growing it without end.
    if (shared_.size() >= kMaxSharedParts) shared_.erase(shared_.begin());
    shared_.push_back(parts);
    return parts;
}

http::Request AnthropicProvider::build_request(const Prompt& prompt) const {
    http::Request r = base_request("POST", base_url_ + "/v1/messages");
    const auto shared = shared_parts(prompt);
    r.body.reserve(model_.size() + body_size_hint(prompt, *shared));
    BodyOut out{r.body};
    BodyWriter w(out);
    write_params(w, r.body, model_, prompt, native_, *shared);
    return r;
}

Result AnthropicProvider::parse_response(const http::Response& response) const {
    Result r;
    r.http_status = response.status;
    if (auto id = response.header("request-id")) r.request_id = *id;
    if (!response.transport_error.empty()) {
        r.status = Status::kRetryable;
        r.error =
            (response.timed_out ? "timed out: " : "transport error: ") + response.transport_error;
        with_request_id(r);
        return r;
    }
    if (response.status < 200 || response.status >= 300) {
        r.status = classify_http_status(response.status);
        r.overloaded = is_overload(response.status);
        parse_error_body(response.body, response.status, r);
        if (r.status == Status::kFatal)
            r.error += " -- " + fatal_hint(response.status, kKeyVariable);
        with_request_id(r);
        return r;
    }
    json::LocalDocument local;
    rapidjson::Document& d = local.doc();
    std::string why;
    const bool ok = local.parse(response.body, &why);
    if (!ok || !d.IsObject()) {
        r.status = Status::kRetryable;
        r.error = std::to_string(response.status) + " response is not valid JSON (" +
                  (ok ? std::string("not an object at offset 0") : why) + ")";
        with_request_id(r);
        return r;
    }
    parse_message(d, native_, r);
    if (r.status != Status::kOk) with_request_id(r);
    return r;
}

http::Request AnthropicProvider::build_batch_create(
    const std::vector<std::pair<std::string, const Prompt*>>& requests) const {
    http::Request r = base_request("POST", base_url_ + "/v1/messages/batches");
    BodyOut out{r.body};
    BodyWriter w(out);
    w.StartObject();
    w.Key("requests");
    w.StartArray();
    for (const auto& [custom_id, prompt] : requests) {
        w.StartObject();
        w.Key("custom_id");
        w.String(custom_id);
        w.Key("params");
        write_params(w, r.body, model_, *prompt, native_, *shared_parts(*prompt));
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return r;
}

http::Request AnthropicProvider::build_batch_get(const std::string& batch_id) const {
    return base_request("GET", base_url_ + "/v1/messages/batches/" + batch_id);
}

BatchInfo AnthropicProvider::parse_batch(const http::Response& response) const {
    Result r;
    if (auto id = response.header("request-id")) r.request_id = *id;
    if (!response.transport_error.empty())
        throw ProviderError("message batch request failed: " + response.transport_error);
    if (response.status < 200 || response.status >= 300) {
        parse_error_body(response.body, response.status, r);
        if (classify_http_status(response.status) == Status::kFatal)
            r.error += " -- " + fatal_hint(response.status, kKeyVariable);
        with_request_id(r);
        throw ProviderError("message batch request failed: " + r.error);
    }
    rapidjson::Document d;
    if (!json::parse(d, response.body.c_str(), response.body.size()) || !d.IsObject() ||
        string_at(d, "id").empty())
        throw ProviderError("message batch response is not a MessageBatch: " +
                            excerpt(response.body));
    BatchInfo b;
    b.id = string_at(d, "id");
    b.processing_status = string_at(d, "processing_status");
    if (const auto* c = member(d, "request_counts"); c && c->IsObject()) {
        b.processing = int_at(*c, "processing");
        b.succeeded = int_at(*c, "succeeded");
        b.errored = int_at(*c, "errored");
        b.canceled = int_at(*c, "canceled");
        b.expired = int_at(*c, "expired");
    }
    b.results_url = string_at(d, "results_url");
    return b;
}

http::Request AnthropicProvider::build_batch_results(const BatchInfo& batch) const {
    if (batch.results_url.empty())
        throw std::logic_error("batch " + batch.id + " has no results_url yet (not ended)");
    // results_url is absolute; the same auth headers go with it.
    return base_request("GET", batch.results_url);
}

BatchResultLine AnthropicProvider::parse_batch_result_line(const std::string& line) const {
    rapidjson::Document d;
    const bool ok = json::parse(d, line.c_str(), line.size());
    const rapidjson::Value* result = ok ? member(d, "result") : nullptr;
    if (!result || !result->IsObject() || string_at(d, "custom_id").empty())
        throw ProviderError("message batch results: not a result line: " + excerpt(line));
    BatchResultLine out;
    out.custom_id = string_at(d, "custom_id");
    out.type = string_at(*result, "type");
    Result& r = out.result;
    r.http_status = 200;
    if (out.type == "succeeded") {
        const auto* msg = member(*result, "message");
        if (!msg || !msg->IsObject()) {
            r.status = Status::kRetryable;
            r.error = "batch result 'succeeded' without a message";
            return out;
        }
        r.request_id = string_at(*msg, "id");
        parse_message(*msg, native_, r);
    } else if (out.type == "errored") {
        const auto* outer = member(*result, "error");
        const auto* inner = outer ? member(*outer, "error") : nullptr;
        std::string type = inner ? string_at(*inner, "type") : std::string();
        r.error = "batch request errored: " + (type.empty() ? std::string("unknown_error") : type) +
                  (inner ? ": " + printable(string_at(*inner, "message")) : std::string());
        if (outer) r.request_id = string_at(*outer, "request_id");
        with_request_id(r);
        // A request the API found invalid fails again when resubmitted; other errors may not.
        r.status = type == "invalid_request_error" ? Status::kFailed : Status::kRetryable;
    } else {
        r.status = Status::kRetryable;  // canceled, expired (and unknown types): resubmit
        r.error = "batch request " + (out.type.empty() ? std::string("without a type") : out.type);
    }
    return out;
}

}  // namespace synthmod::llm
