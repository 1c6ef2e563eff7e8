// Tests of the generator: the plan, persona loading, prompts, and synthmod-generate run as a
// process with the offline provider (outputs, dry run, bad input, interruption and resume).
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "common/csv.h"
#include "common/errors.h"
#include "common/spec.h"
#include "generator/personas.h"
#include "generator/plan.h"
#include "generator/prompts.h"
#include "tests/support/generate_fixture.h"
#include "tests/support/process.h"

namespace gen = synthmod::generator;
namespace t = synthmod::test;

namespace {

gen::PlanRequest request(std::size_t rows, std::vector<std::string> variants = {"a", "b"}) {
    gen::PlanRequest r;
    r.rows = rows;
    r.seed = 42;
    r.labels = {"Spam & Scams", "Self-harm & Suicide", "Privacy & Personal Data Exposure", "Safe"};
    r.weights = {1, 1, 1, 1};
    r.variants = std::move(variants);
    r.contexts = {"a tweet", "a Reddit comment", "a product review"};
    return r;
}

std::vector<std::string> numbered_personas(std::size_t n) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back("persona number " + std::to_string(i));
    return out;
}

std::size_t count_lines(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

// ---- plan -------------------------------------------------------------------------------------

TEST_CASE("apportion gives exact counts by largest remainder", "[plan]") {
    // quotas 3.5 / 2.1 / 1.4: floors 3+2+1 = 6, the one left goes to the largest remainder (.5)
    CHECK(gen::apportion({0.5, 0.3, 0.2}, 7) == std::vector<std::size_t>{4, 2, 1});
    // quotas 2.8 / 2.8 / 1.4 -> floors 2 2 1, remainders .8 .8 .4 -> both .8 get one (ties: order)
    CHECK(gen::apportion({0.4, 0.4, 0.2}, 7) == std::vector<std::size_t>{3, 3, 1});
    // thirds of 10: 3.33 each -> 3 3 3 + the first by order
    CHECK(gen::apportion({1, 1, 1}, 10) == std::vector<std::size_t>{4, 3, 3});
    // weights need not sum to one: 3:1 of 9 -> 6.75 / 2.25 -> 7 / 2
    CHECK(gen::apportion({3, 1}, 9) == std::vector<std::size_t>{7, 2});
    // a tiny weight still gets its share when the remainder is largest
    CHECK(gen::apportion({0.45, 0.45, 0.1}, 3) == std::vector<std::size_t>{2, 1, 0});
    CHECK(gen::apportion({0.7, 0.2, 0.1}, 0) == std::vector<std::size_t>{0, 0, 0});
    for (std::size_t total : {1u, 17u, 333u, 1000u}) {
        auto c = gen::apportion({0.123, 0.456, 0.2, 0.221}, total);
        CHECK(c[0] + c[1] + c[2] + c[3] == total);
    }
}

TEST_CASE("uniform_index stays in range and covers it", "[plan]") {
    std::mt19937_64 rng(7);
    std::vector<int> seen(5, 0);
    for (int i = 0; i < 5000; ++i) {
        auto k = gen::uniform_index(rng, 5);
        REQUIRE(k < 5);
        ++seen[k];
    }
    for (int n : seen) CHECK(n > 800);
    CHECK(gen::uniform_index(rng, 1) == 0);
}

TEST_CASE("the plan is deterministic and has exact label counts", "[plan]") {
    auto personas = numbered_personas(600);
    gen::Plan a = gen::make_plan(request(1000), personas);
    gen::Plan b = gen::make_plan(request(1000), personas);
    REQUIRE(a.items.size() == 1000);
    CHECK(a.groups == 500);
    for (std::size_t i = 0; i < a.items.size(); ++i) CHECK(a.items[i].id == b.items[i].id);

    std::map<std::pair<std::string, std::string>, int> counts;
    std::set<std::string> ids;
    for (const auto& item : a.items) {
        ++counts[{item.target_label, item.variant}];
        ids.insert(item.id);
        CHECK(item.id.size() == 16);
        CHECK(item.id.find_first_not_of("0123456789abcdef") == std::string::npos);
    }
    CHECK(ids.size() == 1000);
    for (const auto& [key, n] : counts) CHECK(n == 125);
    CHECK(counts.size() == 8);

    auto other = request(1000);
    other.seed = 43;
    gen::Plan c = gen::make_plan(other, personas);
    int same = 0;
    for (std::size_t i = 0; i < c.items.size(); ++i) same += c.items[i].id == a.items[i].id;
    CHECK(same < 10);

    SECTION("odd weights: counts follow largest remainder over the groups") {
        auto r = request(14);  // 7 groups x 2 variants
        r.weights = {0.5, 0.3, 0.2, 0.0};
        gen::Plan p = gen::make_plan(r, personas);
        std::map<std::string, int> per_label;
        for (const auto& item : p.items) ++per_label[item.target_label];
        CHECK(per_label["Spam & Scams"] == 8);  // 4 groups
        CHECK(per_label["Self-harm & Suicide"] == 4);
        CHECK(per_label["Privacy & Personal Data Exposure"] == 2);
        CHECK(per_label.count("Safe") == 0);
    }
}

TEST_CASE("variants are paired: every group is asked under every variant", "[plan]") {
    auto personas = numbered_personas(50);
    gen::Plan p = gen::make_plan(request(90, {"baseline", "persona_first", "terse"}), personas);
    REQUIRE(p.items.size() == 90);
    std::map<std::size_t, std::vector<const gen::PlanItem*>> groups;
    for (const auto& item : p.items) groups[item.group].push_back(&item);
    CHECK(groups.size() == 30);
    for (const auto& [g, items] : groups) {
        REQUIRE(items.size() == 3);
        std::set<std::string> variants;
        for (const auto* it : items) {
            variants.insert(it->variant);
            CHECK(it->persona == items[0]->persona);
            CHECK(it->target_label == items[0]->target_label);
            CHECK(it->context == items[0]->context);
        }
        CHECK(variants.size() == 3);
    }

    SECTION("rows not a multiple of the variants: the last group is partial") {
        gen::Plan q = gen::make_plan(request(7), personas);
        REQUIRE(q.items.size() == 7);
        CHECK(q.groups == 4);
        CHECK(q.items.back().group == 3);
        CHECK(q.items.back().variant == "a");
    }
    SECTION("ids do not depend on which other variants run") {
        gen::Plan only_a = gen::make_plan(request(45, {"baseline"}), personas);
        gen::Plan both = gen::make_plan(request(90, {"baseline", "persona_first"}), personas);
        REQUIRE(only_a.items.size() == 45);
        for (std::size_t g = 0; g < 45; ++g) {
            CHECK(only_a.items[g].id == both.items[2 * g].id);
            CHECK(only_a.items[g].id != both.items[2 * g + 1].id);
        }
    }
}

TEST_CASE("personas are not reused until the file is exhausted", "[plan]") {
    auto personas = numbered_personas(10);
    gen::Plan p = gen::make_plan(request(50, {"only"}), personas);  // 50 groups over 10 personas
    REQUIRE(p.items.size() == 50);
    for (std::size_t round = 0; round < 5; ++round) {
        std::set<std::string> used;
        for (std::size_t g = round * 10; g < round * 10 + 10; ++g) used.insert(p.items[g].persona);
        CHECK(used.size() == 10);
    }
    CHECK(p.personas_used == 10);
    CHECK(p.personas_available == 10);

    gen::Plan q = gen::make_plan(request(40, {"only"}), numbered_personas(100));
    std::set<std::string> used;
    for (const auto& item : q.items) used.insert(item.persona);
    CHECK(used.size() == 40);
    CHECK(q.personas_used == 40);
    // a seeded shuffle, not file order
    CHECK(q.items[0].persona != "persona number 0");
}

TEST_CASE("contexts rotate evenly within each label", "[plan]") {
    gen::Plan p = gen::make_plan(request(120, {"only"}), numbered_personas(200));
    std::map<std::string, std::map<std::string, int>> per;
    for (const auto& item : p.items) ++per[item.target_label][item.context];
    for (const auto& [label, contexts] : per) {
        REQUIRE(contexts.size() == 3);
        for (const auto& [c, n] : contexts) CHECK(n == 10);  // 30 groups per label, 3 contexts
    }
}

TEST_CASE("the plan is prefix-stable: N + k rows begin with the N rows", "[plan]") {
    auto personas = numbered_personas(37);
    for (std::size_t n : {1u, 7u, 200u, 201u, 999u}) {
        gen::Plan small = gen::make_plan(request(n), personas);
        gen::Plan big = gen::make_plan(request(n + 203), personas);
        REQUIRE(small.items.size() == n);
        REQUIRE(big.items.size() == n + 203);
        for (std::size_t i = 0; i < n; ++i) {
            INFO("n " << n << " item " << i);
            CHECK(small.items[i].id == big.items[i].id);
            CHECK(small.items[i].persona == big.items[i].persona);
            CHECK(small.items[i].context == big.items[i].context);
        }
    }
    SECTION("every prefix is within one group of the weights") {
        auto r = request(2000, {"only"});
        r.weights = {0.5, 0.3, 0.15, 0.05};
        gen::Plan p = gen::make_plan(r, personas);
        std::vector<double> seen(4, 0);
        for (std::size_t g = 0; g < p.items.size(); ++g) {
            for (std::size_t l = 0; l < 4; ++l)
                seen[l] += p.items[g].target_label == r.labels[l] ? 1 : 0;
            for (std::size_t l = 0; l < 4; ++l)
                REQUIRE(std::abs(seen[l] - r.weights[l] * static_cast<double>(g + 1)) < 1.0);
        }
    }
}

TEST_CASE("no (persona, label, context) group repeats while unused combinations remain", "[plan]") {
    // 10 personas x 3 contexts = 30 combinations per label; 120 groups = 30 per label: all used
    // exactly once. 40 more groups can only repeat.
    auto personas = numbered_personas(10);
    for (std::size_t rows : {120u, 160u}) {
        gen::Plan p = gen::make_plan(request(rows, {"only"}), personas);
        std::map<std::tuple<std::string, std::string, std::string>, int> groups;
        for (const auto& item : p.items) ++groups[{item.persona, item.target_label, item.context}];
        INFO("rows " << rows);
        CHECK(groups.size() == 120);
    }
    SECTION("the example spec's 163 personas: 1,200 rows in 600 groups, none twice") {
        gen::Plan p = gen::make_plan(request(1200), numbered_personas(163));
        std::set<std::tuple<std::string, std::string, std::string>> groups;
        for (const auto& item : p.items)
            groups.insert({item.persona, item.target_label, item.context});
        CHECK(groups.size() == 600);
    }
}

TEST_CASE("a top-up plans only the asked groups, after the run it tops up", "[plan]") {
    auto personas = numbered_personas(30);
    auto base = request(400);
    gen::Plan first = gen::make_plan(base, personas);
    auto top = base;
    top.top_up_groups = {0, 12, 3, 0};
    top.id_tag = "top-up 1";
    gen::Plan extra = gen::make_plan(top, personas);
    REQUIRE(extra.items.size() == 30);  // 15 groups x 2 variants
    std::map<std::string, int> per_label;
    for (const auto& item : extra.items) ++per_label[item.target_label];
    CHECK(per_label["Self-harm & Suicide"] == 24);
    CHECK(per_label["Privacy & Personal Data Exposure"] == 6);
    CHECK(per_label.size() == 2);
    std::set<std::string> ids;
    std::set<std::tuple<std::string, std::string, std::string>> groups;
    for (const auto& item : first.items) {
        ids.insert(item.id);
        groups.insert({item.persona, item.target_label, item.context});
    }
    for (const auto& item : extra.items) {
        CHECK(ids.count(item.id) == 0);
        CHECK(groups.count({item.persona, item.target_label, item.context}) == 0);
    }
    top.id_tag = "top-up 2";
    gen::Plan again = gen::make_plan(top, personas);
    for (std::size_t i = 0; i < again.items.size(); ++i)
        CHECK(again.items[i].id != extra.items[i].id);
}

// ---- personas ---------------------------------------------------------------------------------

TEST_CASE("personas load from JSONL, CSV and plain lines", "[personas]") {
    std::string dir = t::temp_dir("personas");
    SECTION("PersonaHub JSONL") {
        t::spit(dir + "/p.jsonl",
                "{\"persona\": \"A baker\"}\n\n{\"persona\": \"  \"}\n{\"persona\": \"A baker\"}\n"
                "{\"persona\": \"Un pêcheur \\\"breton\\\"\", \"x\": 1}\n");
        auto set = gen::load_personas(dir + "/p.jsonl");
        CHECK(set.personas == std::vector<std::string>{"A baker", "Un pêcheur \"breton\""});
        CHECK(set.blank == 1);
        CHECK(set.duplicates == 1);
    }
    SECTION("JSONL with another field") {
        t::spit(dir + "/q.jsonl", "{\"input persona\": \"A pilot\"}\n");
        CHECK(gen::load_personas(dir + "/q.jsonl", "input persona").personas.size() == 1);
        CHECK_THROWS_WITH(gen::load_personas(dir + "/q.jsonl"),
                          Catch::Contains("q.jsonl:1:") && Catch::Contains("persona"));
    }
    SECTION("CSV with a persona column (quoted commas and newlines)") {
        t::spit(dir + "/p.csv", "id,persona\n1,\"A nurse, night shifts\"\n2,\"two\nlines\"\n3,\n");
        auto set = gen::load_personas(dir + "/p.csv");
        CHECK(set.personas == std::vector<std::string>{"A nurse, night shifts", "two\nlines"});
        CHECK(set.blank == 1);
        t::spit(dir + "/bad.csv", "id,name\n1,x\n");
        CHECK_THROWS_AS(gen::load_personas(dir + "/bad.csv"), synthmod::InputError);
    }
    SECTION("one per line, BOM and CRLF") {
        t::spit(dir + "/p.txt",
                "\xEF\xBB\xBF"
                "A farmer\r\nA poet\r\n\r\nA farmer\r\n");
        auto set = gen::load_personas(dir + "/p.txt");
        CHECK(set.personas == std::vector<std::string>{"A farmer", "A poet"});
        CHECK(set.duplicates == 1);
    }
    SECTION("bad JSON names file and line") {
        t::spit(dir + "/bad.jsonl", "{\"persona\": \"ok\"}\n{\"persona\": oops}\n");
        CHECK_THROWS_WITH(gen::load_personas(dir + "/bad.jsonl"),
                          Catch::StartsWith(dir + "/bad.jsonl:2:"));
    }
    SECTION("no personas at all") {
        t::spit(dir + "/empty.txt", "\n  \n");
        CHECK_THROWS_WITH(gen::load_personas(dir + "/empty.txt"),
                          Catch::Contains("empty.txt: no personas"));
    }
}

TEST_CASE("the real PersonaHub sample loads, Chinese included", "[personas]") {
    auto set = gen::load_personas(std::string(SYNTHMOD_DATA_DIR) + "/personahub_5k.jsonl");
    CHECK(set.personas.size() + set.duplicates + set.blank == 5000);
    CHECK(set.personas.size() > 4900);
    int non_ascii = 0;
    for (const auto& p : set.personas)
        for (unsigned char c : p)
            if (c >= 0x80) {
                ++non_ascii;
                break;
            }
    CHECK(non_ascii >= 200);
    // a plan over them uses each at most once
    gen::Plan plan = gen::make_plan(request(2000), set.personas);
    CHECK(plan.personas_used == 1000);
}

TEST_CASE("our own example persona file is varied and loads", "[personas]") {
    auto set = gen::load_personas(std::string(SYNTHMOD_SOURCE_DIR) + "/examples/personas.jsonl");
    CHECK(set.personas.size() >= 150);
    CHECK(set.duplicates == 0);
}

// ---- prompts ----------------------------------------------------------------------------------

TEST_CASE("the run's prompt builder renders each item as the map-based spec::render does",
          "[generator]") {
    synthmod::spec::Spec spec;
    spec.labels = {{"Spam, Scams", "Phishing."}, {"Safe", "Everything else."}};
    synthmod::spec::Variant v{"b",
                              "{{persona}} / {{label}} / {{label_definition}} / {{labels}} / "
                              "{{context}} / {{variant}}"};
    gen::PlanItem item;
    item.id = "0123456789abcdef";
    item.variant = "b";
    item.persona = "A persona whose text is longer than a short string";
    item.context = "a forum post";
    const std::string system = gen::system_prompt(spec);
    const std::string schema = gen::answer_schema(spec.labels);
    const gen::PromptBuilder builder(spec, system, schema);
    const std::map<std::string, std::string> definitions = {{"Spam, Scams", "Phishing."},
                                                            {"Safe", "Everything else."}};
    for (const std::string label : {"Spam, Scams", "Safe", "not a spec label"}) {
        item.target_label = label;
        // Every placeholder looked up by name in a map: checks which field fills each name.
        const std::string definition = definitions.count(label) ? definitions.at(label) : "";
        const std::string expected = synthmod::spec::render(
            v.prompt, {{"persona", item.persona},
                       {"label", label},
                       {"label_definition", definition},
                       {"labels", "\"Spam, Scams\", \"Safe\""},
                       {"context", item.context}});
        const std::map<std::string, std::string> expected_vars = {
            {"persona", item.persona}, {"label", label},          {"label_definition", definition},
            {"labels", "Spam, Scams\nSafe\n"}, {"context", item.context}, {"variant", "b"}};
        const auto with_vars = builder.build(v, item, true);
        const auto without = builder.build(v, item, false);
        CHECK(with_vars.user == expected);
        CHECK(without.user == expected);
        CHECK(with_vars.vars == expected_vars);
        CHECK(without.vars.empty());
        CHECK(without.system.str() == system);
        CHECK(without.schema_json.str() == schema);
    }
    item.target_label = "Safe";
    CHECK(builder.build(v, item, false).user ==
          "A persona whose text is longer than a short string / Safe / Everything else. / "
          "\"Spam, Scams\", \"Safe\" / a forum post / {{variant}}");
    CHECK(builder.build(v, item, true).vars.at("label_definition") == "Everything else.");
}

TEST_CASE("prompts render the variant and carry the facts", "[generator]") {
    synthmod::spec::Spec spec;
    spec.labels = {{"Spam & Scams", "Unsolicited ads, phishing."}, {"Safe", "Everything else."}};
    spec.generator.max_tokens = 321;
    spec.generator.temperature = 0.7;
    synthmod::spec::Variant v{
        "baseline",
        "Write {{context}} by {{persona}} labeled \"{{label}}\": {{label_definition}} "
        "(labels: {{labels}})"};
    gen::PlanItem item;
    item.id = "0123456789abcdef";
    item.variant = "baseline";
    item.target_label = "Spam & Scams";
    item.persona = "A retired nurse";
    item.context = "a tweet";
    std::string system = gen::system_prompt(spec);
    std::string schema = gen::answer_schema(spec.labels);
    auto p = gen::build_prompt(spec, v, item, system, schema);
    CHECK(p.task == "generate");
    CHECK(p.user ==
          "Write a tweet by A retired nurse labeled \"Spam & Scams\": Unsolicited ads, phishing. "
          "(labels: \"Spam & Scams\", \"Safe\")");
    CHECK(p.tool_name == "submit_post");
    CHECK(p.max_tokens == 321);
    REQUIRE(p.temperature);
    CHECK(*p.temperature == Approx(0.7));
    CHECK(p.vars.at("persona") == "A retired nurse");
    CHECK(p.vars.at("label") == "Spam & Scams");
    CHECK(p.vars.at("context") == "a tweet");
    CHECK(p.vars.at("variant") == "baseline");
    CHECK(p.vars.at("labels") == "Spam & Scams\nSafe\n");
    // the taxonomy is in the (cached) system prompt, after the default instructions
    CHECK(system.find("## Spam & Scams\nUnsolicited ads, phishing.") != std::string::npos);
    CHECK(system.find("555-01") != std::string::npos);
    CHECK(system.find("example.com") != std::string::npos);

    rapidjson::Document schema_doc;
    schema_doc.Parse(schema.c_str());
    REQUIRE_FALSE(schema_doc.HasParseError());
    const auto& en = schema_doc["properties"]["label"]["enum"];
    REQUIRE(en.Size() == 2);
    CHECK(std::string(en[0].GetString()) == "Spam & Scams");
    CHECK(schema_doc["required"].Size() == 2);

    SECTION("a spec's own system prompt replaces the default") {
        spec.generator.system = "Be brief.";
        CHECK(gen::system_prompt(spec).rfind("Be brief.\n", 0) == 0);
    }
}

TEST_CASE("answers are validated against the labels", "[generator]") {
    std::vector<synthmod::spec::Label> labels = {{"Spam & Scams", "x"}, {"Safe", "y"}};
    CHECK(gen::validate_answer(R"({"content": "hi there", "label": "Safe"})", labels) == "");
    CHECK(gen::validate_answer(R"({"content": "hi", "label": "Spam"})", labels) != "");
    CHECK(gen::validate_answer(R"({"content": "   ", "label": "Safe"})", labels) != "");
    CHECK(gen::validate_answer(R"({"label": "Safe"})", labels) != "");
    CHECK(gen::validate_answer(R"({"content": 3, "label": "Safe"})", labels) != "");
    CHECK(gen::validate_answer(R"(["Safe"])", labels) != "");
    CHECK(gen::validate_answer(R"({"content": "hi", "label": "Safe")", labels) != "");
    // Encoding: rapidjson's own check of each string decides, with its message.
    const std::string bad = "answer is not valid JSON: Invalid encoding in string.";
    for (const std::string content :
         {"\x80", "a\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "caf\xc3", "\xff\xfe"})
        CHECK(gen::validate_answer(R"({"content": ")" + content + R"(", "label": "Safe"})",
                                   labels) == bad);
    CHECK(gen::validate_answer(
              "{\"content\": \"caf\xc3\xa9 \xf0\x9f\x98\x80\", \"label\": \"Safe\"}", labels) ==
          "");
    CHECK(gen::validate_answer(R"({"content": "hi", "label": "Safe"} )"
                               "\xff",
                               labels) ==
          "answer is not valid JSON: The document root must not be followed by other values.");
}

TEST_CASE("an accepted answer's cells are its decoded content and its label", "[generator]") {
    // Kept at validation so that samples.csv does not parse the answer again: the content as
    // rapidjson decodes it (escapes, \u escapes and surrogate pairs, raw UTF-8), the label as an
    // index into the spec's labels (the first of a repeated name).
    std::vector<synthmod::spec::Label> labels = {
        {"Spam & Scams", "x"}, {"Safe", "y"}, {"Hate \"quoted\"", "z"}, {"Safe", "w"}};
    gen::AnswerCells cells;
    REQUIRE(
        gen::validate_answer(
            R"({"content": "say \"hi\"\n\tcaf\u00e9 \ud83d\ude00 a\\b \/ \u0001", "label": "Safe"})",
            labels, &cells) == "");
    CHECK(cells.set);
    CHECK(cells.content == "say \"hi\"\n\tcaf\xc3\xa9 \xf0\x9f\x98\x80 a\\b / \x01");
    CHECK(cells.label == 1);
    REQUIRE(gen::validate_answer("{\"label\": \"Hate \\\"quoted\\\"\", \"content\": "
                                 "\"caf\xc3\xa9\", \"content\": \"x\"}",
                                 labels, &cells) == "");
    CHECK(cells.content == "caf\xc3\xa9");  // the first of a repeated member, as FindMember
    CHECK(cells.label == 2);
    // A refused answer leaves the cells as they were.
    gen::AnswerCells untouched;
    CHECK(gen::validate_answer(R"({"content": "hi", "label": "Spam"})", labels, &untouched) != "");
    CHECK(gen::validate_answer(R"({"content": " ", "label": "Safe"})", labels, &untouched) != "");
    CHECK_FALSE(untouched.set);
    CHECK(untouched.content.empty());
}

// ---- the tool as a process ----------------------------------------------------------------------

namespace {

using t::example_dir;  // a copy of the example spec and personas in a fresh folder

std::vector<std::string> generate_args(const std::string& dir, const std::string& out,
                                       const std::string& rows) {
    return {t::tool("synthmod-generate"),
            "--spec",
            dir + "/moderation.toml",
            "--provider",
            "offline",
            "--rows",
            rows,
            "--out",
            out,
            "--quiet"};
}

synthmod::csv::Table read_samples(const std::string& path) {
    return synthmod::csv::read_table(
        path, {"content", "label", "id", "target_label", "variant", "context", "persona", "model"});
}

}  // namespace

TEST_CASE("a journalled answer without a string content or label is left out of samples.csv",
          "[generator]") {
    // The runner validated every answer it journalled; one edited by hand since is not written.
    std::string dir = example_dir("gen-edited-journal");
    const std::string out = dir + "/samples.csv";
    REQUIRE(t::run(generate_args(dir, out, "6")).exit_code == 0);
    std::istringstream lines(t::slurp(out + ".journal"));
    std::string line, journal;
    std::set<std::string> edited;
    while (std::getline(lines, line)) {
        rapidjson::Document record;
        record.Parse(line.c_str());
        REQUIRE_FALSE(record.HasParseError());
        if (edited.size() < 3 && std::string(record["type"].GetString()) == "item") {
            rapidjson::Document answer;
            answer.Parse(record["answer"].GetString());
            REQUIRE(answer.IsObject());
            if (edited.empty()) answer.RemoveMember("label");
            if (edited.size() == 1) answer["content"].SetInt(3);
            if (edited.size() == 2) answer["label"].SetInt(3);
            rapidjson::StringBuffer text;
            rapidjson::Writer<rapidjson::StringBuffer> w(text);
            answer.Accept(w);
            record["answer"].SetString(text.GetString(), record.GetAllocator());
            edited.insert(record["id"].GetString());
            rapidjson::StringBuffer edited_line;
            rapidjson::Writer<rapidjson::StringBuffer> lw(edited_line);
            record.Accept(lw);
            line = edited_line.GetString();
        }
        journal += line + "\n";
    }
    REQUIRE(edited.size() == 3);
    t::spit(out + ".journal", journal);
    auto again = t::run(generate_args(dir, out, "6"));
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    auto table = read_samples(out);
    CHECK(table.rows.size() == 3);
    for (const auto& row : table.rows) CHECK(edited.count(row[2]) == 0);
}

TEST_CASE("synthmod-generate writes samples.csv offline", "[generator]") {
    std::string dir = example_dir("gen-csv");
    auto r = t::run(generate_args(dir, dir + "/samples.csv", "120"));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto table = read_samples(dir + "/samples.csv");
    CHECK(table.header == std::vector<std::string>{"content", "label", "id", "target_label",
                                                   "variant", "context", "persona", "model",
                                                   "gen_cost_usd"});
    REQUIRE(table.rows.size() == 120);
    std::map<std::string, int> per_label, per_variant;
    std::set<std::string> ids;
    for (const auto& row : table.rows) {
        CHECK_FALSE(row[0].empty());
        CHECK(row[7] == "offline");
        ++per_label[row[3]];
        ++per_variant[row[4]];
        ids.insert(row[2]);
    }
    CHECK(ids.size() == 120);
    CHECK(per_variant == std::map<std::string, int>{{"baseline", 60}, {"persona_first", 60}});
    CHECK(per_label.size() == 4);
    for (const auto& [label, n] : per_label) CHECK(n == 30);
    CHECK(t::exists(dir + "/samples.csv.journal"));

    SECTION("the same command again changes nothing") {
        std::string before = t::slurp(dir + "/samples.csv");
        auto again = t::run(generate_args(dir, dir + "/samples.csv", "120"));
        CHECK(again.exit_code == 0);
        CHECK(t::slurp(dir + "/samples.csv") == before);
    }
    SECTION("--format jsonl writes the same records as JSON lines") {
        auto args = generate_args(dir, dir + "/samples.jsonl", "120");
        args.insert(args.end(), {"--format", "jsonl"});
        REQUIRE(t::run(args).exit_code == 0);
        std::string text = t::slurp(dir + "/samples.jsonl");
        REQUIRE(count_lines(text) == 120);
        rapidjson::Document first;
        first.Parse(text.substr(0, text.find('\n')).c_str());
        REQUIRE(first.IsObject());
        CHECK(std::string(first["content"].GetString()) == table.rows[0][0]);
        CHECK(std::string(first["id"].GetString()) == table.rows[0][2]);
        CHECK(std::string(first["model"].GetString()) == "offline");
    }
    SECTION("--variant selects a subset") {
        auto args = generate_args(dir, dir + "/one.csv", "40");
        args.insert(args.end(), {"--variant", "persona_first"});
        REQUIRE(t::run(args).exit_code == 0);
        auto one = read_samples(dir + "/one.csv");
        REQUIRE(one.rows.size() == 40);
        for (const auto& row : one.rows) CHECK(row[4] == "persona_first");
    }
}

TEST_CASE("samples.csv from this run's answers equals samples.csv rebuilt from the journal",
          "[generator]") {
    // A run writes the answers it accepted from what validation kept of them; a later run
    // resumes every row from the journal and parses the records. Both files are the same bytes,
    // with one row per request (K = 1) and with K = 4 items per request.
    for (const std::string k : {"1", "4"}) {
        INFO("rows per request " << k);
        std::string dir = example_dir("gen-cells-" + k);
        const std::string out = dir + "/samples.csv";
        auto args = generate_args(dir, out, "48");
        args.insert(args.end(), {"--rows-per-request", k});
        REQUIRE(t::run(args).exit_code == 0);
        const std::string first = t::slurp(out);
        REQUIRE(count_lines(first) >= 49);
        REQUIRE(::unlink(out.c_str()) == 0);
        auto again = t::run(args);
        INFO(again.err);
        REQUIRE(again.exit_code == 0);
        CHECK(t::slurp(out) == first);
    }
}

TEST_CASE("synthmod-generate --dry-run prints the plan and writes nothing", "[generator]") {
    std::string dir = example_dir("gen-dry");
    t::RunOptions no_key;
    no_key.env = {{"ANTHROPIC_API_KEY", "\x01unset"}};
    auto r = t::run({t::tool("synthmod-generate"), "--spec", dir + "/moderation.toml", "--dry-run",
                     "--out", dir + "/samples.csv"},
                    no_key);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("1000 requests") != std::string::npos);
    CHECK(r.out.find("Self-harm & Suicide") != std::string::npos);
    CHECK(r.out.find("persona_first") != std::string::npos);
    CHECK(r.out.find("estimated tokens") != std::string::npos);
    CHECK(r.out.find("estimated cost: $") != std::string::npos);
    CHECK_FALSE(t::exists(dir + "/samples.csv"));
    CHECK_FALSE(t::exists(dir + "/samples.csv.journal"));
}

