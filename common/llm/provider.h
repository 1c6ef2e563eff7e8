// llm/provider: the provider interface of DESIGN section 7. A provider turns a prompt into an
// HTTP request and an HTTP response into an answer or a classified error; the runner does the rest.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/llm/http.h"

namespace synthmod::llm {

/// Read-only text that many prompts hold (the system prompt, the answer schema): one copy in
/// memory however many work items share it. A million planned rows used to carry a million
/// copies of a ~4.4 KB system prompt.
class SharedText {
   public:
    SharedText() = default;
    SharedText(std::string text) : text_(std::make_shared<const std::string>(std::move(text))) {}
    SharedText(const char* text) : SharedText(std::string(text)) {}
    const std::string& str() const { return text_ ? *text_ : nothing(); }
    operator const std::string&() const { return str(); }
    std::size_t size() const { return str().size(); }
    bool empty() const { return str().empty(); }
    const char* c_str() const { return str().c_str(); }
    void clear() { text_.reset(); }
    friend bool operator==(const SharedText& a, const std::string& b) { return a.str() == b; }
    /// The same text object (a copy of this one): equal without comparing the bytes.
    bool same_object(const SharedText& other) const { return text_ == other.text_; }

   private:
    static const std::string& nothing() {
        static const std::string none;
        return none;
    }
    std::shared_ptr<const std::string> text_;
};

/// One item of a multi-item prompt (common/llm/multi_item.h): what the offline provider needs
/// to answer it as if it had been asked alone.
struct PromptPart {
    std::string id;  ///< the plan item's id
    std::string user;
    std::map<std::string, std::string> vars;
};

/// What one work item asks of a model.
struct Prompt {
    std::string task;   ///< "generate" | "judge" (lets the offline provider pick its path)
    SharedText system;  ///< sent with cache_control ephemeral by anthropic
    std::string user;
    std::string tool_name;   ///< name of the structured answer (tool name / schema name)
    SharedText schema_json;  ///< JSON Schema of the answer object
    int max_tokens = 400;
    std::optional<double> temperature;
    /// The facts the prompt was rendered from (persona, label, context, content, labels ...):
    /// the offline provider composes from these instead of reading prose.
    std::map<std::string, std::string> vars;
    /// Set when the prompt asks for several items at once (rows_per_request > 1): the items in
    /// the order the prompt lists them; the answer is {"items": [{"index": i, ...}, ...]}.
    std::vector<PromptPart> parts;
};

/// Token usage as the API reports it.
struct Usage {
    std::int64_t input_tokens = 0;
    std::int64_t output_tokens = 0;
    std::int64_t cache_creation_input_tokens = 0;
    std::int64_t cache_read_input_tokens = 0;
};

/// How a response is classified.
enum class Status {
    kOk,         ///< answer parsed
    kRefused,    ///< stop_reason refusal: recorded, not retried
    kTruncated,  ///< stop_reason max_tokens: the row fails, not retried
    kMalformed,  ///< answer missing or not valid JSON / schema: re-asked (repair)
    kRetryable,  ///< 408, 409, 429, >=500, connection errors: retried with backoff
    kFailed,     ///< other 4xx: the row fails, not retried
    kFatal,      ///< 401, 403, 404: every row would fail; the run stops (exit 3)
};

const char* to_string(Status status);

/// A parsed response.
struct Result {
    Status status = Status::kFailed;
    std::string answer_json;  ///< the answer object as JSON text (kOk)
    Usage usage;
    std::string stop_reason;
    std::string error;  ///< what went wrong, with error type and request id (never the key)
    long http_status = 0;
    std::string request_id;   ///< request-id header / body field
    bool overloaded = false;  ///< 429 or 529: the runner shrinks its concurrency
};

/// Status of a message batch (anthropic --batch).
struct BatchInfo {
    std::string id;
    std::string processing_status;  ///< in_progress | canceling | ended
    std::int64_t processing = 0, succeeded = 0, errored = 0, canceled = 0, expired = 0;
    std::string results_url;
};

/// One line of a batch's results.
struct BatchResultLine {
    std::string custom_id;
    std::string type;  ///< succeeded | errored | canceled | expired
    Result result;     ///< parsed message for succeeded; error for errored
};

class Provider {
   public:
    virtual ~Provider() = default;
    /// "anthropic" | "openai" | "offline".
    virtual std::string name() const = 0;
    /// Model name written into outputs (`model`, `judge_model` columns).
    virtual std::string model() const = 0;
    /// True when answers come over HTTP (build_request/parse_response); false: answer_locally.
    virtual bool remote() const = 0;

    virtual http::Request build_request(const Prompt& prompt) const;
    virtual Result parse_response(const http::Response& response) const;
    /// Local providers answer directly, deterministically from `item_id`.
    virtual Result answer_locally(const Prompt& prompt, const std::string& item_id) const;

    /// Message Batches (DESIGN section 7); only anthropic supports them.
    virtual bool supports_batches() const { return false; }
    virtual http::Request build_batch_create(
        const std::vector<std::pair<std::string, const Prompt*>>& requests) const;
    virtual http::Request build_batch_get(const std::string& batch_id) const;
    virtual BatchInfo parse_batch(const http::Response& response) const;
    virtual http::Request build_batch_results(const BatchInfo& batch) const;
    /// Parses one JSONL line of a batch's results.
    virtual BatchResultLine parse_batch_result_line(const std::string& line) const;
};

/// Which provider and how to reach it.
struct ProviderConfig {
    std::string provider;  ///< anthropic | openai | offline
    std::string model;
    std::string base_url;  ///< empty: --base-url / ANTHROPIC_BASE_URL / OPENAI_BASE_URL / default
    std::string api_key;   ///< from the environment only
    bool native_structured_output =
        false;  ///< anthropic: output_config json_schema instead of tools
};

/// Builds a provider. Reads ANTHROPIC_API_KEY / OPENAI_API_KEY and *_BASE_URL from the
/// environment when `config` leaves them empty. A missing ANTHROPIC_API_KEY throws UsageError
/// saying which variable to set; without OPENAI_API_KEY the openai provider sends no key.
std::unique_ptr<Provider> make_provider(ProviderConfig config);

}  // namespace synthmod::llm
