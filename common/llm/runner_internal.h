// runner_internal: the parts run_job is made of (shared by runner.cpp, batch.cpp, progress.cpp,
// rate_limit.cpp, retry_policy.cpp). Not used outside the runner.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/llm/journal.h"
#include "common/llm/provider.h"
#include "common/llm/pricing.h"
#include "common/llm/runner.h"

namespace synthmod::runner::detail {

// ---- retry_policy.cpp
std::optional<double> parse_number(const std::string& text);
/// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") to Unix seconds.
std::optional<double> parse_http_date(const std::string& text);
/// RFC 3339 ("2025-08-21T12:40:59Z", fraction and offset allowed) to Unix seconds.
std::optional<double> parse_rfc3339(const std::string& text);
/// The delay a response asks for (retry-after-ms, retry-after seconds or date), unchecked.
std::optional<double> header_retry_delay_s(const http::Response& response, double now);
/// Whether a header delay is used: 0 < delay <= 60 s.
bool header_delay_usable(std::optional<double> delay);
/// min(0.5 * 2^n, 8) * (1 - 0.25 * jitter).
double backoff_s(int retries_taken, double jitter);

/// Seconds on a monotonic clock (scheduling) and Unix seconds (HTTP dates).
inline double mono_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}
inline double unix_s() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// ---- runner.cpp
/// Prices responses at the model's price; a model without a price is reported unknown (one
/// warning), never counted as free. Local providers cost nothing.
class CostMeter {
   public:
    CostMeter(const llm::Provider& provider, const Options& options);
    /// USD of one response's usage.
    double cost(const llm::Usage& usage, bool batch);
    /// Upper estimate of one request: prompt bytes / 4 input tokens, max_tokens output.
    double estimate(const llm::Prompt& prompt, bool batch) const;
    /// Estimated tokens of one request (input + max output), for --tpm.
    static double estimate_tokens(const llm::Prompt& prompt);
    bool known() const { return !remote_ || price_.has_value(); }

   private:
    bool remote_ = false;
    std::string model_;
    std::optional<pricing::Price> price_;
    bool warned_ = false;
};

/// What is known about one item while it is being worked on.
struct Task {
    const Item* item = nullptr;
    int attempts = 0;  ///< requests sent
    int retries = 0;
    int repairs = 0;
    llm::Usage usage;  ///< summed over attempts (all were paid for)
    double cost = 0;
    bool cost_known = true;
    std::string last_error;
    std::string request_id;
    bool done = false;
};

/// What to do with an item after one answer.
enum class Next { kDone, kRepair, kRetry, kFatal };

/// The run's shared state: journal, cost, counters, progress.
class Progress;
struct Job {
    const llm::Provider& provider;
    const Options& options;
    const Validator& validate;
    journal::Journal& journal;
    CostMeter& meter;
    Progress& progress;
    Summary& summary;
    std::function<bool()> stop_requested;
    /// USD accrued by answers not yet journalled (repairs, retried 5xx with usage ...).
    double unrecorded_cost = 0;

    /// Spent so far for the budget: every journalled record (earlier runs too) + unrecorded.
    double spent() const { return journal.spent() + unrecorded_cost; }
    /// Adds a response's usage and cost to the task.
    void charge(Task& task, const llm::Usage& usage, bool batch);
    /// Journals the task's final record and counts it.
    void finish(Task& task, const std::string& status, const std::string& answer,
                const std::string& error);
    /// Classifies a parsed answer (ok/refused/truncated/malformed/failed/fatal) and finishes
    /// the task when it is final. Retryable results are returned as kRetry (the caller decides
    /// with the response's headers).
    Next settle(Task& task, const llm::Result& result, bool batch);
};

/// The HTTP path (runner.cpp) and the batch path (batch.cpp).
void run_http(Job& job, std::vector<Task>& tasks, http::Transport& transport);
void run_batches(Job& job, std::vector<Task>& tasks, http::Transport& transport);

// ---- progress.cpp
/// The live progress line (stderr is a terminal) and the final summary line.
class Progress {
   public:
    Progress(const Options& options, std::size_t total, std::size_t resumed);
    /// Redraws the live line, at most 4 times a second (always when `force`).
    void tick(const Summary& summary, int inflight_cap, double spent, bool force = false);
    /// Clears the live line and prints the summary line (unless quiet).
    void finish(const Summary& summary);
    /// A --verbose line (never contains a secret: callers redact).
    void log(const std::string& line);
    /// Extra words on the live line (e.g. the batch being polled).
    void set_note(const std::string& note) { note_ = note; }

   private:
    void clear_line();
    bool live_ = false, quiet_ = false, verbose_ = false;
    std::size_t total_ = 0, resumed_ = 0;
    double start_ = 0, last_draw_ = -1;
    bool drawn_ = false;
    std::string note_;
};

// ---- rate_limit.cpp
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

}  // namespace synthmod::runner::detail
