// csv_split and records::CsvSplit: a CSV file read in two parts on two threads gives the records,
// lines and errors of the same file read in one part, whatever sits around the middle (a quoted
// field with newlines, CRLF, a lone CR), and an error in the second part names its own line.
#include "common/csv_split.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <exception>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/errors.h"
#include "common/records.h"
#include "support/process.h"

using namespace synthmod;

namespace {

/// A CSV file built row by row, with the line each record starts on.
struct Builder {
    std::string eol = "\n";
    std::string text = "id,content,label" + eol;
    std::size_t line = 2;  ///< the line the next record starts on

    Builder(std::string end_of_line)
        : eol(std::move(end_of_line)), text("id,content,label" + eol) {}
    /// Appends `record` (no line end) and returns the line it starts on.
    std::size_t add(const std::string& record) {
        const std::size_t at = line;
        text += record + eol;
        for (char c : record) line += c == '\n';
        line += 1;
        return at;
    }
    /// `n` ordinary rows of ~250 bytes, some quoted with commas and doubled quotes.
    void plain(int n, int from) {
        for (int i = from; i < from + n; ++i) {
            std::string words;
            for (int w = 0; w < 30; ++w) words += "w" + std::to_string((i * 31 + w) % 977) + " ";
            if (i % 7 == 0)
                add(std::to_string(i) + ",\"" + words + ", said \"\"so\"\"\",Spam");
            else
                add(std::to_string(i) + "," + words + ",Safe");
        }
    }
};

struct Record {
    std::vector<std::string> fields;
    std::size_t line = 0;
    bool operator==(const Record& o) const { return fields == o.fields && line == o.line; }
};

struct Read {
    std::vector<Record> records;
    std::string error;  ///< the error reported, or empty
};

Read read_whole(const std::string& path) {
    Read out;
    try {
        auto reader = records::Reader::open({path});
        std::vector<std::string> fields;
        while (reader->next(fields)) out.records.push_back({fields, reader->line()});
    } catch (const Error& e) {
        out.error = e.what();
    }
    return out;
}

/// As stats reads a shard in two parts: the first part here, the rest on a second thread, the
/// first part's error first. `split` tells whether there was a second part.
Read read_halves(const std::string& path, bool& split) {
    Read first, rest;
    auto reader = records::Reader::open({path});
    auto halves = records::CsvSplit::make(*reader, 0);
    REQUIRE(halves != nullptr);
    split = false;
    std::thread second([&] {
        try {
            auto part = halves->second();
            if (part == nullptr) return;
            split = true;
            std::vector<std::string> fields;
            while (part->next(fields)) rest.records.push_back({fields, part->line()});
        } catch (const Error& e) {
            rest.error = e.what();
        }
    });
    try {
        std::vector<std::string> fields;
        while (reader->next(fields)) first.records.push_back({fields, reader->line()});
    } catch (const Error& e) {
        first.error = e.what();
    }
    second.join();
    if (!first.error.empty()) return first;
    first.error = rest.error;
    first.records.insert(first.records.end(), rest.records.begin(), rest.records.end());
    return first;
}

/// Writes `b` and checks that both reads agree; returns the read in one part.
Read same_both_ways(const std::string& path, const Builder& b, bool want_split = true) {
    test::spit(path, b.text);
    const Read whole = read_whole(path);
    bool split = false;
    const Read halves = read_halves(path, split);
    CHECK(split == want_split);
    CHECK(halves.error == whole.error);
    CHECK(halves.records.size() == whole.records.size());
    CHECK(halves.records == whole.records);
    return whole;
}

}  // namespace

TEST_CASE("csv_split: a quoted field with newlines across the middle moves the cut past it",
          "[csv][split]") {
    for (const std::string eol : {"\n", "\r\n"}) {
        Builder b(eol);
        b.plain(1500, 0);
        std::string big = "\"";
        for (int k = 0; k < 400; ++k)
            big += "line " + std::to_string(k) + " of a long quote," + eol;
        big += "\"";
        const std::size_t big_start = b.text.size();
        const std::size_t big_line = b.add("1500," + big + ",Safe");
        const std::size_t after_big = b.text.size();
        const std::size_t after_line = b.line;
        b.plain(1500, 1501);
        const std::uint64_t middle = b.text.size() / 2;
        REQUIRE(middle > big_start);
        REQUIRE(middle < after_big);
        const std::string path = test::temp_dir("csv-split") + "/big.csv";
        const Read whole = same_both_ways(path, b);
        const auto cut = csv::find_split(path, middle);
        REQUIRE(cut.has_value());
        CHECK(cut->offset == after_big);
        CHECK(cut->line == after_line);
        REQUIRE(whole.error.empty());
        REQUIRE(whole.records.size() == 3001);
        CHECK(whole.records[1500].line == big_line);
        CHECK(whole.records[1501].line == after_line);
        CHECK(whole.records.back().fields[0] == "3000");
    }
}

