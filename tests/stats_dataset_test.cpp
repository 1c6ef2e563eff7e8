// Tests of stats/dataset: loading shards, the row store behind the Dataset class (read-only
// columns, no copies, content read through text()), prepare's parsing of the judge columns.
#include <catch2/catch.hpp>
#include <stdexcept>
#include <type_traits>

#include "common/errors.h"
#include "common/records.h"
#include "common/text.h"
#include "stats/dataset.h"
#include "support/process.h"

using namespace synthmod;

namespace {

/// Whether `value = T{}` compiles for the expression type of a Dataset member.
template <class Member, class T>
constexpr bool kWritable = std::is_assignable<Member, T>::value;

}  // namespace

// The members outside code reads cannot be written from outside (the open struct's fixes
// 147d2f2, 3e5f324, bbd3b43 came from code reaching into it), and the dataset is not copyable
// (its normalised views point into its own buffers).
static_assert(
    !kWritable<decltype((std::declval<dataset::Dataset&>().header)), std::vector<std::string>>);
static_assert(!kWritable<decltype((std::declval<dataset::Dataset&>().content)), int>);
static_assert(!kWritable<decltype((std::declval<dataset::Dataset&>().normalized)),
                         std::vector<std::string_view>>);
static_assert(!std::is_copy_constructible_v<dataset::Dataset>);
static_assert(std::is_move_constructible_v<dataset::Dataset>);

TEST_CASE("shards in another column order read as one dataset", "[dataset]") {
    const std::string dir = test::temp_dir("stats-dataset");
    test::spit(dir + "/a.csv", "content,label,persona\nfirst post,Safe,p1\nsecond,Spam,p2\n");
    test::spit(dir + "/b.csv", "persona,content,label\np3,\"third\npost\",Safe\n");
    auto d = dataset::load({dir + "/a.csv", dir + "/b.csv"});
    REQUIRE(d.size() == 3);
    CHECK(d.header.size() == 3);
    CHECK(d.header[2] == "persona");
    CHECK(d.content == 0);
    CHECK(d.label == 1);
    CHECK(d.persona == 2);
    CHECK(d.judge_label == -1);
    CHECK_FALSE(d.has_judge());
    CHECK(d.text(2) == "third\npost");
    CHECK(d.field(2, d.persona) == "p3");
    CHECK(d.label_of(1) == "Spam");
    CHECK(d.where(0) == dir + "/a.csv:2");
    CHECK(d.where(2) == dir + "/b.csv:2");
}

