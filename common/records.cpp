#include "common/records.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <streambuf>
#include <algorithm>
#include <toml++/toml.h>
#include <unordered_map>

#include "common/csv_split.h"
#include "common/errors.h"
#include "common/jsonl.h"
#include "common/text.h"

namespace synthmod::records {

Format parse_format(std::string_view name) {
    if (name == "auto") return Format::kAuto;
    if (name == "csv") return Format::kCsv;
    if (name == "tsv") return Format::kTsv;
    if (name == "jsonl") return Format::kJsonl;
    throw UsageError("--format: \"" + std::string(name) + "\" is not one of csv, tsv, jsonl");
}

const char* format_name(Format format) {
    switch (format) {
        case Format::kCsv: return "csv";
        case Format::kTsv: return "tsv";
        case Format::kJsonl: return "jsonl";
        case Format::kAuto: break;
    }
    return "auto";
}

namespace {

bool ends_with(std::string_view s, std::string_view tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

}  // namespace

Format resolve(const std::string& path, Format given) {
    if (given != Format::kAuto) return given;
    std::string name = lower(path);
    if (ends_with(name, ".gz")) name.resize(name.size() - 3);
    if (ends_with(name, ".tsv") || ends_with(name, ".tab")) return Format::kTsv;
    if (ends_with(name, ".jsonl") || ends_with(name, ".ndjson") || ends_with(name, ".json")) {
        return Format::kJsonl;
    }
    return Format::kCsv;
}

namespace {

/// A read-only streambuf over a gzip file (zlib's gzread): the CSV reader and the line readers
/// take it as any istream. zlib is Debian's zlib1g; it also reads a plain file transparently, but
/// it is used only when the file starts with gzip's magic bytes.
class GzipBuf : public std::streambuf {
   public:
    GzipBuf(const std::string& path) : path_(path) {
        file_ = gzopen(path.c_str(), "rb");
        if (file_ == nullptr) {
            throw IoError(path + ": cannot read: " + std::strerror(errno != 0 ? errno : EIO));
        }
        gzbuffer(file_, 1 << 17);
    }
    ~GzipBuf() override {
        if (file_ != nullptr) gzclose(file_);
    }
    GzipBuf(const GzipBuf&) = delete;
    GzipBuf& operator=(const GzipBuf&) = delete;

   protected:
    int_type underflow() override {
        if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
        if (!error_.empty()) return traits_type::eof();
        const int n = gzread(file_, buf_, sizeof buf_);
        // An exception would be swallowed by the istream: keep zlib's message for check().
        int code = Z_OK;
        const char* what = gzerror(file_, &code);
        if (n < 0 || (n == 0 && code != Z_OK && code != Z_STREAM_END)) {
            error_ = what != nullptr && *what != '\0' ? what : "read error";
            return traits_type::eof();
        }
        if (n == 0) return traits_type::eof();
        setg(buf_, buf_, buf_ + n);
        return traits_type::to_int_type(*gptr());
    }

   public:
    /// zlib's message when the stream is broken (truncated, bad CRC), else empty.
    const std::string& error() const { return error_; }

   private:
    std::string path_;
    std::string error_;
    gzFile file_ = nullptr;
    char buf_[1 << 16];
};

/// The input stream of a source: stdin, a plain file or a gzip file.
struct Input {
    std::unique_ptr<GzipBuf> gzip;
    std::unique_ptr<std::istream> owned;
    std::istream* in = nullptr;
    std::string name;

    /// Throws the gzip stream's error, if any: called wherever the input ended or broke.
    void check() const {
        if (gzip != nullptr && !gzip->error().empty()) {
            throw IoError(name + ": gzip: " + gzip->error() + " (truncated or damaged file)");
        }
        if (in->bad()) throw IoError(name + ": read error");
    }

