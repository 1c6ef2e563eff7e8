#include "common/jsonl.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <csignal>

#include "common/errors.h"
#include "common/signals.h"
#include "tests/support/process.h"

using synthmod::InputError;
using synthmod::IoError;
namespace jsonl = synthmod::jsonl;
namespace test = synthmod::test;

namespace {

struct Seen {
    std::vector<std::string> values;
    std::vector<std::size_t> lines;
};

Seen read_file(const std::string& path, bool tolerate, bool* torn = nullptr) {
    Seen seen;
    const bool dropped = jsonl::for_each(
        path,
        [&](const rapidjson::Document& doc, std::size_t line) {
            seen.values.push_back(doc["v"].GetString());
            seen.lines.push_back(line);
        },
        tolerate);
    if (torn != nullptr) *torn = dropped;
    return seen;
}

std::string error_of(const std::string& path, bool tolerate = false) {
    try {
        read_file(path, tolerate);
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("jsonl reads lines with their numbers", "[jsonl]") {
    const std::string dir = test::temp_dir("jsonl");
    const std::string path = dir + "/a.jsonl";
    SECTION("blank lines skipped, CRLF accepted, last line without newline") {
        test::spit(path, "{\"v\":\"a\"}\n\n  \n{\"v\":\"b\"}\r\n{\"v\":\"日本\"}");
        bool torn = true;
        const auto seen = read_file(path, true, &torn);
        CHECK(seen.values == std::vector<std::string>{"a", "b", "日本"});
        CHECK(seen.lines == std::vector<std::size_t>{1, 4, 5});
        CHECK_FALSE(torn);
    }
    SECTION("an empty file has no lines") {
        test::spit(path, "");
        CHECK(read_file(path, false).values.empty());
    }
    SECTION("a bad line names file and line") {
        test::spit(path, "{\"v\":\"a\"}\n{\"v\":\n{\"v\":\"c\"}\n");
        CHECK_THAT(error_of(path), Catch::StartsWith(path + ":2: invalid JSON: "));
    }
    SECTION("trailing garbage after the value is an error") {
        test::spit(path, "{\"v\":\"a\"} x\n");
        CHECK_THAT(error_of(path), Catch::StartsWith(path + ":1: invalid JSON: "));
    }
    SECTION("a raw NUL byte is an error, not the end of the line (found by fuzz_jsonl)") {
        test::spit(path, std::string("{\"v\":\"a\"}\n4000000000000000001420765339\0\x02"
                                     "44444t\n",
                                     41));
        CHECK(error_of(path) == path + ":2: invalid JSON: NUL byte in JSON text (column 29)");
        test::spit(path, std::string("{\"v\":\"a\"}\0\n", 11));
        CHECK(error_of(path) == path + ":1: invalid JSON: NUL byte in JSON text (column 10)");
    }
    SECTION("invalid UTF-8 inside a string is an error") {
        test::spit(path, "{\"v\":\"a\xff\"}\n");
        CHECK_THAT(error_of(path), Catch::StartsWith(path + ":1: invalid JSON: "));
    }
    SECTION("a torn tail is dropped only when tolerated and unterminated") {
        test::spit(path, "{\"v\":\"a\"}\n{\"v\":\"b\"}\n{\"v\":\"tor");
        bool torn = false;
        const auto seen = read_file(path, true, &torn);
        CHECK(torn);
        CHECK(seen.values == std::vector<std::string>{"a", "b"});
        CHECK_THAT(error_of(path, false), Catch::StartsWith(path + ":3: invalid JSON"));
        // A bad line that ends with a newline is not a torn write: still an error.
        test::spit(path, "{\"v\":\"a\"}\n{\"v\":\"tor\n");
        CHECK_THAT(error_of(path, true), Catch::StartsWith(path + ":2: invalid JSON"));
        // Nor is a bad line in the middle.
        test::spit(path, "{\"v\":\n{\"v\":\"a\"}");
        CHECK_THAT(error_of(path, true), Catch::StartsWith(path + ":1: invalid JSON"));
    }
    SECTION("a missing file is an IoError") {
        try {
            read_file(dir + "/none.jsonl", false);
            FAIL("no error");
        } catch (const IoError& e) {
            CHECK(std::string(e.what()) ==
                  dir + "/none.jsonl: cannot read: No such file or directory");
        }
    }
    SECTION("the 5k real personas read") {
        std::size_t n = 0;
        jsonl::for_each(std::string(SYNTHMOD_DATA_DIR) + "/personahub_5k.jsonl",
                        [&](const rapidjson::Document& doc, std::size_t) {
                            REQUIRE(doc.HasMember("persona"));
                            ++n;
                        });
        CHECK(n == 5000);
    }
}

TEST_CASE("jsonl writes one line per value", "[jsonl]") {
    const std::string line =
        jsonl::object_line({"content", "label"}, {"say \"hi\"\nnow é", "Safe"});
    CHECK(line == "{\"content\":\"say \\\"hi\\\"\\nnow é\",\"label\":\"Safe\"}");
    const auto doc = jsonl::parse(line, "x");
    CHECK(std::string(doc["content"].GetString()) == "say \"hi\"\nnow é");
    CHECK(jsonl::to_line(doc) == line);
    CHECK(jsonl::object_line({}, {}) == "{}");
    CHECK_THROWS_AS(jsonl::object_line({"a"}, {}), std::invalid_argument);
    rapidjson::Document nul;
    nul.SetString("a\0b", 3, nul.GetAllocator());
    CHECK(jsonl::to_line(nul) == "\"a\\u0000b\"");
}

TEST_CASE("jsonl parse reports name and offset", "[jsonl]") {
    try {
        jsonl::parse("{\"a\": tru}", "answer");
        FAIL("no error");
    } catch (const InputError& e) {
        CHECK_THAT(std::string(e.what()),
                   Catch::StartsWith("answer: offset ") && Catch::Contains("Invalid value"));
    }
    CHECK(jsonl::parse("[1,2]", "x").IsArray());
    CHECK_THROWS_WITH(jsonl::parse(std::string_view("1\0x", 3), "n"),
                      "n: offset 1: NUL byte in JSON text");
    // Numbers read back exactly what to_line wrote (found by fuzz_jsonl: without full precision
    // 4000000000000000001420765339 wrote 4e27-ish digits that parsed to a neighbouring double).
    const auto big = jsonl::parse("4000000000000000001420765339", "n");
    CHECK(jsonl::to_line(jsonl::parse(jsonl::to_line(big), "n")) == jsonl::to_line(big));
    // A number beyond the double range is an error, as RapidJSON says without full precision
    // (with it, it would silently become infinity, which to_line cannot write: fuzz_jsonl).
    CHECK_THROWS_WITH(jsonl::parse("{\"x\":2.5e308}", "n"),
                      "n: offset 0: Number too big to be stored in double.");
    CHECK_THROWS_WITH(jsonl::parse("[-1e400]", "n"),
                      Catch::StartsWith("n: offset ") && Catch::Contains("Number too big"));
    CHECK(jsonl::parse("1.7976931348623157e308", "n").GetDouble() > 1e308);
    // Deep nesting: refused past 512 levels, and no stack overflow on a huge line.
    CHECK(jsonl::parse(std::string(512, '[') + std::string(512, ']'), "n").IsArray());
    CHECK_THROWS_WITH(jsonl::parse(std::string(513, '[') + std::string(513, ']'), "n"),
                      "n: offset 0: nesting deeper than 512");
    CHECK_THROWS_AS(jsonl::parse(std::string(1000000, '['), "n"), InputError);
    CHECK_THROWS_AS(jsonl::parse(std::string(1000000, '[') + std::string(1000000, ']'), "n"),
                    InputError);
    for (const char* text : {"0.1", "1e308", "2.2250738585072014e-308",
                             "123456789012345678901234567890", "-0.30000000000000004", "5e-324"}) {
        const auto doc = jsonl::parse(text, "n");
        INFO(text << " -> " << jsonl::to_line(doc));
        CHECK(jsonl::parse(jsonl::to_line(doc), "n").GetDouble() == doc.GetDouble());
    }
}

TEST_CASE("signals turn SIGINT and SIGTERM into the stop flag and wake poll", "[jsonl][signals]") {
    // In a child process: the flag is process-wide and other tests must not see it set.
    for (int sig : {SIGINT, SIGTERM}) {
        const pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            synthmod::signals::install();
            if (synthmod::signals::stop_requested()) _exit(10);
            // The signal arrives while blocked in poll(): poll must return EINTR, not restart.
            alarm(0);
            const pid_t self = getpid();
            const pid_t killer = fork();
            if (killer == 0) {
                usleep(100 * 1000);
                kill(self, sig);
                _exit(0);
            }
            const int rc = poll(nullptr, 0, 5000);
            const bool interrupted = rc < 0 && errno == EINTR;
            waitpid(killer, nullptr, 0);
            if (!interrupted) _exit(11);
            _exit(synthmod::signals::stop_requested() ? 0 : 12);
        }
        int status = 0;
        REQUIRE(waitpid(pid, &status, 0) == pid);
        REQUIRE(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        synthmod::signals::request_stop();
        _exit(synthmod::signals::stop_requested() ? 0 : 1);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WEXITSTATUS(status) == 0);
}
