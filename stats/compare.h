// compare: key figures side by side per group (--compare-by) with seeded bootstrap intervals of
// the differences, and against an earlier release's metrics.json (--baseline).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stats/dedup.h"
#include "stats/metrics.h"

namespace synthmod::compare {

/// One figure across the groups: values per group, and per group g > 0 the difference against
/// group 0 with a 95 % bootstrap interval (absent for figures that need a full dedup per resample).
struct Row {
    std::string metric;
    bool higher_is_better = true;
    int decimals = 4;  ///< how the table of figures prints it (0 for rows)
    std::vector<std::optional<double>> values;
    std::vector<std::optional<double>> diff;
    std::vector<std::optional<double>> lower;
    std::vector<std::optional<double>> upper;
};

struct Comparison {
    std::string column;
    std::vector<std::string> groups;  ///< in order of first appearance
    std::vector<std::size_t> sizes;
    bool paired = false;             ///< rows paired by persona x target_label
    std::vector<std::size_t> pairs;  ///< per group g > 0: pairs with group 0 (paired only)
    int resamples = 0;
    std::uint64_t seed = 0;
    std::vector<Row> rows;
};

/// Groups the rows by `column` (UsageError when it does not exist), recomputes the figures per
/// group (duplicates searched within the group) and bootstraps the per-row figures.
Comparison by_column(const metrics::Dataset& data, const std::string& column,
                     const dedup::NearDupOptions& dedup_options,
                     const metrics::Reference& reference, std::uint64_t seed, int resamples = 1000);

/// One figure of this run against the baseline's.
struct BaselineRow {
    std::string metric;
    bool higher_is_better = true;
    int decimals = 4;  ///< how the table of figures prints it (0 for rows)
    std::optional<double> current;
    std::optional<double> baseline;
    double allowed = 0;  ///< how much worse than the baseline still passes (the tolerance)
    bool regression = false;  ///< worse than the baseline by more than `allowed`
};

struct Baseline {
    std::string path;
    double tolerance = 0;  ///< --baseline-tolerance: absolute for shares, relative otherwise
    std::vector<BaselineRow> rows;
    std::size_t regressions = 0;
};

/// Reads an earlier metrics.json; throws InputError when it is not a JSON object.
/// A figure is a regression when it is worse than the baseline's by more than `tolerance`:
/// absolute for a share (a figure whose range is [0, 1]: 0.01 = one point), relative to the
/// baseline's value for any other figure (0.01 = 1 %).
Baseline against_baseline(const std::string& path, const std::string& json_text,
                          const metrics::Metrics& current, double tolerance = 0);

}  // namespace synthmod::compare
