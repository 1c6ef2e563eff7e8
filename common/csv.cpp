#include "common/csv.h"

#include <sys/stat.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include "common/errors.h"
#include "common/pages.h"
#include "common/text.h"

namespace synthmod::csv {

namespace {

/// Read size: large enough that the stream's per-call overhead vanishes.
constexpr std::size_t kChunk = std::size_t{1} << 20;
constexpr std::size_t kFirstChunk = std::size_t{1} << 16;

/// Bytes that end an unquoted run: separator, quote, CR, LF.
constexpr std::array<bool, 256> special_bytes() {
    std::array<bool, 256> t{};
    t[static_cast<unsigned char>(',')] = true;
    t[static_cast<unsigned char>('"')] = true;
    t[static_cast<unsigned char>('\r')] = true;
    t[static_cast<unsigned char>('\n')] = true;
    return t;
}
constexpr std::array<bool, 256> kSpecial = special_bytes();

/// The first special byte in [p, e), or e: 16 bytes per step with SSE2 (the reader's unquoted
/// fields and the writer's quoting test scan every byte of every field).
const char* find_special(const char* p, const char* e) {
#ifdef __SSE2__
    const __m128i comma = _mm_set1_epi8(','), quote = _mm_set1_epi8('"');
    const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
    for (; e - p >= 16; p += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        const __m128i hit =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, quote)),
                         _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)));
        if (const int m = _mm_movemask_epi8(hit))
            return p + __builtin_ctz(static_cast<unsigned>(m));
    }
#endif
    while (p < e && !kSpecial[static_cast<unsigned char>(*p)]) ++p;
    return p;
}

std::size_t count_newlines(std::string_view s) {
    return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

}  // namespace

Reader::Reader(std::istream& in, std::string name) : in_(&in), name_(std::move(name)) {}

std::unique_ptr<Reader> Reader::open(const std::string& path) {
    if (path == "-") return std::make_unique<Reader>(std::cin, "<stdin>");
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        throw IoError(path + ": cannot read: " + std::strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) throw IoError(path + ": cannot read: " + std::strerror(EISDIR));
    errno = 0;
    auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!*file) {
        throw IoError(path + ": cannot read: " + std::strerror(errno != 0 ? errno : EACCES));
    }
    auto reader = std::make_unique<Reader>(*file, path);
    reader->owned_ = std::move(file);
    return reader;
}

void Reader::limit(std::uint64_t bytes, std::function<std::uint64_t()> extend) {
    limit_ = std::max(bytes, read_);
    extend_ = std::move(extend);
}

void Reader::resume(std::size_t line, std::size_t width) {
    first_ = false;
    line_ = line;
    width_ = width;
}

void Reader::fail(std::size_t line, const std::string& what) const {
    throw InputError(name_, line, what);
}

bool Reader::fill() {
    if (eof_) return false;
    // Reads start small (most inputs are small files) and double while they fill the buffer.
    // The buffer is not value-initialised: only the pages reads reach are touched (a small
    // file's few), once, without zeroing by hand on top of the kernel's or copying as it grows.
    if (!buf_) {
        buf_.reset(new char[kChunk]);
        chunk_ = kFirstChunk;
    } else if (end_ == chunk_ && chunk_ < kChunk) {
        chunk_ *= 2;
    }
    pos_ = 0;
    if (read_ == limit_ && extend_) {
        limit_ = std::max(limit_, extend_());
        extend_ = nullptr;
    }
    const std::uint64_t room = std::min<std::uint64_t>(chunk_, limit_ - read_);
    end_ = 0;
    if (room > populated_) {
        // Before the read fills them: each 4 KB page first written by read() took a fault of
        // ~11 µs (2 x 256 of them for the two readers of a split file), populated ~1 µs.
        pages::populate(buf_.get() + populated_, room - populated_);
        populated_ = room;
    }
    if (room > 0) {
        in_->read(buf_.get(), static_cast<std::streamsize>(room));
        end_ = static_cast<std::size_t>(in_->gcount());
        read_ += end_;
    }
    if (end_ == 0) {
        if (in_->bad()) throw IoError(name_ + ": read error");
        eof_ = true;
        return false;
    }
    return true;
}

