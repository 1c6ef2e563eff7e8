// dedup: exact duplicates (xxh3-128 of a text) and near duplicates (MinHash LSH + exact Jaccard
// verification, or the exact prefix-filtering join; union-find clusters) of DESIGN section 9.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "stats/minhash.h"

namespace synthmod::dedup {

/// Runs fn(begin, end) over [0, n) split into `threads` contiguous chunks on std::threads.
void parallel_for(std::size_t n, int threads,
                  const std::function<void(std::size_t begin, std::size_t end)>& fn);

/// Runs fn(task, worker) for every task in [0, tasks) on `threads` workers (worker < threads).
void parallel_tasks(std::size_t tasks, int threads,
                    const std::function<void(std::size_t task, int worker)>& fn);

/// Per row, the index of the first row whose text is byte-identical (compared by xxh3-128);
/// a row that is the first of its text maps to itself.
std::vector<std::uint32_t> first_equal(const std::vector<std::string_view>& texts, int threads);

/// An xxh3-128 hash.
struct Hash128 {
    std::uint64_t high = 0;
    std::uint64_t low = 0;
};
/// The same from the texts' xxh3-128 hashes (taken, so that they are freed as they are used).
std::vector<std::uint32_t> first_equal(std::vector<Hash128> hashes, int threads);

/// Rows whose text equals an earlier row's: the "dropped keeping the first" count.
std::size_t duplicate_rows(const std::vector<std::uint32_t>& first_equal);

/// How near-duplicate candidates are found: MinHash LSH (misses at most max_miss of the pairs
/// at the threshold), the exact similarity join of stats/prefix_join (misses none), or `kAuto`:
/// the exact join where it is fast (auto_method), else LSH.
enum class Method { kAuto, kLsh, kExact };

/// "auto", "lsh" or "exact".
const char* method_name(Method method);

/// `kAuto` runs the exact join on at most this many distinct texts whatever their length
/// (the join's worst case is quadratic, which stays small here).
inline constexpr std::size_t kAutoExactAnyTexts = 5000;
/// ... and on at most kAutoExactShortTexts distinct texts that average at most
/// kAutoExactMaxShingles shingles (repeats included). Measured (bench/RESULTS.md, "Exact
/// join"): on 100k posts of ~30 words (word 5-grams) the join cost 1.2-1.5x the LSH's time and
/// found every pair; at 1M posts 3.5x (its token-frequency table and index no longer fit in
/// cache); on char 5-grams (~190 per post, common to many posts) it ran for minutes at 100k.
inline constexpr std::size_t kAutoExactShortTexts = 100000;
inline constexpr double kAutoExactMaxShingles = 64;

struct NearDupOptions {
    minhash::ShingleKind shingle = minhash::ShingleKind::kChar;
    int ngram = 5;
    double threshold = 0.8;
    int num_perm = 128;
    /// Share of the pairs at exactly `threshold` the LSH may miss by design: the banding and
    /// rounds are chosen (minhash::recall_design) so that P(candidate | J = threshold) >=
    /// 1 - max_miss. Every candidate is verified exactly, so a looser design costs only CPU,
    /// while a missed pair stays in the data.
    double max_miss = 0.005;
    /// Independent LSH rounds (each a fresh num_perm signature, banded the same way); 0:
    /// minhash::kDefaultRounds, more only when max_miss needs them (recall_design).
    int rounds = 0;
    /// LSH, the exact join, or the choice of auto_method.
    Method method = Method::kAuto;
    std::uint64_t seed = 42;
    int threads = 2;
    /// Keep NearDupResult::reference_keys for the --reference search (stats/reference), which
    /// buckets the same texts with the same LSH design: set only when --reference is given.
    bool keep_reference_keys = false;
};

/// A verified pair of distinct normalised texts, named by their first rows.
struct TextPair {
    std::uint32_t a = 0;  ///< first row of the first text (a < b)
    std::uint32_t b = 0;
    std::uint32_t intersection = 0;
    std::uint32_t union_size = 0;
    double jaccard() const { return static_cast<double>(intersection) / union_size; }
};

/// A verified pair of rows (row_i < row_j) as `--pairs` writes it.
struct RowPair {
    std::uint32_t i = 0;
    std::uint32_t j = 0;
    double jaccard = 0.0;
};

struct NearDupResult {
    /// The options the search ran with (the report's method notes read them here).
    NearDupOptions options;
    /// The method that ran (kLsh or kExact, never kAuto); banding and rounds are the LSH
    /// design's (the exact join uses none).
    Method method = Method::kLsh;
    minhash::Banding banding;
    int rounds = 0;
    /// Mean shingles per distinct non-empty text (what auto_method decides on).
    double mean_shingles = 0;
    std::vector<std::uint32_t> first_equal;  ///< per row, as first_equal() of the normalised text
    std::vector<std::uint32_t> group_size;   ///< per row: rows sharing its normalised text
    std::vector<TextPair> text_pairs;        ///< verified pairs of distinct texts, sorted
    std::uint64_t pairs = 0;                 ///< row pairs, identical texts included
    std::vector<std::int32_t> cluster;       ///< per row: cluster id (by first row) or -1
    std::uint32_t clusters = 0;
    std::size_t rows_in_clusters = 0;
    std::size_t unique_texts = 0;  ///< distinct non-empty normalised texts (LSH inputs)
    /// Non-empty rows shorter than one shingle (< ngram code points or words): each is its own
    /// single shingle, so it pairs only with an identical text. Counted, not dropped.
    std::size_t short_rows = 0;
    /// Distinct candidate pairs verified exactly: those the LSH proposed, or those the exact
    /// join's filters left.
    std::size_t candidates = 0;
    /// With options.keep_reference_keys and the LSH method (else empty): per (round, band)
    /// table, per distinct non-empty text in the order of its first row, the high 32 bits of
    /// its 64-bit band key, what reference::find_contamination buckets dataset texts by (the
    /// search here keeps the low 32). 4 bytes per table and text.
    std::vector<std::vector<std::uint32_t>> reference_keys;
};

/// The method `kAuto` picks for `texts` distinct non-empty texts averaging `mean_shingles`
/// shingles: the exact join when texts <= kAutoExactAnyTexts, or texts <=
/// kAutoExactShortTexts and mean_shingles <= kAutoExactMaxShingles; else LSH. Another method
/// is returned as it is.
Method auto_method(Method method, std::size_t texts, double mean_shingles);

/// Near duplicates of DESIGN section 9 over normalised texts: identical non-empty texts pair
/// with each other; distinct texts pair when LSH proposes them and their exact shingle-set
/// Jaccard is >= threshold. Empty texts join nothing.
NearDupResult find_near_duplicates(const std::vector<std::string_view>& normalized,
                                   const NearDupOptions& options);

/// Every row pair, sorted by (i, j).
std::vector<RowPair> row_pairs(const NearDupResult& result);

}  // namespace synthmod::dedup
