#include "common/text.h"

#include <utf8proc.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <array>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace synthmod::text {

namespace {

/// Python's str.isspace() set (what str.split() and str.strip() use): bidi classes WS, B, S and
/// category Zs. Listed explicitly so that it matches Python exactly, not utf8proc's idea of it.
bool is_space(char32_t c) {
    if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
    switch (c) {
        case 0x85:
        case 0xa0:
        case 0x1680:
        case 0x2028:
        case 0x2029:
        case 0x202f:
        case 0x205f:
        case 0x3000:
            return true;
        default:
            return c >= 0x2000 && c <= 0x200a;
    }
}

/// ASCII bytes of Unicode category P* (Pc Pd Ps Pe Po); $+<=>^`|~ are symbols (S*) and stay.
constexpr std::array<bool, 128> ascii_punct() {
    std::array<bool, 128> t{};
    for (char c : std::string_view("!\"#%&'()*,-./:;?@[\\]_{}"))
        t[static_cast<unsigned char>(c)] = true;
    return t;
}
constexpr std::array<bool, 128> kAsciiPunct = ascii_punct();

bool is_punct(char32_t c) {
    if (c < 0x80) return kAsciiPunct[c];
    const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
    return cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO;
}

bool is_ascii(std::string_view s) {
    std::size_t i = 0;
    const std::size_t n = s.size();
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        if ((w & 0x8080808080808080ULL) != 0) return false;
    }
    for (; i < n; ++i) {
        if (static_cast<unsigned char>(s[i]) >= 0x80) return false;
    }
    return true;
}

void append_utf8(std::string& out, char32_t c) {
    utf8proc_uint8_t buf[4];
    auto n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(c), buf);
    out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
}

/// Decodes one code point of valid UTF-8 at `i`, advancing `i`; an invalid byte gives U+FFFD.
char32_t decode(std::string_view s, std::size_t& i) {
    utf8proc_int32_t cp = 0;
    const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i),
                                    static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
    if (n <= 0) {
        ++i;
        return 0xfffd;
    }
    i += static_cast<std::size_t>(n);
    return static_cast<char32_t>(cp);
}

/// Appends `c` unless it is punctuation, turning whitespace runs into one pending space.
struct Collapser {
    std::string& out;
    bool pending_space = false;

    void add(char32_t c) {
        if (is_space(c)) {
            pending_space = !out.empty();
            return;
        }
        if (is_punct(c)) return;
        if (pending_space) {
            out.push_back(' ');
            pending_space = false;
        }
        append_utf8(out, c);
    }
};

/// ASCII byte classes for the fast path: what normalize does with each byte.
enum AsciiClass : unsigned char { kKeep, kSpace, kDrop };

constexpr std::array<unsigned char, 128> ascii_classes() {
    std::array<unsigned char, 128> t{};
    for (unsigned c = 0; c < 128; ++c) {
        if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f)) {
            t[c] = kSpace;
        } else if (kAsciiPunct[c]) {
            t[c] = kDrop;
        } else {
            t[c] = kKeep;
        }
    }
    return t;
}
constexpr std::array<unsigned char, 128> kAsciiClass = ascii_classes();

#ifdef __SSE2__
/// 16 bytes of plain words: letters, digits and single spaces (no punctuation, no other
/// whitespace, no two spaces in a row) are normalised by lower-casing A-Z alone. If `p` holds
/// such bytes, writes them lower-cased to w[0, 16) and returns the mask of their spaces (bit b:
/// byte b); else returns -1 and writes nothing.
int plain_words(const char* p, char* w) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Signed compares: the caller has checked the bytes are ASCII (0..127).
    auto in = [&](char lo, char hi) {
        return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(static_cast<char>(lo - 1))),
                             _mm_cmplt_epi8(v, _mm_set1_epi8(static_cast<char>(hi + 1))));
    };
    const __m128i upper = in('A', 'Z');
    const __m128i space = _mm_cmpeq_epi8(v, _mm_set1_epi8(' '));
    const __m128i plain = _mm_or_si128(_mm_or_si128(in('a', 'z'), in('0', '9')), upper);
    if (_mm_movemask_epi8(_mm_or_si128(plain, space)) != 0xffff) return -1;
    const int spaces = _mm_movemask_epi8(space);
    if (spaces & (spaces >> 1)) return -1;
    _mm_storeu_si128(reinterpret_cast<__m128i*>(w),
                     _mm_add_epi8(v, _mm_and_si128(upper, _mm_set1_epi8(0x20))));
    return spaces;
}
#endif

