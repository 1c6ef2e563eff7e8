// llm/openai: the OpenAI-compatible chat completions provider (vLLM, llama.cpp server, Ollama ...).
#pragma once

#include <string>

#include "common/llm/provider.h"

namespace synthmod::llm {

/// Talks to `POST {base}/v1/chat/completions` with a json_schema response_format. A base URL
/// that already ends in /v1 (the OpenAI SDKs' convention, e.g. http://localhost:8000/v1) is
/// accepted as is. An empty `api_key` sends no Authorization header (a local server).
class OpenAiProvider : public Provider {
   public:
    OpenAiProvider(std::string model, std::string api_key, std::string base_url);

    std::string name() const override { return "openai"; }
    std::string model() const override { return model_; }
    bool remote() const override { return true; }

    http::Request build_request(const Prompt& prompt) const override;
    /// Same status classification as anthropic; finish_reason length -> kTruncated,
    /// content_filter or a message.refusal -> kRefused.
    Result parse_response(const http::Response& response) const override;

   private:
    std::string model_;
    std::string api_key_;
    std::string url_;
};

}  // namespace synthmod::llm
