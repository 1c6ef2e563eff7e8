// The judge: rubric (prompts, schema, validation), votes, and synthmod-judge as a process
// with the offline provider.
#include "judge/judge.h"

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/csv.h"
#include "common/llm/offline_judge.h"
#include "common/spec.h"
#include "judge/rubric.h"
#include "judge/votes.h"
#include "tests/support/process.h"

using namespace synthmod;
namespace t = synthmod::test;

namespace {

std::vector<spec::Label> three_labels() {
    return {{"Spam & Scams", "Ads and phishing."},
            {"Self-harm & Suicide", "Intent of self-harm."},
            {"Safe", "Nothing wrong."}};
}

std::vector<std::string> strings_of(const rapidjson::Value& array) {
    std::vector<std::string> out;
    for (const auto& v : array.GetArray()) out.push_back(v.GetString());
    return out;
}

const std::string kSeedSpec = SYNTHMOD_SOURCE_DIR "/tests/data/judge_seed.toml";

csv::Table read_csv_text(const std::string& text) {
    std::istringstream in(text);
    return csv::read_table(in, "out.csv");
}

}  // namespace

TEST_CASE("rubric schema: label enum, realism 1-5, issue tags, rationale", "[judge]") {
    judge::Rubric blind(three_labels(), true);
    rapidjson::Document d;
    d.Parse(blind.schema_json().c_str());
    REQUIRE(d.IsObject());
    CHECK(std::string(d["type"].GetString()) == "object");
    const auto& props = d["properties"];
    CHECK(strings_of(props["label"]["enum"]) ==
          std::vector<std::string>{"Spam & Scams", "Self-harm & Suicide", "Safe"});
    std::vector<int> realism;
    for (const auto& v : props["realism"]["enum"].GetArray()) realism.push_back(v.GetInt());
    CHECK(realism == std::vector<int>{1, 2, 3, 4, 5});
    CHECK(std::string(props["realism"]["type"].GetString()) == "integer");
    CHECK(strings_of(props["issues"]["items"]["enum"]) == judge::issue_tags());
    CHECK(judge::issue_tags() == std::vector<std::string>{"ai_disclaimer", "placeholder",
                                                          "off_topic", "label_stated", "real_pii",
                                                          "not_user_generated"});
    CHECK(props.HasMember("rationale"));
    CHECK_FALSE(props.HasMember("verdict"));
    CHECK(strings_of(d["required"]) ==
          std::vector<std::string>{"label", "realism", "issues", "rationale"});

    judge::Rubric shown(three_labels(), false);
    rapidjson::Document s;
    s.Parse(shown.schema_json().c_str());
    CHECK(strings_of(s["properties"]["verdict"]["enum"]) ==
          std::vector<std::string>{"agree", "disagree"});
    CHECK(strings_of(s["required"])[0] == "verdict");
}

TEST_CASE("rubric without rationale: not in the schema, the prompt or the offline answer",
          "[judge]") {
    judge::Rubric brief(three_labels(), true, "", false);
    CHECK_FALSE(brief.rationale());
    rapidjson::Document d;
    d.Parse(brief.schema_json().c_str());
    REQUIRE(d.IsObject());
    CHECK_FALSE(d["properties"].HasMember("rationale"));
    CHECK(strings_of(d["required"]) == std::vector<std::string>{"label", "realism", "issues"});
    CHECK(brief.system_prompt().find("Rationale") == std::string::npos);
    judge::Rubric full(three_labels(), true);
    CHECK(full.system_prompt().find("Rationale: one or two sentences") != std::string::npos);

    // A grade without a rationale is valid either way; one with it is kept.
    const std::string no_why = R"({"label":"Safe","realism":4,"issues":[]})";
    CHECK(brief.validate(no_why).empty());
    CHECK(brief.parse(no_why).rationale.empty());

    // The offline judge follows the schema: no rationale key in its answer.
    auto answer = [](const judge::Rubric& r) {
        llm::Prompt p = r.prompt("win a free iphone now, click the link", "Spam & Scams", 200, {});
        return llm::offline_judge(p, "row-1").answer_json;
    };
    CHECK(answer(brief).find("\"rationale\"") == std::string::npos);
    CHECK(answer(full).find("\"rationale\"") != std::string::npos);
    CHECK(brief.validate(answer(brief)).empty());
}

