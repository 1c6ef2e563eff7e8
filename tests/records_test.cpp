// records: CSV, TSV, JSON Lines, gzip, header-less files, and the real moderation set as OpenAI
// released it (samples-1680.jsonl.gz) against the same data converted by hand (moderation_openai.csv).
#include "common/records.h"


#include <catch2/catch.hpp>
#include <map>

#include "common/csv.h"
#include "common/errors.h"
#include "tests/support/process.h"

using synthmod::InputError;
using synthmod::IoError;
using synthmod::UsageError;
namespace records = synthmod::records;
namespace test = synthmod::test;

namespace {

std::string error_of(const records::Source& source, const std::vector<records::Column>& required = {}) {
    try {
        records::read_table(source, required);
    } catch (const synthmod::Error& e) {
        return e.what();
    }
    return "";
}

using Rows = std::vector<std::vector<std::string>>;

}  // namespace

TEST_CASE("records picks the format by extension, .gz set aside", "[records]") {
    using records::Format;
    CHECK(records::resolve("a.csv", Format::kAuto) == Format::kCsv);
    CHECK(records::resolve("a.CSV.gz", Format::kAuto) == Format::kCsv);
    CHECK(records::resolve("a.tsv", Format::kAuto) == Format::kTsv);
    CHECK(records::resolve("a.tab.gz", Format::kAuto) == Format::kTsv);
    CHECK(records::resolve("a.jsonl", Format::kAuto) == Format::kJsonl);
    CHECK(records::resolve("dir/a.ndjson.gz", Format::kAuto) == Format::kJsonl);
    CHECK(records::resolve("a.json", Format::kAuto) == Format::kJsonl);
    CHECK(records::resolve("-", Format::kAuto) == Format::kCsv);
    CHECK(records::resolve("a.txt", Format::kAuto) == Format::kCsv);
    CHECK(records::resolve("a.csv", Format::kTsv) == Format::kTsv);
    CHECK(records::parse_format("jsonl") == Format::kJsonl);
    CHECK_THROWS_AS(records::parse_format("xlsx"), UsageError);
}

TEST_CASE("records reads CSV exactly as csv::read_table does", "[records]") {
    const std::string dir = test::temp_dir("records");
    const std::string path = dir + "/a.csv";
    const std::string text =
        "\xEF\xBB\xBF" "content,label\r\n\"a, \"\"quoted\"\"\nline\",x\n\nplain,y\n";
    test::spit(path, text);
    const auto want = synthmod::csv::read_table(path);
    const auto got = records::read_table({path});
    CHECK(got.header == want.header);
    CHECK(got.rows == want.rows);
    CHECK(got.lines == want.lines);
    CHECK(got.lines == std::vector<std::size_t>{2, 5});
    // The same bytes gzip-compressed, under a name that does not say so: found by the magic bytes.
    test::spit_gzip(dir + "/b.csv", text);
    const auto gz = records::read_table({dir + "/b.csv"});
    CHECK(gz.rows == want.rows);
    CHECK(gz.lines == want.lines);
}

TEST_CASE("records reads TSV as IANA defines it: no quoting, one record per line", "[records]") {
    const std::string dir = test::temp_dir("records");
    SECTION("with a header; a quote is data; CRLF and blank lines") {
        const std::string path = dir + "/a.tsv";
        test::spit(path, "label\ttext\r\nham\t\"Go until\" jurong, point\r\n\r\nspam\tFREE entry\t\n");
        // The last line has a trailing tab: three fields, one more than the header.
        CHECK(error_of({path}) == path + ":4: expected 2 fields (as in the header), found 3");
        test::spit(path, "label\ttext\r\nham\t\"Go until\" jurong, point\r\n\r\nspam\tFREE entry\n");
        const auto t = records::read_table({path});
        CHECK(t.header == std::vector<std::string>{"label", "text"});
        CHECK(t.rows == Rows{{"ham", "\"Go until\" jurong, point"}, {"spam", "FREE entry"}});
        CHECK(t.lines == std::vector<std::size_t>{2, 4});
    }
    SECTION("header-less with --columns, the first line is data") {
        const std::string path = dir + "/SMSSpamCollection";
        test::spit(path, "ham\tOk lar...\nspam\tWINNER!! call 09061701461\n");
        records::Source s{path, records::Format::kTsv, {"label", "content"}};
        const auto t = records::read_table(s);
        CHECK(t.header == std::vector<std::string>{"label", "content"});
        CHECK(t.rows == Rows{{"ham", "Ok lar..."}, {"spam", "WINNER!! call 09061701461"}});
        CHECK(t.lines == std::vector<std::size_t>{1, 2});
        s.columns = {"label", "content", "extra"};
        CHECK(error_of(s) == path + ":1: expected 3 fields (the columns given), found 2");
    }
    SECTION("invalid UTF-8 is refused with its line and column") {
        const std::string path = dir + "/bad.tsv";
        test::spit(path, "label\ttext\nham\tok\nham\tbad \xff byte\n");
        CHECK(error_of({path}) == path + ":3: invalid UTF-8 (byte 0xff) in column \"text\"");
    }
}

