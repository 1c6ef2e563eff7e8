// dataset: the rows stats works on — read from the input shards, held in a compact row store,
// and prepared once (columns found, judge columns parsed, texts normalised) for the figures.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/records.h"
#include "stats/huge_pages.h"

namespace synthmod::dataset {

/// What the judge said about a row.
/// kTie: the judge's votes tied (judge --votes K), so it gave no label.
enum class JudgeStatus { kNone, kOk, kRefused, kError, kTie };

/// Every field of every row in a few large blocks: a million rows stored as a million vectors
/// of strings would cost 50 % more memory than the text itself. One column (the content) can be
/// kept in blocks of its own, whose fields may be overwritten in place (its normalised text).
class RowStore {
   public:
    /// `separate`: the column kept in blocks of its own (none when >= columns).
    RowStore(std::size_t columns, std::size_t separate) : columns_(columns), separate_(separate) {}
    void add(const std::vector<std::string>& fields);
    /// Appends `other`'s rows (same columns) after this store's, taking its blocks.
    void append(RowStore&& other);
    /// The rows still to come hold at most about `bytes` bytes of fields in all (a file part's
    /// byte range): pages are faulted in ahead only that far, not kAhead past the last row. A
    /// hint: rows beyond it are stored all the same, their pages faulted as they are written.
    void expect(std::size_t bytes) { expected_ = added_ + bytes; }
    std::string_view at(std::size_t row, std::size_t column) const {
        const Ref& r = refs_[row * columns_ + column];
        const auto& blocks = column == separate_ ? separate_blocks_ : blocks_;
        return {blocks[r.block].data() + r.offset, r.size};
    }
    std::size_t size() const { return columns_ ? refs_.size() / columns_ : 0; }
    std::size_t columns() const { return columns_; }
    std::size_t separate() const { return separate_; }
    /// Row `row`'s field of the separate column, writable: at() then shows what is written
    /// there (at most its size). Rows may be written from several threads, each row by one.
    char* separate_field(std::size_t row) {
        const Ref& r = refs_[row * columns_ + separate_];
        return separate_blocks_[r.block].data() + r.offset;
    }
    /// Waits for the pages being faulted in ahead of the rows, and gives back those no row
    /// used (up to kAhead per block); call it once all rows are added, before any field is
    /// overwritten (separate_field may run on several threads).
    void finish();

   private:
    struct Ref {
        std::uint32_t block;
        std::uint32_t offset;
        std::uint32_t size;
    };
    static constexpr std::size_t kBlock = std::size_t{1} << 26;  ///< 64 MB
    /// Each time a block fills past a multiple of kAhead, the next kAhead bytes of it are
    /// faulted in on a second thread (huge_pages::Prefault): at most kAhead is faulted in and
    /// not used, and none past what expect() announced.
    static constexpr std::size_t kAhead = std::size_t{1} << 23;  ///< 8 MB
    std::size_t columns_ = 0;
    std::size_t added_ = 0;            ///< bytes of fields added
    std::size_t expected_ = SIZE_MAX;  ///< added_ once the rows expect() announced are in
    std::size_t separate_ = SIZE_MAX;
    std::vector<std::vector<char>> blocks_;
    std::vector<std::vector<char>> separate_blocks_;
    std::vector<Ref> refs_;
    huge_pages::Prefault prefault_;
};

class Dataset;

/// A member of Dataset that everyone may read and only Dataset writes: the figures and the
/// comparison read the columns and per-row values under their plain names (`data.words[i]`,
/// `data.persona`), while the invariants between them (views into the normalised store, the
/// content column's raw text freed by prepare) stay the class's own business.
template <class T>
class ReadOnly {
   public:
    ReadOnly() = default;
    ReadOnly(ReadOnly&&) = default;
    ReadOnly& operator=(ReadOnly&&) = default;
    /// Not copyable, so that `auto x = data.header` does not compile: copy the value
    /// (`std::vector<std::string> x = data.header`).
    ReadOnly(const ReadOnly&) = delete;
    ReadOnly& operator=(const ReadOnly&) = delete;
    operator const T&() const { return value_; }  // NOLINT: reads as the value itself
    const T& operator*() const { return value_; }
    const T* operator->() const { return &value_; }
    // Containers only (templates, so that ReadOnly<int> has none).
    template <class U = T>
    auto begin() const -> decltype(std::declval<const U&>().begin()) {
        return value_.begin();
    }
    template <class U = T>
    auto end() const -> decltype(std::declval<const U&>().end()) {
        return value_.end();
    }
    template <class U = T>
    auto size() const -> decltype(std::declval<const U&>().size()) {
        return value_.size();
    }
    template <class U = T>
    auto empty() const -> decltype(std::declval<const U&>().empty()) {
        return value_.empty();
    }
    template <class U = T>
    auto operator[](std::size_t i) const -> decltype(std::declval<const U&>()[i]) {
        return value_[i];
    }

