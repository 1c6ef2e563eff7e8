#include "stats/metrics.h"

#include <algorithm>
#include <exception>
#include <thread>
#include <unordered_map>

#include "stats/metrics_sections.h"

namespace synthmod::metrics {

namespace sections {

Rows::Rows(const Dataset& d, const std::vector<std::size_t>& s, int threads)
    : data(d), subset(s), n(s.empty() ? d.size() : s.size()), label_id(n) {
    // Each worker numbers the labels of its range; the local numbers are then mapped to
    // global ones.
    const int workers = n < 65536 ? 1 : std::max(1, threads);
    std::vector<std::vector<std::string_view>> local_names(workers);
    dedup::parallel_tasks(workers, workers, [&](std::size_t w, int) {
        std::unordered_map<std::string_view, std::uint32_t> ids;
        auto& names = local_names[w];
        std::string_view last;
        std::uint32_t last_id = UINT32_MAX;
        for (std::size_t k = n * w / workers; k < n * (w + 1) / workers; ++k) {
            std::string_view l = data.label_of(at(k));
            if (last_id == UINT32_MAX || l != last) {
                auto [it, fresh] = ids.emplace(l, static_cast<std::uint32_t>(names.size()));
                if (fresh) names.push_back(l);
                last = l;
                last_id = it->second;
            }
            label_id[k] = last_id;
        }
    });
    std::unordered_map<std::string_view, std::uint32_t> ids;
    for (int w = 0; w < workers; ++w) {
        std::vector<std::uint32_t> global(local_names[w].size());
        for (std::size_t l = 0; l < global.size(); ++l) {
            auto [it, fresh] =
                ids.emplace(local_names[w][l], static_cast<std::uint32_t>(label_names.size()));
            if (fresh) label_names.push_back(local_names[w][l]);
            global[l] = it->second;
        }
        for (std::size_t k = n * w / workers; k < n * (w + 1) / workers; ++k)
            label_id[k] = global[label_id[k]];
    }
    label_rows.assign(label_names.size(), 0);
    for (std::size_t k = 0; k < n; ++k) ++label_rows[label_id[k]];
    refusal_label.assign(label_names.size(), 0);
    for (std::size_t l = 0; l < label_names.size(); ++l) refusal_label[l] = is_refusal(label_names[l]);
}

bool Rows::refused(std::size_t k) const {
    if (data.status >= 0) return is_refusal(data.field(at(k), data.status));
    return refusal_label[label_id[k]] != 0;
}

bool is_refusal(std::string_view v) {
    if (v.size() != 7) return false;
    auto matches = [&](const char* word) {
        for (std::size_t i = 0; i < 7; ++i)
            if (static_cast<char>(std::tolower(static_cast<unsigned char>(v[i]))) != word[i])
                return false;
        return true;
    };
    return matches("refused") || matches("refusal");
}

}  // namespace sections

const char* reason_name(Reason r) {
    switch (r) {
        case Reason::kKeep:
            return "";
        case Reason::kEmpty:
            return "empty";
        case Reason::kExactDup:
            return "exact_dup";
        case Reason::kNearDup:
            return "near_dup";
        case Reason::kLabelConflict:
            return "label_conflict";
        case Reason::kJudgeDisagrees:
            return "judge_disagrees";
        case Reason::kLowRealism:
            return "low_realism";
        case Reason::kRefused:
            return "refused";
        case Reason::kContaminated:
            return "contaminated";
    }
    return "";
}

std::optional<double> Metrics::drift_rate() const {
    if (!has_target || answered_rows == 0) return std::nullopt;
    return static_cast<double>(drift_rows) / static_cast<double>(answered_rows);
}

std::optional<double> Metrics::min_quota_fill() const {
    std::optional<double> worst;
    for (const auto& q : quota)
        if (q.asked > 0 && (!worst || q.fill < *worst)) worst = q.fill;
    return worst;
}

double Metrics::refusal_rate() const {
    double r = generator_refusal_rate();
    if (judge_refusal_rate) r = std::max(r, *judge_refusal_rate);
    return r;
}

Metrics compute(const Dataset& data, const dedup::NearDupResult& dups, const Reference& reference,
                const std::vector<std::size_t>& subset, int threads, const Alongside& alongside) {
    if (!data.prepared()) throw std::logic_error("metrics::compute: the dataset is not prepared");
    const sections::Rows rows(data, subset, threads);
    Metrics m;
    m.rows = rows.n;
    m.min_realism = reference.min_realism;
    sections::balance(rows, reference, m);
    sections::duplicates(rows, dups, m);
    sections::judge(rows, m);
    sections::filter(rows, dups, reference, m);
    sections::asked(rows, reference, m);
    // Diversity reads and writes none of the figures above: `alongside` reads them meanwhile.
    std::exception_ptr alongside_error;
    std::thread beside;
    if (alongside)
        beside = std::thread([&] {
            try {
                alongside(m);
            } catch (...) {
                alongside_error = std::current_exception();
            }
        });
    try {
        sections::diversity(rows, threads, m);
    } catch (...) {
        if (beside.joinable()) beside.join();
        throw;
    }
    if (beside.joinable()) beside.join();
    if (alongside_error) std::rethrow_exception(alongside_error);
    return m;
}

}  // namespace synthmod::metrics
