// Diversity (DESIGN section 9): distinct-1 and distinct-2, length in words per label, the most
// common openings, persona coverage.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <unordered_set>

#include "stats/huge_pages.h"
#include "stats/metrics_sections.h"
#include "stats/spaces.h"

namespace synthmod::metrics::sections {

namespace {

/// Calls fn(start, stop) for every word [start, stop) of s, the pieces between single spaces
/// as a find(' ') loop cuts them (an empty piece between two spaces, none after a last space).
/// The spaces come from spaces::for_each (one memchr call per word cost ~3 % of the short-post
/// run).
template <class Fn>
void for_each_word(std::string_view s, Fn&& fn) {
    std::size_t start = 0;
    spaces::for_each(s.data(), s.size(), [&](std::size_t stop) {
        fn(start, stop);
        start = stop + 1;
    });
    if (start < s.size()) fn(start, s.size());
}

/// Calls fn(hash) for every word n-gram (order 1 or 2) of a normalised text.
template <class Fn>
void for_each_gram(std::string_view s, int order, Fn&& fn) {
    std::size_t prev = std::string_view::npos;
    for_each_word(s, [&](std::size_t start, std::size_t end) {
        std::size_t from = order == 1 ? start : prev;
        if (from != std::string_view::npos) fn(XXH3_64bits(s.data() + from, end - from));
        prev = start;
    });
}

/// Open-addressing set of 64-bit hashes (0 stands for "empty": a hash goes in as key(hash)).
/// The mask and the size that makes it grow are kept, not worked out from the slots' vector on
/// each insert: the walk inserts every word (~10 of its ~150 instructions a word).
class HashSet {
   public:
    HashSet() { resize(1024); }
    /// What insert() takes for `hash`: 0 becomes 1.
    static std::uint64_t key(std::uint64_t hash) { return hash ? hash : 1; }
    void insert(std::uint64_t key) {
        if (size_ == limit_) resize(slots_.size() * 2);
        // In locals: a store of a key (a 64-bit integer, as the members are) would make the
        // compiler load the members again after it.
        std::uint64_t* const slots = slots_.data();
        const std::size_t mask = mask_;
        for (std::size_t i = key & mask;; i = (i + 1) & mask) {
            const std::uint64_t at = slots[i];
            if (at == key) return;
            if (at == 0) {
                slots[i] = key;
                ++size_;
                return;
            }
        }
    }
    std::size_t size() const { return size_; }
    const std::vector<std::uint64_t>& slots() const { return slots_; }
    /// Where insert(key) looks first: slots()[key & mask()] (valid until the next insert).
    const std::uint64_t* data() const { return slots_.data(); }
    std::size_t mask() const { return mask_; }

