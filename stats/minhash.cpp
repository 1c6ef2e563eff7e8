#include "stats/minhash.h"

// Inline xxHash (the Debian header carries the implementation): shingles are 5-20 bytes, where
// a call into the shared library costs as much as the hash itself.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <limits>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "stats/spaces.h"

namespace synthmod::minhash {

namespace {

/// MurmurHash3's 64-bit finaliser: a bijection that spreads every input bit over the output.
inline std::uint64_t mix64(std::uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/// Maps a 32-bit value uniformly onto [0, n) without a division (Lemire's multiply-shift).
inline std::uint32_t fast_range(std::uint32_t x, std::uint32_t n) {
    return static_cast<std::uint32_t>((static_cast<std::uint64_t>(x) * n) >> 32);
}

inline std::uint64_t hash_bytes(const char* p, std::size_t n) { return XXH3_64bits(p, n); }

void sort_unique(std::vector<std::uint64_t>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

/// Composite Simpson rule with `intervals` (even) sub-intervals.
template <class F>
double simpson(F f, double a, double b, int intervals = 1000) {
    double h = (b - a) / intervals;
    double sum = f(a) + f(b);
    for (int i = 1; i < intervals; ++i) sum += (i % 2 ? 4.0 : 2.0) * f(a + i * h);
    return sum * h / 3.0;
}

}  // namespace

namespace {

/// Char shingles of shingle_hashes_unsorted: n consecutive code points (text non-empty).
void char_shingles(const char* p, std::size_t size, std::size_t un,
                   std::vector<std::uint64_t>& out) {
    unsigned char high = 0;  // OR of all bytes: vectorises, where a bool chain did not
    for (std::size_t i = 0; i < size; ++i) high |= static_cast<unsigned char>(p[i]);
    if (high < 0x80) {  // one byte per code point: shingle i is bytes [i, i + n)
        if (size < un) {
            out.push_back(hash_bytes(p, size));
            return;
        }
        out.resize(size - un + 1);
        for (std::size_t i = 0; i + un <= size; ++i) out[i] = hash_bytes(p + i, un);
        return;
    }
    // Byte offsets of code point starts.
    thread_local std::vector<std::uint32_t> starts;
    starts.clear();
    for (std::size_t i = 0; i < size; ++i)
        if ((static_cast<unsigned char>(p[i]) & 0xC0) != 0x80)
            starts.push_back(static_cast<std::uint32_t>(i));
    const std::size_t units = starts.size();
    if (units < un) {
        out.push_back(hash_bytes(p, size));
        return;
    }
    starts.push_back(static_cast<std::uint32_t>(size));
    out.reserve(units - un + 1);
    for (std::size_t i = 0; i + un <= units; ++i)
        out.push_back(hash_bytes(p + starts[i], starts[i + un] - starts[i]));
}

/// Word shingles of shingle_hashes_unsorted: n consecutive words (text non-empty).
void word_shingles(const char* p, std::size_t size, std::size_t un,
                   std::vector<std::uint64_t>& out) {
    // Words: normalised text has single spaces, so an n-gram is the bytes from the first word's
    // start to the last word's end.
    // A word is a run of non-space bytes: it ends at a space that follows a non-space byte
    // (or at the end), and began after the space before it (or at 0). The spaces come from
    // spaces::for_each, 16 bytes at a time.
    // Grown, never shrunk: a resize per text zero-filled the part the last text had cut off.
    thread_local std::vector<std::uint32_t> starts;
    thread_local std::vector<std::uint32_t> ends;
    if (starts.size() < size / 2 + 2) {
        starts.resize(size / 2 + 2);
        ends.resize(size / 2 + 2);
    }
    std::uint32_t* st = starts.data();
    std::uint32_t* en = ends.data();
    std::size_t words = 0;
    std::size_t next = 0;  // where a word after the last space seen would start
    spaces::for_each(p, size, [&](std::size_t i) {
        if (i > next) {
            st[words] = static_cast<std::uint32_t>(next);
            en[words++] = static_cast<std::uint32_t>(i);
        }
        next = i + 1;
    });
    if (size > next) {
        st[words] = static_cast<std::uint32_t>(next);
        en[words++] = static_cast<std::uint32_t>(size);
    }
    const std::size_t units = words;
    if (units < un) {
        out.push_back(hash_bytes(p, size));
        return;
    }
    // Sized once and written by index: a push_back per shingle was an out-of-line call.
    out.resize(units - un + 1);
    std::uint64_t* hashes = out.data();
    for (std::size_t k = 0; k + un <= units; ++k)
        hashes[k] = hash_bytes(p + st[k], en[k + un - 1] - st[k]);
}

}  // namespace

void shingle_hashes_unsorted(std::string_view text, ShingleKind kind, int n,
                             std::vector<std::uint64_t>& out) {
    out.clear();
    if (text.empty()) return;
    if (n < 1) n = 1;
    const auto un = static_cast<std::size_t>(n);
    if (kind == ShingleKind::kChar)
        char_shingles(text.data(), text.size(), un, out);
    else
        word_shingles(text.data(), text.size(), un, out);
}

void shingle_hashes(std::string_view text, ShingleKind kind, int n,
                    std::vector<std::uint64_t>& out) {
    shingle_hashes_unsorted(text, kind, n, out);
    sort_unique(out);
}

void ShingleTable::rebuild(std::size_t capacity) {
    std::size_t cap = 64;
    while (cap < capacity) cap <<= 1;
    std::vector<std::uint64_t> old_keys;
    std::vector<std::uint8_t> old_flags;
    old_keys.swap(keys_);
    old_flags.swap(flags_);
    keys_.assign(cap, 0);
    flags_.assign(cap, 0);
    const std::size_t mask = cap - 1;
    for (std::size_t i = 0; i < old_keys.size(); ++i) {
        if (!(old_flags[i] & kInA)) continue;
        std::size_t j = old_keys[i] & mask;
        while (flags_[j]) j = (j + 1) & mask;
        keys_[j] = old_keys[i];
        flags_[j] = kInA;
    }
}

void ShingleTable::assign(const std::vector<std::uint64_t>& hashes) {
    // Room for A and a B of up to three times A's size at load <= 3/4, so compare() rarely
    // grows the table; the arrays are reused from one text to the next (no allocation per
    // candidate run).
    std::size_t cap = 64;
    while (cap < hashes.size() * 4) cap <<= 1;
    size_ = 0;
    if (keys_.size() < cap || keys_.size() > 4 * cap) {
        keys_.assign(cap, 0);
        flags_.assign(cap, 0);
    } else {
        std::fill(flags_.begin(), flags_.end(), std::uint8_t{0});
    }
    const std::size_t mask = keys_.size() - 1;
    for (std::uint64_t h : hashes) {
        std::size_t j = h & mask;
        while (flags_[j] && keys_[j] != h) j = (j + 1) & mask;
        if (flags_[j]) continue;  // a repeat
        keys_[j] = h;
        flags_[j] = kInA;
        ++size_;
    }
}

std::pair<std::size_t, std::size_t> ShingleTable::compare(const std::vector<std::uint64_t>& b) {
    if ((size_ + b.size()) * 4 > keys_.size() * 3) rebuild((size_ + b.size()) * 2);
    const std::size_t mask = keys_.size() - 1;
    std::size_t common = 0, unique_b = 0;
    touched_.clear();
    for (std::uint64_t h : b) {
        std::size_t j = h & mask;
        while (flags_[j] && keys_[j] != h) j = (j + 1) & mask;
        std::uint8_t& f = flags_[j];
        if (f == 0) {  // only in B
            keys_[j] = h;
            f = kOnlyB;
            ++unique_b;
            touched_.push_back(j);
        } else if (f == kInA) {  // in both, first time seen
            f = kInA | kSeen;
            ++common;
            ++unique_b;
            touched_.push_back(j);
        }  // else a repeat within B
    }
    // Undo: B-only entries were all added after A's, so clearing them restores A's table.
    for (std::size_t j : touched_) flags_[j] = flags_[j] == kOnlyB ? 0 : kInA;
    return {common, unique_b};
}

std::size_t intersection_size(const std::vector<std::uint64_t>& a,
                              const std::vector<std::uint64_t>& b) {
    std::size_t i = 0, j = 0, common = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i] < b[j]) {
            ++i;
        } else if (b[j] < a[i]) {
            ++j;
        } else {
            ++common;
            ++i;
            ++j;
        }
    }
    return common;
}

