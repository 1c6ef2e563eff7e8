// metrics: the figures of DESIGN section 9 (balance, duplicates, label conflicts, judge agreement,
// diversity) and the row filter, computed from a prepared dataset and its duplicate search.
// Each report section's figures have a file of their own (metrics_<section>.cpp).
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stats/dataset.h"
#include "stats/dedup.h"
#include "stats/statistics.h"

namespace synthmod::metrics {

// The names this module used before the statistics and the dataset had rooms of their own
// (compare.cpp and the figure types below still say metrics::).
using dataset::Dataset;
using dataset::JudgeStatus;
using statistics::chi_square_gof;
using statistics::chi_square_sf;
using statistics::ChiSquare;
using statistics::cohen_kappa;
using statistics::Interval;
using statistics::normalized_entropy;
using statistics::percentile;
using statistics::wilson;

// ---- the figures ----

struct LabelLength {
    double mean = 0;
    double median = 0;
    double p95 = 0;
};

struct PerLabel {
    double precision = 0;
    double recall = 0;
    double f1 = 0;
    std::size_t support = 0;  ///< rows the judge gave this label
};

struct Opening {
    std::string words;
    std::size_t count = 0;
    double share = 0;
};

struct Conflict {
    std::int32_t cluster = 0;
    std::vector<std::string> labels;
    std::size_t rows = 0;
    std::size_t example_row = 0;
};

/// One spec label's quota: what was asked for and what came back (DESIGN section 12).
struct Quota {
    std::string label;
    std::size_t asked = 0;        ///< the spec's rows x this label's weight (largest remainder)
    std::size_t answered = 0;     ///< rows asked for this label and answered (not refused)
    std::size_t refused = 0;      ///< rows asked for this label that the generator refused
    std::size_t failed = 0;       ///< asked - answered - refused: not in the input at all
    std::size_t drifted_out = 0;  ///< answered for this label with another label
    std::size_t drifted_in = 0;   ///< answered with this label for another target
    std::size_t kept = 0;         ///< rows with this label in filtered.csv
    std::size_t shortfall = 0;    ///< asked - kept, at least 0
    double fill = 0;              ///< kept / asked
};

/// Why a row is not in filtered.csv (DESIGN section 5), checked in this order: an empty text
/// first (it is nothing to keep), then the duplicate and judge reasons.
enum class Reason {
    kKeep,
    kEmpty,
    kExactDup,
    kNearDup,
    kLabelConflict,
    kJudgeDisagrees,
    kLowRealism,
    kRefused,
    kContaminated  ///< equal or near a --reference row (set after compute, stats/reference.h)
};
const char* reason_name(Reason r);

/// A figure computed after the metrics (stats/ground_truth.h), absent with a reason.
struct ExtraFigure {
    std::optional<double> value;
    std::string why_missing;
};

struct Metrics {
    /// Figures of the ground-truth section (--gold, --reference, vote ties) by metrics.json
    /// name; a name missing here was not computed (its flag was not given).
    std::map<std::string, ExtraFigure> extra;
    std::size_t rows = 0;
    std::map<std::string, std::size_t> label_counts;
    std::vector<std::string> spec_labels_missing;  ///< spec labels with no row
    std::vector<std::string> unknown_labels;       ///< labels the spec does not define
    double imbalance_ratio = 0;
    double entropy = 0;
    ChiSquare chi;
    std::string chi_reference;  ///< "spec weights" or "uniform"

    std::size_t exact_dup_rows = 0;
    std::size_t raw_exact_dup_rows = 0;
    std::size_t empty_rows = 0;
    std::size_t short_rows = 0;  ///< non-empty texts shorter than one shingle
    std::uint64_t near_dup_pairs = 0;
    std::size_t near_dup_clusters = 0;
    std::size_t rows_in_clusters = 0;
    std::size_t near_dup_removed = 0;
    std::size_t label_conflict_rows = 0;
    std::vector<Conflict> conflicts;