int Reader::peek() {
    if (pos_ == end_ && !fill()) return EOF;
    return static_cast<unsigned char>(buf_[pos_]);
}

int Reader::get() {
    if (pos_ == end_ && !fill()) return EOF;
    return static_cast<unsigned char>(buf_[pos_++]);
}

bool Reader::next(std::vector<std::string>& fields) {
    if (first_) {
        first_ = false;
        if (peek() == 0xEF && end_ - pos_ >= 3 &&
            static_cast<unsigned char>(buf_[pos_ + 1]) == 0xBB &&
            static_cast<unsigned char>(buf_[pos_ + 2]) == 0xBF) {
            pos_ += 3;
        }
    }
    // Blank lines carry no record (Python's csv.DictReader skips them too).
    for (;;) {
        int c = peek();
        if (c == EOF) return false;
        if (c == '\n') {
            ++pos_;
            ++line_;
        } else if (c == '\r') {
            ++pos_;
            if (peek() == '\n') ++pos_;
            ++line_;
        } else {
            break;
        }
    }
    record_line_ = line_;
    std::size_t n = 0;
    bool more = true;
    while (more) {
        if (n == fields.size()) fields.emplace_back();
        std::string& field = fields[n++];
        field.clear();
        if (peek() == '"') {
            ++pos_;
            const std::size_t open_line = line_;
            for (;;) {
                if (pos_ == end_ && !fill()) fail(open_line, "unterminated quoted field");
                const char* p = buf_.get() + pos_;
                const char* e = buf_.get() + end_;
                const char* q = static_cast<const char*>(std::memchr(p, '"', e - p));
                const char* stop = q != nullptr ? q : e;
                line_ += count_newlines(std::string_view(p, stop - p));
                field.append(p, stop);
                if (q == nullptr) {
                    pos_ = end_;
                    continue;
                }
                pos_ = static_cast<std::size_t>(q - buf_.get()) + 1;
                if (peek() == '"') {
                    field.push_back('"');
                    ++pos_;
                    continue;
                }
                break;
            }
            const int c = peek();
            if (c == ',') {
                ++pos_;
            } else if (c == EOF || c == '\n' || c == '\r') {
                more = false;
            } else {
                fail(line_, "text after the closing quote of a quoted field");
            }
        } else {
            for (;;) {
                if (pos_ == end_ && !fill()) break;
                const char* p = buf_.get() + pos_;
                const char* e = buf_.get() + end_;
                const char* s = find_special(p, e);
                field.append(p, s);
                pos_ = static_cast<std::size_t>(s - buf_.get());
                if (s < e) break;
            }
            const int c = peek();
            if (c == ',') {
                ++pos_;
            } else if (c == '"') {
                fail(line_,
                     "quote inside an unquoted field (quote the whole field and double the quote)");
            } else {
                more = false;
            }
        }
    }
    const int c = get();
    if (c == '\r') {
        if (peek() == '\n') ++pos_;
        ++line_;
    } else if (c == '\n') {
        ++line_;
    }
    fields.resize(n);
    if (width_ == 0) {
        width_ = n;
    } else if (n != width_) {
        fail(record_line_, "expected " + std::to_string(width_) +
                               " fields (as in the header), found " + std::to_string(n));
    }
    return true;
}

int Table::column(std::string_view column) const {
    for (std::size_t i = 0; i < header.size(); ++i) {
        if (header[i] == column) return static_cast<int>(i);
    }
    return -1;
}

namespace {

/// Throws when a field of the record starting at `line` is not UTF-8, naming the exact line.
void check_utf8(const std::string& name, std::size_t line, const std::vector<std::string>& fields,
                const std::vector<std::string>* header) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
        std::size_t bad = 0;
        if (!text::is_valid_utf8(fields[i], &bad)) {
            std::size_t newlines = 0;  // newlines inside the quoted fields before this one
            for (std::size_t k = 0; k < i; ++k) newlines += count_newlines(fields[k]);
            const std::size_t at =
                line + newlines + count_newlines(std::string_view(fields[i]).substr(0, bad));
            std::string where;
            if (header == nullptr) {
                where = "in the header";
            } else {
                const std::string& col = (*header)[i];
                where = text::is_valid_utf8(col) ? "in column \"" + col + "\""
                                                 : "in column " + std::to_string(i + 1);
            }
            char byte[8];
            std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned char>(fields[i][bad]));
            throw InputError(name, at, "invalid UTF-8 (byte " + std::string(byte) + ") " + where);
        }
    }
}