double jaccard(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
    if (a.empty() && b.empty()) return 0.0;
    std::size_t common = intersection_size(a, b);
    return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

namespace {

constexpr std::uint32_t kEmpty = 0xffffffffu;
/// Tabulated steps of every densification walk (the rest are hashed on demand): 64, so that
/// even a 10-of-128 round rarely walks past the table (0.92^64 = 0.5 % of its empty bins).
constexpr std::uint32_t kWalk = 64;
/// Steps covered by the stop table of the sparse path (entries hold a step in their high byte).
constexpr std::uint32_t kHitSteps = kWalk;
/// Largest stop table kept (entries of 2 bytes: 4 MiB).
constexpr std::size_t kMaxHitTable = std::size_t{1} << 21;
/// A stop entry for "no tabulated step of this walk lands here"; above every real entry.
constexpr std::uint16_t kNoStop = 0x7f00;

/// Step `attempt` (1-based) of the densification walk of bin k in round r: a bin in [0, bins).
inline std::uint32_t walk_step(std::uint64_t seed, int r, std::uint32_t k, std::uint64_t attempt,
                               std::uint32_t bins) {
    const std::uint64_t salt = mix64(seed + static_cast<std::uint64_t>(r) + 0x2545f4914f6cdd1dULL);
    std::uint64_t h = mix64(salt ^ (static_cast<std::uint64_t>(k) << 32) ^ attempt);
    return fast_range(static_cast<std::uint32_t>(h >> 32), bins);
}

/// The densification walks of one (seed, bins, rounds), tabulated once per thread.
struct WalkTable {
    std::uint64_t seed = 0;
    std::uint32_t bins = 0;
    int rounds = 0;
    std::vector<std::uint32_t> steps;  ///< [round][bin][step < kWalk]
    /// Sparse path (bins <= 256 and a small enough table), else empty: stop[round][f][k] is
    /// (a << 8 | f) for the first step a (1-based, a <= kHitSteps) of bin k's walk that lands on
    /// bin f, kNoStop when none does, and f (a = 0) for k = f: the minimum over the filled bins
    /// f of stop[f][k] names the bin that k copies (itself when it is filled).
    std::vector<std::uint16_t> stop;

    void build(std::uint64_t s, std::uint32_t b, int r) {
        seed = s;
        bins = b;
        rounds = r;
        const std::size_t total = static_cast<std::size_t>(bins) * rounds;
        steps.resize(total * kWalk);
        for (int round = 0; round < rounds; ++round)
            for (std::uint32_t k = 0; k < bins; ++k)
                for (std::uint32_t a = 0; a < kWalk; ++a)
                    steps[(static_cast<std::size_t>(round) * bins + k) * kWalk + a] =
                        walk_step(seed, round, k, a + 1, bins);
        stop.clear();
        if (bins > 256 || total * bins > kMaxHitTable) return;
        stop.assign(total * bins, kNoStop);
        for (int round = 0; round < rounds; ++round)
            for (std::uint32_t k = 0; k < bins; ++k) {
                const std::size_t rk = static_cast<std::size_t>(round) * bins + k;
                for (std::uint32_t a = kHitSteps; a >= 1; --a) {  // the first hit wins
                    std::uint32_t f = steps[rk * kWalk + a - 1];
                    stop[(static_cast<std::size_t>(round) * bins + f) * bins + k] =
                        static_cast<std::uint16_t>(a << 8 | f);
                }
                stop[(static_cast<std::size_t>(round) * bins + k) * bins + k] =
                    static_cast<std::uint16_t>(k);
            }
    }
};

/// bits[k / 64] bit k % 64 set when bin k is filled (bins - 1 / 64 + 1 words).
void occupancy(const std::uint32_t* best, std::uint32_t bins, std::uint64_t* bits) {
    std::uint32_t k = 0;
    for (std::uint32_t w = 0; w * 64 < bins; ++w) bits[w] = 0;
#if defined(__SSE2__)
    const __m128i empty = _mm_set1_epi32(-1);
    for (; k + 16 <= bins; k += 16) {
        const auto* p = reinterpret_cast<const __m128i*>(best + k);
        // movemask of (best == kEmpty): 4 bits per compare, 16 bins per round trip.
        unsigned m = 0;
        for (int j = 0; j < 4; ++j)
            m |= static_cast<unsigned>(_mm_movemask_ps(
                     _mm_castsi128_ps(_mm_cmpeq_epi32(_mm_loadu_si128(p + j), empty))))
                 << (4 * j);
        bits[k >> 6] |= static_cast<std::uint64_t>(~m & 0xffffu) << (k & 63);
    }
#endif
    for (; k < bins; ++k) bits[k >> 6] |= static_cast<std::uint64_t>(best[k] != kEmpty) << (k & 63);
}

/// stop[k] = minimum of rows[f][k] over the `n` bins f listed in `filled` (rows of `bins`
/// entries, all below 0x8000).
void min_rows(const std::uint16_t* rows, const std::uint32_t* filled, std::uint32_t n,
              std::uint32_t bins, std::uint16_t* stop) {
    std::uint32_t base = 0;
#if defined(__SSE2__)
    // 64 lanes at a time held in eight registers: each row is loaded once, nothing is stored
    // until the last row. Signed 16-bit minimum (pminsw) is exact for entries below 0x8000.
    for (; base + 64 <= bins; base += 64) {
        __m128i acc[8];
        for (auto& v : acc) v = _mm_set1_epi16(0x7fff);
        for (std::uint32_t i = 0; i < n; ++i) {
            const auto* row = reinterpret_cast<const __m128i*>(
                rows + static_cast<std::size_t>(filled[i]) * bins + base);
            for (int j = 0; j < 8; ++j) acc[j] = _mm_min_epi16(acc[j], _mm_loadu_si128(row + j));
        }
        for (int j = 0; j < 8; ++j)
            _mm_storeu_si128(reinterpret_cast<__m128i*>(stop + base) + j, acc[j]);
    }
#endif
    for (std::uint32_t k = base; k < bins; ++k) stop[k] = 0x7fff;
    for (std::uint32_t i = 0; i < n; ++i) {
        const std::uint16_t* row = rows + static_cast<std::size_t>(filled[i]) * bins;
        for (std::uint32_t k = base; k < bins; ++k) stop[k] = std::min(stop[k], row[k]);
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define SYNTHMOD_MINHASH_AVX2 1
/// The sparse round of signatures() with AVX2 (chosen at run time): min_rows over 128 lanes
/// in eight 256-bit registers, then out[k] = best[stop[k] & 0xff] by 8-lane gathers. `bins` is
/// a multiple of 128; `stop` receives the minima. Returns the largest minimum.
__attribute__((target("avx2"))) std::uint16_t sparse_round_avx2(
    const std::uint16_t* rows, const std::uint32_t* filled, std::uint32_t n, std::uint32_t bins,
    const std::uint32_t* best, std::uint16_t* stop, std::uint32_t* out) {
    for (std::uint32_t base = 0; base < bins; base += 128) {
        __m256i acc[8];
        for (auto& v : acc) v = _mm256_set1_epi16(0x7fff);
        for (std::uint32_t i = 0; i < n; ++i) {
            const auto* row = reinterpret_cast<const __m256i*>(
                rows + static_cast<std::size_t>(filled[i]) * bins + base);
            for (int j = 0; j < 8; ++j)
                acc[j] = _mm256_min_epi16(acc[j], _mm256_loadu_si256(row + j));
        }
        for (int j = 0; j < 8; ++j)
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(stop + base) + j, acc[j]);
    }
    const __m256i low_byte = _mm256_set1_epi32(0xff);
    __m256i largest = _mm256_setzero_si256();
    for (std::uint32_t k = 0; k < bins; k += 8) {
        const __m256i entries =
            _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(stop + k)));
        largest = _mm256_max_epu32(largest, entries);
        const __m256i from = _mm256_and_si256(entries, low_byte);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + k),
                            _mm256_i32gather_epi32(reinterpret_cast<const int*>(best), from, 4));
    }
    alignas(32) std::uint32_t lanes[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), largest);
    std::uint32_t all = 0;
    for (std::uint32_t v : lanes) all = std::max(all, v);
    return static_cast<std::uint16_t>(all);
}

