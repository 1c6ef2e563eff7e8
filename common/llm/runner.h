// runner: what generator and judge share — concurrency, retries, repairs, rate limits, budget,
// batches, progress, and the journal around them (DESIGN sections 7 and 8).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/llm/http.h"
#include "common/llm/journal.h"
#include "common/llm/pricing.h"
#include "common/llm/provider.h"

namespace synthmod::runner {

/// One unit of work: a stable id (the plan item's, journalled) and its prompt.
struct Item {
    std::string id;
    llm::Prompt prompt;
    /// Several rows per request (issue 15): up to this many items of the same `group` (same
    /// system prompt, schema and task) are asked in one request (common/llm/multi_item.h), each
    /// journalled on its own. 1: one request per item, as always.
    int rows_per_request = 1;
    std::string group = {};
};

struct Options {
    /// The tool running (synthmod-generate, synthmod-judge): starts every line printed.
    std::string tool = "synthmod";
    int concurrency = 16;
    int max_retries = 8;             ///< per item, as the SDKs count them
    int max_repairs = 2;             ///< re-asks for a malformed answer
    std::optional<double> max_cost;  ///< USD; stop dispatching before it would be passed
    double rpm = 0;                  ///< requests per minute (0 = unlimited)
    double tpm = 0;                  ///< tokens per minute (0 = unlimited)
    bool batch = false;              ///< Message Batches instead of one request per item
    int batch_rounds = 3;            ///< resubmissions of errored/expired rows
    double batch_poll_s = 10;        ///< poll interval
    bool quiet = false;
    bool verbose = false;
    http::Options http;
    std::string pricing_path;  ///< --pricing F; empty = built-in table
    std::string journal_path;  ///< <out>.journal
    bool force = false;        ///< start the journal over
    /// Ask again the items journalled as refused (by default a refusal is an outcome, kept).
    bool retry_refused = false;
    /// When this many first attempts of a run all failed in a way that every attempt repeats
    /// (could not connect, could not resolve the host, TLS), the run stops (kFatal, exit 3)
    /// rather than spend every retry of every row on it. 0 = never.
    int early_stop_attempts = 20;

    /// Multiplies the computed exponential backoff (never a delay the server asked for), so
    /// tests can run retries in milliseconds. 1 in production.
    double backoff_scale = 1.0;
    /// How long an overload (429/529) holds the halved concurrency before it may grow again.
    double overload_cooldown_s = 2.0;
    /// In-flight requests get this long to finish after SIGINT/SIGTERM; the rest are cancelled.
    double grace_s = 2.0;
    /// Batch chunking: at most this many requests / bytes of request JSON per batch (the API's
    /// limits are 100,000 and 256 MB; tests use small chunks).
    std::size_t batch_max_requests = 100'000;
    std::size_t batch_max_bytes = 256u * 1000 * 1000;
    /// Seeds the order in which a multi-item request lists its items (llm::request_order), so a
    /// position does not stick to a row; 0 keeps plan order (the judge shuffles, the generator
    /// does not need to).
    std::uint64_t shuffle_seed = 0;
    /// Whether a stop was requested; empty = signals::stop_requested (a seam for tests).
    std::function<bool()> stop_requested;
};

/// Checks an answer to `item` (an element of the items given to run_job) against what the tool
/// expects; returns "" when fine, else why (-> repair). An answer it passes is journalled as the
/// item's "ok" record at once, so a validator may keep what it parsed for the item (the
/// generator's samples.csv cells) rather than parse the record again.
using Validator = std::function<std::string(const Item& item, const std::string& answer_json)>;

/// Why a run ended.
enum class Stop { kCompleted, kBudget, kInterrupted, kFatal };

struct Summary {
    std::size_t items = 0;    ///< in the plan
    std::size_t resumed = 0;  ///< already in the journal at start
    std::size_t ok = 0, refused = 0, failed = 0, not_run = 0;
    std::int64_t requests = 0, retries = 0, repairs = 0;
    double cost = 0;         ///< USD of this run's responses
    llm::Usage usage;        ///< tokens of this run's responses (repairs and retries included)
    double total_cost = 0;   ///< USD of the whole output so far: every journalled record
    llm::Usage total_usage;  ///< tokens of those records (earlier runs' included)
    bool cost_known = true;  ///< false when the model has no price
    double seconds = 0;
    Stop stop = Stop::kCompleted;
    std::string fatal_message;  ///< set with kFatal (what to fix)
    /// Failed attempts of this run by kind (attempt_error_kind), retried or not.
    std::map<std::string, std::int64_t> errors_by_kind;
    /// Items of the plan journalled as failed, by reason (the kind of their last error).
    std::map<std::string, std::size_t> failed_by_reason;
};

/// Runs every item not already finished in the journal and returns the journal's records
/// (all of them, this run's and earlier runs'). `transport` may be null for local providers.
/// Progress goes to stderr (a live line on a terminal, a summary line otherwise).
struct JobResult {
    std::map<std::string, journal::Record> records;
    Summary summary;
};
JobResult run_job(const journal::Header& header, const std::vector<Item>& items,
                  const llm::Provider& provider, http::Transport* transport, const Options& options,
                  const Validator& validate);

/// Calls `f` with the prompt of every request the runner would send for `items` on a first
/// round (the items grouped as run_job groups them): what a dry run prices.
void for_each_request(const std::vector<Item>& items,
                      const std::function<void(const llm::Prompt&)>& f);

/// The lines printed after the summary line when anything failed: failed attempts by kind and
/// failed rows by reason (empty when nothing failed).
std::vector<std::string> failure_lines(const Summary& summary, const std::string& tool);

/// Exit code for a finished run (0, 3 when rows failed for good or kFatal, 4 budget, 130 stop).
int exit_code(const Summary& summary);

/// The one-line summary printed at the end (also when stderr is not a terminal), starting
/// "<tool>: ".
std::string summary_line(const Summary& summary, const std::string& tool);

}  // namespace synthmod::runner
