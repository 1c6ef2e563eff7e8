// Asked for vs got (issue 12, DESIGN section 12): how far the rows are from what the generator
// was asked for — drift (target_label x label), refusals, and per spec label the quota: asked,
// answered, refused, failed, drifted in and out, kept in filtered.csv, shortfall, fill.
#include <algorithm>
#include <map>

#include "stats/metrics_sections.h"

namespace synthmod::metrics::sections {

namespace {

/// Largest-remainder split of `total` by `weights` (ties to the earlier label): the generator's
/// plan apportions the same way (generator/plan.h apportion), so `asked` is what was planned.
std::vector<std::size_t> apportion(const std::vector<double>& weights, std::size_t total) {
    std::vector<std::size_t> counts(weights.size(), 0);
    long double sum = 0;
    for (double w : weights) sum += w > 0 ? w : 0;
    if (weights.empty() || sum <= 0) return counts;
    std::vector<long double> remainder(weights.size());
    std::size_t given = 0;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        const long double exact = (weights[i] > 0 ? weights[i] : 0) * static_cast<long double>(total) / sum;
        counts[i] = static_cast<std::size_t>(exact);
        remainder[i] = exact - static_cast<long double>(counts[i]);
        given += counts[i];
    }
    std::vector<std::size_t> order(weights.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
    for (std::size_t k = 0; given < total; ++k, ++given) ++counts[order[k % order.size()]];
    return counts;
}

/// Index of `name` in `names`, appended when new.
std::size_t index_of(std::vector<std::string>& names, std::string_view name) {
    auto it = std::find(names.begin(), names.end(), name);
    if (it != names.end()) return static_cast<std::size_t>(it - names.begin());
    names.emplace_back(name);
    return names.size() - 1;
}

/// The drift matrix: rows are target labels, columns returned labels, "refused" last.
void drift(const Rows& rows, const Reference& reference, Metrics& m) {
    const Dataset& data = rows.data;
    std::vector<std::string> targets = reference.labels, returned = reference.labels;
    std::map<std::pair<std::size_t, std::size_t>, std::size_t> cells;
    std::size_t refused_cells = 0;
    std::vector<std::size_t> refused_by_target;
    for (std::size_t k = 0; k < rows.n; ++k) {
        const std::string_view target = data.field(rows.at(k), data.target_label);
        if (target.empty()) continue;
        const std::size_t t = index_of(targets, target);
        if (refused_by_target.size() < targets.size()) refused_by_target.resize(targets.size(), 0);
        if (rows.refused(k)) {
            ++refused_by_target[t];
            ++refused_cells;
            continue;
        }
        const std::string_view label = rows.label_names[rows.label_id[k]];
        ++cells[{t, index_of(returned, label)}];
        ++m.answered_rows;
        if (label != target) ++m.drift_rows;
    }
    // Labels that appear only among the returned ones are targets no one asked for: keep the
    // matrix square over the spec's labels and list the rest after them.
    m.drift_targets = targets;
    m.drift_returned = returned;
    if (refused_cells > 0) m.drift_returned.emplace_back("refused");
    m.drift_matrix.assign(targets.size(), std::vector<std::size_t>(m.drift_returned.size(), 0));
    for (const auto& [cell, n] : cells) m.drift_matrix[cell.first][cell.second] = n;
    if (refused_cells > 0)
        for (std::size_t t = 0; t < refused_by_target.size(); ++t)
            m.drift_matrix[t].back() = refused_by_target[t];
}

/// The quota of each spec label against the spec's rows.
void quota(const Rows& rows, const Reference& reference, Metrics& m) {
    const Dataset& data = rows.data;
    const std::size_t labels = reference.labels.size();
    std::vector<double> weights(labels, 1.0);
    for (std::size_t l = 0; l < labels && l < reference.weights.size(); ++l)
        weights[l] = reference.weights[l];
    const auto asked = apportion(weights, reference.rows);
    m.asked_rows = reference.rows;
    m.quota.assign(labels, Quota{});
    auto spec_index = [&](std::string_view name) -> std::size_t {
        auto it = std::find(reference.labels.begin(), reference.labels.end(), name);
        return static_cast<std::size_t>(it - reference.labels.begin());  // == labels: not a spec label
    };
    for (std::size_t l = 0; l < labels; ++l) {
        m.quota[l].label = reference.labels[l];
        m.quota[l].asked = asked[l];
    }
    for (std::size_t k = 0; k < rows.n; ++k) {
        const std::string_view label = rows.label_names[rows.label_id[k]];
        const bool refused = rows.refused(k);
        const std::string_view target =
            m.has_target ? data.field(rows.at(k), data.target_label) : label;
        const std::size_t t = spec_index(target), g = spec_index(label);
        if (t < labels) {
            if (refused) {
                ++m.quota[t].refused;
            } else {
                ++m.quota[t].answered;
                if (label != target) ++m.quota[t].drifted_out;
            }
        }
        if (!refused && g < labels && label != target) ++m.quota[g].drifted_in;
        if (m.reasons[k] == Reason::kKeep && g < labels) ++m.quota[g].kept;
    }
    for (auto& q : m.quota) {
        const std::size_t got = q.answered + q.refused;
        q.failed = q.asked > got ? q.asked - got : 0;
        q.shortfall = q.asked > q.kept ? q.asked - q.kept : 0;
        q.fill = q.asked > 0 ? static_cast<double>(q.kept) / static_cast<double>(q.asked) : 0.0;
    }
}

}  // namespace

void asked(const Rows& rows, const Reference& reference, Metrics& m) {
    m.has_target = rows.data.target_label >= 0;
    if (m.has_target) drift(rows, reference, m);
    if (!reference.labels.empty() && reference.rows > 0) quota(rows, reference, m);
}

}  // namespace synthmod::metrics::sections
