// fuzz_error_body: the error-body parsers of both providers on an arbitrary non-2xx response.
// The first two bytes pick the HTTP status (300..599), the rest is the body. parse_response must
// classify by status alone (classify_http_status), flag 429/529 as overloaded, start its error
// text with the status, and never throw; AnthropicProvider::parse_batch must throw ProviderError.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/errors.h"
#include "common/llm/anthropic.h"
#include "common/llm/http_status.h"
#include "common/llm/openai.h"
#include "tests/fuzz/fuzz_check.h"

namespace llm = synthmod::llm;
using synthmod::fuzz::check_result;
using synthmod::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const llm::AnthropicProvider anthropic("claude-haiku-4-5", "sk-fuzz",
                                                  "http://127.0.0.1:1");
    static const llm::OpenAiProvider openai("fuzz-model", "sk-fuzz", "http://127.0.0.1:1");
    if (size < 2) return 0;
    synthmod::http::Response response;
    response.status = 300 + ((data[0] << 8) | data[1]) % 300;
    response.body.assign(reinterpret_cast<const char*>(data) + 2, size - 2);
    const std::string prefix = std::to_string(response.status) + " ";
    for (const llm::Provider* provider : {static_cast<const llm::Provider*>(&anthropic),
                                          static_cast<const llm::Provider*>(&openai)}) {
        const llm::Result r = provider->parse_response(response);
        check_result(r);
        require(r.status == llm::classify_http_status(response.status));
        require(r.http_status == response.status);
        require(r.overloaded == (response.status == 429 || response.status == 529));
        require(r.error.rfind(prefix, 0) == 0);
    }
    try {
        anthropic.parse_batch(response);
        require(false);
    } catch (const synthmod::ProviderError&) {
    }
    return 0;
}
