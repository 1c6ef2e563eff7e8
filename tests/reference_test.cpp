// reference: contamination against a test set, checked against an exhaustive pairwise
// computation on the real moderation set (and against its independent truth file).
#include "stats/reference.h"

#include <zlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <tuple>

#include "common/csv.h"
#include "common/errors.h"
#include "common/text.h"
#include "stats/dedup.h"
#include "stats/minhash.h"
#include "support/process.h"

using namespace synthmod;
namespace test = synthmod::test;

namespace {

const std::string kRealData = SYNTHMOD_DATA_DIR "/";

using PairSet = std::set<std::tuple<std::uint32_t, std::uint32_t>>;

/// Every dataset x reference pair with Jaccard >= threshold, by brute force.
PairSet exhaustive(const std::vector<std::string>& rows, const std::vector<std::string>& refs,
                   double threshold) {
    auto sets = [](const std::vector<std::string>& texts) {
        std::vector<std::vector<std::uint64_t>> out(texts.size());
        for (std::size_t i = 0; i < texts.size(); ++i)
            minhash::shingle_hashes(texts[i], minhash::ShingleKind::kChar, 5, out[i]);
        return out;
    };
    auto a = sets(rows), b = sets(refs);
    PairSet out;
    for (std::uint32_t i = 0; i < a.size(); ++i)
        for (std::uint32_t j = 0; j < b.size(); ++j) {
            if (a[i].empty() || b[j].empty()) continue;
            std::size_t common = minhash::intersection_size(a[i], b[j]);
            double jac = static_cast<double>(common) /
                         static_cast<double>(a[i].size() + b[j].size() - common);
            if (jac >= threshold) out.emplace(i, j);
        }
    return out;
}

std::vector<std::string_view> views(const std::vector<std::string>& v) {
    return {v.begin(), v.end()};
}

/// The real moderation set split in two. Dataset: the even rows, plus edited copies of every
/// 7th odd row (a word dropped, a word doubled, a prefix added), so there are pairs at many
/// Jaccard values near 0.8. Reference: the odd rows. Returns the number of edited rows.
std::size_t real_split(std::vector<std::string>& rows, std::vector<std::string>& refs) {
    auto table = csv::read_table(kRealData + "moderation_openai.csv", {"content"});
    const int content = table.column("content");
    for (std::size_t i = 0; i < table.rows.size(); ++i)
        (i % 2 ? refs : rows).push_back(text::normalize(table.rows[i][content]));
    std::size_t edited = 0;
    for (std::size_t j = 0; j < refs.size(); j += 7) {
        auto w = text::words(refs[j]);
        if (w.size() < 6) continue;
        std::string dropped, doubled;
        for (std::size_t k = 0; k < w.size(); ++k) {
            if (k != w.size() / 2) dropped += (dropped.empty() ? "" : " ") + std::string(w[k]);
            doubled += (doubled.empty() ? "" : " ") + std::string(w[k]);
            if (k == 1) doubled += " " + std::string(w[k]);
        }
        rows.push_back(dropped);
        rows.push_back(doubled);
        rows.push_back("so " + refs[j]);
        edited += 3;
    }
    return edited;
}

}  // namespace

