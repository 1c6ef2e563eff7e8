// synthmod-judge against the loopback fake Anthropic API, as separate processes: faults,
// refusals, kill -9 and resume, votes, a rejected key.
#include <rapidjson/document.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/csv.h"
#include "tests/support/fake_server.h"
#include "tests/support/generate_fixture.h"
#include "tests/support/process.h"

using namespace synthmod;
namespace t = synthmod::test;

namespace {

const std::string kSpec = SYNTHMOD_SOURCE_DIR "/tests/data/judge_seed.toml";
const char* kLabels[] = {"Spam & Scams", "Self-harm & Suicide", "Privacy & Personal Data Exposure",
                         "Safe"};

/// An input CSV of `n` rows with distinct contents (the fake server keys faults and answers on
/// the user message) and an extra column.
std::string make_input(const std::string& dir, int n) {
    std::ostringstream out;
    csv::Writer w(out);
    w.write_row(std::vector<std::string>{"content", "label", "row_no"});
    for (int i = 0; i < n; ++i) {
        w.write_row(std::vector<std::string>{
            "Post " + std::to_string(i) + ": \"quoted\", with commas\nand a second line",
            kLabels[i % 4], std::to_string(i)});
    }
    std::string path = dir + "/in.csv";
    t::spit(path, out.str());
    return path;
}

csv::Table read_output(const std::string& path) {
    std::istringstream in(t::slurp(path));
    return csv::read_table(in, path);
}

std::vector<std::string> judge_cmd(const std::string& in, const std::string& out,
                                   const t::FakeServer& server,
                                   std::vector<std::string> extra = {}) {
    std::vector<std::string> cmd = {t::tool("synthmod-judge"),
                                    "--spec",
                                    kSpec,
                                    "--in",
                                    in,
                                    "--out",
                                    out,
                                    "--provider",
                                    "anthropic",
                                    "--model",
                                    "claude-sonnet-4-5",
                                    "--base-url",
                                    server.base_url(),
                                    "--quiet"};
    cmd.insert(cmd.end(), extra.begin(), extra.end());
    return cmd;
}

t::RunOptions with_key(const std::string& key = "test-key-judge") {
    t::RunOptions o;
    o.env["ANTHROPIC_API_KEY"] = key;
    o.env["ANTHROPIC_BASE_URL"] = "\x01unset";
    return o;
}

std::size_t count_fault(const t::FakeServer& server, const std::string& fault, long status = -1) {
    std::size_t n = 0;
    for (const auto& e : server.log())
        if (e.path == "/v1/messages" && e.fault == fault && (status < 0 || e.status == status)) ++n;
    return n;
}

/// Ids of the items journalled as ok (the journal's record lines).
std::set<std::string> journalled_ok(const std::string& journal) {
    std::set<std::string> ids;
    std::istringstream in(t::slurp(journal));
    for (std::string line; std::getline(in, line);) {
        rapidjson::Document d;
        d.Parse(line.c_str());
        if (d.HasParseError() || !d.IsObject() || !d.HasMember("type")) continue;
        if (std::string(d["type"].GetString()) == "item" &&
            std::string(d["status"].GetString()) == "ok")
            ids.insert(d["id"].GetString());
    }
    return ids;
}

void check_rows_in_order(const csv::Table& table, int n) {
    REQUIRE(table.rows.size() == static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) CHECK(table.rows[i][table.column("row_no")] == std::to_string(i));
}

}  // namespace

