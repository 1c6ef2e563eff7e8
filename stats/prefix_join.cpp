#include "stats/prefix_join.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <new>
#include <stdexcept>

#include "stats/dedup.h"
#include "stats/huge_pages.h"
#include "stats/minhash.h"

namespace synthmod::prefix_join {

namespace {

/// A(y) of a set that the positional filter has ruled out for the current probe.
constexpr std::uint32_t kPruned = UINT32_MAX;
/// Sets handled per task by the counting, prefix and probe passes.
constexpr std::size_t kChunk = 4096;
/// Most tokens (repeats included) whose sets are kept between the counting and prefix passes:
/// method auto's largest exact join (100,000 texts of 64 shingles), 51 MB. Not more: at a
/// million short posts (--dedup-method exact, ~7.6M tokens) keeping them cost ~10 MB more
/// peak RSS (739-743 against 731 MB) for no gain measurable on a loaded host.
constexpr std::size_t kCachedTokens = std::size_t{100000} * 64;

/// Most counters per worker for which each counting worker gets a table of its own (8 MB: method
/// auto's largest exact join); above it the workers share one table, at twice the memory cost.
constexpr std::size_t kPrivateCounters = std::size_t{1} << 21;

/// Estimated frequency of every token: counters indexed by the token's top bits. Tokens that
/// share counters are counted together, so an estimate is never below the true count.
/// Counting: each worker adds into a table of its own when the tables are small (a plain add:
/// a shared table's atomic add stalled on every cache miss, ~half the counting pass's time),
/// the tables summed by merge(); else into one shared table with atomic adds. The tables come
/// from calloc: fresh memory is zero already, so nothing zeroes it a second time (the loop that
/// did took 7-11 ms on one thread).
class FrequencyTable {
   public:
    FrequencyTable(std::size_t sets, int workers) {
        while (bits_ < 24 && (std::size_t{1} << bits_) < sets * 16) ++bits_;
        size_ = std::size_t{1} << bits_;
        shared_ = workers > 1 && size_ > kPrivateCounters;
        tables_.resize(shared_ ? 1 : static_cast<std::size_t>(std::max(1, workers)));
        if (shared_) tables_[0] = zeroed(size_);
    }
    /// Counting: `worker` calls it before its first add.
    void start(int worker) {
        auto& t = tables_[shared_ ? 0 : static_cast<std::size_t>(worker)];
        if (!t) t = zeroed(size_);
    }
    void add(std::uint64_t token, int worker) {
        if (shared_)
            __atomic_fetch_add(&tables_[0][index(token)], 1u, __ATOMIC_RELAXED);
        else  // only this worker writes its table
            ++tables_[static_cast<std::size_t>(worker)][index(token)];
    }
    /// Counting: starts loading the counter of `token` into the cache (a hint).
    void prefetch(std::uint64_t token, int worker) const {
        __builtin_prefetch(&tables_[shared_ ? 0 : static_cast<std::size_t>(worker)][index(token)]);
    }
    /// Ends the counting (its threads joined): the workers' tables summed into one, on
    /// `threads` threads.
    void merge(int threads) {
        std::vector<Counters> used;
        for (auto& t : tables_)
            if (t) used.push_back(std::move(t));
        tables_.clear();
        if (used.empty()) used.push_back(zeroed(size_));
        constexpr std::size_t kSlice = std::size_t{1} << 16;
        dedup::parallel_tasks((size_ + kSlice - 1) / kSlice, threads, [&](std::size_t slice, int) {
            const std::size_t end = std::min(size_, (slice + 1) * kSlice);
            for (std::size_t w = 1; w < used.size(); ++w)
                for (std::size_t i = slice * kSlice; i < end; ++i) used[0][i] += used[w][i];
        });
        counts_ = std::move(used[0]);
    }
    /// After merge(): the estimated frequency of `token`.
    std::uint32_t of(std::uint64_t token) const { return counts_[index(token)]; }
    /// After merge(): starts loading the counter of `token` into the cache (a hint).
    void prefetch(std::uint64_t token) const { __builtin_prefetch(&counts_[index(token)]); }

