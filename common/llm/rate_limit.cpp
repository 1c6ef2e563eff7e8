#include "common/llm/rate_limit.h"

#include <cctype>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/llm/clock.h"
#include "common/llm/retry_policy.h"

namespace synthmod::runner {

void AdaptiveConcurrency::on_overload(double now) {
    // One halving per cooldown: the answers of one wave of requests that all met the same wall
    // must not shrink the cap to 1.
    if (now >= cooldown_until_) cap_ = std::max(1, cap_ / 2);
    cooldown_until_ = now + cooldown_s_;
    successes_ = 0;
}

void AdaptiveConcurrency::on_success(double now) {
    if (cap_ >= max_ || now < cooldown_until_) return;
    if (++successes_ >= cap_) {  // one window of successes at the current cap
        ++cap_;
        successes_ = 0;
    }
}

TokenBucket::TokenBucket(double per_minute) {
    if (per_minute <= 0) return;
    rate_s_ = per_minute / 60.0;
    capacity_ = std::max(1.0, per_minute / 6.0);  // bursts of at most 10 s worth
    tokens_ = capacity_;
    last_ = mono_s();
}

void TokenBucket::refill(double now) {
    if (now > last_) tokens_ = std::min(capacity_, tokens_ + (now - last_) * rate_s_);
    last_ = std::max(last_, now);
}

double TokenBucket::wait_s(double amount, double now) {
    if (rate_s_ <= 0) return 0;
    refill(now);
    double need = std::min(amount, capacity_);  // a request larger than the bucket waits for full
    if (tokens_ >= need) return 0;
    return (need - tokens_) / rate_s_;
}

void TokenBucket::take(double amount, double now) {
    if (rate_s_ <= 0) return;
    refill(now);
    tokens_ -= std::min(amount, capacity_);
}

std::optional<double> parse_duration(const std::string& text) {
    double total = 0;
    std::size_t i = 0;
    bool any = false;
    while (i < text.size()) {
        std::size_t j = i;
        while (j < text.size() &&
               (std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == '.'))
            ++j;
        if (j == i) return std::nullopt;
        double value = std::strtod(text.substr(i, j - i).c_str(), nullptr);
        std::size_t k = j;
        while (k < text.size() && std::isalpha(static_cast<unsigned char>(text[k]))) ++k;
        std::string unit = text.substr(j, k - j);
        if (unit == "h")
            total += value * 3600;
        else if (unit == "m")
            total += value * 60;
        else if (unit == "s" || unit.empty())
            total += value;
        else if (unit == "ms")
            total += value / 1000;
        else
            return std::nullopt;
        any = true;
        i = k;
    }
    if (!any) return std::nullopt;
    return total;
}

void RateLimitHeaders::note(Limit& limit, double remaining, double reset_mono) {
    // Answers arrive out of order; the reading with the later reset, else the smaller
    // remainder, is the newer one.
    if (reset_mono > limit.reset_mono + 0.5 || limit.reset_mono == 0 ||
        (reset_mono >= limit.reset_mono - 0.5 && remaining < limit.remaining)) {
        limit.remaining = remaining;
        limit.reset_mono = reset_mono;
    }
    if (remaining <= 0) paused_until_ = std::max(paused_until_, reset_mono);
}

void RateLimitHeaders::observe(const http::Response& response, double now_unix, double now_mono) {
    struct Source {
        std::string_view remaining;
        std::string_view reset;
        bool duration;  ///< OpenAI: the reset is a duration, not a time
        Limit* limit;
    };
    const Source sources[] = {
        {"anthropic-ratelimit-requests-remaining", "anthropic-ratelimit-requests-reset", false,
         &requests_},
        {"anthropic-ratelimit-input-tokens-remaining", "anthropic-ratelimit-input-tokens-reset",
         false, &input_},
        {"anthropic-ratelimit-output-tokens-remaining", "anthropic-ratelimit-output-tokens-reset",
         false, &output_},
        {"anthropic-ratelimit-tokens-remaining", "anthropic-ratelimit-tokens-reset", false,
         &tokens_},
        {"x-ratelimit-remaining-requests", "x-ratelimit-reset-requests", true, &requests_},
        {"x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens", true, &tokens_},
    };
    // Each header looked at once (find_header per name would scan them all ten times), keeping
    // the first of each name, as find_header does. Every name above starts "anthropic-ratelimit-"
    // or "x-ratelimit-".
    constexpr std::size_t kSources = sizeof sources / sizeof sources[0];
    std::string_view found[kSources][2] = {};  // data() == nullptr: not found
    for (const auto& [name, value] : response.headers) {
        if (name.size() < 24 || (name[0] != 'a' && name[0] != 'x')) continue;
        for (std::size_t i = 0; i < kSources; ++i) {
            if (!found[i][0].data() && name == sources[i].remaining) found[i][0] = value;
            if (!found[i][1].data() && name == sources[i].reset) found[i][1] = value;
        }
    }
    for (std::size_t i = 0; i < kSources; ++i) {
        const Source& src = sources[i];
        const std::string_view remaining = found[i][0];
        if (!remaining.data()) continue;
        auto value = parse_number(std::string(remaining));  // a count: no allocation
        if (!value) continue;
        const std::string_view reset = found[i][1];
        if (!reset.data()) continue;
        std::optional<double> wait;
        if (src.duration) {
            wait = parse_duration(std::string(reset));
        } else if (auto at = reset_time(reset)) {
            wait = *at - now_unix;
        }
        if (!wait) continue;
        double w = std::min(60.0, *wait);
        if (w <= 0) continue;  // already reset
        note(*src.limit, *value, now_mono + w);
    }
}

std::optional<double> RateLimitHeaders::reset_time(std::string_view text) {
    if (text != last_reset_text_ || last_reset_text_.empty()) {
        last_reset_text_ = text;
        last_reset_time_ = parse_rfc3339(last_reset_text_);
    }
    return last_reset_time_;
}

double RateLimitHeaders::hold_until(const LimitUse& next, const LimitUse& in_flight,
                                    double now_mono) const {
    double until = paused_until_ > now_mono ? paused_until_ : 0;
    auto check = [&](const Limit& limit, double need, double pending) {
        if (limit.reset_mono <= now_mono || need <= 0) return;  // unknown or refilled
        if (limit.remaining - pending < need) until = std::max(until, limit.reset_mono);
    };
    check(requests_, next.requests, in_flight.requests);
    check(input_, next.input_tokens, in_flight.input_tokens);
    check(output_, next.output_tokens, in_flight.output_tokens);
    check(tokens_, next.input_tokens + next.output_tokens,
          in_flight.input_tokens + in_flight.output_tokens);
    return until;
}

}  // namespace synthmod::runner