TEST_CASE("judge over the fake API: every fault ends with one recorded row", "[judge][http]") {
    t::FakeServer server({"--faults",
                          "429,529,500,503,408,drop,truncate,badjson,refusal,max_tokens,400",
                          "--fault-rate", "0.35", "--seed", "11"});
    std::string dir = t::temp_dir("judge-http-faults");
    const int n = 24;
    std::string in = make_input(dir, n);
    std::string out = dir + "/judged.csv";
    auto r = t::run(judge_cmd(in, out, server, {"--concurrency", "4"}), with_key());
    INFO(r.err);
    auto table = read_output(out);
    check_rows_in_order(table, n);
    std::size_t ok = 0, refused = 0, error = 0;
    for (const auto& row : table.rows) {
        std::string status = row[table.column("judge_status")];
        CHECK(row[table.column("judge_model")] == "claude-sonnet-4-5");
        if (status == "ok") {
            ++ok;
            CHECK_FALSE(row[table.column("judge_label")].empty());
        } else if (status == "refused") {
            ++refused;
        } else {
            REQUIRE(status == "error");
            ++error;
            CHECK_FALSE(row[table.column("rationale")].empty());
        }
    }
    // Each row ends exactly once: an answer per 200 "ok", a refusal per refusal (not retried),
    // an error per 400 or max_tokens (not retried); the rest were retried or re-asked.
    CHECK(ok == count_fault(server, "ok", 200));
    CHECK(refused == count_fault(server, "refusal"));
    CHECK(error == count_fault(server, "400") + count_fault(server, "max_tokens"));
    CHECK(ok + refused + error == static_cast<std::size_t>(n));
    CHECK(count_fault(server, "429") + count_fault(server, "500") + count_fault(server, "drop") >
          0);
    CHECK(r.exit_code == (error > 0 ? 3 : 0));
    CHECK(r.out.find("test-key-judge") == std::string::npos);
    CHECK(r.err.find("test-key-judge") == std::string::npos);
    CHECK(t::slurp(out).find("test-key-judge") == std::string::npos);
    CHECK(t::slurp(out + ".journal").find("test-key-judge") == std::string::npos);
}

TEST_CASE("judge over the fake API: refusals are recorded as refused, exit 0", "[judge][http]") {
    t::FakeServer server({"--faults", "refusal", "--fault-rate", "0.5", "--seed", "5"});
    std::string dir = t::temp_dir("judge-http-refusal");
    const int n = 12;
    std::string in = make_input(dir, n);
    std::string out = dir + "/judged.csv";
    auto r = t::run(judge_cmd(in, out, server), with_key());
    INFO(r.err);
    CHECK(r.exit_code == 0);
    auto table = read_output(out);
    check_rows_in_order(table, n);
    std::size_t refused = 0;
    for (const auto& row : table.rows) refused += row[table.column("judge_status")] == "refused";
    CHECK(refused > 0);
    CHECK(refused == count_fault(server, "refusal"));
    CHECK(server.count("/v1/messages") == static_cast<std::size_t>(n));  // none retried
}

TEST_CASE("judge over the fake API: kill -9 then resume judges no row twice", "[judge][http]") {
    t::FakeServer server({"--latency-ms", "120"});
    std::string dir = t::temp_dir("judge-http-kill");
    const int n = 30;
    std::string in = make_input(dir, n);
    std::string out = dir + "/judged.csv";
    std::string journal = out + ".journal";
    auto cmd = judge_cmd(in, out, server, {"--concurrency", "2"});
    {
        t::Background job(cmd, with_key());
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (std::chrono::steady_clock::now() < deadline &&
               (!t::exists(journal) || journalled_ok(journal).size() < 6))
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        job.kill(SIGKILL);
        CHECK(job.wait() == 128 + SIGKILL);
    }
    // Let the server log requests the killed process had in flight: wait until the log is quiet.
    for (std::size_t last = server.log_lines().size();;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        std::size_t now = server.log_lines().size();
        if (now == last) break;
        last = now;
    }
    const std::size_t journalled = journalled_ok(journal).size();
    REQUIRE(journalled >= 6);
    REQUIRE(journalled < static_cast<std::size_t>(n));
    const std::size_t before = server.count("/v1/messages", 200);

    auto r = t::run(cmd, with_key());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // The resumed run asked exactly for the rows not journalled, once each.
    CHECK(server.count("/v1/messages", 200) - before == n - journalled);
    auto table = read_output(out);
    check_rows_in_order(table, n);
    for (const auto& row : table.rows) CHECK(row[table.column("judge_status")] == "ok");

    // Same rows as an uninterrupted run (the fake answers deterministically per prompt).
    std::string fresh = dir + "/fresh.csv";
    REQUIRE(t::run(judge_cmd(in, fresh, server, {"--concurrency", "8"}), with_key()).exit_code ==
            0);
    CHECK(t::slurp(fresh) == t::slurp(out));
}

TEST_CASE("judge over the fake API: --votes 3 sends three requests per row", "[judge][http]") {
    t::FakeServer server;
    std::string dir = t::temp_dir("judge-http-votes");
    const int n = 4;
    std::string in = make_input(dir, n);
    std::string out = dir + "/judged.csv";
    auto r = t::run(judge_cmd(in, out, server, {"--votes", "3"}), with_key());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(server.count("/v1/messages", 200) == 3 * n);
    auto table = read_output(out);
    check_rows_in_order(table, n);
    for (const auto& row : table.rows) {
        std::string votes = row[table.column("judge_votes")];
        CHECK(std::count(votes.begin(), votes.end(), ';') == 2);
        CHECK_FALSE(row[table.column("judge_confidence")].empty());
    }
}