/// Pure ASCII: NFKC and case folding reduce to lower-casing A-Z; one pass, no decoding.
/// Runs of 16 bytes of plain words (most of a post) are copied lower-cased in one step.
void normalize_ascii(std::string_view s, std::string& out) {
    out.resize(s.size());
    char* w = out.data();
    char* const start = w;
    bool pending_space = false;
    auto one = [&](unsigned char c) {
        switch (kAsciiClass[c]) {
            case kSpace:
                pending_space = w != start;
                break;
            case kDrop:
                break;
            default:
                if (pending_space) {
                    *w++ = ' ';
                    pending_space = false;
                }
                *w++ = static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
        }
    };
    std::size_t i = 0;
#ifdef __SSE2__
    // Output never runs ahead of input (w <= start + i), so w[0, 17) is inside out's s.size()
    // bytes while i + 16 <= s.size(): the pending space and the 16 bytes fit.
    for (; i + 16 <= s.size(); i += 16) {
        // Before anything is written a leading space must be dropped: bytes one at a time.
        const bool lead_space = pending_space && s[i] != ' ';
        const int spaces = w == start ? -1 : plain_words(s.data() + i, w + lead_space);
        if (spaces < 0) {
            for (std::size_t k = i; k < i + 16; ++k) one(static_cast<unsigned char>(s[k]));
            continue;
        }
        // As one byte at a time: a space is written once a word follows it (the pending one
        // before the chunk; one within it, whose next byte is a letter or digit), and a space
        // at the chunk's end stays pending.
        if (lead_space) *w++ = ' ';
        w += 16;
        pending_space = (spaces >> 15) & 1;
        w -= pending_space;
    }
#endif
    for (; i < s.size(); ++i) one(static_cast<unsigned char>(s[i]));
    out.resize(static_cast<std::size_t>(w - start));
}

void add_ascii(Collapser& col, unsigned char c) {
    if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
    col.add(c);
}

/// NFKC first (decompose with compatibility mappings, then compose), exactly as Python's
/// unicodedata.normalize("NFKC", s); then full case folding per code point, NOT followed by
/// another composition: Python's str.casefold() may leave decomposed text (U+01F0 -> j U+030C),
/// which utf8proc_map(COMPOSE|COMPAT|CASEFOLD) would recompose.
void normalize_unicode(std::string_view s, Collapser& col) {
    constexpr auto kNfkc =
        static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
    thread_local std::vector<utf8proc_int32_t> buf;
    if (buf.size() < s.size() + 16) buf.resize(s.size() + 16);
    const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
    const auto len = static_cast<utf8proc_ssize_t>(s.size());
    auto n = utf8proc_decompose(bytes, len, buf.data(), static_cast<utf8proc_ssize_t>(buf.size()),
                                kNfkc);
    if (n > static_cast<utf8proc_ssize_t>(buf.size())) {
        buf.resize(static_cast<std::size_t>(n));
        n = utf8proc_decompose(bytes, len, buf.data(), static_cast<utf8proc_ssize_t>(buf.size()),
                               kNfkc);
    }
    if (n < 0) throw std::invalid_argument(std::string("normalize: ") + utf8proc_errmsg(n));
    n = utf8proc_normalize_utf32(buf.data(), n, kNfkc);
    if (n < 0) throw std::invalid_argument(std::string("normalize: ") + utf8proc_errmsg(n));
    for (utf8proc_ssize_t i = 0; i < n; ++i) {
        const utf8proc_int32_t c = buf[static_cast<std::size_t>(i)];
        if (c < 0x80) {
            add_ascii(col, static_cast<unsigned char>(c));
            continue;
        }
        utf8proc_int32_t folded[8];
        int boundclass = 0;
        const auto m = utf8proc_decompose_char(c, folded, 8, UTF8PROC_CASEFOLD, &boundclass);
        if (m < 0 || m > 8) {
            col.add(static_cast<char32_t>(c));
            continue;
        }
        for (utf8proc_ssize_t k = 0; k < m; ++k) col.add(static_cast<char32_t>(folded[k]));
    }
}

}  // namespace

