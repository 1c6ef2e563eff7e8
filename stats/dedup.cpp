#include "stats/dedup.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <numeric>
#include <stdexcept>
#include <thread>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "stats/huge_pages.h"
#include "stats/prefix_join.h"

namespace synthmod::dedup {

const char* method_name(Method method) {
    switch (method) {
        case Method::kLsh:
            return "lsh";
        case Method::kExact:
            return "exact";
        case Method::kAuto:
            break;
    }
    return "auto";
}

Method auto_method(Method method, std::size_t texts, double mean_shingles) {
    if (method != Method::kAuto) return method;
    if (texts <= kAutoExactAnyTexts) return Method::kExact;
    if (texts <= kAutoExactShortTexts && mean_shingles <= kAutoExactMaxShingles)
        return Method::kExact;
    return Method::kLsh;
}

namespace {

struct HashedRow {
    std::uint64_t high;
    std::uint64_t low;
    std::uint32_t row;
};

/// Union-find with path halving; the root of a set is its smallest member.
class DisjointSets {
   public:
    explicit DisjointSets(std::size_t n) : parent_(n) {
        std::iota(parent_.begin(), parent_.end(), std::uint32_t{0});
    }
    std::uint32_t find(std::uint32_t a) {
        while (parent_[a] != a) {
            parent_[a] = parent_[parent_[a]];
            a = parent_[a];
        }
        return a;
    }
    void unite(std::uint32_t a, std::uint32_t b) {
        a = find(a);
        b = find(b);
        if (a == b) return;
        if (a < b)
            parent_[b] = a;
        else
            parent_[a] = b;
    }

   private:
    std::vector<std::uint32_t> parent_;
};

/// Flat storage of the shingle sets of the texts that take part in a candidate pair.
struct ShingleStore {
    std::vector<std::uint64_t> offsets;  ///< per unique text: start in `hashes` (+1 sentinel)
    std::vector<std::uint64_t> hashes;
};

}  // namespace

void parallel_for(std::size_t n, int threads,
                  const std::function<void(std::size_t, std::size_t)>& fn) {
    if (threads < 1) threads = 1;
    if (n < 1024 || threads == 1) {
        fn(0, n);
        return;
    }
    std::vector<std::thread> pool;
    std::size_t chunk = (n + threads - 1) / threads;
    std::vector<std::exception_ptr> failures(threads);
    for (int t = 0; t < threads; ++t) {
        std::size_t begin = std::min(n, t * chunk);
        std::size_t end = std::min(n, begin + chunk);
        pool.emplace_back([&, t, begin, end] {
            try {
                fn(begin, end);
            } catch (...) {
                failures[t] = std::current_exception();
            }
        });
    }
    for (auto& th : pool) th.join();
    for (auto& f : failures)
        if (f) std::rethrow_exception(f);
}

void parallel_tasks(std::size_t tasks, int threads,
                    const std::function<void(std::size_t task, int worker)>& fn) {
    threads =
        std::max(1, std::min<int>(threads, static_cast<int>(std::max<std::size_t>(tasks, 1))));
    std::atomic<std::size_t> next{0};
    std::vector<std::exception_ptr> failures(threads);
    auto work = [&](int worker) {
        try {
            for (std::size_t t; (t = next.fetch_add(1)) < tasks;) fn(t, worker);
        } catch (...) {
            failures[worker] = std::current_exception();
            next = tasks;
        }
    };
    std::vector<std::thread> pool;
    for (int w = 1; w < threads; ++w) pool.emplace_back(work, w);
    work(0);
    for (auto& th : pool) th.join();
    for (auto& f : failures)
        if (f) std::rethrow_exception(f);
}

namespace {

/// One worker's tables for grouping a partition's rows by their 128-bit hash: an open-addressing
/// table of the groups (each by its first element, probed from the hash's low bits) with each
/// group's smallest row. Two passes over the partition instead of sorting it (a sort of the
/// 24-byte rows was ~2 % of the short-post run); the same groups and the same smallest rows.
class EqualGroups {
   public:
    /// first[r] = the smallest row with r's hash, for every row r of rows[0, size).
    void first_rows(const HashedRow* rows, std::size_t size, std::vector<std::uint32_t>& first) {
        std::size_t slots = 16;
        while (slots < 2 * size) slots *= 2;
        const std::size_t mask = slots - 1;
        table_.assign(slots, kEmpty);
        least_.resize(slots);
        slot_.resize(size);
        for (std::size_t j = 0; j < size; ++j) {
            const HashedRow& h = rows[j];
            std::size_t at = h.low & mask;
            for (; table_[at] != kEmpty; at = (at + 1) & mask) {
                const HashedRow& g = rows[table_[at]];
                if (g.high == h.high && g.low == h.low) break;
            }
            if (table_[at] == kEmpty) {
                table_[at] = static_cast<std::uint32_t>(j);
                least_[at] = h.row;
            } else {
                least_[at] = std::min(least_[at], h.row);
            }
            slot_[j] = static_cast<std::uint32_t>(at);
        }
        for (std::size_t j = 0; j < size; ++j) first[rows[j].row] = least_[slot_[j]];
    }