TEST_CASE("contamination on the real moderation set equals the exhaustive pairwise search",
          "[reference]") {
    std::vector<std::string> rows, refs;
    const std::size_t edited = real_split(rows, refs);
    REQUIRE(edited > 150);
    const std::size_t even_rows = rows.size() - edited;  // the untouched dataset rows
    dedup::NearDupOptions o;
    o.threads = 2;
    auto result = reference::find_contamination(views(rows), views(refs), o);
    PairSet got;
    for (const auto& p : result.pairs) got.emplace(p.row, p.ref);
    const PairSet truth = exhaustive(rows, refs, 0.8);
    REQUIRE(truth.size() > 200);
    // No false pair (verification is exact), and LSH with four rounds misses (almost) none.
    std::size_t found = 0;
    for (const auto& p : got) CHECK(truth.count(p) == 1);
    for (const auto& p : truth) found += got.count(p);
    INFO("found " << found << " of " << truth.size());
    CHECK(static_cast<double>(found) >= 0.99 * static_cast<double>(truth.size()));
    // Rows: contaminated exactly when they are in a pair.
    std::set<std::uint32_t> contaminated;
    for (const auto& p : got) contaminated.insert(std::get<0>(p));
    CHECK(result.contaminated_rows == contaminated.size());
    for (std::uint32_t r = 0; r < rows.size(); ++r)
        CHECK(static_cast<bool>(result.contaminated[r]) == (contaminated.count(r) == 1));
    // Jaccard values are the exact ones.
    for (const auto& p : result.pairs) {
        std::vector<std::uint64_t> a, b;
        minhash::shingle_hashes(rows[p.row], minhash::ShingleKind::kChar, 5, a);
        minhash::shingle_hashes(refs[p.ref], minhash::ShingleKind::kChar, 5, b);
        CHECK(p.jaccard == minhash::jaccard(a, b));
    }

    SECTION("the cross pairs of the untouched rows are those of the independent truth file") {
        // near_dup_truth.py's pairs (a, b) with a even and b odd (or the reverse) are exactly
        // the dataset x reference pairs among the first even_rows dataset rows.
        auto pairs = csv::read_table(kRealData + "moderation_openai.near_dup_pairs.csv");
        PairSet expected;
        for (const auto& r : pairs.rows) {
            std::uint32_t a = std::stoul(r[0]), b = std::stoul(r[1]);
            if (a % 2 == b % 2) continue;
            if (a % 2) std::swap(a, b);
            expected.emplace(a / 2, b / 2);
        }
        PairSet untouched;
        for (const auto& p : truth)
            if (std::get<0>(p) < even_rows) untouched.insert(p);
        CHECK(untouched == expected);
        CHECK(expected.size() == 26);
    }
}

