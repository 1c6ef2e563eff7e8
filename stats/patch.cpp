#include "stats/patch.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace synthmod::patch {

namespace {

enum Kind : unsigned { kCopy = 0, kSkip = 1, kInsert = 2, kCopyUpper = 3 };

bool is_upper_of(char raw, char base) {
    return raw >= 'A' && raw <= 'Z' && base == raw - 'A' + 'a';
}

void put(std::vector<char>& out, std::size_t length, Kind kind) {
    std::uint64_t v = (static_cast<std::uint64_t>(length) << 2) | kind;
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

void put_insert(std::vector<char>& out, std::string_view bytes) {
    put(out, bytes.size(), kInsert);
    out.insert(out.end(), bytes.begin(), bytes.end());
}

/// Length of the common prefix of a[0, n) and b[0, n), eight bytes at a time (std::mismatch
/// compares byte by byte, and these runs are a whole post long).
std::size_t common_prefix(const char* a, const char* b, std::size_t n) {
    std::size_t k = 0;
    for (; k + 8 <= n; k += 8) {
        std::uint64_t x, y;
        std::memcpy(&x, a + k, 8);
        std::memcpy(&y, b + k, 8);
        if (x != y) {  // the first differing byte in memory order
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
            return k + static_cast<std::size_t>(__builtin_clzll(x ^ y) / 8);
#else
            return k + static_cast<std::size_t>(__builtin_ctzll(x ^ y) / 8);
#endif
        }
    }
    while (k < n && a[k] == b[k]) ++k;
    return k;
}

/// How far apart (in bytes, on either side) a mismatch is looked for its next common run.
constexpr std::size_t kWindow = 16;
/// Bytes that must agree (up to ASCII case) for a resynchronisation point (fewer where a text
/// ends).
constexpr std::size_t kAnchor = 4;

}  // namespace

void encode(std::string_view raw, std::string_view base, std::vector<char>& out) {
    const std::size_t start = out.size();
    // Comparisons allowed before giving up on a text that shares little with its base (keeps
    // hostile inputs linear).
    std::size_t budget = 64 * raw.size() + 1024;
    std::size_t i = 0, j = 0;
    while (i < raw.size()) {
        if (j < base.size() && raw[i] == base[j]) {
            const std::size_t k = common_prefix(raw.data() + i, base.data() + j,
                                                std::min(raw.size() - i, base.size() - j));
            put(out, k, kCopy);
            i += k;
            j += k;
            continue;
        }
        if (j >= base.size()) break;         // the rest of raw is inserted below
        if (is_upper_of(raw[i], base[j])) {  // case folding: ASCII capitals copied upper-cased
            std::size_t k = 1;
            while (i + k < raw.size() && j + k < base.size() &&
                   is_upper_of(raw[i + k], base[j + k]))
                ++k;
            put(out, k, kCopyUpper);
            i += k;
            j += k;
            continue;
        }
        // The nearest (a + b smallest) point where raw[i + a ..] and base[j + b ..] agree again.
        bool found = false;
        std::size_t a = 0, b = 0;
        for (std::size_t d = 1; d <= 2 * kWindow && !found; ++d) {
            for (a = d > kWindow ? d - kWindow : 0; a <= std::min(d, kWindow); ++a) {
                b = d - a;
                if (i + a >= raw.size() || j + b >= base.size()) continue;
                const std::size_t need = std::min(kAnchor, raw.size() - i - a);
                if (base.size() - j - b < need) continue;
                budget -= std::min(budget, need);
                std::size_t k = 0;
                while (k < need && (raw[i + a + k] == base[j + b + k] ||
                                    is_upper_of(raw[i + a + k], base[j + b + k])))
                    ++k;
                if (k == need) {
                    found = true;
                    break;
                }
            }
            if (budget == 0) break;
        }
        if (budget == 0) {
            out.resize(start);
            put_insert(out, raw);
            return;
        }
        if (!found) {  // a long run only raw has (e.g. punctuation): insert a window's worth
            a = std::min(kWindow, raw.size() - i);
            b = 0;
        }
        if (a) put_insert(out, raw.substr(i, a));
        if (b) put(out, b, kSkip);
        i += a;
        j += b;
    }
    if (i < raw.size()) put_insert(out, raw.substr(i));
    if (out.size() - start > raw.size() + 16) {  // edits longer than the text: store the text
        out.resize(start);
        put_insert(out, raw);
    }
}

void decode(std::string_view edits, std::string_view base, std::string& out) {
    out.clear();
    std::size_t p = 0, j = 0;
    while (p < edits.size()) {
        std::uint64_t v = 0;
        for (int shift = 0;; shift += 7) {
            const auto byte = static_cast<unsigned char>(edits[p++]);
            v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
            if (byte < 0x80) break;
        }
        const auto length = static_cast<std::size_t>(v >> 2);
        switch (v & 3) {
            case kCopy:
                out.append(base.substr(j, length));
                j += length;
                break;
            case kSkip:
                j += length;
                break;
            case kCopyUpper:
                for (std::size_t k = 0; k < length; ++k)
                    out.push_back(static_cast<char>(base[j + k] - 'a' + 'A'));
                j += length;
                break;
            case kInsert:
                out.append(edits.substr(p, length));
                p += length;
                break;
        }
    }
}

}  // namespace synthmod::patch