TEST_CASE("rubric prompts: definitions and anchors, our label only when not blind", "[judge]") {
    judge::Rubric blind(three_labels(), true);
    const std::string& sys = blind.system_prompt();
    for (const auto& l : three_labels()) {
        CHECK(sys.find(l.name) != std::string::npos);
        CHECK(sys.find(l.definition) != std::string::npos);
    }
    CHECK(sys.find("1 = obviously machine-written") != std::string::npos);
    CHECK(sys.find("5 = indistinguishable from a real post") != std::string::npos);
    for (const auto& tag : judge::issue_tags()) CHECK(sys.find(tag) != std::string::npos);
    auto p = blind.prompt("hello world", "Self-harm & Suicide", 300, 0.5);
    CHECK(p.task == "judge");
    CHECK(p.tool_name == "submit_grade");
    CHECK(p.user.find("hello world") != std::string::npos);
    CHECK(p.user.find("Self-harm & Suicide") == std::string::npos);
    CHECK(p.vars.count("our_label") == 0);
    CHECK(p.vars.at("labels") == "Spam & Scams\nSelf-harm & Suicide\nSafe");
    CHECK(p.max_tokens == 300);

    judge::Rubric shown(three_labels(), false);
    auto q = shown.prompt("hello world", "Self-harm & Suicide", 300, std::nullopt);
    CHECK(q.user.find("\"Self-harm & Suicide\"") != std::string::npos);
    CHECK(q.vars.at("our_label") == "Self-harm & Suicide");
    CHECK(q.system == shown.system_prompt());  // shared by every request: cacheable
}

TEST_CASE("rubric validation rejects what the schema forbids", "[judge]") {
    judge::Rubric r(three_labels(), true);
    CHECK(r.validate(R"({"label":"Safe","realism":4,"issues":[],"rationale":"ok"})") == "");
    CHECK(r.validate(
              R"({"label":"Safe","realism":4.0,"issues":["placeholder"],"rationale":"x"})") == "");
    CHECK(r.validate(R"({"label":"safe","realism":4,"issues":[],"rationale":"ok"})") != "");
    CHECK(r.validate(R"({"label":"Safe","realism":0,"issues":[],"rationale":"ok"})") != "");
    CHECK(r.validate(R"({"label":"Safe","realism":6,"issues":[],"rationale":"ok"})") != "");
    CHECK(r.validate(R"({"label":"Safe","realism":2.5,"issues":[],"rationale":"ok"})") != "");
    CHECK(r.validate(R"({"label":"Safe","realism":3,"issues":["typo"],"rationale":"ok"})") != "");
    CHECK(r.validate(R"({"label":"Safe","realism":3,"rationale":"ok"})") != "");
    CHECK(r.validate("not json") != "");
    CHECK(r.validate("[]") != "");
    auto g = r.parse(
        R"({"label":"Spam & Scams","realism":2,"issues":["placeholder","placeholder"],"rationale":"why"})");
    CHECK(g.label == "Spam & Scams");
    CHECK(g.realism == 2);
    CHECK(g.issues == std::vector<std::string>{"placeholder"});
    CHECK_FALSE(g.agrees.has_value());

    judge::Rubric shown(three_labels(), false);
    CHECK(shown.validate(R"({"label":"Safe","realism":4,"issues":[],"rationale":"ok"})") != "");
    CHECK(shown.validate(
              R"({"verdict":"maybe","label":"Safe","realism":4,"issues":[],"rationale":"ok"})") !=
          "");
    auto v = shown.parse(
        R"({"verdict":"disagree","label":"Safe","realism":4,"issues":[],"rationale":"ok"})");
    REQUIRE(v.agrees.has_value());
    CHECK_FALSE(*v.agrees);
}

TEST_CASE("majority vote: a strict winner, or none when the top labels tie", "[judge]") {
    std::size_t n = 0;
    CHECK(judge::majority({"B", "B", "A"}, &n) == "B");
    CHECK(n == 2);
    CHECK(judge::majority({"B", "A"}, &n).empty());  // 1-1: no majority, whatever the order
    CHECK(n == 1);
    CHECK(judge::majority({"A", "B"}).empty());
    CHECK(judge::majority({"C", "B", "B", "C", "A"}).empty());  // 2-2-1
    CHECK(judge::majority({"C", "B", "B", "C", "B"}) == "B");
    CHECK(judge::majority({"Z"}) == "Z");
    CHECK(judge::majority({}).empty());
}