   private:
    struct Free {
        void operator()(std::uint32_t* p) const { std::free(p); }
    };
    using Counters = std::unique_ptr<std::uint32_t[], Free>;
    std::size_t index(std::uint64_t token) const {
        return static_cast<std::size_t>(token >> (64 - bits_));
    }
    static Counters zeroed(std::size_t size) {
        Counters t(static_cast<std::uint32_t*>(std::calloc(size, sizeof(std::uint32_t))));
        if (!t) throw std::bad_alloc();
        // Looked up at random once per token: on 2 MB pages the lookups miss the TLB far less.
        huge_pages::advise(t.get(), size * sizeof(std::uint32_t));
        // Nearly every page is written (~1.3 tokens per counter, at random): faulted in by one
        // call instead of a fault per page at the first add to it.
        huge_pages::populate(t.get(), size * sizeof(std::uint32_t));
        return t;
    }
    int bits_ = 10;
    std::size_t size_ = 0;
    bool shared_ = false;
    std::vector<Counters> tables_;  ///< counting: per worker, or one shared
    Counters counts_;               ///< after merge()
};

/// The probe prefixes of every set, tokens in the global order (rare first). Either every set's
/// distinct tokens kept from the counting pass (`cached`, the prefix over the first), or the
/// prefixes alone, kept per chunk of sets so that the chunks fill in parallel without a copy.
struct Prefixes {
    std::vector<std::uint32_t> size;                 ///< per set: distinct tokens
    std::vector<std::uint32_t> start;                ///< per set: offset from its chunk's base
    std::vector<const std::uint64_t*> base;          ///< per chunk: cached.get(), or its prefixes
    std::vector<std::vector<std::uint64_t>> chunks;  ///< uncached: per chunk, the prefixes
    std::unique_ptr<std::uint64_t[]> cached;         ///< cached: all sets' distinct tokens
    const std::uint64_t* of(std::size_t k) const { return base[k / kChunk] + start[k]; }
};

/// Two buffers a worker of a pass reuses from chunk to chunk.
using Scratch = std::pair<std::vector<std::uint64_t>, std::vector<std::uint64_t>>;

/// Drops the repeats of sorted `tokens`; returns how many are left.
std::size_t drop_repeats(std::vector<std::uint64_t>& tokens) {
    tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
    if (tokens.size() >= UINT32_MAX) throw std::length_error("set too large to join");
    return tokens.size();
}

/// Sorts `tokens` and drops repeats; returns how many are left.
std::size_t sort_distinct(std::vector<std::uint64_t>& tokens) {
    std::sort(tokens.begin(), tokens.end());
    return drop_repeats(tokens);
}

/// A set's distinct tokens in the order first seen, by an open-addressing table whose slots
/// belong to the current set when their stamp is the set's (nothing is cleared between sets).
/// Instead of sorting each set in the counting pass: a sort of ~26 random keys mispredicts
/// about every other branch, a lookup here hardly any.
class Distinct {
   public:
    /// Writes the distinct tokens of `tokens` to out[0, n) (room for tokens.size()); returns n.
    std::size_t copy(const std::vector<std::uint64_t>& tokens, std::uint64_t* out) {
        if (tokens.size() >= UINT32_MAX) throw std::length_error("set too large to join");
        int bits = 6;
        while ((std::size_t{1} << bits) < 2 * tokens.size()) ++bits;
        if (bits > bits_ || ++stamp_ == 0) {
            bits_ = std::max(bits, bits_);
            keys_.assign(std::size_t{1} << bits_, 0);
            stamps_.assign(std::size_t{1} << bits_, 0);
            stamp_ = 1;
        }
        const std::size_t mask = keys_.size() - 1;
        std::size_t n = 0;
        for (std::uint64_t t : tokens) {
            std::size_t j = static_cast<std::size_t>((t * 0x9E3779B97F4A7C15ULL) >> (64 - bits_));
            while (stamps_[j] == stamp_ && keys_[j] != t) j = (j + 1) & mask;
            if (stamps_[j] == stamp_) continue;  // a repeat
            stamps_[j] = stamp_;
            keys_[j] = t;
            out[n++] = t;
        }
        return n;
    }