TEST_CASE("judge over the fake API: a rejected key stops the run with exit 3", "[judge][http]") {
    t::FakeServer server({"--require-key", "the-right-key"});
    std::string dir = t::temp_dir("judge-http-401");
    std::string in = make_input(dir, 6);
    std::string out = dir + "/judged.csv";
    auto r = t::run(judge_cmd(in, out, server), with_key("a-wrong-key-123"));
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("synthmod-judge: error: ") != std::string::npos);
    CHECK(r.err.find("a-wrong-key-123") == std::string::npos);
    CHECK(server.count("/v1/messages") < 6 + 2);  // stopped, not retried row after row
}

TEST_CASE("judge over the fake API: --max-cost stops with exit 4, keeps every row, resumes",
          "[judge][http]") {
    t::FakeServer server;
    std::string dir = t::temp_dir("judge-http-budget");
    const int n = 20;
    std::string in = make_input(dir, n);
    std::string out = dir + "/judged.csv";
    auto r = t::run(judge_cmd(in, out, server, {"--max-cost", "0.015", "--concurrency", "2"}),
                    with_key());
    INFO(r.err);
    REQUIRE(r.exit_code == 4);
    auto table = read_output(out);
    check_rows_in_order(table, n);
    std::size_t ok = 0, not_judged = 0;
    for (const auto& row : table.rows) {
        if (row[table.column("judge_status")] == "ok") {
            ++ok;
        } else {
            CHECK(row[table.column("judge_status")] == "error");
            CHECK(row[table.column("rationale")].rfind("not judged: budget reached", 0) == 0);
            ++not_judged;
        }
    }
    CHECK(ok > 0);
    CHECK(not_judged > 0);
    CHECK(ok == server.count("/v1/messages", 200));

    auto more = t::run(judge_cmd(in, out, server, {"--max-cost", "10"}), with_key());
    INFO(more.err);
    REQUIRE(more.exit_code == 0);
    CHECK(server.count("/v1/messages", 200) == static_cast<std::size_t>(n));  // none twice
    auto done = read_output(out);
    check_rows_in_order(done, n);
    for (const auto& row : done.rows) CHECK(row[done.column("judge_status")] == "ok");
}

TEST_CASE("judge over the fake API: SIGTERM exits 130 with finished rows written",
          "[judge][http]") {
    t::FakeServer server({"--latency-ms", "150"});
    std::string dir = t::temp_dir("judge-http-term");
    const int n = 30;
    std::string in = make_input(dir, n);
    std::string out = dir + "/judged.csv";
    std::string journal = out + ".journal";
    t::Background job(judge_cmd(in, out, server, {"--concurrency", "2"}), with_key());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline &&
           (!t::exists(journal) || journalled_ok(journal).size() < 4))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    job.kill(SIGTERM);
    REQUIRE(job.wait() == 130);
    auto table = read_output(out);
    check_rows_in_order(table, n);
    std::size_t ok = 0;
    for (const auto& row : table.rows) {
        if (row[table.column("judge_status")] == "ok")
            ++ok;
        else
            CHECK(row[table.column("rationale")] ==
                  "not judged: interrupted (rerun the same command to resume)");
    }
    CHECK(ok == journalled_ok(journal).size());
    CHECK(ok < static_cast<std::size_t>(n));
}

TEST_CASE("judge over the fake API: --batch judges every row through Message Batches",
          "[judge][http]") {
    // Polls answer "ended" at once and some rows come back errored: they are resubmitted. The
    // server draws each error afresh per batch (its batch ids are random), and a row errored in
    // 4 rounds in a row gives up: at 0.2 that is 24 x 0.2^4 = 3.8 % of runs (seen in CI under
    // ASan); at 0.1, 0.24 %.
    t::FakeServer server({"--batch-polls", "0", "--batch-errored", "0.1", "--seed", "3"});
    std::string dir = t::temp_dir("judge-http-batch");
    const int n = 12;
    std::string in = make_input(dir, n);
    std::string out = dir + "/judged.csv";
    auto r = t::run(judge_cmd(in, out, server, {"--batch", "--votes", "2"}), with_key());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(server.count("/v1/messages") == 0);
    CHECK(server.count("/v1/messages/batches") >= 1);
    auto table = read_output(out);
    check_rows_in_order(table, n);
    for (const auto& row : table.rows) {
        CHECK(row[table.column("judge_status")] == "ok");
        std::string votes = row[table.column("judge_votes")];
        CHECK(std::count(votes.begin(), votes.end(), ';') == 1);
    }
    // Every (row, vote) item was journalled once as ok, none lost.
    CHECK(journalled_ok(out + ".journal").size() == static_cast<std::size_t>(2 * n));
}

