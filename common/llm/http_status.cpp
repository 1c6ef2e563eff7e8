#include "common/llm/http_status.h"

namespace synthmod::llm {

Status classify_http_status(long status) {
    if (status >= 200 && status < 300) return Status::kOk;
    if (status == 401 || status == 402 || status == 403 || status == 404) return Status::kFatal;
    if (status == 408 || status == 409 || status == 429 || status >= 500) return Status::kRetryable;
    return Status::kFailed;
}

bool is_overload(long status) { return status == 429 || status == 529; }

std::optional<bool> server_retry_verdict(const http::Response& response) {
    if (auto h = response.header("x-should-retry")) {
        if (*h == "true") return true;
        if (*h == "false") return false;
    }
    return std::nullopt;
}

bool should_retry(const http::Response& response) {
    if (auto verdict = server_retry_verdict(response)) return *verdict;
    if (!response.transport_error.empty() || response.timed_out || response.status == 0)
        return true;
    return classify_http_status(response.status) == Status::kRetryable;
}

std::string fatal_hint(long status, const std::string& key_variable) {
    switch (status) {
        case 401:
            return "check " + key_variable + " (the API key was rejected)";
        case 402:
            return "check the account's billing and credit balance";
        case 403:
            return "the API key lacks permission for this model or workspace";
        case 404:
            return "check the model name (--model) and the base URL";
        default:
            return "";
    }
}

}  // namespace synthmod::llm