   private:
    static constexpr std::uint32_t kEmpty = ~std::uint32_t{0};
    std::vector<std::uint32_t> table_, least_, slot_;
};

/// first_equal of rows whose hashes are in `hashed` (row i at index i).
std::vector<std::uint32_t> group_equal(std::vector<HashedRow> hashed, int threads) {
    const std::size_t n = hashed.size();
    // Equal texts have equal hashes, so partitions by the hash's top bits are independent:
    // each is sorted and grouped on its own, on both cores.
    const int part_bits = n < (std::size_t{1} << 16) ? 0 : 6;
    const std::size_t parts = std::size_t{1} << part_bits;
    auto part_of = [&](const HashedRow& h) {
        return part_bits == 0 ? std::size_t{0}
                              : static_cast<std::size_t>(h.high >> (64 - part_bits));
    };
    std::vector<std::size_t> start(parts + 1, 0);
    for (const auto& h : hashed) ++start[part_of(h) + 1];
    for (std::size_t p = 0; p < parts; ++p) start[p + 1] += start[p];
    {  // In place (American flag): no second copy of the rows at the run's peak memory.
        std::vector<std::size_t> next(start.begin(), start.end() - 1);
        for (std::size_t p = 0; p < parts; ++p)
            while (next[p] < start[p + 1]) {
                std::size_t d = part_of(hashed[next[p]]);
                if (d == p)
                    ++next[p];
                else
                    std::swap(hashed[next[p]], hashed[next[d]++]);
            }
    }
    std::vector<std::uint32_t> first;
    huge_pages::assign(first, n);
    std::vector<EqualGroups> groups(static_cast<std::size_t>(std::max(threads, 1)));
    parallel_tasks(parts, threads, [&](std::size_t p, int w) {
        groups[static_cast<std::size_t>(w)].first_rows(hashed.data() + start[p],
                                                       start[p + 1] - start[p], first);
    });
    return first;
}

}  // namespace

std::vector<std::uint32_t> first_equal(const std::vector<std::string_view>& texts, int threads) {
    const std::size_t n = texts.size();
    std::vector<HashedRow> hashed;
    huge_pages::assign(hashed, n);
    parallel_for(n, threads, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            XXH128_hash_t h = XXH3_128bits(texts[i].data(), texts[i].size());
            hashed[i] = {h.high64, h.low64, static_cast<std::uint32_t>(i)};
        }
    });
    return group_equal(std::move(hashed), threads);
}

std::vector<std::uint32_t> first_equal(std::vector<Hash128> hashes, int threads) {
    std::vector<HashedRow> hashed;
    huge_pages::assign(hashed, hashes.size());
    for (std::size_t i = 0; i < hashes.size(); ++i)
        hashed[i] = {hashes[i].high, hashes[i].low, static_cast<std::uint32_t>(i)};
    std::vector<Hash128>().swap(hashes);
    return group_equal(std::move(hashed), threads);
}

std::size_t duplicate_rows(const std::vector<std::uint32_t>& first_equal) {
    std::size_t dups = 0;
    for (std::size_t i = 0; i < first_equal.size(); ++i) dups += first_equal[i] != i;
    return dups;
}

