#include "stats/dataset.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <thread>

#include "common/csv.h"
#include "common/errors.h"
#include "common/text.h"
#include "stats/dedup.h"
#include "stats/huge_pages.h"
#include "stats/patch.h"

namespace synthmod::dataset {

void RowStore::add(const std::vector<std::string>& fields) {
    huge_pages::make_room(refs_, columns_);
    for (std::size_t c = 0; c < columns_; ++c) {
        const std::string empty;
        const std::string& f = c < fields.size() ? fields[c] : empty;
        auto& blocks = c == separate_ ? separate_blocks_ : blocks_;
        if (blocks.empty() || blocks.back().size() + f.size() > blocks.back().capacity()) {
            blocks.emplace_back();
            huge_pages::reserve(blocks.back(), std::max(kBlock, f.size()));
        }
        auto& b = blocks.back();
        const std::size_t used = b.size();
        refs_.push_back({static_cast<std::uint32_t>(blocks.size() - 1),
                         static_cast<std::uint32_t>(used), static_cast<std::uint32_t>(f.size())});
        b.insert(b.end(), f.begin(), f.end());
        added_ += f.size();
        if (used / kAhead != b.size() / kAhead) {
            // The rows to come may all land in this block: no further than that.
            const std::size_t left = expected_ > added_ ? expected_ - added_ : 0;
            const std::size_t from = b.size() / kAhead * kAhead + kAhead;
            const std::size_t to = std::min({from + kAhead, b.capacity(), b.size() + left});
            if (from < to) prefault_.ahead(b.data() + from, to - from);
        }
    }
}

void RowStore::append(RowStore&& other) {
    other.prefault_.wait();
    const auto first = static_cast<std::uint32_t>(blocks_.size());
    const auto first_separate = static_cast<std::uint32_t>(separate_blocks_.size());
    for (auto& b : other.blocks_) blocks_.push_back(std::move(b));
    for (auto& b : other.separate_blocks_) separate_blocks_.push_back(std::move(b));
    huge_pages::make_room(refs_, other.refs_.size());
    for (std::size_t k = 0; k < other.refs_.size(); ++k) {
        Ref r = other.refs_[k];
        r.block += k % columns_ == separate_ ? first_separate : first;
        refs_.push_back(r);
    }
    other.blocks_.clear();
    other.separate_blocks_.clear();
    other.refs_.clear();
}

void RowStore::finish() {
    prefault_.wait();
    for (auto* blocks : {&blocks_, &separate_blocks_})
        for (const auto& b : *blocks)
            huge_pages::discard(b.data() + b.size(), b.capacity() - b.size());
}

namespace {

int find_column(const std::vector<std::string>& header, std::initializer_list<const char*> names) {
    for (const char* name : names)
        for (std::size_t i = 0; i < header.size(); ++i)
            if (header[i] == name) return static_cast<int>(i);
    return -1;
}

std::size_t index_of(const std::vector<std::string>& header, const char* name) {
    const int c = find_column(header, {name});
    return c < 0 ? SIZE_MAX : static_cast<std::size_t>(c);
}

}  // namespace

Dataset::Dataset(std::vector<std::string> h, const std::string& text_column,
                 const std::string& label_column)
    : rows_(h.size(), index_of(h, text_column.c_str())) {
    content.value_ = find_column(h, {text_column.c_str()});
    label.value_ = find_column(h, {label_column.c_str()});
    judge_label.value_ = find_column(h, {"judge_label"});
    label_correct.value_ = find_column(h, {"label_correct"});
    realism.value_ = find_column(h, {"realism"});
    issues.value_ = find_column(h, {"issues"});
    judge_status.value_ = find_column(h, {"judge_status"});
    persona.value_ = find_column(h, {"persona"});
    target_label.value_ = find_column(h, {"target_label"});
    status.value_ = find_column(h, {"status", "gen_status", "generator_status"});
    gen_cost.value_ = find_column(h, {"gen_cost_usd"});
    judge_cost.value_ = find_column(h, {"judge_cost_usd"});
    header.value_ = std::move(h);
}

std::uint32_t Dataset::add_file(std::string name) {
    files_.push_back(std::move(name));
    return static_cast<std::uint32_t>(files_.size() - 1);
}

void Dataset::add_row(const std::vector<std::string>& fields, std::uint32_t file,
                      std::size_t line_number) {
    if (packed_) throw std::logic_error("Dataset::add_row after prepare");
    if (file >= files_.size()) throw std::logic_error("Dataset::add_row: unknown file");
    rows_.add(fields);
    huge_pages::make_room(file_, 1);
    huge_pages::make_room(line_, 1);
    file_.push_back(file);
    line_.push_back(line_number);
}

void Dataset::add_rows(Rows&& rows, std::uint32_t file) {
    if (packed_) throw std::logic_error("Dataset::add_rows after prepare");
    if (file >= files_.size()) throw std::logic_error("Dataset::add_rows: unknown file");
    rows_.append(std::move(rows.store));
    huge_pages::make_room(file_, rows.lines.size());
    huge_pages::make_room(line_, rows.lines.size());
    file_.insert(file_.end(), rows.lines.size(), file);
    line_.insert(line_.end(), rows.lines.begin(), rows.lines.end());
}

std::string Dataset::where(std::size_t i) const {
    return files_[file_[i]] + ":" + std::to_string(line_[i]);
}

std::string_view Dataset::field(std::size_t i, int column) const {
    if (column < 0 || static_cast<std::size_t>(column) >= rows_.columns())
        throw std::logic_error("Dataset::field: no such column");
    if (packed_ && column == content)
        throw std::logic_error("Dataset::field: the content is read through text()");
    return rows_.at(i, static_cast<std::size_t>(column));
}

std::string_view Dataset::text(std::size_t i, std::string& buffer) const {
    if (content < 0) throw std::logic_error("Dataset::text: no content column");
    if (!packed_) return rows_.at(i, static_cast<std::size_t>(content));
    patch::decode(raw_edits_[i], normalized[i], buffer);
    return buffer;
}

std::string Dataset::text(std::size_t i) const {
    std::string buffer;
    return std::string(text(i, buffer));
}

std::vector<std::string_view> Dataset::row(std::size_t i, std::string& buffer) const {
    std::vector<std::string_view> out;
    out.reserve(header.size());
    for (std::size_t c = 0; c < header.size(); ++c)
        out.push_back(static_cast<int>(c) == content ? text(i, buffer) : rows_.at(i, c));
    return out;
}

namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

/// Set bits of a 16-bit mask, inline: without -mpopcnt __builtin_popcount is a libgcc call
/// (1.2 % of the short-post run's instructions).
inline std::size_t popcount16(unsigned x) {
    x -= (x >> 1) & 0x5555u;
    x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
    x = (x + (x >> 4)) & 0x0f0fu;
    return (x + (x >> 8)) & 0x1fu;
}

/// Words as Python's str.split() counts them: an ASCII fast path (its whitespace includes
/// \x1c-\x1f), 16 bytes at a time with SSE2, text::words for the rest.
std::size_t word_count(std::string_view s) {
    std::size_t words = 0;
    unsigned after_space = 1;  // the text starts as if after a space
    std::size_t i = 0;
#ifdef __SSE2__
    for (; i + 16 <= s.size(); i += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
        if (_mm_movemask_epi8(v)) return text::words(s).size();  // a byte >= 0x80
        // Bytes are 0..127 here, so signed comparisons order them: ' ', 0x09-0x0d, 0x1c-0x1f.
        const __m128i tab = _mm_sub_epi8(v, _mm_set1_epi8(0x09));
        const __m128i sep = _mm_sub_epi8(v, _mm_set1_epi8(0x1c));
        const __m128i space =
            _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
                         _mm_or_si128(_mm_and_si128(_mm_cmpgt_epi8(tab, _mm_set1_epi8(-1)),
                                                    _mm_cmplt_epi8(tab, _mm_set1_epi8(5))),
                                      _mm_and_si128(_mm_cmpgt_epi8(sep, _mm_set1_epi8(-1)),
                                                    _mm_cmplt_epi8(sep, _mm_set1_epi8(4)))));
        const auto m = static_cast<unsigned>(_mm_movemask_epi8(space));
        // A word starts at every non-space byte whose previous byte is a space.
        words += popcount16(~m & ((m << 1) | after_space) & 0xffffu);
        after_space = m >> 15;
    }
#endif
    for (; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) return text::words(s).size();
        const unsigned space = c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
        words += !space && after_space;
        after_space = space;
    }
    return words;
}

