// figures: the table of the entries of metrics.json (name, meaning, direction, valid range, how
// it prints) and the gate keys drawn from it, shared by the spec reader and synthmod-stats.
#pragma once

#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace synthmod::figures {

/// Every top-level entry of metrics.json, in the order it is written. A new figure gets an id
/// here, a row in the table (figures.cpp, same order), and either a value in stats/figures.cpp
/// (its section's switch) when it is a number or a writer in stats/report_json.cpp when it is
/// not; tests/figures_test.cpp fails on a table row without one.
enum class Id {
    // balance
    kRows,
    kLabelCounts,
    kLabelShares,
    kMinLabelCount,
    kImbalanceRatio,
    kEntropy,
    kChiSquare,
    kChiSquareDf,
    kChiSquareP,
    kChiSquareReference,
    kSpecLabelsMissing,
    kUnknownLabels,
    // asked for vs got
    kAnsweredRows,
    kDriftRows,
    kDriftRate,
    kDriftMatrix,
    kAskedRows,
    kQuota,
    kQuotaFill,
    // duplicates
    kExactDupRows,
    kExactDupRate,
    kRawExactDupRows,
    kRawExactDupRate,
    kEmptyRows,
    kShortRows,
    kNearDupPairs,
    kNearDupClusters,
    kRowsInClusters,
    kNearDupRemoved,
    kNearDupRate,
    kLabelConflictClusters,
    kLabelConflictRows,
    kLabelConflictRate,
    kLabelConflicts,
    kLargestClusters,
    kDedup,
    // judge
    kJudged,
    kJudgeOk,
    kAgreement,
    kAgreementLower,
    kAgreementUpper,
    kKappa,
    kConfusion,
    kPerLabel,
    kRealismMean,
    kRealismHistogram,
    kIssueCounts,
    kJudgeRefusalRows,
    kJudgeRefusalRate,
    kJudgeErrorRows,
    kJudgeErrorRate,
    kGeneratorRefusalRows,
    kGeneratorRefusalRate,
    kGeneratorRefusalSource,
    kRefusalRate,
    // diversity
    kDistinct1,
    kDistinct2,
    kWordsMean,
    kLengthWords,
    kTopOpenings,
    kTopOpeningShare,
    kPersonaCoverage,
    kDistinctPersonas,
    // filter
    kFilteredRows,
    kFilteredRate,
    kRejectedRows,
    kRejectedByReason,
    kCostUsd,
    kCostPerAcceptedRow,
    kCostPerAcceptedRowByLabel,
    kMinRealism,
    // ground truth (issue 13): judge vote ties, a real test set, people's labels
    kJudgeTieRows,
    kJudgeVotedRows,
    kJudgeVotesFleissKappa,
    kContaminationRows,
    kContaminationRate,
    kContaminationExactRows,
    kContaminationPairs,
    kContaminationReferenceRows,
    kHumanRows,
    kHumanReviewers,
    kHumanAnswers,
    kHumanReviewedRows,
    kHumanTieRows,
    kHumanLabelAccuracy,
    kHumanLabelAccuracyLower,
    kHumanLabelAccuracyUpper,
    kHumanEffectiveRows,
    kHumanRowsMoreFor2pt,
    kJudgeHumanRows,
    kJudgeHumanAgreement,
    kJudgeHumanKappa,
    kJudgeHumanConfusion,
    kJudgeHumanPerLabel,
    kJudgeFlagPrecision,
    kJudgeFlagRecall,
    kReviewerOverlapRows,
    kReviewerKappa,
    kReviewerFleissKappa,
    kReviewerAlpha,
};

/// The report section a figure belongs to (metrics.json keeps the sections in this order).
/// kGroundTruth: figures of judge --votes ties, --reference and --gold (null unless computed).
enum class Section { kBalance, kAsked, kDuplicates, kJudge, kDiversity, kFilter, kGroundTruth };

/// How metrics.json writes the entry.
enum class Kind {
    kCount,   ///< a JSON integer
    kNumber,  ///< a JSON number in shortest round-trip form; null when unavailable or infinite
    kText,    ///< a JSON string
    kFlag,    ///< true or false
    kTable,   ///< an object or an array, written by its own writer
};

/// Which way a figure is better, for --compare-by and --baseline (a regression is a change the
/// wrong way).
enum class Better { kNeither, kHigher, kLower };

/// What a gate key does with its value.
enum class GateUse {
    kNone,
    kAtLeast,  ///< `min_...`: the check passes when the figure is >= the threshold
    kAtMost,   ///< `max_...`: the check passes when the figure is <= the threshold
    kSetting,  ///< `min_realism`: not a check but the filter's realism threshold
};

inline constexpr double kUnbounded = std::numeric_limits<double>::infinity();

/// One entry of metrics.json.
struct Figure {
    Id id;
    const char* name;  ///< key in metrics.json (DESIGN sections 5, 9 and 12)
    Section section;
    Kind kind;
    Better better;
    double lo;             ///< valid range of the figure and of a threshold on it (numbers only)
    double hi;             ///< kUnbounded: no upper bound
    int decimals;          ///< decimals when a table prints it (comparison, baseline)
    bool compared;         ///< listed by --compare-by and --baseline
    const char* gate_key;  ///< key in [gate] and --gate-set, or nullptr
    GateUse gate_use;
    const char* meaning;  ///< one line for people
};

/// The whole table, in metrics.json order (sections in Section order).
const std::vector<Figure>& all();

/// The entry of `id` (every id has one).
const Figure& of(Id id);

/// The entry named `name` in metrics.json, or nullptr.
const Figure* find(std::string_view name);

/// The entry whose gate key is `key` (`max_near_dup_rate`, `min_realism`, ...), or nullptr.
const Figure* find_gate_key(std::string_view key);

/// Every gate key in table order (the gate's report order), settings included.
std::vector<std::string> gate_keys();

/// "min_rows, min_rows_per_label, ...": the known keys for an error message.
std::string gate_keys_list();

/// Why `value` is not a valid threshold for `figure` ("must be between 0 and 1"); empty when it
/// is. The same rule for the spec's [gate] and for --gate-set.
std::string threshold_error(const Figure& figure, double value);

}  // namespace synthmod::figures