TEST_CASE("shards that do not share their columns are refused with file:line", "[dataset]") {
    const std::string dir = test::temp_dir("stats-dataset");
    test::spit(dir + "/a.csv", "content,label\nx,Safe\n");
    test::spit(dir + "/b.csv", "content,label,extra\nx,Safe,1\n");
    test::spit(dir + "/c.csv", "content,labels\nx,Safe\n");
    test::spit(dir + "/d.csv", "content,label\nx,Safe,oops\n");
    auto message = [](const std::vector<std::string>& paths) {
        try {
            dataset::load(paths);
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(message({dir + "/a.csv", dir + "/b.csv"}) ==
          dir + "/b.csv:1: has 3 columns, the first input 2 (shards must share their columns)");
    CHECK(message({dir + "/c.csv"}) == dir +
                                           "/c.csv:1: missing column \"label\" (columns found: "
                                           "content, labels; --label-column picks one)");
    CHECK(message({dir + "/d.csv"}) ==
          dir + "/d.csv:2: expected 2 fields (as in the header), found 3");
    CHECK_THROWS_AS(dataset::load({}), UsageError);
    CHECK_THROWS_AS(dataset::load({"-", "-"}), UsageError);
}

TEST_CASE("prepare parses the judge columns and refuses bad values with file:line", "[dataset]") {
    dataset::Dataset d({"content", "label", "judge_status", "label_correct", "realism"});
    const auto f = d.add_file("j.csv");
    d.add_row({"A post", "Safe", "ok", "TRUE", "4.4"}, f, 2);
    d.add_row({"A  post!", "Safe", " Refused ", "", ""}, f, 3);
    d.add_row({" A post", "Spam", "", "no", "1"}, f, 4);
    d.prepare(1);
    CHECK(d.prepared());
    CHECK(d.has_judge());
    CHECK(d.judge[0] == dataset::JudgeStatus::kOk);
    CHECK(d.judge[1] == dataset::JudgeStatus::kRefused);
    CHECK(d.judge[2] == dataset::JudgeStatus::kError);  // an empty status is an error
    CHECK(d.correct[0] == 1);
    CHECK(d.correct[2] == 0);
    CHECK(d.realism_score[0] == 4);
    CHECK(d.realism_score[1] == 0);
    CHECK(d.normalized[0] == "a post");
    CHECK(d.normalized[1] == "a post");
    CHECK(d.words[1] == 2);
    // Trimmed raw texts: "A post" twice (rows 0 and 2), "A  post!" once.
    CHECK(d.raw_exact_dup_rows == 1);
    CHECK(d.text(1) == "A  post!");
    CHECK_THROWS_AS(d.add_row({"late", "Safe", "ok", "true", "3"}, f, 5), std::logic_error);

    auto error_of = [](const std::string& column, const std::string& value) {
        // judge_label makes the file judged (realism alone does not).
        dataset::Dataset bad({"content", "label", "judge_label", column});
        bad.add_row({"x", "Safe", "Safe", value}, bad.add_file("bad.csv"), 7);
        try {
            bad.prepare(1);
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(error_of("judge_status", "maybe") ==
          "bad.csv:7: judge_status 'maybe' is not ok, tie, refused or error");
    CHECK(error_of("label_correct", "sort of") ==
          "bad.csv:7: label_correct 'sort of' is not "
          "true or false");
    CHECK(error_of("realism", "6") == "bad.csv:7: realism '6' is not a number from 1 to 5");
    CHECK(error_of("realism", "4 stars") ==
          "bad.csv:7: realism '4 stars' is not a number from 1 to 5");
}

TEST_CASE("the content is read through text() once prepared; misuse is a logic error",
          "[dataset]") {
    dataset::Dataset d({"id", "content", "label"});
    const auto f = d.add_file("t.csv");
    d.add_row({"1", "  Hello,  World ", "Safe"}, f, 2);
    CHECK(d.field(0, d.content) == "  Hello,  World ");  // before prepare: as read
    d.prepare(2);
    CHECK_THROWS_AS(d.field(0, d.content), std::logic_error);
    CHECK_THROWS_AS(d.field(0, -1), std::logic_error);
    CHECK_THROWS_AS(d.field(0, 3), std::logic_error);
    std::string buffer;
    CHECK(d.text(0, buffer) == "  Hello,  World ");
    const auto row = d.row(0, buffer);
    CHECK(row == std::vector<std::string_view>{"1", "  Hello,  World ", "Safe"});
    d.prepare(2);  // a second call changes nothing
    CHECK(d.text(0) == "  Hello,  World ");

    dataset::Dataset no_content({"text", "label"});
    no_content.add_row({"x", "Safe"}, no_content.add_file("n.csv"), 2);
    CHECK_THROWS_AS(no_content.text(0), std::logic_error);
    CHECK_THROWS_AS(no_content.add_row({"x", "Safe"}, 5, 3), std::logic_error);  // unknown file
}

TEST_CASE("prepare's normalised texts, written over the raw ones, and the raw texts rebuilt",
          "[dataset]") {
    // Normalising shortens most texts (written in place of the raw text) and lengthens a few
    // (NFKC: U+337F SQUARE CORPORATION, 3 bytes, becomes 4 CJK letters, 12 bytes; U+FDFA 3 ->
    // 33 bytes): both kinds, and empty and unchanged ones, on two workers (>= 1024 rows).
    const std::vector<std::string> texts = {"  Hello,  World ", "\u337f ltd", "plain words", "",
                                            "A\u00a0B!",        "x \ufdfa y", "ok"};
    dataset::Dataset d({"content", "label"});
    const auto f = d.add_file("t.csv");
    const std::size_t rows = 2100;
    for (std::size_t i = 0; i < rows; ++i)
        d.add_row({texts[i % texts.size()] + (i % 3 ? "" : " Row " + std::to_string(i)), "Safe"}, f,
                  i + 2);
    d.prepare(2);
    std::size_t longer = 0;
    for (std::size_t i = 0; i < rows; ++i) {
        const std::string raw =
            texts[i % texts.size()] + (i % 3 ? "" : " Row " + std::to_string(i));
        INFO("row " << i << ": " << raw);
        CHECK(d.normalized[i] == text::normalize(raw));
        CHECK(d.text(i) == raw);
        longer += d.normalized[i].size() > raw.size();
    }
    CHECK(longer >= 2 * (rows / texts.size()));  // the lengthened ones were there
    CHECK(d.normalized[1].substr(0, 12) == "\u682a\u5f0f\u4f1a\u793e");
}

TEST_CASE("a shard read in two parts at once gives the rows of one read", "[dataset]") {
    // Over records::CsvSplit::kMinBytes, so that load(..., 2) reads it in two parts; quoted
    // newlines and a label column between the content and the rest, rows in another column
    // order in a second shard.
    const std::string dir = test::temp_dir("stats-dataset");
    std::string text = "content,label,persona\n";
    std::string reordered = "persona,content,label\n";
    for (int i = 0; i < 6000; ++i) {
        std::string words;
        for (int w = 0; w < 30; ++w) words += "word" + std::to_string((i * 7 + w) % 501) + " ";
        if (i % 5 == 0) words = "\"" + words + "\nsecond line, \"\"quoted\"\"\"";
        text += words + (i % 3 ? ",Safe,p" : ",Spam,p") + std::to_string(i % 4) + "\n";
        reordered += "q" + std::to_string(i % 4) + "," + words + ",Safe\n";
    }
    REQUIRE(text.size() > records::CsvSplit::kMinBytes);
    test::spit(dir + "/a.csv", text);
    test::spit(dir + "/b.csv", reordered);
    auto reader = records::Reader::open({dir + "/a.csv"});
    REQUIRE(records::CsvSplit::make(*reader) != nullptr);  // load(..., 2) takes the split path
    auto one = dataset::load({dir + "/a.csv", dir + "/b.csv"}, {}, 1);
    auto two = dataset::load({dir + "/a.csv", dir + "/b.csv"}, {}, 2);
    REQUIRE(one.size() == 12000);
    REQUIRE(two.size() == one.size());
    for (std::size_t i = 0; i < one.size(); ++i) {
        INFO("row " << i);
        REQUIRE(two.where(i) == one.where(i));
        REQUIRE(two.text(i) == one.text(i));
        REQUIRE(two.label_of(i) == one.label_of(i));
        REQUIRE(two.field(i, two.persona) == one.field(i, one.persona));
    }
    one.prepare(2);
    two.prepare(2);
    for (std::size_t i = 0; i < one.size(); ++i) {
        REQUIRE(two.normalized[i] == one.normalized[i]);
        REQUIRE(two.text(i) == one.text(i));
    }
    CHECK(one.where(6000) == dir + "/b.csv:2");
}

TEST_CASE("an error in the second part of a shard names its line", "[dataset]") {
    const std::string dir = test::temp_dir("stats-dataset");
    std::string text = "content,label\n";
    std::size_t line = 2;
    for (int i = 0; i < 20000; ++i, ++line)
        text += "post number " + std::to_string(i) + " and then some words to fill the line,Safe\n";
    const std::size_t bad = line;
    text += "a post with no label\n";
    for (int i = 0; i < 100; ++i) text += "more,Safe\n";
    REQUIRE(text.size() > records::CsvSplit::kMinBytes);
    REQUIRE(text.find("a post with no label") > text.size() / 2);
    test::spit(dir + "/bad.csv", text);
    for (int threads : {1, 2}) {
        INFO("threads " << threads);
        try {
            dataset::load({dir + "/bad.csv"}, {}, threads);
            FAIL("no error");
        } catch (const InputError& e) {
            CHECK(std::string(e.what()) == dir + "/bad.csv:" + std::to_string(bad) +
                                               ": expected 2 fields (as in the header), found 1");
        }
    }
}

TEST_CASE("a row store keeps every row whatever expect() announced", "[dataset]") {
    // ~10 MB of content: past the first 8 MB prefault step, with the announced bytes short of,
    // about, and past what comes (pages faulted ahead, or written without them).
    const std::size_t rows = 2600;
    for (const std::size_t announced :
         {std::size_t{0}, std::size_t{1} << 20, rows * 4010, std::size_t{1} << 30}) {
        dataset::RowStore store(2, 0);
        store.expect(announced);
        std::vector<std::string> fields(2);
        for (std::size_t i = 0; i < rows; ++i) {
            fields[0].assign(4000, static_cast<char>('a' + i % 26));
            fields[1] = std::to_string(i);
            store.add(fields);
        }
        store.finish();
        REQUIRE(store.size() == rows);
        std::size_t wrong = 0;
        for (std::size_t i = 0; i < rows; ++i)
            if (store.at(i, 0) != std::string(4000, static_cast<char>('a' + i % 26)) ||
                store.at(i, 1) != std::to_string(i))
                ++wrong;
        CHECK(wrong == 0);
    }
}
