// gate: the release quality gate of DESIGN section 9 (thresholds -> pass/fail checks, JUnit XML).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "stats/metrics.h"

namespace synthmod::gate {

/// The threshold keys the gate knows, in report order.
const std::vector<std::string>& keys();

/// Parses one `--gate-set key=value`; throws UsageError on an unknown key or a bad number.
std::pair<std::string, double> parse_setting(const std::string& setting);

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

/// A figure computed outside metrics::Metrics (--gold, --reference), by its metrics.json name.
struct Figure {
    std::string name;
    std::optional<double> value;
    std::string why_missing;  ///< when absent
};

/// Checks every threshold in `thresholds` (keys from keys()) against `m` and `extra`. A figure
/// that is unavailable (no judge columns for min_agreement, no --gold for min_human_accuracy,
/// ...) fails with a message saying so.
Result evaluate(const std::map<std::string, double>& thresholds, const metrics::Metrics& m,
                const std::vector<Figure>& extra = {});

/// JUnit XML: one testsuite "synthmod-stats gate", one testcase per check.
std::string junit_xml(const Result& result);

/// The Markdown pass/fail table (also appended to $GITHUB_STEP_SUMMARY).
std::string markdown_table(const Result& result);

/// Formats a figure for people: integers as integers, others with 4 significant decimals.
std::string format_value(double value);

}  // namespace synthmod::gate