TEST_CASE("combining votes into the row's columns", "[judge]") {
    std::vector<std::string> order = {"A", "B"};
    auto ok = [](const std::string& label, int realism, std::vector<std::string> issues,
                 std::optional<bool> agrees = std::nullopt) {
        judge::Vote v;
        v.status = judge::Vote::Status::kOk;
        v.grade.label = label;
        v.grade.realism = realism;
        v.grade.issues = std::move(issues);
        v.grade.rationale = "because " + label;
        v.grade.agrees = agrees;
        return v;
    };
    judge::Vote refused;
    refused.status = judge::Vote::Status::kRefused;
    judge::Vote failed;
    failed.status = judge::Vote::Status::kFailed;
    failed.error = "HTTP 400 invalid_request_error";

    SECTION("blind majority, median realism, tags named by half the votes") {
        auto row = judge::combine(
            {ok("B", 2, {"placeholder"}), ok("A", 5, {}), ok("B", 4, {"placeholder", "real_pii"})},
            order, "B", true, "");
        CHECK(row.status == "ok");
        CHECK(row.judge_label == "B");
        CHECK(row.label_correct);
        CHECK(row.realism == 4);
        CHECK(row.issues == std::vector<std::string>{"placeholder"});
        CHECK(row.confidence == Approx(2.0 / 3));
        CHECK(row.votes == std::vector<std::string>{"B", "A", "B"});
        CHECK(row.rationale == "because B");
    }
    SECTION("a refused vote is left out of the count; a 1-1 tie is status tie, no label") {
        auto row = judge::combine({ok("B", 3, {}), refused, ok("A", 3, {})}, order, "B", true, "");
        CHECK(row.status == "tie");
        CHECK(row.judge_label.empty());  // not A, though A comes first in the spec
        CHECK_FALSE(row.label_correct);
        CHECK(row.confidence == Approx(0.5));
        CHECK(row.votes == std::vector<std::string>{"B", "", "A"});
        CHECK(row.rationale == "tie: A 1, B 1, of 2 answering votes");
        CHECK(row.realism == 3);
    }
    SECTION("three votes, one refused, the other two agree: ok") {
        auto row = judge::combine({ok("B", 3, {}), refused, ok("B", 4, {})}, order, "B", true, "");
        CHECK(row.status == "ok");
        CHECK(row.judge_label == "B");
    }
    SECTION("no answer: refused or error, with the reason") {
        CHECK(judge::combine({refused, failed}, order, "A", true, "").status == "refused");
        auto row = judge::combine({failed}, order, "A", true, "");
        CHECK(row.status == "error");
        CHECK(row.rationale == "HTTP 400 invalid_request_error");
        CHECK(row.judge_label.empty());
    }
    SECTION("a vote not run: the row is not judged yet") {
        auto row =
            judge::combine({ok("A", 3, {}), judge::Vote{}}, order, "A", true, "not judged: x");
        CHECK(row.status == "error");
        CHECK(row.rationale == "not judged: x");
    }
    SECTION("not blind: label_correct is the verdicts' strict majority") {
        CHECK(judge::combine({ok("A", 3, {}, true)}, order, "A", false, "").label_correct);
        CHECK_FALSE(judge::combine({ok("B", 3, {}, false)}, order, "A", false, "").label_correct);
        CHECK_FALSE(
            judge::combine({ok("A", 3, {}, true), ok("B", 3, {}, false)}, order, "A", false, "")
                .label_correct);
    }
}

TEST_CASE("item ids are stable and depend on content, row, vote, model and blindness", "[judge]") {
    auto a = judge::item_id("text", 3, 0, "m", true);
    CHECK(a == judge::item_id("text", 3, 0, "m", true));
    CHECK(a != judge::item_id("text!", 3, 0, "m", true));
    CHECK(a != judge::item_id("text", 4, 0, "m", true));
    CHECK(a != judge::item_id("text", 3, 1, "m", true));
    CHECK(a != judge::item_id("text", 3, 0, "n", true));
    CHECK(a != judge::item_id("text", 3, 0, "m", false));
    CHECK(runner::journal_path("synthmod-judge", "x/judged.csv") == "x/judged.csv.journal");
    CHECK(runner::journal_path("synthmod-judge", "-") == "synthmod-judge.journal");
}

// ---------------------------------------------------------------------------------------------
// synthmod-judge as a process (offline provider)

