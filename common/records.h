// records: one reader for every tabular input the judge and stats take — CSV (RFC 4180), TSV (IANA
// text/tab-separated-values), JSON Lines (one object per line, as Hugging Face `datasets` writes
// it), each plain or gzip-compressed (zlib), with a header row or with the columns named by the
// caller (`--columns label,content`). Every format yields the same thing: a header and records of
// the header's width, each record with the 1-based line it starts on, every field checked UTF-8.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/csv.h"

namespace synthmod::records {

enum class Format { kAuto, kCsv, kTsv, kJsonl };

/// "auto", "csv", "tsv" or "jsonl"; anything else throws UsageError naming the choices.
Format parse_format(std::string_view name);
const char* format_name(Format format);

/// The format of `path`: `given` unless it is kAuto, else by the extension once a trailing ".gz"
/// is set aside: .tsv and .tab are TSV, .jsonl, .ndjson and .json are JSON Lines, anything else
/// (stdin too) is CSV.
Format resolve(const std::string& path, Format given);

/// How to read one input file.
struct Source {
    Source(std::string path_, Format format_ = Format::kAuto, std::vector<std::string> columns_ = {})
        : path(std::move(path_)), format(format_), columns(std::move(columns_)) {}
    std::string path;  ///< "-" is stdin
    Format format = Format::kAuto;
    /// Empty: the first record is the header. Otherwise the file has no header row and these
    /// are its columns, in order (CSV/TSV); for JSON Lines they pick and order the keys.
    std::vector<std::string> columns;
};

/// Streams the records of one input. A gzip file (by its magic bytes, whatever its name) is
/// decompressed on the fly with zlib. Errors are InputError("file:line: what") or IoError.
class Reader {
   public:
    virtual ~Reader() = default;
    static std::unique_ptr<Reader> open(const Source& source);

    /// The column names: the header row, the given columns, or the keys of the first JSON object.
    const std::vector<std::string>& header() const { return header_; }
    /// Next record, exactly header().size() fields, UTF-8 checked; false at the end.
    bool next(std::vector<std::string>& fields);
    /// 1-based line on which the last record returned by next() (or the header) started.
    std::size_t line() const { return line_; }
    const std::string& name() const { return name_; }
    Format format() const { return format_; }

   protected:
    Reader(std::string name, Format format) : name_(std::move(name)), format_(format) {}
    /// Format-specific: the next raw record, its start line in line_.
    virtual bool read(std::vector<std::string>& fields) = 0;

    std::string name_;
    Format format_;
    bool columns_given_ = false;  ///< the caller named the columns (no header row)
    std::vector<std::string> header_;
    std::size_t line_ = 0;
};

/// Reads a Reader's records on a second thread, a few batches ahead of the caller, so that
/// parsing and checking the input overlap with what the caller does with each record. The
/// records, their lines and any error come out exactly as from Reader::next: an error is thrown
/// by next() after the records before it.
class ReadAhead {
   public:
    explicit ReadAhead(Reader& reader);
    ~ReadAhead();
    ReadAhead(const ReadAhead&) = delete;
    ReadAhead& operator=(const ReadAhead&) = delete;
    /// The next record (valid until the next call; the caller may change its fields), or
    /// nullptr at the end. `line`: the line it started on (Reader::line()).
    std::vector<std::string>* next(std::size_t& line);

   private:
    struct Batch;
    void produce();