namespace {

/// Exact groups: first_equal and group_size of every row.
void exact_groups(const std::vector<std::string_view>& normalized, int threads,
                  NearDupResult& result) {
    const std::size_t n = normalized.size();
    result.first_equal = first_equal(normalized, threads);
    result.group_size.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i) ++result.group_size[result.first_equal[i]];
    for (std::size_t i = 0; i < n; ++i)
        result.group_size[i] = result.group_size[result.first_equal[i]];
}

/// Bytes of `t` that are spaces (`spaces`) or UTF-8 continuation bytes (10xxxxxx): 16 bytes a
/// step with SSE2 where the build has it (a byte at a time was ~3 % of the short-post run's
/// instructions).
std::size_t count_bytes(std::string_view t, bool spaces) {
    const char* p = t.data();
    const std::size_t size = t.size();
    std::size_t n = 0, i = 0;
#ifdef __SSE2__
    const __m128i space = _mm_set1_epi8(' ');
    const __m128i lead = _mm_set1_epi8(-64);  // 0xC0: bytes below it (signed) are 10xxxxxx
    while (i + 16 <= size) {
        // Each byte of `counts` counts its lane's matches, at most 255 of them.
        __m128i counts = _mm_setzero_si128();
        for (int k = 0; k < 255 && i + 16 <= size; ++k, i += 16) {
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
            counts =
                _mm_sub_epi8(counts, spaces ? _mm_cmpeq_epi8(v, space) : _mm_cmplt_epi8(v, lead));
        }
        const __m128i sums = _mm_sad_epu8(counts, _mm_setzero_si128());
        n += static_cast<std::size_t>(_mm_cvtsi128_si32(sums)) +
             static_cast<std::size_t>(_mm_extract_epi16(sums, 4));
    }
#endif
    for (; i < size; ++i)
        n += spaces ? p[i] == ' ' : (static_cast<unsigned char>(p[i]) & 0xC0) == 0x80;
    return n;
}

/// Code points (char shingles) or words (word shingles) of a normalised text.
std::size_t units(std::string_view t, minhash::ShingleKind kind) {
    if (kind == minhash::ShingleKind::kChar) return t.size() - count_bytes(t, false);
    return t.empty() ? 0 : 1 + count_bytes(t, true);
}

/// Over the distinct non-empty texts: result.mean_shingles (a text of u units has
/// max(1, u - ngram + 1) shingles, repeats included) and result.short_rows, the rows of texts
/// shorter than one shingle (each its own single shingle), weighted by their rows. Returns the
/// shingles of all distinct texts (repeats included).
std::size_t shingle_counts(const std::vector<std::string_view>& normalized,
                           const std::vector<std::uint32_t>& unique_rows,
                           const NearDupOptions& options, int threads, NearDupResult& result) {
    std::atomic<std::size_t> shingles{0}, short_rows{0};
    const auto n = static_cast<std::size_t>(options.ngram);
    parallel_for(unique_rows.size(), threads, [&](std::size_t begin, std::size_t end) {
        std::size_t here = 0, short_here = 0;
        for (std::size_t k = begin; k < end; ++k) {
            const std::size_t u = units(normalized[unique_rows[k]], options.shingle);
            here += u >= n ? u - n + 1 : 1;
            if (u < n) short_here += result.group_size[unique_rows[k]];
        }
        shingles += here;
        short_rows += short_here;
    });
    result.short_rows = short_rows;
    result.mean_shingles =
        unique_rows.empty() ? 0 : static_cast<double>(shingles) / unique_rows.size();
    return shingles;
}

