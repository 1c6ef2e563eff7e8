// batch: the Message Batches path of the runner (DESIGN section 7). Pending items go out in
// chunks (<= 100,000 requests, <= 256 MB); each batch id is journalled the moment it exists; the
// batches are polled until they end, their results journalled at batch price, and rows that did
// not succeed are resubmitted for a bounded number of rounds. A resumed run re-attaches to the
// batches its journal still holds open instead of paying for them again. Every request it sends
// (create, poll, results) is paced like the HTTP path's: by --rpm and by the provider's
// anthropic-ratelimit-requests-* / x-ratelimit-*-requests headers, read from each answer.
#include "common/llm/batch.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "common/errors.h"
#include "common/llm/clock.h"
#include "common/llm/http_status.h"
#include "common/llm/rate_limit.h"
#include "common/llm/retry_policy.h"

namespace synthmod::runner {
namespace {

/// Raised inside the batch path when a stop is requested while waiting; caught by run_batches.
struct Interrupted {};

/// A batch request's custom_id: the item's id, or for a multi-item request (issue 15) its first
/// item's id and the count, "<id>-<n>": its items are the n listed from that id on in the
/// batch's journalled item ids, so a resumed run finds them again.
std::string custom_id(const std::vector<Task*>& request) {
    const std::string& first = request.front()->item->id;
    return request.size() == 1 ? first : first + "-" + std::to_string(request.size());
}

struct ActiveBatch {
    std::string id;
    std::vector<std::size_t> tasks;     ///< indices into the task vector, in request order
    std::vector<std::string> item_ids;  ///< every item the batch asks, in request order
    double estimate = 0;                ///< USD, for the budget
    llm::BatchInfo info;
};

class BatchLoop {
   public:
    BatchLoop(Job& job, std::vector<Task>& tasks, http::Transport& transport)
        : job_(job),
          tasks_(tasks),
          transport_(transport),
          rpm_(job.options.rpm),
          rng_(std::random_device{}()) {
        for (std::size_t i = 0; i < tasks_.size(); ++i) index_[tasks_[i].item->id] = i;
    }

    void run() {
        std::vector<std::size_t> to_submit;
        std::set<std::size_t> attached;
        // Batches an earlier run created and did not finish: collect them, do not pay again.
        for (const auto& ref : job_.journal.open_batches()) {
            ActiveBatch b;
            b.id = ref.batch_id;
            b.item_ids = ref.item_ids;
            for (const auto& id : ref.item_ids) {
                auto it = index_.find(id);
                if (it != index_.end() && attached.insert(it->second).second)
                    b.tasks.push_back(it->second);
            }
            for (std::size_t t : b.tasks) ++tasks_[t].attempts;
            active_.push_back(std::move(b));
        }
        for (std::size_t i = 0; i < tasks_.size(); ++i)
            if (!attached.count(i)) to_submit.push_back(i);

        for (int round = 0;; ++round) {
            submit(to_submit);
            to_submit.clear();
            while (!active_.empty()) {
                for (std::size_t k = 0; k < active_.size();) {
                    if (poll(active_[k])) {
                        collect(active_[k], &to_submit);
                        active_.erase(active_.begin() + static_cast<long>(k));
                    } else {
                        ++k;
                    }
                }
                if (!active_.empty()) wait(job_.options.batch_poll_s);
            }
            std::sort(to_submit.begin(), to_submit.end());
            if (to_submit.empty() || budget_stop_) break;
            if (round >= job_.options.batch_rounds) {
                for (std::size_t t : to_submit) {
                    Task& task = tasks_[t];
                    job_.finish(task, "failed", "",
                                "gave up after " + std::to_string(round + 1) +
                                    " batch rounds: " + task.last_error);
                }
                break;
            }
        }
        if (budget_stop_) job_.summary.stop = Stop::kBudget;
    }

   private:
    /// Creates batches for `pending` in chunks, as far as the budget allows. Items of one group
    /// go rows_per_request to a request, as on the HTTP path.
    void submit(const std::vector<std::size_t>& pending) {
        std::vector<std::vector<Task*>> chunk;
        std::size_t chunk_bytes = 0;
        double chunk_estimate = 0;
        auto flush = [&] {
            if (chunk.empty()) return;
            create(chunk, chunk_estimate);
            chunk.clear();
            chunk_bytes = 0;
            chunk_estimate = 0;
        };
        for (const auto& indices : form_requests(tasks_, pending)) {
            std::vector<Task*> request = request_tasks(job_, tasks_, indices);
            llm::Prompt storage;
            const llm::Prompt& prompt = job_.request_prompt(request, storage);
            double estimate = job_.meter.estimate(prompt, true);
            if (job_.options.max_cost &&
                job_.spent() + committed_ + chunk_estimate + estimate > *job_.options.max_cost) {
                budget_stop_ = true;  // the rest waits for a rerun with a higher budget
                break;
            }
            std::size_t bytes =
                job_.provider.build_batch_create({{custom_id(request), &prompt}}).body.size();
            if (!chunk.empty() && (chunk.size() >= job_.options.batch_max_requests ||
                                   chunk_bytes + bytes > job_.options.batch_max_bytes))
                flush();
            chunk.push_back(std::move(request));
            chunk_bytes += bytes;
            chunk_estimate += estimate;
        }
        flush();
    }

