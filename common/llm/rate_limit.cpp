#include "common/llm/rate_limit.h"

#include <string>

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

void RateLimitHeaders::observe(const http::Response& response, double now_unix, double now_mono) {
    // When a limit reports nothing remaining, hold dispatch until its reset (at most 60 s, so a
    // skewed clock cannot stall the run).
    for (const char* kind : {"requests", "tokens", "input-tokens", "output-tokens"}) {
        std::string prefix = std::string("anthropic-ratelimit-") + kind;
        auto remaining = response.header(prefix + "-remaining");
        if (!remaining) continue;
        auto value = parse_number(*remaining);
        if (!value || *value > 0) continue;
        auto reset = response.header(prefix + "-reset");
        if (!reset) continue;
        auto at = parse_rfc3339(*reset);
        if (!at) continue;
        double wait = std::min(60.0, *at - now_unix);
        if (wait > 0) paused_until_ = std::max(paused_until_, now_mono + wait);
    }
}

}  // namespace synthmod::runner