/// Signatures -> 32-bit band keys, one array per (round, band), indexed by distinct text;
/// signatures are not kept (with options.keep_reference_keys, the keys' high 32 bits are, in
/// result.reference_keys).
std::vector<std::vector<std::uint32_t>> band_keys(const std::vector<std::string_view>& normalized,
                                                  const std::vector<std::uint32_t>& unique_rows,
                                                  const NearDupOptions& options, int threads,
                                                  NearDupResult& result) {
    const std::size_t u = unique_rows.size();
    const minhash::Banding banding = result.banding;
    const std::size_t tables = static_cast<std::size_t>(result.rounds) * banding.bands;
    // ~150 MB at a million texts: allocated and zeroed a table per task on every worker (not
    // copied from one zero table on one thread), on 2 MB pages (the loop below writes 39 of
    // them at once).
    std::vector<std::vector<std::uint32_t>> keys(tables);
    auto& high = result.reference_keys;
    if (options.keep_reference_keys) high.resize(tables);
    parallel_tasks(tables, threads, [&](std::size_t table, int) {
        huge_pages::reserve(keys[table], u);
        keys[table].resize(u);
        if (high.empty()) return;
        huge_pages::reserve(high[table], u);
        high[table].resize(u);
    });
    // Chunks handed out as workers free up: on a shared machine one core may run slower.
    const std::size_t kSigChunk = 8192;
    parallel_tasks((u + kSigChunk - 1) / kSigChunk, threads, [&](std::size_t task, int) {
        minhash::TextBandKeys text_keys(options.shingle, options.ngram, options.num_perm,
                                        options.seed, banding, result.rounds);
        const std::size_t begin = task * kSigChunk, end = std::min(u, begin + kSigChunk);
        for (std::size_t k = begin; k < end; ++k) {
            const std::vector<std::uint64_t>& key = text_keys.of(normalized[unique_rows[k]]);
            for (std::size_t table = 0; table < tables; ++table) {
                keys[table][k] = static_cast<std::uint32_t>(key[table]);
                if (!high.empty()) high[table][k] = static_cast<std::uint32_t>(key[table] >> 32);
            }
        }
    });
    return keys;
}

/// One table's candidate pairs into `out`: (key, text) grouped by a two-pass radix sort on the
/// key's top 22 bits straight from the key array (texts stay in ascending order within a
/// digit); within each run of equal top bits (mostly one text: 4M digits for ~1M texts) every
/// two texts with equal full keys are a candidate pair (smaller text first). Frees the keys.
void bucket_table(std::vector<std::uint32_t>& keys, std::vector<std::uint64_t>& sorted,
                  std::vector<std::uint64_t>& scratch, std::vector<std::uint64_t>& out) {
    const std::size_t u = keys.size();
    const std::uint32_t* key = keys.data();
    constexpr int kBits = 11;
    constexpr std::uint32_t kDigits = 1u << kBits, kMask = kDigits - 1;
    std::vector<std::size_t> low(kDigits, 0), high(kDigits, 0);
    for (std::size_t k = 0; k < u; ++k) {
        ++low[(key[k] >> (32 - 2 * kBits)) & kMask];
        ++high[key[k] >> (32 - kBits)];
    }
    for (auto* c : {&low, &high}) {
        std::size_t sum = 0;
        for (auto& x : *c) {
            std::size_t n_here = x;
            x = sum;
            sum += n_here;
        }
    }
    scratch.resize(u);
    for (std::size_t k = 0; k < u; ++k)
        scratch[low[(key[k] >> (32 - 2 * kBits)) & kMask]++] =
            (static_cast<std::uint64_t>(key[k]) << 32) | k;
    std::vector<std::uint32_t>().swap(keys);
    sorted.resize(u);
    for (std::uint64_t v : scratch) sorted[high[v >> (64 - kBits)]++] = v;
    constexpr int kKept = 32 - 2 * kBits;  // low key bits the sort ignored
    for (std::size_t s = 0; s < u;) {
        std::size_t e = s + 1;
        while (e < u && (sorted[e] >> (32 + kKept)) == (sorted[s] >> (32 + kKept))) ++e;
        for (std::size_t x = s; x < e; ++x)
            for (std::size_t y = x + 1; y < e; ++y)
                if ((sorted[x] >> 32) == (sorted[y] >> 32))
                    out.push_back((sorted[x] << 32) | (sorted[y] & 0xffffffffULL));
        s = e;
    }
}

/// Distinct candidate pairs of every table (first text << 32 | second text), sorted.
std::vector<std::uint64_t> candidate_pairs(std::vector<std::vector<std::uint32_t>> keys,
                                           int threads) {
    std::vector<std::vector<std::uint64_t>> found(threads);
    // Per worker, reused by every table it sorts (no fresh pages per table).
    std::vector<std::vector<std::uint64_t>> sorted_of(threads), scratch_of(threads);
    parallel_tasks(keys.size(), threads, [&](std::size_t t, int worker) {
        bucket_table(keys[t], sorted_of[worker], scratch_of[worker], found[worker]);
    });
    keys.clear();
    sorted_of.clear();
    scratch_of.clear();
    std::vector<std::uint64_t> candidates;
    for (auto& f : found) {
        candidates.insert(candidates.end(), f.begin(), f.end());
        std::vector<std::uint64_t>().swap(f);
    }
    minhash::radix_sort(candidates);
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    return candidates;
}

