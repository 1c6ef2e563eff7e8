// llm/anthropic: the Claude Messages API provider (DESIGN section 7, ANTHROPIC_API.md sections
// 1-4).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/llm/provider.h"

namespace synthmod::llm {

/// The parts of a Messages request body that depend only on the system prompt, the answer
/// schema and the tool name, serialised once: every request of a variant shares them (~4 KB of
/// escaped system prompt and schema that a generate run used to serialise per request).
struct SharedRequestParts {
    SharedText system_text, schema_text;  ///< what they were made from (the prompt's own)
    std::string tool_name;
    std::string system;         ///< the "system" array (empty without a system prompt)
    std::string tools;          ///< the "tools" array (forced tool use)
    std::string tool_choice;    ///< the "tool_choice" object (forced tool use)
    std::string output_config;  ///< the "output_config" object (native structured output)
};

/// Talks to `POST {base}/v1/messages` and the Message Batches endpoints.
class AnthropicProvider : public Provider {
   public:
    /// `base_url` without the /v1 path, e.g. "https://api.anthropic.com".
    AnthropicProvider(std::string model, std::string api_key, std::string base_url,
                      bool native_structured_output = false);

    std::string name() const override { return "anthropic"; }
    std::string model() const override { return model_; }
    bool remote() const override { return true; }

    http::Request build_request(const Prompt& prompt) const override;
    /// Transport errors -> kRetryable; an error status as llm::classify_http_status says. A 200
    /// whose body is not valid JSON is kRetryable: it is corruption on the
    /// way (the SDKs raise on it too), and asking again is what a user wants.
    Result parse_response(const http::Response& response) const override;

    bool supports_batches() const override { return true; }
    http::Request build_batch_create(
        const std::vector<std::pair<std::string, const Prompt*>>& requests) const override;
    http::Request build_batch_get(const std::string& batch_id) const override;
    /// Throws ProviderError on an error response or a body that is not a MessageBatch; call
    /// llm::should_retry(response) first to retry transient failures.
    BatchInfo parse_batch(const http::Response& response) const override;
    http::Request build_batch_results(const BatchInfo& batch) const override;
    /// Throws ProviderError on a line that is not a result object.
    BatchResultLine parse_batch_result_line(const std::string& line) const override;

   private:
    http::Request base_request(const std::string& method, const std::string& url) const;
    /// The shared parts for `prompt`'s system prompt, schema and tool name, made on first use
    /// (which also checks that the schema is a JSON object).
    std::shared_ptr<const SharedRequestParts> shared_parts(const Prompt& prompt) const;

    static constexpr std::size_t kMaxSharedParts = 16;

    std::string model_;
    std::string api_key_;
    std::string base_url_;
    bool native_;
    mutable std::mutex shared_mutex_;  ///< build_request is const: callers may share a provider
    mutable std::vector<std::shared_ptr<const SharedRequestParts>> shared_;
};

}  // namespace synthmod::llm
