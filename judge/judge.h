// judge: synthmod-judge's logic — read a CSV with content,label, ask a judge model to grade
// every row (through the shared runner and journal), write judged.csv (DESIGN sections 5, 6, 8).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/csv.h"
#include "common/input_cli.h"
#include "common/llm/provider.h"
#include "common/llm/runner.h"
#include "common/llm/runner_cli.h"
#include "judge/rubric.h"
#include "judge/votes.h"

namespace synthmod::judge {

/// Everything the command line decides; empty/unset fields fall back to the spec's [judge].
struct Options {
    std::string spec_path;
    std::string in_path;
    std::string out_path = "judged.csv";
    bool no_blind = false;      ///< show our label (also spec `blind = false`)
    bool rationale = false;     ///< --rationale: ask for one (also spec `rationale = true`)
    bool no_rationale = false;  ///< --no-rationale: ask for none, whatever the spec says
    int votes = 1;              ///< requests per row; > 1 adds judge_votes and judge_confidence
    bool allow_unknown_labels = false;
    input::Flags input;  ///< --text-column, --label-column, --label-map, --columns, --in-format
    runner::CommonFlags run;  ///< the runner flags the generator shares (provider, budget ...)
};

/// The columns judged.csv appends to the input's, in order.
const std::vector<std::string>& judge_columns(bool with_votes);

/// Stable id of one request: hash of (content, row index, vote number, judge model, blind).
std::string item_id(const std::string& content, std::size_t row, int vote,
                    const std::string& judge_model, bool blind);

/// Runs the judge; returns the process exit code (0, 3, 4, 130). Bad input, usage and fatal
/// provider errors throw synthmod::Error (main maps them). curl_global_init must have run.
int run(const Options& options);

}  // namespace synthmod::judge