    Reader& reader_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::unique_ptr<Batch>> full_;   ///< read, in order, waiting for the caller
    std::deque<std::unique_ptr<Batch>> empty_;  ///< given back by the caller, for reuse
    std::unique_ptr<Batch> current_;            ///< the caller's batch
    std::size_t position_ = 0;                  ///< next record of current_
    bool stop_ = false;                         ///< the caller is gone: stop reading
    std::thread thread_;
};

/// A plain CSV file (not stdin, not gzip) with a header row, read in two parts at once: the
/// reader open on it stops at the record boundary just past the file's middle
/// (csv::find_split), and second() gives a reader of the rest, whose records, lines and errors
/// are those the file read in one part gives. The first part's errors come first in the file:
/// report them before the second part's.
class CsvSplit {
   public:
    /// Smaller files are read in one part: a second thread would not pay for itself.
    static constexpr std::uint64_t kMinBytes = std::uint64_t{1} << 20;
    /// nullptr unless `first` (just opened by Reader::open) reads such a file of at least
    /// `min_bytes` and has not read past its middle yet.
    static std::unique_ptr<CsvSplit> make(Reader& first, std::uint64_t min_bytes = kMinBytes);
    ~CsvSplit();
    CsvSplit(const CsvSplit&) = delete;
    CsvSplit& operator=(const CsvSplit&) = delete;
    /// Finds the boundary (reads the first half once), tells the first reader where to stop,
    /// and opens the rest; nullptr when there is no boundary (the first reader reads it all).
    /// Call once, on a thread other than the first reader's: the first reader waits for it at
    /// the middle.
    std::unique_ptr<Reader> second();
    /// The file's size in bytes, and the byte where the search for the boundary starts (its
    /// first part ends at the first record boundary at or after it).
    std::uint64_t size() const { return size_; }
    std::uint64_t middle() const { return middle_; }

   private:
    CsvSplit(std::string path, std::vector<std::string> header, std::uint64_t size,
             std::uint64_t middle)
        : path_(std::move(path)), header_(std::move(header)), size_(size), middle_(middle) {}
    void tell(std::uint64_t end);

    std::string path_;  ///< also the name in messages (not stdin)
    std::vector<std::string> header_;
    std::uint64_t size_ = 0;
    std::uint64_t middle_ = 0;
    std::promise<std::uint64_t> end_;  ///< where the first reader stops
    bool told_ = false;
};

/// A required column and the flag that names another one (for the error message).
struct Column {
    std::string name;
    std::string flag;  ///< e.g. "--text-column"; empty: no flag to suggest
};

/// Reads a whole input into a csv::Table (header, rows, start lines): checks that it is not
/// empty, that column names are unique and that every required column exists. A missing column
/// is `file:line: missing column "label" (columns found: text, class; --label-column picks one)`.
csv::Table read_table(const Source& source, const std::vector<Column>& required = {});

/// The message for a missing column: what was looked for, the columns found, the flag to use.
std::string missing_column_message(const Column& column, const std::vector<std::string>& header);

/// How a tool reads a labelled dataset as it comes (the spec's [input] and the flags
/// --text-column, --label-column, --label-map, --columns, --in-format).
struct Mapping {
    Format format = Format::kAuto;
    std::vector<std::string> columns;  ///< header-less files: their columns
    std::string text_column = "content";
    std::string label_column = "label";
    std::map<std::string, std::string> label_map;  ///< file value -> spec label; empty = none
    std::string label_map_source;                  ///< where the map came from, for messages
    bool allow_unknown = false;  ///< an unmapped value is kept as it is instead of refused
};

/// Reads a label map file: TOML, one `value = "label"` per line (`0 = "hate_speech"`).
/// Errors are InputError("file:line: what").
std::map<std::string, std::string> read_label_map(const std::string& path);

/// Maps label values through `mapping.label_map`, collecting the values it lacks (a value equal
/// to one of the map's labels is already mapped). check() throws, after the whole input is read,
/// `file:line: label value "2" is not in the label map (12 rows, first here)` for the first
/// unmapped value, unless allow_unknown.
class LabelMapper {
   public:
    explicit LabelMapper(const Mapping& mapping);
    bool active() const { return !map_.empty(); }
    /// Maps `value` in place; `where` is "file:line" of its row, kept for the first unmapped.
    void map(std::string& value, const std::string& file, std::size_t line);
    void check() const;

   private:
    std::map<std::string, std::string> map_;
    std::vector<std::string> targets_;
    std::string source_;
    bool allow_unknown_;
    struct Unmapped {
        std::size_t rows = 0;
        std::string file;
        std::size_t line = 0;
        std::size_t order = 0;
    };
    std::map<std::string, Unmapped> unmapped_;
};

}  // namespace synthmod::records