bool is_valid_utf8(std::string_view s, std::size_t* bad_offset) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    auto fail = [&](std::size_t at) {
        if (bad_offset != nullptr) *bad_offset = at;
        return false;
    };
    while (i < n) {
#ifdef __SSE2__
        // ASCII runs 16 bytes per step (the reader checks every field of every row).
        while (i + 16 <= n &&
               _mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i))) == 0)
            i += 16;
#endif
        if (i + 8 <= n) {
            std::uint64_t w;
            std::memcpy(&w, p + i, 8);
            if ((w & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        if (i >= n) break;
        const unsigned c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        char32_t cp = 0;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return fail(i);  // continuation byte, C0/C1 overlong lead, or F5..FF
        }
        if (i + len > n) return fail(i);
        for (std::size_t k = 1; k < len; ++k) {
            if ((p[i + k] & 0xc0) != 0x80) return fail(i);
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if (len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) return fail(i);
        if (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) return fail(i);
        i += len;
    }
    return true;
}

std::string normalize(std::string_view s) {
    std::string out;
    normalize(s, out);
    return out;
}

void normalize(std::string_view s, std::string& out) {
    if (is_ascii(s)) return normalize_ascii(s, out);
    out.clear();
    out.reserve(s.size());
    Collapser col{out};
    // Only the non-ASCII runs, each with the ASCII character before it (it may compose with a
    // following mark: "e" U+0301 -> U+00E9), go through utf8proc. The split is exact: an ASCII
    // character is a starter that never decomposes and is never the second of a composition pair,
    // so NFKC cannot act across it.
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        std::size_t j = i;
        while (j < n && static_cast<unsigned char>(s[j]) < 0x80) ++j;
        const std::size_t hard = j == n || j == i ? j : j - 1;
        for (std::size_t k = i; k < hard; ++k) add_ascii(col, static_cast<unsigned char>(s[k]));
        if (j == n) break;
        std::size_t e = j;
        while (e < n && static_cast<unsigned char>(s[e]) >= 0x80) ++e;
        normalize_unicode(s.substr(hard, e - hard), col);
        i = e;
    }
}

std::string trim(std::string_view s) { return std::string(trim_view(s)); }

std::string_view trim_view(std::string_view s) {
    std::size_t begin = 0;
    while (begin < s.size()) {
        std::size_t next = begin;
        if (!is_space(decode(s, next))) break;
        begin = next;
    }
    std::size_t end = s.size();
    while (end > begin) {
        // Step back to the start of the last code point.
        std::size_t start = end - 1;
        while (start > begin && (static_cast<unsigned char>(s[start]) & 0xc0) == 0x80 &&
               end - start < 4) {
            --start;
        }
        std::size_t i = start;
        const char32_t c = decode(s, i);
        if (i != end || !is_space(c)) break;
        end = start;
    }
    return s.substr(begin, end - begin);
}

std::vector<char32_t> code_points(std::string_view s) {
    std::vector<char32_t> out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            out.push_back(c);
            ++i;
        } else {
            out.push_back(decode(s, i));
        }
    }
    return out;
}

std::vector<std::string_view> words(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    std::size_t word_start = std::string_view::npos;
    while (i < s.size()) {
        const std::size_t at = i;
        const auto b = static_cast<unsigned char>(s[i]);
        char32_t c = b;
        if (b < 0x80) {
            ++i;
        } else {
            c = decode(s, i);
        }
        if (is_space(c)) {
            if (word_start != std::string_view::npos) {
                out.push_back(s.substr(word_start, at - word_start));
                word_start = std::string_view::npos;
            }
        } else if (word_start == std::string_view::npos) {
            word_start = at;
        }
    }
    if (word_start != std::string_view::npos) out.push_back(s.substr(word_start));
    return out;
}

}  // namespace synthmod::text
