// prefix_join: the exact near-duplicate search (issue 16): an AllPairs / PPJoin similarity self
// join by prefix filtering, which finds every pair of shingle sets with Jaccard >= threshold.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace synthmod::prefix_join {

/// A pair of sets with Jaccard >= threshold, named by their indices (a < b).
struct Pair {
    std::uint32_t a = 0;
    std::uint32_t b = 0;
    std::uint32_t intersection = 0;
    std::uint32_t union_size = 0;
};

struct Result {
    std::vector<Pair> pairs;        ///< every pair with Jaccard >= threshold, sorted by (a, b)
    std::size_t candidates = 0;     ///< pairs left by the prefix, length and positional filters
    std::size_t index_entries = 0;  ///< (token, set) entries of the inverted index
};

/// Fills `out` (cleared first) with the 64-bit tokens of set k, in any order, repeats allowed
/// (a text's shingle hashes). Called from several threads at once, so it must be thread safe;
/// it is called once per set to count and once per candidate to verify, and once more per set to
/// order its prefix unless the sets are kept in between (see self_join's tokens_bound).
using TokensOf = std::function<void(std::size_t k, std::vector<std::uint64_t>& out)>;

/// Smallest integer >= v, less a margin of 1e-9 so that a product such as 0.8 * 10 that
/// rounds above its integer never raises a bound: every filter below is then at most as strict
/// as the exact test intersection / union >= threshold (in double) that decides a pair.
std::size_t ceil_down(double v);

/// Tokens of a set of `size` distinct tokens that a probe must look at: size - ceil(t size) + 1
/// (a pair with J >= t shares at least ceil(t size) tokens with it, so one of these).
std::size_t probe_prefix(std::size_t size, double threshold);
/// Tokens of a set the index keeps: size - ceil(2t / (1 + t) size) + 1 (PPJoin's mid-prefix:
/// enough because each set probes only sets no larger than itself).
std::size_t index_prefix(std::size_t size, double threshold);

/// Every pair among sets [0, count) with exact Jaccard |A n B| / |A u B| >= threshold (empty
/// sets join nothing). Tokens are ordered by their estimated frequency over all sets, rare
/// first (estimated by a counter table indexed by the token's top bits: an estimate never
/// below the true count, so a rare token is never ranked behind a common one by much; any
/// fixed order keeps the join exact). Sets are taken by increasing size; each probes the index
/// prefixes of the smaller sets with its probe prefix, skipping sets under ceil(t |x|) tokens
/// (length filter) and pairs whose overlap can no longer reach ceil(t / (1 + t) (|x| + |y|))
/// from the positions of the shared token (positional filter); what is left is verified by
/// exact intersection. `threads` workers probe in parallel. `tokens_bound`, if not 0, is at least
/// the number of tokens tokens_of gives over all sets (repeats included): when it is small enough
/// (51 MB of tokens: method auto's largest exact join) every set's distinct tokens are kept from
/// the counting pass for the prefix pass instead of being made again; the result is the same either
/// way.
Result self_join(std::size_t count, const TokensOf& tokens_of, double threshold, int threads,
                 std::size_t tokens_bound = 0);

}  // namespace synthmod::prefix_join