TEST_CASE("contamination takes the dedup's band keys and finds what it finds without them",
          "[reference]") {
    std::vector<std::string> rows, refs;
    REQUIRE(real_split(rows, refs) > 150);
    // Repeated and empty dataset rows: the dedup's distinct texts must line up with the
    // reference search's (first rows, non-empty, in row order).
    rows.insert(rows.begin() + 3, rows[10]);
    rows.insert(rows.begin() + 5, "");
    rows.push_back(rows[0]);
    rows.push_back(refs[1]);
    dedup::NearDupOptions o;
    o.threads = 2;
    o.method = dedup::Method::kLsh;
    o.keep_reference_keys = true;
    auto dups = dedup::find_near_duplicates(views(rows), o);
    REQUIRE(dups.method == dedup::Method::kLsh);
    const std::size_t tables = static_cast<std::size_t>(dups.rounds) * dups.banding.bands;
    REQUIRE(dups.reference_keys.size() == tables);
    REQUIRE(dups.reference_keys[0].size() == dups.unique_texts);

    SECTION("the kept keys are the high 32 bits of each distinct text's band keys") {
        std::vector<std::uint32_t> distinct_rows;
        for (std::uint32_t i = 0; i < rows.size(); ++i)
            if (!rows[i].empty() &&
                std::find(rows.begin(), rows.begin() + i, rows[i]) == rows.begin() + i)
                distinct_rows.push_back(i);
        REQUIRE(distinct_rows.size() == dups.unique_texts);
        std::vector<std::uint32_t> sig(static_cast<std::size_t>(dups.rounds) * o.num_perm);
        std::size_t checked = 0;
        for (std::size_t k = 0; k < distinct_rows.size(); k += 31) {
            std::vector<std::uint64_t> sh;
            minhash::shingle_hashes(rows[distinct_rows[k]], o.shingle, o.ngram, sh);
            minhash::signatures(sh.data(), sh.size(), o.num_perm, o.seed, dups.rounds, sig.data());
            for (int r = 0; r < dups.rounds; ++r)
                for (int b = 0; b < dups.banding.bands; ++b) {
                    const std::uint64_t key = minhash::band_key(
                        sig.data() + static_cast<std::size_t>(r) * o.num_perm, dups.banding, b);
                    CHECK(dups.reference_keys[static_cast<std::size_t>(r) * dups.banding.bands + b]
                                             [k] == key >> 32);
                    ++checked;
                }
        }
        CHECK(checked > 1000);
    }
    SECTION("the same pairs, Jaccard values, counts and candidates as the search on its own") {
        const auto alone = reference::find_contamination(views(rows), views(refs), o);
        const auto taken =
            reference::find_contamination(views(rows), views(refs), o, dups.reference_keys);
        REQUIRE(alone.pairs.size() > 200);
        REQUIRE(taken.pairs.size() == alone.pairs.size());
        for (std::size_t p = 0; p < alone.pairs.size(); ++p) {
            CHECK(taken.pairs[p].row == alone.pairs[p].row);
            CHECK(taken.pairs[p].ref == alone.pairs[p].ref);
            CHECK(taken.pairs[p].jaccard == alone.pairs[p].jaccard);
        }
        CHECK(taken.contaminated == alone.contaminated);
        CHECK(taken.contaminated_rows == alone.contaminated_rows);
        CHECK(taken.exact_rows == alone.exact_rows);
        CHECK(taken.exact_rows >= 2);  // refs[1] and its copy
        CHECK(taken.candidates == alone.candidates);
    }
    SECTION("the kept keys are what the dataset side is bucketed by") {
        // Keys no reference text has (all zero): no dataset text is a candidate.
        auto zero = dups.reference_keys;
        for (auto& k : zero) std::fill(k.begin(), k.end(), 0u);
        const auto r = reference::find_contamination(views(rows), views(refs), o, zero);
        CHECK(r.candidates == 0);
        CHECK(r.contaminated_rows == 0);
    }
    SECTION("keys that do not fit the rows are refused") {
        auto fewer = dups.reference_keys;
        fewer.pop_back();
        CHECK_THROWS_AS(reference::find_contamination(views(rows), views(refs), o, fewer),
                        std::logic_error);
        rows.push_back("a text the dedup never saw");
        CHECK_THROWS_AS(
            reference::find_contamination(views(rows), views(refs), o, dups.reference_keys),
            std::logic_error);
    }
    SECTION("no keys unless asked for, none from the exact join") {
        o.keep_reference_keys = false;
        CHECK(dedup::find_near_duplicates(views(rows), o).reference_keys.empty());
        o.keep_reference_keys = true;
        o.method = dedup::Method::kExact;
        CHECK(dedup::find_near_duplicates(views(rows), o).reference_keys.empty());
    }
}

TEST_CASE("contamination: equal normalised texts, empty texts, references among themselves",
          "[reference]") {
    dedup::NearDupOptions o;
    o.threads = 1;
    std::vector<std::string> rows = {text::normalize("Hello, World!  again"), "",
                                     text::normalize("nothing like the others at all"), "abc"};
    std::vector<std::string> refs = {
        text::normalize("hello world again"),   "",
        text::normalize("HELLO WORLD AGAIN!!"), "abc",
        "one two three four five six",          "one two three four five six"};
    auto r = reference::find_contamination(views(rows), views(refs), o);
    CHECK(r.contaminated_rows == 2);
    CHECK(r.exact_rows == 2);
    REQUIRE(r.pairs.size() == 3);
    CHECK(std::tie(r.pairs[0].row, r.pairs[0].ref) == std::make_tuple(0u, 0u));
    CHECK(std::tie(r.pairs[1].row, r.pairs[1].ref) == std::make_tuple(0u, 2u));
    CHECK(std::tie(r.pairs[2].row, r.pairs[2].ref) == std::make_tuple(3u, 3u));
    CHECK(r.pairs[0].jaccard == 1.0);
    CHECK_FALSE(r.contaminated[1]);  // an empty text joins nothing
    // The two equal reference rows 4 and 5 are never paired with each other.
    for (const auto& p : r.pairs) CHECK(p.ref < 4);
    CHECK(reference::find_contamination(views(rows), {}, o).contaminated_rows == 0);
}

