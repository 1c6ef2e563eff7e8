// gold: people's labels (`--gold F`, the review page's CSV or Label Studio's JSON export) matched
// to the dataset's rows, and the figures that measure our labels and the judge against them.
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stats/metrics.h"

namespace synthmod::gold {

/// One reviewer's answer about one row.
struct Answer {
    std::string key;  ///< the row's `id`, else its 0-based data-row index
    std::string label;
    int realism = 0;  ///< 1..5, 0 when not given
    std::vector<std::string> issues;
    std::string note;
    double weight = 1;  ///< inclusion weight (N_h / n_h); 1 for a simple sample
    std::string where;  ///< "file:line" (CSV) or "file: [i].annotations[j]" (JSON), for messages
};

/// One reviewer: a --gold CSV file (split by its `reviewer` column when that holds several
/// names) or one annotator (`completed_by`) of a Label Studio export.
struct Reviewer {
    std::string name;
    std::vector<Answer> answers;
};

/// Reads a --gold file: Label Studio's JSON export when its first non-blank character is `[`,
/// else the review page's CSV (`key,human_label` required; `human_realism,human_issues,reviewer,
/// note,weight` optional). A row with an empty human_label is an unanswered row and skipped.
/// Malformed input throws InputError `file:line: what` (JSON: `file: [i].field: what`).
std::vector<Reviewer> read_gold(const std::string& path);
/// The same from text already read (`name` for messages).
std::vector<Reviewer> parse_gold(std::string_view text, const std::string& name);

/// What the figures need to know about one dataset row.
struct RowFacts {
    std::string key;
    std::string label;  ///< ours
    bool judged_ok = false;
    std::string judge_label;
    bool label_correct = false;
};

/// The facts of every row of a prepared dataset (key: the `id` column, else the row index).
std::vector<RowFacts> row_facts(const metrics::Dataset& data);

/// Per label, the judge against the human reference (weighted counts).
struct PerLabel {
    double precision = 0;  ///< judge said L and the human said L / judge said L
    double recall = 0;     ///< judge said L and the human said L / human said L
    double f1 = 0;
    double support = 0;  ///< weighted rows the human gave L
};

struct Figures {
    std::size_t reviewers = 0;
    std::size_t answers = 0;
    std::size_t reviewed_rows = 0;   ///< rows with at least one answer
    std::size_t human_rows = 0;      ///< rows with a gold label (their reviewers' majority)
    std::size_t human_tie_rows = 0;  ///< rows left out: their reviewers tied
    /// Weighted share of gold rows whose label is ours, with a Wilson 95 % interval on the
    /// Kish effective sample size (sum w)^2 / sum w^2 (the plain Wilson interval at weight 1).
    std::optional<double> human_label_accuracy;
    std::optional<double> human_label_accuracy_lower;
    std::optional<double> human_label_accuracy_upper;
    double effective_rows = 0;  ///< Kish effective sample size
    /// More gold rows (same design effect) needed for a Wilson half-width <= 2 points at the
    /// accuracy measured; 0 when already there.
    std::optional<std::size_t> more_rows_for_2pt;

    std::size_t judge_human_rows = 0;             ///< gold rows the judge graded ok
    std::optional<double> judge_human_agreement;  ///< weighted share judge label = gold label
    std::optional<double> judge_human_kappa;      ///< Cohen's, on the weighted confusion
    std::vector<std::string> confusion_labels;
    Eigen::MatrixXd confusion;  ///< gold label (rows) x judge label (columns), weighted
    std::map<std::string, PerLabel> per_label;
    /// label_correct = false as a detector of rows whose label is wrong (ours != gold).
    std::optional<double> judge_flag_precision;
    std::optional<double> judge_flag_recall;

    std::size_t reviewer_overlap_rows = 0;  ///< rows with two or more reviewers
    std::optional<double> reviewer_kappa;   ///< Cohen's, when there are exactly two reviewers
    std::optional<double> reviewer_fleiss_kappa;
    std::optional<double> reviewer_alpha;  ///< Krippendorff's, nominal
};

/// Matches every answer to its row by key and computes the figures. `labels` are the labels
/// a human may give (the spec's, else the dataset's). Throws InputError at the answer's place
/// for an unknown key, a label not in `labels`, a key answered twice by one reviewer, or a row
/// whose weight differs between answers.
Figures compute(const std::vector<Reviewer>& reviewers, const std::vector<RowFacts>& rows,
                const std::vector<std::string>& labels);

// ---- agreement statistics (exposed for tests) ----

/// Wilson score interval for a proportion p over n (possibly effective, fractional) trials.
metrics::Interval wilson(double p, double n, double z = 1.959963984540054);

/// Smallest whole n with a Wilson half-width <= `half` at proportion p.
std::size_t rows_for_half_width(double p, double half, double z = 1.959963984540054);

/// Fleiss' kappa of per-unit category counts (units with fewer than two ratings are skipped);
/// units may have different numbers of ratings (P_i = sum n_ij (n_ij - 1) / (n_i (n_i - 1)),
/// p_j over all ratings). Empty when no unit has two ratings or chance agreement is 1.
std::optional<double> fleiss_kappa(const std::vector<std::vector<double>>& counts);

/// Krippendorff's alpha, nominal, from the same per-unit category counts (coincidence
/// matrix; units with fewer than two values are not pairable). Empty when undefined.
std::optional<double> krippendorff_alpha(const std::vector<std::vector<double>>& counts);

}  // namespace synthmod::gold
