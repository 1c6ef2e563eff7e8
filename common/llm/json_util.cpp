#include "common/llm/json_util.h"

#include <rapidjson/error/en.h>
#include <rapidjson/writer.h>

#include <cstring>
#include <utility>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/errors.h"

namespace synthmod::llm::json {

namespace {

/// True when no value in `v`, itself at `depth` (the root at 1), lies deeper than kMaxDepth.
/// Recursive, at most kMaxDepth + 1 frames deep: no heap stack per answer.
bool within_depth(const rapidjson::Value& v, std::size_t depth) {
    if (depth > kMaxDepth) return false;
    if (v.IsArray()) {
        for (const auto& item : v.GetArray())
            if (!within_depth(item, depth + 1)) return false;
    } else if (v.IsObject()) {
        for (const auto& m : v.GetObject())
            if (!within_depth(m.value, depth + 1)) return false;
    }
    return true;
}

/// What json::parse adds to rapidjson's parse: the error in words, and the depth check.
/// `skipped`: bytes before the start of what rapidjson read, counted in the error's offset.
bool check_parsed(const rapidjson::Document& d, std::string* why, std::size_t skipped = 0) {
    if (d.HasParseError()) {
        if (why)
            *why = std::string(rapidjson::GetParseError_En(d.GetParseError())) + " at offset " +
                   std::to_string(d.GetErrorOffset() + skipped);
        return false;
    }
    if (!within_depth(d, 1)) {
        if (why) *why = "nesting deeper than " + std::to_string(kMaxDepth);
        return false;
    }
    return true;
}

}  // namespace

bool parse(rapidjson::Document& d, const char* text, std::size_t size, std::string* why) {
    d.Parse<rapidjson::kParseIterativeFlag>(text, size);
    return check_parsed(d, why);
}

char* LocalDocument::copy(std::string_view text) {
    skipped_ = 0;
    for (unsigned char bom : {0xEF, 0xBB, 0xBF})  // as rapidjson's EncodedInputStream does
        if (skipped_ < text.size() && static_cast<unsigned char>(text[skipped_]) == bom) ++skipped_;
    text.remove_prefix(skipped_);
    char* out = static_cast<char*>(pool_.Malloc(text.size() + 1));
    if (!text.empty()) std::memcpy(out, text.data(), text.size());
    out[text.size()] = '\0';
    return out;
}

namespace {

/// How many of the `n` bytes at `s` are '{' or '[' (those inside strings too): no JSON text
/// nests deeper than that. 16 bytes to a step where SSE2 is there (every x86-64).
std::size_t openings(const char* s, std::size_t n) {
    std::size_t count = 0, i = 0;
#if defined(__SSE2__)
    const __m128i brace = _mm_set1_epi8('{');
    const __m128i bracket = _mm_set1_epi8('[');
    while (i + 16 <= n) {
        // Per-byte counts (a hit is -1, subtracted), summed before any of them can wrap.
        __m128i counts = _mm_setzero_si128();
        for (int step = 0; step < 255 && i + 16 <= n; ++step, i += 16) {
            const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
            counts = _mm_sub_epi8(
                counts, _mm_or_si128(_mm_cmpeq_epi8(x, brace), _mm_cmpeq_epi8(x, bracket)));
        }
        const __m128i sums = _mm_sad_epu8(counts, _mm_setzero_si128());
        count += static_cast<std::size_t>(_mm_cvtsi128_si32(sums)) +
                 static_cast<std::size_t>(_mm_cvtsi128_si32(_mm_srli_si128(sums, 8)));
    }
#endif
    for (; i < n; ++i) count += s[i] == '{' || s[i] == '[';
    return count;
}

}  // namespace

bool LocalDocument::parse(std::string_view text, std::string* why) {
    char* in = copy(text);
    // rapidjson's recursive parser is faster than its iterative one but recurses once per level:
    // it reads only a text with too few '{' and '[' to nest deeper than kMaxDepth (at most
    // kMaxDepth frames). A text it refuses is read again by the iterative parser, whose error
    // and offset json::parse gives; a text it reads has the same DOM either way.
    if (openings(in, text.size() - skipped_) <= kMaxDepth) {
        doc_.ParseInsitu<rapidjson::kParseDefaultFlags>(in);
        if (!doc_.HasParseError()) return check_parsed(doc_, why, skipped_);
        in = copy(text);  // the failed parse decoded the first copy in place
    }
    doc_.ParseInsitu<rapidjson::kParseIterativeFlag>(in);
    return check_parsed(doc_, why, skipped_);
}

namespace {

/// Where the first byte at or after `i` that a JSON string must escape is (a control character,
/// `"` or `\\`), or s.size(): 16 bytes to a step where SSE2 is there (every x86-64), so a prompt
/// is scanned at memchr-like speed.
std::size_t next_escape(std::string_view s, std::size_t i) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i last_control = _mm_set1_epi8(0x1f);
    for (; i + 16 <= s.size(); i += 16) {
        const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
        const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(x, last_control), x);  // x <= 0x1f
        const __m128i hit = _mm_or_si128(
            control, _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)));
        if (const int bits = _mm_movemask_epi8(hit)) return i + __builtin_ctz(bits);
    }
