// make_provider lives in its own translation unit so that linking a Provider subclass (a test
// fake) does not pull in every provider, the offline one included.
#include <cstdlib>

#include "common/errors.h"
#include "common/llm/anthropic.h"
#include "common/llm/offline.h"
#include "common/llm/openai.h"
#include "common/llm/provider.h"

namespace synthmod::llm {

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

}  // namespace

std::unique_ptr<Provider> make_provider(ProviderConfig config) {
    if (config.provider == "offline") return make_offline_provider("offline");
    bool anthropic = config.provider == "anthropic";
    if (!anthropic && config.provider != "openai")
        throw UsageError("unknown provider '" + config.provider +
                         "' (anthropic | openai | offline)");
    const char* key_var = anthropic ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY";
    const char* url_var = anthropic ? "ANTHROPIC_BASE_URL" : "OPENAI_BASE_URL";
    if (config.api_key.empty()) config.api_key = env(key_var);
    // An OpenAI-compatible server of one's own (vLLM, llama.cpp, Ollama) often wants no key:
    // without OPENAI_API_KEY the requests carry no Authorization header.
    if (config.api_key.empty() && anthropic)
        throw UsageError(std::string("set ") + key_var + " (the " + config.provider +
                         " provider needs an API key; it is read from the environment only)");
    if (config.model.empty())
        throw UsageError("no model for provider " + config.provider + " (set --model)");
    if (config.base_url.empty()) config.base_url = env(url_var);
    if (config.base_url.empty())
        config.base_url = anthropic ? "https://api.anthropic.com" : "https://api.openai.com/v1";
    if (config.base_url.rfind("http://", 0) != 0 && config.base_url.rfind("https://", 0) != 0)
        throw UsageError("base URL '" + config.base_url + "' must start with http:// or https://");
    if (anthropic)
        return std::make_unique<AnthropicProvider>(config.model, config.api_key, config.base_url,
                                                   config.native_structured_output);
    return std::make_unique<OpenAiProvider>(config.model, config.api_key, config.base_url);
}

}  // namespace synthmod::llm
