// minhash: shingles, one-permutation MinHash signatures and LSH banding for near-duplicate search.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace synthmod::minhash {

/// What a shingle is: n code points (DESIGN section 9's default) or n words.
enum class ShingleKind { kChar, kWord };

/// Appends to `out` (cleared first) the 64-bit xxh3 hashes of the shingles of a *normalised*
/// text, sorted and unique. Char shingles are n consecutive code points; word shingles are n
/// consecutive space-separated words (normalised text has single spaces). A text shorter than n
/// is its own single shingle; an empty text has none.
void shingle_hashes(std::string_view text, ShingleKind kind, int n,
                    std::vector<std::uint64_t>& out);

/// The same hashes in text order, repeats kept: enough for a signature (a minimum does not
/// care), without the sort.
void shingle_hashes_unsorted(std::string_view text, ShingleKind kind, int n,
                             std::vector<std::uint64_t>& out);

/// A shingle set held as an open-addressing table, to compare one text exactly against many
/// others without sorting either side (verification is per candidate pair).
class ShingleTable {
   public:
    /// Builds the set from hashes in any order, repeats allowed.
    void assign(const std::vector<std::uint64_t>& hashes);
    /// Distinct shingles in the set.
    std::size_t size() const { return size_; }
    /// {|A ∩ B|, |B|} for B given in any order with repeats; leaves the table as it was.
    std::pair<std::size_t, std::size_t> compare(const std::vector<std::uint64_t>& b);

   private:
    enum : std::uint8_t { kInA = 1, kSeen = 2, kOnlyB = 4 };
    void rebuild(std::size_t capacity);
    std::vector<std::uint64_t> keys_;
    std::vector<std::uint8_t> flags_;
    std::vector<std::size_t> touched_;
    std::size_t size_ = 0;
};

/// |A ∩ B| of two sorted, unique hash sets.
std::size_t intersection_size(const std::vector<std::uint64_t>& a,
                              const std::vector<std::uint64_t>& b);

/// Exact Jaccard |A ∩ B| / |A ∪ B| of two sorted, unique hash sets (0 when both are empty).
double jaccard(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b);

/// One-permutation MinHash with optimal densification (Shrivastava, ICML 2017): one pass mixes
/// each shingle hash with `seed`, drops it into one of `num_perm` bins and keeps the bin's
/// minimum; an empty bin copies the value of the first non-empty bin on a walk that depends
/// only on (seed, bin), so both documents of a pair borrow from the same place. For every k,
/// P[sig_a[k] == sig_b[k]] = Jaccard(A, B), like classic MinHash, at the cost of one hash mix per
/// shingle instead of num_perm. `count` must be > 0; `out` receives num_perm values.
void signature(const std::uint64_t* hashes, std::size_t count, int num_perm, std::uint64_t seed,
               std::uint32_t* out);

/// `rounds` independent signatures of num_perm values each (round r in out[r * num_perm ...]),
/// in one pass over the hashes (one 64-bit mix feeds two rounds; values are 25-bit, so two
/// different shingles tie with probability 2^-25); signature() is rounds = 1.
void signatures(const std::uint64_t* hashes, std::size_t count, int num_perm, std::uint64_t seed,
                int rounds, std::uint32_t* out);

/// Share of equal positions: the MinHash estimate of Jaccard.
double estimate_jaccard(const std::uint32_t* a, const std::uint32_t* b, int num_perm);

/// LSH banding: a pair becomes a candidate when all `rows` values of at least one band agree.
struct Banding {
    int bands = 0;
    int rows = 0;
};

/// P(candidate) for a pair of Jaccard s: 1 - (1 - s^rows)^bands (per round; `rounds`
/// independent signatures give 1 - (1 - P)^rounds).
double match_probability(double s, Banding banding, int rounds = 1);

/// Integral of match_probability over [0, threshold]: the weighted false-positive area.
double false_positive_area(double threshold, Banding banding);
/// Integral of 1 - match_probability over [threshold, 1]: the false-negative area.
double false_negative_area(double threshold, Banding banding);

/// datasketch's _optimal_param: the (bands, rows) with bands * rows <= num_perm that minimises
/// fp_weight * false_positive_area + fn_weight * false_negative_area (ties: the first found,
/// bands ascending then rows ascending, as datasketch's loop).
Banding optimal_banding(double threshold, int num_perm, double fp_weight = 0.5,
                        double fn_weight = 0.5);

/// An LSH design: `rounds` independent signatures of num_perm values, each banded alike.
struct LshDesign {
    Banding banding;
    int rounds = 1;
};

/// Most LSH rounds a design may use (each is a full signature pass over the shingles).
inline constexpr int kMaxRounds = 64;
/// Rounds a design uses unless the target needs more. Fewer rounds mean flatter bands (fewer
/// rows) and false candidates that grow with the square of the rows: on the bench corpus (1M
/// rows, char 5-grams, 0.8/128, P(0.8) >= 0.995) one round of 18 x 6 proposed 5.3M candidates
/// and cost 2.6x the CPU of the old design, three rounds of 13 x 9 proposed 156k and cost the
/// same CPU as the old 4 x 9 x 13 (bench/RESULTS.md, "Recall by design").
inline constexpr int kDefaultRounds = 3;

/// The LSH design chosen for recall: among designs with bands * rows <= num_perm whose
/// match_probability at `threshold` is >= 1 - max_miss, the one with the fewest rounds, at
/// least kDefaultRounds (each round is a signature pass and `bands` bucket tables), then the
/// smallest false-positive area (candidates that verification will reject), then the fewest
/// bands. `rounds` > 0 fixes the rounds. When no design reaches the target (a fixed small
/// `rounds`), the one with the highest probability at the threshold.
LshDesign recall_design(double threshold, int num_perm, double max_miss, int rounds = 0);

/// 64-bit key of band `band` of a signature (xxh3 of its `rows` values).
std::uint64_t band_key(const std::uint32_t* signature, Banding banding, int band);

/// Every band key of one text under one LSH design: its shingles, `rounds` signatures of
/// `num_perm` values, and band_key per table (round r, band b -> table r * bands + b). One per
/// worker: it keeps its scratch between texts. The dedup and the --reference search hash their
/// texts with it, so both see the same keys.
class TextBandKeys {
   public:
    TextBandKeys(ShingleKind kind, int ngram, int num_perm, std::uint64_t seed, Banding banding,
                 int rounds);
    /// The keys of `text`, indexed by table; valid until the next call.
    const std::vector<std::uint64_t>& of(std::string_view text);

   private:
    ShingleKind kind_;
    int ngram_;
    int num_perm_;
    std::uint64_t seed_;
    Banding banding_;
    int rounds_;
    std::vector<std::uint64_t> shingles_;
    std::vector<std::uint32_t> sig_;
    std::vector<std::uint64_t> keys_;
};

/// Sorts 64-bit values ascending (LSD radix sort; O(n)).
void radix_sort(std::vector<std::uint64_t>& values);

/// Stable sort by the high 32 bits only (two radix passes): (key << 32 | index) values built in
/// index order come out grouped by key with indices ascending. Used for the LSH buckets.
void radix_sort_high32(std::vector<std::uint64_t>& values);
/// The same with the caller's scratch space (grown as needed; its contents are not kept), so a
/// loop of sorts reuses one allocation.
void radix_sort_high32(std::vector<std::uint64_t>& values, std::vector<std::uint64_t>& buffer);

}  // namespace synthmod::minhash