#endif
    for (; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == '"' || c == '\\') return i;
    }
    return s.size();
}

}  // namespace

void append_string(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    // What follows the backslash for a byte below 0x20 ('u': \u00XX), as rapidjson's table.
    static constexpr char kControl[] = "uuuuuuuubtnufruuuuuuuuuuuuuuuuuu";
    static_assert(sizeof kControl == 0x20 + 1);
    out += '"';
    std::size_t run = 0;  // start of the bytes not yet copied
    for (std::size_t i = next_escape(s, 0); i < s.size(); i = next_escape(s, run)) {
        const auto c = static_cast<unsigned char>(s[i]);
        out.append(s, run, i - run);
        run = i + 1;
        out += '\\';
        if (c >= 0x20) {
            out += static_cast<char>(c);
        } else if (kControl[c] != 'u') {
            out += kControl[c];
        } else {
            out += "u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
    }
    out.append(s, run, std::string_view::npos);
    out += '"';
}

namespace {

using TextWriter = rapidjson::Writer<StringOut>;

/// What v.Accept(w) does (and where it stops: a NaN or infinite double, which the writer
/// refuses), the strings and keys through write_string, in runs rather than a byte at a time.
/// Recursive, as Accept is: callers pass values whose depth json::parse has checked.
bool write_value(TextWriter& w, std::string& text, const rapidjson::Value& v) {
    switch (v.GetType()) {
        case rapidjson::kNullType:
            return w.Null();
        case rapidjson::kFalseType:
            return w.Bool(false);
        case rapidjson::kTrueType:
            return w.Bool(true);
        case rapidjson::kObjectType:
            w.StartObject();
            for (const auto& m : v.GetObject()) {
                write_string(w, text, {m.name.GetString(), m.name.GetStringLength()});
                if (!write_value(w, text, m.value)) return false;
            }
            return w.EndObject(v.MemberCount());
        case rapidjson::kArrayType:
            w.StartArray();
            for (const auto& item : v.GetArray())
                if (!write_value(w, text, item)) return false;
            return w.EndArray(v.Size());
        case rapidjson::kStringType:
            write_string(w, text, {v.GetString(), v.GetStringLength()});
            return true;
        default:  // a number, in Accept's order of kinds
            if (v.IsDouble()) return w.Double(v.GetDouble());
            if (v.IsInt()) return w.Int(v.GetInt());
            if (v.IsUint()) return w.Uint(v.GetUint());
            if (v.IsInt64()) return w.Int64(v.GetInt64());
            return w.Uint64(v.GetUint64());
    }
}

}  // namespace

std::string to_json(const rapidjson::Value& v) {
    std::string text;
    StringOut out{text};
    TextWriter w(out);
    write_value(w, text, v);
    return text;
}

const rapidjson::Value* member(const rapidjson::Value& obj, const char* key) {
    if (!obj.IsObject()) return nullptr;
    auto it = obj.FindMember(key);
    return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::string string_at(const rapidjson::Value& obj, const char* key) {
    const auto* v = member(obj, key);
    return v && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : std::string();
}

std::int64_t int_at(const rapidjson::Value& obj, const char* key) {
    const auto* v = member(obj, key);  // cache fields are nullable
    return v && v->IsInt64() ? v->GetInt64() : 0;
}

std::string excerpt(const std::string& body) {
    std::string out = printable(body.substr(0, 200));
    for (auto& c : out)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (body.size() > 200) out += "...";
    return out;
}

}  // namespace synthmod::llm::json
