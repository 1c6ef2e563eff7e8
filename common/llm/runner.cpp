// runner: run_job (the journal around the local, HTTP and batch paths) and the HTTP path's event
// loop: concurrency, retries, repairs, rate limits, budget (DESIGN sections 7 and 8).
#include "common/llm/runner.h"

#include <strings.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <queue>
#include <random>
#include <sstream>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/errors.h"
#include "common/llm/batch.h"
#include "common/llm/clock.h"
#include "common/llm/cost_meter.h"
#include "common/llm/estimate.h"
#include "common/llm/http_status.h"
#include "common/llm/job.h"
#include "common/llm/progress.h"
#include "common/llm/rate_limit.h"
#include "common/llm/retry_policy.h"
#include "common/signals.h"

namespace synthmod::runner {

namespace {

// ---------------------------------------------------------------- HTTP path

std::string redacted_line(const http::Request& request, std::string line) {
    for (const auto& secret_name : request.secret_headers) {
        for (const auto& [name, value] : request.headers) {
            if (strcasecmp(name.c_str(), secret_name.c_str()) == 0)
                line = http::redact(std::move(line), value);
        }
    }
    return line;
}

/// Whether to ask again after a parsed answer: x-should-retry when present, else the provider's
/// classification (which also sees e.g. a 200 whose body is corrupt).
bool retry_answer(const http::Response& response, const llm::Result& result) {
    if (auto verdict = llm::server_retry_verdict(response)) return *verdict;
    return result.status == llm::Status::kRetryable;
}

struct InFlight {
    std::vector<Task*> tasks;  ///< the request's tasks, in the order it lists them
    double estimate = 0;       ///< USD, for the budget
    LimitUse use;              ///< what it may take from the provider's limits
};

LimitUse& operator+=(LimitUse& a, const LimitUse& b) {
    a.requests += b.requests;
    a.input_tokens += b.input_tokens;
    a.output_tokens += b.output_tokens;
    return a;
}

LimitUse& operator-=(LimitUse& a, const LimitUse& b) {
    a.requests = std::max(0.0, a.requests - b.requests);
    a.input_tokens = std::max(0.0, a.input_tokens - b.input_tokens);
    a.output_tokens = std::max(0.0, a.output_tokens - b.output_tokens);
    return a;
}

/// The single-threaded event loop: dispatch up to the cap, poll, settle, retry on a timer.
class HttpLoop {
   public:
    HttpLoop(Job& job, std::vector<Task>& tasks, http::Transport& transport)
        : job_(job),
          tasks_(tasks),
          transport_(transport),
          limiter_(job.options.concurrency, job.options.overload_cooldown_s),
          rpm_(job.options.rpm),
          tpm_(job.options.tpm),
          rng_(std::random_device{}()) {
        for (auto& request : form_requests(tasks_))
            ready_.push_back(request_tasks(job_, tasks_, request));
    }

    void run() {
        double last_sync = mono_s();
        double grace_deadline = 0;
        bool stopping = false;  // no more dispatching (interrupt, fatal, budget)
        for (;;) {
            double now = mono_s();
            if (!interrupted_ && job_.stop_requested()) {
                interrupted_ = true;
                job_.summary.stop = Stop::kInterrupted;
                grace_deadline = now + job_.options.grace_s;
            }
            stopping = interrupted_ || fatal_ || budget_stop_;
            while (!timers_.empty() && timers_.top().first <= now) {
                ready_.push_front(std::move(retrying_.at(timers_.top().second)));
                retrying_.erase(timers_.top().second);
                timers_.pop();
            }
            double wake = now + 0.25;  // signals and progress are looked at 4 times a second
            if (!stopping) wake = std::min(wake, dispatch(now));
            if (!timers_.empty()) wake = std::min(wake, timers_.top().first);

            if (in_flight_.empty()) {
                if (stopping || (ready_.empty() && timers_.empty())) break;
                if (budget_blocked_) {  // nothing in flight and still over: stop for good
                    budget_stop_ = true;
                    job_.summary.stop = Stop::kBudget;
                    continue;
                }
            }
            if (interrupted_ && now >= grace_deadline && !in_flight_.empty()) {
                transport_.cancel_all();
                in_flight_.clear();
                break;
            }
            double wait = std::max(0.0, wake - mono_s());
            if (interrupted_) wait = std::min(wait, std::max(0.0, grace_deadline - mono_s()));
            if (in_flight_.empty()) {
                std::this_thread::sleep_for(std::chrono::duration<double>(wait));
            } else {
                auto done = transport_.poll(static_cast<int>(std::ceil(wait * 1000)));
                // The records these answers settle go out in one write(2), before anything
                // below (progress, the next requests) can depend on them.
                job_.journal.hold();
                for (auto& [tag, response] : done) handle(tag, response);
                job_.journal.release();
            }
            now = mono_s();
            if (now - last_sync >= 1.0) {
                job_.journal.sync();
                last_sync = now;
            }
            job_.progress.tick(job_.summary, limiter_.cap(), job_.spent());
        }
        if (fatal_) job_.summary.stop = Stop::kFatal;
    }