TEST_CASE("judge over the fake API: --native-json and --no-blind", "[judge][http]") {
    t::FakeServer server;
    std::string dir = t::temp_dir("judge-http-native");
    const int n = 5;
    std::string in = make_input(dir, n);
    std::string out = dir + "/judged.csv";
    auto r = t::run(judge_cmd(in, out, server, {"--native-json", "--no-blind"}), with_key());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto table = read_output(out);
    check_rows_in_order(table, n);
    for (const auto& row : table.rows) {
        CHECK(row[table.column("judge_status")] == "ok");
        std::string correct = row[table.column("label_correct")];
        CHECK((correct == "true" || correct == "false"));
    }
}

namespace {

/// Per request that was answered (status 200): the answer fields it asked for, and the sum of
/// the output tokens the server billed.
struct Asked {
    std::vector<std::vector<std::string>> fields;
    std::int64_t output_tokens = 0;
};

Asked asked_of(const t::FakeServer& server) {
    Asked a;
    for (const auto& e : server.log()) {
        if (e.path != "/v1/messages" || e.status != 200) continue;
        REQUIRE(e.usage);
        a.fields.push_back(e.answer_fields);
        a.output_tokens += e.usage->output_tokens;
    }
    return a;
}

}  // namespace

TEST_CASE(
    "judge over the fake API: no rationale unless asked (--rationale, spec rationale = true), "
    "K = 1 and K = 4",
    "[judge][http]") {
    const int n = 8;
    for (const char* k : {"1", "4"}) {
        SECTION(std::string("rows per request ") + k) {
            std::string dir = t::temp_dir(std::string("judge-http-rationale-") + k);
            std::string in = make_input(dir, n);
            // The seed spec with [judge] rationale = true.
            const std::string spec_with = dir + "/with_rationale.toml";
            std::string text = t::slurp(kSpec);
            REQUIRE(text.find("[judge]\n") != std::string::npos);
            text.replace(text.find("[judge]\n"), 8, "[judge]\nrationale = true\n");
            t::spit(spec_with, text);
            struct Run {
                std::string name;
                std::vector<std::string> flags;
                bool spec_asks;
                bool rationale;  // expected
            };
            const std::vector<Run> runs = {{"default", {}, false, false},
                                           {"flag", {"--rationale"}, false, true},
                                           {"spec", {}, true, true},
                                           {"spec-overridden", {"--no-rationale"}, true, false}};
            const std::size_t requests = std::string(k) == "1" ? 8 : 2;
            const std::vector<std::string> full = {"issues", "label", "rationale", "realism"};
            const std::vector<std::string> brief = {"issues", "label", "realism"};
            std::int64_t output_with = -1, output_without = -1;
            for (const auto& run : runs) {
                INFO(run.name);
                t::FakeServer server;
                const std::string out = dir + "/" + run.name + ".csv";
                std::vector<std::string> flags = run.flags;
                flags.insert(flags.begin(), {"--rows-per-request", k});
                auto cmd = judge_cmd(in, out, server, flags);
                if (run.spec_asks) cmd[2] = spec_with;
                auto r = t::run(cmd, with_key());
                INFO(r.err);
                REQUIRE(r.exit_code == 0);
                Asked asked = asked_of(server);
                REQUIRE(asked.fields.size() == requests);
                for (const auto& f : asked.fields) CHECK(f == (run.rationale ? full : brief));
                (run.rationale ? output_with : output_without) = asked.output_tokens;
                auto table = read_output(out);
                check_rows_in_order(table, n);
                for (const auto& row : table.rows) {
                    CHECK(row[table.column("judge_status")] == "ok");
                    CHECK(row[table.column("rationale")].empty() == !run.rationale);
                }
            }
            // The answers without are shorter, so they cost less output (the fake bills bytes / 4).
            CHECK(output_without < output_with);
        }
    }
    // Both flags at once is a usage error.
    std::string dir = t::temp_dir("judge-http-rationale-both");
    std::string in = make_input(dir, 2);
    t::FakeServer server;
    auto r = t::run(judge_cmd(in, dir + "/j.csv", server, {"--rationale", "--no-rationale"}),
                    with_key());
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("excludes") != std::string::npos);
}