TEST_CASE("records reads JSON Lines as datasets writes them", "[records]") {
    const std::string dir = test::temp_dir("records");
    const std::string path = dir + "/train.jsonl";
    SECTION("keys of the first line are the header; numbers as their JSON text; null empty") {
        test::spit(path,
                   "{\"text\": \"hi \\\"there\\\"\\nyou\", \"label\": 0, \"score\": 0.25}\n"
                   "\n"
                   "{\"label\": 2, \"text\": \"\\u00e9t\\u00e9\", \"score\": null}\r\n"
                   "{\"text\": \"no label\", \"score\": [1, true]}\n");
        const auto t = records::read_table({path}, {{"text", "--text-column"}});
        CHECK(t.header == std::vector<std::string>{"text", "label", "score"});
        CHECK(t.rows == Rows{{"hi \"there\"\nyou", "0", "0.25"},
                             {"\xC3\xA9t\xC3\xA9", "2", ""},
                             {"no label", "", "[1,true]"}});
        CHECK(t.lines == std::vector<std::size_t>{1, 3, 4});
    }
    SECTION("a key the first line lacks, a line that is not an object, broken JSON") {
        test::spit(path, "{\"text\": \"a\"}\n{\"text\": \"b\", \"label\": 1}\n");
        CHECK(error_of({path}) == path + ":2: key \"label\" is not among the first line's keys");
        // --columns names the keys to take, whatever the first line holds.
        records::Source s{path, records::Format::kAuto, {"label", "text"}};
        CHECK(records::read_table(s).rows == Rows{{"", "a"}, {"1", "b"}});
        test::spit(path, "{\"text\": \"a\"}\n[1, 2]\n");
        CHECK(error_of({path}) == path + ":2: expected a JSON object on each line");
        test::spit(path, "{\"text\": \"a\"}\n{\"text\": \"b\"\n");
        CHECK(error_of({path}).rfind(path + ":2: offset", 0) == 0);
    }
}

TEST_CASE("records names the columns found and the flag when one is missing", "[records]") {
    const std::string dir = test::temp_dir("records");
    const std::string path = dir + "/hf.csv";
    test::spit(path, ",text,class\n0,hello,1\n");
    CHECK(error_of({path}, {{"content", "--text-column"}}) ==
          path + ":1: missing column \"content\" (columns found: (unnamed), text, class; "
                 "--text-column picks one)");
    const auto t = records::read_table({path}, {{"text", ""}, {"class", ""}});
    CHECK(t.rows == Rows{{"0", "hello", "1"}});
}

TEST_CASE("records refuses a broken gzip file and an empty one", "[records]") {
    const std::string dir = test::temp_dir("records");
    const std::string path = dir + "/a.jsonl.gz";
    std::string body;
    for (int i = 0; i < 2000; ++i) body += "{\"text\": \"row " + std::to_string(i) + "\"}\n";
    test::spit_gzip(path, body);
    const std::string whole = test::slurp(path);
    REQUIRE(records::read_table({path}).rows.size() == 2000);
    test::spit(path, whole.substr(0, whole.size() / 2));  // cut in the middle
    const std::string err = error_of({path});
    INFO(err);
    CHECK(err.rfind(path + ": gzip: ", 0) == 0);
    test::spit_gzip(path, "");
    CHECK(error_of({path}) == path + ":1: empty file (no header row)");
}

