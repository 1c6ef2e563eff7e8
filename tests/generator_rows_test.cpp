// Every planned row is accounted for, failures say why, a dataset grows, top-up, JSONL by name:
// synthmod-generate run as a process against the loopback fake server (issue 12).
#include <rapidjson/document.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/csv.h"
#include "common/jsonl.h"
#include "tests/support/fake_server.h"
#include "tests/support/generate_fixture.h"
#include "tests/support/process.h"

namespace t = synthmod::test;

namespace {

std::size_t messages(const t::FakeServer& server) { return server.count("/v1/messages"); }

synthmod::csv::Table samples(const std::string& path) {
    return synthmod::csv::read_table(path, {"content", "label", "id", "target_label"});
}

/// A column of a table, row by row.
std::vector<std::string> column(const synthmod::csv::Table& table, const std::string& name) {
    std::vector<std::string> out;
    const auto c = static_cast<std::size_t>(table.column(name));
    for (const auto& row : table.rows) out.push_back(row[c]);
    return out;
}

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("generate: a refusal is a row labelled refused, never dropped",
          "[generator][generator_rows]") {
    // Concurrency 1: the server's script is consumed in plan order, so refusals land on known
    // rows: every 10th row from the 3rd (20 of 200) and rows 50-59 (10 more) = 30 refused.
    std::string script;
    std::set<std::size_t> refused_rows;
    for (std::size_t i = 0; i < 200; ++i) {
        bool refuse = i % 10 == 2 || (i >= 50 && i < 60);
        if (refuse) refused_rows.insert(i);
        script += (i ? "," : "") + std::string(refuse ? "refusal" : "ok");
    }
    REQUIRE(refused_rows.size() == 29);  // row 52 is in both sets
    t::FakeServer server({"--script", script});
    std::string dir = t::example_dir("genrows-refused");
    auto r = t::run(
        t::generate_args(dir, dir + "/s.csv", 200, server.base_url(), {"--concurrency", "1"}),
        t::with_anthropic_key("test-key"));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("171 ok, 29 refused, 0 failed of 200") != std::string::npos);
    auto table = samples(dir + "/s.csv");
    REQUIRE(table.rows.size() == 200);
    auto labels = column(table, "label");
    auto content = column(table, "content");
    for (std::size_t i = 0; i < 200; ++i) {
        INFO("row " << i);
        if (refused_rows.count(i)) {
            CHECK(labels[i] == "refused");
            CHECK(content[i].empty());
        } else {
            CHECK(labels[i] != "refused");
            CHECK_FALSE(content[i].empty());
        }
    }
    CHECK_FALSE(t::exists(dir + "/s.csv.failed.csv"));

    SECTION("judge and stats take the refused rows: not judged, counted as refusals") {
        auto j =
            t::run({t::tool("synthmod-judge"), "--spec", dir + "/moderation.toml", "--in",
                    dir + "/s.csv", "--out", dir + "/j.csv", "--provider", "offline", "--quiet"});
        INFO(j.err);
        REQUIRE(j.exit_code == 0);
        auto judged = synthmod::csv::read_table(dir + "/j.csv", {"label", "judge_status"});
        REQUIRE(judged.rows.size() == 200);
        auto status = column(judged, "judge_status");
        auto rationale = column(judged, "rationale");
        for (std::size_t i = 0; i < 200; ++i) {
            if (!refused_rows.count(i)) continue;
            CHECK(status[i] == "error");
            CHECK(rationale[i] == "not judged: the generator refused this row");
        }
        auto st = t::run({t::tool("synthmod-stats"), "--in", dir + "/j.csv", "--spec",
                          dir + "/moderation.toml", "--report-dir", dir + "/report", "--quiet"});
        INFO(st.err);
        REQUIRE(st.exit_code == 0);
        // 29 of 200 rows (stats counts label = refused).
        CHECK(t::slurp(dir + "/report/metrics.json").find("\"generator_refusal_rate\": 0.145") !=
              std::string::npos);
    }
    SECTION("a rerun keeps the refusals and sends nothing") {
        auto again = t::run(t::generate_args(dir, dir + "/s.csv", 200, server.base_url()),
                            t::with_anthropic_key("test-key"));
        CHECK(again.exit_code == 0);
        CHECK(messages(server) == 200);
        CHECK(samples(dir + "/s.csv").rows.size() == 200);
    }
    SECTION("--retry-refused asks exactly the refused rows again") {
        auto again = t::run(
            t::generate_args(dir, dir + "/s.csv", 200, server.base_url(), {"--retry-refused"}),
            t::with_anthropic_key("test-key"));
        INFO(again.err);
        CHECK(again.exit_code == 0);
        CHECK(messages(server) == 229);
        auto labels2 = column(samples(dir + "/s.csv"), "label");
        CHECK(std::count(labels2.begin(), labels2.end(), "refused") == 0);
        CHECK(again.err.find("200 ok, 0 refused, 0 failed of 200 (171 from the journal)") !=
              std::string::npos);
    }
}

