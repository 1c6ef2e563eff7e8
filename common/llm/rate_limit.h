// rate_limit: how fast the runner may send — adaptive concurrency (halve on 429/529, grow back
// on success), --rpm/--tpm token buckets, and the anthropic-ratelimit-* headers (DESIGN
// section 7).
#pragma once

#include <algorithm>
#include <optional>
#include <string>

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

/// What a request takes from the provider's limits (requests, input tokens, output tokens:
/// OTPM counts max_tokens up front, ANTHROPIC_API.md section 3).
struct LimitUse {
    double requests = 0, input_tokens = 0, output_tokens = 0;
};

/// The provider's own limits as its headers report them — anthropic-ratelimit-{requests,
/// tokens,input-tokens,output-tokens}-{remaining,reset} (RFC 3339) and OpenAI's
/// x-ratelimit-{remaining,reset}-{requests,tokens} (durations "1s", "6m0s", "20ms") — so
/// dispatch holds before a 429 instead of after one.
class RateLimitHeaders {
   public:
    void observe(const http::Response& response, double now_unix, double now_mono);
    /// Monotonic time before which nothing should be sent because a limit reported nothing
    /// remaining (0: no pause).
    double paused_until() const { return paused_until_; }
    /// Monotonic time until which `next` must wait (0: send now): when some limit's last
    /// reported remainder, less what `in_flight` requests (sent, not answered) may still take,
    /// cannot hold `next`, until that limit's reset (at most 60 s ahead, so a skewed clock
    /// cannot stall a run). A limit whose reset has passed is full again.
    double hold_until(const LimitUse& next, const LimitUse& in_flight, double now_mono) const;

   private:
    struct Limit {
        double remaining = 0;
        double reset_mono = 0;  ///< 0: nothing known
    };
    void note(Limit& limit, double remaining, double reset_mono);
    /// parse_rfc3339(text), remembered for the last text: the four reset headers of an answer,
    /// and those of the answers in the same second, name the same instant.
    std::optional<double> reset_time(std::string_view text);
    double paused_until_ = 0;
    std::string last_reset_text_;
    std::optional<double> last_reset_time_;
    Limit requests_, input_, output_, tokens_;
};

/// An OpenAI-style reset duration ("1s", "6m0s", "20ms", "1h2m3.5s") in seconds.
std::optional<double> parse_duration(const std::string& text);

}  // namespace synthmod::runner