bool have_avx2() {
    static const bool yes = __builtin_cpu_supports("avx2");
    return yes;
}
#endif

/// The bin minima of rounds [0, rounds) into best (kEmpty where no shingle fell): each round
/// needs one 32-bit word per shingle, whose high bits pick the bin (multiply-shift) and whose
/// low 25 bits order the shingles in the bin. One 64-bit multiply-xorshift of the (already
/// uniform) xxh3 hash gives the words of two rounds.
void fill_bins(const std::uint64_t* hashes, std::size_t count, std::uint32_t bins,
               std::uint64_t seed, int rounds, std::uint32_t* best) {
    constexpr std::uint32_t kValueMask = (1u << 25) - 1;
    for (int r = 0; r < rounds; r += 2) {
        const std::uint64_t salt =
            mix64(seed + static_cast<std::uint64_t>(r) + 0x9e3779b97f4a7c15ULL);
        std::uint32_t* first = best + static_cast<std::size_t>(r) * bins;
        if (r + 1 < rounds) {
            std::uint32_t* second = first + bins;
            for (std::size_t i = 0; i < count; ++i) {
                std::uint64_t x = (hashes[i] ^ salt) * 0x9e3779b97f4a7c15ULL;
                x ^= x >> 31;
                auto w0 = static_cast<std::uint32_t>(x >> 32);
                auto w1 = static_cast<std::uint32_t>(x);
                std::uint32_t& b0 = first[fast_range(w0, bins)];
                b0 = std::min(b0, w0 & kValueMask);
                std::uint32_t& b1 = second[fast_range(w1, bins)];
                b1 = std::min(b1, w1 & kValueMask);
            }
        } else {
            for (std::size_t i = 0; i < count; ++i) {
                std::uint64_t x = (hashes[i] ^ salt) * 0x9e3779b97f4a7c15ULL;
                x ^= x >> 31;
                auto w0 = static_cast<std::uint32_t>(x >> 32);
                std::uint32_t& b0 = first[fast_range(w0, bins)];
                b0 = std::min(b0, w0 & kValueMask);
            }
        }
    }
}