    void create(const std::vector<std::vector<Task*>>& chunk, double estimate) {
        std::vector<llm::Prompt> prompts(chunk.size());  // combined ones; stable addresses
        std::vector<std::string> ids;
        std::vector<std::pair<std::string, const llm::Prompt*>> requests;
        for (std::size_t r = 0; r < chunk.size(); ++r) {
            ids.push_back(custom_id(chunk[r]));
            requests.emplace_back(ids.back(), &job_.request_prompt(chunk[r], prompts[r]));
        }
        http::Request request = job_.provider.build_batch_create(requests);
        http::Response response = perform(request, "create a message batch");
        llm::BatchInfo info = job_.provider.parse_batch(response);  // throws ProviderError

        ActiveBatch b;
        b.id = info.id;
        for (const auto& r : chunk)
            for (Task* t : r) b.tasks.push_back(static_cast<std::size_t>(t - tasks_.data()));
        b.estimate = estimate;
        b.info = info;
        journal::BatchRef ref;
        ref.batch_id = info.id;
        for (std::size_t t : b.tasks) ref.item_ids.push_back(tasks_[t].item->id);
        b.item_ids = ref.item_ids;
        job_.journal.append_batch(ref);  // synced at once: the batch is money committed
        for (std::size_t t : b.tasks) ++tasks_[t].attempts;
        job_.summary.requests += static_cast<std::int64_t>(chunk.size());
        committed_ += estimate;
        active_.push_back(std::move(b));
        job_.progress.log("created batch " + info.id + " with " + std::to_string(chunk.size()) +
                          " requests");
    }

    /// The tasks a result line's custom_id names within batch `b` (in request order), or none
    /// (not ours, or one of its items is finished already: the others are then asked again).
    std::vector<Task*> request_of(const ActiveBatch& b, const std::string& cid,
                                  const std::map<std::string, std::size_t>& position) {
        std::string first = cid;
        std::size_t n = 1;
        auto dash = cid.rfind('-');
        if (!position.count(cid) && dash != std::string::npos) {
            first = cid.substr(0, dash);
            n = std::strtoul(cid.c_str() + dash + 1, nullptr, 10);
        }
        auto it = position.find(first);
        if (it == position.end() || n == 0 || it->second + n > b.item_ids.size()) return {};
        std::vector<Task*> out;
        for (std::size_t k = 0; k < n; ++k) {
            auto task = index_.find(b.item_ids[it->second + k]);
            if (task == index_.end() || tasks_[task->second].done) return {};
            out.push_back(&tasks_[task->second]);
        }
        return out;
    }

    /// Polls one batch; true once it has ended.
    bool poll(ActiveBatch& b) {
        http::Response response =
            perform(job_.provider.build_batch_get(b.id), "poll message batch " + b.id);
        b.info = job_.provider.parse_batch(response);
        std::ostringstream note;
        note << "batch " << b.id << " " << b.info.processing_status << " (" << b.info.succeeded
             << " succeeded, " << b.info.processing << " processing)";
        job_.progress.set_note(note.str());
        job_.progress.tick(job_.summary, static_cast<int>(active_.size()), job_.spent(), true);
        return b.info.processing_status == "ended";
    }