/// Exact verification into result.text_pairs, sorted. Candidates are sorted by their first
/// text, so each chunk shingles a first text once per run and the second text of every pair on
/// the fly: no shingle set is kept beyond its pair (storing them all would cost gigabytes at a
/// million rows).
void verify(const std::vector<std::uint64_t>& candidates,
            const std::vector<std::string_view>& normalized,
            const std::vector<std::uint32_t>& unique_rows, const NearDupOptions& options,
            int threads, NearDupResult& result) {
    std::vector<std::vector<TextPair>> verified(threads);
    const std::size_t kChunk = 4096;
    parallel_tasks(
        (candidates.size() + kChunk - 1) / kChunk, threads, [&](std::size_t task, int worker) {
            auto& out = verified[worker];
            std::vector<std::uint64_t> shingles;
            minhash::ShingleTable a;
            std::uint32_t current = UINT32_MAX;
            std::size_t end = std::min(candidates.size(), (task + 1) * kChunk);
            for (std::size_t c = task * kChunk; c < end; ++c) {
                auto x = static_cast<std::uint32_t>(candidates[c] >> 32);
                auto y = static_cast<std::uint32_t>(candidates[c]);
                if (x != current) {
                    minhash::shingle_hashes_unsorted(normalized[unique_rows[x]], options.shingle,
                                                     options.ngram, shingles);
                    a.assign(shingles);
                    current = x;
                }
                minhash::shingle_hashes_unsorted(normalized[unique_rows[y]], options.shingle,
                                                 options.ngram, shingles);
                auto [common, size_b] = a.compare(shingles);
                std::size_t uni = a.size() + size_b - common;
                if (static_cast<double>(common) / static_cast<double>(uni) >= options.threshold)
                    out.push_back({unique_rows[x], unique_rows[y],
                                   static_cast<std::uint32_t>(common),
                                   static_cast<std::uint32_t>(uni)});
            }
        });
    for (auto& v : verified) result.text_pairs.insert(result.text_pairs.end(), v.begin(), v.end());
    std::sort(
        result.text_pairs.begin(), result.text_pairs.end(),
        [](const TextPair& p, const TextPair& q) { return p.a != q.a ? p.a < q.a : p.b < q.b; });
}

/// The LSH search: candidates from the band keys, verified exactly into result.text_pairs.
void lsh(const std::vector<std::string_view>& normalized,
         const std::vector<std::uint32_t>& unique_rows, const NearDupOptions& options, int threads,
         NearDupResult& result) {
    std::vector<std::uint64_t> candidates =
        candidate_pairs(band_keys(normalized, unique_rows, options, threads, result), threads);
    result.candidates = candidates.size();
    verify(candidates, normalized, unique_rows, options, threads, result);
}

/// The exact join (stats/prefix_join) over the distinct texts into result.text_pairs: every
/// pair with Jaccard >= threshold, sorted (by first row, as the join's pairs are by text).
/// `shingles`: the texts' shingles, repeats included (what the join may keep of them).
void exact_join(const std::vector<std::string_view>& normalized,
                const std::vector<std::uint32_t>& unique_rows, const NearDupOptions& options,
                std::size_t shingles, int threads, NearDupResult& result) {
    const auto joined = prefix_join::self_join(
        unique_rows.size(),
        [&](std::size_t k, std::vector<std::uint64_t>& out) {
            minhash::shingle_hashes_unsorted(normalized[unique_rows[k]], options.shingle,
                                             options.ngram, out);
        },
        options.threshold, threads, shingles);
    result.candidates = joined.candidates;
    result.text_pairs.reserve(joined.pairs.size());
    for (const auto& p : joined.pairs)
        result.text_pairs.push_back(
            {unique_rows[p.a], unique_rows[p.b], p.intersection, p.union_size});
}