/// Empty bin k of round r copies the first filled bin on its walk, from step `first_step`
/// (1-based) on: tabulated steps first, then hashed ones.
inline std::uint32_t walk_to_filled(const WalkTable& walk, std::uint64_t seed, int r,
                                    std::uint32_t k, std::uint64_t first_step,
                                    const std::uint32_t* best, std::uint32_t bins) {
    const std::uint32_t* steps =
        walk.steps.data() + (static_cast<std::size_t>(r) * bins + k) * kWalk;
    for (std::uint64_t attempt = first_step;; ++attempt) {
        const std::uint32_t from =
            attempt <= kWalk ? steps[attempt - 1] : walk_step(seed, r, k, attempt, bins);
        if (best[from] != kEmpty) return best[from];
    }
}

/// Dense round (few empty bins, short walks): each empty bin walks.
void densify_by_walking(const WalkTable& walk, std::uint64_t seed, int r, std::uint32_t bins,
                        const std::uint32_t* best, std::uint32_t* out) {
    for (std::uint32_t k = 0; k < bins; ++k)
        out[k] = best[k] != kEmpty ? best[k] : walk_to_filled(walk, seed, r, k, 1, best, bins);
}

/// Per-thread scratch of the sparse rounds.
struct SparseScratch {
    std::vector<std::uint64_t> occupied;  ///< occupancy bitmap of one round
    std::vector<std::uint32_t> filled;    ///< filled bins of one round
    std::vector<std::uint16_t> stops;     ///< per bin, the stop-table minimum
};

