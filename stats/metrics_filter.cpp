// The filter (DESIGN section 9): each row's reason for leaving filtered.csv, or kKeep.
#include <cstdlib>
#include <map>
#include <string>

#include "common/text.h"
#include "stats/metrics_sections.h"

namespace synthmod::metrics::sections {

namespace {

/// The kept position of each cluster: judged correct first, then highest realism, then first.
std::vector<std::size_t> keepers(const Rows& rows, const dedup::NearDupResult& dups) {
    const Dataset& data = rows.data;
    std::vector<std::size_t> keeper(dups.clusters, SIZE_MAX);
    auto better = [&](std::size_t a, std::size_t b) {  // is position a a better keeper than b?
        std::size_t ia = rows.at(a), ib = rows.at(b);
        bool ca = data.judge[ia] == JudgeStatus::kOk && data.correct[ia];
        bool cb = data.judge[ib] == JudgeStatus::kOk && data.correct[ib];
        if (ca != cb) return ca;
        if (data.realism_score[ia] != data.realism_score[ib])
            return data.realism_score[ia] > data.realism_score[ib];
        return a < b;
    };
    for (std::size_t k = 0; k < rows.n; ++k) {
        auto c = dups.cluster[k];
        if (c >= 0 && (keeper[c] == SIZE_MAX || better(k, keeper[c]))) keeper[c] = k;
    }
    return keeper;
}

/// The cost figures: what the rows cost (gen_cost_usd + judge_cost_usd), per row kept.
void cost(const Rows& rows, Metrics& m) {
    const Dataset& data = rows.data;
    if (data.gen_cost < 0 && data.judge_cost < 0) return;
    std::map<std::string, double> by_label;
    std::map<std::string, std::size_t> kept_by_label;
    double total = 0;
    for (std::size_t k = 0; k < rows.n; ++k) {
        std::size_t i = rows.at(k);
        double row = 0;
        for (int column : {*data.gen_cost, *data.judge_cost}) {
            if (column < 0) continue;
            std::string cell(text::trim(data.field(i, column)));
            char* end = nullptr;
            double usd = cell.empty() ? -1 : std::strtod(cell.c_str(), &end);
            if (cell.empty() || end != cell.c_str() + cell.size() || !(usd >= 0))
                return;  // a cost unknown (or unreadable): no cost figures
            row += usd;
        }
        total += row;
        std::string label(data.label_of(i));
        by_label[label] += row;
        if (m.reasons[k] == Reason::kKeep) ++kept_by_label[label];
    }
    m.cost_usd = total;
    if (!m.kept_rows.empty())
        m.cost_per_accepted_row = total / static_cast<double>(m.kept_rows.size());
    for (const auto& [label, usd] : by_label)
        if (kept_by_label[label] > 0)
            m.cost_per_accepted_row_by_label[label] =
                usd / static_cast<double>(kept_by_label[label]);
}

}  // namespace

void filter(const Rows& rows, const dedup::NearDupResult& dups, const Reference& reference,
            Metrics& m) {
    const Dataset& data = rows.data;
    m.reasons.assign(rows.n, Reason::kKeep);
    const std::vector<std::size_t> keeper = keepers(rows, dups);
    std::vector<char> conflicted(dups.clusters, 0);
    for (auto& c : m.conflicts) conflicted[c.cluster] = 1;
    for (std::size_t k = 0; k < rows.n; ++k) {
        std::size_t i = rows.at(k);
        auto c = dups.cluster[k];
        Reason r = Reason::kKeep;
        if (rows.refused(k))
            r = Reason::kRefused;  // a generator refusal is not a post, whatever its text
        else if (data.normalized[i].empty())
            r = Reason::kEmpty;
        else if (c >= 0 && keeper[c] != k)
            r = dups.group_size[k] > 1 ? Reason::kExactDup : Reason::kNearDup;
        else if (c >= 0 && conflicted[c])
            r = Reason::kLabelConflict;
        else if (m.judged && !(data.judge[i] == JudgeStatus::kOk && data.correct[i]))
            r = Reason::kJudgeDisagrees;
        else if (m.judged && data.realism >= 0 && data.realism_score[i] < reference.min_realism)
            r = Reason::kLowRealism;
        m.reasons[k] = r;
        if (r == Reason::kKeep)
            m.kept_rows.push_back(i);
        else
            ++m.rejected_by_reason[reason_name(r)];
    }
    cost(rows, m);
}

}  // namespace synthmod::metrics::sections
