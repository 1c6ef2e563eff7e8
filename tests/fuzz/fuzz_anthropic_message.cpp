// fuzz_anthropic_message: AnthropicProvider::parse_response on an arbitrary 200 body (the
// Message parser), with forced tool use and with native structured output. It must never throw;
// it returns kOk with a JSON-object answer, or another status with an error text (fuzz_check.h).
// A body that is not a JSON object is kRetryable (corruption on the way).
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/llm/anthropic.h"
#include "tests/fuzz/fuzz_check.h"

namespace llm = synthmod::llm;
using synthmod::fuzz::check_message_result;
using synthmod::fuzz::ok_response;
using synthmod::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const llm::AnthropicProvider tools("claude-haiku-4-5", "sk-fuzz", "http://127.0.0.1:1");
    static const llm::AnthropicProvider native("claude-haiku-4-5", "sk-fuzz", "http://127.0.0.1:1",
                                               true);
    const synthmod::http::Response response = ok_response(data, size, "request-id");
    for (const auto* provider : {&tools, &native}) {
        const llm::Result r = provider->parse_response(response);
        check_message_result(r, response);
        if (r.status != llm::Status::kOk) require(r.error.find("req_fuzz") != std::string::npos);
    }
    return 0;
}
