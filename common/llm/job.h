// job: the state one run_job shares between its paths (local, HTTP, batches) — the journal, the
// cost meter, the counters — and how one answer settles an item (ok, refused, repair, retry).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/llm/cost_meter.h"
#include "common/llm/http.h"
#include "common/llm/journal.h"
#include "common/llm/progress.h"
#include "common/llm/provider.h"
#include "common/llm/runner.h"

namespace synthmod::runner {

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
    std::string last_kind;  ///< attempt_error_kind of last_error: the reason if it fails
    std::string request_id;
    bool done = false;
    /// Asked in a request of its own from now on: its multi-item request was refused or
    /// truncated, and which item caused it is unknown.
    bool alone = false;
};

/// What to do with an item after one answer.
enum class Next { kDone, kRepair, kRetry, kFatal };

/// The run's shared state: journal, cost, counters, progress.
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
    /// Counts a failed attempt of `task` under `kind` and prints the first error of each kind on
    /// stderr (even with --quiet: it is the only word on why a run is failing). `retrying`
    /// says whether the row will be asked again.
    void note_error(Task& task, const std::string& kind, bool retrying);
    /// Classifies a parsed answer (ok/refused/truncated/malformed/failed/fatal) and finishes
    /// the task when it is final. Retryable results are returned as kRetry (the caller decides
    /// with the response's headers).
    Next settle(Task& task, const llm::Result& result, bool batch);
    /// Settles the answer to one request for `tasks` (listed in the order the request asked
    /// them; one task: as settle). Each task is charged its equal share of the usage and settled
    /// on its own part of the answer; a task whose part is missing or invalid, or whose
    /// multi-item request was refused or truncated, goes to `reask` (asked again without the
    /// others). kRetry: the request as a whole is to be retried (status, 5xx, 429 ...);
    /// otherwise kDone.
    Next settle_request(const std::vector<Task*>& tasks, const llm::Result& result, bool batch,
                        std::vector<Task*>* reask);
    /// The prompt of one request for `tasks` (in that order): the item's own for one task,
    /// else the combined prompt (multi_item), built into `storage`.
    const llm::Prompt& request_prompt(const std::vector<Task*>& tasks, llm::Prompt& storage) const;
};

/// The run's requests: task indices grouped by Item::group, at most Item::rows_per_request
/// per request, in the order of each request's first task.
std::vector<std::vector<std::size_t>> form_requests(const std::vector<Task>& tasks);
/// The same for the tasks `which` (indices into `tasks`, in that order).
std::vector<std::vector<std::size_t>> form_requests(const std::vector<Task>& tasks,
                                                    const std::vector<std::size_t>& which);

/// The requests that ask `reask` again (Job::settle_request): one of its own for each task
/// marked `alone`, one for the others together (only the items an answer lacked).
std::vector<std::vector<Task*>> follow_ups(const std::vector<Task*>& reask);

/// The tasks of one request in the order the request lists them (Options::shuffle_seed).
std::vector<Task*> request_tasks(const Job& job, std::vector<Task>& tasks,
                                 const std::vector<std::size_t>& request);

/// A short, stable name for why one attempt failed — no request id, no timing — by which
/// errors are grouped on stderr, in the summary and in the generator's <out>.failed.csv:
/// "could not connect to 127.0.0.1:1 (connection refused)", "HTTP 500", "timed out", ...
std::string attempt_error_kind(const http::Response& response, const llm::Result& result);

/// Whether every attempt would fail the same way while the server or network stays as it is.
bool hopeless(const http::Response& response);

/// The local path (answers computed in process, e.g. the offline provider).
void run_local(Job& job, std::vector<Task>& tasks);
/// The HTTP path: one libcurl multi event loop (runner.cpp).
void run_http(Job& job, std::vector<Task>& tasks, http::Transport& transport);

}  // namespace synthmod::runner
