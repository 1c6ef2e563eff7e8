// gate: the release quality gate of DESIGN section 9 (thresholds -> pass/fail checks, JUnit XML).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/spec.h"
#include "stats/compare.h"
#include "stats/metrics.h"

namespace synthmod::gate {

/// The threshold keys the gate checks, in report order (the table of figures' order; the
/// setting `min_realism` is not among them).
std::vector<std::string> keys();

/// Parses one `--gate-set key=value`; throws UsageError on an unknown key (listing the known
/// ones) or a bad number. The value's range is checked by spec::Gate::set.
std::pair<std::string, double> parse_setting(const std::string& setting);

/// Applies every `--gate-set key=value` to `gate` (the spec's [gate], or an empty one) through
/// spec::Gate::set, so a value is checked as the spec's is: `--gate-set max_near_dup_rate=5`
/// is refused ("must be between 0 and 1") and `min_realism` sets the filter's threshold.
/// Throws UsageError.
void apply_settings(spec::Gate& gate, const std::vector<std::string>& settings);

/// One threshold checked against one figure.
struct Check {
    std::string key;        ///< e.g. "max_near_dup_rate"
    std::string metric;     ///< e.g. "near_dup_rate"
    bool at_least = false;  ///< min_* keys: value >= threshold; max_* keys: value <= threshold
    double threshold = 0;
    std::optional<double> value;  ///< absent: the figure cannot be computed for this input
    bool passed = false;
    std::string message;  ///< one line: what failed and by how much, or why it is unavailable
};

struct Result {
    std::vector<Check> checks;
    bool passed() const;
};

/// Checks every threshold in `thresholds` (keys from keys()). A figure that is unavailable
/// (no judge columns for min_agreement, ...) fails with a message saying so.
Result evaluate(const std::map<std::string, double>& thresholds, const metrics::Metrics& m);

/// With --baseline: one check per compared figure that both runs have and that has a better
/// direction (key `baseline`): it fails when the figure regressed past the tolerance.
void add_baseline_checks(Result& result, const compare::Baseline& baseline);

/// JUnit XML: one testsuite "synthmod-stats gate", one testcase per check.
std::string junit_xml(const Result& result);

/// The Markdown pass/fail table (also appended to $GITHUB_STEP_SUMMARY).
std::string markdown_table(const Result& result);

/// Formats a figure for people: integers as integers, others with 4 significant decimals.
std::string format_value(double value);

}  // namespace synthmod::gate
