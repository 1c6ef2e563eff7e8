// rate_limit: how fast the runner may send — adaptive concurrency (halve on 429/529, grow back
// on success), --rpm/--tpm token buckets, and the anthropic-ratelimit-* headers (DESIGN
// section 7).
#pragma once

#include <algorithm>

#include "common/llm/http.h"

namespace synthmod::runner {

/// In-flight cap: halves on overload (429/529), then grows back by one per window of
/// successes after a cooldown (additive increase, multiplicative decrease).
class AdaptiveConcurrency {
   public:
    explicit AdaptiveConcurrency(int max, double cooldown_s = 2.0)
        : max_(std::max(1, max)), cap_(std::max(1, max)), cooldown_s_(cooldown_s) {}
    int cap() const { return cap_; }
    void on_overload(double now);
    void on_success(double now);

   private:
    int max_, cap_;
    double cooldown_s_;
    double cooldown_until_ = 0;
    int successes_ = 0;
};

/// A token bucket refilled at `per_minute` / 60 per second (0 = unlimited).
class TokenBucket {
   public:
    explicit TokenBucket(double per_minute);
    /// Seconds until `amount` can be taken (0: now).
    double wait_s(double amount, double now);
    void take(double amount, double now);

   private:
    void refill(double now);
    double rate_s_ = 0, capacity_ = 0, tokens_ = 0, last_ = 0;
};

/// Pauses dispatch when anthropic-ratelimit-*-remaining reaches zero, until its -reset.
class RateLimitHeaders {
   public:
    void observe(const http::Response& response, double now_unix, double now_mono);
    /// Monotonic time before which nothing should be sent (0: no pause).
    double paused_until() const { return paused_until_; }

   private:
    double paused_until_ = 0;
};

}  // namespace synthmod::runner