Table read_all(Reader& reader, const std::vector<std::string>& required) {
    Table table;
    table.name = reader.name();
    if (!reader.next(table.header)) throw InputError(table.name, 1, "empty file (no header row)");
    const std::size_t header_line = reader.line();
    check_utf8(table.name, header_line, table.header, nullptr);
    for (std::size_t i = 0; i < table.header.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (table.header[i] == table.header[j] && !table.header[i].empty()) {
                throw InputError(table.name, header_line,
                                 "duplicate column \"" + table.header[i] + "\"");
            }
        }
    }
    for (const auto& col : required) {
        if (table.column(col) < 0) {
            throw InputError(table.name, header_line, "missing column \"" + col + "\"");
        }
    }
    std::vector<std::string> fields;
    while (reader.next(fields)) {
        check_utf8(table.name, reader.line(), fields, &table.header);
        table.rows.push_back(std::move(fields));
        fields.clear();
        table.lines.push_back(reader.line());
    }
    return table;
}

}  // namespace

Table read_table(const std::string& path, const std::vector<std::string>& required) {
    auto reader = Reader::open(path);
    return read_all(*reader, required);
}

Table read_table(std::istream& in, const std::string& name,
                 const std::vector<std::string>& required) {
    Reader reader(in, name);
    return read_all(reader, required);
}

namespace {

bool needs_quotes(std::string_view field) {
    if (field.empty()) return false;
    const char first = field.front();
    const char last = field.back();
    if (first == ' ' || first == '\t' || last == ' ' || last == '\t') return true;
    // A leading BOM would be taken for the file's BOM if this field opened the file.
    if (field.rfind("\xEF\xBB\xBF", 0) == 0) return true;
    return find_special(field.data(), field.data() + field.size()) != field.data() + field.size();
}

void append_field(std::string& out, std::string_view field) {
    if (!needs_quotes(field)) {
        out.append(field);
        return;
    }
    out.push_back('"');
    std::size_t from = 0;
    for (std::size_t q = field.find('"'); q != std::string_view::npos; q = field.find('"', q + 1)) {
        out.append(field, from, q + 1 - from);
        out.push_back('"');
        from = q + 1;
    }
    out.append(field, from, std::string_view::npos);
    out.push_back('"');
}

}  // namespace

bool looks_like_formula(std::string_view field) {
    if (field.empty()) return false;
    switch (field.front()) {
        case '=':
        case '+':
        case '-':
        case '@':
        case '\t':
        case '\r':
            return true;
        default:
            return false;
    }
}

std::string neutralise_formula(std::string_view field) {
    if (!looks_like_formula(field)) return std::string(field);
    std::string out;
    out.reserve(field.size() + 1);
    out.push_back('\'');
    out.append(field);
    return out;
}

std::string quote(std::string_view field) {
    std::string out;
    append_field(out, field);
    return out;
}

namespace {

template <typename Field>
void write_fields(std::ostream& out, const std::vector<Field>& fields, bool csv_safe) {
    thread_local std::string line;
    line.clear();
    // A lone empty field would be a blank line, which readers skip: quote it.
    if (fields.size() == 1 && std::string_view(fields[0]).empty()) {
        line = "\"\"";
    } else {
        for (std::size_t i = 0; i < fields.size(); ++i) {
            if (i > 0) line.push_back(',');
            const std::string_view field(fields[i]);
            if (csv_safe && looks_like_formula(field))
                append_field(line, neutralise_formula(field));
            else
                append_field(line, field);
        }
    }
    line.push_back('\n');
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
}

}  // namespace

void Writer::write_row(const std::vector<std::string>& fields) {
    write_fields(out_, fields, csv_safe_);
}

void Writer::write_row(const std::vector<std::string_view>& fields) {
    write_fields(out_, fields, csv_safe_);
}

}  // namespace synthmod::csv