TEST_CASE("generate: rows that spent their retries are listed with their reason and re-asked",
          "[generator][generator_rows]") {
    // --max-retries 0 and concurrency 1: the server's script is consumed in plan order (no
    // retry timer reorders it): rows 5, 17 and 33 get a 500 and fail, the others are answered.
    std::string script;
    for (std::size_t i = 0; i < 40; ++i)
        script += (i ? "," : "") + std::string(i == 5 || i == 17 || i == 33 ? "500" : "ok");
    t::FakeServer server({"--script", script});
    std::string dir = t::example_dir("genrows-failed");
    const std::string out = dir + "/s.csv";
    auto r = t::run(t::generate_args(dir, out, 40, server.base_url(),
                                     {"--concurrency", "1", "--max-retries", "0"}),
                    t::with_anthropic_key("test-key"));
    INFO(r.err);
    CHECK(r.exit_code == 3);
    CHECK(messages(server) == 40);
    // The first error of its kind is on stderr once, the summary by reason at the end.
    CHECK(count_of(r.err, "(not retried)") == 1);
    CHECK(r.err.find("failed attempts by kind: 3 HTTP 500") != std::string::npos);
    CHECK(r.err.find("failed rows by reason: 3 HTTP 500") != std::string::npos);
    auto table = samples(out);
    CHECK(table.rows.size() == 37);
    auto failed = synthmod::csv::read_table(
        out + ".failed.csv", {"id", "target_label", "variant", "persona", "context", "reason"});
    REQUIRE(failed.rows.size() == 3);
    for (const auto& reason : column(failed, "reason"))
        CHECK(reason.find("gave up after 0 retries: 500 api_error") != std::string::npos);
    // The failed ids are exactly the plan's rows 5, 17 and 33, missing from s.csv.
    std::set<std::string> written;
    for (const auto& id : column(table, "id")) written.insert(id);
    for (const auto& id : column(failed, "id")) CHECK(written.count(id) == 0);
    CHECK(r.err.find("37 ok, 0 refused, 3 failed of 40") != std::string::npos);
    CHECK(r.err.find("rerun to retry 3 failed rows") != std::string::npos);
    CHECK(r.err.find("3 failed rows are listed in " + out + ".failed.csv") != std::string::npos);

    SECTION("the same command asks exactly the failed rows again") {
        auto again =
            t::run(t::generate_args(dir, out, 40, server.base_url(), {"--concurrency", "1"}),
                   t::with_anthropic_key("test-key"));
        INFO(again.err);
        CHECK(again.exit_code == 0);
        CHECK(messages(server) == 43);
        CHECK(samples(out).rows.size() == 40);
        CHECK_FALSE(t::exists(out + ".failed.csv"));
        CHECK(again.err.find("40 ok, 0 refused, 0 failed of 40 (37 from the journal)") !=
              std::string::npos);
    }
}