/// Sparse round: the walks are not walked. The minimum of the stop-table rows of the filled
/// bins names, per bin, the bin its walk stops at (or itself, filled): the same bin as walking,
/// without a data-dependent branch per step (a walk of ~4 steps per empty bin mispredicted
/// about once).
void densify_by_stop_table(const WalkTable& walk, std::uint64_t seed, int r, std::uint32_t bins,
                           const std::uint32_t* best, SparseScratch& scratch, std::uint32_t* out) {
    const std::size_t words = (bins + 63) / 64;
    scratch.occupied.resize(words);
    scratch.filled.resize(bins);
    scratch.stops.resize(bins);
    std::uint64_t* bits = scratch.occupied.data();
    occupancy(best, bins, bits);
    std::uint32_t* filled = scratch.filled.data();
    std::uint32_t n = 0;
    for (std::size_t w = 0; w < words; ++w)
        for (std::uint64_t m = bits[w]; m; m &= m - 1)
            filled[n++] = static_cast<std::uint32_t>(w * 64 + __builtin_ctzll(m));
    std::uint16_t* stop = scratch.stops.data();
    const std::uint16_t* rows = walk.stop.data() + static_cast<std::size_t>(r) * bins * bins;
    // kNoStop (no tabulated step hit a filled bin; 0.92^64 = 0.5 % of the empty bins of a
    // 10-of-128 round) reads bin 0 here and walks on below.
    std::uint16_t largest = 0;
#ifdef SYNTHMOD_MINHASH_AVX2
    if (bins % 128 == 0 && have_avx2()) {
        largest = sparse_round_avx2(rows, filled, n, bins, best, stop, out);
    } else
#endif
    {
        min_rows(rows, filled, n, bins, stop);
        for (std::uint32_t k = 0; k < bins; ++k) {
            out[k] = best[stop[k] & 0xff];
            largest = std::max(largest, stop[k]);
        }
    }
    if (largest >= kNoStop)
        for (std::uint32_t k = 0; k < bins; ++k)
            if (stop[k] == kNoStop)
                out[k] = walk_to_filled(walk, seed, r, k, kHitSteps + 1, best, bins);
}

}  // namespace

