#include "common/llm/provider.h"

#include <stdexcept>

#include "common/errors.h"

namespace synthmod::llm {

const char* to_string(Status status) {
    switch (status) {
        case Status::kOk:
            return "ok";
        case Status::kRefused:
            return "refused";
        case Status::kTruncated:
            return "truncated";
        case Status::kMalformed:
            return "malformed";
        case Status::kRetryable:
            return "retryable";
        case Status::kFailed:
            return "failed";
        case Status::kFatal:
            return "fatal";
    }
    return "unknown";
}

namespace {

[[noreturn]] void unsupported(const Provider& p, const char* what) {
    throw std::logic_error("provider " + p.name() + " does not support " + what);
}

}  // namespace

http::Request Provider::build_request(const Prompt&) const { unsupported(*this, "HTTP requests"); }
Result Provider::parse_response(const http::Response&) const {
    unsupported(*this, "HTTP responses");
}
Result Provider::answer_locally(const Prompt&, const std::string&) const {
    unsupported(*this, "local answers");
}
http::Request Provider::build_batch_create(
    const std::vector<std::pair<std::string, const Prompt*>>&) const {
    unsupported(*this, "message batches");
}
http::Request Provider::build_batch_get(const std::string&) const {
    unsupported(*this, "message batches");
}
BatchInfo Provider::parse_batch(const http::Response&) const {
    unsupported(*this, "message batches");
}
http::Request Provider::build_batch_results(const BatchInfo&) const {
    unsupported(*this, "message batches");
}
BatchResultLine Provider::parse_batch_result_line(const std::string&) const {
    unsupported(*this, "message batches");
}

}  // namespace synthmod::llm
