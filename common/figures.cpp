#include "common/figures.h"

#include <cmath>
#include <cstdio>

namespace synthmod::figures {

namespace {

constexpr double kInf = kUnbounded;

/// Builders: the table below reads one figure a line.
struct Row {
    Figure f;
    /// Listed by --compare-by and --baseline.
    Row compared() const {
        Row r = *this;
        r.f.compared = true;
        return r;
    }
    /// Gated by `key` (min_ keys check >=, max_ keys <=).
    Row gate(const char* key) const {
        Row r = *this;
        r.f.gate_key = key;
        r.f.gate_use =
            std::string_view(key).rfind("min_", 0) == 0 ? GateUse::kAtLeast : GateUse::kAtMost;
        return r;
    }
};

Row entry(Id id, const char* name, Section s, Kind kind, Better better, double lo, double hi,
          int decimals, const char* meaning) {
    return {Figure{id, name, s, kind, better, lo, hi, decimals, false, nullptr, GateUse::kNone,
                   meaning}};
}
Row count(Id id, const char* name, Section s, Better better, const char* meaning) {
    return entry(id, name, s, Kind::kCount, better, 0, kInf, 0, meaning);
}
Row share(Id id, const char* name, Section s, Better better, const char* meaning) {
    return entry(id, name, s, Kind::kNumber, better, 0, 1, 4, meaning);
}
Row number(Id id, const char* name, Section s, Better better, double lo, double hi,
           const char* meaning) {
    return entry(id, name, s, Kind::kNumber, better, lo, hi, 4, meaning);
}
Row other(Id id, const char* name, Section s, Kind kind, const char* meaning) {
    return entry(id, name, s, kind, Better::kNeither, 0, 0, 0, meaning);
}

constexpr auto kB = Section::kBalance;
constexpr auto kA = Section::kAsked;
constexpr auto kD = Section::kDuplicates;
constexpr auto kJ = Section::kJudge;
constexpr auto kV = Section::kDiversity;
constexpr auto kF = Section::kFilter;
constexpr auto kG = Section::kGroundTruth;
constexpr auto kNo = Better::kNeither;
constexpr auto kUp = Better::kHigher;
constexpr auto kDown = Better::kLower;

std::vector<Figure> build() {
    const Row rows[] = {
        count(Id::kRows, "rows", kB, kNo, "data rows read (all inputs together)")
            .compared()
            .gate("min_rows"),
        other(Id::kLabelCounts, "label_counts", kB, Kind::kTable, "rows per label"),
        other(Id::kLabelShares, "label_shares", kB, Kind::kTable, "share of the rows per label"),
        count(Id::kMinLabelCount, "min_label_count", kB, kNo,
              "rows of the smallest label (0 when a spec label has no row)")
            .gate("min_rows_per_label"),
        number(Id::kImbalanceRatio, "imbalance_ratio", kB, kDown, 0, kInf,
               "rows of the largest label / rows of the smallest")
            .compared()
            .gate("max_imbalance_ratio"),
        share(Id::kEntropy, "entropy", kB, kUp, "normalised entropy of the labels (1 = even)"),
        number(Id::kChiSquare, "chi_square", kB, kNo, 0, kInf,
               "chi-square statistic against the reference weights"),
        count(Id::kChiSquareDf, "chi_square_df", kB, kNo, "degrees of freedom of the chi-square"),
        share(Id::kChiSquareP, "chi_square_p", kB, kNo, "p-value of the chi-square"),
        other(Id::kChiSquareReference, "chi_square_reference", kB, Kind::kText,
              "what the chi-square compares with (spec weights or uniform)"),
        other(Id::kSpecLabelsMissing, "spec_labels_missing", kB, Kind::kTable,
              "spec labels with no row"),
        other(Id::kUnknownLabels, "unknown_labels", kB, Kind::kTable,
              "labels the spec does not define"),

        count(Id::kAnsweredRows, "answered_rows", kA, kNo,
              "rows with a target_label that the generator answered (not refused)"),
        count(Id::kDriftRows, "drift_rows", kA, kDown,
              "answered rows whose label differs from their target_label"),
        share(Id::kDriftRate, "drift_rate", kA, kDown, "drift_rows / answered_rows")
            .compared()
            .gate("max_drift_rate"),
        other(Id::kDriftMatrix, "drift_matrix", kA, Kind::kTable,
              "rows per target_label (asked) x label (returned), refusals in their own column"),
        count(Id::kAskedRows, "asked_rows", kA, kNo, "rows the spec asks for (its rows)"),
        other(Id::kQuota, "quota", kA, Kind::kTable,
              "per spec label: asked, answered, refused, failed, drifted in and out, kept, "
              "shortfall, fill"),
        share(Id::kQuotaFill, "quota_fill", kA, kUp,
              "the worst spec label's kept rows / rows asked for it")
            .gate("min_quota_fill"),

        count(Id::kExactDupRows, "exact_dup_rows", kD, kDown,
              "rows whose normalised text equals an earlier row's"),
        share(Id::kExactDupRate, "exact_dup_rate", kD, kDown, "exact_dup_rows / rows")
            .compared()
            .gate("max_exact_dup_rate"),
        count(Id::kRawExactDupRows, "raw_exact_dup_rows", kD, kDown,
              "rows whose trimmed raw text equals an earlier row's"),
        share(Id::kRawExactDupRate, "raw_exact_dup_rate", kD, kDown, "raw_exact_dup_rows / rows"),
        count(Id::kEmptyRows, "empty_rows", kD, kDown, "rows empty after normalisation"),
        count(Id::kShortRows, "short_rows", kD, kNo, "rows shorter than one shingle"),
        count(Id::kNearDupPairs, "near_dup_pairs", kD, kDown,
              "verified near-duplicate row pairs, identical texts included"),
        count(Id::kNearDupClusters, "near_dup_clusters", kD, kDown,
              "connected components of the pairs"),
        count(Id::kRowsInClusters, "rows_in_clusters", kD, kDown, "rows in a cluster"),
        count(Id::kNearDupRemoved, "near_dup_removed", kD, kDown,
              "rows in clusters - clusters (one row kept per cluster)"),
        share(Id::kNearDupRate, "near_dup_rate", kD, kDown, "near_dup_removed / rows")
            .compared()
            .gate("max_near_dup_rate"),
        count(Id::kLabelConflictClusters, "label_conflict_clusters", kD, kDown,
              "clusters whose rows carry more than one label"),
        count(Id::kLabelConflictRows, "label_conflict_rows", kD, kDown,
              "rows in label-conflict clusters"),
        share(Id::kLabelConflictRate, "label_conflict_rate", kD, kDown,
              "label_conflict_rows / rows")
            .compared()
            .gate("max_label_conflict_rate"),
        other(Id::kLabelConflicts, "label_conflicts", kD, Kind::kTable,
              "each label-conflict cluster: rows, labels, first row"),
        other(Id::kLargestClusters, "largest_clusters", kD, Kind::kTable,
              "the five largest near-duplicate clusters: rows, labels, first row"),
        other(Id::kDedup, "dedup", kD, Kind::kTable,
              "the near-duplicate search: shingles, MinHash, LSH banding and its match "
              "probabilities"),

        other(Id::kJudged, "judged", kJ, Kind::kFlag, "the input has judge columns"),
        count(Id::kJudgeOk, "judge_ok", kJ, kNo, "rows with judge_status=ok"),
        share(Id::kAgreement, "agreement", kJ, kUp, "share of label_correct among judge_status=ok")
            .compared()
            .gate("min_agreement"),
        share(Id::kAgreementLower, "agreement_lower", kJ, kUp,
              "lower bound of the Wilson 95 % interval of agreement")
            .compared()
            .gate("min_agreement_lower"),
        share(Id::kAgreementUpper, "agreement_upper", kJ, kNo,
              "upper bound of the Wilson 95 % interval of agreement"),
        number(Id::kKappa, "kappa", kJ, kUp, -1, 1, "Cohen's kappa, our label x judge label")
            .compared()
            .gate("min_kappa"),
        other(Id::kConfusion, "confusion", kJ, Kind::kTable,
              "confusion matrix, our label x judge label"),
        other(Id::kPerLabel, "per_label", kJ, Kind::kTable,
              "precision, recall, F1 per label taking the judge as reference"),
        number(Id::kRealismMean, "realism_mean", kJ, kUp, 1, 5, "mean judge realism (1-5)")
            .compared()
            .gate("min_realism_mean"),
        other(Id::kRealismHistogram, "realism_histogram", kJ, Kind::kTable,
              "rows per realism score"),
        other(Id::kIssueCounts, "issue_counts", kJ, Kind::kTable, "rows per judge issue tag"),
        count(Id::kJudgeRefusalRows, "judge_refusal_rows", kJ, kDown,
              "rows with judge_status=refused"),
        share(Id::kJudgeRefusalRate, "judge_refusal_rate", kJ, kDown, "judge_refusal_rows / rows")
            .compared(),
        count(Id::kJudgeErrorRows, "judge_error_rows", kJ, kDown, "rows with judge_status=error"),
        share(Id::kJudgeErrorRate, "judge_error_rate", kJ, kDown, "judge_error_rows / rows"),
        count(Id::kGeneratorRefusalRows, "generator_refusal_rows", kJ, kDown,
              "rows the generator refused"),
        share(Id::kGeneratorRefusalRate, "generator_refusal_rate", kJ, kDown,
              "generator_refusal_rows / rows"),
        other(Id::kGeneratorRefusalSource, "generator_refusal_source", kJ, Kind::kText,
              "how generator refusals were recognised"),
        share(Id::kRefusalRate, "refusal_rate", kJ, kDown,
              "the larger of the generator's and the judge's refusal rates")
            .compared()
            .gate("max_refusal_rate"),

        share(Id::kDistinct1, "distinct_1", kV, kUp, "distinct word unigrams / unigrams")
            .compared(),
        share(Id::kDistinct2, "distinct_2", kV, kUp, "distinct word bigrams / bigrams").compared(),
        number(Id::kWordsMean, "words_mean", kV, kNo, 0, kInf, "mean length in words").compared(),
        other(Id::kLengthWords, "length_words", kV, Kind::kTable,
              "length in words: mean, median, p95, overall and per label"),
        other(Id::kTopOpenings, "top_openings", kV, Kind::kTable,
              "most common first three words and their share"),
        share(Id::kTopOpeningShare, "top_opening_share", kV, kDown,
              "share of the most common opening")
            .compared(),
        share(Id::kPersonaCoverage, "persona_coverage", kV, kUp, "distinct personas / rows"),
        count(Id::kDistinctPersonas, "distinct_personas", kV, kUp, "distinct personas"),

        count(Id::kFilteredRows, "filtered_rows", kF, kNo, "rows kept in filtered.csv"),
        share(Id::kFilteredRate, "filtered_rate", kF, kNo, "filtered_rows / rows"),
        count(Id::kRejectedRows, "rejected_rows", kF, kNo, "rows written to rejected.csv"),
        other(Id::kRejectedByReason, "rejected_by_reason", kF, Kind::kTable,
              "rejected rows per first reason"),
        number(Id::kCostUsd, "cost_usd", kF, kNo, 0, kInf,
               "USD of all rows: gen_cost_usd + judge_cost_usd (null without them)"),
        number(Id::kCostPerAcceptedRow, "cost_per_accepted_row", kF, kDown, 0, kInf,
               "cost_usd / filtered_rows")
            .compared(),
        other(Id::kCostPerAcceptedRowByLabel, "cost_per_accepted_row_by_label", kF, Kind::kTable,
              "per label: the cost of its rows / its rows kept"),
        number(Id::kMinRealism, "min_realism", kF, kNo, 1, 5,
               "realism a judged row needs to be kept"),

        count(Id::kJudgeTieRows, "judge_tie_rows", kG, kDown,
              "rows whose judge votes tied (judge_status tie, no judge label)"),
        count(Id::kJudgeVotedRows, "judge_voted_rows", kG, kNo,
              "rows with two or more answering judge votes (what the votes' kappa is over)"),
        number(Id::kJudgeVotesFleissKappa, "judge_votes_fleiss_kappa", kG, kUp, -1, 1,
               "Fleiss' kappa across the judge's votes (judge --votes K)"),
        count(Id::kContaminationRows, "contamination_rows", kG, kDown,
              "rows equal or near a --reference row"),
        share(Id::kContaminationRate, "contamination_rate", kG, kDown, "contamination_rows / rows")
            .gate("max_contamination_rate"),
        count(Id::kContaminationExactRows, "contamination_exact_rows", kG, kDown,
              "contaminated rows equal to a reference row after normalisation"),
        count(Id::kContaminationPairs, "contamination_pairs", kG, kDown,
              "row x reference-row pairs at or above the near-duplicate threshold"),
        count(Id::kContaminationReferenceRows, "contamination_reference_rows", kG, kNo,
              "rows in the --reference files, all files together"),
        count(Id::kHumanRows, "human_rows", kG, kNo, "rows with a gold label (--gold majority)"),
        count(Id::kHumanReviewers, "human_reviewers", kG, kNo, "reviewers in the --gold files"),
        count(Id::kHumanAnswers, "human_answers", kG, kNo,
              "answers in the --gold files (one per reviewer and row answered)"),
        count(Id::kHumanReviewedRows, "human_reviewed_rows", kG, kNo,
              "rows with at least one reviewer's answer"),
        count(Id::kHumanTieRows, "human_tie_rows", kG, kNo,
              "rows left out because their reviewers tied"),
        share(Id::kHumanLabelAccuracy, "human_label_accuracy", kG, kUp,
              "our label = gold label, weighted by inclusion weights")
            .gate("min_human_accuracy"),
        share(Id::kHumanLabelAccuracyLower, "human_label_accuracy_lower", kG, kUp,
              "lower bound of its Wilson 95 % interval (effective sample size)")
            .gate("min_human_accuracy_lower"),
        share(Id::kHumanLabelAccuracyUpper, "human_label_accuracy_upper", kG, kUp,
              "upper bound of its Wilson 95 % interval"),
        number(Id::kHumanEffectiveRows, "human_effective_rows", kG, kNo, 0, kInf,
               "Kish effective sample size of the gold rows, (sum w)^2 / sum w^2"),
        count(Id::kHumanRowsMoreFor2pt, "human_rows_more_for_2pt", kG, kNo,
              "more gold rows for a +-2 point accuracy interval"),
        count(Id::kJudgeHumanRows, "judge_human_rows", kG, kNo, "gold rows the judge graded ok"),
        share(Id::kJudgeHumanAgreement, "judge_human_agreement", kG, kUp,
              "judge label = gold label, weighted"),
        number(Id::kJudgeHumanKappa, "judge_human_kappa", kG, kUp, -1, 1,
               "Cohen's kappa, judge label x gold label, weighted")
            .gate("min_judge_human_kappa"),
        other(Id::kJudgeHumanConfusion, "judge_human_confusion", kG, Kind::kTable,
              "weighted confusion matrix, rows: gold (human) label, columns: judge label, labels "
              "in spec order"),
        other(Id::kJudgeHumanPerLabel, "judge_human_per_label", kG, Kind::kTable,
              "precision, recall, F1 per label of the judge taking the gold label as reference, "
              "and the weighted gold rows (support)"),
        share(Id::kJudgeFlagPrecision, "judge_flag_precision", kG, kUp,
              "label_correct=false rows whose label is wrong by the gold label"),
        share(Id::kJudgeFlagRecall, "judge_flag_recall", kG, kUp,
              "wrong labels (by the gold label) the judge flagged"),
        count(Id::kReviewerOverlapRows, "reviewer_overlap_rows", kG, kNo,
              "rows labelled by two or more reviewers"),
        number(Id::kReviewerKappa, "reviewer_kappa", kG, kUp, -1, 1,
               "Cohen's kappa between the two reviewers"),
        number(Id::kReviewerFleissKappa, "reviewer_fleiss_kappa", kG, kUp, -1, 1,
               "Fleiss' kappa between the reviewers"),
        number(Id::kReviewerAlpha, "reviewer_alpha", kG, kUp, -1, 1,
               "Krippendorff's alpha (nominal) between the reviewers"),
    };
    std::vector<Figure> out;
    for (const auto& r : rows) out.push_back(r.f);
    // min_realism is set in [gate] but is the filter's threshold, not a check.
    for (auto& f : out)
        if (f.id == Id::kMinRealism) {
            f.gate_key = "min_realism";
            f.gate_use = GateUse::kSetting;
        }
    return out;
}

std::string format_bound(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

}  // namespace

const std::vector<Figure>& all() {
    static const std::vector<Figure> table = build();
    return table;
}

const Figure& of(Id id) {
    // The table lists the ids in enum order (checked by a unit test).
    return all()[static_cast<std::size_t>(id)];
}

const Figure* find(std::string_view name) {
    for (const auto& f : all())
        if (name == f.name) return &f;
    return nullptr;
}

const Figure* find_gate_key(std::string_view key) {
    for (const auto& f : all())
        if (f.gate_key != nullptr && key == f.gate_key) return &f;
    return nullptr;
}

std::vector<std::string> gate_keys() {
    std::vector<std::string> keys;
    for (const auto& f : all())
        if (f.gate_key != nullptr) keys.emplace_back(f.gate_key);
    return keys;
}

std::string gate_keys_list() {
    std::string out;
    for (const auto& k : gate_keys()) out += (out.empty() ? "" : ", ") + k;
    return out;
}

std::string threshold_error(const Figure& figure, double value) {
    if (!std::isfinite(value)) return "must be a finite number";
    if (value >= figure.lo && value <= figure.hi) return "";
    std::string what = figure.hi == kUnbounded ? "must be >= " + format_bound(figure.lo)
                                               : "must be between " + format_bound(figure.lo) +
                                                     " and " + format_bound(figure.hi);
    if (figure.id == Id::kRealismMean || figure.id == Id::kMinRealism)
        what += " (the realism scale)";
    return what;
}

}  // namespace synthmod::figures
