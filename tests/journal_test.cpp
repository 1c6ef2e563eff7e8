// journal: records survive a reopen, a torn last line is dropped, a changed plan is refused.
#include "common/llm/journal.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "common/errors.h"
#include "tests/support/process.h"

using synthmod::journal::BatchRef;
using synthmod::journal::Header;
using synthmod::journal::Journal;
using synthmod::journal::Record;

namespace {

Header header() { return Header{"synthmod-generate", "spec-aaa", "plan-bbb", 0, {}, {}}; }

Record record(const std::string& id, const std::string& status) {
    Record r;
    r.id = id;
    r.status = status;
    r.answer_json = R"({"content":"caf\u00e9 \"quoted\"\nline","label":"Safe"})";
    r.usage.input_tokens = 1200;
    r.usage.output_tokens = 80;
    r.usage.cache_creation_input_tokens = 3;
    r.usage.cache_read_input_tokens = 900;
    r.cost = 0.00125;
    r.attempts = 3;
    r.repairs = 1;
    r.error = status == "failed" ? "gave up after 8 retries: HTTP 529 overloaded_error" : "";
    r.request_id = "req_011";
    return r;
}

long file_size(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return static_cast<long>(st.st_size);
}

}  // namespace

TEST_CASE("journal records survive a reopen field by field", "[journal]") {
    std::string path = synthmod::test::temp_dir("journal") + "/out.csv.journal";
    Record a = record("a1", "ok"), b = record("b2", "failed");
    b.cost_known = false;
    {
        Journal j(path, header(), false);
        CHECK(j.records().empty());
        j.append(a);
        j.append(b);
    }
    Journal j(path, header(), false);
    REQUIRE(j.records().size() == 2);
    CHECK_FALSE(j.dropped_torn_line());
    const Record& ra = j.records().at("a1");
    CHECK(ra.status == "ok");
    CHECK(ra.answer_json == a.answer_json);  // byte-identical: outputs are built from it
    CHECK(ra.usage.input_tokens == 1200);
    CHECK(ra.usage.output_tokens == 80);
    CHECK(ra.usage.cache_creation_input_tokens == 3);
    CHECK(ra.usage.cache_read_input_tokens == 900);
    CHECK(ra.cost == Approx(0.00125));
    CHECK(ra.cost_known);
    CHECK(ra.attempts == 3);
    CHECK(ra.repairs == 1);
    CHECK(ra.request_id == "req_011");
    const Record& rb = j.records().at("b2");
    CHECK(rb.status == "failed");
    CHECK(rb.error == b.error);
    CHECK_FALSE(rb.cost_known);
    CHECK(j.spent() == Approx(0.0025));

    // One JSON line per record after the header, each ending in a newline.
    std::string text = synthmod::test::slurp(path);
    CHECK(std::count(text.begin(), text.end(), '\n') == 3);
    CHECK(text.back() == '\n');
    CHECK(text.rfind("{\"type\":\"header\"", 0) == 0);
}

TEST_CASE("journal: a record's line is what rapidjson's Writer writes for it", "[journal]") {
    // The line is put together in place, not by a Writer: byte for byte the same, for strings
    // that need escapes, numbers of every shape and the optional reason.
    auto writer_line = [](const Record& r) {
        rapidjson::StringBuffer sb;
        rapidjson::Writer<rapidjson::StringBuffer> w(sb);
        w.StartObject();
        w.Key("type");
        w.String("item");
        w.Key("id");
        w.String(r.id);
        w.Key("status");
        w.String(r.status);
        w.Key("answer");
        w.String(r.answer_json);
        w.Key("usage");
        w.StartObject();
        w.Key("input_tokens");
        w.Int64(r.usage.input_tokens);
        w.Key("output_tokens");
        w.Int64(r.usage.output_tokens);
        w.Key("cache_creation_input_tokens");
        w.Int64(r.usage.cache_creation_input_tokens);
        w.Key("cache_read_input_tokens");
        w.Int64(r.usage.cache_read_input_tokens);
        w.EndObject();
        w.Key("cost");
        w.Double(r.cost);
        w.Key("cost_known");
        w.Bool(r.cost_known);
        w.Key("attempts");
        w.Int(r.attempts);
        w.Key("repairs");
        w.Int(r.repairs);
        w.Key("error");
        w.String(r.error);
        if (!r.reason.empty()) {
            w.Key("reason");
            w.String(r.reason);
        }
        w.Key("request_id");
        w.String(r.request_id);
        w.EndObject();
        return std::string(sb.GetString(), sb.GetSize());
    };
    std::vector<Record> records;
    const double costs[] = {0.0, 0.00125, 0.1, 1e-7, 123456.789, 2.5e-12, 5e-324, 1.0 / 3, 7.0};
    for (std::size_t i = 0; i < std::size(costs); ++i) {
        Record r = record("id-" + std::to_string(i) + (i == 3 ? "\"q\\\t\u00e9" : ""),
                          i % 3 == 0 ? "failed" : "ok");
        r.cost = costs[i];
        r.cost_known = i % 2 == 0;
        r.usage.input_tokens = i == 4 ? -1 : static_cast<std::int64_t>(i) << (7 * i);
        r.attempts = static_cast<int>(i) * 1000;
        r.repairs = -static_cast<int>(i);
        if (i == 5)
            r.answer_json = std::string("ctl \x01\x1f \xc3\xa9 \xf0\x9f\x98\x80 \\ / \b\f\r");
        if (i % 3 == 0) r.reason = "invalid answer";
        records.push_back(r);
    }
    std::string path = synthmod::test::temp_dir("journal-line") + "/out.csv.journal";
    {
        Journal j(path, header(), false);
        for (const auto& r : records) j.append(r);
    }
    std::istringstream lines(synthmod::test::slurp(path));
    std::string line;
    std::getline(lines, line);  // the header
    for (const auto& r : records) {
        INFO(r.id);
        REQUIRE(std::getline(lines, line));
        CHECK(line == writer_line(r));
    }
    CHECK_FALSE(std::getline(lines, line));
}

