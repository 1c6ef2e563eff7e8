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
    std::string request_id;
    bool done = false;
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
    /// Classifies a parsed answer (ok/refused/truncated/malformed/failed/fatal) and finishes
    /// the task when it is final. Retryable results are returned as kRetry (the caller decides
    /// with the response's headers).
    Next settle(Task& task, const llm::Result& result, bool batch);
};

/// The local path (answers computed in process, e.g. the offline provider).
void run_local(Job& job, std::vector<Task>& tasks);
/// The HTTP path: one libcurl multi event loop (runner.cpp).
void run_http(Job& job, std::vector<Task>& tasks, http::Transport& transport);

}  // namespace synthmod::runner