namespace {

std::string big_field() {
    std::string s;
    int i = 0;
    while (s.size() < 100 * 1024) {
        s += "line " + std::to_string(i++) + ", with \"quotes\", commas,, and\na newline\r\n";
    }
    s += "\xc3\xa9nd";  // some UTF-8
    return s;
}

std::string write_input(const std::string& dir, const std::vector<std::vector<std::string>>& rows) {
    std::ostringstream out;
    csv::Writer w(out);
    for (const auto& r : rows) w.write_row(r);
    std::string path = dir + "/in.csv";
    t::spit(path, out.str());
    return path;
}

}  // namespace

TEST_CASE("synthmod-judge keeps every row once, in order, with its columns", "[judge]") {
    std::string dir = t::temp_dir("judge");
    const std::string big = big_field();
    std::vector<std::vector<std::string>> rows = {
        {"id", "label", "note", "content"},
        {"r1", "Spam & Scams", "a", "Click here to claim your FREE prize!!! limited time offer"},
        {"r2", "Safe", "b,with comma", "Made pancakes for the kids this morning, they loved it"},
        {"r3", "Self-harm & Suicide", "", "i just want to end it all, i keep thinking about how"},
        {"r4", "Safe", "big", big},
        {"r5", "Privacy & Personal Data Exposure", "x",
         "she lives at 12 Elm Street, her phone number is on her car"},
        {"r6", "Safe", "dup", "Made pancakes for the kids this morning, they loved it"},
    };
    std::string in = write_input(dir, rows);
    std::string out = dir + "/judged.csv";
    auto r = t::run(
        {t::tool("synthmod-judge"), "--spec", kSeedSpec, "--in", in, "--out", out, "--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::string text = t::slurp(out);
    auto table = read_csv_text(text);
    std::vector<std::string> header = rows[0];
    for (const auto& c : judge::judge_columns(false)) header.push_back(c);
    CHECK(table.header == header);
    REQUIRE(table.rows.size() == rows.size() - 1);
    for (std::size_t i = 1; i < rows.size(); ++i) {
        for (std::size_t c = 0; c < rows[i].size(); ++c) CHECK(table.rows[i - 1][c] == rows[i][c]);
        CHECK(table.rows[i - 1][table.column("judge_status")] == "ok");
        CHECK(table.rows[i - 1][table.column("judge_model")] == "offline");
        std::string realism = table.rows[i - 1][table.column("realism")];
        CHECK((realism >= "1" && realism <= "5" && realism.size() == 1));
        std::string correct = table.rows[i - 1][table.column("label_correct")];
        CHECK(correct ==
              (table.rows[i - 1][table.column("judge_label")] == rows[i][1] ? "true" : "false"));
    }
    // The 100 KB field is written byte for byte (RFC 4180 quoting of the same bytes).
    CHECK(table.rows[3][3] == big);
    CHECK(text.find(csv::quote(big)) != std::string::npos);
    // The obvious rows are judged as labelled.
    CHECK(table.rows[0][table.column("judge_label")] == "Spam & Scams");
    CHECK(table.rows[2][table.column("judge_label")] == "Self-harm & Suicide");

    SECTION("a rerun resumes from the journal and writes the same file") {
        CHECK(t::exists(out + ".journal"));
        auto again = t::run(
            {t::tool("synthmod-judge"), "--spec", kSeedSpec, "--in", in, "--out", out, "--quiet"});
        CHECK(again.exit_code == 0);
        CHECK(t::slurp(out) == text);
    }
    SECTION("--format jsonl writes the same records") {
        std::string jl = dir + "/judged.jsonl";
        auto j = t::run(
            {t::tool("synthmod-judge"), "--spec", kSeedSpec, "--in", in, "--out", jl, "--quiet"});
        REQUIRE(j.exit_code == 0);
        std::istringstream lines(t::slurp(jl));
        std::string line;
        std::size_t n = 0;
        while (std::getline(lines, line)) {
            rapidjson::Document d;
            d.Parse(line.c_str());
            REQUIRE(d.IsObject());
            CHECK(std::string(d["id"].GetString()) == rows[n + 1][0]);
            CHECK(std::string(d["content"].GetString()) == rows[n + 1][3]);
            CHECK(d.HasMember("judge_status"));
            ++n;
        }
        CHECK(n == rows.size() - 1);
    }
}

TEST_CASE("synthmod-judge refuses a label the spec does not know", "[judge]") {
    std::string dir = t::temp_dir("judge-unknown");
    std::string in = write_input(dir, {{"content", "label"},
                                       {"hello there", "Safe"},
                                       {"multi\nline post", "Safe"},
                                       {"buy now", "Scam"}});
    std::string out = dir + "/judged.csv";
    auto r = t::run({t::tool("synthmod-judge"), "--spec", kSeedSpec, "--in", in, "--out", out});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(in + ":5: label \"Scam\" is not in the spec's labels") != std::string::npos);
    CHECK_FALSE(t::exists(out));
    CHECK_FALSE(t::exists(out + ".journal"));

    SECTION("--allow-unknown-labels judges it anyway") {
        auto ok = t::run({t::tool("synthmod-judge"), "--spec", kSeedSpec, "--in", in, "--out", out,
                          "--allow-unknown-labels", "--quiet"});
        INFO(ok.err);
        REQUIRE(ok.exit_code == 0);
        auto table = read_csv_text(t::slurp(out));
        REQUIRE(table.rows.size() == 3);
        CHECK(table.rows[2][table.column("label")] == "Scam");
        CHECK(table.rows[2][table.column("label_correct")] == "false");
        CHECK(table.rows[2][table.column("judge_status")] == "ok");
    }
}

TEST_CASE("synthmod-judge --votes 3 adds judge_votes and judge_confidence", "[judge]") {
    std::string dir = t::temp_dir("judge-votes");
    std::string in = write_input(dir, {{"content", "label"},
                                       {"free crypto giveaway, click here", "Spam & Scams"},
                                       {"nice weather today", "Safe"}});
    std::string out = dir + "/judged.csv";
    auto r = t::run({t::tool("synthmod-judge"), "--spec", kSeedSpec, "--in", in, "--out", out,
                     "--votes", "3", "--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto table = read_csv_text(t::slurp(out));
    std::vector<std::string> header = {"content", "label"};
    for (const auto& c : judge::judge_columns(true)) header.push_back(c);
    CHECK(table.header == header);
    REQUIRE(table.rows.size() == 2);
    CHECK(table.rows[0][table.column("judge_votes")] == "Spam & Scams;Spam & Scams;Spam & Scams");
    CHECK(table.rows[0][table.column("judge_confidence")] == "1");
    CHECK(table.rows[1][table.column("judge_votes")] == "Safe;Safe;Safe");
}

TEST_CASE("synthmod-judge --dry-run prints the plan and writes nothing", "[judge]") {
    std::string dir = t::temp_dir("judge-dry");
    std::string in = write_input(dir, {{"content", "label"}, {"a", "Safe"}, {"b", "Spam & Scams"}});
    std::string out = dir + "/judged.csv";
    auto r = t::run({t::tool("synthmod-judge"), "--spec", kSeedSpec, "--in", in, "--out", out,
                     "--votes", "2", "--dry-run"});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("requests: 4") != std::string::npos);
    CHECK_FALSE(t::exists(out));
    CHECK_FALSE(t::exists(out + ".journal"));
}

TEST_CASE("judge --dry-run counts input tokens by the runner's rule, per whole request",
          "[judge]") {
    // estimate::input_tokens: (system + user + schema bytes) / 4 rounded up, per request; the
    // budget meter uses the same. Summing the shared part and the user part each rounded up
    // (the judge's own rule before) gives more; the spec is padded until the two differ.
    std::string dir = t::temp_dir("judge-dry-tokens");
    const std::vector<std::string> contents = {"a", "bb", "ccc", "dddd", "eeeee"};
    std::vector<std::vector<std::string>> rows = {{"content", "label"}};
    for (const auto& c : contents) rows.push_back({c, "Safe"});
    std::string in = write_input(dir, rows);
    const auto labels = spec::load(kSeedSpec).labels;
    std::string intro = "You grade posts.";
    std::int64_t expected = 0, parts = 0, shared = 0;
    for (;; intro += " Be careful.") {
        judge::Rubric rubric(labels, true, intro);
        expected = parts = 0;
        for (const auto& c : contents) {
            llm::Prompt p = rubric.prompt(c, "Safe", 400, std::nullopt);
            std::size_t s = p.system.size() + p.schema_json.size();
            expected += static_cast<std::int64_t>((s + p.user.size() + 3) / 4);
            parts += static_cast<std::int64_t>((s + 3) / 4 + (p.user.size() + 3) / 4);
            shared = static_cast<std::int64_t>((s + 3) / 4);
        }
        if (expected != parts) break;
    }
    std::string spec = dir + "/spec.toml";
    t::spit(spec, t::slurp(kSeedSpec) + "system = \"" + intro + "\"\n");
    // --rationale: the rubric above asks for one (Rubric's default), and so the prior is 16.
    auto r = t::run({t::tool("synthmod-judge"), "--spec", spec, "--in", in, "--out",
                     dir + "/judged.csv", "--dry-run", "--rationale"});
    INFO(r.err << r.out);
    REQUIRE(r.exit_code == 0);
    auto grouped = [](std::int64_t n) {
        std::string s = std::to_string(n);
        for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3)
            s.insert(static_cast<std::size_t>(i), ",");
        return s;
    };
    // Output: the prior (16 tokens per request) up to max_tokens, no journal yet.
    CHECK(r.out.find("estimated tokens: input " + grouped(expected) + " (" + grouped(shared) +
                     " per request shared: tools and system prompt), output " +
                     grouped(16 * static_cast<std::int64_t>(contents.size())) + " - " +
                     grouped(400 * static_cast<std::int64_t>(contents.size())) + "\n") !=
          std::string::npos);
}

TEST_CASE("synthmod-judge --no-blind and usage errors", "[judge]") {
    std::string dir = t::temp_dir("judge-noblind");
    std::string in = write_input(dir, {{"content", "label"},
                                       {"click here to claim your free prize", "Safe"},
                                       {"click here to claim your free prize", "Spam & Scams"}});
    std::string out = dir + "/judged.csv";
    auto r = t::run({t::tool("synthmod-judge"), "--spec", kSeedSpec, "--in", in, "--out", out,
                     "--no-blind", "--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto table = read_csv_text(t::slurp(out));
    CHECK(table.rows[0][table.column("label_correct")] == "false");
    CHECK(table.rows[1][table.column("label_correct")] == "true");

    CHECK(t::run({t::tool("synthmod-judge"), "--spec", kSeedSpec}).exit_code == 2);
    CHECK(t::run({t::tool("synthmod-judge"), "--spec", kSeedSpec, "--in", in, "--votes", "x"})
              .exit_code == 2);
    auto missing = t::run({t::tool("synthmod-judge"), "--spec", kSeedSpec, "--in",
                           dir + "/nope.csv", "--out", out + "2"});
    CHECK(missing.exit_code == 2);
    CHECK(missing.err.rfind("synthmod-judge: error: ", 0) == 0);
    CHECK(t::run({t::tool("synthmod-judge"), "--help"}).exit_code == 0);
    CHECK(t::run({t::tool("synthmod-judge"), "--version"}).exit_code == 0);
}

TEST_CASE("synthmod-judge on the real OpenAI moderation set", "[judge]") {
    std::string dir = t::temp_dir("judge-openai");
    std::string in = SYNTHMOD_DATA_DIR "/moderation_openai.csv";
    std::string out = dir + "/judged.csv";
    auto r = t::run({t::tool("synthmod-judge"), "--spec",
                     SYNTHMOD_SOURCE_DIR "/tests/data/openai_labels.toml", "--in", in, "--out", out,
                     "--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto source = csv::read_table(in);
    auto judged = read_csv_text(t::slurp(out));
    REQUIRE(judged.rows.size() == source.rows.size());
    for (std::size_t i = 0; i < source.rows.size(); ++i) {
        CHECK(judged.rows[i][0] == source.rows[i][0]);
        CHECK(judged.rows[i][1] == source.rows[i][1]);
        CHECK(judged.rows[i][judged.column("judge_status")] == "ok");
    }
}

TEST_CASE("synthmod-judge reads stdin and writes stdout with '-'", "[judge]") {
    std::string dir = t::temp_dir("judge-stdio");
    std::ostringstream csv_text;
    csv::Writer w(csv_text);
    w.write_row(std::vector<std::string>{"content", "label"});
    w.write_row(std::vector<std::string>{"win a free prize, click here", "Spam & Scams"});
    w.write_row(std::vector<std::string>{"lovely walk by the river", "Safe"});
    t::RunOptions o;
    o.stdin_data = csv_text.str();
    o.cwd = dir;
    auto r = t::run(
        {t::tool("synthmod-judge"), "--spec", kSeedSpec, "--in", "-", "--out", "-", "--quiet"}, o);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto table = read_csv_text(r.out);
    REQUIRE(table.rows.size() == 2);
    CHECK(table.rows[0][table.column("judge_label")] == "Spam & Scams");
    CHECK(table.rows[1][table.column("judge_label")] == "Safe");
    CHECK(t::exists(dir + "/synthmod-judge.journal"));
}