TEST_CASE("generate: a server that is down stops the run early with exit 3 and says why",
          "[generator][generator_rows]") {
    int port;
    {
        t::FakeServer server;  // a port that was just listening and is now closed
        port = server.port();
    }
    std::string dir = t::example_dir("genrows-down");
    const std::string url = "http://127.0.0.1:" + std::to_string(port);
    auto r = t::run(t::generate_args(dir, dir + "/s.csv", 1000, url, {"--concurrency", "4"}),
                    t::with_anthropic_key("test-key"));
    INFO(r.err);
    CHECK(r.exit_code == 3);
    const std::string why =
        "could not connect to 127.0.0.1:" + std::to_string(port) + " (connection refused)";
    CHECK(r.err.find(why) != std::string::npos);
    CHECK(r.err.find("the first 20 requests all failed") != std::string::npos);
    // Exactly the first 20 attempts: no request is sent beyond them while all have failed so.
    CHECK(r.err.find("; 20 requests, ") != std::string::npos);
    CHECK(r.err.find("failed attempts by kind: 20 " + why) != std::string::npos);
    CHECK(r.err.find("1000 not run of 1000") != std::string::npos);

    SECTION("TLS spoken to a plain HTTP server: the same early stop") {
        // python3 -m http.server answers the TLS hello with an HTTP 400: "wrong version number".
        int plain_port;
        {
            t::FakeServer probe;
            plain_port = probe.port();
        }
        t::Background plain({"/usr/bin/python3", "-m", "http.server", std::to_string(plain_port),
                             "--bind", "127.0.0.1"});
        auto listening = [&] {
            try {
                return !t::raw_http(plain_port, "GET", "/", "").empty();
            } catch (const std::exception&) {
                return false;
            }
        };
        for (int i = 0; i < 100 && !listening(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        REQUIRE(listening());
        const std::string https = "https://127.0.0.1:" + std::to_string(plain_port);
        auto tls = t::run(t::generate_args(dir, dir + "/t.csv", 100, https),
                          t::with_anthropic_key("test-key"));
        INFO(tls.err);
        CHECK(tls.exit_code == 3);
        CHECK(tls.err.find("TLS failure with 127.0.0.1:" + std::to_string(plain_port)) !=
              std::string::npos);
        CHECK(tls.err.find("the first 20 requests all failed") != std::string::npos);
        CHECK(tls.err.find("; 20 requests, ") != std::string::npos);
    }
    SECTION("the judge shares the early stop") {
        std::string in = dir + "/in.csv";
        t::spit(in, "content,label\nhello,Safe\n");
        std::vector<std::string> judge = {t::tool("synthmod-judge"),
                                          "--spec",
                                          dir + "/moderation.toml",
                                          "--in",
                                          in,
                                          "--out",
                                          dir + "/j.csv",
                                          "--provider",
                                          "anthropic",
                                          "--base-url",
                                          url};
        std::string many = "content,label\n";
        for (int i = 0; i < 100; ++i) many += "post number " + std::to_string(i) + ",Safe\n";
        t::spit(in, many);
        auto j = t::run(judge, t::with_anthropic_key("test-key"));
        INFO(j.err);
        CHECK(j.exit_code == 3);
        CHECK(j.err.find(why) != std::string::npos);
        CHECK(j.err.find("the first 20 requests all failed") != std::string::npos);
    }
}

TEST_CASE("generate: a larger --rows extends a finished run, asking only the new rows",
          "[generator][generator_rows]") {
    t::FakeServer server;
    std::string dir = t::example_dir("genrows-grow");
    const std::string out = dir + "/s.csv";
    auto first = t::run(t::generate_args(dir, out, 1000, server.base_url(), {"--quiet"}),
                        t::with_anthropic_key("test-key"));
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    REQUIRE(messages(server) == 1000);
    auto before = column(samples(out), "id");
    REQUIRE(before.size() == 1000);

    auto grown = t::run(t::generate_args(dir, out, 1200, server.base_url()),
                        t::with_anthropic_key("test-key"));
    INFO(grown.err);
    REQUIRE(grown.exit_code == 0);
    CHECK(grown.err.find("1200 ok, 0 refused, 0 failed of 1200 (1000 from the journal)") !=
          std::string::npos);
    CHECK(messages(server) == 1200);  // exactly 200 new requests
    auto table = samples(out);
    auto after = column(table, "id");
    REQUIRE(after.size() == 1200);
    for (std::size_t i = 0; i < 1000; ++i) CHECK(after[i] == before[i]);
    // 600 groups over 163 personas x 4 labels x 6 contexts: none is asked twice.
    std::set<std::string> groups;
    auto persona = column(table, "persona");
    auto target = column(table, "target_label");
    auto context = column(table, "context");
    auto variant = column(table, "variant");
    for (std::size_t i = 0; i < after.size(); ++i)
        if (variant[i] == "baseline")
            groups.insert(persona[i] + "\x1f" + target[i] + "\x1f" + context[i]);
    CHECK(groups.size() == 600);

    SECTION("the same command again sends nothing; a different seed is still refused") {
        auto again = t::run(t::generate_args(dir, out, 1200, server.base_url(), {"--quiet"}),
                            t::with_anthropic_key("test-key"));
        CHECK(again.exit_code == 0);
        CHECK(messages(server) == 1200);
        std::string spec = t::slurp(dir + "/moderation.toml");
        auto at = spec.find("seed = 42");
        REQUIRE(at != std::string::npos);
        t::spit(dir + "/moderation.toml", spec.replace(at, 9, "seed = 43"));
        auto other = t::run(t::generate_args(dir, out, 1400, server.base_url(), {"--quiet"}),
                            t::with_anthropic_key("test-key"));
        CHECK(other.exit_code == 2);
        CHECK(other.err.find("different spec or plan") != std::string::npos);
        CHECK(messages(server) == 1200);
    }
}

TEST_CASE("generate --top-up asks each label's shortfall scaled by its yield, with new ids",
          "[generator][generator_rows]") {
    t::FakeServer server;
    std::string dir = t::example_dir("genrows-topup");
    auto base = t::run(t::generate_args(dir, dir + "/s.csv", 200, server.base_url(), {"--quiet"}),
                       t::with_anthropic_key("test-key"));
    INFO(base.err);
    REQUIRE(base.exit_code == 0);
    // The quota section synthmod-stats writes with --spec (only label, answered, kept and
    // shortfall are read; asked gives the size of the run topped up).
    const std::string metrics = dir + "/metrics.json";
    t::spit(metrics, R"({"rows": 200, "quota": {"labels": [
      {"label": "Spam & Scams", "asked": 50, "answered": 50, "refused": 0, "failed": 0,
       "drifted_in": 0, "drifted_out": 0, "kept": 40, "shortfall": 10, "fill": 0.8},
      {"label": "Self-harm & Suicide", "asked": 50, "answered": 40, "refused": 10, "failed": 0,
       "drifted_in": 0, "drifted_out": 20, "kept": 20, "shortfall": 30, "fill": 0.4},
      {"label": "Privacy & Personal Data Exposure", "asked": 50, "answered": 50, "refused": 0,
       "failed": 0, "drifted_in": 0, "drifted_out": 0, "kept": 50, "shortfall": 0, "fill": 1},
      {"label": "Safe", "asked": 50, "answered": 0, "refused": 0, "failed": 50,
       "drifted_in": 0, "drifted_out": 0, "kept": 0, "shortfall": 5, "fill": 0.9}],
      "min_fill": 0.4}})");
    // Spam: 10 / 0.8 = 12.5 -> 13 rows -> 7 groups x 2 variants = 14; Self-harm: 30 / 0.5 = 60;
    // Safe: no answered row, 5 as is -> 3 groups = 6; Privacy: none. 80 requests.
    const std::string top = dir + "/top.csv";
    auto r = t::run(t::generate_args(dir, top, 200, server.base_url(), {"--top-up", metrics}),
                    t::with_anthropic_key("test-key"));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(messages(server) == 280);
    CHECK(r.err.find("\"Safe\": no answered row") != std::string::npos);
    auto table = samples(top);
    REQUIRE(table.rows.size() == 80);
    std::map<std::string, int> per_label;
    for (const auto& l : column(table, "target_label")) ++per_label[l];
    CHECK(per_label["Spam & Scams"] == 14);
    CHECK(per_label["Self-harm & Suicide"] == 60);
    CHECK(per_label["Safe"] == 6);
    CHECK(per_label.count("Privacy & Personal Data Exposure") == 0);
    auto first = samples(dir + "/s.csv");
    std::set<std::string> ids, groups;
    auto group_of = [](const synthmod::csv::Table& tb, std::size_t i) {
        return tb.rows[i][static_cast<std::size_t>(tb.column("persona"))] + "\x1f" +
               tb.rows[i][static_cast<std::size_t>(tb.column("target_label"))] + "\x1f" +
               tb.rows[i][static_cast<std::size_t>(tb.column("context"))];
    };
    for (std::size_t i = 0; i < first.rows.size(); ++i) {
        ids.insert(column(first, "id")[i]);
        groups.insert(group_of(first, i));
    }
    auto top_ids = column(table, "id");
    for (std::size_t i = 0; i < table.rows.size(); ++i) {
        CHECK(ids.count(top_ids[i]) == 0);
        CHECK(groups.count(group_of(table, i)) == 0);
    }

    SECTION("the same top-up resumes; another round gets other ids") {
        auto again =
            t::run(t::generate_args(dir, top, 200, server.base_url(), {"--top-up", metrics}),
                   t::with_anthropic_key("test-key"));
        CHECK(again.exit_code == 0);
        CHECK(messages(server) == 280);
        std::string text = t::slurp(metrics);
        text.replace(text.find("\"kept\": 40"), 10, "\"kept\": 45");
        t::spit(metrics, text);
        auto round2 = t::run(t::generate_args(dir, dir + "/top2.csv", 200, server.base_url(),
                                              {"--top-up", metrics, "--quiet"}),
                             t::with_anthropic_key("test-key"));
        INFO(round2.err);
        CHECK(round2.exit_code == 0);
        for (const auto& id : column(samples(dir + "/top2.csv"), "id"))
            CHECK(std::find(top_ids.begin(), top_ids.end(), id) == top_ids.end());
    }
}

