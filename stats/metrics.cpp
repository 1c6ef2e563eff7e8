#include "stats/metrics.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "common/errors.h"
#include "common/text.h"
#include "stats/minhash.h"
#include "stats/patch.h"

namespace synthmod::metrics {

// ---- statistics building blocks ----

Interval wilson(std::size_t successes, std::size_t n, double z) {
    if (n == 0) return {0, 0};
    const double nn = static_cast<double>(n);
    const double p = static_cast<double>(successes) / nn;
    const double z2 = z * z;
    const double center = (p + z2 / (2 * nn)) / (1 + z2 / nn);
    const double half = z / (1 + z2 / nn) * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
    return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

double gamma_q(double a, double x) {
    if (x <= 0) return 1.0;
    if (a <= 0) return 0.0;
    const double log_prefix = a * std::log(x) - x - std::lgamma(a);
    const double eps = 1e-15;
    if (x < a + 1) {
        // P(a, x) by its series; Q = 1 - P.
        double term = 1.0 / a, sum = term, ap = a;
        for (int n = 0; n < 10000; ++n) {
            ap += 1;
            term *= x / ap;
            sum += term;
            if (std::abs(term) < std::abs(sum) * eps) break;
        }
        return std::max(0.0, 1.0 - sum * std::exp(log_prefix));
    }
    // Q(a, x) by its continued fraction (modified Lentz).
    const double tiny = 1e-300;
    double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
    for (int i = 1; i < 10000; ++i) {
        double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (std::abs(d) < tiny) d = tiny;
        c = b + an / c;
        if (std::abs(c) < tiny) c = tiny;
        d = 1 / d;
        double delta = d * c;
        h *= delta;
        if (std::abs(delta - 1) < eps) break;
    }
    return std::exp(log_prefix) * h;
}

double chi_square_sf(double x, double df) {
    if (df <= 0) return 1.0;
    return gamma_q(df / 2, x / 2);
}

ChiSquare chi_square_gof(const std::vector<double>& observed, const std::vector<double>& weights) {
    ChiSquare out;
    double total = 0, weight_sum = 0;
    for (double o : observed) total += o;
    for (double w : weights) weight_sum += w;
    if (observed.size() < 2 || total <= 0 || weight_sum <= 0) return out;
    for (std::size_t k = 0; k < observed.size(); ++k) {
        double expected = total * weights[k] / weight_sum;
        if (expected <= 0) {
            if (observed[k] > 0) out.statistic = std::numeric_limits<double>::infinity();
            continue;
        }
        double diff = observed[k] - expected;
        out.statistic += diff * diff / expected;
    }
    out.df = static_cast<int>(observed.size()) - 1;
    out.p = std::isinf(out.statistic) ? 0.0 : chi_square_sf(out.statistic, out.df);
    return out;
}

double cohen_kappa(const Eigen::MatrixXd& confusion) {
    const double n = confusion.sum();
    if (n <= 0) return 0.0;
    const double observed = confusion.trace() / n;
    const double expected =
        confusion.rowwise().sum().dot(confusion.colwise().sum().transpose()) / (n * n);
    if (expected >= 1.0) return observed >= 1.0 ? 1.0 : 0.0;
    return (observed - expected) / (1 - expected);
}

double normalized_entropy(const std::vector<double>& counts) {
    double total = 0;
    std::size_t k = 0;
    for (double c : counts) {
        total += c;
        k += c > 0 ? 1 : 0;
    }
    if (counts.size() <= 1 || total <= 0) return 1.0;
    double h = 0;
    for (double c : counts)
        if (c > 0) h -= (c / total) * std::log(c / total);
    return h / std::log(static_cast<double>(counts.size()));
}

double percentile(std::vector<double> values, double q) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    double pos = q * static_cast<double>(values.size() - 1);
    std::size_t lo = static_cast<std::size_t>(std::floor(pos));
    std::size_t hi = std::min(values.size() - 1, lo + 1);
    return values[lo] + (values[hi] - values[lo]) * (pos - static_cast<double>(lo));
}

// ---- the dataset ----

void RowStore::add(const std::vector<std::string>& fields) {
    for (std::size_t c = 0; c < columns_; ++c) {
        const std::string empty;
        const std::string& f = c < fields.size() ? fields[c] : empty;
        auto& blocks = c == separate_ ? separate_blocks_ : blocks_;
        if (blocks.empty() || blocks.back().size() + f.size() > blocks.back().capacity()) {
            blocks.emplace_back();
            blocks.back().reserve(std::max(kBlock, f.size()));
        }
        auto& b = blocks.back();
        refs_.push_back({static_cast<std::uint32_t>(blocks.size() - 1),
                         static_cast<std::uint32_t>(b.size()),
                         static_cast<std::uint32_t>(f.size())});
        b.insert(b.end(), f.begin(), f.end());
    }
}

void Dataset::add_row(const std::vector<std::string>& row, std::uint32_t file_index,
                      std::size_t line_number) {
    if (rows_.columns() == 0) {
        auto it = std::find(header.begin(), header.end(), "content");
        rows_.set_columns(header.size(), static_cast<std::size_t>(it - header.begin()));
        if (it != header.end()) content = static_cast<int>(it - header.begin());
    }
    if (packed_) throw std::logic_error("Dataset::add_row after prepare");
    rows_.add(row);
    file.push_back(file_index);
    line.push_back(line_number);
}

std::string_view Dataset::field(std::size_t i, int column) const {
    if (packed_ && column == content)
        throw std::logic_error("Dataset::field: the content is read through text()");
    return rows_.at(i, static_cast<std::size_t>(column));
}

std::string_view Dataset::text(std::size_t i, std::string& buffer) const {
    if (content < 0) throw std::logic_error("Dataset::text: no content column");
    if (!packed_) return rows_.at(i, static_cast<std::size_t>(content));
    patch::decode(raw_edits[i], normalized[i], buffer);
    return buffer;
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

int find_column(const std::vector<std::string>& header, std::initializer_list<const char*> names) {
    for (const char* name : names)
        for (std::size_t i = 0; i < header.size(); ++i)
            if (header[i] == name) return static_cast<int>(i);
    return -1;
}

}  // namespace

namespace {

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
        words +=
            static_cast<std::size_t>(__builtin_popcount(~m & ((m << 1) | after_space) & 0xffffu));
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

}  // namespace

void prepare(Dataset& data, int threads) {
    const auto& h = data.header;
    data.content = find_column(h, {"content"});
    data.label = find_column(h, {"label"});
    data.judge_label = find_column(h, {"judge_label"});
    data.label_correct = find_column(h, {"label_correct"});
    data.realism = find_column(h, {"realism"});
    data.issues = find_column(h, {"issues"});
    data.judge_status = find_column(h, {"judge_status"});
    data.persona = find_column(h, {"persona"});
    data.target_label = find_column(h, {"target_label"});
    data.status = find_column(h, {"status", "gen_status", "generator_status"});
    const std::size_t n = data.size();
    data.judge.assign(n, JudgeStatus::kNone);
    data.correct.assign(n, 0);
    data.realism_score.assign(n, 0);
    if (data.has_judge()) {
        for (std::size_t i = 0; i < n; ++i) {
            auto row = [&](int column) { return data.field(i, column); };
            if (data.judge_status >= 0) {
                std::string s = lower(text::trim(row(data.judge_status)));
                if (s == "ok")
                    data.judge[i] = JudgeStatus::kOk;
                else if (s == "refused")
                    data.judge[i] = JudgeStatus::kRefused;
                else if (s == "error" || s.empty())
                    data.judge[i] = JudgeStatus::kError;
                else if (s == "tie")
                    data.judge[i] = JudgeStatus::kTie;
                else
                    throw InputError(data.where(i) + ": judge_status '" + printable(s) +
                                     "' is not ok, tie, refused or error");
            } else {
                data.judge[i] = JudgeStatus::kOk;
            }
            if (data.label_correct >= 0) {
                std::string s = lower(text::trim(row(data.label_correct)));
                if (s == "true" || s == "1" || s == "yes")
                    data.correct[i] = 1;
                else if (s == "false" || s == "0" || s == "no" || s.empty())
                    data.correct[i] = 0;
                else
                    throw InputError(data.where(i) + ": label_correct '" + printable(s) +
                                     "' is not true or false");
            } else if (data.judge_label >= 0) {
                data.correct[i] = row(data.judge_label) == row(data.label);
            }
            if (data.realism >= 0) {
                std::string s = text::trim(row(data.realism));
                if (!s.empty()) {
                    char* end = nullptr;
                    double v = std::strtod(s.c_str(), &end);
                    if (*end != '\0' || !(v >= 1 && v <= 5))
                        throw InputError(data.where(i) + ": realism '" + printable(s) +
                                         "' is not a number from 1 to 5");
                    data.realism_score[i] = static_cast<int>(std::lround(v));
                }
            }
        }
    }
    // Each worker normalises a contiguous chunk into one buffer, keeps the raw text as edits
    // against it (stats/patch.h) and frees each block of raw text once all its rows are done, so
    // the two copies of the text never coexist whole. Views are taken once a buffer is full.
    if (data.packed_) return;  // a second call only finds the columns again
    data.normalized.assign(n, std::string_view());
    data.raw_edits.assign(n, std::string_view());
    data.words.assign(n, 0);
    if (data.content < 0) return;
    const auto content = static_cast<std::size_t>(data.content);
    const bool separate = data.rows_.separate_blocks() > 0;
    std::vector<std::atomic<std::size_t>> rows_in_block(data.rows_.separate_blocks());
    for (std::size_t i = 0; separate && i < n; ++i)
        ++rows_in_block[data.rows_.separate_block_of(i)];
    std::vector<dedup::Hash128> trimmed_hash(n);
    const int workers = n < 1024 ? 1 : std::max(1, threads);
    data.normalized_store.assign(workers, {});
    data.raw_edits_store.assign(workers, {});
    dedup::parallel_tasks(workers, workers, [&](std::size_t w, int) {
        const std::size_t begin = n * w / workers, end = n * (w + 1) / workers;
        auto& buf = data.normalized_store[w];
        auto& edits = data.raw_edits_store[w];
        // Normalising rarely lengthens a text (NFKC expansions): reserving the raw size avoids
        // the doubling reallocations that would briefly hold two copies of the buffer.
        std::size_t raw_bytes = 0;
        for (std::size_t i = begin; i < end; ++i) raw_bytes += data.rows_.at(i, content).size();
        buf.reserve(raw_bytes + 64);
        // Rows of the current raw block done by this worker; the block is freed by whichever
        // worker finishes its last rows.
        std::size_t current_block = SIZE_MAX, done_in_block = 0;
        auto done_with = [&](std::size_t block, std::size_t rows) {
            if (block != SIZE_MAX && rows_in_block[block].fetch_sub(rows) == rows)
                data.rows_.release_separate_block(block);
        };
        std::vector<std::size_t> ends, edit_ends;
        ends.reserve(end - begin);
        edit_ends.reserve(end - begin);
        for (std::size_t i = begin; i < end; ++i) {
            const std::string_view raw = data.rows_.at(i, content);
            data.words[i] = static_cast<std::uint32_t>(word_count(raw));
            std::string t = text::normalize(raw);
            buf.insert(buf.end(), t.begin(), t.end());
            ends.push_back(buf.size());
            const std::string trimmed = text::trim(raw);
            const XXH128_hash_t hash = XXH3_128bits(trimmed.data(), trimmed.size());
            trimmed_hash[i] = {hash.high64, hash.low64};
            patch::encode(raw, t, edits);
            edit_ends.push_back(edits.size());
            if (separate) {  // counted per block run: one atomic operation per block, not per row
                const std::size_t block = data.rows_.separate_block_of(i);
                if (block != current_block) {
                    done_with(current_block, done_in_block);
                    current_block = block;
                    done_in_block = 0;
                }
                ++done_in_block;
            }
        }
        done_with(current_block, done_in_block);
        std::size_t start = 0, edit_start = 0;
        for (std::size_t i = begin; i < end; ++i) {
            std::size_t stop = ends[i - begin], edit_stop = edit_ends[i - begin];
            data.normalized[i] = std::string_view(buf.data() + start, stop - start);
            data.raw_edits[i] = std::string_view(edits.data() + edit_start, edit_stop - edit_start);
            start = stop;
            edit_start = edit_stop;
        }
    });
    data.packed_ = true;
    data.raw_exact_dup_rows =
        dedup::duplicate_rows(dedup::first_equal(std::move(trimmed_hash), threads));
}

const char* reason_name(Reason r) {
    switch (r) {
        case Reason::kKeep:
            return "";
        case Reason::kEmpty:
            return "empty";
        case Reason::kExactDup:
            return "exact_dup";
        case Reason::kNearDup:
            return "near_dup";
        case Reason::kLabelConflict:
            return "label_conflict";
        case Reason::kJudgeDisagrees:
            return "judge_disagrees";
        case Reason::kLowRealism:
            return "low_realism";
        case Reason::kContaminated:
            return "contaminated";
    }
    return "";
}

double Metrics::refusal_rate() const {
    double r = generator_refusal_rate();
    if (judge_refusal_rate) r = std::max(r, *judge_refusal_rate);
    return r;
}

namespace {

/// Calls fn(hash) for every word n-gram (order 1 or 2) of a normalised text.
template <class Fn>
void for_each_gram(std::string_view s, int order, Fn&& fn) {
    std::size_t prev = std::string_view::npos, start = 0;
    while (start < s.size()) {
        std::size_t end = s.find(' ', start);
        if (end == std::string_view::npos) end = s.size();
        std::size_t from = order == 1 ? start : prev;
        if (from != std::string_view::npos) fn(XXH3_64bits(s.data() + from, end - from));
        prev = start;
        start = end + 1;
    }
}

/// Open-addressing set of 64-bit hashes (0 stands for "empty"; hash 0 is stored as 1).
class HashSet {
   public:
    void insert(std::uint64_t h) {
        if (h == 0) h = 1;
        if ((size_ + 1) * 2 > slots_.size()) grow();
        std::size_t mask = slots_.size() - 1;
        for (std::size_t i = h & mask;; i = (i + 1) & mask) {
            if (slots_[i] == h) return;
            if (slots_[i] == 0) {
                slots_[i] = h;
                ++size_;
                return;
            }
        }
    }
    std::size_t size() const { return size_; }
    const std::vector<std::uint64_t>& slots() const { return slots_; }

