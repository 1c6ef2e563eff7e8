// fuzz_openai_chat: OpenAiProvider::parse_response on an arbitrary 200 body (the chat completion
// parser). It must never throw; it returns kOk with a JSON-object answer, or another status with
// an error text (fuzz_check.h). A body that is not a JSON object is kRetryable.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/llm/openai.h"
#include "tests/fuzz/fuzz_check.h"

namespace llm = synthmod::llm;
using synthmod::fuzz::check_message_result;
using synthmod::fuzz::ok_response;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const llm::OpenAiProvider provider("fuzz-model", "sk-fuzz", "http://127.0.0.1:1/v1");
    const synthmod::http::Response response = ok_response(data, size, "x-request-id");
    check_message_result(provider.parse_response(response), response);
    return 0;
}