TEST_CASE("generate: the output format follows --out's extension unless --format says otherwise",
          "[generator][generator_rows]") {
    t::FakeServer server({"--script", "ok,refusal,ok,ok"});
    std::string dir = t::example_dir("genrows-jsonl");
    auto r = t::run(
        t::generate_args(dir, dir + "/s.jsonl", 4, server.base_url(), {"--concurrency", "1"}),
        t::with_anthropic_key("test-key"));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::string text = t::slurp(dir + "/s.jsonl");
    CHECK(count_of(text, "\n") == 4);
    CHECK(text.rfind("{\"content\":", 0) == 0);
    CHECK(count_of(text, "\"label\":\"refused\"") == 1);
    CHECK(r.err.find("note:") == std::string::npos);

    auto csv =
        t::run(t::generate_args(dir, dir + "/c.jsonl", 4, server.base_url(), {"--format", "csv"}),
               t::with_anthropic_key("test-key"));
    INFO(csv.err);
    REQUIRE(csv.exit_code == 0);
    CHECK(samples(dir + "/c.jsonl").rows.size() == 4);
    CHECK(csv.err.find("c.jsonl is written as CSV (--format csv), whatever its name says") !=
          std::string::npos);
}

TEST_CASE("generate --top-up reads the quota section synthmod-stats writes",
          "[generator][generator_rows]") {
    std::string dir = t::example_dir("genrows-topup-stats");
    const std::string spec = dir + "/moderation.toml";
    auto step = [](std::vector<std::string> argv) {
        auto r = t::run(argv);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        return r;
    };
    step({t::tool("synthmod-generate"), "--spec", spec, "--provider", "offline", "--rows", "400",
          "--out", dir + "/s.csv", "--quiet"});
    step({t::tool("synthmod-judge"), "--spec", spec, "--provider", "offline", "--in",
          dir + "/s.csv", "--out", dir + "/j.csv", "--quiet"});
    step({t::tool("synthmod-stats"), "--in", dir + "/j.csv", "--spec", spec, "--report-dir",
          dir + "/report", "--quiet"});
    // What the quota says, recomputed here: rows = ceil(shortfall / (kept / answered)), rounded
    // up to whole groups of 2 variants.
    std::string metrics = t::slurp(dir + "/report/metrics.json");
    rapidjson::Document doc;
    doc.Parse(metrics.c_str());
    REQUIRE(doc.HasMember("quota"));
    std::map<std::string, int> expected;
    int total = 0;
    for (const auto& e : doc["quota"]["labels"].GetArray()) {
        double shortfall = e["shortfall"].GetDouble();
        if (shortfall <= 0) continue;
        double yield = std::min(1.0, e["kept"].GetDouble() / e["answered"].GetDouble());
        int rows = static_cast<int>(std::ceil(shortfall / std::max(yield, 0.2) - 1e-9));
        expected[e["label"].GetString()] = (rows + 1) / 2 * 2;
        total += (rows + 1) / 2 * 2;
    }
    REQUIRE(total > 0);
    auto r = step({t::tool("synthmod-generate"), "--spec", spec, "--provider", "offline",
                   "--top-up", dir + "/report/metrics.json", "--out", dir + "/top.csv"});
    CHECK(r.err.find(std::to_string(total) + " ok, 0 refused, 0 failed of " +
                     std::to_string(total)) != std::string::npos);
    std::map<std::string, int> got;
    for (const auto& l : column(samples(dir + "/top.csv"), "target_label")) ++got[l];
    CHECK(got == expected);
}
