#include "common/jsonl.h"

#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "common/errors.h"

namespace synthmod::jsonl {

namespace {

/// Flags for every parse: reject invalid UTF-8 inside strings too, and hand numbers over as text
/// so that ExactNumbers converts them exactly (a value written by to_line reads back as the same
/// double). Iterative parsing: a line of a million '[' must not overflow the stack.
constexpr unsigned kParseFlags = rapidjson::kParseValidateEncodingFlag |
                                 rapidjson::kParseNumbersAsStringsFlag |
                                 rapidjson::kParseIterativeFlag;

/// Sits between the reader and the Document: a number arrives as its text and is converted with
/// strtoll/strtoull, or strtod (glibc's is correctly rounded; no tool calls setlocale, so '.' is
/// the decimal point). RapidJSON 1.1.0's own exact conversion (kParseFullPrecisionFlag) has
/// undefined behaviour on valid numbers such as 0e308: clz(0), a read past its table of cached
/// powers, negative shift counts (found by fuzz_jsonl under UBSan). Integers keep the types
/// RapidJSON gives them; out of the 64-bit range they become doubles, as in RapidJSON.
class ExactNumbers : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, ExactNumbers> {
   public:
    explicit ExactNumbers(rapidjson::Document& doc) : doc_(doc) {}
    bool Null() { return doc_.Null(); }
    bool Bool(bool b) { return doc_.Bool(b); }
    bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc_.String(s, n, copy); }
    bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc_.Key(s, n, copy); }
    bool StartObject() { return doc_.StartObject(); }
    bool EndObject(rapidjson::SizeType n) { return doc_.EndObject(n); }
    bool StartArray() { return doc_.StartArray(); }
    bool EndArray(rapidjson::SizeType n) { return doc_.EndArray(n); }
    bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
        const std::string text(s, n);  // NUL-terminated for strto*
        if (text.find_first_of(".eE") == std::string::npos) {
            errno = 0;
            if (text[0] == '-') {
                const long long v = std::strtoll(text.c_str(), nullptr, 10);
                if (errno == 0) return doc_.Int64(v);
            } else {
                const unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
                if (errno == 0) return doc_.Uint64(v);
            }
        }
        return doc_.Double(std::strtod(text.c_str(), nullptr));
    }

   private:
    rapidjson::Document& doc_;
};

/// Deeper documents are refused: code that walks a value recursively (to_line) stays safe.
constexpr std::size_t kMaxDepth = 512;

/// Checks what RapidJSON lets through: a number beyond the double range parsed at full precision
/// becomes infinity (without the flag it is an error), and nesting deeper than kMaxDepth.
bool check_values(const rapidjson::Value& root, std::string& message) {
    std::vector<std::pair<const rapidjson::Value*, std::size_t>> stack = {{&root, 1}};
    while (!stack.empty()) {
        const auto [value, depth] = stack.back();
        stack.pop_back();
        if (depth > kMaxDepth) {
            message = "nesting deeper than " + std::to_string(kMaxDepth);
            return false;
        }
        if (value->IsDouble() && !std::isfinite(value->GetDouble())) {
            message = "Number too big to be stored in double.";
            return false;
        }
        if (value->IsArray()) {
            for (const auto& item : value->GetArray()) stack.push_back({&item, depth + 1});
        } else if (value->IsObject()) {
            for (const auto& member : value->GetObject())
                stack.push_back({&member.value, depth + 1});
        }
    }
    return true;
}

/// Parses `text` into `doc`; on failure returns false with the byte offset and message.
/// RapidJSON stops at a NUL byte as if the text ended there, so "1\0garbage" would pass: a raw
/// NUL is never valid JSON, so it is rejected first.
bool parse_into(rapidjson::Document& doc, std::string_view text, std::size_t& offset,
                std::string& message) {
    if (const void* nul = std::memchr(text.data(), '\0', text.size())) {
        offset = static_cast<std::size_t>(static_cast<const char*>(nul) - text.data());
        message = "NUL byte in JSON text";
        return false;
    }
    rapidjson::ParseResult result;
    auto generate = [&](rapidjson::Document& target) {
        rapidjson::MemoryStream memory(text.data(), text.size());
        rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> in(memory);
        ExactNumbers numbers(target);
        rapidjson::Reader reader;
        result = reader.Parse<kParseFlags>(in, numbers);
        return !result.IsError();
    };
    doc.Populate(generate);
    if (!result.IsError()) {
        if (check_values(doc, message)) return true;
        offset = 0;
        return false;
    }
    offset = result.Offset();
    message = rapidjson::GetParseError_En(result.Code());
    return false;
}

bool blank(const std::string& line) {
    return line.find_first_not_of(" \t\r\n") == std::string::npos;
}

/// Opens `path` for reading ("-" is stdin); a missing or unreadable file throws IoError.
std::istream& open_input(const std::string& path, std::unique_ptr<std::ifstream>& owned) {
    if (path == "-") return std::cin;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw IoError(path + ": cannot read: " + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) throw IoError(path + ": cannot read: " + std::strerror(EISDIR));
    errno = 0;
    owned = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!*owned)
        throw IoError(path + ": cannot read: " + std::strerror(errno != 0 ? errno : EACCES));
    return *owned;
}

}  // namespace

bool for_each(const std::string& path,
              const std::function<void(const rapidjson::Document&, std::size_t)>& on_line,
              bool tolerate_torn_tail) {
    std::unique_ptr<std::ifstream> owned;
    std::istream& in = open_input(path, owned);
    const std::string name = path == "-" ? "<stdin>" : path;
    std::string line;
    std::size_t line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        // getline sets eof only when the line had no newline: the last line of the file.
        const bool unterminated = in.eof();
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (blank(line)) continue;
        rapidjson::Document doc;
        std::size_t offset = 0;
        std::string message;
        if (!parse_into(doc, line, offset, message)) {
            if (tolerate_torn_tail && unterminated) return true;
            throw InputError(
                name, line_no,
                "invalid JSON: " + message + " (column " + std::to_string(offset + 1) + ")");
        }
        on_line(doc, line_no);
    }
    if (in.bad()) throw IoError(name + ": read error");
    return false;
}

std::string to_line(const rapidjson::Value& value) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    if (!value.Accept(writer))
        throw std::invalid_argument("jsonl: value cannot be written as JSON (NaN or infinity)");
    return std::string(buffer.GetString(), buffer.GetSize());
}

std::string object_line(const std::vector<std::string>& keys,
                        const std::vector<std::string_view>& values) {
    if (keys.size() != values.size())
        throw std::invalid_argument("jsonl::object_line: keys and values differ in size");
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    for (std::size_t i = 0; i < keys.size(); ++i) {
        writer.Key(keys[i].data(), static_cast<rapidjson::SizeType>(keys[i].size()));
        writer.String(values[i].data(), static_cast<rapidjson::SizeType>(values[i].size()));
    }
    writer.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

rapidjson::Document parse(std::string_view text, const std::string& name) {
    rapidjson::Document doc;
    std::size_t offset = 0;
    std::string message;
    if (!parse_into(doc, text, offset, message)) {
        throw InputError(name + ": offset " + std::to_string(offset) + ": " + message);
    }
    return doc;
}

}  // namespace synthmod::jsonl