   private:
    friend class Dataset;
    T value_{};
};

/// The rows stats works on, with the columns it reads found by name (-1 when absent).
///
/// Rows are added with add_row, then prepare() normalises the content and keeps the raw text
/// only as edits against the normalised one (stats/patch.h), freeing the raw copy: read the raw
/// text through text() and whole rows through row(), which rebuild it. Movable, not copyable
/// (the normalised views point into the dataset's own buffers).
class Dataset {
   public:
    /// An empty dataset with these columns; `text_column` and `label_column` are the ones that
    /// play `content` and `label` (--text-column, --label-column).
    explicit Dataset(std::vector<std::string> header, const std::string& text_column = "content",
                     const std::string& label_column = "label");
    Dataset(Dataset&&) = default;
    Dataset& operator=(Dataset&&) = default;
    Dataset(const Dataset&) = delete;
    Dataset& operator=(const Dataset&) = delete;

    /// Names an input file for messages; returns its index for add_row.
    std::uint32_t add_file(std::string name);
    /// Appends a row (fields in header order) read from input `file` at `line_number`.
    /// Throws std::logic_error after prepare().
    void add_row(const std::vector<std::string>& fields, std::uint32_t file,
                 std::size_t line_number);
    /// Rows gathered apart (on another thread: a shard's second part), appended by add_rows.
    struct Rows {
        RowStore store;
        std::vector<std::size_t> lines;  ///< per row: the line its record starts on
    };
    /// An empty Rows with this dataset's columns.
    Rows new_rows() const { return {RowStore(rows_.columns(), rows_.separate()), {}}; }
    /// The rows still to be added hold at most about `bytes` bytes (RowStore::expect).
    void expect(std::size_t bytes) { rows_.expect(bytes); }
    /// Appends `rows`, read from input `file`. Throws std::logic_error after prepare().
    void add_rows(Rows&& rows, std::uint32_t file);
    /// Parses the judge columns (a bad value throws InputError "file:line: ...") and normalises
    /// the texts on `threads` threads. Once: later calls do nothing.
    void prepare(int threads);
    bool prepared() const { return packed_; }

    std::size_t size() const { return rows_.size(); }
    bool has_judge() const { return judge_status >= 0 || label_correct >= 0 || judge_label >= 0; }
    /// "file:line" of row i, for messages.
    std::string where(std::size_t i) const;
    /// Field `column` of row i; not the content once prepare() has run (use text()).
    std::string_view field(std::size_t i, int column) const;
    std::string_view label_of(std::size_t i) const { return field(i, label); }
    /// The raw content of row i: a view of the stored text, or rebuilt into `buffer`.
    std::string_view text(std::size_t i, std::string& buffer) const;
    std::string text(std::size_t i) const;
    /// Every field of row i, in header order (the content rebuilt into `buffer`).
    std::vector<std::string_view> row(std::size_t i, std::string& buffer) const;

    ReadOnly<std::vector<std::string>> header;
    // The columns stats reads, by name (-1 when absent).
    ReadOnly<int> content;
    ReadOnly<int> label;
    ReadOnly<int> judge_label;
    ReadOnly<int> label_correct;
    ReadOnly<int> realism;
    ReadOnly<int> issues;
    ReadOnly<int> judge_status;
    ReadOnly<int> persona;
    ReadOnly<int> target_label;
    ReadOnly<int> status;      ///< a generator status column (`status`/`gen_status`), if any
    ReadOnly<int> gen_cost;    ///< gen_cost_usd: what generating the row cost
    ReadOnly<int> judge_cost;  ///< judge_cost_usd: what judging it cost

    // Per row, set by prepare():
    /// DESIGN section 9 normalisation of the content (views into a few large buffers).
    ReadOnly<std::vector<std::string_view>> normalized;
    ReadOnly<std::vector<std::uint32_t>> words;  ///< words in content (Python's str.split())
    ReadOnly<std::vector<JudgeStatus>> judge;    ///< kNone without judge columns
    ReadOnly<std::vector<char>> correct;         ///< label_correct parsed as true
    ReadOnly<std::vector<int>> realism_score;    ///< 1..5, 0 when missing
    ReadOnly<std::size_t> raw_exact_dup_rows;    ///< trimmed raw text equals an earlier row's

   private:
    void parse_judge_columns();
    void normalise(int threads);

    std::vector<std::string> files_;   ///< input names, for messages
    std::vector<std::uint32_t> file_;  ///< per row: index into `files_`
    std::vector<std::size_t> line_;    ///< per row: line its record starts on
    RowStore rows_;
    /// What `normalized` views besides the content's own blocks: the few texts normalising
    /// lengthened (NFKC expansions), per worker.
    std::vector<std::vector<char>> normalized_store_;
    std::vector<std::string_view> raw_edits_;  ///< per row: edits rebuilding the raw content
    std::vector<std::vector<char>> raw_edits_store_;
    bool packed_ = false;  ///< prepared: the content held as raw_edits_
};

/// Reads and concatenates the input shards (each needs `content` and `label`; every shard must
/// have the first one's columns, in any order). Throws UsageError/InputError/IoError with
/// `file:line: what`.
/// `mapping`: the format, header-less columns, which columns are the text and the label, and a
/// label map applied as the rows are read (records.h).
/// `threads`: with 2 or more, a large plain CSV shard is read in two parts at once
/// (records::CsvSplit) unless a label map is applied.
Dataset load(const std::vector<std::string>& paths, const records::Mapping& mapping = {},
             int threads = 1);

}  // namespace synthmod::dataset
