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
    const minhash::Banding banding = minhash::optimal_banding(o.threshold, o.num_perm);
    const std::size_t tables = static_cast<std::size_t>(o.rounds) * banding.bands;
    const std::size_t sig_size = static_cast<std::size_t>(o.rounds) * o.num_perm;
    const int threads = std::max(1, o.threads);

    // Reference side: sorted shingle sets (for verification) and one bucket table per
    // (round, band) of (band key << 32 | text) values, sorted.
    std::vector<std::vector<std::uint64_t>> ref_shingles(refs.texts.size());
    std::vector<std::vector<std::uint64_t>> buckets(tables,
                                                    std::vector<std::uint64_t>(refs.texts.size()));
    // Band keys are 64-bit; a bucket keeps the high 32 bits (collisions only add candidates,
    // which verification removes).
    dedup::parallel_for(refs.texts.size(), threads, [&](std::size_t begin, std::size_t end) {
        std::vector<std::uint32_t> sig(sig_size);
        for (std::size_t t = begin; t < end; ++t) {
            auto& sh = ref_shingles[t];
            minhash::shingle_hashes(refs.texts[t], o.shingle, o.ngram, sh);
            minhash::signatures(sh.data(), sh.size(), o.num_perm, o.seed, o.rounds, sig.data());
            for (int r = 0; r < o.rounds; ++r)
                for (int b = 0; b < banding.bands; ++b) {
                    const std::uint64_t key = minhash::band_key(
                        sig.data() + static_cast<std::size_t>(r) * o.num_perm, banding, b);
                    buckets[static_cast<std::size_t>(r) * banding.bands + b][t] =
                        (key & 0xffffffff00000000ULL) | t;
                }
        }
    });
    dedup::parallel_tasks(tables, threads, [&](std::size_t table, int) {
        std::sort(buckets[table].begin(), buckets[table].end());
    });

    // Dataset side: probe every table, verify each distinct candidate exactly.
    std::vector<TextPair> found;
    std::mutex found_lock;
    std::size_t candidates = 0;
    const std::size_t chunk = 512;
    const std::size_t tasks = (data.texts.size() + chunk - 1) / chunk;
    dedup::parallel_tasks(tasks, threads, [&](std::size_t task, int) {
        std::vector<std::uint64_t> sh;
        std::vector<std::uint32_t> sig(sig_size);
        std::vector<std::uint32_t> cand;
        std::vector<TextPair> local;
        std::size_t local_candidates = 0;
        const std::size_t end = std::min(data.texts.size(), (task + 1) * chunk);
        for (std::size_t t = task * chunk; t < end; ++t) {
            minhash::shingle_hashes(data.texts[t], o.shingle, o.ngram, sh);
            minhash::signatures(sh.data(), sh.size(), o.num_perm, o.seed, o.rounds, sig.data());
            cand.clear();
            for (int r = 0; r < o.rounds; ++r)
                for (int b = 0; b < banding.bands; ++b) {
                    const std::uint64_t key =
                        minhash::band_key(sig.data() + static_cast<std::size_t>(r) * o.num_perm,
                                          banding, b) &
                        0xffffffff00000000ULL;
                    const auto& table = buckets[static_cast<std::size_t>(r) * banding.bands + b];
                    for (auto it = std::lower_bound(table.begin(), table.end(), key);
                         it != table.end() && (*it & 0xffffffff00000000ULL) == key; ++it)
                        cand.push_back(static_cast<std::uint32_t>(*it & 0xffffffffULL));
                }
            std::sort(cand.begin(), cand.end());
            cand.erase(std::unique(cand.begin(), cand.end()), cand.end());
            local_candidates += cand.size();
            for (std::uint32_t ref : cand) {
                const auto& rs = ref_shingles[ref];
                const std::size_t common = minhash::intersection_size(sh, rs);
                const std::size_t uni = sh.size() + rs.size() - common;
                const double j = static_cast<double>(common) / static_cast<double>(uni);
                if (j >= o.threshold) local.push_back({static_cast<std::uint32_t>(t), ref, j});
            }
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
