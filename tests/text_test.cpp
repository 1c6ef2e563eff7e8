#include "common/text.h"

#include <rapidjson/document.h>
#include <utf8proc.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>

#include "common/csv.h"

namespace text = synthmod::text;

namespace {

const std::string kData = std::string(SYNTHMOD_SOURCE_DIR) + "/tests/data/";
const std::string kRealData = std::string(SYNTHMOD_DATA_DIR) + "/";

std::uint64_t fnv1a64(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : s) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

std::string utf8(char32_t c) {
    utf8proc_uint8_t buf[4];
    auto n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(c), buf);
    return std::string(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
}

}  // namespace

TEST_CASE("text validates UTF-8", "[text]") {
    std::size_t bad = 99;
    CHECK(text::is_valid_utf8(""));
    CHECK(text::is_valid_utf8("plain ascii that is longer than eight bytes"));
    CHECK(text::is_valid_utf8("é 日本 🙂 \xf4\x8f\xbf\xbf \xed\x9f\xbf \xee\x80\x80"));
    SECTION("overlong forms") {
        CHECK_FALSE(text::is_valid_utf8("ab\xc0\xaf", &bad));
        CHECK(bad == 2);
        CHECK_FALSE(text::is_valid_utf8("\xc1\xbf"));
        CHECK_FALSE(text::is_valid_utf8("\xe0\x80\xaf"));
        CHECK_FALSE(text::is_valid_utf8("\xe0\x9f\xbf"));
        CHECK_FALSE(text::is_valid_utf8("\xf0\x8f\xbf\xbf"));
    }
    SECTION("surrogates") {
        CHECK_FALSE(text::is_valid_utf8("x\xed\xa0\x80", &bad));
        CHECK(bad == 1);
        CHECK_FALSE(text::is_valid_utf8("\xed\xbf\xbf"));
    }
    SECTION("beyond U+10FFFF") {
        CHECK_FALSE(text::is_valid_utf8("\xf4\x90\x80\x80"));
        CHECK_FALSE(text::is_valid_utf8("\xf5\x80\x80\x80"));
        CHECK_FALSE(text::is_valid_utf8("\xff"));
    }
    SECTION("a bad byte after long ASCII runs is found where it is") {
        for (std::size_t at = 0; at < 70; ++at)
            for (std::size_t after : {0, 1, 15, 16, 17, 40}) {
                const std::string s = std::string(at, 'a') + "\x80" + std::string(after, 'b');
                INFO("bad byte at " << at << ", " << after << " bytes after it");
                CHECK_FALSE(text::is_valid_utf8(s, &bad));
                CHECK(bad == at);
                CHECK(
                    text::is_valid_utf8(std::string(at, 'a') + "\u00e9" + std::string(after, 'b')));
            }
    }
    SECTION("truncated and stray bytes") {
        CHECK_FALSE(text::is_valid_utf8("0123456789\xe6\x97", &bad));
        CHECK(bad == 10);
        CHECK_FALSE(text::is_valid_utf8("\xe6\x97x"));
        CHECK_FALSE(text::is_valid_utf8("abcdefgh\x80", &bad));
        CHECK(bad == 8);
        CHECK_FALSE(text::is_valid_utf8("\xf0\x9f\x99"));
    }
}

TEST_CASE("text normalize follows DESIGN section 9", "[text]") {
    CHECK(text::normalize("  Hello,   World!! ") == "hello world");
    CHECK(text::normalize("don't") == "dont");  // deleted, not replaced by a space
    CHECK(text::normalize("a - b") == "a b");
    CHECK(text::normalize("$5 + 3 < 9") == "$5 + 3 < 9");  // symbols (S*) stay
    CHECK(text::normalize("Straße") == "strasse");
    CHECK(text::normalize("ﬁne") == "fine");
    CHECK(text::normalize("Ⅻ") == "xii");
    CHECK(text::normalize("ＦＵＬＬ") == "full");
    CHECK(text::normalize("ΟΔΟΣ") == "οδοσ");
    CHECK(text::normalize("x\u200by") == "x\u200by");  // ZERO WIDTH SPACE is not whitespace
    CHECK(text::normalize("a\u00a0\u3000b") == "a b");
    CHECK(text::normalize("") == "");
    CHECK(text::normalize("!?") == "");
}

TEST_CASE("text normalize: the ASCII path agrees with the code-point path", "[text]") {
    // ASCII text takes a path of its own (16 bytes at a time where they are plain words); a
    // trailing non-ASCII word sends the same text through the code-point path instead, whose
    // result is the ASCII one plus that word. Random texts weighted to the cases the 16-byte
    // step must get right: spaces at a block's edges, runs of spaces and punctuation between
    // words, other whitespace, upper case, leading and trailing spaces.
    const std::string alphabet = "abcXYZ09      ,!'-\t\n$";
    std::mt19937 rng(7);
    std::string s, ascii, unicode;
    std::size_t long_plain = 0;
    for (int n = 0; n < 20000; ++n) {
        s.clear();
        const std::size_t len = rng() % 90;
        const bool plain = n % 2 == 0;  // half of them letters and single spaces only
        for (std::size_t i = 0; i < len; ++i) {
            char c = alphabet[rng() % alphabet.size()];
            if (plain && (c == ',' || c == '!' || c == '\'' || c == '-' || c == '\t' || c == '\n'))
                c = 'q';
            if (plain && c == ' ' && !s.empty() && s.back() == ' ') c = 'Q';
            s.push_back(c);
        }
        long_plain += plain && len >= 32;
        text::normalize(s, ascii);
        text::normalize(s + " \u00e9", unicode);
        INFO("input: [" << s << "]");
        REQUIRE(unicode == (ascii.empty() ? "\u00e9" : ascii + " \u00e9"));
        CHECK(text::normalize(s) == ascii);
    }
    CHECK(long_plain > 3000);
}