    /// The next physical line, its number in `physical`, without a trailing CR and (on line 1)
    /// a UTF-8 BOM; false at the end. The line readers (TSV, JSON Lines) share it.
    bool next_line(std::string& raw, std::size_t& physical) {
        if (!std::getline(*in, raw)) {
            check();
            return false;
        }
        if (in->eof()) check();  // a last line cut short by a damaged stream
        ++physical;
        if (physical == 1 && raw.rfind("\xEF\xBB\xBF", 0) == 0) raw.erase(0, 3);
        if (!raw.empty() && raw.back() == '\r') raw.pop_back();
        return true;
    }
};

bool starts_with_gzip_magic(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return false;
    unsigned char magic[2] = {0, 0};
    const std::size_t n = std::fread(magic, 1, 2, f);
    std::fclose(f);
    return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

Input open_input(const std::string& path) {
    Input input;
    input.name = path == "-" ? "<stdin>" : path;
    if (path == "-") {
        input.in = &std::cin;
        return input;
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        throw IoError(path + ": cannot read: " + std::strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) throw IoError(path + ": cannot read: " + std::strerror(EISDIR));
    if (starts_with_gzip_magic(path)) {
        input.gzip = std::make_unique<GzipBuf>(path);
        input.owned = std::make_unique<std::istream>(input.gzip.get());
    } else {
        errno = 0;
        auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
        if (!*file) {
            throw IoError(path + ": cannot read: " + std::strerror(errno != 0 ? errno : EACCES));
        }
        input.owned = std::move(file);
    }
    input.in = input.owned.get();
    return input;
}

std::string display_name(const std::string& path) { return path == "-" ? "<stdin>" : path; }

/// CSV through csv::Reader (RFC 4180, BOM, CRLF, quoted newlines).
class CsvRecords : public Reader {
   public:
    CsvRecords(Input input, const std::string& name)
        : Reader(name, Format::kCsv), input_(std::move(input)), csv_(*input_.in, name) {}
    /// The part of a file that starts at a record boundary on line `line` (CsvSplit).
    CsvRecords(Input input, const std::string& name, std::vector<std::string> header,
               std::size_t line)
        : CsvRecords(std::move(input), name) {
        header_ = std::move(header);
        csv_.resume(line, header_.size());
    }

    /// A plain file (not stdin, not gzip) with a header row.
    bool plain_with_header() const {
        return input_.gzip == nullptr && input_.in != &std::cin && !columns_given_;
    }
    csv::Reader& csv() { return csv_; }

   protected:
    bool read(std::vector<std::string>& fields) override {
        bool more = false;
        try {
            more = csv_.next(fields);
        } catch (const InputError&) {
            input_.check();  // a damaged gzip stream explains a broken record better
            throw;
        }
        if (!more) {
            input_.check();
            return false;
        }
        line_ = csv_.line();
        return true;
    }

   private:
    Input input_;
    csv::Reader csv_;
};

/// IANA text/tab-separated-values: one record per line, fields split at TAB, no quoting (a quote
/// is data), CRLF or LF, a UTF-8 BOM at the start dropped, blank lines skipped.
class TsvRecords : public Reader {
   public:
    TsvRecords(Input input, const std::string& name)
        : Reader(name, Format::kTsv), input_(std::move(input)) {}

   protected:
    bool read(std::vector<std::string>& fields) override {
        std::string raw;
        do {
            if (!input_.next_line(raw, physical_)) return false;
        } while (raw.empty());  // blank lines carry no record
        line_ = physical_;
        fields.clear();
        std::size_t from = 0;
        for (;;) {
            const std::size_t tab = raw.find('\t', from);
            fields.emplace_back(raw, from, tab == std::string::npos ? std::string::npos : tab - from);
            if (tab == std::string::npos) break;
            from = tab + 1;
        }
        return true;
    }

   private:
    Input input_;
    std::size_t physical_ = 0;
};

/// JSON Lines: one object per line. The header is the first object's keys (or the given
/// columns); a later object may leave a key out (empty field) but not bring a new one. Strings
/// are taken as they are; numbers, booleans, arrays and objects as their JSON text (an integer
/// label 0 is "0"); null is empty.
class JsonlRecords : public Reader {
   public:
    JsonlRecords(Input input, const std::string& name, std::vector<std::string> columns)
        : Reader(name, Format::kJsonl), input_(std::move(input)), fixed_(!columns.empty()) {
        header_ = std::move(columns);
        index_header();
    }

   public:
    /// Reads the first object so that header() is known right after open.
    void prime() {
        if (fixed_) return;
        std::string raw;
        if (!next_line(raw)) return;  // empty input: no header
        const rapidjson::Document doc = parse_object(raw, physical_);
        for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
            header_.emplace_back(it->name.GetString(), it->name.GetStringLength());
        }
        index_header();
        fill(doc, physical_, first_);
        first_line_ = physical_;
        pending_ = true;
    }

   protected:
    bool read(std::vector<std::string>& fields) override {
        if (pending_) {  // the first object, read by prime() to learn the header
            pending_ = false;
            fields = std::move(first_);
            line_ = first_line_;
            return true;
        }
        std::string raw;
        if (!next_line(raw)) return false;
        line_ = physical_;
        fill(parse_object(raw, physical_), physical_, fields);
        return true;
    }

   private:
    void index_header() {
        index_.clear();
        for (std::size_t i = 0; i < header_.size(); ++i) index_.emplace(header_[i], i);
    }

    /// Next line holding more than spaces and tabs; false at the end.
    bool next_line(std::string& raw) {
        do {
            if (!input_.next_line(raw, physical_)) return false;
        } while (raw.find_first_not_of(" \t") == std::string::npos);
        return true;
    }

    rapidjson::Document parse_object(const std::string& raw, std::size_t line) {
        // jsonl::parse says "name: offset N: what"; the name given is "file:line".
        rapidjson::Document doc = jsonl::parse(raw, name_ + ":" + std::to_string(line));
        if (!doc.IsObject()) throw InputError(name_, line, "expected a JSON object on each line");
        return doc;
    }

    void fill(const rapidjson::Document& doc, std::size_t line, std::vector<std::string>& fields) {
        fields.assign(header_.size(), std::string());
        for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
            const std::string key(it->name.GetString(), it->name.GetStringLength());
            const auto found = index_.find(key);
            if (found == index_.end()) {
                if (fixed_) continue;  // --columns picks the keys; others are left out
                throw InputError(name_, line,
                                 "key \"" + key + "\" is not among the first line's keys");
            }
            const rapidjson::Value& v = it->value;
            std::string& field = fields[found->second];
            if (v.IsString()) {
                field.assign(v.GetString(), v.GetStringLength());
            } else if (!v.IsNull()) {
                field = jsonl::to_line(v);
            }
        }
    }

    Input input_;
    bool fixed_ = false;
    std::unordered_map<std::string, std::size_t> index_;
    std::size_t physical_ = 0;
    std::vector<std::string> first_;
    std::size_t first_line_ = 0;
    bool pending_ = false;
};

}  // namespace

std::unique_ptr<Reader> Reader::open(const Source& source) {
    const std::string name = display_name(source.path);
    Input input = open_input(source.path);
    const Format format = resolve(source.path, source.format);
    std::unique_ptr<Reader> reader;
    if (format == Format::kJsonl) {
        auto jsonl = std::make_unique<JsonlRecords>(std::move(input), name, source.columns);
        jsonl->prime();
        reader = std::move(jsonl);
    } else {
        if (format == Format::kTsv) {
            reader = std::make_unique<TsvRecords>(std::move(input), name);
        } else {
            reader = std::make_unique<CsvRecords>(std::move(input), name);
        }
        if (!source.columns.empty()) {
            reader->header_ = source.columns;
            reader->columns_given_ = true;
        } else if (!reader->read(reader->header_)) {
            throw InputError(name, 1, "empty file (no header row)");
        }
    }
    if (reader->header_.empty()) throw InputError(name, 1, "empty file (no header row)");
    for (std::size_t i = 0; i < reader->header_.size(); ++i) {
        if (!text::is_valid_utf8(reader->header_[i])) {
            throw InputError(name, reader->line_ == 0 ? 1 : reader->line_,
                             "invalid UTF-8 in the header");
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (reader->header_[i] == reader->header_[j] && !reader->header_[i].empty()) {
                throw InputError(name, reader->line_ == 0 ? 1 : reader->line_,
                                 "duplicate column \"" + reader->header_[i] + "\"");
            }
        }
    }
    return reader;
}

bool Reader::next(std::vector<std::string>& fields) {
    if (!read(fields)) return false;
    if (fields.size() != header_.size()) {
        throw InputError(name_, line_,
                         "expected " + std::to_string(header_.size()) + " fields (" +
                             (columns_given_ ? "the columns given" : "as in the header") +
                             "), found " + std::to_string(fields.size()));
    }
    for (std::size_t i = 0; i < fields.size(); ++i) {
        std::size_t bad = 0;
        if (text::is_valid_utf8(fields[i], &bad)) continue;
        // The exact line: a quoted CSV field may span lines before the bad byte.
        std::size_t at = line_;
        for (std::size_t k = 0; k < i; ++k)
            at += static_cast<std::size_t>(std::count(fields[k].begin(), fields[k].end(), '\n'));
        at += static_cast<std::size_t>(
            std::count(fields[i].begin(), fields[i].begin() + static_cast<long>(bad), '\n'));
        char byte[8];
        std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned char>(fields[i][bad]));
        throw InputError(name_, at,
                         "invalid UTF-8 (byte " + std::string(byte) + ") in column \"" +
                             header_[i] + "\"");
    }
    return true;
}

namespace {
/// Records per batch handed between the threads, and batches in flight: enough to keep both
/// threads busy, few enough that the read-ahead holds little memory.
constexpr std::size_t kBatchRecords = 512;
constexpr std::size_t kBatches = 4;
}  // namespace

struct ReadAhead::Batch {
    std::vector<std::vector<std::string>> records;  ///< reused: the fields keep their capacity
    std::vector<std::size_t> lines;
    std::size_t count = 0;
    bool last = false;         ///< nothing after this batch
    std::exception_ptr error;  ///< thrown after this batch's records
};

ReadAhead::ReadAhead(Reader& reader) : reader_(reader) {
    for (std::size_t i = 0; i < kBatches; ++i) {
        empty_.push_back(std::make_unique<Batch>());
        empty_.back()->records.resize(kBatchRecords);
        empty_.back()->lines.resize(kBatchRecords);
    }
    thread_ = std::thread([this] { produce(); });
}

ReadAhead::~ReadAhead() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
}