   private:
    int bits_ = 0;
    std::uint32_t stamp_ = 0;
    std::vector<std::uint64_t> keys_;
    std::vector<std::uint32_t> stamps_;
};

/// Longest prefix rank_prefix selects by insertion (a post of ~30 words keeps ~7 tokens).
constexpr std::size_t kSmallPrefix = 16;

/// Writes the `keep` rarest of the n distinct tokens of `set` (any order) to out[0, keep) in the
/// global order: estimated frequency, then token. `out` may be `set`. A short prefix is picked
/// by insertion on (frequency, token); a longer one sorts `set` (it is reordered) and ranks a
/// token by frequency << 32 | its index there: in a sorted set the index orders as the token
/// does, and one 64-bit key sorts faster than a (frequency, token) pair.
void rank_prefix(std::uint64_t* set, std::size_t n, std::size_t keep, const FrequencyTable& freq,
                 Scratch& scratch, std::uint64_t* out) {
    if (keep > 0 && keep < n && keep <= kSmallPrefix) {
        // A post's handful of tokens: one pass instead of a selection and a sort. Tokens are
        // distinct, so no two (frequency, token) pairs are equal.
        std::uint32_t top_freq[kSmallPrefix];
        std::uint64_t top[kSmallPrefix];
        std::size_t held = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint64_t token = set[i];
            const std::uint32_t f = freq.of(token);
            auto before = [&](std::size_t at) {
                return f != top_freq[at] ? f < top_freq[at] : token < top[at];
            };
            if (held == keep && !before(keep - 1)) continue;
            std::size_t at = held < keep ? held++ : keep - 1;
            for (; at > 0 && before(at - 1); --at) {
                top[at] = top[at - 1];
                top_freq[at] = top_freq[at - 1];
            }
            top[at] = token;
            top_freq[at] = f;
        }
        std::copy(top, top + keep, out);
        return;
    }
    auto& [keys, ranked] = scratch;
    std::sort(set, set + n);
    keys.resize(n);
    for (std::size_t i = 0; i < n; ++i)
        keys[i] = static_cast<std::uint64_t>(freq.of(set[i])) << 32 | i;
    const auto cut = keys.begin() + static_cast<std::ptrdiff_t>(keep);
    if (cut != keys.end()) std::nth_element(keys.begin(), cut, keys.end());
    std::sort(keys.begin(), cut);
    ranked.resize(keep);
    for (std::size_t i = 0; i < keep; ++i) ranked[i] = set[keys[i] & UINT32_MAX];
    std::copy(ranked.begin(), ranked.end(), out);
}

/// Tokens a counting worker takes at a time from the kept sets' buffer (512 KB).
constexpr std::size_t kBlock = std::size_t{1} << 16;
/// A set of more tokens takes room of its own, not a block's: a block then leaves less than
/// 1/16 of itself unused.
constexpr std::size_t kLargeSet = kBlock / 16;

/// Room in the kept sets' buffer for the counting pass: the tokens stated, 1/15 more for what
/// blocks leave unused, and a last block per worker.
std::size_t cache_capacity(std::size_t tokens_bound, int threads) {
    return tokens_bound + tokens_bound / 15 + 1 + static_cast<std::size_t>(threads) * kBlock;
}

/// Keeps set k's distinct tokens at p.cached + at.
void keep_set(std::size_t k, const std::vector<std::uint64_t>& tokens, std::size_t at,
              Distinct& distinct, Prefixes& p) {
    p.size[k] = static_cast<std::uint32_t>(distinct.copy(tokens, p.cached.get() + at));
    p.start[k] = static_cast<std::uint32_t>(at);
}

/// What one counting worker reuses from set to set.
struct Counter {
    std::vector<std::uint64_t> tokens;
    Distinct distinct;
    std::size_t at = 0, end = 0;  ///< its room in the kept sets' buffer
    std::size_t seen = 0;         ///< tokens tokens_of gave it, repeats included
};

/// Counts every token of every set into `freq`; with p.cached (room for `cache_capacity`
/// tokens), also keeps each set's distinct tokens there, in the order first seen, written
/// straight into room its worker took from an atomic cursor a block at a time (offsets in
/// p.start from p.cached itself): no copy per chunk. `tokens_bound`: what the caller stated.
void count_tokens(std::size_t count, const TokensOf& tokens_of, std::size_t tokens_bound,
                  std::size_t cache_capacity, FrequencyTable& freq, Prefixes& p, int threads) {
    std::atomic<std::size_t> used{0};
    std::vector<Counter> counters(static_cast<std::size_t>(std::max(1, threads)));
    dedup::parallel_tasks(p.base.size(), threads, [&](std::size_t chunk, int worker) {
        Counter& c = counters[static_cast<std::size_t>(worker)];
        auto& tokens = c.tokens;
        freq.start(worker);
        const std::size_t end = std::min(count, (chunk + 1) * kChunk);
        for (std::size_t k = chunk * kChunk; k < end; ++k) {
            tokens_of(k, tokens);
            c.seen += tokens.size();
            if (!p.cached) {
                for (std::uint64_t t : tokens) freq.add(t, worker);
                continue;
            }
            // The counters (cache misses in a table of several MB) load while the set is kept.
            for (std::uint64_t t : tokens) freq.prefetch(t, worker);
            const bool large = tokens.size() > kLargeSet;
            if (large || c.end - c.at < tokens.size()) {
                // A large set gets room of its own; else a new block, and what the last one has
                // left (less than this set) stays unused.
                const std::size_t room = large ? tokens.size() : kBlock;
                const std::size_t at = used.fetch_add(room);
                if (at + room > cache_capacity)
                    throw std::logic_error("prefix_join: more tokens than the stated bound");
                // Faulted in by one call, not a fault per page as the sets reach it.
                huge_pages::populate(p.cached.get() + at, room * sizeof(std::uint64_t));
                if (!large) c.end = (c.at = at) + room;
                keep_set(k, tokens, at, c.distinct, p);
                if (!large) c.at += p.size[k];
            } else {
                keep_set(k, tokens, c.at, c.distinct, p);
                c.at += p.size[k];
            }
            for (std::uint64_t t : tokens) freq.add(t, worker);  // repeats too: they count
        }
        if (p.cached) p.base[chunk] = p.cached.get();
    });
    std::size_t seen = 0;
    for (const Counter& c : counters) seen += c.seen;
    if (p.cached && seen > tokens_bound)
        throw std::logic_error("prefix_join: more tokens than the stated bound");
}

/// Puts every set's probe prefix in the global order: in place in p.cached (over the set's first
/// tokens; the others are not read again), or, uncached, from tokens_of into the chunk's
/// prefixes.
void order_prefixes(std::size_t count, const TokensOf& tokens_of, const FrequencyTable& freq,
                    double threshold, Prefixes& p, int threads) {
    if (!p.cached) p.chunks.resize(p.base.size());
    std::vector<Scratch> scratch(static_cast<std::size_t>(std::max(1, threads)));
    std::vector<std::vector<std::uint64_t>> prefixes(scratch.size()), made(scratch.size());
    dedup::parallel_tasks(p.base.size(), threads, [&](std::size_t chunk, int worker) {
        auto& tokens = made[static_cast<std::size_t>(worker)];
        auto& prefix = prefixes[static_cast<std::size_t>(worker)];
        auto& work = scratch[static_cast<std::size_t>(worker)];
        const std::size_t end = std::min(count, (chunk + 1) * kChunk);
        for (std::size_t k = chunk * kChunk; k < end; ++k) {
            if (p.cached) {
                // The next set's counters are loaded while this one is ranked: each is a cache
                // miss in a table of several MB.
                if (k + 1 < end)
                    for (std::size_t i = 0; i < p.size[k + 1]; ++i) freq.prefetch(p.of(k + 1)[i]);
                // The prefix over the set's first tokens: only the prefix is read from here on.
                std::uint64_t* set = p.cached.get() + p.start[k];
                const std::size_t keep = p.size[k] ? probe_prefix(p.size[k], threshold) : 0;
                rank_prefix(set, p.size[k], keep, freq, work, set);
                continue;
            }
            tokens_of(k, tokens);
            p.size[k] = static_cast<std::uint32_t>(sort_distinct(tokens));
            auto& out = p.chunks[chunk];
            p.start[k] = static_cast<std::uint32_t>(out.size());
            if (tokens.empty()) continue;
            const std::size_t keep = probe_prefix(tokens.size(), threshold);
            prefix.resize(keep);
            rank_prefix(tokens.data(), tokens.size(), keep, freq, work, prefix.data());
            // One push_back at a time, as before the sets were kept: growing the chunk's
            // vector by resize() instead left ~35 MB more resident at the 1M exact run's peak
            // (716 against 680 MB, the figures' stage), whatever the allocator made of it.
            for (std::uint64_t t : prefix) out.push_back(t);
        }
        if (p.cached) return;
        p.chunks[chunk].shrink_to_fit();
        p.base[chunk] = p.chunks[chunk].data();
    });
}

/// The sets' probe prefixes: tokens counted over all sets, then each set's prefix ordered.
/// Every set's distinct tokens are kept between the two passes (hashed and sorted once, not
/// twice) when `tokens_bound` (0: unknown) is at most kCachedTokens.
Prefixes probe_prefixes(std::size_t count, const TokensOf& tokens_of, std::size_t tokens_bound,
                        double threshold, int threads) {
    Prefixes p;
    p.size.assign(count, 0);
    p.start.assign(count, 0);
    p.base.assign((count + kChunk - 1) / kChunk, nullptr);
    const bool cache = tokens_bound > 0 && tokens_bound <= kCachedTokens;
    const std::size_t capacity = cache ? cache_capacity(tokens_bound, threads) : 0;
    if (cache) {
        // Not zeroed: each worker writes its own blocks, and pages never written stay unmapped.
        p.cached.reset(new std::uint64_t[capacity]);
        huge_pages::advise(p.cached.get(), capacity * sizeof(std::uint64_t));
    }
    FrequencyTable freq(count, threads);
    count_tokens(count, tokens_of, tokens_bound, capacity, freq, p, threads);
    freq.merge(threads);
    order_prefixes(count, tokens_of, freq, threshold, p, threads);
    return p;
}

/// How many sets ahead the index's passes start loading a set's tokens.
constexpr std::size_t kSetsAhead = 4;

/// One entry of the inverted index: set `rank` (its place in the size order) holds `token` at
/// position `pos` of its ordered tokens.
struct Entry {
    std::uint64_t token;
    std::uint32_t rank;
    std::uint32_t pos;
};

/// The index prefixes of all sets, grouped by token, ranks ascending within a token: entries
/// bucketed by the token's top bits (a counting sort, its passes split over the workers by
/// rank), each bucket then sorted by (token, rank). A token's entries are found by scanning its
/// bucket (~2 entries).
class Index {
   public:
    Index(const Prefixes& p, const std::vector<std::uint32_t>& order, double threshold,
          int threads) {
        std::size_t total = 0;
        for (std::uint32_t k : order) total += p.size[k] ? index_prefix(p.size[k], threshold) : 0;
        if (total >= UINT32_MAX) throw std::length_error("too many index entries to join");
        while (bits_ < 40 && (std::size_t{2} << bits_) < total) ++bits_;
        const std::size_t buckets = std::size_t{1} << bits_;
        const std::size_t tasks = (order.size() + kChunk - 1) / kChunk;
        auto each = [&](std::size_t task, auto&& fn) {
            const std::size_t end = std::min(order.size(), (task + 1) * kChunk);
            for (std::size_t r = task * kChunk; r < end; ++r) {
                // Sets by rank are all over the kept tokens: a later one's first tokens load
                // while this one is indexed (a cache miss per set otherwise).
                if (r + kSetsAhead < end) __builtin_prefetch(p.of(order[r + kSetsAhead]));
                const std::uint32_t k = order[r];
                if (!p.size[k]) continue;
                const std::uint64_t* tokens = p.of(k);
                const std::size_t n = index_prefix(p.size[k], threshold);
                for (std::size_t j = 0; j < n; ++j)
                    fn(tokens[j], static_cast<std::uint32_t>(r), static_cast<std::uint32_t>(j));
            }
        };
        // Per bucket: its entries (counted by all workers at once), then its next free place.
        // start_, fill and entries_ are a few MB each, filled at random: on huge pages.
        std::unique_ptr<std::atomic<std::uint32_t>[]> fill(new std::atomic<std::uint32_t>[buckets]);
        huge_pages::advise(fill.get(), buckets * sizeof(std::atomic<std::uint32_t>));
        for (std::size_t b = 0; b < buckets; ++b) fill[b].store(0, std::memory_order_relaxed);
        dedup::parallel_tasks(tasks, threads, [&](std::size_t task, int) {
            each(task, [&](std::uint64_t t, std::uint32_t, std::uint32_t) {
                fill[bucket(t)].fetch_add(1, std::memory_order_relaxed);
            });
        });
        huge_pages::assign(start_, buckets + 1);
        for (std::size_t b = 0; b < buckets; ++b) {
            start_[b + 1] = start_[b] + fill[b].load(std::memory_order_relaxed);
            fill[b].store(start_[b], std::memory_order_relaxed);
        }
        // Not zeroed: the scatter writes every entry, its pages faulted in by both workers.
        entries_.reset(new Entry[total]);
        size_ = total;
        huge_pages::advise(entries_.get(), total * sizeof(Entry));
        dedup::parallel_tasks(tasks, threads, [&](std::size_t task, int) {
            each(task, [&](std::uint64_t t, std::uint32_t r, std::uint32_t j) {
                entries_[fill[bucket(t)].fetch_add(1, std::memory_order_relaxed)] = {t, r, j};
            });
        });
        // Buckets hold ~2 entries, in any order: an insertion sort by (token, rank).
        auto before = [](const Entry& a, const Entry& b) {
            return a.token != b.token ? a.token < b.token : a.rank < b.rank;
        };
        const std::size_t slices = std::min<std::size_t>(buckets, 256);
        dedup::parallel_tasks(slices, threads, [&](std::size_t slice, int) {
            const std::size_t b_end = buckets / slices * (slice + 1);
            for (std::size_t b = buckets / slices * slice; b < b_end; ++b)
                for (std::size_t i = start_[b] + 1; i < start_[b + 1]; ++i)
                    for (std::size_t j = i; j > start_[b] && before(entries_[j], entries_[j - 1]);
                         --j)
                        std::swap(entries_[j - 1], entries_[j]);
        });
    }
    /// The entries of `token`, ranks ascending.
    std::pair<const Entry*, const Entry*> of(std::uint64_t token) const {
        const std::size_t b = bucket(token);
        const Entry* e = entries_.get() + start_[b];
        const Entry* end = entries_.get() + start_[b + 1];
        while (e != end && e->token != token) ++e;
        const Entry* last = e;
        while (last != end && last->token == token) ++last;
        return {e, last};
    }
    std::size_t size() const { return size_; }
    /// Starts loading where the entries of `token` are (a hint: no effect on the result).
    void prefetch(std::uint64_t token) const { __builtin_prefetch(&start_[bucket(token)]); }

