#include "stats/reference.h"

#include <algorithm>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/csv.h"
#include "common/errors.h"
#include "common/text.h"
#include "stats/minhash.h"

namespace synthmod::reference {

namespace {

/// Distinct non-empty texts and, per distinct text, the rows that hold it.
struct Distinct {
    std::vector<std::string_view> texts;
    std::vector<std::vector<std::uint32_t>> rows;
};

Distinct distinct(const std::vector<std::string_view>& texts) {
    Distinct d;
    std::unordered_map<std::string_view, std::uint32_t> index;
    index.reserve(texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
        if (texts[i].empty()) continue;
        auto [it, fresh] = index.emplace(texts[i], static_cast<std::uint32_t>(d.texts.size()));
        if (fresh) {
            d.texts.push_back(texts[i]);
            d.rows.emplace_back();
        }
        d.rows[it->second].push_back(static_cast<std::uint32_t>(i));
    }
    return d;
}

struct TextPair {
    std::uint32_t text = 0;  ///< distinct dataset text
    std::uint32_t ref = 0;   ///< distinct reference text
    double jaccard = 0;
};

}  // namespace

Result find_contamination(const std::vector<std::string_view>& rows,
                          const std::vector<std::string_view>& references,
                          const dedup::NearDupOptions& o) {
    Result result;
    result.contaminated.assign(rows.size(), 0);
    const Distinct refs = distinct(references);
    const Distinct data = distinct(rows);
    if (refs.texts.empty() || data.texts.empty()) return result;
    // The same LSH design as the dataset's own near-duplicate search (chosen for max_miss).
    const minhash::LshDesign design =
        minhash::recall_design(o.threshold, o.num_perm, o.max_miss, std::max(0, o.rounds));
    const minhash::Banding banding = design.banding;
    const int rounds = design.rounds;
    const std::size_t tables = static_cast<std::size_t>(rounds) * banding.bands;
    const std::size_t sig_size = static_cast<std::size_t>(rounds) * o.num_perm;
    const int threads = std::max(1, o.threads);

    // Reference side: one bucket table per (round, band) of (band key << 32 | text) values,
    // sorted. The shingle sets are not kept (they would be most of the memory): candidates are
    // few, and a candidate's set is rebuilt to verify it.
    std::vector<std::vector<std::uint64_t>> buckets(tables,
                                                    std::vector<std::uint64_t>(refs.texts.size()));
    // Band keys are 64-bit; a bucket keeps the high 32 bits (collisions only add candidates,
    // which verification removes).
    dedup::parallel_for(refs.texts.size(), threads, [&](std::size_t begin, std::size_t end) {
        std::vector<std::uint32_t> sig(sig_size);
        std::vector<std::uint64_t> sh;
        for (std::size_t t = begin; t < end; ++t) {
            minhash::shingle_hashes_unsorted(refs.texts[t], o.shingle, o.ngram, sh);
            minhash::signatures(sh.data(), sh.size(), o.num_perm, o.seed, rounds, sig.data());
            for (int r = 0; r < rounds; ++r)
                for (int b = 0; b < banding.bands; ++b) {
                    const std::uint64_t key = minhash::band_key(
                        sig.data() + static_cast<std::size_t>(r) * o.num_perm, banding, b);
                    buckets[static_cast<std::size_t>(r) * banding.bands + b][t] =
                        (key & 0xffffffff00000000ULL) | t;
                }
        }
    });
    // A directory per table: the first entry whose key starts with each 16-bit prefix, so a
    // probe is a short scan instead of a binary search over every reference text.
    constexpr std::size_t kPrefixes = std::size_t{1} << 16;
    std::vector<std::uint32_t> directory(tables * (kPrefixes + 1));
    dedup::parallel_tasks(tables, threads, [&](std::size_t table, int) {
        auto& b = buckets[table];
        std::sort(b.begin(), b.end());
        std::uint32_t* dir = directory.data() + table * (kPrefixes + 1);
        std::size_t at = 0;
        for (std::size_t prefix = 0; prefix <= kPrefixes; ++prefix) {
            while (at < b.size() && (b[at] >> 48) < prefix) ++at;
            dir[prefix] = static_cast<std::uint32_t>(at);
        }
    });

    // Dataset side: probe every table, verify each distinct candidate exactly.
    std::vector<TextPair> found;
    std::mutex found_lock;
    std::size_t candidates = 0;
    const std::size_t chunk = 512;
    const std::size_t tasks = (data.texts.size() + chunk - 1) / chunk;
    dedup::parallel_tasks(tasks, threads, [&](std::size_t task, int) {
        std::vector<std::uint64_t> sh, unsorted, rs;
        std::vector<std::uint32_t> sig(sig_size);
        std::vector<std::uint64_t> keys;  // per text of the chunk, its band keys (table order)
        std::vector<std::uint64_t> cand;  // (text in chunk << 32 | reference text)
        std::vector<TextPair> local;
        const std::size_t begin = task * chunk;
        const std::size_t end = std::min(data.texts.size(), begin + chunk);
        keys.resize((end - begin) * tables);
        for (std::size_t t = begin; t < end; ++t) {
            // Signatures from the shingles in text order (a minimum needs no sort).
            minhash::shingle_hashes_unsorted(data.texts[t], o.shingle, o.ngram, unsorted);
            minhash::signatures(unsorted.data(), unsorted.size(), o.num_perm, o.seed, rounds,
                                sig.data());
            for (int r = 0; r < rounds; ++r)
                for (int b = 0; b < banding.bands; ++b)
                    keys[(t - begin) * tables + static_cast<std::size_t>(r) * banding.bands + b] =
                        minhash::band_key(sig.data() + static_cast<std::size_t>(r) * o.num_perm,
                                          banding, b) &
                        0xffffffff00000000ULL;
        }
        // Table by table, so one table's directory and entries stay in cache for the chunk.
        cand.clear();
        for (std::size_t index = 0; index < tables; ++index) {
            const auto& table = buckets[index];
            const std::uint32_t* dir = directory.data() + index * (kPrefixes + 1);
            for (std::size_t k = 0; k < end - begin; ++k) {
                const std::uint64_t key = keys[k * tables + index];
                const std::size_t prefix = key >> 48;
                for (std::size_t at = dir[prefix]; at < dir[prefix + 1]; ++at)
                    if ((table[at] & 0xffffffff00000000ULL) == key)
                        cand.push_back(static_cast<std::uint64_t>(k) << 32 |
                                       (table[at] & 0xffffffffULL));
            }
        }
        std::sort(cand.begin(), cand.end());
        cand.erase(std::unique(cand.begin(), cand.end()), cand.end());
        const std::size_t local_candidates = cand.size();
        std::size_t shingled = SIZE_MAX;  // the text whose sorted set is in `sh`
        for (std::uint64_t c : cand) {
            const std::size_t t = begin + (c >> 32);
            const auto ref = static_cast<std::uint32_t>(c & 0xffffffffULL);
            if (shingled != t) {
                minhash::shingle_hashes(data.texts[t], o.shingle, o.ngram, sh);
                shingled = t;
            }
            minhash::shingle_hashes(refs.texts[ref], o.shingle, o.ngram, rs);
            const std::size_t common = minhash::intersection_size(sh, rs);
            const std::size_t uni = sh.size() + rs.size() - common;
            const double j = static_cast<double>(common) / static_cast<double>(uni);
            if (j >= o.threshold) local.push_back({static_cast<std::uint32_t>(t), ref, j});
        }
        std::lock_guard<std::mutex> lock(found_lock);
        found.insert(found.end(), local.begin(), local.end());
        candidates += local_candidates;
    });
    result.candidates = candidates;

    // Expand distinct texts back to rows.
    for (const auto& p : found) {
        const bool equal = data.texts[p.text] == refs.texts[p.ref];
        for (std::uint32_t row : data.rows[p.text]) {
            if (!result.contaminated[row]) {
                result.contaminated[row] = 1;
                ++result.contaminated_rows;
            }
            if (equal) ++result.exact_rows;
            for (std::uint32_t ref : refs.rows[p.ref])
                result.pairs.push_back({row, ref, p.jaccard});
        }
    }
    std::sort(result.pairs.begin(), result.pairs.end(), [](const Pair& a, const Pair& b) {
        return a.row != b.row ? a.row < b.row : a.ref < b.ref;
    });
    return result;
}

ReferenceSet load_references(const std::vector<std::string>& paths) {
    ReferenceSet set;
    for (const auto& path : paths) {
        csv::Table t = csv::read_table(path);
        int column = t.column("content");
        if (column < 0) column = t.column("text");
        if (column < 0)
            throw InputError(t.name, 1,
                             "a --reference file needs a \"content\" or \"text\" column");
        const auto file = static_cast<std::uint32_t>(set.files.size());
        set.files.push_back(path);
        for (std::size_t r = 0; r < t.rows.size(); ++r) {
            set.normalized.push_back(text::normalize(t.rows[r][column]));
            set.raw.push_back(std::move(t.rows[r][column]));
            set.file.push_back(file);
            set.index.push_back(static_cast<std::uint32_t>(r));
        }
    }
    return set;
}

}  // namespace synthmod::reference