TEST_CASE("synthmod-generate rejects bad input with exit 2 and no output", "[generator]") {
    std::string dir = example_dir("gen-bad");
    std::string out = dir + "/samples.csv";
    SECTION("unknown placeholder in the spec") {
        std::string spec = t::slurp(dir + "/moderation.toml");
        spec.replace(spec.find("{{persona}}"), 11, "{{persone}}");
        t::spit(dir + "/moderation.toml", spec);
        auto r = t::run(generate_args(dir, out, "10"));
        CHECK(r.exit_code == 2);
        CHECK(r.err.rfind("synthmod-generate: error: ", 0) == 0);
        CHECK(r.err.find("moderation.toml") != std::string::npos);
    }
    SECTION("unknown variant") {
        auto args = generate_args(dir, out, "10");
        args.insert(args.end(), {"--variant", "nope"});
        auto r = t::run(args);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("nope") != std::string::npos);
    }
    SECTION("bad persona file") {
        t::spit(dir + "/personas.jsonl", "{\"persona\": \"fine\"}\nnot json\n");
        auto r = t::run(generate_args(dir, out, "10"));
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("personas.jsonl:2:") != std::string::npos);
    }
    SECTION("bad flags") {
        CHECK(t::run({t::tool("synthmod-generate"), "--rows", "10"}).exit_code == 2);
        CHECK(t::run({t::tool("synthmod-generate"), "--spec", dir + "/moderation.toml", "--format",
                      "xml"})
                  .exit_code == 2);
        CHECK(t::run(
                  {t::tool("synthmod-generate"), "--spec", dir + "/moderation.toml", "--rows", "0"})
                  .exit_code == 2);
    }
    CHECK_FALSE(t::exists(out));
    CHECK_FALSE(t::exists(out + ".journal"));
}

