// retry_policy: how long to wait before asking again, as the official SDKs decide (DESIGN
// section 7; ANTHROPIC_API.md section 3). Whether to ask again is llm::should_retry
// (common/llm/http_status.h).
#pragma once

#include <optional>
#include <string>

#include "common/llm/http.h"

namespace synthmod::runner {

/// Delay before retry number `retries_taken` (0 for the first retry), DESIGN section 7:
/// retry-after-ms, else retry-after (seconds or HTTP date) when 0 < delay <= 60 s, else
/// min(0.5 * 2^n, 8) * (1 - 0.25 * jitter), jitter in [0, 1). `now` is Unix seconds.
double retry_delay_s(const http::Response& response, int retries_taken, double jitter, double now);

/// The delay a response asks for (retry-after-ms, retry-after seconds or date), unchecked.
std::optional<double> header_retry_delay_s(const http::Response& response, double now);
/// Whether a header delay is used: 0 < delay <= 60 s.
bool header_delay_usable(std::optional<double> delay);
/// min(0.5 * 2^n, 8) * (1 - 0.25 * jitter).
double backoff_s(int retries_taken, double jitter);

/// A decimal number with nothing but blanks after it (header values).
std::optional<double> parse_number(const std::string& text);
/// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") to Unix seconds.
std::optional<double> parse_http_date(const std::string& text);
/// RFC 3339 ("2025-08-21T12:40:59Z", fraction and offset allowed) to Unix seconds.
std::optional<double> parse_rfc3339(const std::string& text);

}  // namespace synthmod::runner