   private:
    /// Starts what may be started now; returns when it is worth looking again.
    double dispatch(double now) {
        double wake = now + 0.25;
        budget_blocked_ = false;
        while (!ready_.empty() && static_cast<int>(in_flight_.size()) < limiter_.cap()) {
            if (rate_headers_.paused_until() > now) return rate_headers_.paused_until();
            if (early_stop_hold()) return wake;
            llm::Prompt storage;
            const llm::Prompt& prompt = job_.request_prompt(ready_.front(), storage);
            // The provider's own limits, as its last answers reported them.
            const LimitUse use{1, static_cast<double>(estimate::input_tokens(prompt)),
                               static_cast<double>(prompt.max_tokens)};
            if (double hold = rate_headers_.hold_until(use, in_flight_use_, now); hold > now)
                return hold;
            double estimate = job_.meter.estimate(prompt, false);
            if (job_.options.max_cost) {
                double committed = job_.spent() + in_flight_estimate_ + estimate;
                if (committed > *job_.options.max_cost) {
                    budget_blocked_ = true;  // wait for in-flight answers, then decide
                    return wake;
                }
            }
            double tokens = CostMeter::estimate_tokens(prompt);
            double w = std::max(rpm_.wait_s(1, now), tpm_.wait_s(tokens, now));
            if (w > 0) return now + w;
            rpm_.take(1, now);
            tpm_.take(tokens, now);
            std::vector<Task*> request = std::move(ready_.front());
            ready_.pop_front();
            start(std::move(request), prompt, estimate, use);
        }
        return wake;
    }

    void start(std::vector<Task*> tasks, const llm::Prompt& prompt, double estimate,
               const LimitUse& use) {
        http::Request request = job_.provider.build_request(prompt);
        std::uint64_t tag = ++next_tag_;
        for (Task* t : tasks) ++t->attempts;
        const Task& task = *tasks.front();
        const std::string items = job_.options.verbose ? item_names(tasks) : std::string();
        ++job_.summary.requests;
        ++started_;
        in_flight_[tag] = InFlight{std::move(tasks), estimate, use};
        in_flight_estimate_ += estimate;
        in_flight_use_ += use;
        if (job_.options.verbose) {
            job_.progress.log(redacted_line(request, "-> " + request.method + " " + request.url +
                                                         " " + items + " attempt " +
                                                         std::to_string(task.attempts)));
        }
        transport_.start_moved(tag, std::move(request));
    }