    // judge (present when has_judge)
    bool judged = false;
    std::size_t judge_ok = 0;
    std::size_t judge_correct = 0;
    std::size_t judge_refused = 0;
    std::size_t judge_errors = 0;
    std::optional<double> agreement;
    Interval agreement_ci;
    std::optional<double> kappa;
    std::vector<std::string> confusion_labels;
    Eigen::MatrixXd confusion;  ///< our label (rows) x judge label (columns), ok rows
    std::map<std::string, PerLabel> per_label;
    std::optional<double> realism_mean;
    std::vector<std::size_t> realism_histogram;  ///< index 0..4 = realism 1..5
    std::map<std::string, std::size_t> issue_counts;
    std::optional<double> judge_refusal_rate;
    std::size_t generator_refused = 0;
    std::string generator_refusal_source;  ///< which column said so

    double distinct_1 = 0;
    double distinct_2 = 0;
    std::map<std::string, LabelLength> length_by_label;
    LabelLength length_all;
    std::vector<Opening> top_openings;  ///< up to 5, most common first
    std::optional<double> persona_coverage;
    std::size_t distinct_personas = 0;

    // asked for vs got (a target_label column; the quota with --spec)
    bool has_target = false;
    std::size_t answered_rows = 0;  ///< rows with a target label, not refused
    std::size_t drift_rows = 0;     ///< answered rows whose label is not their target label
    std::vector<std::string> drift_targets;   ///< matrix rows: spec labels, then others
    std::vector<std::string> drift_returned;  ///< matrix columns: the same, then "refused"
    std::vector<std::vector<std::size_t>> drift_matrix;  ///< target x returned label, counts
    std::size_t asked_rows = 0;  ///< the spec's rows (0 without --spec)
    std::vector<Quota> quota;    ///< one per spec label, spec order (with --spec)

    std::vector<Reason> reasons;  ///< per row
    std::vector<std::size_t> kept_rows;
    std::map<std::string, std::size_t> rejected_by_reason;
    double min_realism = 3;
    /// USD of every row (gen_cost_usd + judge_cost_usd, whichever the input has); none without
    /// a cost column or when a row's cost is unknown (empty cell).
    std::optional<double> cost_usd;
    /// cost_usd / rows kept in filtered.csv (none when no row is kept).
    std::optional<double> cost_per_accepted_row;
    /// Per label: the cost of its rows (rejected ones included) / its rows kept.
    std::map<std::string, double> cost_per_accepted_row_by_label;

    double rate(double count) const { return rows ? count / static_cast<double>(rows) : 0.0; }
    double exact_dup_rate() const { return rate(exact_dup_rows); }
    double near_dup_rate() const { return rate(near_dup_removed); }
    double label_conflict_rate() const { return rate(label_conflict_rows); }
    double generator_refusal_rate() const { return rate(generator_refused); }
    /// drift_rows / answered_rows; none without a target_label column or answered row.
    std::optional<double> drift_rate() const;
    /// The worst label's kept / asked; none without a quota.
    std::optional<double> min_quota_fill() const;
    /// The larger of the generator's and the judge's refusal rates.
    double refusal_rate() const;
};

/// Spec knowledge the figures use (empty without --spec).
struct Reference {
    std::vector<std::string> labels;
    std::vector<double> weights;
    std::size_t rows = 0;  ///< the spec's rows: what was asked for (0 = unknown)
    double min_realism = 3;
};

/// What may run beside the diversity figures (the longest section, which no other needs):
/// given the figures with every row's reason and kept_rows final, it may read those of them.
using Alongside = std::function<void(const Metrics&)>;

/// Computes every figure over the rows `subset` of `data` (all rows when empty), whose
/// duplicates are `dups` (indices of `dups` are positions in the subset), on `threads` threads.
/// `alongside`, if given, runs on another thread while the diversity figures are computed
/// (stats writes the row files then); it is joined, and what it threw rethrown, before compute
/// returns.
Metrics compute(const Dataset& data, const dedup::NearDupResult& dups, const Reference& reference,
                const std::vector<std::size_t>& subset = {}, int threads = 1,
                const Alongside& alongside = {});

}  // namespace synthmod::metrics
