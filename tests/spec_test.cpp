#include "common/spec.h"

#include <catch2/catch.hpp>

#include "common/errors.h"
#include "tests/support/process.h"

using synthmod::InputError;
using synthmod::IoError;
namespace spec = synthmod::spec;
namespace test = synthmod::test;

namespace {

const std::string kLabels = R"(
[[labels]]
name = "Spam & Scams"
definition = "Unsolicited ads, phishing, fake prizes."

[[labels]]
name = "Safe"
definition = "Ordinary content."
)";

/// The InputError message of parsing `text` as "dir/s.toml" ("" when it loads).
std::string error_of(const std::string& text) {
    try {
        spec::parse(text, "dir/s.toml");
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("spec loads a complete file with the right values", "[spec]") {
    const std::string text = R"(# the seed's dataset
[dataset]
name = "moderation-v1"
rows = 250
seed = 7
label_weights = { "Safe" = 3, "Spam & Scams" = 1.0 }
)" + kLabels + R"(
[personas]
path = "personas.jsonl"
field = "text"

[generator]
provider = "openai"
model = "my-model"
base_url = "http://127.0.0.1:8080"
max_tokens = 300
temperature = 0.7
concurrency = 4
contexts = ["a tweet", "a product review"]
system = "You write posts."

[[generator.variants]]
name = "baseline"
prompt = """
Write {{context}} by {{ persona }} labelled "{{label}}": {{label_definition}}.
Labels: {{labels}}"""

[[generator.variants]]
name = "terse"
prompt = "Short {{context}} for {{label}}"

[judge]
provider = "offline"
model = "judge-x"
blind = false
rationale = true
max_tokens = 200

[dedup]
shingle = "word"
ngram = 3
threshold = 0.75
num_perm = 64
method = "exact"

[gate]
min_agreement = 0.9
max_near_dup_rate = 0.05
min_rows = 100
min_realism = 4
)";
    const auto s = spec::parse(text, "dir/s.toml");
    CHECK(s.file == "dir/s.toml");
    CHECK(s.source_text == text);
    CHECK(s.name == "moderation-v1");
    CHECK(s.rows == 250);
    CHECK(s.seed == 7);
    REQUIRE(s.labels.size() == 2);
    CHECK(s.labels[0].name == "Spam & Scams");
    CHECK(s.labels[1].definition == "Ordinary content.");
    CHECK(s.label_index("Safe") == 1);
    CHECK(s.label_index("Nope") == -1);
    REQUIRE(s.label_weights.size() == 2);
    CHECK(s.label_weights[0] == Approx(0.25));
    CHECK(s.label_weights[1] == Approx(0.75));
    CHECK(s.personas.path == "dir/personas.jsonl");
    CHECK(s.personas.field == "text");
    CHECK(s.generator.provider == "openai");
    CHECK(s.generator.model == "my-model");
    CHECK(s.generator.base_url == "http://127.0.0.1:8080");
    CHECK(s.generator.max_tokens == 300);
    REQUIRE(s.generator.temperature.has_value());
    CHECK(*s.generator.temperature == Approx(0.7));
    CHECK(s.generator.concurrency == 4);
    CHECK(s.generator.contexts == std::vector<std::string>{"a tweet", "a product review"});
    CHECK(s.generator.system == "You write posts.");
    REQUIRE(s.generator.variants.size() == 2);
    CHECK(s.generator.variants[0].name == "baseline");
    CHECK(s.generator.variants[0].prompt ==
          "Write {{context}} by {{ persona }} labelled \"{{label}}\": "
          "{{label_definition}}.\nLabels: {{labels}}");
    CHECK(s.generator.variants[1].name == "terse");
    CHECK(s.judge.provider == "offline");
    CHECK(s.judge.model == "judge-x");
    CHECK_FALSE(s.judge.blind);
    CHECK(s.judge.rationale);
    CHECK(s.judge.max_tokens == 200);
    CHECK(s.dedup.shingle == "word");
    CHECK(s.dedup.ngram == 3);
    CHECK(s.dedup.threshold == Approx(0.75));
    CHECK(s.dedup.num_perm == 64);
    CHECK(s.dedup.method == "exact");
    CHECK(s.gate.thresholds.size() == 3);
    CHECK(s.gate.thresholds.at("min_agreement") == Approx(0.9));
    CHECK(s.gate.thresholds.at("max_near_dup_rate") == Approx(0.05));
    CHECK(s.gate.thresholds.at("min_rows") == Approx(100));
    CHECK(s.gate.min_realism == Approx(4));
}

TEST_CASE("spec defaults", "[spec]") {
    const auto s = spec::parse(kLabels, "some/where/my-data.toml");
    CHECK(s.name == "my-data");
    CHECK(s.rows == 1000);
    CHECK(s.seed == 42);
    CHECK(s.label_weights == std::vector<double>{0.5, 0.5});
    CHECK(s.personas.path.empty());
    CHECK(s.personas.field == "persona");
    CHECK(s.generator.provider == "anthropic");
    CHECK(s.generator.model == "claude-haiku-4-5");
    CHECK_FALSE(s.generator.temperature.has_value());
    CHECK(s.judge.model == "claude-sonnet-4-5");
    CHECK(s.judge.blind);
    CHECK_FALSE(s.judge.rationale);  // asked for with rationale = true or --rationale
    CHECK(s.dedup.shingle == "char");
    CHECK(s.dedup.ngram == 5);
    CHECK(s.dedup.threshold == Approx(0.8));
    CHECK(s.dedup.num_perm == 128);
    CHECK(s.dedup.method == "auto");
    CHECK(s.gate.thresholds.empty());
    CHECK(s.gate.min_realism == Approx(3));
    REQUIRE(s.generator.variants.size() == 1);
    CHECK(s.generator.variants[0].name == spec::kDefaultVariantName);
    CHECK(s.generator.variants[0].prompt == spec::kDefaultVariantPrompt);
    // The built-in prompt passes the placeholder check a user's prompt gets.
    CHECK(error_of(kLabels + "[[generator.variants]]\nname = \"d\"\nprompt = '''" +
                   spec::kDefaultVariantPrompt + "'''\n") == "");
    CHECK(
        spec::parse(kLabels + "[dataset]\nlabel_weights = \"uniform\"\n", "x.toml").label_weights ==
        std::vector<double>{0.5, 0.5});
    CHECK(
        spec::parse(kLabels + "[personas]\npath = \"/abs/p.jsonl\"\n", "d/x.toml").personas.path ==
        "/abs/p.jsonl");
    CHECK(spec::parse(kLabels + "[personas]\npath = \"p.csv\"\n", "x.toml").personas.path ==
          "p.csv");
}

TEST_CASE("spec errors name file, line and key", "[spec]") {
    SECTION("unknown keys") {
        CHECK(error_of("[dataset]\nrows = 5\nfoo = 1\n" + kLabels) ==
              "dir/s.toml:3: unknown key \"dataset.foo\"");
        CHECK(error_of("\n\ncolour = 1\n" + kLabels) == "dir/s.toml:3: unknown key \"colour\"");
        CHECK(error_of(kLabels + "[generator]\nmodle = \"x\"\n") ==
              "dir/s.toml:10: unknown key \"generator.modle\"");
        CHECK(error_of("[[labels]]\nname = \"a\"\ndefinition = \"b\"\ncolor = \"red\"\n") ==
              "dir/s.toml:4: unknown key \"labels.color\"");
        CHECK(error_of(kLabels +
                       "[[generator.variants]]\nname = \"a\"\nprompt = \"b\"\nweight = 2\n") ==
              "dir/s.toml:12: unknown key \"generator.variants.weight\"");
        CHECK(error_of(kLabels + "[gate]\nmin_agreement = 0.9\nmax_fun = 1\n") ==
              "dir/s.toml:11: unknown key \"gate.max_fun\" (known: min_rows, "
              "min_rows_per_label, max_imbalance_ratio, max_drift_rate, min_quota_fill, "
              "max_exact_dup_rate, max_near_dup_rate, "
              "max_label_conflict_rate, min_agreement, min_agreement_lower, min_kappa, "
              "min_realism_mean, max_refusal_rate, min_realism, max_contamination_rate, "
              "min_human_accuracy, min_human_accuracy_lower, min_judge_human_kappa)");
        CHECK(error_of(kLabels + "[dedup]\n\nbands = 4\n") ==
              "dir/s.toml:11: unknown key \"dedup.bands\"");
        CHECK(error_of(kLabels + "[judge]\nvotes = 3\n") ==
              "dir/s.toml:10: unknown key \"judge.votes\"");
    }
    SECTION("wrong types") {
        CHECK(error_of("[dataset]\nrows = \"100\"\n" + kLabels) ==
              "dir/s.toml:2: dataset.rows: expected an integer");
        CHECK(error_of("[dataset]\nrows = 1.5\n" + kLabels) ==
              "dir/s.toml:2: dataset.rows: expected an integer");
        CHECK(error_of("[dataset]\nname = 3\n" + kLabels) ==
              "dir/s.toml:2: dataset.name: expected a string");
        CHECK(error_of("dataset = 3\n" + kLabels) == "dir/s.toml:1: dataset: expected a table");
        CHECK(error_of(kLabels + "[judge]\nblind = \"yes\"\n") ==
              "dir/s.toml:10: judge.blind: expected a boolean (true or false)");
        CHECK(error_of(kLabels + "[judge]\nrationale = \"no\"\n") ==
              "dir/s.toml:10: judge.rationale: expected a boolean (true or false)");
        CHECK(error_of(kLabels + "[dedup]\nthreshold = \"high\"\n") ==
              "dir/s.toml:10: dedup.threshold: expected a number");
        CHECK(error_of(kLabels + "[gate]\nmin_rows = \"10\"\n") ==
              "dir/s.toml:10: gate.min_rows: expected a number");
        CHECK(error_of(kLabels + "[generator]\ncontexts = \"a tweet\"\n") ==
              "dir/s.toml:10: generator.contexts: expected an array of strings");
        CHECK(error_of(kLabels + "[generator]\ncontexts = [\"a\", 2]\n") ==
              "dir/s.toml:10: generator.contexts: expected an array of strings");
        CHECK(error_of("labels = \"Safe\"\n") ==
              "dir/s.toml:1: labels: expected an array of tables ([[labels]])");
    }
    SECTION("labels") {
        CHECK(error_of("[dataset]\nrows = 5\n") ==
              "dir/s.toml:1: labels: no [[labels]] given; a spec needs at least one label with a "
              "name and a definition");
        CHECK(error_of("[[labels]]\nname = \"Safe\"\n\n[[labels]]\nname = \"Spam\"\ndefinition = "
                       "\"x\"\n") == "dir/s.toml:1: labels.definition: missing for label \"Safe\"");
        CHECK(
            error_of(
                "[[labels]]\nname = \"Safe\"\ndefinition = \"x\"\n[[labels]]\nname = \"Spam\"\n") ==
            "dir/s.toml:4: labels.definition: missing for label \"Spam\"");
        CHECK(error_of("[[labels]]\nname = \"Safe\"\ndefinition = \"  \"\n") ==
              "dir/s.toml:3: labels.definition: empty for label \"Safe\"");
        CHECK(error_of("[[labels]]\ndefinition = \"x\"\n") ==
              "dir/s.toml:1: labels.name: missing in [[labels]] number 1");
        CHECK(error_of("[[labels]]\nname = \"\"\ndefinition = \"x\"\n") ==
              "dir/s.toml:2: labels.name: must not be empty");
        CHECK(error_of(kLabels + "[[labels]]\nname = \"Safe\"\ndefinition = \"again\"\n") ==
              "dir/s.toml:10: labels.name: duplicate label \"Safe\" (first defined on line 7)");
    }
    SECTION("label weights") {
        CHECK(error_of("[dataset]\nlabel_weights = { \"Safe\" = 1, \"Spma\" = 2 }\n" + kLabels) ==
              "dir/s.toml:2: dataset.label_weights: unknown label \"Spma\" (not among the "
              "[[labels]] names)");
        CHECK(
            error_of("[dataset]\nlabel_weights = { \"Safe\" = -1 }\n" + kLabels) ==
            "dir/s.toml:2: dataset.label_weights: weight of \"Safe\" must be a finite number >= 0");
        CHECK(error_of("[dataset]\nlabel_weights = { \"Safe\" = 0, \"Spam & Scams\" = 0.0 }\n" +
                       kLabels) == "dir/s.toml:2: dataset.label_weights: the weights are all zero");
        CHECK(error_of("[dataset]\nlabel_weights = \"balanced\"\n" + kLabels) ==
              "dir/s.toml:2: dataset.label_weights: expected \"uniform\" or a table of label = "
              "weight");
        CHECK(error_of("[dataset.label_weights]\nSafe = \"a lot\"\n" + kLabels) ==
              "dir/s.toml:2: dataset.label_weights: weight of \"Safe\": expected a number");
        const auto s = spec::parse("[dataset.label_weights]\nSafe = 1\n" + kLabels, "x.toml");
        CHECK(s.label_weights == std::vector<double>{0.0, 1.0});
    }
    SECTION("variants and placeholders") {
        CHECK(
            error_of(kLabels +
                     "[[generator.variants]]\nname = \"v\"\nprompt = \"Write {{contxt}} now\"\n") ==
            "dir/s.toml:11: generator.variants.prompt: unknown placeholder \"{{contxt}}\" (known: "
            "{{persona}}, "
            "{{label}}, {{label_definition}}, {{labels}}, {{context}})");
        CHECK_THAT(
            error_of(kLabels +
                     "[[generator.variants]]\nname = \"v\"\nprompt = \"\"\"\nline one {{label}}\n"
                     "line two {{ foo }}\n\"\"\"\n"),
            Catch::StartsWith(
                "dir/s.toml:13: generator.variants.prompt: unknown placeholder \"{{ foo }}\""));
        CHECK(error_of(kLabels + "[[generator.variants]]\nname = \"v\"\n") ==
              "dir/s.toml:9: generator.variants.prompt: missing for variant \"v\"");
        CHECK(error_of(kLabels + "[[generator.variants]]\nprompt = \"x\"\n") ==
              "dir/s.toml:9: generator.variants.name: missing in [[generator.variants]] number 1");
        CHECK(error_of(kLabels + "[[generator.variants]]\nname = \"v\"\nprompt = \"a\"\n"
                                 "[[generator.variants]]\nname = \"v\"\nprompt = \"b\"\n") ==
              "dir/s.toml:13: generator.variants.name: duplicate variant \"v\" (first defined on "
              "line 10)");
    }
    SECTION("model settings") {
        CHECK(error_of(kLabels + "[generator]\nprovider = \"claude\"\n") ==
              "dir/s.toml:10: generator.provider: expected \"anthropic\", \"openai\" or "
              "\"offline\", not \"claude\"");
        CHECK(error_of(kLabels + "[judge]\nprovider = \"gpt\"\n") ==
              "dir/s.toml:10: judge.provider: expected \"anthropic\", \"openai\" or \"offline\", "
              "not \"gpt\"");
        CHECK(error_of(kLabels + "[generator]\nconcurrency = 0\n") ==
              "dir/s.toml:10: generator.concurrency: must be between 1 and 10000");
        // The same bounds as --concurrency (cli_test), spec::bounds::kConcurrency.
        CHECK(error_of(kLabels + "[judge]\nconcurrency = 20000\n") ==
              "dir/s.toml:10: judge.concurrency: must be between 1 and 10000");
        CHECK(error_of(kLabels + "[judge]\nmax_tokens = 1000001\n") ==
              "dir/s.toml:10: judge.max_tokens: must be between 1 and 1000000");
        CHECK(error_of(kLabels + "[generator]\nmax_tokens = -5\n") ==
              "dir/s.toml:10: generator.max_tokens: must be between 1 and 1000000");
        CHECK(error_of(kLabels + "[generator]\ntemperature = 3.0\n") ==
              "dir/s.toml:10: generator.temperature: must be between 0 and 2");
        CHECK(error_of(kLabels + "[generator]\nbase_url = \"localhost:8080\"\n") ==
              "dir/s.toml:10: generator.base_url: expected an http:// or https:// URL");
        CHECK(error_of("[dataset]\nrows = 0\n" + kLabels) ==
              "dir/s.toml:2: dataset.rows: must be between 1 and 2147483647");
    }
    SECTION("dedup") {
        CHECK(error_of(kLabels + "[dedup]\nshingle = \"token\"\n") ==
              "dir/s.toml:10: dedup.shingle: expected \"char\" or \"word\", not \"token\"");
        CHECK(error_of(kLabels + "[dedup]\nmethod = \"minhash\"\n") ==
              "dir/s.toml:10: dedup.method: expected \"auto\", \"lsh\" or \"exact\", not "
              "\"minhash\"");
        CHECK(error_of(kLabels + "[dedup]\nngram = 0\n") ==
              "dir/s.toml:10: dedup.ngram: must be between 1 and 64");
        // The bounds synthmod-stats can run with, refused when the spec is read (it used to load
        // and then fail naming --ngram, a flag the user never typed).
        CHECK(error_of(kLabels + "[dedup]\nngram = 100\n") ==
              "dir/s.toml:10: dedup.ngram: must be between 1 and 64");
        CHECK(spec::parse(kLabels + "[dedup]\nngram = 64\n", "x.toml").dedup.ngram == 64);
        CHECK(error_of(kLabels + "[dedup]\nnum_perm = 2048\n") ==
              "dir/s.toml:10: dedup.num_perm: must be between 8 and 1024");
        CHECK(error_of(kLabels + "[dedup]\nthreshold = 0\n") ==
              "dir/s.toml:10: dedup.threshold: must be > 0 and <= 1");
        CHECK(error_of(kLabels + "[dedup]\nthreshold = 1.5\n") ==
              "dir/s.toml:10: dedup.threshold: must be > 0 and <= 1");
        CHECK(error_of(kLabels + "[dedup]\nnum_perm = 4\n") ==
              "dir/s.toml:10: dedup.num_perm: must be between 8 and 1024");
        CHECK(spec::parse(kLabels + "[dedup]\nthreshold = 1\n", "x.toml").dedup.threshold == 1.0);
    }
    SECTION("gate values") {
        CHECK(error_of(kLabels + "[gate]\nmax_near_dup_rate = 5\n") ==
              "dir/s.toml:10: gate.max_near_dup_rate: must be between 0 and 1");
        CHECK(error_of(kLabels + "[gate]\nmin_realism = 7\n") ==
              "dir/s.toml:10: gate.min_realism: must be between 1 and 5 (the realism scale)");
        // The keys of DESIGN sections 9 and 12 (min_realism is the filter's threshold).
        const std::vector<std::string> design = {
            "min_rows",           "min_rows_per_label",  "max_imbalance_ratio",
            "max_exact_dup_rate", "max_near_dup_rate",   "max_label_conflict_rate",
            "min_agreement",      "min_agreement_lower", "min_kappa",
            "min_realism_mean",   "max_refusal_rate",    "min_realism"};
        for (const auto& key : design) {
            INFO(key);
            CHECK(error_of(kLabels + "[gate]\n" + key + " = 0.5\n").empty() ==
                  (key != "min_realism_mean" && key != "min_realism"));
        }
        CHECK(error_of(kLabels + "[gate]\nmin_kappa = -1.5\n") ==
              "dir/s.toml:10: gate.min_kappa: must be between -1 and 1");
        CHECK(error_of(kLabels + "[gate]\nmin_rows = -1\n") ==
              "dir/s.toml:10: gate.min_rows: must be >= 0");
        CHECK(error_of(kLabels + "[gate]\nmin_realism_mean = 0.5\n") ==
              "dir/s.toml:10: gate.min_realism_mean: must be between 1 and 5 (the realism scale)");
        const auto s =
            spec::parse(kLabels + "[gate]\nmin_realism = 4\nmax_near_dup_rate = 1\n", "x.toml");
        CHECK(s.gate.min_realism == 4.0);
        CHECK(s.gate.thresholds == std::map<std::string, double>{{"max_near_dup_rate", 1.0}});
    }
    SECTION("Gate::set checks a value as [gate] does") {
        spec::Gate gate;
        CHECK(gate.set("max_near_dup_rate", 5) == "must be between 0 and 1");
        CHECK(gate.set("min_realism", 0) == "must be between 1 and 5 (the realism scale)");
        CHECK(gate.set("min_fun", 1).rfind("unknown key (known: min_rows, ", 0) == 0);
        CHECK(gate.thresholds.empty());
        CHECK(gate.min_realism == 3.0);
        CHECK(gate.set("min_realism", 4.5).empty());
        CHECK(gate.set("max_near_dup_rate", 0.05).empty());
        CHECK(gate.min_realism == 4.5);
        CHECK(gate.thresholds == std::map<std::string, double>{{"max_near_dup_rate", 0.05}});
    }
    SECTION("one set of bounds for the spec and the flags") {
        CHECK(spec::bounds::kNgram.error(65) == "must be between 1 and 64");
        CHECK(spec::bounds::kNgram.error(1).empty());
        CHECK(spec::bounds::kThreshold.error(0) == "must be > 0 and <= 1");
        CHECK(spec::bounds::kThreshold.error(1).empty());
        CHECK(spec::bounds::kTemperature.error(2.5) == "must be between 0 and 2");
        CHECK(spec::shingle_error("word").empty());
        CHECK(spec::shingle_error("token") == "expected \"char\" or \"word\", not \"token\"");
    }
    SECTION("TOML syntax errors carry toml++'s line") {
        CHECK_THAT(error_of(kLabels + "[dataset]\nrows = = 3\n"),
                   Catch::StartsWith("dir/s.toml:10: "));
        CHECK_THAT(error_of("[dataset]\nname = \"unterminated\n" + kLabels),
                   Catch::StartsWith("dir/s.toml:2: "));
        CHECK_THAT(error_of(kLabels + "[[labels]]\nname = \"x\"\nname = \"y\"\n"),
                   Catch::StartsWith("dir/s.toml:11: "));
        CHECK_THAT(error_of("[dataset]\nname = \"bad \xff utf8\"\n" + kLabels),
                   Catch::StartsWith("dir/s.toml:2: "));
    }
}

TEST_CASE("spec load reads files", "[spec]") {
    const std::string dir = test::temp_dir("spec");
    SECTION("missing file is an IoError") {
        try {
            spec::load(dir + "/none.toml");
            FAIL("no error");
        } catch (const IoError& e) {
            CHECK(std::string(e.what()) ==
                  dir + "/none.toml: cannot read: No such file or directory");
        }
    }
    SECTION("a file loads; persona path is relative to its folder") {
        test::spit(dir + "/s.toml", kLabels + "[personas]\npath = \"p.jsonl\"\n");
        const auto s = spec::load(dir + "/s.toml");
        CHECK(s.personas.path == dir + "/p.jsonl");
        CHECK(s.file == dir + "/s.toml");
    }
    SECTION("an error names the path as given") {
        test::spit(dir + "/bad.toml", kLabels + "[dataset]\nrows = \"x\"\n");
        CHECK_THROWS_WITH(spec::load(dir + "/bad.toml"),
                          dir + "/bad.toml:10: dataset.rows: expected an integer");
    }
}

TEST_CASE("spec render fills placeholders once", "[spec]") {
    const std::map<std::string, std::string> values = {
        {"persona", "a nurse who writes {{label}}"}, {"label", "Safe"}, {"context", "a tweet"}};
    CHECK(spec::render("{{context}} by {{ persona }}: {{label}}", values) ==
          "a tweet by a nurse who writes {{label}}: Safe");
    CHECK(spec::render("no placeholders", values) == "no placeholders");
    CHECK(spec::render("{{unknown}} stays, {{label}}", values) == "{{unknown}} stays, Safe");
    CHECK(spec::render("{{label}}{{label}}", values) == "SafeSafe");
    CHECK(spec::render("open {{label", values) == "open {{label");
    CHECK(spec::render("", values) == "");
}

TEST_CASE("spec render by lookup fills placeholders once, at the text's exact size", "[spec]") {
    const std::string persona = "a nurse who writes {{label}} and a long story about herself";
    const std::string label = "Safe";
    const spec::PlaceholderLookup lookup = [&](std::string_view name) -> const std::string* {
        if (name == "persona") return &persona;
        if (name == "label") return &label;
        return nullptr;
    };
    const std::string out = spec::render("{{ persona }}: {{label}} ({{unknown}}) {{label", lookup);
    CHECK(out == persona + ": Safe ({{unknown}}) {{label");
    CHECK(out.capacity() == out.size());  // one allocation, no spare room
    CHECK(spec::render("{{label}}{{label}}", lookup) == "SafeSafe");
    CHECK(spec::render("", lookup).empty());
}

TEST_CASE("a template split once renders each placeholder by name, once", "[spec]") {
    const std::map<std::string, std::string> values = {
        {"persona", "a nurse who writes {{label}}"}, {"label", "Safe"}, {"context", "a tweet"}};
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"{{context}} by {{ persona }}: {{label}}", "a tweet by a nurse who writes {{label}}: Safe"},
        {"no placeholders", "no placeholders"},
        {"{{unknown}} stays, {{label}}", "{{unknown}} stays, Safe"},
        {"{{label}}{{label}}", "SafeSafe"},
        {"open {{label", "open {{label"},
        {"", ""},
        {"{{ label}} {{\tcontext }}{{}} {{label}}}}", "Safe a tweet{{}} Safe}}"},
        {"{{a {{label}} b}} {{label}}", "{{a {{label}} b}} Safe"},
        {"}}{{label}}{{", "}}Safe{{"}};
    for (const auto& [text, expected] : cases) {
        const spec::Template tmpl(text);
        const std::string out = tmpl.render([&](std::size_t i) -> const std::string* {
            auto it = values.find(std::string(tmpl.name(i)));
            return it == values.end() ? nullptr : &it->second;
        });
        CHECK(out == expected);
    }
    const spec::Template tmpl("{{ persona }}: {{label}} ({{unknown}}) {{label");
    REQUIRE(tmpl.size() == 3);
    CHECK(tmpl.name(0) == "persona");
    CHECK(tmpl.name(1) == "label");
    CHECK(tmpl.name(2) == "unknown");
    CHECK(tmpl.render([](std::size_t) -> const std::string* { return nullptr; }) ==
          "{{ persona }}: {{label}} ({{unknown}}) {{label");
    const std::string persona = "a nurse who writes {{label}} and a long story about herself";
    const std::string out = tmpl.render(
        [&](std::size_t i) -> const std::string* { return i == 0 ? &persona : nullptr; });
    CHECK(out == persona + ": {{label}} ({{unknown}}) {{label");
    CHECK(out.capacity() == out.size());  // one allocation, no spare room
}
