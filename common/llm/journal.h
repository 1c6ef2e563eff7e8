// journal: the crash-safe record of finished work (DESIGN section 8).
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/llm/provider.h"

struct XXH3_state_s;  // xxhash.h

namespace synthmod::journal {

/// What a journal belongs to. A resumed run must present the same header.
struct Header {
    std::string tool;            ///< synthmod-generate | synthmod-judge
    std::string spec_hash;       ///< hash of the spec's bytes
    std::string plan_hash;       ///< hash of the plan (item ids, prompts, model)
    std::size_t plan_items = 0;  ///< items in the plan
    /// Hash of the plan's first n items, as plan_hash would be for a plan of those only; set by
    /// a tool whose plans grow at the end (the generator's larger --rows): a journal written for
    /// a shorter plan that this one begins with is then accepted, and extended. Empty = the plan
    /// must be the journalled one.
    std::function<std::string(std::size_t n)> plan_prefix_hash;
    /// Plans of the same spec and rows under another setting, each with the advice that resumes
    /// one ("a run that asked for a rationale: add --rationale ..."): a journal of such a plan is
    /// refused with that advice instead of the generic one, whose --force would ask (and bill)
    /// every answered item again.
    std::vector<std::pair<std::string, std::string>> other_plans;
};

/// One finished item.
struct Record {
    std::string id;
    std::string status;  ///< ok | refused | failed
    std::string answer_json;
    llm::Usage usage;
    double cost = 0;
    bool cost_known = true;
    int attempts = 0;
    int repairs = 0;
    std::string error;
    /// failed: the kind of the last error (stable text, no request id or timing), what failed
    /// rows are grouped by; empty in journals written before it existed.
    std::string reason;
    std::string request_id;
};

/// A batch created with the API, journalled the moment it exists.
struct BatchRef {
    std::string batch_id;
    std::vector<std::string> item_ids;
    bool finished = false;  ///< its results were all journalled
};

/// Append-only JSON-lines journal at `<out>.journal`. Each record is one write(2), or the
/// records appended between hold() and release() one write(2) together; data are fdatasync'ed
/// at least every second and on close.
class Journal {
   public:
    /// Opens or creates `path` (an empty path keeps the journal in memory only, for tests and
    /// dry runs). An existing journal with another header throws UsageError
    /// (changed spec or plan: use --force), unless `force`, which starts it over. A torn last
    /// line is dropped (and the file truncated to the last complete line).
    Journal(const std::string& path, const Header& header, bool force);
    ~Journal();
    Journal(const Journal&) = delete;
    Journal& operator=(const Journal&) = delete;

    /// Latest record per item id (a later record of an item replaces an earlier one).
    const std::map<std::string, Record>& records() const { return records_; }
    /// Moves the records out (for the caller's result once the run is over; records() is then
    /// empty). Saves a copy of every answer on large runs.
    std::map<std::string, Record> take_records() { return std::move(records_); }
    /// Batches created and not yet finished.
    std::vector<BatchRef> open_batches() const;
    /// Items of the journalled plan this run's plan extends (0 when it is the same plan).
    std::size_t extended_from() const { return extended_from_; }
    /// Whether the last open dropped a torn line.
    bool dropped_torn_line() const { return dropped_torn_; }
    /// USD of every item record ever written (earlier runs' included, also of records a later
    /// one replaced): what the job has cost so far, for a budget that spans resumed runs.
    double spent() const { return spent_; }
    /// Tokens of the same records: what the job has used so far.
    const llm::Usage& used() const { return used_; }

    void append(Record record);
    /// From here on, appended lines wait in memory until release() writes them all with one
    /// write(2) (the HTTP loop holds the records of the answers one poll returned: a write per
    /// record was ~8 % of a generate run's CPU). Nothing may depend on a held record, nor
    /// anything be said about it outside the process, before release() has returned.
    void hold() { holding_ = true; }
    /// Writes the held lines (one write(2)) and stops holding. Throws IoError like append.
    void release();
    void append_batch(const BatchRef& batch);
    void finish_batch(const std::string& batch_id);
    /// fdatasync if anything was written since the last sync.
    void sync();
    const std::string& path() const { return path_; }

   private:
    void write_line(std::string line);
    void write_out(const std::string& data);
    void write_held();

    std::string path_;
    int fd_ = -1;
    std::map<std::string, Record> records_;
    std::map<std::string, BatchRef> batches_;
    bool dropped_torn_ = false;
    std::size_t extended_from_ = 0;
    double spent_ = 0;
    llm::Usage used_;
    bool dirty_ = false;
    bool holding_ = false;
    std::string held_;  ///< lines appended while holding, each with its newline
    std::int64_t last_sync_ms_ = 0;
};

/// Every item record (replaced ones too) of the journal at `path`, read without locking or
/// changing it, when its header names `tool` and `spec_hash` (any plan); else none. A missing
/// or unreadable file gives none; reading stops at the first line that does not parse.
std::vector<Record> read_records(const std::string& path, const std::string& tool,
                                 const std::string& spec_hash);

/// Hex digest (xxh3-128) of `bytes`, for headers and ids.
std::string hash_hex(const std::string& bytes);
/// hash_hex of the concatenation of `parts`, without making it.
std::string hash_hex(std::initializer_list<std::string_view> parts);

/// hash_hex of parts fed one after the other. A copy carries the state, so texts that share a
/// prefix hash it once: the generator's plan key hashes every item's prompt, whose 6 KB system
/// prompt is the same for all of them.
class StreamHash {
   public:
    StreamHash();
    StreamHash(const StreamHash& other);
    StreamHash& operator=(const StreamHash& other);
    ~StreamHash();

    StreamHash& update(std::string_view part);
    std::string hex() const;  ///< hash_hex of everything fed so far

   private:
    XXH3_state_s* state_;
};

}  // namespace synthmod::journal
