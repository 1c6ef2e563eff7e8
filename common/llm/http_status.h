// llm/http_status: the one classification of an HTTP answer that both remote providers and the
// runner use (DESIGN section 7): which statuses succeed, fail the row, stop the run, or are
// asked again, and the server's x-should-retry override.
#pragma once

#include <optional>
#include <string>

#include "common/llm/http.h"
#include "common/llm/provider.h"

namespace synthmod::llm {

/// 2xx -> kOk; 401/402/403/404 -> kFatal (every row would fail); 408/409/429/>=500 ->
/// kRetryable; any other status -> kFailed (the row fails, not retried).
Status classify_http_status(long status);

/// 429 (rate limited) and 529 (overloaded): the runner halves its concurrency.
bool is_overload(long status);

/// The server's own verdict: x-should-retry "true" or "false"; nullopt when absent or any other
/// value (then the status decides).
std::optional<bool> server_retry_verdict(const http::Response& response);

/// Whether to ask again, as the SDKs decide: x-should-retry when present; else a transport
/// error, a timeout or no status at all; else classify_http_status == kRetryable.
bool should_retry(const http::Response& response);

/// What the user should fix for a fatal status, e.g. "check ANTHROPIC_API_KEY" for 401.
std::string fatal_hint(long status, const std::string& key_variable);

}  // namespace synthmod::llm