TEST_CASE("judge: a journal asked with the other rationale setting names the flag that resumes it",
          "[judge][http]") {
    const int n = 6;
    std::string dir = t::temp_dir("judge-http-rationale-resume");
    std::string in = make_input(dir, n);
    t::FakeServer server;
    auto answered = [&server] { return asked_of(server).fields.size(); };
    for (bool first_with : {true, false}) {
        INFO("first run " << (first_with ? "with" : "without") << " a rationale");
        const std::string out = dir + (first_with ? "/with.csv" : "/without.csv");
        const std::vector<std::string> asks = {"--rationale"}, none;
        const std::vector<std::string>& same = first_with ? asks : none;
        const std::vector<std::string>& flipped = first_with ? none : asks;
        auto first = t::run(judge_cmd(in, out, server, same), with_key());
        INFO(first.err);
        REQUIRE(first.exit_code == 0);
        const std::size_t before = answered();

        // The other setting: refused, with the way back, and nothing sent.
        auto other = t::run(judge_cmd(in, out, server, flipped), with_key());
        INFO(other.err);
        CHECK(other.exit_code == 2);
        CHECK(other.err.find(first_with ? "was written by a run that asked for a rationale "
                                          "(--rationale, or the spec's [judge] rationale = true): "
                                          "ask for one again to resume it, or run with --force"
                                        : "was written by a run that asked for no rationale (the "
                                          "default, or --no-rationale): ask for none again to "
                                          "resume it, or run with --force") != std::string::npos);
        CHECK(answered() == before);

        // As advised: resumed, nothing asked again, the answers as they were.
        const std::string kept = t::slurp(out);
        auto again = t::run(judge_cmd(in, out, server, same), with_key());
        INFO(again.err);
        CHECK(again.exit_code == 0);
        CHECK(answered() == before);
        CHECK(t::slurp(out) == kept);
    }
    // A journal of another input is still refused with the generic message.
    std::string other_in = dir + "/other.csv";
    t::spit(other_in, "content,label\nsomething else entirely,Safe\n");
    auto r = t::run(judge_cmd(other_in, dir + "/without.csv", server), with_key());
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("was written for a different spec or plan") != std::string::npos);
}

TEST_CASE("judge dry run: earlier answers size the estimate only when they have this run's fields",
          "[judge][http][cost]") {
    // A journal of answers with a rationale must not set the low end for a run without one
    // (those answers are several times longer), nor the other way round: each dry run below
    // must bracket the cost the run then bills.
    const int n = 12;
    std::string dir = t::temp_dir("judge-http-dry-shape");
    std::string in = make_input(dir, n), out = dir + "/judged.csv";
    t::FakeServer server;
    auto dry = [&](std::vector<std::string> extra) {
        extra.push_back("--dry-run");
        auto r = t::run(judge_cmd(in, out, server, extra), with_key());
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
        return r.out;
    };
    auto judged = [&](std::vector<std::string> extra) {
        auto r = t::run(judge_cmd(in, out, server, extra), with_key());
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        return t::column_sum(out, "judge_cost_usd");
    };
    REQUIRE(judged({"--rationale"}) > 0);  // the journal now holds 12 long answers

    std::string brief = dry({});
    CHECK(brief.find("output from prior:") != std::string::npos);
    auto [low, high] = t::dry_range(brief);
    double actual = judged({"--force"});
    CHECK(low <= actual);
    CHECK(actual <= high);

    // The journal now holds answers without a rationale: they size a run without one...
    std::string again = dry({});
    CHECK(again.find("output from journal: 12 earlier answers") != std::string::npos);
    auto [low2, high2] = t::dry_range(again);
    CHECK(low2 <= actual);
    CHECK(actual <= high2);
    // ...and not a run with one, whose answers are longer than any of them.
    std::string full = dry({"--rationale"});
    CHECK(full.find("output from prior:") != std::string::npos);
    auto [low3, high3] = t::dry_range(full);
    double with_rationale = judged({"--rationale", "--force"});
    CHECK(low3 <= with_rationale);
    CHECK(with_rationale <= high3);
}
