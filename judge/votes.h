// votes: combining the K answers of one row (--votes K) into the row's judge columns.
#pragma once

#include <string>
#include <vector>

#include "judge/rubric.h"

namespace synthmod::judge {

/// One request's outcome for a row.
struct Vote {
    enum class Status { kOk, kRefused, kFailed, kNotRun };
    Status status = Status::kNotRun;
    Grade grade;        ///< kOk only
    std::string error;  ///< kFailed: why
};

/// The judge columns of one row.
struct RowVerdict {
    std::string judge_label;  ///< empty unless status is ok
    bool label_correct = false;
    int realism = 0;  ///< 0 unless status is ok
    std::vector<std::string> issues;
    std::string rationale;
    std::string status;              ///< ok | tie | refused | error
    std::vector<std::string> votes;  ///< per vote: its label, or "" when it gave none
    double confidence = 0;           ///< share of answering votes agreeing with judge_label
};

/// Majority label: the label with strictly more votes than any other; "" when two or more
/// labels share the top count (a tie is no majority) or `labels` is empty. `*count` (if
/// given) receives the top count.
std::string majority(const std::vector<std::string>& labels, std::size_t* count = nullptr);

/// Combines a row's votes. Only answering (ok) votes count: judge_label is their majority;
/// when the top labels tie, the status is "tie", judge_label is empty, label_correct false
/// and the rationale counts the votes per label (in `label_order`, the spec's order). Realism
/// is the ok votes' median (the lower one for an even count); issues are the
/// tags at least half of them name; the rationale is that of the first vote giving the majority
/// label. label_correct: blind, judge_label == our_label; not blind, a strict majority of the
/// verdicts agree (a tie counts as disagree). No ok vote: "refused" when any vote was refused,
/// else "error" with the first failure in the rationale. A vote not run makes the row
/// "error" with rationale `not_run_reason` (the run stopped before the row was finished).
RowVerdict combine(const std::vector<Vote>& votes, const std::vector<std::string>& label_order,
                   const std::string& our_label, bool blind, const std::string& not_run_reason);

}  // namespace synthmod::judge
