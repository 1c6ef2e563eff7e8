// Label balance (DESIGN section 9): counts and shares, imbalance ratio, normalised entropy,
// chi-square against the spec's weights.
#include <algorithm>
#include <limits>

#include "stats/metrics_sections.h"

namespace synthmod::metrics::sections {

void balance(const Rows& rows, const Reference& reference, Metrics& m) {
    // A generator refusal is not a post: it has its own figure (generator_refusal_rows) and is
    // left out of the label counts, so "refused" is never taken for a label.
    if (rows.data.status >= 0) {
        std::vector<std::size_t> answered(rows.label_names.size(), 0);
        for (std::size_t k = 0; k < rows.n; ++k)
            if (!rows.refused(k)) ++answered[rows.label_id[k]];
        for (std::size_t l = 0; l < rows.label_names.size(); ++l)
            if (answered[l] > 0) m.label_counts[std::string(rows.label_names[l])] += answered[l];
    } else {
        for (std::size_t l = 0; l < rows.label_names.size(); ++l)
            if (!rows.refusal_label[l])
                m.label_counts[std::string(rows.label_names[l])] += rows.label_rows[l];
    }
    if (!m.label_counts.empty()) {
        std::size_t lo = SIZE_MAX, hi = 0;
        for (auto& [name, c] : m.label_counts) {
            lo = std::min(lo, c);
            hi = std::max(hi, c);
        }
        m.imbalance_ratio = static_cast<double>(hi) / static_cast<double>(lo);
    }
    std::vector<double> observed, weights;
    if (!reference.labels.empty()) {
        m.chi_reference = "spec weights";
        for (std::size_t l = 0; l < reference.labels.size(); ++l) {
            auto it = m.label_counts.find(reference.labels[l]);
            observed.push_back(it == m.label_counts.end() ? 0.0 : static_cast<double>(it->second));
            weights.push_back(reference.weights.size() > l ? reference.weights[l] : 1.0);
            if (it == m.label_counts.end()) m.spec_labels_missing.push_back(reference.labels[l]);
        }
        for (auto& [name, c] : m.label_counts)
            if (std::find(reference.labels.begin(), reference.labels.end(), name) ==
                reference.labels.end())
                m.unknown_labels.push_back(name);
    } else {
        m.chi_reference = "uniform";
        for (auto& [name, c] : m.label_counts) {
            observed.push_back(static_cast<double>(c));
            weights.push_back(1.0);
        }
    }
    // A spec label with no row at all is the worst imbalance there is: infinite (null in
    // metrics.json), so max_imbalance_ratio fails instead of comparing only the labels present.
    if (!m.spec_labels_missing.empty()) m.imbalance_ratio = std::numeric_limits<double>::infinity();
    m.entropy = statistics::normalized_entropy(observed);
    m.chi = statistics::chi_square_gof(observed, weights);
}

}  // namespace synthmod::metrics::sections