    void handle(std::uint64_t tag, const http::Response& response) {
        auto it = in_flight_.find(tag);
        if (it == in_flight_.end()) return;  // not ours (cancelled)
        InFlight flight = std::move(it->second);
        in_flight_.erase(it);
        in_flight_estimate_ = std::max(0.0, in_flight_estimate_ - flight.estimate);
        in_flight_use_ -= flight.use;
        std::vector<Task*>& tasks = flight.tasks;
        Task& task = *tasks.front();
        double now = mono_s();
        rate_headers_.observe(response, unix_s(), now);
        if (job_.options.verbose) {
            std::ostringstream line;
            line << "<- " << response.status << " " << item_names(tasks) << " "
                 << static_cast<int>(response.seconds * 1000) << " ms";
            if (auto id = response.header("request-id")) line << " request-id " << *id;
            if (!response.transport_error.empty()) line << " " << response.transport_error;
            job_.progress.log(line.str());
        }

        bool transport_failed = !response.transport_error.empty() || response.status == 0;
        llm::Result result;
        if (transport_failed) {
            for (Task* t : tasks)
                t->last_error = "transport error: " + (response.transport_error.empty()
                                                           ? std::string("no response")
                                                           : response.transport_error);
        } else {
            result = job_.provider.parse_response(response);
            std::vector<Task*> reask;
            Next next = job_.settle_request(tasks, result, false, &reask);
            if (next == Next::kDone) {
                limiter_.on_success(now);
                count_attempt(response, task);
                // Parts missing or invalid: asked again, without the items already settled.
                for (auto& follow_up : follow_ups(reask)) ready_.push_front(std::move(follow_up));
                return;
            }
            if (result.overloaded || llm::is_overload(response.status)) limiter_.on_overload(now);
        }
        // x-should-retry decides when present; otherwise a failed transfer is retried, and an
        // answer as the provider classified it (status codes, and e.g. a 200 whose body is
        // corrupt, which llm::should_retry alone cannot see).
        bool retry =
            transport_failed ? llm::should_retry(response) : retry_answer(response, result);
        const bool fatal = !transport_failed && !retry && result.status == llm::Status::kFatal;
        if (!fatal) {
            const std::string kind = attempt_error_kind(response, result);
            job_.note_error(task, kind, retry && task.retries < job_.options.max_retries);
            for (Task* t : tasks) t->last_kind = kind;
        }
        if (count_attempt(response, task)) return;
        if (!retry) {
            if (fatal) {
                if (!fatal_) job_.summary.fatal_message = task.last_error;
                fatal_ = true;
                return;  // not journalled: nothing about the item is wrong
            }
            for (Task* t : tasks) job_.finish(*t, "failed", "", t->last_error);
            return;
        }
        if (task.retries >= job_.options.max_retries) {
            for (Task* t : tasks)
                job_.finish(
                    *t, "failed", "",
                    "gave up after " + std::to_string(t->retries) + " retries: " + t->last_error);
            return;
        }
        double jitter = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
        auto asked = header_retry_delay_s(response, unix_s());
        double delay = header_delay_usable(asked)
                           ? *asked
                           : backoff_s(task.retries, jitter) * job_.options.backoff_scale;
        for (Task* t : tasks) ++t->retries;
        ++job_.summary.retries;
        if (job_.options.verbose) {
            char ms[32];
            std::snprintf(ms, sizeof ms, "%.0f ms", delay * 1000);
            job_.progress.log("retry " + std::to_string(task.retries) + " of " + item_names(tasks) +
                              " in " + ms + ": " + task.last_error);
        }
        const std::uint64_t key = ++next_retry_;
        retrying_.emplace(key, std::move(tasks));
        timers_.emplace(now + delay, key);
    }

    /// Whether to wait before sending more: the first early_stop_attempts requests are out,
    /// some have come back and every one of them failed in a way each retry repeats. Then the
    /// early stop needs no request beyond them (a run whose concurrency is at most the limit
    /// sends exactly the limit); the first other answer lifts the hold for good, and a healthy
    /// server, whose first answers are not such failures, never meets it.
    bool early_stop_hold() const {
        const int limit = job_.options.early_stop_attempts;
        return limit > 0 && started_ >= limit && attempts_done_ < limit && hopeless_ > 0 &&
               hopeless_ == attempts_done_;
    }