/// Pairs and clusters over rows: identical non-empty texts pair with each other.
void clusters(const std::vector<std::string_view>& normalized, NearDupResult& result) {
    const std::size_t n = normalized.size();
    DisjointSets sets_of_rows(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (normalized[i].empty()) continue;
        if (result.first_equal[i] != i)
            sets_of_rows.unite(result.first_equal[i], i);
        else {
            std::uint64_t g = result.group_size[i];
            result.pairs += g * (g - 1) / 2;
        }
    }
    for (const auto& p : result.text_pairs) {
        sets_of_rows.unite(p.a, p.b);
        result.pairs += static_cast<std::uint64_t>(result.group_size[p.a]) * result.group_size[p.b];
    }
    std::vector<std::uint32_t> component_size(n, 0);
    for (std::size_t i = 0; i < n; ++i) ++component_size[sets_of_rows.find(i)];
    result.cluster.assign(n, -1);
    std::vector<std::int32_t> id_of_root(n, -1);
    for (std::size_t i = 0; i < n; ++i) {
        std::uint32_t root = sets_of_rows.find(i);
        if (component_size[root] < 2) continue;
        if (id_of_root[root] < 0) id_of_root[root] = static_cast<std::int32_t>(result.clusters++);
        result.cluster[i] = id_of_root[root];
        ++result.rows_in_clusters;
    }
}

}  // namespace

NearDupResult find_near_duplicates(const std::vector<std::string_view>& normalized,
                                   const NearDupOptions& options) {
    const std::size_t n = normalized.size();
    if (n >= (std::size_t{1} << 32) - 1) throw std::length_error("too many rows for dedup");
    NearDupResult result;
    result.options = options;
    const minhash::LshDesign design = minhash::recall_design(
        options.threshold, options.num_perm, options.max_miss, std::max(0, options.rounds));
    result.rounds = design.rounds;
    result.banding = design.banding;
    const int threads = std::max(1, options.threads);
    exact_groups(normalized, threads, result);

    // The LSH runs over distinct non-empty texts, named by their first row.
    std::vector<std::uint32_t> unique_rows;
    for (std::size_t i = 0; i < n; ++i)
        if (result.first_equal[i] == i && !normalized[i].empty())
            unique_rows.push_back(static_cast<std::uint32_t>(i));
    result.unique_texts = unique_rows.size();

    const std::size_t shingles = shingle_counts(normalized, unique_rows, options, threads, result);
    result.method = auto_method(options.method, unique_rows.size(), result.mean_shingles);
    if (result.method == Method::kExact)
        exact_join(normalized, unique_rows, options, shingles, threads, result);
    else
        lsh(normalized, unique_rows, options, threads, result);
    clusters(normalized, result);
    return result;
}

std::vector<RowPair> row_pairs(const NearDupResult& result) {
    const std::size_t n = result.first_equal.size();
    // Members of each text group, in row order.
    std::vector<std::uint32_t> start(n + 1, 0);
    for (std::size_t i = 0; i < n; ++i) ++start[result.first_equal[i] + 1];
    for (std::size_t i = 0; i < n; ++i) start[i + 1] += start[i];
    std::vector<std::uint32_t> members(n);
    std::vector<std::uint32_t> fill(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < n; ++i) members[fill[result.first_equal[i]]++] = i;

    std::vector<RowPair> out;
    out.reserve(result.pairs);
    for (std::size_t g = 0; g < n; ++g) {
        if (result.first_equal[g] != g || result.cluster[g] < 0) continue;
        for (std::uint32_t x = start[g]; x < start[g + 1]; ++x)
            for (std::uint32_t y = x + 1; y < start[g + 1]; ++y)
                out.push_back({members[x], members[y], 1.0});
    }
    for (const auto& p : result.text_pairs) {
        double j = p.jaccard();
        for (std::uint32_t x = start[p.a]; x < start[p.a + 1]; ++x)
            for (std::uint32_t y = start[p.b]; y < start[p.b + 1]; ++y) {
                std::uint32_t r = members[x], s = members[y];
                out.push_back({std::min(r, s), std::max(r, s), j});
            }
    }
    std::sort(out.begin(), out.end(), [](const RowPair& p, const RowPair& q) {
        return p.i != q.i ? p.i < q.i : p.j < q.j;
    });
    return out;
}

}  // namespace synthmod::dedup
