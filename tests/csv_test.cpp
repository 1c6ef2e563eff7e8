#include "common/csv.h"

#include <catch2/catch.hpp>
#include <random>
#include <sstream>

#include "common/errors.h"
#include "tests/support/process.h"

using synthmod::InputError;
using synthmod::IoError;
namespace csv = synthmod::csv;

namespace {

using Rows = std::vector<std::vector<std::string>>;

Rows read_all(const std::string& text, const std::string& name = "t.csv") {
    std::istringstream in(text);
    csv::Reader reader(in, name);
    Rows rows;
    std::vector<std::string> fields;
    while (reader.next(fields)) rows.push_back(fields);
    return rows;
}

std::vector<std::size_t> record_lines(const std::string& text) {
    std::istringstream in(text);
    csv::Reader reader(in, "t.csv");
    std::vector<std::size_t> lines;
    std::vector<std::string> fields;
    while (reader.next(fields)) lines.push_back(reader.line());
    return lines;
}

/// The message of the InputError that reading `text` throws ("" when none is thrown).
std::string read_error(const std::string& text) {
    try {
        read_all(text);
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}

std::string table_error(const std::string& text, const std::vector<std::string>& required = {}) {
    std::istringstream in(text);
    try {
        csv::read_table(in, "t.csv", required);
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}

std::string write(const Rows& rows) {
    std::ostringstream out;
    csv::Writer writer(out);
    for (const auto& row : rows) writer.write_row(row);
    return out.str();
}

}  // namespace

TEST_CASE("csv reads plain and quoted fields", "[csv]") {
    SECTION("simple records, LF") { CHECK(read_all("a,b\n1,2\n") == Rows{{"a", "b"}, {"1", "2"}}); }
    SECTION("CRLF line ends") { CHECK(read_all("a,b\r\n1,2\r\n") == Rows{{"a", "b"}, {"1", "2"}}); }
    SECTION("final record without newline") {
        CHECK(read_all("a,b\n1,2") == Rows{{"a", "b"}, {"1", "2"}});
        CHECK(read_all("a,b\n\"1\",\"2\"") == Rows{{"a", "b"}, {"1", "2"}});
    }
    SECTION("quoted commas, doubled quotes, newlines inside quotes") {
        CHECK(read_all("c,l\n\"x, y\",\"say \"\"hi\"\"\"\n") ==
              Rows{{"c", "l"}, {"x, y", "say \"hi\""}});
        CHECK(read_all("c,l\n\"line1\nline2\r\nline3\",x\n") ==
              Rows{{"c", "l"}, {"line1\nline2\r\nline3", "x"}});
    }
    SECTION("empty fields") {
        CHECK(read_all("a,b,c\n,,\n\"\",x,\n") ==
              Rows{{"a", "b", "c"}, {"", "", ""}, {"", "x", ""}});
    }
    SECTION("a UTF-8 BOM at the start is dropped, elsewhere kept") {
        CHECK(read_all("\xEF\xBB\xBF"
                       "content,label\nhi,Safe\n") == Rows{{"content", "label"}, {"hi", "Safe"}});
        CHECK(read_all("a\n\xEF\xBB\xBFx\n") == Rows{{"a"}, {"\xEF\xBB\xBFx"}});
    }
    SECTION("blank lines are skipped; a quoted empty field is a record") {
        CHECK(read_all("a\n\n\r\nx\n\"\"\n") == Rows{{"a"}, {"x"}, {""}});
    }
    SECTION("empty input has no records") {
        CHECK(read_all("").empty());
        CHECK(read_all("\xEF\xBB\xBF").empty());
    }
    SECTION("unicode passes through") {
        CHECK(read_all("a\n\"日本語, ok\"\n") == Rows{{"a"}, {"日本語, ok"}});
    }
}

TEST_CASE("csv reports the line on which each record starts", "[csv]") {
    CHECK(record_lines("a,b\n\"x\ny\nz\",1\n\n2,3\r\n4,5") == std::vector<std::size_t>{1, 2, 6, 7});
}

TEST_CASE("csv rejects malformed records with their line", "[csv]") {
    SECTION("a quote inside an unquoted field") {
        const auto msg = read_error("a,b\n1,2\nab\"c,3\n");
        CHECK_THAT(msg, Catch::StartsWith("t.csv:3: quote inside an unquoted field"));
        CHECK_THAT(read_error("a,b\n x \"y\",3\n"), Catch::StartsWith("t.csv:2: quote inside"));
    }
    SECTION("text after a closing quote") {
        CHECK_THAT(read_error("a,b\n\"multi\nline\"x,2\n"),
                   Catch::StartsWith("t.csv:3: text after the closing quote"));
        CHECK_THAT(read_error("a,b\n\"x\" ,2\n"), Catch::StartsWith("t.csv:2: text after"));
    }
    SECTION("an unterminated quoted field names the line where it opened") {
        CHECK(read_error("a,b\n1,2\n3,\"never\nclosed\n") == "t.csv:3: unterminated quoted field");
    }
    SECTION("a record with another width than the header") {
        CHECK(read_error("a,b\n1,2\n1,2,3\n") ==
              "t.csv:3: expected 2 fields (as in the header), found 3");
        CHECK(read_error("a,b\n\"x\ny\",2\nonly\n") ==
              "t.csv:4: expected 2 fields (as in the header), found 1");
    }
    SECTION("the error is an InputError (exit 2)") {
        std::istringstream in("a\n\"x");
        csv::Reader reader(in, "f.csv");
        std::vector<std::string> fields;
        REQUIRE(reader.next(fields));
        try {
            reader.next(fields);
            FAIL("no error");
        } catch (const InputError& e) {
            CHECK(e.exit_code() == synthmod::ExitCode::kUsage);
        }
    }
}

TEST_CASE("csv read_table checks the whole file", "[csv]") {
    SECTION("good table") {
        std::istringstream in(
            "\xEF\xBB\xBF"
            "label,content\r\nSafe,\"a\nb\"\r\nSpam,x\r\n");
        const auto t = csv::read_table(in, "t.csv", {"content", "label"});
        CHECK(t.header == std::vector<std::string>{"label", "content"});
        CHECK(t.column("content") == 1);
        CHECK(t.column("label") == 0);
        CHECK(t.column("nope") == -1);
        CHECK(t.rows == Rows{{"Safe", "a\nb"}, {"Spam", "x"}});
        CHECK(t.lines == std::vector<std::size_t>{2, 4});
        CHECK(t.name == "t.csv");
    }
    SECTION("empty file") {
        CHECK(table_error("") == "t.csv:1: empty file (no header row)");
        CHECK(table_error("\n\n") == "t.csv:1: empty file (no header row)");
    }
    SECTION("missing required column") {
        CHECK(table_error("text,label\nx,y\n", {"content", "label"}) ==
              "t.csv:1: missing column \"content\"");
    }
    SECTION("duplicate column") {
        CHECK(table_error("content,content\nx,y\n") == "t.csv:1: duplicate column \"content\"");
    }
    SECTION("invalid UTF-8 names the exact line and column") {
        CHECK(table_error("content,label\nok,Safe\n\"two\nli\xff"
                          "ne\",Safe\n") ==
              "t.csv:4: invalid UTF-8 (byte 0xff) in column \"content\"");
        CHECK(table_error("content,label\nok,\xc0\x80\n") ==
              "t.csv:2: invalid UTF-8 (byte 0xc0) in column \"label\"");
        CHECK(table_error("cont\xed\xa0\x80"
                          "ent\nx\n") == "t.csv:1: invalid UTF-8 (byte 0xed) in the header");
    }
    SECTION("width mismatch from the table reader") {
        CHECK(table_error("content,label\nx\n") ==
              "t.csv:2: expected 2 fields (as in the header), found 1");
    }
}

TEST_CASE("csv open and read_table on files", "[csv]") {
    const std::string dir = synthmod::test::temp_dir("csv");
    SECTION("a missing file is an IoError naming it") {
        const std::string path = dir + "/missing.csv";
        try {
            csv::read_table(path);
            FAIL("no error");
        } catch (const IoError& e) {
            CHECK(std::string(e.what()) == path + ": cannot read: No such file or directory");
        }
        CHECK_THROWS_AS(csv::Reader::open(path), IoError);
    }
    SECTION("a directory is an IoError") { CHECK_THROWS_AS(csv::Reader::open(dir), IoError); }
    SECTION("a file larger than one read chunk, with fields across chunk edges") {
        std::string text = "content,label\n";
        Rows expected;
        std::mt19937 rng(7);
        while (text.size() < 3u * (1u << 20)) {
            std::string content(rng() % 200, 'x');
            for (auto& c : content) c = "ab,\"\n "[rng() % 6];
            expected.push_back({content, std::to_string(expected.size())});
            text += csv::quote(content) + "," + expected.back()[1] + (rng() % 2 ? "\r\n" : "\n");
        }
        synthmod::test::spit(dir + "/big.csv", text);
        const auto t = csv::read_table(dir + "/big.csv", {"content"});
        CHECK(t.rows == expected);
    }
    SECTION("the real moderation set reads with its documented size") {
        const auto t = csv::read_table(std::string(SYNTHMOD_DATA_DIR) + "/moderation_openai.csv",
                                       {"content", "label"});
        CHECK(t.header == std::vector<std::string>{"content", "label"});
        CHECK(t.rows.size() == 1680);
    }
}

TEST_CASE("csv writer quotes only when needed", "[csv]") {
    CHECK(csv::quote("plain") == "plain");
    CHECK(csv::quote("") == "");
    CHECK(csv::quote("a,b") == "\"a,b\"");
    CHECK(csv::quote("say \"hi\"") == "\"say \"\"hi\"\"\"");
    CHECK(csv::quote("a\nb") == "\"a\nb\"");
    CHECK(csv::quote("a\rb") == "\"a\rb\"");
    CHECK(csv::quote(" lead") == "\" lead\"");
    CHECK(csv::quote("trail ") == "\"trail \"");
    CHECK(csv::quote("日本") == "日本");
    CHECK(csv::quote("\xEF\xBB\xBFx") == "\"\xEF\xBB\xBFx\"");
    CHECK(read_all(write({{"\xEF\xBB\xBFx", "y"}})) == Rows{{"\xEF\xBB\xBFx", "y"}});
    CHECK(write({{"content", "label"}, {"a,b", "Safe"}}) == "content,label\n\"a,b\",Safe\n");
    CHECK(write({{""}}) == "\"\"\n");
    std::ostringstream out;
    csv::Writer writer(out);
    writer.write_row(std::vector<std::string_view>{"x", "y\"z"});
    CHECK(out.str() == "x,\"y\"\"z\"\n");
}

TEST_CASE("csv finds a separator, quote or line end at any place in a long field", "[csv]") {
    // Fields are scanned 16 bytes at a time: each special byte at every place of fields up to 70
    // bytes long, around the block edges, must still be seen by the writer and the reader.
    for (const char special : {',', '"', '\r', '\n'})
        for (std::size_t len = 1; len < 70; ++len)
            for (std::size_t at = 0; at < len; ++at) {
                std::string field(len, 'x');
                field[at] = special;
                INFO("byte " << static_cast<int>(special) << " at " << at << " of " << len);
                REQUIRE(csv::quote(field).front() == '"');
                REQUIRE(read_all(write({{field, "y"}})) == Rows{{field, "y"}});
            }
    for (std::size_t len = 1; len < 70; ++len) {
        const std::string plain(len, 'x');
        CHECK(csv::quote(plain) == plain);
        CHECK(read_all(plain + "," + plain + "\n") == Rows{{plain, plain}});
    }
}

TEST_CASE("csv writer output reads back identically", "[csv]") {
    std::mt19937 rng(12345);
    const std::vector<std::string> atoms = {"a", "Z",  ",", "\"",   "\r",   "\n",           "\r\n",
                                            " ", "\t", "é", "日本", "🙂", "\xEF\xBB\xBF", "''",
                                            ""};
    for (int round = 0; round < 200; ++round) {
        const std::size_t width = 1 + rng() % 5;
        Rows rows;
        const std::size_t count = rng() % 8;
        for (std::size_t r = 0; r < count; ++r) {
            std::vector<std::string> row;
            for (std::size_t c = 0; c < width; ++c) {
                std::string field;
                const std::size_t len = rng() % 6;
                for (std::size_t k = 0; k < len; ++k) field += atoms[rng() % atoms.size()];
                row.push_back(field);
            }
            rows.push_back(row);
        }
        const std::string text = write(rows);
        INFO("round " << round << ": " << text);
        CHECK(read_all(text) == rows);
    }
}
