#include "judge/votes.h"

#include <algorithm>

namespace synthmod::judge {

std::string majority(const std::vector<std::string>& labels, std::size_t* count) {
    std::string best;
    std::size_t best_count = 0;
    bool tied = false;
    for (const auto& candidate : labels) {
        auto n = static_cast<std::size_t>(std::count(labels.begin(), labels.end(), candidate));
        if (n > best_count) {
            best = candidate;
            best_count = n;
            tied = false;
        } else if (n == best_count && candidate != best) {
            tied = true;
        }
    }
    if (count) *count = best_count;
    return tied ? std::string() : best;
}

RowVerdict combine(const std::vector<Vote>& votes, const std::vector<std::string>& label_order,
                   const std::string& our_label, bool blind, const std::string& not_run_reason) {
    RowVerdict row;
    std::vector<const Vote*> ok;
    bool refused = false;
    bool not_run = false;
    std::string first_error;
    for (const auto& v : votes) {
        switch (v.status) {
            case Vote::Status::kOk:
                ok.push_back(&v);
                row.votes.push_back(v.grade.label);
                break;
            case Vote::Status::kRefused:
                refused = true;
                row.votes.emplace_back();
                break;
            case Vote::Status::kFailed:
                if (first_error.empty()) first_error = v.error.empty() ? "failed" : v.error;
                row.votes.emplace_back();
                break;
            case Vote::Status::kNotRun:
                not_run = true;
                row.votes.emplace_back();
                break;
        }
    }
    if (not_run) {
        row.status = "error";
        row.rationale = not_run_reason;
        return row;
    }
    if (ok.empty()) {
        row.status = refused ? "refused" : "error";
        row.rationale = refused ? "the judge refused to grade this post" : first_error;
        return row;
    }
    row.status = "ok";
    std::vector<std::string> labels;
    for (const auto* v : ok) labels.push_back(v->grade.label);
    std::size_t winner_count = 0;
    row.judge_label = majority(labels, &winner_count);
    row.confidence = static_cast<double>(winner_count) / static_cast<double>(ok.size());
    if (row.judge_label.empty()) {
        // No majority: a tie is recorded as one, never settled by the order of the labels.
        row.status = "tie";
        row.label_correct = false;
        std::vector<std::string> order;
        for (const auto& l : label_order)
            if (std::find(labels.begin(), labels.end(), l) != labels.end()) order.push_back(l);
        for (const auto& l : labels)
            if (std::find(order.begin(), order.end(), l) == order.end()) order.push_back(l);
        row.rationale = "tie:";
        for (const auto& l : order)
            row.rationale +=
                " " + l + " " + std::to_string(std::count(labels.begin(), labels.end(), l)) + ",";
        row.rationale += " of " + std::to_string(ok.size()) + " answering votes";
    }

    if (blind) {
        row.label_correct = row.judge_label == our_label;
    } else {
        std::size_t agree = 0;
        for (const auto* v : ok)
            if (v->grade.agrees.value_or(false)) ++agree;
        row.label_correct = 2 * agree > ok.size();
    }

    std::vector<int> realism;
    for (const auto* v : ok) realism.push_back(v->grade.realism);
    std::sort(realism.begin(), realism.end());
    row.realism = realism[(realism.size() - 1) / 2];

    for (const auto& tag : issue_tags()) {
        std::size_t n = 0;
        for (const auto* v : ok)
            if (std::find(v->grade.issues.begin(), v->grade.issues.end(), tag) !=
                v->grade.issues.end())
                ++n;
        if (n > 0 && 2 * n >= ok.size()) row.issues.push_back(tag);
    }
    for (const auto* v : ok) {
        if (row.status == "tie") break;
        if (v->grade.label == row.judge_label) {
            row.rationale = v->grade.rationale;
            break;
        }
    }
    return row;
}

}  // namespace synthmod::judge