   private:
    std::size_t bucket(std::uint64_t token) const {
        return static_cast<std::size_t>(token >> (63 - bits_) >> 1);
    }
    int bits_ = 1;
    std::vector<std::uint32_t> start_;
    std::unique_ptr<Entry[]> entries_;
    std::size_t size_ = 0;
};

/// What one probing worker reuses from set to set.
struct Worker {
    std::vector<std::uint32_t> overlap;  ///< per rank: A(y), shared prefix tokens so far
    std::vector<std::uint32_t> touched;  ///< ranks with a non-zero A(y)
    std::vector<std::uint64_t> tokens;
    minhash::ShingleTable table;
    std::vector<Pair> pairs;
    std::size_t candidates = 0;
};

/// Probes the index with set order[r] against the smaller sets (ranks < r), then verifies the
/// candidates left by the filters exactly.
void probe(std::uint32_t r, const std::vector<std::uint32_t>& order,
           const std::vector<std::uint32_t>& size_by_rank, const Prefixes& p, const Index& index,
           const TokensOf& tokens_of, double threshold, Worker& w) {
    const std::uint32_t x = order[r];
    const std::size_t sx = size_by_rank[r];
    if (sx == 0) return;
    const std::uint64_t* prefix = p.of(x);
    const std::size_t probe_len = probe_prefix(sx, threshold);
    // Length filter: a set under ceil(t |x|) tokens cannot reach t with x.
    const std::uint32_t min_size = static_cast<std::uint32_t>(ceil_down(threshold * sx));
    const auto lo = static_cast<std::uint32_t>(
        std::lower_bound(size_by_rank.begin(), size_by_rank.begin() + r, min_size) -
        size_by_rank.begin());
    const double overlap_share = threshold / (1.0 + threshold);
    for (std::size_t i = 0; i < probe_len; ++i) {
        auto [e, end] = index.of(prefix[i]);
        for (; e != end && e->rank < r; ++e) {
            if (e->rank < lo) continue;
            std::uint32_t& a = w.overlap[e->rank];
            if (a == kPruned) continue;
            const std::size_t sy = size_by_rank[e->rank];
            const std::size_t need = ceil_down(overlap_share * static_cast<double>(sx + sy));
            const std::size_t most = 1 + std::min(sx - i - 1, sy - e->pos - 1);
            if (a == 0) w.touched.push_back(e->rank);
            // Positional filter: A(y) counts every shared token before this one exactly, and
            // at most `most` are shared from here on.
            a = a + most >= need ? a + 1 : kPruned;
        }
    }
    if (w.touched.empty()) return;
    tokens_of(x, w.tokens);
    w.table.assign(w.tokens);
    for (std::uint32_t y : w.touched) {
        if (w.overlap[y] != kPruned) {
            ++w.candidates;
            tokens_of(order[y], w.tokens);
            const auto [common, size_y] = w.table.compare(w.tokens);
            const std::size_t uni = w.table.size() + size_y - common;
            if (static_cast<double>(common) / static_cast<double>(uni) >= threshold)
                w.pairs.push_back({std::min(x, order[y]), std::max(x, order[y]),
                                   static_cast<std::uint32_t>(common),
                                   static_cast<std::uint32_t>(uni)});
        }
        w.overlap[y] = 0;
    }
    w.touched.clear();
}

}  // namespace