TEST_CASE("csv_split: a lone CR before the middle reads the file in one part", "[csv][split]") {
    Builder b("\n");
    b.plain(10, 0);
    b.text += "10,a lone CR ends this line,Safe\r";  // csv::Reader counts it as a line end
    b.line += 1;
    b.plain(2000, 11);
    const std::string path = test::temp_dir("csv-split") + "/cr.csv";
    same_both_ways(path, b, false);
    CHECK_FALSE(csv::find_split(path, b.text.size() / 2).has_value());
}

TEST_CASE("csv_split: no line end after the middle reads the file in one part", "[csv][split]") {
    Builder b("\n");
    b.plain(1000, 0);
    std::string last = "1000,\"";
    for (int k = 0; k < 12000; ++k) last += "no line end after the middle ";
    b.text += last + "\",Safe";  // the last record has no line end
    const std::string path = test::temp_dir("csv-split") + "/tail.csv";
    same_both_ways(path, b, false);
}

TEST_CASE("csv_split: an error in the second part names its own line", "[csv][split]") {
    const std::string dir = test::temp_dir("csv-split");
    struct Bad {
        std::string record;
        std::string what;
    };
    const Bad cases[] = {
        {"77,too few fields", "expected 3 fields (as in the header), found 2"},
        {"77,\"two\nlines then \xff\",Safe", "invalid UTF-8 (byte 0xff) in column \"content\""},
        {"77,a \"quote\" inside,Safe", "quote inside an unquoted field"},
    };
    for (const auto& bad : cases) {
        Builder b("\n");
        b.plain(1500, 0);
        b.plain(700, 1500);
        const std::size_t line = b.add(bad.record);
        b.plain(300, 2200);
        REQUIRE(b.text.find(bad.record) > b.text.size() / 2);
        const std::string path = dir + "/bad.csv";
        const Read whole = same_both_ways(path, b);
        // The line is the one the record starts on, or the second for the UTF-8 case: the bad
        // byte comes after the quoted newline.
        const std::size_t at = bad.what.rfind("invalid UTF-8", 0) == 0 ? line + 1 : line;
        CHECK_THAT(whole.error, Catch::Contains(path + ":" + std::to_string(at) + ": "));
        CHECK_THAT(whole.error, Catch::Contains(bad.what));
    }
}

TEST_CASE("csv_split: errors in both parts report the first part's", "[csv][split]") {
    Builder b("\r\n");
    b.plain(300, 0);
    const std::size_t first_bad = b.add("300,one field too many,Safe,extra");
    b.plain(1500, 301);
    b.add("1801,too few fields");
    b.plain(300, 1802);
    const std::string path = test::temp_dir("csv-split") + "/two.csv";
    const Read whole = same_both_ways(path, b);
    CHECK_THAT(whole.error, Catch::Contains(path + ":" + std::to_string(first_bad) +
                                            ": expected 3 fields (as in the header), found 4"));
}

TEST_CASE("csv_split: only plain CSV files with a header row past the size split", "[csv][split]") {
    const std::string dir = test::temp_dir("csv-split");
    Builder b("\n");
    b.plain(50, 0);
    test::spit(dir + "/small.csv", b.text);
    auto small = records::Reader::open({dir + "/small.csv"});
    CHECK(records::CsvSplit::make(*small) == nullptr);     // under kMinBytes
    CHECK(records::CsvSplit::make(*small, 0) == nullptr);  // its first read took it all
    b.plain(2000, 50);
    test::spit(dir + "/a.csv", b.text);
    test::spit_gzip(dir + "/a.csv.gz", b.text);
    test::spit(dir + "/a.tsv", "id\tcontent\tlabel\n1\tx\tSafe\n");
    auto gz = records::Reader::open({dir + "/a.csv.gz"});
    CHECK(records::CsvSplit::make(*gz, 0) == nullptr);
    auto tsv = records::Reader::open({dir + "/a.tsv"});
    CHECK(records::CsvSplit::make(*tsv, 0) == nullptr);
    auto headerless =
        records::Reader::open({dir + "/a.csv", records::Format::kCsv, {"a", "b", "c"}});
    CHECK(records::CsvSplit::make(*headerless, 0) == nullptr);
    auto plain = records::Reader::open({dir + "/a.csv"});
    CHECK(records::CsvSplit::make(*plain, 0) != nullptr);
}