JudgeStatus parse_judge_status(const Dataset& data, std::size_t i) {
    std::string s = lower(text::trim(data.field(i, data.judge_status)));
    if (s == "ok") return JudgeStatus::kOk;
    if (s == "refused") return JudgeStatus::kRefused;
    if (s == "error" || s.empty()) return JudgeStatus::kError;
    if (s == "tie") return JudgeStatus::kTie;
    throw InputError(data.where(i) + ": judge_status '" + printable(s) +
                     "' is not ok, tie, refused or error");
}

bool parse_label_correct(const Dataset& data, std::size_t i) {
    std::string s = lower(text::trim(data.field(i, data.label_correct)));
    if (s == "true" || s == "1" || s == "yes") return true;
    if (s == "false" || s == "0" || s == "no" || s.empty()) return false;
    throw InputError(data.where(i) + ": label_correct '" + printable(s) + "' is not true or false");
}

/// 1..5 rounded, 0 for an empty cell.
int parse_realism(const Dataset& data, std::size_t i) {
    std::string s = text::trim(data.field(i, data.realism));
    if (s.empty()) return 0;
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (*end != '\0' || !(v >= 1 && v <= 5))
        throw InputError(data.where(i) + ": realism '" + printable(s) +
                         "' is not a number from 1 to 5");
    return static_cast<int>(std::lround(v));
}

}  // namespace