void signatures(const std::uint64_t* hashes, std::size_t count, int num_perm, std::uint64_t seed,
                int rounds, std::uint32_t* out) {
    const auto bins = static_cast<std::uint32_t>(num_perm);
    thread_local std::vector<std::uint32_t> best;
    best.assign(static_cast<std::size_t>(bins) * rounds, kEmpty);
    fill_bins(hashes, count, bins, seed, rounds, best.data());
    // Optimal densification: an empty bin k copies the first filled bin on a walk that depends
    // only on (seed, round, k), the same for every document, so a pair borrows alike. The first
    // kWalk steps of every walk are tabulated once per (seed, bins, rounds): sparse texts (word
    // shingles: ~30 per post for 128 bins) would otherwise spend a hash per step.
    thread_local WalkTable walk;
    if (walk.seed != seed || walk.bins != bins || walk.rounds != rounds || walk.steps.empty())
        walk.build(seed, bins, rounds);
    // Sparse or dense by the expected share of filled bins, 1 - exp(-count / bins): sparse
    // below 3/4 (the stop table's cost grows with the filled bins, a walk's with the empty
    // ones). Either way gives the same signature.
    const bool sparse = !walk.stop.empty() && static_cast<double>(count) < 1.386 * bins;
    thread_local SparseScratch scratch;
    for (int r = 0; r < rounds; ++r) {
        const std::uint32_t* round_best = best.data() + static_cast<std::size_t>(r) * bins;
        std::uint32_t* round_out = out + static_cast<std::size_t>(r) * bins;
        if (sparse)
            densify_by_stop_table(walk, seed, r, bins, round_best, scratch, round_out);
        else
            densify_by_walking(walk, seed, r, bins, round_best, round_out);
    }
}

