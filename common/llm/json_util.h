// json_util: the small JSON helpers both HTTP providers parse answers with (anthropic, openai).
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace synthmod::llm::json {

/// Deeper JSON is refused: to_json walks a value recursively, and a body nested a million levels
/// deep (a broken or hostile server) must be an error, not a stack overflow.
constexpr std::size_t kMaxDepth = 512;

/// A Document whose nodes are kept in a buffer inside this object (on the stack when it is a
/// local), spilling to the heap only past it. rapidjson's default pool mallocs a 64 KB chunk for
/// every Document, which glibc hands back to the kernel on free (heap trimming) and the next
/// Document faults in again: per answer parsed, that was most of the run's page faults.
class LocalDocument {
   public:
    LocalDocument() : pool_(buffer_, sizeof buffer_), doc_(&pool_) {}
    LocalDocument(const LocalDocument&) = delete;
    LocalDocument& operator=(const LocalDocument&) = delete;

    rapidjson::Document& doc() { return doc_; }

    /// json::parse of `text`, read from a copy in this document's buffer in place
    /// (kParseInsituFlag): strings are decoded where they lie rather than pushed a byte at a
    /// time onto rapidjson's stack and copied out again; by the recursive parser when the text
    /// cannot nest deeper than kMaxDepth. Same result, errors and offsets.
    bool parse(std::string_view text, std::string* why = nullptr);

    /// doc().Parse<flags>(text, size) (rapidjson's recursive parser, no depth check), read in
    /// place from a copy as parse() does; doc().GetErrorOffset() counts from after the skipped
    /// byte-order-mark bytes (see copy()).
    template <unsigned flags>
    void parse_plain(std::string_view text) {
        doc_.ParseInsitu<flags | rapidjson::kParseInsituFlag>(copy(text));
    }

   private:
    /// `text` copied into the pool (spilling to the heap past the buffer), NUL-terminated, as
    /// ParseInsitu needs (a NUL byte inside it ends the input, as it does for Parse(text,
    /// size)), from past the bytes Parse(text, size) skips first: a UTF-8 byte-order mark's
    /// 0xEF, 0xBB, 0xBF, each when it comes next (skipped_ says how many).
    char* copy(std::string_view text);
    std::size_t skipped_ = 0;

    /// Room for the DOM of an answer of a few KB (values 16 bytes, members 32, strings copied).
    static constexpr std::size_t kBufferSize = 8192;
    alignas(alignof(std::max_align_t)) char buffer_[kBufferSize];
    rapidjson::MemoryPoolAllocator<> pool_;
    rapidjson::Document doc_;
};

/// Parses `text` without recursion (kParseIterativeFlag; the default parser recurses once per
/// level) and refuses nesting deeper than kMaxDepth. False on either, with the reason in `why`.
bool parse(rapidjson::Document& d, const char* text, std::size_t size, std::string* why = nullptr);

/// Appends `s` to `out` as a JSON string, quotes included: the same bytes rapidjson's Writer
/// writes (`"` and `\\` escaped, control characters as \b \t \n \f \r or \u00XX, every other byte
/// as is), but copied in runs between the characters to escape instead of a byte at a time.
void append_string(std::string& out, std::string_view s);

/// rapidjson output stream that appends to a std::string: JSON written in place, with no
/// buffer to grow and copy out of.
struct StringOut {
    using Ch = char;
    std::string& text;
    void Put(char c) { text.push_back(c); }
    void Flush() {}
};

/// Writes `s` as the next string value of `w`, whose stream appends to `text`: the writer puts
/// the separator and checks the structure, append_string the text.
template <typename JsonWriter>
void write_string(JsonWriter& w, std::string& text, std::string_view s) {
    w.RawValue("", 0, rapidjson::kStringType);
    append_string(text, s);
}

/// Writes `name` as the next string (a key, or a value) of `w`: as it is, quotes around. Only for
/// literal names with nothing JSON escapes (plain ASCII letters, digits, '_', '-'); that saves
/// write_string's scan for escapes (record keys, request keys).
template <typename JsonWriter>
void write_name(JsonWriter& w, std::string& text, std::string_view name) {
    w.RawValue("", 0, rapidjson::kStringType);
    text += '"';
    text += name;
    text += '"';
}

/// Compact JSON text of `v`.
std::string to_json(const rapidjson::Value& v);

/// The member `key` of an object, or nullptr (also when `obj` is not an object).
const rapidjson::Value* member(const rapidjson::Value& obj, const char* key);

/// The string member `key`, or "" when it is absent or not a string.
std::string string_at(const rapidjson::Value& obj, const char* key);

/// The integer member `key`, or 0 when it is absent, null or not an integer.
std::int64_t int_at(const rapidjson::Value& obj, const char* key);

/// A short, printable, one-line excerpt of a body that is not the JSON we expected.
std::string excerpt(const std::string& body);

}  // namespace synthmod::llm::json