std::size_t ceil_down(double v) {
    const double c = std::ceil(v - 1e-9);
    return c <= 0 ? 0 : static_cast<std::size_t>(c);
}

std::size_t probe_prefix(std::size_t size, double threshold) {
    const std::size_t need = std::max<std::size_t>(1, ceil_down(threshold * size));
    return size - std::min(size, need) + 1;
}

std::size_t index_prefix(std::size_t size, double threshold) {
    const double share = 2 * threshold / (1 + threshold);
    const std::size_t need = std::max<std::size_t>(1, ceil_down(share * size));
    return size - std::min(size, need) + 1;
}

Result self_join(std::size_t count, const TokensOf& tokens_of, double threshold, int threads,
                 std::size_t tokens_bound) {
    if (count >= UINT32_MAX) throw std::length_error("too many sets to join");
    threads = std::max(1, threads);
    const std::size_t chunks = (count + kChunk - 1) / kChunk;
    Result result;
    Prefixes p = probe_prefixes(count, tokens_of, tokens_bound, threshold, threads);
    // Sets by increasing size (then index): each probes only the sets before it.
    std::vector<std::uint64_t> keyed(count);
    for (std::size_t k = 0; k < count; ++k)
        keyed[k] = static_cast<std::uint64_t>(p.size[k]) << 32 | k;
    minhash::radix_sort(keyed);
    std::vector<std::uint32_t> order(count), size_by_rank(count);
    for (std::size_t r = 0; r < count; ++r) {
        order[r] = static_cast<std::uint32_t>(keyed[r]);
        size_by_rank[r] = static_cast<std::uint32_t>(keyed[r] >> 32);
    }
    std::vector<std::uint64_t>().swap(keyed);
    const Index index(p, order, threshold, threads);
    result.index_entries = index.size();

    std::vector<Worker> workers(static_cast<std::size_t>(threads));
    dedup::parallel_tasks(chunks, threads, [&](std::size_t chunk, int worker) {
        Worker& w = workers[static_cast<std::size_t>(worker)];
        if (w.overlap.size() != count) w.overlap.assign(count, 0);
        const std::size_t end = std::min(count, (chunk + 1) * kChunk);
        for (std::size_t r = chunk * kChunk; r < end; ++r) {
            // The next set's buckets load while this one probes, and the one after's tokens.
            if (r + 2 < end) __builtin_prefetch(p.of(order[r + 2]));
            if (r + 1 < end && size_by_rank[r + 1] > 0) {
                const std::uint64_t* next = p.of(order[r + 1]);
                const std::size_t n = probe_prefix(size_by_rank[r + 1], threshold);
                for (std::size_t i = 0; i < n; ++i) index.prefetch(next[i]);
            }
            probe(static_cast<std::uint32_t>(r), order, size_by_rank, p, index, tokens_of,
                  threshold, w);
        }
    });
    for (auto& w : workers) {
        result.candidates += w.candidates;
        result.pairs.insert(result.pairs.end(), w.pairs.begin(), w.pairs.end());
    }
    std::sort(result.pairs.begin(), result.pairs.end(),
              [](const Pair& x, const Pair& y) { return x.a != y.a ? x.a < y.a : x.b < y.b; });
    return result;
}

}  // namespace synthmod::prefix_join
