// Duplicates and label conflicts (DESIGN section 9), from the duplicate search's result.
#include <algorithm>
#include <set>
#include <unordered_map>

#include "stats/metrics_sections.h"

namespace synthmod::metrics::sections {

namespace {

/// The clusters whose rows carry more than one label (by label id; only those clusters get the
/// set of their label names), in cluster order.
void label_conflicts(const Rows& rows, const dedup::NearDupResult& dups, Metrics& m) {
    std::vector<std::uint32_t> first_label(dups.clusters, UINT32_MAX);
    std::vector<char> mixed(dups.clusters, 0);
    std::vector<std::size_t> sizes(dups.clusters, 0), first(dups.clusters, SIZE_MAX);
    for (std::size_t k = 0; k < rows.n; ++k) {
        auto c = dups.cluster[k];
        if (c < 0) continue;
        if (first_label[c] == UINT32_MAX)
            first_label[c] = rows.label_id[k];
        else if (first_label[c] != rows.label_id[k])
            mixed[c] = 1;
        ++sizes[c];
        first[c] = std::min(first[c], k);
    }
    std::unordered_map<std::size_t, std::set<std::string>> labels;
    for (std::size_t k = 0; k < rows.n; ++k) {
        auto c = dups.cluster[k];
        if (c >= 0 && mixed[c])
            labels[static_cast<std::size_t>(c)].insert(
                std::string(rows.label_names[rows.label_id[k]]));
    }
    for (std::size_t c = 0; c < dups.clusters; ++c) {
        if (!mixed[c]) continue;
        m.label_conflict_rows += sizes[c];
        m.conflicts.push_back({static_cast<std::int32_t>(c),
                               {labels[c].begin(), labels[c].end()},
                               sizes[c],
                               first[c]});
    }
}

}  // namespace

void duplicates(const Rows& rows, const dedup::NearDupResult& dups, Metrics& m) {
    m.exact_dup_rows = dedup::duplicate_rows(dups.first_equal);
    for (std::size_t k = 0; k < rows.n; ++k)
        m.empty_rows += rows.data.normalized[rows.at(k)].empty();
    m.short_rows = dups.short_rows;
    m.near_dup_pairs = dups.pairs;
    m.near_dup_clusters = dups.clusters;
    m.rows_in_clusters = dups.rows_in_clusters;
    m.near_dup_removed = dups.rows_in_clusters - dups.clusters;
    label_conflicts(rows, dups, m);
}

}  // namespace synthmod::metrics::sections
