// fuzz_openai_chat: OpenAiProvider::parse_response on an arbitrary 200 body (the chat completion
// parser). It must never throw; it returns kOk with a JSON-object answer, or another status with
// an error text (fuzz_check.h). A body that is not a JSON object is kRetryable.
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/llm/openai.h"
#include "tests/fuzz/fuzz_check.h"

namespace llm = synthmod::llm;
using synthmod::fuzz::check_result;
using synthmod::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const llm::OpenAiProvider provider("fuzz-model", "sk-fuzz", "http://127.0.0.1:1/v1");
    synthmod::http::Response response;
    response.status = 200;
    response.headers = {{"x-request-id", "req_fuzz"}};
    response.body.assign(reinterpret_cast<const char*>(data), size);

    rapidjson::Document d;
    d.Parse<rapidjson::kParseIterativeFlag>(response.body.c_str(), response.body.size());
    const bool is_object = !d.HasParseError() && d.IsObject();
    const llm::Result r = provider.parse_response(response);
    require(r.http_status == 200);
    check_result(r);
    if (!is_object) require(r.status == llm::Status::kRetryable);
    return 0;
}
