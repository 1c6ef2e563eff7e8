#include "stats/reference.h"

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "common/errors.h"
#include "common/records.h"
#include "common/text.h"
#include "stats/minhash.h"

namespace synthmod::reference {

namespace {

/// Distinct non-empty texts, named by their first row, and the rows that hold each (CSR).
struct Distinct {
    std::vector<std::string_view> texts;
    std::vector<std::uint32_t> start;    ///< per text: its first entry in `members` (+1 sentinel)
    std::vector<std::uint32_t> members;  ///< rows, grouped by text, ascending within a text
};

/// Groups equal texts with the dedup's xxh3-128 grouping (dedup::first_equal, in parallel).
Distinct distinct(const std::vector<std::string_view>& texts, int threads) {
    const std::vector<std::uint32_t> first = dedup::first_equal(texts, threads);
    Distinct d;
    std::vector<std::uint32_t> id(texts.size(), UINT32_MAX);  // per first row: its text
    for (std::size_t i = 0; i < texts.size(); ++i)
        if (first[i] == i && !texts[i].empty()) {
            id[i] = static_cast<std::uint32_t>(d.texts.size());
            d.texts.push_back(texts[i]);
        }
    d.start.assign(d.texts.size() + 1, 0);
    for (std::size_t i = 0; i < texts.size(); ++i)
        if (id[first[i]] != UINT32_MAX) ++d.start[id[first[i]] + 1];
    for (std::size_t t = 0; t < d.texts.size(); ++t) d.start[t + 1] += d.start[t];
    d.members.resize(d.start.back());
    std::vector<std::uint32_t> fill(d.start.begin(), d.start.end() - 1);
    for (std::size_t i = 0; i < texts.size(); ++i)
        if (id[first[i]] != UINT32_MAX)
            d.members[fill[id[first[i]]]++] = static_cast<std::uint32_t>(i);
    return d;
}

/// The LSH both sides are hashed with: the design of the dataset's own near-duplicate search
/// (minhash::recall_design for the same threshold, num_perm, max_miss and rounds).
struct Lsh {
    const dedup::NearDupOptions& o;
    minhash::Banding banding;
    int rounds = 1;
    std::size_t tables = 0;  ///< rounds x bands
};

/// Texts per block of the dataset side: its band keys take tables x 4 bytes each (10 MB for 39
/// tables) and a table's entries 512 KB (sorted in cache), so memory stays bounded whatever the
/// dataset's size.
constexpr std::size_t kBlock = std::size_t{1} << 16;
/// A bucket entry keeps the high 32 bits of a 64-bit band key (a collision only adds a
/// candidate, which verification removes).
constexpr std::uint64_t kKeyBits = 0xffffffff00000000ULL;

/// keys[table][t - begin] = the high 32 bits of text t's band key in that table, for the texts
/// [begin, end) (minhash::TextBandKeys, as the dedup hashes its texts).
void band_keys(const std::vector<std::string_view>& texts, std::size_t begin, std::size_t end,
               const Lsh& lsh, std::vector<std::vector<std::uint32_t>>& keys) {
    keys.resize(lsh.tables);
    for (auto& k : keys) k.resize(end - begin);
    const std::size_t chunk = 4096;
    const std::size_t tasks = (end - begin + chunk - 1) / chunk;
    dedup::parallel_tasks(tasks, std::max(1, lsh.o.threads), [&](std::size_t task, int) {
        minhash::TextBandKeys text_keys(lsh.o.shingle, lsh.o.ngram, lsh.o.num_perm, lsh.o.seed,
                                        lsh.banding, lsh.rounds);
        const std::size_t from = begin + task * chunk, to = std::min(end, from + chunk);
        for (std::size_t t = from; t < to; ++t) {
            const std::vector<std::uint64_t>& key = text_keys.of(texts[t]);
            for (std::size_t table = 0; table < lsh.tables; ++table)
                keys[table][t - begin] = static_cast<std::uint32_t>(key[table] >> 32);
        }
    });
}

/// The reference side: per table, (key << 32 | reference text) sorted.
std::vector<std::vector<std::uint64_t>> reference_tables(const Distinct& refs, const Lsh& lsh) {
    std::vector<std::vector<std::uint32_t>> keys;
    band_keys(refs.texts, 0, refs.texts.size(), lsh, keys);
    std::vector<std::vector<std::uint64_t>> tables(lsh.tables);
    dedup::parallel_tasks(lsh.tables, std::max(1, lsh.o.threads), [&](std::size_t table, int) {
        auto& entries = tables[table];
        entries.resize(refs.texts.size());
        for (std::size_t t = 0; t < entries.size(); ++t)
            entries[t] = static_cast<std::uint64_t>(keys[table][t]) << 32 | t;
        std::vector<std::uint32_t>().swap(keys[table]);
        minhash::radix_sort_high32(entries);  // built in text order: texts ascend within a key
    });
    return tables;
}

/// Candidates of one table: the block's entries (key << 32 | dataset text), sorted by key, are
/// merged with the reference table; equal keys give every (text << 32 | reference text).
void merge_table(const std::vector<std::uint64_t>& block, const std::vector<std::uint64_t>& refs,
                 std::vector<std::uint64_t>& out) {
    std::size_t i = 0, j = 0;
    while (i < block.size() && j < refs.size()) {
        const std::uint64_t a = block[i] & kKeyBits, b = refs[j] & kKeyBits;
        if (a < b) {
            ++i;
        } else if (b < a) {
            ++j;
        } else {
            std::size_t ie = i, je = j;
            while (ie < block.size() && (block[ie] & kKeyBits) == a) ++ie;
            while (je < refs.size() && (refs[je] & kKeyBits) == a) ++je;
            for (std::size_t x = i; x < ie; ++x)
                for (std::size_t y = j; y < je; ++y)
                    out.push_back(block[x] << 32 | (refs[y] & 0xffffffffULL));
            i = ie;
            j = je;
        }
    }
}

/// Per-worker buffers of the dataset side, reused by every block.
struct Workspace {
    explicit Workspace(int threads) : found(threads), entries(threads), buffer(threads) {}
    std::vector<std::vector<std::uint64_t>> found, entries, buffer;
    std::vector<std::vector<std::uint32_t>> keys;  ///< the block's band keys, per table
    /// Every distinct dataset text's band keys, per table, when the dedup kept them (then
    /// `keys` stays empty).
    std::vector<std::vector<std::uint32_t>> kept;
};

/// Every distinct (dataset text << 32 | reference text) pair of the texts [begin, end) that
/// shares a bucket in some table, sorted: the block's tables merged in parallel.
std::vector<std::uint64_t> block_candidates(const Distinct& data, std::size_t begin,
                                            std::size_t end,
                                            const std::vector<std::vector<std::uint64_t>>& tables,
                                            const Lsh& lsh, Workspace& ws) {
    const bool kept = !ws.kept.empty();
    if (!kept) band_keys(data.texts, begin, end, lsh, ws.keys);
    const auto& keys = kept ? ws.kept : ws.keys;
    const std::size_t first = kept ? begin : 0;  // the block's first text in `keys`
    dedup::parallel_tasks(
        lsh.tables, static_cast<int>(ws.found.size()), [&](std::size_t table, int worker) {
            auto& e = ws.entries[worker];
            e.resize(end - begin);
            for (std::size_t k = 0; k < e.size(); ++k)
                e[k] = static_cast<std::uint64_t>(keys[table][first + k]) << 32 | (begin + k);
            minhash::radix_sort_high32(e, ws.buffer[worker]);
            merge_table(e, tables[table], ws.found[worker]);
        });
    std::vector<std::uint64_t> all;
    for (auto& f : ws.found) {
        all.insert(all.end(), f.begin(), f.end());
        f.clear();
    }
    minhash::radix_sort(all);
    all.erase(std::unique(all.begin(), all.end()), all.end());
    return all;
}

struct TextPair {
    std::uint32_t text = 0;  ///< distinct dataset text
    std::uint32_t ref = 0;   ///< distinct reference text
    double jaccard = 0;
};

/// The candidates whose exact shingle-set Jaccard reaches the threshold. Candidates are sorted
/// by dataset text: its set is built once per run, each reference text's on the fly (no set is
/// kept: they would be most of the memory).
std::vector<TextPair> verify(const std::vector<std::uint64_t>& candidates, const Distinct& data,
                             const Distinct& refs, const dedup::NearDupOptions& o) {
    const int threads = std::max(1, o.threads);
    std::vector<std::vector<TextPair>> verified(threads);
    const std::size_t chunk = 4096;
    const std::size_t tasks = (candidates.size() + chunk - 1) / chunk;
    dedup::parallel_tasks(tasks, threads, [&](std::size_t task, int worker) {
        std::vector<std::uint64_t> shingles;
        minhash::ShingleTable a;
        std::uint32_t current = UINT32_MAX;
        const std::size_t end = std::min(candidates.size(), (task + 1) * chunk);
        for (std::size_t c = task * chunk; c < end; ++c) {
            const auto t = static_cast<std::uint32_t>(candidates[c] >> 32);
            const auto ref = static_cast<std::uint32_t>(candidates[c] & 0xffffffffULL);
            if (t != current) {
                minhash::shingle_hashes_unsorted(data.texts[t], o.shingle, o.ngram, shingles);
                a.assign(shingles);
                current = t;
            }
            minhash::shingle_hashes_unsorted(refs.texts[ref], o.shingle, o.ngram, shingles);
            const auto [common, size_b] = a.compare(shingles);
            const std::size_t uni = a.size() + size_b - common;
            const double j = static_cast<double>(common) / static_cast<double>(uni);
            if (j >= o.threshold) verified[worker].push_back({t, ref, j});
        }
    });
    std::vector<TextPair> out;
    for (auto& v : verified) out.insert(out.end(), v.begin(), v.end());
    return out;
}

/// Distinct texts back to rows: the pairs (sorted by row, then reference row) and the counts.
void expand(const std::vector<TextPair>& found, const Distinct& data, const Distinct& refs,
            Result& result) {
    for (const auto& p : found) {
        const bool equal = data.texts[p.text] == refs.texts[p.ref];
        for (std::uint32_t m = data.start[p.text]; m < data.start[p.text + 1]; ++m) {
            const std::uint32_t row = data.members[m];
            if (!result.contaminated[row]) {
                result.contaminated[row] = 1;
                ++result.contaminated_rows;
            }
            if (equal) ++result.exact_rows;
            for (std::uint32_t r = refs.start[p.ref]; r < refs.start[p.ref + 1]; ++r)
                result.pairs.push_back({row, refs.members[r], p.jaccard});
        }
    }
    std::sort(result.pairs.begin(), result.pairs.end(), [](const Pair& a, const Pair& b) {
        return a.row != b.row ? a.row < b.row : a.ref < b.ref;
    });
}

}  // namespace

Result find_contamination(const std::vector<std::string_view>& rows,
                          const std::vector<std::string_view>& references,
                          const dedup::NearDupOptions& o,
                          std::vector<std::vector<std::uint32_t>> dataset_keys) {
    Result result;
    result.contaminated.assign(rows.size(), 0);
    const int threads = std::max(1, o.threads);
    const Distinct refs = distinct(references, threads);
    if (refs.texts.empty()) return result;
    const Distinct data = distinct(rows, threads);
    if (data.texts.empty()) return result;
    const minhash::LshDesign design =
        minhash::recall_design(o.threshold, o.num_perm, o.max_miss, std::max(0, o.rounds));
    const Lsh lsh{o, design.banding, design.rounds,
                  static_cast<std::size_t>(design.rounds) * design.banding.bands};
    const auto tables = reference_tables(refs, lsh);
    // Block by block (candidates of different blocks are different pairs): memory stays
    // bounded by one block's keys and candidates, not the whole dataset's.
    Workspace ws(threads);
    if (!dataset_keys.empty()) {
        // The dedup's distinct texts are these (first_equal of the same rows, non-empty, in
        // the order of their first row), hashed with the same design: a mismatch is a bug.
        const bool same = dataset_keys.size() == lsh.tables &&
                          std::all_of(dataset_keys.begin(), dataset_keys.end(),
                                      [&](const auto& k) { return k.size() == data.texts.size(); });
        if (!same) throw std::logic_error("reference: the dedup's band keys do not fit the rows");
        ws.kept = std::move(dataset_keys);
    }
    std::vector<TextPair> found;
    for (std::size_t begin = 0; begin < data.texts.size(); begin += kBlock) {
        const std::size_t end = std::min(data.texts.size(), begin + kBlock);
        const auto candidates = block_candidates(data, begin, end, tables, lsh, ws);
        result.candidates += candidates.size();
        const auto verified = verify(candidates, data, refs, o);
        found.insert(found.end(), verified.begin(), verified.end());
    }
    expand(found, data, refs, result);
    return result;
}

ReferenceSet load_references(const std::vector<std::string>& paths,
                             const std::string& text_column) {
    ReferenceSet set;
    for (const auto& path : paths) {
        auto reader = records::Reader::open(records::Source(path));
        const auto& header = reader->header();
        auto find = [&](const std::string& name) {
            const auto it = std::find(header.begin(), header.end(), name);
            return it == header.end() ? -1 : static_cast<int>(it - header.begin());
        };
        int column = text_column.empty() ? find("content") : find(text_column);
        if (column < 0 && text_column.empty()) column = find("text");
        if (column < 0) {
            // "content" or "text" by default; the message lists what the file has.
            std::string what = records::missing_column_message(
                {text_column.empty() ? "content" : text_column, "--reference-text-column"}, header);
            if (text_column.empty()) what.insert(what.find('"', 16) + 1, " or \"text\"");
            throw InputError(reader->name(), reader->line() == 0 ? 1 : reader->line(),
                             "a --reference file: " + what);
        }
        const auto file = static_cast<std::uint32_t>(set.files.size());
        set.files.push_back(path);
        std::vector<std::string> fields;
        for (std::uint32_t r = 0; reader->next(fields); ++r) {
            set.normalized.push_back(text::normalize(fields[static_cast<std::size_t>(column)]));
            set.raw.push_back(std::move(fields[static_cast<std::size_t>(column)]));
            set.file.push_back(file);
            set.index.push_back(r);
            fields.clear();
        }
    }
    return set;
}

}  // namespace synthmod::reference
