// reference: contamination of a dataset by a real test set (`--reference F`): rows whose
// normalised text equals, or near-duplicates, a reference row (the near-duplicate rule of
// DESIGN section 9: same shingles, MinHash + LSH candidates, exact Jaccard verification, same
// threshold). Only dataset x reference pairs are searched: reference rows are never compared
// with each other, dataset rows never with each other here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "stats/dedup.h"

namespace synthmod::reference {

/// A verified dataset row x reference row pair.
struct Pair {
    std::uint32_t row = 0;  ///< 0-based dataset row
    std::uint32_t ref = 0;  ///< 0-based reference row (the reference files concatenated)
    double jaccard = 0;     ///< of the shingle sets; 1 for equal normalised texts
};

struct Result {
    std::vector<Pair> pairs;         ///< every verified pair, sorted by (row, ref)
    std::vector<char> contaminated;  ///< per dataset row: in at least one pair
    std::size_t contaminated_rows = 0;
    std::size_t exact_rows = 0;  ///< rows whose normalised text equals a reference row's
    std::size_t candidates = 0;  ///< distinct (text, reference text) candidates LSH proposed
};

/// Finds every dataset row whose normalised text has shingle-set Jaccard >= threshold with
/// some reference row's (equal non-empty texts included; empty texts join nothing), using the
/// shingle, ngram, threshold, num_perm, rounds, seed and threads of `options`.
/// `dataset_keys`, when not empty, are the dataset side's band keys as the dedup kept them over
/// the same `rows` and options (dedup::NearDupResult::reference_keys): taken instead of
/// shingling and signing every distinct row again, and freed here. Empty (the exact join ran,
/// or no dedup did): computed here. The result is the same either way.
Result find_contamination(const std::vector<std::string_view>& rows,
                          const std::vector<std::string_view>& references,
                          const dedup::NearDupOptions& options,
                          std::vector<std::vector<std::uint32_t>> dataset_keys = {});

/// The reference rows of every --reference file, in order.
struct ReferenceSet {
    std::vector<std::string> files;       ///< names as given
    std::vector<std::string> raw;         ///< per row: the text as read
    std::vector<std::string> normalized;  ///< per row: DESIGN section 9 normalisation
    std::vector<std::uint32_t> file;      ///< per row: index into files
    std::vector<std::uint32_t> index;     ///< per row: 0-based data-row index within its file
    std::vector<std::string_view> views() const { return {normalized.begin(), normalized.end()}; }
};

/// Reads --reference files through the records reader, as the main input is read: CSV, TSV or
/// JSON Lines by the extension (.tsv/.tab, .jsonl/.ndjson/.json, else CSV), gzip by its magic
/// bytes, a header row (or a JSON object's keys). The text is `text_column` when given, else the
/// `content` column, else `text`. Invalid UTF-8, a malformed record or a missing column throws
/// InputError `file:line: what`.
ReferenceSet load_references(const std::vector<std::string>& paths,
                             const std::string& text_column = "");

}  // namespace synthmod::reference