void Dataset::parse_judge_columns() {
    const std::size_t n = size();
    judge.value_.assign(n, JudgeStatus::kNone);
    correct.value_.assign(n, 0);
    realism_score.value_.assign(n, 0);
    if (!has_judge()) return;
    for (std::size_t i = 0; i < n; ++i) {
        judge.value_[i] = judge_status >= 0 ? parse_judge_status(*this, i) : JudgeStatus::kOk;
        if (label_correct >= 0)
            correct.value_[i] = parse_label_correct(*this, i);
        else if (judge_label >= 0)
            correct.value_[i] = field(i, judge_label) == field(i, label);
        if (realism >= 0) realism_score.value_[i] = parse_realism(*this, i);
    }
}

void Dataset::prepare(int threads) {
    if (packed_) return;
    parse_judge_columns();
    normalise(threads);
    packed_ = true;
}

void Dataset::normalise(int threads) {
    // Each worker normalises a contiguous chunk of rows, keeps the raw text as edits against the
    // normalised text (stats/patch.h), and writes the normalised text over the raw text in the
    // row store (it is hardly ever longer; a longer one goes to the worker's own buffer): the
    // two copies of the text never coexist, and no fresh buffer the size of the text is filled
    // (its page faults and copy were ~5 % of the short-post run's CPU).
    rows_.finish();
    const std::size_t n = size();
    // The per-row arrays zeroed (their fresh pages faulted in) by all workers at once: one
    // after another they took ~15 ms of the 100k short-post run with the other core idle.
    std::vector<dedup::Hash128> trimmed_hash;
    dedup::parallel_tasks(4, threads, [&](std::size_t array, int) {
        if (array == 0) huge_pages::assign(normalized.value_, n);
        if (array == 1) huge_pages::assign(raw_edits_, n);
        if (array == 2) huge_pages::assign(words.value_, n);
        if (array == 3 && content >= 0) huge_pages::assign(trimmed_hash, n);
    });
    if (content < 0) return;
    const auto column = static_cast<std::size_t>(content);
    const int workers = n < 1024 ? 1 : std::max(1, threads);
    normalized_store_.assign(workers, {});
    raw_edits_store_.assign(workers, {});
    dedup::parallel_tasks(workers, workers, [&](std::size_t w, int) {
        const std::size_t begin = n * w / workers, end = n * (w + 1) / workers;
        auto& longer = normalized_store_[w];
        auto& edits = raw_edits_store_[w];
        std::size_t raw_bytes = 0;
        for (std::size_t i = begin; i < end; ++i) raw_bytes += rows_.at(i, column).size();
        huge_pages::reserve(edits, raw_bytes / 8 + 64);
        // Rows normalised into `longer`: (row, end of its text there).
        std::vector<std::pair<std::size_t, std::size_t>> longer_ends;
        std::vector<std::size_t> edit_ends;
        std::string t;  // each row's normalised text, its capacity reused
        edit_ends.reserve(end - begin);
        for (std::size_t i = begin; i < end; ++i) {
            const std::string_view raw = rows_.at(i, column);
            words.value_[i] = static_cast<std::uint32_t>(word_count(raw));
            text::normalize(raw, t);
            const std::string_view trimmed = text::trim_view(raw);
            const XXH128_hash_t hash = XXH3_128bits(trimmed.data(), trimmed.size());
            trimmed_hash[i] = {hash.high64, hash.low64};
            patch::encode(raw, t, edits);
            edit_ends.push_back(edits.size());
            // The raw text is not read again: its bytes take the normalised text.
            if (t.size() <= raw.size()) {
                char* field = rows_.separate_field(i);
                std::memcpy(field, t.data(), t.size());
                normalized.value_[i] = std::string_view(field, t.size());
            } else {
                longer.insert(longer.end(), t.begin(), t.end());
                longer_ends.push_back({i, longer.size()});
            }
        }
        std::size_t start = 0;
        for (auto [i, stop] : longer_ends) {
            normalized.value_[i] = std::string_view(longer.data() + start, stop - start);
            start = stop;
        }
        std::size_t edit_start = 0;
        for (std::size_t i = begin; i < end; ++i) {
            const std::size_t edit_stop = edit_ends[i - begin];
            raw_edits_[i] = std::string_view(edits.data() + edit_start, edit_stop - edit_start);
            edit_start = edit_stop;
        }
    });
    raw_exact_dup_rows.value_ =
        dedup::duplicate_rows(dedup::first_equal(std::move(trimmed_hash), threads));
}