void ReadAhead::produce() {
    for (bool last = false; !last;) {
        std::unique_ptr<Batch> batch;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            changed_.wait(lock, [&] { return stop_ || !empty_.empty(); });
            if (stop_) return;
            batch = std::move(empty_.front());
            empty_.pop_front();
        }
        batch->count = 0;
        try {
            while (batch->count < kBatchRecords && !last) {
                last = !reader_.next(batch->records[batch->count]);
                if (!last) batch->lines[batch->count++] = reader_.line();
            }
        } catch (...) {
            batch->error = std::current_exception();
            last = true;
        }
        batch->last = last;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            full_.push_back(std::move(batch));
        }
        changed_.notify_all();
    }
}

std::vector<std::string>* ReadAhead::next(std::size_t& line) {
    while (!current_ || position_ == current_->count) {
        if (current_ && current_->error) std::rethrow_exception(current_->error);
        if (current_ && current_->last) return nullptr;
        std::unique_lock<std::mutex> lock(mutex_);
        if (current_) empty_.push_back(std::move(current_));
        changed_.notify_all();
        changed_.wait(lock, [&] { return !full_.empty(); });
        current_ = std::move(full_.front());
        full_.pop_front();
        position_ = 0;
    }
    line = current_->lines[position_];
    return &current_->records[position_++];
}

