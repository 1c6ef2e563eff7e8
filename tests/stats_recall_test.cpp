// Tests of near-duplicate recall where it is hard: pairs planted at Jaccard just above the
// threshold over real posts, checked against an exhaustive enumeration independent of stats/.
#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/csv.h"
#include "common/text.h"
#include "stats/dedup.h"
#include "support/jaccard.h"

using namespace synthmod;

namespace {

/// Char n-gram sets as sorted ids of the n-gram strings themselves (no hashing, so no hash
/// collision and nothing shared with stats/minhash): the brute force's own shingling.
class ExactShingles {
   public:
    /// Sorted distinct ids of the 5-code-point shingles of a normalised text (the text itself
    /// when shorter; none when empty), as DESIGN section 9 defines them.
    std::vector<std::uint32_t> of(const std::string& text) {
        std::vector<std::size_t> starts;
        for (std::size_t i = 0; i < text.size(); ++i)
            if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
        starts.push_back(text.size());
        std::vector<std::uint32_t> out;
        const std::size_t units = starts.size() - 1;
        if (text.empty()) return out;
        if (units < 5) {
            out.push_back(id(text));
        } else {
            for (std::size_t i = 0; i + 5 <= units; ++i)
                out.push_back(id(text.substr(starts[i], starts[i + 5] - starts[i])));
        }
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return out;
    }

   private:
    std::uint32_t id(const std::string& s) {
        return ids_.emplace(s, static_cast<std::uint32_t>(ids_.size())).first->second;
    }
    std::unordered_map<std::string, std::uint32_t> ids_;
};

using PairSet = std::set<std::pair<std::uint32_t, std::uint32_t>>;

/// Every pair of non-empty texts with exact Jaccard >= t (the size bound |A| >= t |B| only
/// skips pairs that cannot reach t).
PairSet all_pairs(const std::vector<std::vector<std::uint32_t>>& sets, double t) {
    PairSet out;
    for (std::uint32_t i = 0; i < sets.size(); ++i)
        for (std::uint32_t j = i + 1; j < sets.size(); ++j) {
            const double small = static_cast<double>(std::min(sets[i].size(), sets[j].size()));
            const double large = static_cast<double>(std::max(sets[i].size(), sets[j].size()));
            if (sets[i].empty() || sets[j].empty() || small < t * large) continue;
            if (test::sorted_jaccard(sets[i], sets[j]) >= t) out.insert({i, j});
        }
    return out;
}

/// A copy of `base` (normalised, ASCII) edited one random letter at a time — a substitution of a
/// non-space character or a letter appended — until its Jaccard to `base` is in [t, t + 0.03];
/// an edit that would take it below t is undone. Empty when that does not happen in 400 edits.
std::string plant(const std::string& base, double t, ExactShingles& shingles,
                  std::mt19937_64& rng) {
    const auto original = shingles.of(base);
    std::string copy = base;
    for (int edit = 0; edit < 400; ++edit) {
        std::string next = copy;
        const char letter = static_cast<char>('a' + rng() % 26);
        if (rng() % 4 == 0) {
            next += letter;
        } else {
            const std::size_t at = rng() % next.size();
            if (next[at] == ' ') continue;
            next[at] = letter;
        }
        const double j = test::sorted_jaccard(original, shingles.of(next));
        if (j < t) continue;
        copy = next;
        if (j <= t + 0.03) return copy;
    }
    return {};
}

bool ascii(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; });
}

/// The real moderation posts, normalised: those of 40 to 400 bytes (short posts, where one
/// edit moves Jaccard most and the brute force stays fast).
std::vector<std::string> real_posts() {
    auto table = csv::read_table(SYNTHMOD_DATA_DIR "/moderation_openai.csv", {"content", "label"});
    const int content = table.column("content");
    std::vector<std::string> out;
    for (auto& row : table.rows) {
        std::string n = text::normalize(row[content]);
        if (n.size() >= 40 && n.size() <= 400) out.push_back(std::move(n));
    }
    return out;
}

struct Recall {
    std::size_t truth = 0;    ///< pairs with J >= t (exhaustive)
    std::size_t found = 0;    ///< of those, reported
    std::size_t outside = 0;  ///< reported pairs not in the truth
};

Recall recall(const std::vector<std::string>& texts, const PairSet& truth,
              const dedup::NearDupOptions& options) {
    const std::vector<std::string_view> views(texts.begin(), texts.end());
    const auto result = dedup::find_near_duplicates(views, options);
    Recall r;
    r.truth = truth.size();
    for (const auto& p : dedup::row_pairs(result)) {
        if (truth.count({p.i, p.j}))
            ++r.found;
        else
            ++r.outside;
    }
    return r;
}

}  // namespace

TEST_CASE("recall at the threshold: pairs planted at J in [t, t + 0.03] over real posts",
          "[recall]") {
    const double t = 0.8;
    std::vector<std::string> texts = real_posts();
    REQUIRE(texts.size() > 800);
    // Two planted copies per ASCII post: the pairs sit where the LSH curve is lowest.
    ExactShingles shingles;
    std::mt19937_64 rng(16);
    const std::size_t originals = texts.size();
    for (std::size_t i = 0; i < originals; ++i) {
        if (!ascii(texts[i])) continue;
        for (int copies = 0; copies < 2; ++copies) {
            std::string copy = plant(texts[i], t, shingles, rng);
            if (!copy.empty()) texts.push_back(std::move(copy));
        }
    }
    // The planted copies are normalised text already (lowercase letters replace non-spaces).
    for (std::size_t i = originals; i < texts.size(); ++i)
        REQUIRE(text::normalize(texts[i]) == texts[i]);

    std::vector<std::vector<std::uint32_t>> sets;
    for (const auto& s : texts) sets.push_back(shingles.of(s));
    const PairSet truth = all_pairs(sets, t);
    std::size_t at_threshold = 0;
    for (const auto& [i, j] : truth) at_threshold += test::sorted_jaccard(sets[i], sets[j]) <= t + 0.03;
    INFO(texts.size() << " texts, " << truth.size() << " pairs, " << at_threshold
                      << " of them at J <= t + 0.03");
    REQUIRE(at_threshold >= 1500);

    SECTION("the default LSH design finds at least 99.5 % of them and nothing else") {
        dedup::NearDupOptions lsh;
        lsh.method = dedup::Method::kLsh;
        const Recall r = recall(texts, truth, lsh);
        INFO("found " << r.found << " of " << r.truth);
        CHECK(r.outside == 0);
        CHECK(static_cast<double>(r.found) / r.truth >= 0.995);
    }
    SECTION("the exact join (what auto picks for these 2,514 texts) finds every one") {
        for (dedup::Method method : {dedup::Method::kExact, dedup::Method::kAuto}) {
            dedup::NearDupOptions exact;
            exact.method = method;
            const Recall r = recall(texts, truth, exact);
            INFO("found " << r.found << " of " << r.truth);
            CHECK(r.outside == 0);
            CHECK(r.found == r.truth);
        }
    }
    SECTION("the set tells designs apart: allowing 20 % misses at t loses pairs") {
        dedup::NearDupOptions loose;
        loose.method = dedup::Method::kLsh;
        loose.max_miss = 0.2;
        const Recall r = recall(texts, truth, loose);
        INFO("found " << r.found << " of " << r.truth);
        CHECK(r.outside == 0);
        CHECK(static_cast<double>(r.found) / r.truth < 0.97);
    }
}