TEST_CASE("reference files are read like the main input: CSV, TSV, JSON Lines, gzip",
          "[reference]") {
    const std::string dir = test::temp_dir("reference-formats");
    // The same three texts (a comma, a quote, a tab-free line; a non-ASCII one) in each format.
    const std::vector<std::string> texts = {"Win a FREE prize, now!", "she said \"hi\" twice",
                                            "Ça va? Très bien."};
    test::spit(dir + "/a.csv",
               "id,content\n1,\"Win a FREE prize, now!\"\n2,\"she said \"\"hi\"\" twice\"\n3,Ça "
               "va? Très bien.\n");
    test::spit(dir + "/b.tsv",
               "text\tid\nWin a FREE prize, now!\t1\nshe said \"hi\" twice\t2\nÇa va? Très "
               "bien.\t3\n");
    const std::string jsonl =
        "{\"prompt\": \"Win a FREE prize, now!\", \"id\": 1}\n"
        "{\"prompt\": \"she said \\\"hi\\\" twice\", \"id\": 2}\n"
        "{\"prompt\": \"\\u00c7a va? Tr\\u00e8s bien.\", \"id\": 3}\n";
    test::spit(dir + "/c.jsonl", jsonl);
    {
        gzFile f = gzopen((dir + "/d.jsonl.gz").c_str(), "wb");
        REQUIRE(f != nullptr);
        REQUIRE(gzwrite(f, jsonl.data(), static_cast<unsigned>(jsonl.size())) ==
                static_cast<int>(jsonl.size()));
        REQUIRE(gzclose(f) == Z_OK);
    }
    auto csv_tsv = reference::load_references({dir + "/a.csv", dir + "/b.tsv"});
    REQUIRE(csv_tsv.raw.size() == 6);
    for (std::size_t i = 0; i < 6; ++i) {
        CHECK(csv_tsv.raw[i] == texts[i % 3]);
        CHECK(csv_tsv.normalized[i] == text::normalize(texts[i % 3]));
        CHECK(csv_tsv.file[i] == i / 3);
        CHECK(csv_tsv.index[i] == i % 3);
    }
    auto json = reference::load_references({dir + "/c.jsonl", dir + "/d.jsonl.gz"}, "prompt");
    CHECK(json.raw == csv_tsv.raw);
    CHECK(json.normalized == csv_tsv.normalized);
    CHECK(json.files == std::vector<std::string>{dir + "/c.jsonl", dir + "/d.jsonl.gz"});

    SECTION("a missing column names the file, the line and the columns found") {
        auto error = [](const std::vector<std::string>& paths, const std::string& column) {
            try {
                reference::load_references(paths, column);
            } catch (const InputError& e) {
                return std::string(e.what());
            }
            return std::string("no error");
        };
        CHECK(error({dir + "/c.jsonl"}, "") ==
              dir +
                  "/c.jsonl:1: a --reference file: missing column \"content\" or \"text\" "
                  "(columns found: prompt, id; --reference-text-column picks one)");
        CHECK(error({dir + "/a.csv"}, "prompt") ==
              dir +
                  "/a.csv:1: a --reference file: missing column \"prompt\" (columns found: "
                  "id, content; --reference-text-column picks one)");
        test::spit(dir + "/bad.tsv", "text\n\xff\xfe\n");
        CHECK(error({dir + "/bad.tsv"}, "").find(dir + "/bad.tsv:2: ") == 0);
    }
}