   private:
    /// `slots` slots (a power of two) holding the same keys, at most half full.
    void resize(std::size_t slots) {
        std::vector<std::uint64_t> old(slots, 0);
        old.swap(slots_);
        mask_ = slots - 1;
        limit_ = slots / 2;
        size_ = 0;
        for (std::uint64_t k : old)
            if (k) insert(k);
    }
    std::vector<std::uint64_t> slots_;
    std::size_t mask_ = 0, limit_ = 0, size_ = 0;
};

/// distinct_grams: distinct and total word 1-grams and 2-grams of the normalised texts, from
/// one walk over the words. Unigrams: a vocabulary is small (thousands to a few million words),
/// so a hash set per thread, merged, counts them exactly up to 64-bit hash collisions. Bigrams:
/// each is a 64-bit xxh3 hash; the walk also counts them per 16-bit prefix, a second walk (or,
/// up to kKeptBigrams of them, a pass over the hashes the first walk kept: hashing the texts
/// again was ~7 % of the short-post run's instructions) stores the next 32 bits in their
/// prefix's slice, and each slice is sorted: 48-bit fingerprints in 4 bytes each, so a million
/// posts need ~150 MB instead of 600. Two distinct n-grams share a fingerprint with
/// probability ~ d^2 / 2^49 (expected < 3 at 37 million distinct bigrams).
constexpr std::size_t kBuckets = std::size_t{1} << 16;

/// Worker w's share [begin, end) of n positions.
std::pair<std::size_t, std::size_t> range(std::size_t n, int workers, std::size_t w) {
    return {n * w / workers, n * (w + 1) / workers};
}

/// Per worker, the top 48 bits of its bigrams' hashes in walk order (empty: not kept).
using KeptBigrams = std::vector<std::vector<std::uint64_t>>;

/// Room in `kept` for more than the bigrams of rows [begin, end) (a row's str.split() words
/// less one, as a rule), the pages of as many as that rule expects faulted in by one call.
void reserve_kept(const Rows& rows, std::size_t begin, std::size_t end,
                  std::vector<std::uint64_t>& kept) {
    std::size_t bound = 0, expected = 0;
    for (std::size_t k = begin; k < end; ++k) {
        const std::size_t n = rows.data.words[rows.at(k)];
        bound += n;
        expected += n ? n - 1 : 0;
    }
    huge_pages::reserve(kept, bound + bound / 8 + 1024);
    huge_pages::populate(kept.data(), expected * sizeof(std::uint64_t));
}

/// The first walk: distinct and total unigrams into `out`; returns, per worker, how many of
/// its bigrams fall in each 16-bit hash prefix. With `keep`, each worker's bigram hashes (their
/// top 48 bits) are also kept there, so that the second walk need not hash them again.
std::vector<std::vector<std::size_t>> unigrams_and_bigrams(const Rows& rows, int workers,
                                                           GramCounts& out, KeptBigrams* keep) {
    std::vector<HashSet> sets(workers);
    std::vector<std::size_t> totals(workers, 0);
    std::vector<std::vector<std::size_t>> counts(workers, std::vector<std::size_t>(kBuckets, 0));
    dedup::parallel_tasks(workers, workers, [&](std::size_t w, int) {
        auto [begin, end] = range(rows.n, workers, w);
        auto& c = counts[w];
        auto& set = sets[w];
        std::size_t words = 0;
        // A text's hashes first, each one's slot and counter prefetched, then the set and the
        // counters updated in the same order: the cache misses of a text overlap.
        std::vector<std::uint64_t> unigrams, bigrams;
        std::vector<std::uint64_t>* kept = keep ? &(*keep)[w] : nullptr;
        if (kept) reserve_kept(rows, begin, end, *kept);
        for (std::size_t k = begin; k < end; ++k) {
            std::string_view s = rows.data.normalized[rows.at(k)];
            // Room for every word of the text (at most one per byte, and one more), written by
            // index: a push_back per word was not always inlined (2.8 % of the instructions).
            if (unigrams.size() <= s.size()) {
                unigrams.resize(s.size() + 1);
                bigrams.resize(s.size() + 1);
            }
            // Raw pointers: a store of a 64-bit hash may alias a vector's bookkeeping as far
            // as the compiler knows, so it reloaded the vectors at each access.
            std::uint64_t* const uni = unigrams.data();
            std::uint64_t* const bi = bigrams.data();
            std::size_t* const counters = c.data();
            // The set does not change until the text's words are inserted: where each word's
            // slot is, for the prefetch, is worked out from these two.
            const std::uint64_t* const slots = set.data();
            const std::size_t mask = set.mask();
            std::size_t n1 = 0, n2 = 0;
            std::size_t prev = std::string_view::npos;
            for_each_word(s, [&](std::size_t start, std::size_t stop) {
                const std::uint64_t h = HashSet::key(XXH3_64bits(s.data() + start, stop - start));
                uni[n1++] = h;
                __builtin_prefetch(slots + (h & mask));
                if (prev != std::string_view::npos) {
                    const std::uint64_t b = XXH3_64bits(s.data() + prev, stop - prev) >> 16;
                    bi[n2++] = b;
                    __builtin_prefetch(counters + (b >> 32));
                }
                prev = start;
            });
            for (std::size_t i = 0; i < n1; ++i) set.insert(uni[i]);
            for (std::size_t i = 0; i < n2; ++i) ++counters[bi[i] >> 32];
            if (kept) {
                huge_pages::make_room(*kept, n2);
                kept->insert(kept->end(), bigrams.begin(), bigrams.begin() + static_cast<long>(n2));
            }
            words += n1;
        }
        totals[w] = words;
    });
    for (int w = 1; w < workers; ++w)
        for (std::uint64_t h : sets[w].slots())
            if (h) sets[0].insert(h);
    out.distinct_1 = sets[0].size();
    for (auto t : totals) out.total_1 += t;
    return counts;
}

/// The second walk: each bigram's 32 bits after its prefix into its bucket's slice of the
/// returned array; `bucket_start` gets the slices' bounds (kBuckets + 1 of them). The bigrams
/// come from `kept` where the first walk kept them (each worker's freed once scattered), else
/// from hashing the texts again; the array is the same either way.
std::unique_ptr<std::uint32_t[]> bigram_fingerprints(const Rows& rows, int workers,
                                                     std::vector<std::vector<std::size_t>> counts,
                                                     KeptBigrams& kept,
                                                     std::vector<std::size_t>& bucket_start) {
    std::size_t total = 0;
    bucket_start.assign(kBuckets + 1, 0);
    for (std::size_t b = 0; b < kBuckets; ++b) {
        bucket_start[b] = total;
        for (int w = 0; w < workers; ++w) {
            std::size_t c = counts[w][b];
            counts[w][b] = total;  // becomes worker w's write position in bucket b
            total += c;
        }
    }
    bucket_start[kBuckets] = total;
    // Left uninitialised: the scatter below writes every element.
    std::unique_ptr<std::uint32_t[]> fingerprints(new std::uint32_t[total]);
    // The scatter writes all over it: 2 MB pages spare most of its TLB misses and page faults.
    huge_pages::advise(fingerprints.get(), total * sizeof(std::uint32_t));
    // Every element is written, at random: its pages faulted in by one call.
    huge_pages::populate(fingerprints.get(), total * sizeof(std::uint32_t));
    dedup::parallel_tasks(workers, workers, [&](std::size_t w, int) {
        auto [begin, end] = range(rows.n, workers, w);
        auto& pos = counts[w];
        if (!kept.empty()) {
            for (std::uint64_t h : kept[w])
                fingerprints[pos[h >> 32]++] = static_cast<std::uint32_t>(h);
            std::vector<std::uint64_t>().swap(kept[w]);
            return;
        }
        // As in the first walk: a text's bigrams hashed first, their write positions prefetched.
        std::vector<std::uint64_t> bigrams;
        for (std::size_t k = begin; k < end; ++k) {
            bigrams.clear();
            for_each_gram(rows.data.normalized[rows.at(k)], 2, [&](std::uint64_t h) {
                bigrams.push_back(h);
                __builtin_prefetch(&pos[h >> 48]);
            });
            for (std::uint64_t h : bigrams)
                fingerprints[pos[h >> 48]++] = static_cast<std::uint32_t>(h >> 16);
        }
    });
    return fingerprints;
}

/// Distinct fingerprints per slice: an open-addressing table at most half full, indexed by
/// the fingerprint's own low bits (they are hash bits), cleared between slices.
std::size_t distinct_fingerprints(const std::uint32_t* fingerprints,
                                  const std::vector<std::size_t>& bucket_start, int workers) {
    std::vector<std::size_t> distinct(workers, 0);
    std::vector<std::vector<std::uint32_t>> tables(workers);
    const std::size_t kSlices = 256;
    dedup::parallel_tasks(kSlices, workers, [&](std::size_t slice, int w) {
        auto& table = tables[w];
        for (std::size_t b = slice * (kBuckets / kSlices); b < (slice + 1) * (kBuckets / kSlices);
             ++b) {
            const std::uint32_t* first = fingerprints + bucket_start[b];
            const std::size_t size = bucket_start[b + 1] - bucket_start[b];
            std::size_t slots = 16;
            while (slots < 2 * size) slots *= 2;
            if (table.size() < slots) table.resize(slots);
            std::fill(table.begin(), table.begin() + static_cast<long>(slots), 0u);
            const std::size_t mask = slots - 1;
            bool zero = false;
            std::size_t found = 0;
            for (std::size_t j = 0; j < size; ++j) {
                const std::uint32_t f = first[j];
                if (f == 0) {
                    found += !zero;
                    zero = true;
                    continue;
                }
                for (std::size_t at = f & mask;; at = (at + 1) & mask) {
                    if (table[at] == f) break;
                    if (table[at] == 0) {
                        table[at] = f;
                        ++found;
                        break;
                    }
                }
            }
            distinct[w] += found;
        }
    });
    std::size_t out = 0;
    for (auto d : distinct) out += d;
    return out;
}

}  // namespace

GramCounts distinct_grams(const Rows& rows, int threads, std::size_t kept_bigrams) {
    const int workers = rows.n < 4096 ? 1 : std::max(1, threads);
    GramCounts out;
    std::vector<std::size_t> bucket_start;
    // The row's word count (str.split()) bounds its bigrams here only roughly (the walks split
    // the normalised text at single spaces): it decides whether they are kept, not how many.
    std::size_t words = 0;
    for (std::size_t k = 0; k < rows.n && words <= kept_bigrams; ++k)
        words += rows.data.words[rows.at(k)];
    KeptBigrams kept(rows.n > 0 && words <= kept_bigrams ? static_cast<std::size_t>(workers) : 0);
    const auto fingerprints = bigram_fingerprints(
        rows, workers, unigrams_and_bigrams(rows, workers, out, kept.empty() ? nullptr : &kept),
        kept, bucket_start);
    out.distinct_2 = distinct_fingerprints(fingerprints.get(), bucket_start, workers);
    out.total_2 = bucket_start[kBuckets];
    return out;
}

namespace {

std::string_view first_words(std::string_view s, int n) {
    std::size_t pos = 0;
    for (int k = 0; k < n; ++k) {
        pos = s.find(' ', pos);
        if (pos == std::string_view::npos) return s;
        if (k + 1 < n) ++pos;
    }
    return s.substr(0, pos);
}

LabelLength lengths(const std::vector<double>& words) {
    LabelLength out;
    if (words.empty()) return out;
    double sum = 0;
    for (double w : words) sum += w;
    out.mean = sum / static_cast<double>(words.size());
    out.median = statistics::percentile(words, 0.5);
    out.p95 = statistics::percentile(words, 0.95);
    return out;
}

/// lengths() of a multiset of word counts given as a histogram (hist[v] = rows with v words):
/// the same mean (integer sums below 2^53 are exact in a double) and the same order statistics
/// as sorting the values, without the sort.
LabelLength lengths(const std::vector<std::size_t>& hist, std::size_t count, std::uint64_t sum) {
    LabelLength out;
    if (count == 0) return out;
    out.mean = static_cast<double>(sum) / static_cast<double>(count);
    auto at = [&](std::size_t rank) {  // the value at this rank in sorted order
        std::size_t seen = 0;
        for (std::size_t v = 0; v < hist.size(); ++v) {
            seen += hist[v];
            if (seen > rank) return static_cast<double>(v);
        }
        return static_cast<double>(hist.size() - 1);
    };
    auto quantile = [&](double q) {
        double pos = q * static_cast<double>(count - 1);
        std::size_t lo = static_cast<std::size_t>(std::floor(pos));
        std::size_t hi = std::min(count - 1, lo + 1);
        double a = at(lo), b = at(hi);
        return a + (b - a) * (pos - static_cast<double>(lo));
    };
    out.median = quantile(0.5);
    out.p95 = quantile(0.95);
    return out;
}

/// distinct-1 and distinct-2 over all the rows' normalised texts.
void distinct(const Rows& rows, int threads, Metrics& m) {
    const GramCounts grams = distinct_grams(rows, threads);
    m.distinct_1 = grams.total_1
                       ? static_cast<double>(grams.distinct_1) / static_cast<double>(grams.total_1)
                       : 0.0;
    m.distinct_2 = grams.total_2
                       ? static_cast<double>(grams.distinct_2) / static_cast<double>(grams.total_2)
                       : 0.0;
}

/// Mean, median and p95 of the word counts per label and over all rows.
void lengths_by_label(const Rows& rows, Metrics& m) {
    const Dataset& data = rows.data;
    const std::size_t n = rows.n;
    // Word counts are small integers: a histogram per label gives the sorted order.
    std::uint32_t max_words = 0;
    for (std::size_t k = 0; k < n; ++k) max_words = std::max(max_words, data.words[rows.at(k)]);
    const std::size_t labels = rows.label_names.size();
    if ((std::size_t{max_words} + 1) * (labels + 1) <= (std::size_t{1} << 22)) {
        std::vector<std::vector<std::size_t>> hist(
            labels + 1, std::vector<std::size_t>(std::size_t{max_words} + 1, 0));
        std::vector<std::uint64_t> sums(labels + 1, 0);
        for (std::size_t k = 0; k < n; ++k) {
            std::uint32_t w = data.words[rows.at(k)];
            ++hist[rows.label_id[k]][w];
            sums[rows.label_id[k]] += w;
        }
        for (std::size_t l = 0; l < labels; ++l) {
            for (std::size_t v = 0; v <= max_words; ++v) hist[labels][v] += hist[l][v];
            sums[labels] += sums[l];
            m.length_by_label[std::string(rows.label_names[l])] =
                lengths(hist[l], rows.label_rows[l], sums[l]);
        }
        m.length_all = lengths(hist[labels], n, sums[labels]);
    } else {
        std::vector<std::vector<double>> words_by_label(labels);
        std::vector<double> all_words;
        all_words.reserve(n);
        for (std::size_t k = 0; k < n; ++k) {
            double w = static_cast<double>(data.words[rows.at(k)]);
            words_by_label[rows.label_id[k]].push_back(w);
            all_words.push_back(w);
        }
        for (std::size_t l = 0; l < labels; ++l)
            m.length_by_label[std::string(rows.label_names[l])] = lengths(words_by_label[l]);
        m.length_all = lengths(all_words);
    }
}

/// (hash of the first three words, position) of every non-empty row, sorted. Each worker hashes
/// and sorts its own range; the sorted runs are then merged (the keys are unique, so the result
/// is the single sort's).
using OpeningKey = std::pair<std::uint64_t, std::size_t>;
std::vector<OpeningKey> opening_keys(const Rows& rows, int threads) {
    const std::size_t n = rows.n;
    const int open_workers = n < 65536 ? 1 : std::max(1, threads);
    std::vector<std::vector<OpeningKey>> runs(open_workers);
    dedup::parallel_tasks(open_workers, open_workers, [&](std::size_t w, int) {
        auto& run = runs[w];
        const std::size_t begin = n * w / open_workers, end = n * (w + 1) / open_workers;
        run.reserve(end - begin);
        for (std::size_t k = begin; k < end; ++k) {
            std::string_view s = rows.data.normalized[rows.at(k)];
            if (s.empty()) continue;
            std::string_view words = first_words(s, 3);
            run.push_back({XXH3_64bits(words.data(), words.size()), k});
        }
        std::sort(run.begin(), run.end());
    });
    std::vector<OpeningKey> opening_of = std::move(runs[0]);
    for (int w = 1; w < open_workers; ++w) {
        const auto middle = static_cast<long>(opening_of.size());
        opening_of.insert(opening_of.end(), runs[w].begin(), runs[w].end());
        std::vector<OpeningKey>().swap(runs[w]);
        std::inplace_merge(opening_of.begin(), opening_of.begin() + middle, opening_of.end());
    }
    return opening_of;
}

/// The five most common openings (first three normalised words): rows grouped by a 64-bit hash
/// of them (a sort instead of a million-entry hash map); ties in count are ranked by the words.
void top_openings(const Rows& rows, int threads, Metrics& m) {
    const std::vector<OpeningKey> opening_of = opening_keys(rows, threads);
    struct Ranked {
        std::size_t count;
        std::string_view words;
    };
    // Groups as (count, first index); the words are looked up only for groups that count
    // at least as many rows as the fifth largest group: the top five are among them.
    std::vector<std::pair<std::size_t, std::size_t>> groups;
    for (std::size_t a = 0; a < opening_of.size();) {
        std::size_t b = a + 1;
        while (b < opening_of.size() && opening_of[b].first == opening_of[a].first) ++b;
        groups.push_back({b - a, a});
        a = b;
    }
    std::size_t least = 0;
    if (groups.size() > 5) {
        std::vector<std::size_t> sizes(groups.size());
        for (std::size_t g = 0; g < groups.size(); ++g) sizes[g] = groups[g].first;
        std::nth_element(sizes.begin(), sizes.begin() + 4, sizes.end(),
                         std::greater<std::size_t>());
        least = sizes[4];
    }
    std::vector<Ranked> ranked;
    for (auto [count, a] : groups)
        if (count >= least)
            ranked.push_back(
                {count, first_words(rows.data.normalized[rows.at(opening_of[a].second)], 3)});
    auto before = [](const Ranked& a, const Ranked& b) {
        return a.count != b.count ? a.count > b.count : a.words < b.words;
    };
    const std::size_t top = std::min<std::size_t>(5, ranked.size());
    std::partial_sort(ranked.begin(), ranked.begin() + static_cast<long>(top), ranked.end(),
                      before);
    for (std::size_t r = 0; r < top; ++r)
        m.top_openings.push_back(
            {std::string(ranked[r].words), ranked[r].count,
             static_cast<double>(ranked[r].count) / static_cast<double>(opening_of.size())});
}

void persona_coverage(const Rows& rows, Metrics& m) {
    std::unordered_set<std::string_view> personas;
    for (std::size_t k = 0; k < rows.n; ++k)
        personas.insert(rows.data.field(rows.at(k), rows.data.persona));
    m.distinct_personas = personas.size();
    m.persona_coverage = m.rate(static_cast<double>(personas.size()));
}

}  // namespace

void diversity(const Rows& rows, int threads, Metrics& m) {
    distinct(rows, threads, m);
    lengths_by_label(rows, m);
    top_openings(rows, threads, m);
    if (rows.data.persona >= 0) persona_coverage(rows, m);
}

}  // namespace synthmod::metrics::sections
