// report: report.md, metrics.json and the chart files of a stats run, rendered deterministically
// (no timestamps, fixed float formats) from the computed figures.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/spec.h"
#include "stats/compare.h"
#include "stats/dedup.h"
#include "stats/gate.h"
#include "stats/metrics.h"

namespace synthmod::report {

/// How the run was configured, for the report's method notes and metrics.json.
struct RunInfo {
    std::vector<std::string> inputs;
    std::string spec;         ///< empty without --spec
    spec::Dedup dedup;        ///< the near-duplicate options the run used (spec, then flags)
    std::string gate_source;  ///< where the thresholds came from
};

/// Everything a report shows; pointers may be null for sections that were not run.
struct Input {
    const metrics::Dataset* data = nullptr;
    const metrics::Metrics* metrics = nullptr;
    const dedup::NearDupResult* dups = nullptr;
    RunInfo info;
    const gate::Result* gate = nullptr;
    const compare::Comparison* comparison = nullptr;
    const compare::Baseline* baseline = nullptr;
};

/// Makes row text safe inside a Markdown table cell or paragraph: strips ANSI escapes, control
/// and bidi-override characters, turns newlines into spaces, entity-encodes every character
/// Markdown or HTML would interpret anywhere (| < > & " ` * _ [ ] \ ~ $) and the ones that start
/// a block at the start (# = - + !), and cuts the text to `max_code_points` (an ellipsis marks
/// the cut).
std::string escape_text(std::string_view text, std::size_t max_code_points = 160);

/// report.md.
std::string markdown(const Input& input);

/// metrics.json (two-space indented, keys of DESIGN sections 5 and 9; unavailable figures null).
std::string metrics_json(const Input& input);

/// The SVG charts as (file name, content); charts without data are left out.
std::vector<std::pair<std::string, std::string>> charts(const Input& input);

/// A figure with a fixed number of decimals ("n/a" when absent).
std::string fixed(double value, int decimals = 4);

}  // namespace synthmod::report