    /// Counts one finished attempt for the early stop; true when it stopped the run (the
    /// first Options::early_stop_attempts attempts all failed in a way every attempt repeats).
    bool count_attempt(const http::Response& response, const Task& task) {
        const int limit = job_.options.early_stop_attempts;
        if (limit <= 0 || attempts_done_ >= limit) return false;
        ++attempts_done_;
        if (hopeless(response)) ++hopeless_;
        if (attempts_done_ < limit || hopeless_ < limit || fatal_) return false;
        fatal_ = true;
        job_.summary.fatal_message =
            "the first " + std::to_string(limit) + " requests all failed (" + task.last_kind +
            "); retrying will not fix that, so the run stopped: check the server, --base-url "
            "and the network, then run the same command again";
        return true;
    }

    /// "item <id>", or "items <id> +N" for a multi-item request (verbose lines).
    static std::string item_names(const std::vector<Task*>& tasks) {
        if (tasks.size() == 1) return "item " + tasks.front()->item->id;
        return "items " + tasks.front()->item->id + " +" + std::to_string(tasks.size() - 1);
    }

    using Timer = std::pair<double, std::uint64_t>;  ///< when, key into retrying_
    Job& job_;
    std::vector<Task>& tasks_;
    http::Transport& transport_;
    AdaptiveConcurrency limiter_;
    TokenBucket rpm_, tpm_;
    RateLimitHeaders rate_headers_;
    std::mt19937_64 rng_;
    std::deque<std::vector<Task*>> ready_;  ///< requests to send, each its tasks in order
    std::unordered_map<std::uint64_t, std::vector<Task*>> retrying_;  ///< requests on a timer
    std::uint64_t next_retry_ = 0;
    std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
    std::unordered_map<std::uint64_t, InFlight> in_flight_;
    double in_flight_estimate_ = 0;
    LimitUse in_flight_use_;  ///< what in-flight requests may take from the provider's limits
    std::uint64_t next_tag_ = 0;
    int started_ = 0, attempts_done_ = 0, hopeless_ = 0;  ///< the first attempts (early stop)
    bool interrupted_ = false, fatal_ = false, budget_stop_ = false, budget_blocked_ = false;
};

}  // namespace

void run_http(Job& job, std::vector<Task>& tasks, http::Transport& transport) {
    HttpLoop(job, tasks, transport).run();
}

// ---------------------------------------------------------------- run_job

JobResult run_job(const journal::Header& header, const std::vector<Item>& items,
                  const llm::Provider& provider, http::Transport* transport, const Options& options,
                  const Validator& validate) {
    double start = mono_s();
    if (provider.remote() && !transport)
        throw std::invalid_argument("run_job: a remote provider needs a transport");
    if (options.batch && provider.remote() && !provider.supports_batches())
        throw UsageError("--batch needs a provider with message batches (anthropic); " +
                         provider.name() + " has none");

    journal::Journal journal(options.journal_path, header, options.force);
    CostMeter meter(provider, options);
    if (options.max_cost && !meter.known())
        throw UsageError("--max-cost needs a price for model '" + provider.model() +
                         "': add it to a price table and pass --pricing F");

    Summary summary;
    summary.items = items.size();
    std::vector<Task> tasks;
    tasks.reserve(items.size());  // grown once: no copies into fresh memory as it doubles
    std::unordered_set<std::string_view> seen;  // views of the items' ids: no copies
    seen.reserve(items.size());
    for (const Item& item : items) {
        if (!seen.insert(item.id).second)
            throw std::invalid_argument("run_job: duplicate item id " + item.id);
        auto it = journal.records().find(item.id);
        if (it != journal.records().end() &&
            (it->second.status == "ok" ||
             (it->second.status == "refused" && !options.retry_refused))) {
            ++summary.resumed;
            continue;
        }
        Task task;
        task.item = &item;
        tasks.push_back(task);
    }

    Progress progress(options, items.size(), summary.resumed);
    Job job{provider, options, validate, journal, meter, progress, summary, options.stop_requested};
    if (!job.stop_requested) job.stop_requested = [] { return signals::stop_requested(); };

    if (!tasks.empty()) {
        if (!provider.remote())
            run_local(job, tasks);
        else if (options.batch)
            run_batches(job, tasks, *transport);
        else
            run_http(job, tasks, *transport);
    }
    journal.sync();

    // Final counts over the whole plan, from the journal (earlier runs' records included).
    summary.ok = summary.refused = summary.failed = summary.not_run = 0;
    for (const Item& item : items) {
        auto it = journal.records().find(item.id);
        if (it == journal.records().end())
            ++summary.not_run;
        else if (it->second.status == "ok")
            ++summary.ok;
        else if (it->second.status == "refused")
            ++summary.refused;
        else {
            ++summary.failed;
            const journal::Record& r = it->second;
            ++summary.failed_by_reason[r.reason.empty() ? r.error : r.reason];
        }
    }
    summary.total_cost = journal.spent();
    summary.total_usage = journal.used();
    summary.seconds = mono_s() - start;
    progress.finish(summary);
    return JobResult{journal.take_records(), summary};
}

std::vector<std::string> failure_lines(const Summary& s, const std::string& tool) {
    std::vector<std::string> lines;
    auto by_count = [](const auto& map) {
        std::vector<std::pair<std::string, long long>> v;
        for (const auto& [k, n] : map) v.emplace_back(k, static_cast<long long>(n));
        std::stable_sort(v.begin(), v.end(),
                         [](const auto& a, const auto& b) { return a.second > b.second; });
        std::string text;
        for (const auto& [k, n] : v)
            text += (text.empty() ? "" : "; ") + std::to_string(n) + " " + k;
        return text;
    };
    if (!s.errors_by_kind.empty())
        lines.push_back(tool + ": failed attempts by kind: " + by_count(s.errors_by_kind));
    if (!s.failed_by_reason.empty())
        lines.push_back(tool + ": failed rows by reason: " + by_count(s.failed_by_reason));
    return lines;
}

int exit_code(const Summary& summary) {
    switch (summary.stop) {
        case Stop::kInterrupted:
            return static_cast<int>(ExitCode::kInterrupted);
        case Stop::kFatal:
            return static_cast<int>(ExitCode::kProvider);
        case Stop::kBudget:
            return static_cast<int>(ExitCode::kBudget);
        case Stop::kCompleted:
            break;
    }
    return summary.failed > 0 ? static_cast<int>(ExitCode::kProvider) : 0;
}

std::string summary_line(const Summary& s, const std::string& tool) {
    std::ostringstream out;
    out << tool << ": " << s.ok << " ok, " << s.refused << " refused, " << s.failed << " failed";
    if (s.not_run) out << ", " << s.not_run << " not run";
    out << " of " << s.items;
    if (s.resumed) out << " (" << s.resumed << " from the journal)";
    out << "; " << s.requests << " requests, " << s.retries << " retries, " << s.repairs
        << " repairs; ";
    auto tokens = [](const llm::Usage& u) {
        return "input " + std::to_string(u.input_tokens) + ", cache write " +
               std::to_string(u.cache_creation_input_tokens) + ", cache read " +
               std::to_string(u.cache_read_input_tokens) + ", output " +
               std::to_string(u.output_tokens);
    };
    auto dollars = [&s](double usd) {
        if (!s.cost_known) return std::string("cost unknown (no price for the model)");
        char buf[48];
        std::snprintf(buf, sizeof buf, "$%.4f", usd);
        return std::string(buf);
    };
    out << "this run: " << dollars(s.cost) << ", tokens " << tokens(s.usage);
    // Earlier runs of this output paid for part of it: what the whole output has cost so far.
    if (tokens(s.total_usage) != tokens(s.usage) || s.resumed)
        out << "; whole output so far: " << dollars(s.total_cost) << ", tokens "
            << tokens(s.total_usage);
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1f", s.seconds);
    out << "; " << secs << " s";
    switch (s.stop) {
        case Stop::kCompleted:
            break;
        case Stop::kBudget:
            out << "; stopped: --max-cost reached (rerun with a higher one to continue)";
            break;
        case Stop::kInterrupted:
            out << "; stopped: interrupted (rerun to continue)";
            break;
        case Stop::kFatal:
            out << "; stopped: " << printable(s.fatal_message);
            break;
    }
    if (s.failed)
        out << "; rerun to retry " << s.failed << " failed row" << (s.failed == 1 ? "" : "s");
    return out.str();
}

}  // namespace synthmod::runner
