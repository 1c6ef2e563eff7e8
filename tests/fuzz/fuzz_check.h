// fuzz_check: invariants every provider response parser keeps, shared by the fuzz_* targets of
// the provider parsers. A broken invariant aborts, which libFuzzer reports as a crash.
#pragma once

#include <rapidjson/document.h>

#include <cstdlib>
#include <string>

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

}  // namespace synthmod::fuzz
