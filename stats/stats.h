// stats: the synthmod-stats run (read shards -> normalise -> duplicates -> figures -> report,
// filter, gate, comparison), wired from an Options struct so tests can call it in-process.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/input_cli.h"
#include "stats/metrics.h"

namespace synthmod::stats {

/// Every flag of synthmod-stats (DESIGN section 6); optionals override the spec when set.
struct Options {
    std::vector<std::string> inputs;  ///< shards read as one dataset; "-" is stdin
    std::string spec;
    std::string report_dir;  ///< empty: reports/<first input's stem>/
    std::string filtered;    ///< empty: <report_dir>/filtered.csv
    std::string rejected;    ///< empty: <report_dir>/rejected.csv
    bool keep_columns = false;
    std::optional<std::string> shingle;
    std::optional<int> ngram;
    std::optional<double> threshold;
    std::optional<int> num_perm;
    std::optional<double> max_miss;  ///< --max-miss (see dedup::NearDupOptions::max_miss)
    std::optional<int> lsh_rounds;   ///< --lsh-rounds: fixed rounds; unset: chosen by max_miss
    std::optional<std::string> dedup_method;  ///< --dedup-method auto|lsh|exact
    std::string pairs;               ///< --pairs F
    bool gate = false;
    std::vector<std::string> gate_set;  ///< key=value overrides
    std::string compare_by;
    std::string baseline;
    double baseline_tolerance = 0.01;  ///< --baseline-tolerance
    std::string junit;
    bool quiet = false;
    bool timings = false;   ///< per-stage wall times on stderr
    int threads = 0;        ///< 0: the machine's cores
    bool csv_safe = false;  ///< --csv-safe: neutralise formula prefixes in the CSVs written
    input::Flags input;     ///< --text-column, --label-column, --label-map, --columns, --in-format
    std::size_t review = 0;    ///< --review N: rows in the review sample (0: no review page)
    std::string review_out;    ///< empty: <report_dir>/review.html (or review.json)
    std::string review_format = "html";  ///< html | label-studio
    std::string review_blind = "answer";  ///< answer: labels shown after answering; full: never
    std::vector<std::string> gold;        ///< --gold F: reviewers' answers (CSV or Label Studio)
    std::vector<std::string> references;  ///< --reference F: a real test set
    std::string reference_text_column;    ///< --reference-text-column; empty: content, else text
    std::string reference_pairs;          ///< --reference-pairs F
};

/// Runs synthmod-stats; returns the exit code (0 ok, 1 gate failed). Usage and input errors
/// throw (UsageError, InputError, IoError) before any output file is written.
int run(const Options& options);

}  // namespace synthmod::stats
