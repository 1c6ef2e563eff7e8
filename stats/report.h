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
#include "stats/gold.h"
#include "stats/metrics.h"

namespace synthmod::report {

/// How the run was configured, for the report's method notes and metrics.json. The duplicate
/// search's options travel with its result (`Input::dups->options`, which report.md reads);
/// shingle .. num_perm below are the same values, kept while metrics.json reads them here.
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
    /// Sections of the optional features (--gold, --reference, vote ties), in order, placed
    /// before "Filter" (their figures are in Metrics::extra).
    std::vector<std::string> extra_sections;
    /// --gold's figures: metrics.json's judge_human_confusion and judge_human_per_label (null
    /// without --gold or when no gold row was graded ok by the judge).
    const gold::Figures* gold = nullptr;
};

/// Makes row text safe inside a Markdown table cell or paragraph: strips ANSI escapes, control
/// and bidi-override characters, turns newlines into spaces, entity-encodes every character
/// Markdown or HTML would interpret anywhere (| < > & " ` * _ [ ] \ ~ $) and the ones that start
/// a block at the start (# = - + !), and cuts the text to `max_code_points` (an ellipsis marks
/// the cut).
std::string escape_text(std::string_view text, std::size_t max_code_points = 160);

/// report.md: the sections below, in this order.
std::string markdown(const Input& input);

/// The sections of report.md, each from the figures it shows.
namespace section {
/// The report's title and header: the input, the spec file, the generator's and the judge's
/// models (from the input's model columns) and the cost, when the input has cost columns.
std::string title(const Input& input);
/// The one-screen summary table.
std::string summary(const metrics::Metrics& m);
/// The gate's table and failing checks, or a line saying it was not run (`result` null).
std::string gate_checks(const gate::Result* result, const std::string& source);
std::string balance(const metrics::Metrics& m);
/// Drift (target_label x label), refusals and the quota per spec label; empty without either.
std::string asked(const metrics::Metrics& m);
/// The duplicate figures, the search's method and options, the largest clusters.
std::string duplicates(const metrics::Metrics& m, const dedup::NearDupResult& dups,
                       const metrics::Dataset& data);
std::string label_conflicts(const metrics::Metrics& m, const metrics::Dataset& data);
std::string judge(const metrics::Metrics& m);
std::string diversity(const metrics::Metrics& m);
std::string filter(const metrics::Metrics& m);
std::string comparison(const compare::Comparison& comparison);
std::string baseline(const compare::Baseline& baseline);
}  // namespace section

/// metrics.json (two-space indented, keys of DESIGN sections 5 and 9; unavailable figures null).
std::string metrics_json(const Input& input);

/// The SVG charts as (file name, content); charts without data are left out.
std::vector<std::pair<std::string, std::string>> charts(const Input& input);

/// A figure with a fixed number of decimals ("n/a" when absent).
std::string fixed(double value, int decimals = 4);

}  // namespace synthmod::report
