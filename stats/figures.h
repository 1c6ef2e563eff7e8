// figures (stats): the value of each number of the table of figures (common/figures.h) in a
// computed Metrics: what metrics.json writes, the gate checks and --compare-by/--baseline list.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/figures.h"
#include "stats/metrics.h"

namespace synthmod::figures {

/// The value of a kCount or kNumber figure; absent when it cannot be computed for this input
/// (then `why`, when given, says why: "no judge columns in the input ..."). A kText, kFlag or
/// kTable entry has no number: absent, why "not a number".
std::optional<double> value(Id id, const metrics::Metrics& m, std::string* why = nullptr);

/// The figures --compare-by and --baseline list (Figure::compared), in table order, with their
/// values in `m`.
std::vector<std::pair<const Figure*, std::optional<double>>> compared(const metrics::Metrics& m);

/// A near-duplicate cluster as report.md's "Largest clusters" and metrics.json list it.
struct ClusterSummary {
    std::int32_t cluster = 0;         ///< id in NearDupResult::cluster
    std::size_t rows = 0;             ///< rows in the cluster
    std::vector<std::string> labels;  ///< its distinct labels, sorted
    std::size_t first_row = 0;        ///< 0-based data row
};

/// The `k` largest clusters: most rows first, then the earliest first row.
std::vector<ClusterSummary> largest_clusters(const dedup::NearDupResult& d,
                                             const metrics::Dataset& data, std::size_t k = 5);

/// A design figure of the LSH banding: the probability that a pair of texts at Jaccard
/// `jaccard` is proposed as a candidate (every candidate is then verified exactly).
struct MatchProbability {
    double jaccard;
    double probability;
};

/// The match probabilities report.md's method note and metrics.json's `dedup` section show: at
/// the threshold and at 0.05 above it (at most 1).
std::vector<MatchProbability> match_probabilities(double threshold, minhash::Banding banding,
                                                  int rounds);

}  // namespace synthmod::figures
