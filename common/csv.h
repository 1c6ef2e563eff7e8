// csv: RFC 4180 streaming reader and writer (quoted commas, doubled quotes, newlines in fields,
// CRLF or LF, UTF-8 BOM, empty fields).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace synthmod::csv {

/// Streaming RFC 4180 reader. Malformed input throws InputError("name:line: what"): a quote
/// inside an unquoted field, text after a closing quote, an unterminated quoted field, or a
/// record whose field count differs from the first record's. Blank lines are skipped (as
/// Python's csv.DictReader does). Any other byte is data: a NUL (U+0000, valid UTF-8) or a
/// control character inside a field is kept byte for byte.
class Reader {
   public:
    /// Reads from `in`; `name` is the file name used in error messages.
    Reader(std::istream& in, std::string name);
    /// Opens `path` ("-" is stdin). A missing or unreadable file throws IoError.
    static std::unique_ptr<Reader> open(const std::string& path);

    /// Reads the next record into `fields`; false at end of input.
    bool next(std::vector<std::string>& fields);
    /// 1-based line on which the last record returned by next() started.
    std::size_t line() const { return record_line_; }
    const std::string& name() const { return name_; }

    /// Reads no more than `bytes` bytes of the stream in all (those read so far included): the
    /// input ends there, unless `extend` is given, which is called there once and returns the
    /// new total (at least `bytes`). For reading a file in two parts at once (records::CsvSplit).
    void limit(std::uint64_t bytes, std::function<std::uint64_t()> extend = {});
    /// The stream starts in the middle of a file: at a record boundary on line `line`, no BOM to
    /// drop, records `width` fields wide (as the file's header).
    void resume(std::size_t line, std::size_t width);
    /// Bytes read from the stream so far.
    std::uint64_t bytes_read() const { return read_; }

   private:
    int get();
    int peek();
    /// Refills the buffer; false at end of input.
    bool fill();
    [[noreturn]] void fail(std::size_t line, const std::string& what) const;

    std::unique_ptr<std::istream> owned_;
    std::istream* in_;
    std::string name_;
    std::size_t line_ = 1;
    std::size_t record_line_ = 0;
    bool first_ = true;
    /// Input is read in large chunks: per-character istream calls are far too slow for 1M rows.
    std::unique_ptr<char[]> buf_;
    std::size_t chunk_ = 0;  ///< bytes the next read asks for (doubling up to the buffer's size)
    std::size_t populated_ = 0;  ///< buf_'s bytes faulted in (populate) so far
    std::size_t pos_ = 0;        ///< next unread byte in buf_
    std::size_t end_ = 0;        ///< bytes valid in buf_
    bool eof_ = false;
    /// Field count of the first record; every later record must have the same width.
    std::size_t width_ = 0;
    std::uint64_t read_ = 0;                 ///< bytes read from the stream
    std::uint64_t limit_ = UINT64_MAX;       ///< read no further (limit())
    std::function<std::uint64_t()> extend_;  ///< called once at limit_ for a new one
};

/// A whole CSV file: header and rows, columns found by name.
struct Table {
    std::string name;                            ///< file name for messages
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;  ///< each padded/validated to header.size()
    std::vector<std::size_t> lines;              ///< starting line of each row, for messages

    /// Index of column `column`, or -1.
    int column(std::string_view column) const;
};

/// Reads a whole CSV file ("-" is stdin): checks UTF-8, that the file is not empty, that every
/// record has the header's width, and that every column in `required` exists.
/// Throws InputError/IoError with `file:line: what`.
Table read_table(const std::string& path, const std::vector<std::string>& required = {});

/// Reads CSV from a stream (same checks as read_table).
Table read_table(std::istream& in, const std::string& name,
                 const std::vector<std::string>& required = {});

/// Quotes a field when it holds a comma, quote, CR or LF (or leading/trailing space, or starts
/// with a UTF-8 BOM, which a reader would drop at the start of a file).
std::string quote(std::string_view field);

/// True when a spreadsheet would take `field` for a formula: it starts with = + - @ TAB or CR
/// (OWASP "CSV injection").
bool looks_like_formula(std::string_view field);

/// `field` with a single quote in front when looks_like_formula(field) (OWASP's neutralisation,
/// what --csv-safe writes), else `field` unchanged. Not reversible by a reader: for
/// spreadsheet users only.
std::string neutralise_formula(std::string_view field);

/// Writes records with LF line ends (RFC 4180 allows CRLF; LF is what every CSV reader takes).
class Writer {
   public:
    /// `csv_safe` (--csv-safe): every cell, the header's too, goes through neutralise_formula.
    /// Off by default, so fields round-trip byte for byte.
    explicit Writer(std::ostream& out, bool csv_safe = false) : out_(out), csv_safe_(csv_safe) {}
    void write_row(const std::vector<std::string>& fields);
    void write_row(const std::vector<std::string_view>& fields);

   private:
    std::ostream& out_;
    bool csv_safe_ = false;
};

}  // namespace synthmod::csv