TEST_CASE("journal: a later record of an item replaces the earlier one, spend counts both",
          "[journal]") {
    std::string path = synthmod::test::temp_dir("journal") + "/j";
    {
        Journal j(path, header(), false);
        j.append(record("x", "failed"));
        Record ok = record("x", "ok");
        ok.cost = 0.002;
        j.append(ok);
        CHECK(j.records().at("x").status == "ok");
    }
    Journal j(path, header(), false);
    CHECK(j.records().size() == 1);
    CHECK(j.records().at("x").status == "ok");
    CHECK(j.spent() == Approx(0.00125 + 0.002));
}

TEST_CASE("journal drops a torn last line and truncates the file to the last full line",
          "[journal]") {
    std::string path = synthmod::test::temp_dir("journal") + "/j";
    {
        Journal j(path, header(), false);
        j.append(record("a", "ok"));
    }
    long good = file_size(path);

    SECTION("no trailing newline") {
        std::string text = synthmod::test::slurp(path);
        synthmod::test::spit(path, text + R"({"type":"item","id":"b","status":"o)");
    }
    SECTION("a complete line that is not JSON") {
        std::string text = synthmod::test::slurp(path);
        synthmod::test::spit(path, text + std::string(40, '\0') + "\n");
    }
    {
        Journal j(path, header(), false);
        CHECK(j.dropped_torn_line());
        CHECK(j.records().size() == 1);
        CHECK(j.records().count("a") == 1);
        CHECK(file_size(path) == good);
        j.append(record("c", "ok"));
    }
    Journal j(path, header(), false);
    CHECK_FALSE(j.dropped_torn_line());
    CHECK(j.records().size() == 2);
    CHECK(j.records().count("c") == 1);
}

TEST_CASE("journal refuses another spec or plan unless forced", "[journal]") {
    std::string path = synthmod::test::temp_dir("journal") + "/j";
    {
        Journal j(path, header(), false);
        j.append(record("a", "ok"));
    }
    Header other = header();
    SECTION("plan changed") { other.plan_hash = "plan-ccc"; }
    SECTION("spec changed") { other.spec_hash = "spec-zzz"; }
    SECTION("other tool") { other.tool = "synthmod-judge"; }

    try {
        Journal j(path, other, false);
        FAIL("a changed header was accepted");
    } catch (const synthmod::UsageError& e) {
        std::string what = e.what();
        CHECK(what.find(path) != std::string::npos);
        CHECK(what.find("--force") != std::string::npos);
    }
    // Refusing left the journal alone.
    {
        Journal j(path, header(), false);
        CHECK(j.records().size() == 1);
    }
    {
        Journal j(path, other, true);
        CHECK(j.records().empty());
        CHECK(j.spent() == 0);
    }
    Journal j(path, other, false);  // the forced header is now the journal's
    CHECK(j.records().empty());
}

TEST_CASE("journal keeps batch ids until they are finished", "[journal]") {
    std::string path = synthmod::test::temp_dir("journal") + "/j";
    {
        Journal j(path, header(), false);
        j.append_batch(BatchRef{"msgbatch_1", {"a", "b"}, false});
        j.append_batch(BatchRef{"msgbatch_2", {"c"}, false});
        j.finish_batch("msgbatch_1");
        REQUIRE(j.open_batches().size() == 1);
        CHECK(j.open_batches()[0].batch_id == "msgbatch_2");
    }
    Journal j(path, header(), false);
    auto open = j.open_batches();
    REQUIRE(open.size() == 1);
    CHECK(open[0].batch_id == "msgbatch_2");
    CHECK(open[0].item_ids == std::vector<std::string>{"c"});
    CHECK_FALSE(open[0].finished);
}