void signature(const std::uint64_t* hashes, std::size_t count, int num_perm, std::uint64_t seed,
               std::uint32_t* out) {
    signatures(hashes, count, num_perm, seed, 1, out);
}

double estimate_jaccard(const std::uint32_t* a, const std::uint32_t* b, int num_perm) {
    int equal = 0;
    for (int k = 0; k < num_perm; ++k) equal += a[k] == b[k];
    return static_cast<double>(equal) / num_perm;
}

double match_probability(double s, Banding banding, int rounds) {
    double once = 1.0 - std::pow(1.0 - std::pow(s, banding.rows), banding.bands);
    if (rounds <= 1) return once;
    return 1.0 - std::pow(1.0 - once, rounds);
}

double false_positive_area(double threshold, Banding banding) {
    return simpson([&](double s) { return match_probability(s, banding); }, 0.0, threshold);
}

double false_negative_area(double threshold, Banding banding) {
    return simpson([&](double s) { return 1.0 - match_probability(s, banding); }, threshold, 1.0);
}

Banding optimal_banding(double threshold, int num_perm, double fp_weight, double fn_weight) {
    double best_error = std::numeric_limits<double>::infinity();
    Banding best{1, 1};
    for (int b = 1; b <= num_perm; ++b) {
        for (int r = 1; r <= num_perm / b; ++r) {
            Banding candidate{b, r};
            double error = fp_weight * false_positive_area(threshold, candidate) +
                           fn_weight * false_negative_area(threshold, candidate);
            if (error < best_error) {
                best_error = error;
                best = candidate;
            }
        }
    }
    return best;
}

namespace {

/// Fewest bands of `rows` rows over `rounds` rounds whose P(threshold) >= 1 - max_miss:
/// (1 - t^rows)^(bands * rounds) <= max_miss. 0 when one band already suffices.
double bands_needed(double threshold, int rows, int rounds, double max_miss) {
    const double hit = std::pow(threshold, rows);  // one band agrees
    if (hit >= 1.0) return 1.0;
    if (hit <= 0.0) return std::numeric_limits<double>::infinity();
    return std::ceil(std::log(max_miss) / (rounds * std::log1p(-hit)) - 1e-9);
}

/// Best design within exactly `rounds` rounds; bands = 0 when none meets the target.
LshDesign best_in_rounds(double threshold, int num_perm, double max_miss, int rounds) {
    LshDesign best{{0, 0}, rounds};
    double best_area = std::numeric_limits<double>::infinity();
    for (int rows = 1; rows <= num_perm; ++rows) {
        const double need = std::max(1.0, bands_needed(threshold, rows, rounds, max_miss));
        if (need > num_perm / rows) continue;
        const LshDesign candidate{{static_cast<int>(need), rows}, rounds};
        const double area =
            simpson([&](double s) { return match_probability(s, candidate.banding, rounds); }, 0.0,
                    threshold, 200);
        if (area < best_area ||
            (area == best_area && candidate.banding.bands < best.banding.bands)) {
            best_area = area;
            best = candidate;
        }
    }
    return best;
}

/// The design of `rounds` rounds with the highest P(threshold) (all of num_perm used).
LshDesign most_probable(double threshold, int num_perm, int rounds) {
    LshDesign best{{1, 1}, rounds};
    double best_p = -1.0;
    for (int rows = 1; rows <= num_perm; ++rows) {
        const LshDesign candidate{{num_perm / rows, rows}, rounds};
        const double p = match_probability(threshold, candidate.banding, rounds);
        if (p > best_p) {
            best_p = p;
            best = candidate;
        }
    }
    return best;
}

}  // namespace

LshDesign recall_design(double threshold, int num_perm, double max_miss, int rounds) {
    const int first = rounds > 0 ? rounds : kDefaultRounds;
    const int last = rounds > 0 ? rounds : kMaxRounds;
    for (int r = first; r <= last; ++r) {
        LshDesign d = best_in_rounds(threshold, num_perm, max_miss, r);
        if (d.banding.bands > 0) return d;
    }
    return most_probable(threshold, num_perm, last);
}

