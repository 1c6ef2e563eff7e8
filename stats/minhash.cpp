#include "stats/minhash.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <limits>

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

void shingle_hashes(std::string_view text, ShingleKind kind, int n,
                    std::vector<std::uint64_t>& out) {
    out.clear();
    if (text.empty()) return;
    if (n < 1) n = 1;
    // Byte offsets of unit starts (code points or words), plus the end of each unit.
    thread_local std::vector<std::uint32_t> starts;
    thread_local std::vector<std::uint32_t> ends;
    starts.clear();
    ends.clear();
    const char* p = text.data();
    const std::size_t size = text.size();
    if (kind == ShingleKind::kChar) {
        for (std::size_t i = 0; i < size; ++i)
            if ((static_cast<unsigned char>(p[i]) & 0xC0) != 0x80)
                starts.push_back(static_cast<std::uint32_t>(i));
        const std::size_t units = starts.size();
        if (units < static_cast<std::size_t>(n)) {
            out.push_back(hash_bytes(p, size));
            return;
        }
        starts.push_back(static_cast<std::uint32_t>(size));
        out.reserve(units - n + 1);
        for (std::size_t i = 0; i + n <= units; ++i)
            out.push_back(hash_bytes(p + starts[i], starts[i + n] - starts[i]));
    } else {
        std::size_t i = 0;
        while (i < size) {
            while (i < size && p[i] == ' ') ++i;
            if (i >= size) break;
            std::size_t j = i;
            while (j < size && p[j] != ' ') ++j;
            starts.push_back(static_cast<std::uint32_t>(i));
            ends.push_back(static_cast<std::uint32_t>(j));
            i = j;
        }
        const std::size_t units = starts.size();
        if (units < static_cast<std::size_t>(n)) {
            out.push_back(hash_bytes(p, size));
            return;
        }
        out.reserve(units - n + 1);
        for (std::size_t k = 0; k + n <= units; ++k)
            out.push_back(hash_bytes(p + starts[k], ends[k + n - 1] - starts[k]));
    }
    sort_unique(out);
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

void signature(const std::uint64_t* hashes, std::size_t count, int num_perm, std::uint64_t seed,
               std::uint32_t* out) {
    const std::uint32_t bins = static_cast<std::uint32_t>(num_perm);
    constexpr std::uint64_t kEmpty = std::numeric_limits<std::uint64_t>::max();
    thread_local std::vector<std::uint64_t> best;
    best.assign(bins, kEmpty);
    const std::uint64_t salt = mix64(seed ^ 0x9e3779b97f4a7c15ULL);
    for (std::size_t i = 0; i < count; ++i) {
        std::uint64_t h = mix64(hashes[i] ^ salt);
        std::uint32_t bin = fast_range(static_cast<std::uint32_t>(h >> 32), bins);
        std::uint64_t value = h & 0xffffffffULL;
        if (value < best[bin]) best[bin] = value;
    }
    for (std::uint32_t k = 0; k < bins; ++k) {
        if (best[k] != kEmpty) {
            out[k] = static_cast<std::uint32_t>(best[k]);
            continue;
        }
        // Optimal densification: walk bins by a hash of (seed, k, attempt) until one is filled.
        for (std::uint64_t attempt = 1;; ++attempt) {
            std::uint64_t h = mix64(salt ^ (static_cast<std::uint64_t>(k) << 32) ^ attempt);
            std::uint32_t from = fast_range(static_cast<std::uint32_t>(h >> 32), bins);
            if (best[from] != kEmpty) {
                out[k] = static_cast<std::uint32_t>(best[from]);
                break;
            }
        }
    }
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

std::uint64_t band_key(const std::uint32_t* signature, Banding banding, int band) {
    return XXH3_64bits(signature + static_cast<std::size_t>(band) * banding.rows,
                       sizeof(std::uint32_t) * banding.rows);
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