TEST_CASE("records: the moderation set as released (JSONL.gz) equals the hand-converted CSV",
          "[records][real]") {
    const std::string real = std::string(SYNTHMOD_SOURCE_DIR) + "/tests/data/real";
    const auto released =
        records::read_table({real + "/moderation-api-release/samples-1680.jsonl.gz"},
                            {{"prompt", "--text-column"}});
    const auto converted = synthmod::csv::read_table(real + "/moderation_openai.csv");
    REQUIRE(released.rows.size() == 1680);
    REQUIRE(converted.rows.size() == 1680);
    CHECK(released.header ==
          std::vector<std::string>{"prompt", "S", "H", "V", "HR", "SH", "S3", "H2", "V2"});
    // The hand conversion's label: the first category marked 1 in this order, else "safe"
    // (tests/data/real/README.md).
    const std::vector<std::pair<std::string, std::string>> order = {
        {"S3", "sexual/minors"}, {"H2", "hate/threatening"}, {"V2", "violence/graphic"},
        {"SH", "self-harm"},     {"S", "sexual"},            {"H", "hate"},
        {"V", "violence"},       {"HR", "harassment"}};
    const int content = converted.column("content");
    const int label = converted.column("label");
    std::size_t same_text = 0, same_label = 0, sparse = 0;
    for (std::size_t i = 0; i < 1680; ++i) {
        const auto& row = released.rows[i];
        if (row[0] == converted.rows[i][content]) ++same_text;
        std::string got = "safe";
        for (const auto& [key, name] : order) {
            if (row[released.column(key)] == "1") {
                got = name;
                break;
            }
        }
        if (got == converted.rows[i][label]) ++same_label;
        for (std::size_t c = 1; c < row.size(); ++c) {
            if (row[c].empty()) {
                ++sparse;  // the release leaves some categories out of some lines
                break;
            }
        }
    }
    CHECK(same_text == 1680);
    CHECK(same_label == 1680);
    CHECK(sparse == 925);
}

namespace {

/// Every record read through a ReadAhead, with its line, and the error it ended with ("" if none).
struct ReadBack {
    Rows rows;
    std::vector<std::size_t> lines;
    std::string error;
};

ReadBack read_ahead(const std::string& path, std::size_t stop_after = SIZE_MAX) {
    ReadBack out;
    auto reader = records::Reader::open({path});
    records::ReadAhead ahead(*reader);
    try {
        std::size_t line = 0;
        while (out.rows.size() < stop_after)
            if (auto* fields = ahead.next(line)) {
                out.rows.push_back(*fields);
                out.lines.push_back(line);
            } else {
                break;
            }
    } catch (const InputError& e) {
        out.error = e.what();
    }
    return out;
}

}  // namespace

TEST_CASE("records' read-ahead gives Reader::next's records, lines and error, in order",
          "[records]") {
    const std::string dir = test::temp_dir("records");
    // More records than a batch holds, multi-line quoted fields and blank lines among them.
    std::string text = "content,label\n";
    for (int i = 0; i < 2000; ++i)
        text += i % 7 == 0 ? "\"row " + std::to_string(i) + "\nsecond line\",x\n\n"
                           : "row " + std::to_string(i) + ",y\n";
    test::spit(dir + "/a.csv", text);
    const auto want = records::read_table({dir + "/a.csv"});
    REQUIRE(want.rows.size() == 2000);
    SECTION("the whole file") {
        const ReadBack got = read_ahead(dir + "/a.csv");
        CHECK(got.error.empty());
        CHECK(got.rows == want.rows);
        CHECK(got.lines == want.lines);
    }
    SECTION("a bad record: the records before it, then its error") {
        test::spit(dir + "/b.csv", text + "bad \xff byte,z\nafter,z\n");
        const ReadBack got = read_ahead(dir + "/b.csv");
        CHECK(got.rows == want.rows);
        CHECK(got.error == error_of({dir + "/b.csv"}));
        CHECK(got.error.find("invalid UTF-8") != std::string::npos);
    }
    SECTION("the caller stops early: the reading thread is stopped, nothing hangs") {
        const ReadBack got = read_ahead(dir + "/a.csv", 3);
        CHECK(got.rows == Rows(want.rows.begin(), want.rows.begin() + 3));
    }
}