TEST_CASE("journal is held by one process at a time", "[journal]") {
    std::string path = synthmod::test::temp_dir("journal") + "/j";
    Journal first(path, header(), false);
    CHECK_THROWS_AS(Journal(path, header(), false), synthmod::UsageError);
}

TEST_CASE("journal with an empty path lives in memory", "[journal]") {
    Journal j("", header(), false);
    j.append(record("a", "ok"));
    CHECK(j.records().size() == 1);
    j.sync();
}

TEST_CASE("hash_hex is a 32-digit xxh3-128 digest", "[journal]") {
    using synthmod::journal::hash_hex;
    std::string h = hash_hex("abc");
    CHECK(h.size() == 32);
    CHECK(h.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(hash_hex("abc") == h);
    CHECK(hash_hex("abd") != h);
    CHECK(hash_hex("") != hash_hex(std::string(1, '\0')));
    // xxh3-128's high then low half, zero-padded: printf("%016llx%016llx") of XXH3_128bits.
    CHECK(hash_hex("") == "99aa06d3014798d86001c324468d497f");
    CHECK(hash_hex("abc") == "06b05ab6733a618578af5f94892f3950");
}

TEST_CASE("StreamHash: parts and copies of a shared prefix hash as the whole text", "[journal]") {
    using synthmod::journal::hash_hex;
    using synthmod::journal::StreamHash;
    const std::string prefix(6000, 's');  // longer than xxh3's internal buffer
    StreamHash shared;
    shared.update(prefix).update("\x1f");
    StreamHash item = shared;
    item.update("user one").update("\x1f").update("schema");
    CHECK(item.hex() == hash_hex(prefix + "\x1fuser one\x1fschema"));
    CHECK(item.hex() == hash_hex({prefix, "\x1f", "user one", "\x1f", "schema"}));
    item = shared;  // the prefix's state again, not the first item's
    item.update("user two").update("\x1f").update("schema");
    CHECK(item.hex() == hash_hex(prefix + "\x1fuser two\x1fschema"));
    CHECK(shared.hex() == hash_hex(prefix + "\x1f"));
    CHECK(StreamHash().hex() == hash_hex(""));
}

TEST_CASE(
    "journal: records appended while held reach the file at release, at a sync, or when an "
    "error unwinds",
    "[journal]") {
    const std::string dir = synthmod::test::temp_dir("journal_hold");
    SECTION("release writes them, in order, and they read back") {
        const std::string path = dir + "/release.csv.journal";
        {
            Journal j(path, header(), false);
            const long empty = file_size(path);
            j.hold();
            j.append(record("a1", "ok"));
            j.append(record("b2", "failed"));
            j.append(record("a1", "refused"));  // a later record of an item replaces it
            CHECK(file_size(path) == empty);    // held: nothing written yet
            CHECK(j.records().size() == 2);     // but known to the process
            j.release();
            CHECK(file_size(path) > empty);
            const long after = file_size(path);
            j.append(record("c3", "ok"));  // no longer held: written at once
            CHECK(file_size(path) > after);
        }
        Journal j(path, header(), false);
        REQUIRE(j.records().size() == 3);
        CHECK(j.records().at("a1").status == "refused");
        CHECK(j.records().at("b2").status == "failed");
        CHECK(j.records().at("c3").status == "ok");
        CHECK_FALSE(j.dropped_torn_line());
    }
    SECTION("a sync writes the held records") {
        const std::string path = dir + "/sync.csv.journal";
        Journal j(path, header(), false);
        const long empty = file_size(path);
        j.hold();
        j.append(record("a1", "ok"));
        j.sync();
        CHECK(file_size(path) > empty);
        const long synced = file_size(path);
        j.release();  // nothing left to write
        CHECK(file_size(path) == synced);
    }
    SECTION("an exception between hold and release does not lose them") {
        const std::string path = dir + "/unwind.csv.journal";
        try {
            Journal j(path, header(), false);
            j.hold();
            j.append(record("a1", "ok"));
            throw std::runtime_error("something else failed");
        } catch (const std::runtime_error&) {
        }
        Journal j(path, header(), false);
        CHECK(j.records().count("a1") == 1);
        CHECK_FALSE(j.dropped_torn_line());
    }
}

TEST_CASE("journal: hash_hex of parts is the digest of their concatenation", "[journal]") {
    using synthmod::journal::hash_hex;
    const std::string big(10000, 'x');  // longer than XXH3's internal block
    CHECK(hash_hex({"ab", "", "cd"}) == hash_hex(std::string("abcd")));
    CHECK(hash_hex({big, "\x1f", "user"}) == hash_hex(big + "\x1f" + "user"));
    CHECK(hash_hex({}) == hash_hex(std::string()));
    CHECK(hash_hex({"ab", "cd"}) != hash_hex({"ab", "ce"}));
}
