// metrics_sections: the functions that compute each report section's figures (one file each:
// metrics_balance.cpp, metrics_duplicates.cpp, metrics_judge.cpp, metrics_diversity.cpp,
// metrics_filter.cpp, metrics_asked.cpp), called by metrics::compute (diversity last, beside
// the caller's `alongside`). Private to stats/metrics*.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "stats/dedup.h"
#include "stats/metrics.h"

namespace synthmod::metrics::sections {

/// The rows one compute() call works on — all of a dataset's or a subset — with each row's
/// label as a small id (labels are few: no string is built per row).
struct Rows {
    Rows(const Dataset& data, const std::vector<std::size_t>& subset, int threads);
    const Dataset& data;
    const std::vector<std::size_t>& subset;  ///< empty: every row
    std::size_t n = 0;
    /// The dataset row of position k.
    std::size_t at(std::size_t k) const { return subset.empty() ? k : subset[k]; }
    std::vector<std::uint32_t> label_id;        ///< per position
    std::vector<std::string_view> label_names;  ///< by id, in order of first appearance
    std::vector<std::size_t> label_rows;        ///< by id
    std::vector<char> refusal_label;            ///< by id: the label says "refused"
    /// A generator refusal: the status column says so when the file has one, else the label.
    bool refused(std::size_t k) const;
};

/// lower(v) == "refused" || lower(v) == "refusal".
bool is_refusal(std::string_view v);

/// Counts, imbalance, entropy and chi-square against the spec's weights (or uniform).
void balance(const Rows& rows, const Reference& reference, Metrics& m);
/// Exact and near duplicates and the label-conflict clusters.
void duplicates(const Rows& rows, const dedup::NearDupResult& dups, Metrics& m);
/// Agreement, confusion, kappa, per-label scores, realism, issue tags, refusals.
void judge(const Rows& rows, Metrics& m);
/// distinct-1/2, lengths per label, the most common openings, persona coverage.
void diversity(const Rows& rows, int threads, Metrics& m);

/// Distinct and total word 1-grams and 2-grams of the rows' normalised texts (the words are the
/// pieces between single spaces), for distinct-1 and distinct-2.
struct GramCounts {
    std::size_t distinct_1 = 0, total_1 = 0, distinct_2 = 0, total_2 = 0;
};
/// Most bigrams whose hashes the first of distinct_grams' two walks keeps for the second
/// (8 bytes each, 32 MB: 100,000 posts of ~40 words). Above it (a million posts) the second
/// walk hashes the texts again rather than hold ~8 bytes per word.
constexpr std::size_t kKeptBigrams = std::size_t{4} << 20;
/// The counts; `kept_bigrams` is the bound above (a test passes 0 to take the other path:
/// the counts are the same).
GramCounts distinct_grams(const Rows& rows, int threads, std::size_t kept_bigrams = kKeptBigrams);
/// Each row's reason (kKeep for filtered.csv); needs duplicates() and judge() done.
void filter(const Rows& rows, const dedup::NearDupResult& dups, const Reference& reference,
            Metrics& m);
/// Asked for vs got: drift (target_label x label), refusals, and with the spec's rows and
/// weights the quota per label; needs filter() done (what is kept).
void asked(const Rows& rows, const Reference& reference, Metrics& m);

}  // namespace synthmod::metrics::sections