std::unique_ptr<CsvSplit> CsvSplit::make(Reader& first, std::uint64_t min_bytes) {
    auto* csv = dynamic_cast<CsvRecords*>(&first);
    if (csv == nullptr || !csv->plain_with_header()) return nullptr;
    struct stat st {};
    if (::stat(first.name().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return nullptr;
    const auto size = static_cast<std::uint64_t>(st.st_size);
    const std::uint64_t middle = size / 2;
    if (size < min_bytes || csv->csv().bytes_read() > middle) return nullptr;
    std::unique_ptr<CsvSplit> split(new CsvSplit(first.name(), first.header(), size, middle));
    auto end = split->end_.get_future().share();
    csv->csv().limit(middle, [end] { return end.get(); });
    return split;
}

CsvSplit::~CsvSplit() {
    if (!told_) tell(UINT64_MAX);
}

void CsvSplit::tell(std::uint64_t end) {
    told_ = true;
    end_.set_value(end);
}

std::unique_ptr<Reader> CsvSplit::second() {
    try {
        const std::optional<csv::Split> split = csv::find_split(path_, middle_);
        if (!split) {
            tell(UINT64_MAX);
            return nullptr;
        }
        Input input = open_input(path_);
        if (!input.in->seekg(static_cast<std::streamoff>(split->offset)))
            throw IoError(path_ + ": cannot seek to byte " + std::to_string(split->offset));
        tell(split->offset);
        return std::make_unique<CsvRecords>(std::move(input), path_, header_, split->line);
    } catch (...) {
        if (!told_) tell(UINT64_MAX);  // the first reader must not wait for ever
        throw;
    }
}

std::string missing_column_message(const Column& column, const std::vector<std::string>& header) {
    std::string found;
    for (const auto& h : header) {
        if (!found.empty()) found += ", ";
        found += h.empty() ? std::string("(unnamed)") : h;
    }
    std::string message = "missing column \"" + column.name + "\" (columns found: " + found;
    if (!column.flag.empty()) message += "; " + column.flag + " picks one";
    return message + ")";
}

std::map<std::string, std::string> read_label_map(const std::string& path) {
    toml::table table;
    try {
        table = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        const auto& at = e.source().begin;
        if (at.line == 0) throw IoError(path + ": cannot read: " + std::string(e.description()));
        throw InputError(path, at.line, std::string(e.description()));
    }
    std::map<std::string, std::string> out;
    for (auto&& [key, value] : table) {
        if (!value.is_string())
            throw InputError(path, value.source().begin.line,
                             "label map: " + std::string(key.str()) +
                                 ": expected a label name in quotes (value = \"label\")");
        out[std::string(key.str())] = *value.value<std::string>();
    }
    if (out.empty()) throw InputError(path, 1, "label map: no value = \"label\" line");
    return out;
}

LabelMapper::LabelMapper(const Mapping& mapping)
    : map_(mapping.label_map), source_(mapping.label_map_source),
      allow_unknown_(mapping.allow_unknown) {
    for (const auto& [from, to] : map_) targets_.push_back(to);
}

void LabelMapper::map(std::string& value, const std::string& file, std::size_t line) {
    if (map_.empty()) return;
    auto it = map_.find(value);
    if (it != map_.end()) {
        value = it->second;
        return;
    }
    if (std::find(targets_.begin(), targets_.end(), value) != targets_.end()) return;
    auto [u, fresh] = unmapped_.try_emplace(value);
    if (fresh) {
        u->second.file = file;
        u->second.line = line;
        u->second.order = unmapped_.size();
    }
    ++u->second.rows;
}

void LabelMapper::check() const {
    if (unmapped_.empty() || allow_unknown_) return;
    const std::pair<const std::string, Unmapped>* first = nullptr;
    for (const auto& entry : unmapped_)
        if (first == nullptr || entry.second.order < first->second.order) first = &entry;
    std::string others;
    if (unmapped_.size() > 1)
        others = "; " + std::to_string(unmapped_.size() - 1) + " more unmapped value(s)";
    throw InputError(first->second.file, first->second.line,
                     "label value \"" + first->first + "\" is not in the label map" +
                         (source_.empty() ? std::string() : " of " + source_) + " (" +
                         std::to_string(first->second.rows) + " row(s), the first here" + others +
                         "); map it, or pass --allow-unknown-labels to keep it as it is");
}

csv::Table read_table(const Source& source, const std::vector<Column>& required) {
    auto reader = Reader::open(source);
    csv::Table table;
    table.name = reader->name();
    table.header = reader->header();
    const std::size_t header_line = reader->line() == 0 ? 1 : reader->line();
    for (const auto& col : required) {
        if (table.column(col.name) < 0) {
            throw InputError(table.name, source.columns.empty() ? header_line : 0,
                             missing_column_message(col, table.header));
        }
    }
    std::vector<std::string> fields;
    while (reader->next(fields)) {
        table.rows.push_back(std::move(fields));
        fields.clear();
        table.lines.push_back(reader->line());
    }
    return table;
}

}  // namespace synthmod::records