    /// Journals the results of an ended batch; rows to ask again go to `resubmit`.
    void collect(ActiveBatch& b, std::vector<std::size_t>* resubmit) {
        http::Response response = perform(job_.provider.build_batch_results(b.info),
                                          "download the results of batch " + b.id);
        if (response.status < 200 || response.status >= 300)
            throw ProviderError("cannot download the results of batch " + b.id + ": HTTP " +
                                std::to_string(response.status));
        std::set<std::size_t> seen;
        std::map<std::string, std::size_t> position;  // item id -> its place in b.item_ids
        for (std::size_t k = 0; k < b.item_ids.size(); ++k) position.emplace(b.item_ids[k], k);
        std::istringstream lines(response.body);
        std::string line;
        while (std::getline(lines, line)) {
            if (line.empty() || line == "\r") continue;
            llm::BatchResultLine r;
            try {
                r = job_.provider.parse_batch_result_line(line);
            } catch (const ProviderError&) {
                continue;  // its row is missing from `seen` and is asked again
            }
            std::vector<Task*> request = request_of(b, r.custom_id, position);
            if (request.empty()) continue;  // not one of ours
            bool fresh = true;
            for (Task* t : request)
                fresh = seen.insert(static_cast<std::size_t>(t - tasks_.data())).second && fresh;
            if (!fresh) continue;
            auto index_of = [this](Task* t) { return static_cast<std::size_t>(t - tasks_.data()); };
            if (r.type != "succeeded") {
                for (Task* t : request) {
                    t->last_error =
                        r.result.error.empty() ? "batch request " + r.type : r.result.error;
                    resubmit->push_back(index_of(t));
                }
                continue;
            }
            std::vector<Task*> reask;
            if (job_.settle_request(request, r.result, true, &reask) == Next::kRetry)
                reask = request;
            for (Task* t : reask) resubmit->push_back(index_of(t));
        }
        for (std::size_t t : b.tasks) {
            if (!seen.count(t) && !tasks_[t].done) {
                tasks_[t].last_error = "no result line for the request in batch " + b.id;
                resubmit->push_back(t);
            }
        }
        job_.journal.finish_batch(b.id);
        job_.journal.sync();
        committed_ = std::max(0.0, committed_ - b.estimate);
    }

    /// One request, retried on transient failures with the SDK backoff.
    http::Response perform(const http::Request& request, const std::string& what) {
        for (int retries = 0;; ++retries) {
            if (job_.stop_requested()) throw Interrupted{};
            pace();
            if (job_.options.verbose) job_.progress.log("-> " + request.method + " " + request.url);
            http::Response response = transport_.perform(request);
            rate_headers_.observe(response, unix_s(), mono_s());
            if (job_.options.verbose)
                job_.progress.log("<- " + std::to_string(response.status) + " " + request.url);
            if (!llm::should_retry(response)) return response;
            std::string error = response.transport_error.empty()
                                    ? "HTTP " + std::to_string(response.status)
                                    : response.transport_error;
            if (retries >= job_.options.max_retries)
                throw ProviderError("cannot " + what + " after " + std::to_string(retries) +
                                    " retries: " + error + " (rerun to re-attach)");
            ++job_.summary.retries;
            double jitter = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
            auto asked = header_retry_delay_s(response, unix_s());
            wait(header_delay_usable(asked)
                     ? *asked
                     : backoff_s(retries, jitter) * job_.options.backoff_scale);
        }
    }

    /// Waits until one more request may go: --rpm's bucket and the provider's request limit as
    /// its last answer reported it. The Batches API is limited in requests per minute and in
    /// requests queued (ANTHROPIC_API.md, batch limits), not in tokens per minute, so each call
    /// takes one request and --tpm does not apply to it.
    void pace() {
        for (;;) {
            double now = mono_s();
            double hold = rate_headers_.hold_until(LimitUse{1, 0, 0}, LimitUse{}, now);
            double w = std::max(hold > now ? hold - now : 0.0, rpm_.wait_s(1, now));
            if (w <= 0) break;
            wait(w);
        }
        rpm_.take(1, mono_s());
    }

    /// Sleeps `seconds`, looking at the stop flag 10 times a second.
    void wait(double seconds) {
        double until = mono_s() + seconds;
        for (;;) {
            if (job_.stop_requested()) throw Interrupted{};
            double left = until - mono_s();
            if (left <= 0) return;
            std::this_thread::sleep_for(std::chrono::duration<double>(std::min(left, 0.1)));
            job_.progress.tick(job_.summary, static_cast<int>(active_.size()), job_.spent());
        }
    }

    Job& job_;
    std::vector<Task>& tasks_;
    http::Transport& transport_;
    TokenBucket rpm_;
    RateLimitHeaders rate_headers_;
    std::mt19937_64 rng_;
    std::map<std::string, std::size_t> index_;
    std::vector<ActiveBatch> active_;
    double committed_ = 0;  ///< estimated USD of the batches still running
    bool budget_stop_ = false;
};

}  // namespace

void run_batches(Job& job, std::vector<Task>& tasks, http::Transport& transport) {
    try {
        BatchLoop(job, tasks, transport).run();
    } catch (const Interrupted&) {
        // The batches keep running at the API; the next run re-attaches to them.
        job.summary.stop = Stop::kInterrupted;
    } catch (const ProviderError& e) {
        job.summary.stop = Stop::kFatal;
        job.summary.fatal_message = e.what();
    }
}

}  // namespace synthmod::runner