TEST_CASE("synthmod-generate refuses a changed spec unless --force", "[generator]") {
    std::string dir = example_dir("gen-changed");
    std::string out = dir + "/samples.csv";
    REQUIRE(t::run(generate_args(dir, out, "20")).exit_code == 0);
    std::string before = t::slurp(out);
    std::string spec = t::slurp(dir + "/moderation.toml");
    spec.replace(spec.find("seed = 42"), 9, "seed = 7");
    t::spit(dir + "/moderation.toml", spec);
    auto r = t::run(generate_args(dir, out, "20"));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--force") != std::string::npos);
    CHECK(t::slurp(out) == before);
    auto args = generate_args(dir, out, "20");
    args.push_back("--force");
    CHECK(t::run(args).exit_code == 0);
    CHECK(t::slurp(out) != before);
}

TEST_CASE("synthmod-generate: kill -9 or SIGTERM mid-run, then resume, equals an uninterrupted run",
          "[generator]") {
    const std::string rows = "6000";
    std::string dir = example_dir("gen-resume");
    REQUIRE(t::run(generate_args(dir, dir + "/full.csv", rows)).exit_code == 0);
    std::string full = t::slurp(dir + "/full.csv");
    REQUIRE(read_samples(dir + "/full.csv").rows.size() == 6000);

    auto interrupt = [&](int sig, const std::string& out) {
        // Stop the run once the journal holds some but not all records; retry with a fresh
        // journal if the run was too quick to catch.
        for (int attempt = 0; attempt < 5; ++attempt) {
            ::unlink((out + ".journal").c_str());
            ::unlink(out.c_str());
            t::Background bg(generate_args(dir, out, rows));
            std::size_t lines = 0;
            for (int i = 0; i < 4000; ++i) {
                if (t::exists(out + ".journal")) lines = count_lines(t::slurp(out + ".journal"));
                if (lines > 50) break;
                std::this_thread::sleep_for(std::chrono::microseconds(500));
            }
            bg.kill(sig);
            int code = bg.wait();
            lines = count_lines(t::slurp(out + ".journal"));
            if (lines < 6001) return std::make_pair(code, lines);
        }
        return std::make_pair(-1, std::size_t{0});
    };

    SECTION("kill -9") {
        auto [code, lines] = interrupt(SIGKILL, dir + "/k.csv");
        REQUIRE(code == 128 + SIGKILL);
        REQUIRE(lines < 6001);
        auto r = t::run(generate_args(dir, dir + "/k.csv", rows));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(t::slurp(dir + "/k.csv") == full);
    }
    SECTION("SIGTERM exits 130 with the finished rows written") {
        auto [code, lines] = interrupt(SIGTERM, dir + "/t.csv");
        REQUIRE(code == 130);
        std::size_t partial_rows = read_samples(dir + "/t.csv").rows.size();
        CHECK(partial_rows > 0);
        CHECK(partial_rows < 6000);
        auto r = t::run(generate_args(dir, dir + "/t.csv", rows));
        REQUIRE(r.exit_code == 0);
        CHECK(t::slurp(dir + "/t.csv") == full);
    }
}