namespace {

/// Where each of the first input's columns is in a shard's header (a shard may order them
/// differently but must have the same set).
std::vector<int> column_map(const std::vector<std::string>& first, const std::string& first_name,
                            const std::vector<std::string>& header, const std::string& name,
                            std::size_t header_line) {
    std::vector<int> map;
    for (const auto& column : first) {
        auto it = std::find(header.begin(), header.end(), column);
        if (it == header.end())
            throw InputError(name, header_line,
                             "column \"" + printable(column) + "\" of " + first_name +
                                 " is missing (shards must share their columns)");
        map.push_back(static_cast<int>(it - header.begin()));
    }
    if (header.size() != first.size())
        throw InputError(name, header_line,
                         "has " + std::to_string(header.size()) + " columns, the first input " +
                             std::to_string(first.size()) + " (shards must share their columns)");
    return map;
}

/// Reads one shard's header: the required columns (the text and the label) must be there.
std::vector<std::string> read_header(const records::Reader& reader,
                                     const records::Mapping& mapping) {
    const std::vector<std::string>& header = reader.header();
    const records::Column required[] = {{mapping.text_column, "--text-column"},
                                        {mapping.label_column, "--label-column"}};
    for (const auto& column : required)
        if (std::find(header.begin(), header.end(), column.name) == header.end())
            throw InputError(reader.name(), mapping.columns.empty() ? reader.line() : 0,
                             records::missing_column_message(column, header));
    return header;
}

/// A shard's records in the first input's column order (`map`), or as they are when the orders
/// are the same.
class Reorder {
   public:
    explicit Reorder(const std::vector<int>& map) : map_(map) {
        for (std::size_t k = 0; k < map.size(); ++k) same_ &= map[k] == static_cast<int>(k);
    }
    std::vector<std::string>& operator()(std::vector<std::string>& fields) {
        if (same_) return fields;
        ordered_.clear();
        for (int c : map_) ordered_.push_back(fields[c]);
        return ordered_;
    }