TEST_CASE("text normalize matches Python on hard cases", "[text]") {
    const auto t = synthmod::csv::read_table(kData + "norm_tricky.csv", {"input", "expected"});
    REQUIRE(t.rows.size() > 40);
    for (const auto& row : t.rows) {
        INFO("input: " << row[0]);
        CHECK(text::normalize(row[0]) == row[1]);
    }
}

TEST_CASE("text normalize matches Python on every code point", "[text]") {
    // norm_codepoints.txt lists normalise("x" + c + "y") wherever it is not the identity, and the
    // ranges unassigned in the Unicode version of the Python that wrote it.
    std::ifstream in(kData + "norm_codepoints.txt");
    REQUIRE(in);
    std::vector<std::string> expected(0x110000);
    std::vector<bool> skip(0x110000, false);
    std::vector<bool> listed(0x110000, false);
    std::string line;
    std::size_t entries = 0;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        if (line.rfind("skip ", 0) == 0) {
            unsigned lo = 0;
            unsigned hi = 0;
            REQUIRE(std::sscanf(line.c_str() + 5, "%x-%x", &lo, &hi) == 2);
            for (unsigned c = lo; c <= hi && c < 0x110000; ++c) skip[c] = true;
            continue;
        }
        std::istringstream fields(line);
        std::string head;
        fields >> head;
        const auto cp = static_cast<char32_t>(std::stoul(head, nullptr, 16));
        std::string out;
        std::string hex;
        while (fields >> hex) out += utf8(static_cast<char32_t>(std::stoul(hex, nullptr, 16)));
        expected[cp] = out;
        listed[cp] = true;
        ++entries;
    }
    REQUIRE(entries > 5000);
    std::size_t checked = 0;
    std::size_t mismatches = 0;
    for (char32_t c = 0; c < 0x110000; ++c) {
        if (skip[c]) continue;
        const std::string input = "x" + utf8(c) + "y";
        const std::string& want = listed[c] ? expected[c] : input;
        const std::string got = text::normalize(input);
        ++checked;
        if (got != want) {
            ++mismatches;
            if (mismatches <= 20) {
                UNSCOPED_INFO("U+" << std::hex << static_cast<unsigned>(c) << ": got " << got
                                   << ", want " << want);
            }
        }
    }
    CHECK(checked > 200000);
    CHECK(mismatches == 0);
}

TEST_CASE("text normalize matches Python on the real data sets", "[text]") {
    const auto golden =
        synthmod::csv::read_table(kData + "norm_golden.csv", {"source", "index", "fnv1a64"});
    std::vector<std::string> moderation_hash;
    std::vector<std::string> persona_hash;
    for (const auto& row : golden.rows) {
        (row[0] == "moderation" ? moderation_hash : persona_hash).push_back(row[2]);
    }
    auto hex = [](std::uint64_t h) {
        char buf[17];
        std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
        return std::string(buf);
    };

    const auto moderation =
        synthmod::csv::read_table(kRealData + "moderation_openai.csv", {"content"});
    REQUIRE(moderation.rows.size() == moderation_hash.size());
    const int content = moderation.column("content");
    std::string reused;  // normalize(s, out) as the dataset calls it: one string for every row
    for (std::size_t i = 0; i < moderation.rows.size(); ++i) {
        INFO("moderation row " << i);
        CHECK(hex(fnv1a64(text::normalize(moderation.rows[i][content]))) == moderation_hash[i]);
        text::normalize(moderation.rows[i][content], reused);
        CHECK(hex(fnv1a64(reused)) == moderation_hash[i]);
    }

    std::ifstream personas(kRealData + "personahub_5k.jsonl");
    REQUIRE(personas);
    std::string line;
    std::size_t i = 0;
    while (std::getline(personas, line)) {
        rapidjson::Document doc;
        doc.Parse(line.data(), line.size());
        REQUIRE_FALSE(doc.HasParseError());
        REQUIRE(i < persona_hash.size());
        const std::string persona(doc["persona"].GetString(), doc["persona"].GetStringLength());
        INFO("persona " << i << ": " << persona);
        CHECK(hex(fnv1a64(text::normalize(persona))) == persona_hash[i]);
        ++i;
    }
    CHECK(i == persona_hash.size());
    CHECK(i == 5000);
}

TEST_CASE("text trim and words use Python's whitespace", "[text]") {
    CHECK(text::trim("  a b \t\n") == "a b");
    CHECK(text::trim("\u00a0\u3000x\u2028\x1f") == "x");
    CHECK(text::trim("\u200bx") == "\u200bx");
    CHECK(text::trim("   ") == "");
    CHECK(text::trim("") == "");
    CHECK(text::trim("é") == "é");
    CHECK(text::trim(" 日本 ") == "日本");
    const std::string padded = "\t x y \u3000";
    const std::string_view view = text::trim_view(padded);
    CHECK(view == "x y");
    CHECK(view.data() == padded.data() + 2);  // a view into the text, not a copy
    using Words = std::vector<std::string_view>;
    CHECK(text::words("  the quick\u00a0brown\n\nfox ") == Words{"the", "quick", "brown", "fox"});
    CHECK(text::words("日本\u3000語") == Words{"日本", "語"});
    CHECK(text::words("").empty());
    CHECK(text::words(" \t ").empty());
    CHECK(text::words("one") == Words{"one"});
    CHECK(text::code_points("aé日🙂") == std::vector<char32_t>{U'a', U'é', U'日', U'🙂'});
}