std::uint64_t band_key(const std::uint32_t* signature, Banding banding, int band) {
    return XXH3_64bits(signature + static_cast<std::size_t>(band) * banding.rows,
                       sizeof(std::uint32_t) * banding.rows);
}

TextBandKeys::TextBandKeys(ShingleKind kind, int ngram, int num_perm, std::uint64_t seed,
                           Banding banding, int rounds)
    : kind_(kind),
      ngram_(ngram),
      num_perm_(num_perm),
      seed_(seed),
      banding_(banding),
      rounds_(rounds),
      sig_(static_cast<std::size_t>(num_perm) * rounds),
      keys_(static_cast<std::size_t>(rounds) * banding.bands) {}

const std::vector<std::uint64_t>& TextBandKeys::of(std::string_view text) {
    shingle_hashes_unsorted(text, kind_, ngram_, shingles_);
    signatures(shingles_.data(), shingles_.size(), num_perm_, seed_, rounds_, sig_.data());
    for (int round = 0; round < rounds_; ++round) {
        const std::uint32_t* round_sig = sig_.data() + static_cast<std::size_t>(round) * num_perm_;
        for (int band = 0; band < banding_.bands; ++band)
            keys_[static_cast<std::size_t>(round) * banding_.bands + band] =
                band_key(round_sig, banding_, band);
    }
    return keys_;
}

void radix_sort_high32(std::vector<std::uint64_t>& values, std::vector<std::uint64_t>& buffer) {
    if (values.size() < 2048) {
        std::stable_sort(values.begin(), values.end(),
                         [](std::uint64_t a, std::uint64_t b) { return (a >> 32) < (b >> 32); });
        return;
    }
    // Three passes of 11 bits (2,048 buckets: the scatter targets stay in cache, where 16-bit
    // digits scatter over 65,536), all histograms from one read of the input.
    constexpr int kBits = 11;
    constexpr std::size_t kBuckets = std::size_t{1} << kBits;
    constexpr std::uint32_t kMask = kBuckets - 1;
    std::vector<std::size_t> counts(3 * kBuckets, 0);
    std::size_t* c0 = counts.data();
    std::size_t* c1 = c0 + kBuckets;
    std::size_t* c2 = c1 + kBuckets;
    for (std::uint64_t v : values) {
        const auto h = static_cast<std::uint32_t>(v >> 32);
        ++c0[h & kMask];
        ++c1[(h >> kBits) & kMask];
        ++c2[h >> (2 * kBits)];
    }
    buffer.resize(values.size());
    for (int pass = 0; pass < 3; ++pass) {
        std::size_t* c = c0 + pass * kBuckets;
        std::size_t sum = 0;
        for (std::size_t d = 0; d < kBuckets; ++d) {
            std::size_t n = c[d];
            c[d] = sum;
            sum += n;
        }
        const int shift = 32 + pass * kBits;
        for (std::uint64_t v : values) buffer[c[(v >> shift) & kMask]++] = v;
        values.swap(buffer);
    }
}

void radix_sort_high32(std::vector<std::uint64_t>& values) {
    std::vector<std::uint64_t> buffer;
    radix_sort_high32(values, buffer);
}

void radix_sort(std::vector<std::uint64_t>& values) {
    if (values.size() < 2048) {
        std::sort(values.begin(), values.end());
        return;
    }
    constexpr int kBits = 16;
    constexpr std::size_t kBuckets = std::size_t{1} << kBits;
    std::vector<std::uint64_t> buffer(values.size());
    std::vector<std::size_t> offsets(kBuckets);
    for (int shift = 0; shift < 64; shift += kBits) {
        std::fill(offsets.begin(), offsets.end(), 0);
        for (std::uint64_t v : values) ++offsets[(v >> shift) & (kBuckets - 1)];
        std::size_t sum = 0;
        for (auto& o : offsets) {
            std::size_t c = o;
            o = sum;
            sum += c;
        }
        for (std::uint64_t v : values) buffer[offsets[(v >> shift) & (kBuckets - 1)]++] = v;
        values.swap(buffer);
    }
}

}  // namespace synthmod::minhash
