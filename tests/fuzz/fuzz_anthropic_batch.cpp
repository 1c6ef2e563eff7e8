// fuzz_anthropic_batch: the Message Batches parsers on arbitrary bytes. The whole input is a 200
// body for AnthropicProvider::parse_batch (a MessageBatch, or ProviderError); each line of it,
// split as common/batch.cpp splits a results download, goes to parse_batch_result_line (a result
// with a custom_id, or ProviderError). Nothing else may be thrown; a succeeded line's result keeps
// the parse_response invariants (fuzz_check.h).
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "common/errors.h"
#include "common/llm/anthropic.h"
#include "tests/fuzz/fuzz_check.h"

namespace llm = synthmod::llm;
using synthmod::fuzz::check_result;
using synthmod::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const llm::AnthropicProvider tools("claude-haiku-4-5", "sk-fuzz", "http://127.0.0.1:1");
    static const llm::AnthropicProvider native("claude-haiku-4-5", "sk-fuzz", "http://127.0.0.1:1",
                                               true);
    const synthmod::http::Response response = synthmod::fuzz::ok_response(data, size);
    try {
        const llm::BatchInfo b = tools.parse_batch(response);
        require(!b.id.empty());
    } catch (const synthmod::ProviderError&) {
    }
    std::istringstream lines(response.body);
    std::string line;
    while (std::getline(lines, line)) {
        for (const auto* provider : {&tools, &native}) {
            llm::BatchResultLine out;
            try {
                out = provider->parse_batch_result_line(line);
            } catch (const synthmod::ProviderError&) {
                continue;
            }
            require(!out.custom_id.empty());
            require(out.result.http_status == 200);
            check_result(out.result);
            if (out.type != "succeeded") require(out.result.status != llm::Status::kOk);
        }
    }
    return 0;
}
