// judge: synthmod-judge's logic — read a CSV with content,label, ask a judge model to grade
// every row (through the shared runner and journal), write judged.csv (DESIGN sections 5, 6, 8).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/csv.h"
#include "common/llm/provider.h"
#include "common/llm/runner.h"
#include "judge/rubric.h"
#include "judge/votes.h"

namespace synthmod::judge {

/// Everything the command line decides; empty/unset fields fall back to the spec's [judge].
struct Options {
    std::string spec_path;
    std::string in_path;
    std::string out_path = "judged.csv";
    std::string provider;  ///< anthropic | openai | offline; empty = spec
    std::string model;     ///< empty = spec (the offline provider is always named "offline")
    std::string base_url;
    std::optional<int> concurrency;
    std::optional<double> max_cost;
    std::optional<int> max_retries;
    double rpm = 0;  ///< requests per minute (0 = unlimited)
    double tpm = 0;  ///< tokens per minute (0 = unlimited)
    bool batch = false;
    bool no_blind = false;  ///< show our label (also spec `blind = false`)
    int votes = 1;          ///< requests per row; > 1 adds judge_votes and judge_confidence
    bool dry_run = false;
    bool force = false;
    bool quiet = false;
    bool verbose = false;
    std::string pricing_path;
    std::string cacert;
    bool allow_unknown_labels = false;
    bool native_json = false;
    std::string format;  ///< csv | jsonl; empty = jsonl when --out ends in .jsonl, else csv
    bool csv_safe = false;  ///< --csv-safe: neutralise formula prefixes (csv::Writer)
};

/// The columns judged.csv appends to the input's, in order.
const std::vector<std::string>& judge_columns(bool with_votes);

/// Stable id of one request: hash of (content, row index, vote number, judge model, blind).
std::string item_id(const std::string& content, std::size_t row, int vote,
                    const std::string& judge_model, bool blind);

/// Journal path for an output path ("<out>.journal"; stdout uses
/// "synthmod-judge.journal" in the current folder).
std::string journal_path(const std::string& out_path);

/// Runs the judge; returns the process exit code (0, 3, 4, 130). Bad input, usage and fatal
/// provider errors throw synthmod::Error (main maps them). curl_global_init must have run.
int run(const Options& options);

}  // namespace synthmod::judge