   private:
    void grow() {
        std::vector<std::uint64_t> old(std::max<std::size_t>(1024, slots_.size() * 2), 0);
        old.swap(slots_);
        size_ = 0;
        for (std::uint64_t h : old)
            if (h) insert(h);
    }
    std::vector<std::uint64_t> slots_;
    std::size_t size_ = 0;
};

/// Distinct and total word 1-grams and 2-grams of the normalised texts, from one walk over
/// the words. Unigrams: a vocabulary is small (thousands to a few million words), so a hash
/// set per thread, merged, counts them exactly up to 64-bit hash collisions. Bigrams: each is
/// a 64-bit xxh3 hash; the walk also counts them per 16-bit prefix, a second walk stores the
/// next 32 bits in their prefix's slice, and each slice is sorted: 48-bit fingerprints in 4
/// bytes each, so a million posts need ~150 MB instead of 600. Two distinct n-grams share a
/// fingerprint with probability ~ d^2 / 2^49 (expected < 3 at 37 million distinct bigrams).
struct GramCounts {
    std::size_t distinct_1 = 0, total_1 = 0, distinct_2 = 0, total_2 = 0;
};

template <class Row>
GramCounts distinct_grams(const Dataset& data, std::size_t n, Row row, int threads) {
    constexpr std::size_t kBuckets = std::size_t{1} << 16;
    const int workers = n < 4096 ? 1 : std::max(1, threads);
    std::vector<HashSet> sets(workers);
    std::vector<std::size_t> totals(workers, 0);
    std::vector<std::vector<std::size_t>> counts(workers, std::vector<std::size_t>(kBuckets, 0));
    auto range = [&](std::size_t w) {
        return std::make_pair(n * w / workers, n * (w + 1) / workers);
    };
    dedup::parallel_tasks(workers, workers, [&](std::size_t w, int) {
        auto [begin, end] = range(w);
        auto& c = counts[w];
        auto& set = sets[w];
        std::size_t words = 0;
        for (std::size_t k = begin; k < end; ++k) {
            std::string_view s = data.normalized[row(k)];
            std::size_t prev = std::string_view::npos, start = 0;
            while (start < s.size()) {
                std::size_t stop = s.find(' ', start);
                if (stop == std::string_view::npos) stop = s.size();
                set.insert(XXH3_64bits(s.data() + start, stop - start));
                ++words;
                if (prev != std::string_view::npos)
                    ++c[XXH3_64bits(s.data() + prev, stop - prev) >> 48];
                prev = start;
                start = stop + 1;
            }
        }
        totals[w] = words;
    });
    GramCounts out;
    for (int w = 1; w < workers; ++w)
        for (std::uint64_t h : sets[w].slots())
            if (h) sets[0].insert(h);
    out.distinct_1 = sets[0].size();
    for (auto t : totals) out.total_1 += t;
    std::vector<HashSet>().swap(sets);

    std::size_t total = 0;
    std::vector<std::size_t> bucket_start(kBuckets + 1, 0);
    for (std::size_t b = 0; b < kBuckets; ++b) {
        bucket_start[b] = total;
        for (int w = 0; w < workers; ++w) {
            std::size_t c = counts[w][b];
            counts[w][b] = total;  // becomes worker w's write position in bucket b
            total += c;
        }
    }
    bucket_start[kBuckets] = total;
    // Left uninitialised: the scatter below writes every element.
    std::unique_ptr<std::uint32_t[]> fingerprints(new std::uint32_t[total]);
    dedup::parallel_tasks(workers, workers, [&](std::size_t w, int) {
        auto [begin, end] = range(w);
        auto& pos = counts[w];
        for (std::size_t k = begin; k < end; ++k)
            for_each_gram(data.normalized[row(k)], 2, [&](std::uint64_t h) {
                fingerprints[pos[h >> 48]++] = static_cast<std::uint32_t>(h >> 16);
            });
    });
    // Distinct fingerprints per slice: an open-addressing table at most half full, indexed by
    // the fingerprint's own low bits (they are hash bits), cleared between slices.
    std::vector<std::size_t> distinct(workers, 0);
    std::vector<std::vector<std::uint32_t>> tables(workers);
    const std::size_t kSlices = 256;
    dedup::parallel_tasks(kSlices, workers, [&](std::size_t slice, int w) {
        auto& table = tables[w];
        for (std::size_t b = slice * (kBuckets / kSlices); b < (slice + 1) * (kBuckets / kSlices);
             ++b) {
            const std::uint32_t* first = fingerprints.get() + bucket_start[b];
            const std::size_t size = bucket_start[b + 1] - bucket_start[b];
            std::size_t slots = 16;
            while (slots < 2 * size) slots *= 2;
            if (table.size() < slots) table.resize(slots);
            std::fill(table.begin(), table.begin() + static_cast<long>(slots), 0u);
            const std::size_t mask = slots - 1;
            bool zero = false;
            std::size_t found = 0;
            for (std::size_t j = 0; j < size; ++j) {
                const std::uint32_t f = first[j];
                if (f == 0) {
                    found += !zero;
                    zero = true;
                    continue;
                }
                for (std::size_t at = f & mask;; at = (at + 1) & mask) {
                    if (table[at] == f) break;
                    if (table[at] == 0) {
                        table[at] = f;
                        ++found;
                        break;
                    }
                }
            }
            distinct[w] += found;
        }
    });
    for (auto d : distinct) out.distinct_2 += d;
    out.total_2 = total;
    return out;
}

std::string_view first_words(std::string_view s, int n) {
    std::size_t pos = 0;
    for (int k = 0; k < n; ++k) {
        pos = s.find(' ', pos);
        if (pos == std::string_view::npos) return s;
        if (k + 1 < n) ++pos;
    }
    return s.substr(0, pos);
}

LabelLength lengths(const std::vector<double>& words) {
    LabelLength out;
    if (words.empty()) return out;
    double sum = 0;
    for (double w : words) sum += w;
    out.mean = sum / static_cast<double>(words.size());
    out.median = percentile(words, 0.5);
    out.p95 = percentile(words, 0.95);
    return out;
}

/// lengths() of a multiset of word counts given as a histogram (hist[v] = rows with v words):
/// the same mean (integer sums below 2^53 are exact in a double) and the same order statistics
/// as sorting the values, without the sort.
LabelLength lengths(const std::vector<std::size_t>& hist, std::size_t count, std::uint64_t sum) {
    LabelLength out;
    if (count == 0) return out;
    out.mean = static_cast<double>(sum) / static_cast<double>(count);
    auto at = [&](std::size_t rank) {  // the value at this rank in sorted order
        std::size_t seen = 0;
        for (std::size_t v = 0; v < hist.size(); ++v) {
            seen += hist[v];
            if (seen > rank) return static_cast<double>(v);
        }
        return static_cast<double>(hist.size() - 1);
    };
    auto quantile = [&](double q) {
        double pos = q * static_cast<double>(count - 1);
        std::size_t lo = static_cast<std::size_t>(std::floor(pos));
        std::size_t hi = std::min(count - 1, lo + 1);
        double a = at(lo), b = at(hi);
        return a + (b - a) * (pos - static_cast<double>(lo));
    };
    out.median = quantile(0.5);
    out.p95 = quantile(0.95);
    return out;
}

/// lower(v) == "refused" || lower(v) == "refusal", without building a string.
bool is_refusal(std::string_view v) {
    if (v.size() != 7) return false;
    auto matches = [&](const char* word) {
        for (std::size_t i = 0; i < 7; ++i)
            if (static_cast<char>(std::tolower(static_cast<unsigned char>(v[i]))) != word[i])
                return false;
        return true;
    };
    return matches("refused") || matches("refusal");
}

}  // namespace

Metrics compute(const Dataset& data, const dedup::NearDupResult& dups, const Reference& reference,
                const std::vector<std::size_t>& subset, int threads) {
    Metrics m;
    const std::size_t n = subset.empty() ? data.size() : subset.size();
    auto row = [&](std::size_t k) { return subset.empty() ? k : subset[k]; };
    m.rows = n;
    m.min_realism = reference.min_realism;

    // Each row's label as a small id (labels are few): no string is built per row.
    // Each worker numbers the labels of its range; the local numbers are then mapped to
    // global ones.
    std::vector<std::uint32_t> label_id(n);
    std::vector<std::string_view> label_names;
    {
        const int workers = n < 65536 ? 1 : std::max(1, threads);
        std::vector<std::vector<std::string_view>> local_names(workers);
        dedup::parallel_tasks(workers, workers, [&](std::size_t w, int) {
            std::unordered_map<std::string_view, std::uint32_t> ids;
            auto& names = local_names[w];
            std::string_view last;
            std::uint32_t last_id = UINT32_MAX;
            for (std::size_t k = n * w / workers; k < n * (w + 1) / workers; ++k) {
                std::string_view l = data.label_of(row(k));
                if (last_id == UINT32_MAX || l != last) {
                    auto [it, fresh] = ids.emplace(l, static_cast<std::uint32_t>(names.size()));
                    if (fresh) names.push_back(l);
                    last = l;
                    last_id = it->second;
                }
                label_id[k] = last_id;
            }
        });
        std::unordered_map<std::string_view, std::uint32_t> ids;
        for (int w = 0; w < workers; ++w) {
            std::vector<std::uint32_t> global(local_names[w].size());
            for (std::size_t l = 0; l < global.size(); ++l) {
                auto [it, fresh] =
                    ids.emplace(local_names[w][l], static_cast<std::uint32_t>(label_names.size()));
                if (fresh) label_names.push_back(local_names[w][l]);
                global[l] = it->second;
            }
            for (std::size_t k = n * w / workers; k < n * (w + 1) / workers; ++k)
                label_id[k] = global[label_id[k]];
        }
    }
    std::vector<std::size_t> label_rows(label_names.size(), 0);
    for (std::size_t k = 0; k < n; ++k) ++label_rows[label_id[k]];

    // Balance.
    for (std::size_t l = 0; l < label_names.size(); ++l)
        m.label_counts[std::string(label_names[l])] += label_rows[l];
    if (!m.label_counts.empty()) {
        std::size_t lo = SIZE_MAX, hi = 0;
        for (auto& [name, c] : m.label_counts) {
            lo = std::min(lo, c);
            hi = std::max(hi, c);
        }
        m.imbalance_ratio = static_cast<double>(hi) / static_cast<double>(lo);
    }
    std::vector<double> observed, weights;
    if (!reference.labels.empty()) {
        m.chi_reference = "spec weights";
        for (std::size_t l = 0; l < reference.labels.size(); ++l) {
            auto it = m.label_counts.find(reference.labels[l]);
            observed.push_back(it == m.label_counts.end() ? 0.0 : static_cast<double>(it->second));
            weights.push_back(reference.weights.size() > l ? reference.weights[l] : 1.0);
            if (it == m.label_counts.end()) m.spec_labels_missing.push_back(reference.labels[l]);
        }
        for (auto& [name, c] : m.label_counts)
            if (std::find(reference.labels.begin(), reference.labels.end(), name) ==
                reference.labels.end())
                m.unknown_labels.push_back(name);
    } else {
        m.chi_reference = "uniform";
        for (auto& [name, c] : m.label_counts) {
            observed.push_back(static_cast<double>(c));
            weights.push_back(1.0);
        }
    }
    m.entropy = normalized_entropy(observed);
    m.chi = chi_square_gof(observed, weights);

    // Duplicates.
    m.exact_dup_rows = dedup::duplicate_rows(dups.first_equal);
    for (std::size_t k = 0; k < n; ++k) m.empty_rows += data.normalized[row(k)].empty();
    m.short_rows = dups.short_rows;
    m.near_dup_pairs = dups.pairs;
    m.near_dup_clusters = dups.clusters;
    m.rows_in_clusters = dups.rows_in_clusters;
    m.near_dup_removed = dups.rows_in_clusters - dups.clusters;
    {
        // A cluster is in conflict when its rows carry two label ids; only those clusters get
        // the set of their label names.
        std::vector<std::uint32_t> first_label(dups.clusters, UINT32_MAX);
        std::vector<char> mixed(dups.clusters, 0);
        std::vector<std::size_t> sizes(dups.clusters, 0), first(dups.clusters, SIZE_MAX);
        for (std::size_t k = 0; k < n; ++k) {
            auto c = dups.cluster[k];
            if (c < 0) continue;
            if (first_label[c] == UINT32_MAX)
                first_label[c] = label_id[k];
            else if (first_label[c] != label_id[k])
                mixed[c] = 1;
            ++sizes[c];
            first[c] = std::min(first[c], k);
        }
        std::unordered_map<std::size_t, std::set<std::string>> labels;
        for (std::size_t k = 0; k < n; ++k) {
            auto c = dups.cluster[k];
            if (c >= 0 && mixed[c])
                labels[static_cast<std::size_t>(c)].insert(std::string(label_names[label_id[k]]));
        }
        for (std::size_t c = 0; c < dups.clusters; ++c) {
            if (!mixed[c]) continue;
            m.label_conflict_rows += sizes[c];
            m.conflicts.push_back({static_cast<std::int32_t>(c),
                                   {labels[c].begin(), labels[c].end()},
                                   sizes[c],
                                   first[c]});
        }
    }

    // Judge.
    m.judged = data.has_judge();
    m.realism_histogram.assign(5, 0);
    if (m.judged) {
        std::set<std::string> names;
        for (std::size_t k = 0; k < n; ++k) {
            std::size_t i = row(k);
            switch (data.judge[i]) {
                case JudgeStatus::kOk:
                    ++m.judge_ok;
                    break;
                case JudgeStatus::kRefused:
                    ++m.judge_refused;
                    break;
                case JudgeStatus::kTie:  // counted in the votes section (stats/ground_truth.h)
                    break;
                default:
                    ++m.judge_errors;
                    break;
            }
            if (data.judge[i] != JudgeStatus::kOk) continue;
            m.judge_correct += data.correct[i];
            names.insert(std::string(data.label_of(i)));
            if (data.judge_label >= 0) names.insert(std::string(data.field(i, data.judge_label)));
        }
        m.judge_refusal_rate = m.rate(m.judge_refused);
        if (m.judge_ok > 0) {
            m.agreement = static_cast<double>(m.judge_correct) / static_cast<double>(m.judge_ok);
            m.agreement_ci = wilson(m.judge_correct, m.judge_ok);
        }
        if (data.judge_label >= 0 && m.judge_ok > 0) {
            m.confusion_labels.assign(names.begin(), names.end());
            const auto dim = static_cast<Eigen::Index>(names.size());
            m.confusion = Eigen::MatrixXd::Zero(dim, dim);
            auto index = [&](std::string_view s) {
                return static_cast<Eigen::Index>(
                    std::lower_bound(m.confusion_labels.begin(), m.confusion_labels.end(), s) -
                    m.confusion_labels.begin());
            };
            for (std::size_t k = 0; k < n; ++k) {
                std::size_t i = row(k);
                if (data.judge[i] != JudgeStatus::kOk) continue;
                m.confusion(index(data.label_of(i)), index(data.field(i, data.judge_label))) += 1;
            }
            m.kappa = cohen_kappa(m.confusion);
            for (Eigen::Index l = 0; l < dim; ++l) {
                PerLabel p;
                double tp = m.confusion(l, l);
                double ours = m.confusion.row(l).sum();
                double theirs = m.confusion.col(l).sum();
                p.precision = ours > 0 ? tp / ours : 0;
                p.recall = theirs > 0 ? tp / theirs : 0;
                p.f1 = p.precision + p.recall > 0
                           ? 2 * p.precision * p.recall / (p.precision + p.recall)
                           : 0;
                p.support = static_cast<std::size_t>(theirs);
                m.per_label[m.confusion_labels[l]] = p;
            }
        }
        double realism_sum = 0;
        std::size_t realism_n = 0;
        for (std::size_t k = 0; k < n; ++k) {
            std::size_t i = row(k);
            int r = data.realism_score[i];
            if (data.judge[i] != JudgeStatus::kOk || r < 1) continue;
            realism_sum += r;
            ++realism_n;
            ++m.realism_histogram[r - 1];
        }
        if (realism_n) m.realism_mean = realism_sum / static_cast<double>(realism_n);
        if (data.issues >= 0) {
            for (std::size_t k = 0; k < n; ++k) {
                std::string_view s = data.field(row(k), data.issues);
                while (!s.empty()) {
                    auto semi = s.find(';');
                    std::string tag = text::trim(s.substr(0, semi));
                    if (!tag.empty()) ++m.issue_counts[tag];
                    if (semi == std::string_view::npos) break;
                    s.remove_prefix(semi + 1);
                }
            }
        }
    }
    // Generator refusals: a status column when the file has one, else rows labelled "refused".
    if (data.status >= 0) {
        for (std::size_t k = 0; k < n; ++k)
            m.generator_refused += is_refusal(data.field(row(k), data.status));
    } else {
        for (std::size_t l = 0; l < label_names.size(); ++l)
            if (is_refusal(label_names[l])) m.generator_refused += label_rows[l];
    }
    m.generator_refusal_source =
        data.status >= 0 ? data.header[data.status] + " = refused" : "label = refused";

    // Diversity.
    {
        const GramCounts grams = distinct_grams(data, n, row, threads);
        m.distinct_1 = grams.total_1 ? static_cast<double>(grams.distinct_1) /
                                           static_cast<double>(grams.total_1)
                                     : 0.0;
        m.distinct_2 = grams.total_2 ? static_cast<double>(grams.distinct_2) /
                                           static_cast<double>(grams.total_2)
                                     : 0.0;

        // Word counts are small integers: a histogram per label gives the sorted order.
        std::uint32_t max_words = 0;
        for (std::size_t k = 0; k < n; ++k) max_words = std::max(max_words, data.words[row(k)]);
        const std::size_t labels = label_names.size();
        if ((std::size_t{max_words} + 1) * (labels + 1) <= (std::size_t{1} << 22)) {
            std::vector<std::vector<std::size_t>> hist(
                labels + 1, std::vector<std::size_t>(std::size_t{max_words} + 1, 0));
            std::vector<std::uint64_t> sums(labels + 1, 0);
            for (std::size_t k = 0; k < n; ++k) {
                std::uint32_t w = data.words[row(k)];
                ++hist[label_id[k]][w];
                sums[label_id[k]] += w;
            }
            for (std::size_t l = 0; l < labels; ++l) {
                for (std::size_t v = 0; v <= max_words; ++v) hist[labels][v] += hist[l][v];
                sums[labels] += sums[l];
                m.length_by_label[std::string(label_names[l])] =
                    lengths(hist[l], label_rows[l], sums[l]);
            }
            m.length_all = lengths(hist[labels], n, sums[labels]);
        } else {
            std::vector<std::vector<double>> words_by_label(labels);
            std::vector<double> all_words;
            all_words.reserve(n);
            for (std::size_t k = 0; k < n; ++k) {
                double w = static_cast<double>(data.words[row(k)]);
                words_by_label[label_id[k]].push_back(w);
                all_words.push_back(w);
            }
            for (std::size_t l = 0; l < labels; ++l)
                m.length_by_label[std::string(label_names[l])] = lengths(words_by_label[l]);
            m.length_all = lengths(all_words);
        }

        // Openings: rows grouped by a 64-bit hash of their first three words (a sort instead
        // of a million-entry hash map); ties in count are ranked by the words themselves.
        // Each worker hashes and sorts its own range; the sorted runs are then merged (the
        // (hash, row) keys are unique, so the result is the single sort's).
        using OpeningKey = std::pair<std::uint64_t, std::size_t>;
        const int open_workers = n < 65536 ? 1 : std::max(1, threads);
        std::vector<std::vector<OpeningKey>> runs(open_workers);
        dedup::parallel_tasks(open_workers, open_workers, [&](std::size_t w, int) {
            auto& run = runs[w];
            const std::size_t begin = n * w / open_workers, end = n * (w + 1) / open_workers;
            run.reserve(end - begin);
            for (std::size_t k = begin; k < end; ++k) {
                std::string_view s = data.normalized[row(k)];
                if (s.empty()) continue;
                std::string_view words = first_words(s, 3);
                run.push_back({XXH3_64bits(words.data(), words.size()), k});
            }
            std::sort(run.begin(), run.end());
        });
        std::vector<OpeningKey> opening_of = std::move(runs[0]);
        for (int w = 1; w < open_workers; ++w) {
            const auto middle = static_cast<long>(opening_of.size());
            opening_of.insert(opening_of.end(), runs[w].begin(), runs[w].end());
            std::vector<OpeningKey>().swap(runs[w]);
            std::inplace_merge(opening_of.begin(), opening_of.begin() + middle, opening_of.end());
        }
        struct Ranked {
            std::size_t count;
            std::string_view words;
        };
        // Groups as (count, first index); the words are looked up only for groups that count
        // at least as many rows as the fifth largest group: the top five are among them.
        std::vector<std::pair<std::size_t, std::size_t>> groups;
        for (std::size_t a = 0; a < opening_of.size();) {
            std::size_t b = a + 1;
            while (b < opening_of.size() && opening_of[b].first == opening_of[a].first) ++b;
            groups.push_back({b - a, a});
            a = b;
        }
        std::size_t least = 0;
        if (groups.size() > 5) {
            std::vector<std::size_t> sizes(groups.size());
            for (std::size_t g = 0; g < groups.size(); ++g) sizes[g] = groups[g].first;
            std::nth_element(sizes.begin(), sizes.begin() + 4, sizes.end(),
                             std::greater<std::size_t>());
            least = sizes[4];
        }
        std::vector<Ranked> ranked;
        for (auto [count, a] : groups)
            if (count >= least)
                ranked.push_back(
                    {count, first_words(data.normalized[row(opening_of[a].second)], 3)});
        auto before = [](const Ranked& a, const Ranked& b) {
            return a.count != b.count ? a.count > b.count : a.words < b.words;
        };
        const std::size_t top = std::min<std::size_t>(5, ranked.size());
        std::partial_sort(ranked.begin(), ranked.begin() + static_cast<long>(top), ranked.end(),
                          before);
        for (std::size_t r = 0; r < top; ++r)
            m.top_openings.push_back(
                {std::string(ranked[r].words), ranked[r].count,
                 static_cast<double>(ranked[r].count) / static_cast<double>(opening_of.size())});
        if (data.persona >= 0) {
            std::unordered_set<std::string_view> personas;
            for (std::size_t k = 0; k < n; ++k) personas.insert(data.field(row(k), data.persona));
            m.distinct_personas = personas.size();
            m.persona_coverage = m.rate(static_cast<double>(personas.size()));
        }
    }

    // Filter: one kept row per cluster (judged correct, then highest realism, then first).
    m.reasons.assign(n, Reason::kKeep);
    std::vector<std::size_t> keeper(dups.clusters, SIZE_MAX);
    auto better = [&](std::size_t a, std::size_t b) {  // is subset row a a better keeper than b?
        std::size_t ia = row(a), ib = row(b);
        bool ca = data.judge[ia] == JudgeStatus::kOk && data.correct[ia];
        bool cb = data.judge[ib] == JudgeStatus::kOk && data.correct[ib];
        if (ca != cb) return ca;
        if (data.realism_score[ia] != data.realism_score[ib])
            return data.realism_score[ia] > data.realism_score[ib];
        return a < b;
    };
    for (std::size_t k = 0; k < n; ++k) {
        auto c = dups.cluster[k];
        if (c >= 0 && (keeper[c] == SIZE_MAX || better(k, keeper[c]))) keeper[c] = k;
    }
    std::vector<char> conflicted(dups.clusters, 0);
    for (auto& c : m.conflicts) conflicted[c.cluster] = 1;
    for (std::size_t k = 0; k < n; ++k) {
        std::size_t i = row(k);
        auto c = dups.cluster[k];
        Reason r = Reason::kKeep;
        if (data.normalized[i].empty())
            r = Reason::kEmpty;
        else if (c >= 0 && keeper[c] != k)
            r = dups.group_size[k] > 1 ? Reason::kExactDup : Reason::kNearDup;
        else if (c >= 0 && conflicted[c])
            r = Reason::kLabelConflict;
        else if (m.judged && !(data.judge[i] == JudgeStatus::kOk && data.correct[i]))
            r = Reason::kJudgeDisagrees;
        else if (m.judged && data.realism >= 0 && data.realism_score[i] < reference.min_realism)
            r = Reason::kLowRealism;
        m.reasons[k] = r;
        if (r == Reason::kKeep)
            m.kept_rows.push_back(i);
        else
            ++m.rejected_by_reason[reason_name(r)];
    }
    return m;
}

}  // namespace synthmod::metrics