   private:
    const std::vector<int>& map_;
    bool same_ = true;
    std::vector<std::string> ordered_;
};

/// Streams a shard's records into `data` (columns reordered by `map` when needed, labels mapped).
void read_rows(records::Reader& reader, const std::vector<int>& map, int label,
               records::LabelMapper& labels, Dataset& data) {
    const std::uint32_t file_index = data.add_file(reader.name());
    Reorder reorder(map);
    // Parsed and checked (width, UTF-8) on a second thread while this one stores the rows.
    records::ReadAhead records(reader);
    std::size_t line = 0;
    while (std::vector<std::string>* fields = records.next(line)) {
        std::vector<std::string>& row = reorder(*fields);
        if (labels.active()) labels.map(row[label], reader.name(), line);
        data.add_row(row, file_index, line);
    }
}

/// Reads a shard split in two (records::CsvSplit): this thread parses and stores the first
/// part, a second thread the rest, whose rows are appended once both are done. The first
/// part's error wins (it comes first in the file); the second thread then stops early.
void read_split(records::Reader& reader, records::CsvSplit& split, const std::vector<int>& map,
                Dataset& data) {
    const std::uint32_t file_index = data.add_file(reader.name());
    Dataset::Rows rest = data.new_rows();
    // Each part's fields take at most about its bytes: the first part ends at the first record
    // boundary at or after the middle, the second part runs from there to the end.
    data.expect(split.middle());
    rest.store.expect(split.size() - split.middle());
    std::exception_ptr rest_error;
    std::atomic<bool> stop{false};
    std::thread second([&] {
        try {
            std::unique_ptr<records::Reader> part = split.second();
            if (part == nullptr) return;
            Reorder reorder(map);
            std::vector<std::string> fields;
            while (!stop.load(std::memory_order_relaxed) && part->next(fields)) {
                rest.store.add(reorder(fields));
                huge_pages::make_room(rest.lines, 1);
                rest.lines.push_back(part->line());
            }
        } catch (...) {
            rest_error = std::current_exception();
        }
    });
    try {
        Reorder reorder(map);
        std::vector<std::string> fields;
        while (reader.next(fields)) data.add_row(reorder(fields), file_index, reader.line());
    } catch (...) {
        stop = true;
        second.join();
        throw;
    }
    second.join();
    if (rest_error) std::rethrow_exception(rest_error);
    data.add_rows(std::move(rest), file_index);
}

}  // namespace

Dataset load(const std::vector<std::string>& paths, const records::Mapping& mapping, int threads) {
    if (paths.empty()) throw UsageError("--in is required");
    if (std::count(paths.begin(), paths.end(), std::string("-")) > 1)
        throw UsageError("--in -: stdin can be read only once");
    // Streamed record by record into the compact row store (a whole csv::Table would hold every
    // field as its own string next to the store).
    std::optional<Dataset> data;
    records::LabelMapper labels(mapping);
    for (const auto& path : paths) {
        auto reader = records::Reader::open({path, mapping.format, mapping.columns});
        std::vector<std::string> header = read_header(*reader, mapping);
        if (!data) data.emplace(header, mapping.text_column, mapping.label_column);
        const auto map =
            column_map(data->header, paths.front(), header, reader->name(), reader->line());
        std::unique_ptr<records::CsvSplit> split;
        if (threads >= 2 && !labels.active()) split = records::CsvSplit::make(*reader);
        if (split != nullptr)
            read_split(*reader, *split, map, *data);
        else
            read_rows(*reader, map, data->label, labels, *data);
    }
    labels.check();
    return std::move(*data);
}

}  // namespace synthmod::dataset