namespace {

/// find_split's contract, byte by byte: the first LF at or after `middle` with an even number
/// of quotes before it, unless a CR not followed by an LF comes first.
std::optional<csv::Split> split_by_definition(const std::string& s, std::uint64_t middle) {
    std::uint64_t quotes = 0;
    std::size_t lfs = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (i > 0 && s[i - 1] == '\r' && s[i] != '\n') return std::nullopt;
        quotes += s[i] == '"';
        if (s[i] != '\n') continue;
        ++lfs;
        if (i >= middle && quotes % 2 == 0) return csv::Split{i + 1, lfs + 1};
    }
    return std::nullopt;
}

}  // namespace

TEST_CASE("csv_split: find_split agrees with its definition on files of quotes, LFs and CRs",
          "[csv][split]") {
    // Quotes, LFs, CRLFs and lone CRs at random places and where the scan's steps change
    // (its 192-byte runs, its 256 KB reads, the middle): the cut, its line and the lone-CR
    // refusal must be those of the byte-by-byte definition.
    std::mt19937 random(16);
    const std::string path = test::temp_dir("csv-split") + "/random.csv";
    const std::size_t size = 600000;
    const std::vector<std::size_t> places = {0,   1,      191,    192,    193,    383,
                                             384, 262143, 262144, 262145, 300000, 524287};
    int cuts = 0, refusals = 0;
    for (int round = 0; round < 48; ++round) {
        std::string s(size, 'a');
        const unsigned per_quote = 50 + random() % 5000, per_line = 2 + random() % 400;
        for (std::size_t i = 0; i < size; ++i) {
            if (random() % per_quote == 0)
                s[i] = '"';
            else if (random() % per_line == 0)
                s[i] = '\n';
            else if (random() % 13 == 0)
                s[i] = ',';
        }
        if (round % 2 == 1)  // CRLF line ends
            for (std::size_t i = 1; i < size; ++i)
                if (s[i] == '\n' && s[i - 1] != '\r' && s[i - 1] != '\n') s[i - 1] = '\r';
        const std::size_t at = places[random() % places.size()] + random() % 3;
        if (round % 4 >= 2 && at < size) s[at] = '\r';  // a lone CR, unless an LF follows
        if (round % 8 == 7) s[at] = '"';
        const std::uint64_t middle =
            round % 3 == 0 ? places[random() % places.size()] : random() % size;
        test::spit(path, s);
        const auto want = split_by_definition(s, middle);
        const auto got = csv::find_split(path, middle);
        INFO("round " << round << ", middle " << middle << ", changed byte " << at);
        REQUIRE(got.has_value() == want.has_value());
        if (!want) {
            ++refusals;
            continue;
        }
        ++cuts;
        CHECK(got->offset == want->offset);
        CHECK(got->line == want->line);
    }
    CHECK(cuts > 10);
    CHECK(refusals > 5);

    SECTION("a CR at each of those places, with or without its LF, the middle after it") {
        std::string plain(size, 'a');
        for (std::size_t i = 100; i < size; i += 100) plain[i] = '\n';
        for (const std::size_t at : places) {
            for (const bool lone : {true, false}) {
                std::string s = plain;
                s[at] = '\r';
                s[at + 1] = lone ? 'a' : '\n';
                test::spit(path, s);
                const auto got = csv::find_split(path, size - 1000);
                INFO("CR at " << at << (lone ? ", lone" : ", then LF"));
                REQUIRE(got.has_value() == !lone);
                if (!lone) CHECK(got->line == split_by_definition(s, size - 1000)->line);
            }
        }
    }
}
