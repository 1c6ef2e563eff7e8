#include "common/llm/retry_policy.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace synthmod::runner {

std::optional<double> parse_number(const std::string& text) {
    if (text.empty()) return std::nullopt;
    // Plain digits (every rate-limit count, most retry-after values): the exact value strtod
    // gives them, without its locale and format machinery (four headers of every answer).
    if (text.size() <= 15) {
        std::int64_t n = 0;
        std::size_t i = 0;
        for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i)
            n = n * 10 + (text[i] - '0');
        if (i == text.size()) return static_cast<double>(n);
    }
    const char* begin = text.c_str();
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(begin, &end);
    if (end == begin || errno == ERANGE) return std::nullopt;
    while (*end == ' ' || *end == '\t') ++end;
    if (*end != '\0') return std::nullopt;
    return v;
}

std::optional<double> parse_http_date(const std::string& text) {
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (also accepted without the weekday).
    for (const char* format : {"%a, %d %b %Y %H:%M:%S", "%d %b %Y %H:%M:%S"}) {
        std::tm tm{};
        const char* end = ::strptime(text.c_str(), format, &tm);
        if (!end) continue;
        while (*end == ' ') ++end;
        std::string zone = end;
        if (!(zone == "GMT" || zone == "UTC" || zone == "Z" || zone == "+0000" || zone.empty()))
            continue;
        return static_cast<double>(::timegm(&tm));
    }
    return std::nullopt;
}

std::optional<double> parse_rfc3339(const std::string& text) {
    // "2025-08-21T12:40:59Z", optionally with fractional seconds or a +hh:mm offset.
    std::tm tm{};
    const char* end = ::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end) return std::nullopt;
    double t = static_cast<double>(::timegm(&tm));
    if (*end == '.') {
        char* frac_end = nullptr;
        double frac = std::strtod(end, &frac_end);
        t += frac;
        end = frac_end;
    }
    if (*end == 'Z' || *end == 'z') return t;
    if ((*end == '+' || *end == '-') && std::strlen(end) >= 6) {
        int hh = std::atoi(end + 1), mm = std::atoi(end + 4);
        double offset = hh * 3600.0 + mm * 60.0;
        return *end == '+' ? t - offset : t + offset;
    }
    return std::nullopt;
}

std::optional<double> header_retry_delay_s(const http::Response& response, double now) {
    // As the Python SDK: retry-after-ms when it parses; else retry-after as seconds; else
    // retry-after as an HTTP date. The caller applies the 0 < delay <= 60 s window.
    if (auto ms = response.header("retry-after-ms")) {
        if (auto v = parse_number(*ms)) return *v / 1000.0;
    }
    auto after = response.header("retry-after");
    if (!after) return std::nullopt;
    if (auto v = parse_number(*after)) return *v;
    if (auto date = parse_http_date(*after)) return *date - now;
    return std::nullopt;
}

double backoff_s(int retries_taken, double jitter) {
    double base = std::min(0.5 * std::pow(2.0, std::max(0, std::min(retries_taken, 30))), 8.0);
    return base * (1.0 - 0.25 * jitter);
}

bool header_delay_usable(std::optional<double> delay) {
    return delay && *delay > 0 && *delay <= 60;
}

double retry_delay_s(const http::Response& response, int retries_taken, double jitter, double now) {
    auto from_header = header_retry_delay_s(response, now);
    if (header_delay_usable(from_header)) return *from_header;
    return backoff_s(retries_taken, jitter);
}

}  // namespace synthmod::runner
