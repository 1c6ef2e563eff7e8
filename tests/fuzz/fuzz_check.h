// fuzz_check: invariants every provider response parser keeps, shared by the fuzz_* targets of
// the provider parsers. A broken invariant aborts, which libFuzzer reports as a crash.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/llm/http.h"
#include "common/llm/provider.h"

namespace synthmod::fuzz {

inline void require(bool ok) {
    if (!ok) std::abort();
}

/// An answer is a JSON object. (Not required: that it re-serialises byte for byte. The providers
/// parse at RapidJSON's default precision, so a number with more than ~15 significant digits may
/// come back as a neighbouring double, e.g. 2555...5.5 with 100 digits: found by
/// fuzz_anthropic_message, accepted, see bench/RESULTS.md "Fuzzing and sanitizers".)
inline void check_answer(const std::string& answer) {
    rapidjson::Document d;
    d.Parse(answer.c_str(), answer.size());
    require(!d.HasParseError() && d.IsObject());
}

/// kOk carries an answer and no error; anything else carries an error and no answer.
inline void check_result(const llm::Result& r) {
    if (r.status == llm::Status::kOk) {
        check_answer(r.answer_json);
        require(r.error.empty());
    } else {
        require(!r.error.empty());
        require(r.answer_json.empty());
    }
}

/// A 200 response whose body is the fuzz input, as the transport hands it to a provider; with
/// `id_header` it carries that header with the value req_fuzz (a request id the errors quote).
inline http::Response ok_response(const std::uint8_t* data, std::size_t size,
                                  const char* id_header = nullptr) {
    http::Response response;
    response.status = 200;
    if (id_header != nullptr) response.headers = {{id_header, "req_fuzz"}};
    response.body.assign(reinterpret_cast<const char*>(data), size);
    return response;
}

/// What every parser of a 200 message body keeps: the status carried over, check_result, and a
/// body that is not a JSON object answered kRetryable (corruption on the way).
inline void check_message_result(const llm::Result& r, const http::Response& response) {
    rapidjson::Document d;
    d.Parse<rapidjson::kParseIterativeFlag>(response.body.c_str(), response.body.size());
    require(r.http_status == 200);
    check_result(r);
    if (d.HasParseError() || !d.IsObject()) require(r.status == llm::Status::kRetryable);
}

}  // namespace synthmod::fuzz
