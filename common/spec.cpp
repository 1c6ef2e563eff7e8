#include "common/spec.h"

#include <sys/stat.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>

#include "common/errors.h"
#include "common/figures.h"

namespace synthmod::spec {

namespace {

using Known = std::initializer_list<std::string_view>;

std::string_view trim_blanks(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

/// One `{{ name }}` found in a template: byte range and the trimmed name.
struct Placeholder {
    std::size_t begin;
    std::size_t end;  ///< one past the closing braces
    std::string_view name;
};

/// Finds the next placeholder at or after `from`; false when none.
bool next_placeholder(std::string_view tmpl, std::size_t from, Placeholder& out) {
    const std::size_t open = tmpl.find("{{", from);
    if (open == std::string_view::npos) return false;
    const std::size_t close = tmpl.find("}}", open + 2);
    if (close == std::string_view::npos) return false;
    out.begin = open;
    out.end = close + 2;
    out.name = trim_blanks(tmpl.substr(open + 2, close - open - 2));
    return true;
}

/// Validates one TOML document against DESIGN section 4 while filling a Spec.
class Loader {
   public:
    Loader(const std::string& file, const std::string& text) : file_(file), text_(text) {}

    Spec load(const toml::table& root) {
        Spec spec;
        spec.file = file_;
        spec.source_text = text_;
        check_keys(root, "",
                   {"dataset", "labels", "personas", "generator", "judge", "dedup", "gate",
                    "input"});

        const toml::table* dataset = table_at(root, "", "dataset");
        const toml::table empty;
        const toml::table& ds = dataset != nullptr ? *dataset : empty;
        check_keys(ds, "dataset", {"name", "rows", "seed", "label_weights"});
        spec.name = std::filesystem::path(file_).stem().string();
        if (auto v = get_string(ds, "dataset", "name")) {
            if (v->empty()) fail(*ds.get("name"), "dataset.name: must not be empty");
            spec.name = *v;
        }
        if (auto v = get_int_in(ds, "dataset", "rows", bounds::kRows)) spec.rows = *v;
        if (auto v = get_int(ds, "dataset", "seed")) spec.seed = *v;

        load_labels(root, spec);
        load_weights(ds, spec);
        load_personas(root, spec);
        load_generator(root, spec);
        load_judge(root, spec);
        load_dedup(root, spec);
        load_gate(root, spec);
        load_input(root, spec);
        return spec;
    }

   private:
    [[noreturn]] void fail(std::size_t line, const std::string& what) const {
        throw InputError(file_, line == 0 ? 1 : line, what);
    }
    [[noreturn]] void fail(const toml::node& node, const std::string& what) const {
        fail(node.source().begin.line, what);
    }

    static std::string join(const std::string& prefix, std::string_view key) {
        return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
    }

    void check_keys(const toml::table& table, const std::string& prefix, Known known) const {
        for (auto&& [key, node] : table) {
            if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
                const std::size_t line = key.source().begin.line != 0 ? key.source().begin.line
                                                                      : node.source().begin.line;
                fail(line, "unknown key \"" + join(prefix, key.str()) + "\"");
            }
        }
    }

    const toml::table* table_at(const toml::table& parent, const std::string& prefix,
                                std::string_view key) const {
        const toml::node* node = parent.get(key);
        if (node == nullptr) return nullptr;
        if (!node->is_table()) fail(*node, join(prefix, key) + ": expected a table");
        return node->as_table();
    }

    std::optional<std::string> get_string(const toml::table& t, const std::string& prefix,
                                          std::string_view key) const {
        const toml::node* node = t.get(key);
        if (node == nullptr) return std::nullopt;
        if (!node->is_string()) fail(*node, join(prefix, key) + ": expected a string");
        return node->as_string()->get();
    }

    std::optional<long long> get_int(const toml::table& t, const std::string& prefix,
                                     std::string_view key) const {
        const toml::node* node = t.get(key);
        if (node == nullptr) return std::nullopt;
        if (!node->is_integer()) fail(*node, join(prefix, key) + ": expected an integer");
        return node->as_integer()->get();
    }

    /// An integer or a float (TOML `1` is accepted where a number is asked for).
    std::optional<double> get_number(const toml::table& t, const std::string& prefix,
                                     std::string_view key) const {
        const toml::node* node = t.get(key);
        if (node == nullptr) return std::nullopt;
        double v = 0;
        if (node->is_integer()) {
            v = static_cast<double>(node->as_integer()->get());
        } else if (node->is_floating_point()) {
            v = node->as_floating_point()->get();
        } else {
            fail(*node, join(prefix, key) + ": expected a number");
        }
        if (!std::isfinite(v)) fail(*node, join(prefix, key) + ": expected a finite number");
        return v;
    }

    std::optional<bool> get_bool(const toml::table& t, const std::string& prefix,
                                 std::string_view key) const {
        const toml::node* node = t.get(key);
        if (node == nullptr) return std::nullopt;
        if (!node->is_boolean())
            fail(*node, join(prefix, key) + ": expected a boolean (true or false)");
        return node->as_boolean()->get();
    }

    /// An int within `range` or the error "key: must be ...".
    std::optional<int> get_int_in(const toml::table& t, const std::string& prefix,
                                  std::string_view key, const IntRange& range) const {
        auto v = get_int(t, prefix, key);
        if (!v) return std::nullopt;
        if (std::string what = range.error(*v); !what.empty())
            fail(*t.get(key), join(prefix, key) + ": " + what);
        return static_cast<int>(*v);
    }

    /// A number within `range` or the error "key: must be ...".
    std::optional<double> get_number_in(const toml::table& t, const std::string& prefix,
                                        std::string_view key, const RealRange& range) const {
        auto v = get_number(t, prefix, key);
        if (!v) return std::nullopt;
        if (std::string what = range.error(*v); !what.empty())
            fail(*t.get(key), join(prefix, key) + ": " + what);
        return v;
    }

    /// The array-of-tables at `key` (e.g. [[labels]]), or an error when it is something else.
    const toml::array* tables_at(const toml::table& parent, const std::string& prefix,
                                 std::string_view key, const std::string& example) const {
        const toml::node* node = parent.get(key);
        if (node == nullptr) return nullptr;
        const toml::array* arr = node->as_array();
        if (arr == nullptr)
            fail(*node, join(prefix, key) + ": expected an array of tables (" + example + ")");
        for (const auto& item : *arr) {
            if (!item.is_table())
                fail(item, join(prefix, key) + ": expected an array of tables (" + example + ")");
        }
        return arr;
    }

    void load_labels(const toml::table& root, Spec& spec) const {
        const toml::array* labels = tables_at(root, "", "labels", "[[labels]]");
        if (labels == nullptr || labels->empty()) {
            fail(1,
                 "labels: no [[labels]] given; a spec needs at least one label with a name and a "
                 "definition");
        }
        std::map<std::string, std::size_t> first_line;
        std::size_t index = 0;
        for (const auto& item : *labels) {
            ++index;
            const toml::table& t = *item.as_table();
            check_keys(t, "labels", {"name", "definition"});
            Label label;
            auto name = get_string(t, "labels", "name");
            if (!name)
                fail(t, "labels.name: missing in [[labels]] number " + std::to_string(index));
            if (trim_blanks(*name).empty()) fail(*t.get("name"), "labels.name: must not be empty");
            label.name = *name;
            auto definition = get_string(t, "labels", "definition");
            if (!definition) fail(t, "labels.definition: missing for label \"" + label.name + "\"");
            if (trim_blanks(*definition).empty()) {
                fail(*t.get("definition"),
                     "labels.definition: empty for label \"" + label.name + "\"");
            }
            label.definition = *definition;
            const std::size_t line = t.get("name")->source().begin.line;
            auto [it, inserted] = first_line.emplace(label.name, line);
            if (!inserted) {
                fail(line, "labels.name: duplicate label \"" + label.name +
                               "\" (first defined on line " + std::to_string(it->second) + ")");
            }
            spec.labels.push_back(std::move(label));
        }
    }

    void load_weights(const toml::table& ds, Spec& spec) const {
        const std::size_t n = spec.labels.size();
        spec.label_weights.assign(n, 1.0 / static_cast<double>(n));
        const toml::node* node = ds.get("label_weights");
        if (node == nullptr) return;
        if (node->is_string()) {
            if (node->as_string()->get() != "uniform") {
                fail(*node,
                     "dataset.label_weights: expected \"uniform\" or a table of label = weight");
            }
            return;
        }
        const toml::table* table = node->as_table();
        if (table == nullptr)
            fail(*node, "dataset.label_weights: expected \"uniform\" or a table of label = weight");
        std::vector<double> weights(n, 0.0);
        double sum = 0;
        for (auto&& [key, value] : *table) {
            const std::size_t line =
                key.source().begin.line != 0 ? key.source().begin.line : value.source().begin.line;
            const int index = spec.label_index(std::string(key.str()));
            if (index < 0) {
                fail(line, "dataset.label_weights: unknown label \"" + std::string(key.str()) +
                               "\" (not among the [[labels]] names)");
            }
            double w = 0;
            if (value.is_integer()) {
                w = static_cast<double>(value.as_integer()->get());
            } else if (value.is_floating_point()) {
                w = value.as_floating_point()->get();
            } else {
                fail(line, "dataset.label_weights: weight of \"" + std::string(key.str()) +
                               "\": expected a number");
            }
            if (!std::isfinite(w) || w < 0) {
                fail(line, "dataset.label_weights: weight of \"" + std::string(key.str()) +
                               "\" must be a finite number >= 0");
            }
            weights[static_cast<std::size_t>(index)] = w;
            sum += w;
        }
        if (!(sum > 0)) fail(*node, "dataset.label_weights: the weights are all zero");
        for (auto& w : weights) w /= sum;
        spec.label_weights = std::move(weights);
    }

    void load_personas(const toml::table& root, Spec& spec) const {
        const toml::table* t = table_at(root, "", "personas");
        if (t == nullptr) return;
        check_keys(*t, "personas", {"path", "field"});
        if (auto path = get_string(*t, "personas", "path")) {
            if (path->empty()) fail(*t->get("path"), "personas.path: must not be empty");
            std::filesystem::path p(*path);
            if (p.is_relative()) p = std::filesystem::path(file_).parent_path() / p;
            spec.personas.path = p.string();
        }
        if (auto field = get_string(*t, "personas", "field")) {
            if (field->empty()) fail(*t->get("field"), "personas.field: must not be empty");
            spec.personas.field = *field;
        }
    }

    /// Keys shared by [generator] and [judge].
    void load_model(const toml::table& t, const std::string& prefix, ModelConfig& config) const {
        if (auto v = get_string(t, prefix, "provider")) {
            if (*v != "anthropic" && *v != "openai" && *v != "offline") {
                fail(*t.get("provider"),
                     prefix +
                         ".provider: expected \"anthropic\", \"openai\" or \"offline\", not \"" +
                         *v + "\"");
            }
            config.provider = *v;
        }
        if (auto v = get_string(t, prefix, "model")) {
            if (v->empty()) fail(*t.get("model"), prefix + ".model: must not be empty");
            config.model = *v;
        }
        if (auto v = get_string(t, prefix, "base_url")) {
            if (v->rfind("http://", 0) != 0 && v->rfind("https://", 0) != 0) {
                fail(*t.get("base_url"), prefix + ".base_url: expected an http:// or https:// URL");
            }
            config.base_url = *v;
        }
        if (auto v = get_int_in(t, prefix, "max_tokens", bounds::kMaxTokens))
            config.max_tokens = *v;
        if (auto v = get_number_in(t, prefix, "temperature", bounds::kTemperature))
            config.temperature = *v;
        if (auto v = get_int_in(t, prefix, "concurrency", bounds::kConcurrency))
            config.concurrency = *v;
        if (auto v = get_int_in(t, prefix, "rows_per_request", bounds::kRowsPerRequest))
            config.rows_per_request = *v;
        if (auto v = get_string(t, prefix, "system")) config.system = *v;
    }

    /// Line of byte `offset` of a string value: its first line plus the newlines before `offset`
    /// (plus one when a multi-line string starts on the line after its opening quotes).
    std::size_t line_in_string(const toml::node& node, const std::string& value,
                               std::size_t offset) const {
        std::size_t line = node.source().begin.line;
        const std::size_t column = node.source().begin.column;
        // Find the value's first character in the source text.
        std::size_t pos = 0;
        for (std::size_t l = 1; l < line && pos != std::string::npos; ++l) {
            pos = text_.find('\n', pos);
            if (pos != std::string::npos) ++pos;
        }
        if (pos != std::string::npos && column >= 1) {
            pos += column - 1;
            const std::string_view rest =
                std::string_view(text_).substr(std::min(pos, text_.size()));
            if (rest.rfind("\"\"\"\n", 0) == 0 || rest.rfind("'''\n", 0) == 0 ||
                rest.rfind("\"\"\"\r\n", 0) == 0 || rest.rfind("'''\r\n", 0) == 0) {
                ++line;
            }
        }
        return line +
               static_cast<std::size_t>(std::count(value.begin(), value.begin() + offset, '\n'));
    }

    void check_template(const toml::node& node, const std::string& key,
                        const std::string& tmpl) const {
        const auto& known = placeholders();
        Placeholder ph{};
        std::size_t from = 0;
        while (next_placeholder(tmpl, from, ph)) {
            if (std::find(known.begin(), known.end(), ph.name) == known.end()) {
                std::string names;
                for (const auto& k : known) names += (names.empty() ? "{{" : ", {{") + k + "}}";
                fail(line_in_string(node, tmpl, ph.begin),
                     key + ": unknown placeholder \"" + tmpl.substr(ph.begin, ph.end - ph.begin) +
                         "\" (known: " + names + ")");
            }
            from = ph.end;
        }
    }

    void load_generator(const toml::table& root, Spec& spec) const {
        spec.generator.model = kDefaultGeneratorModel;
        const toml::table* t = table_at(root, "", "generator");
        if (t != nullptr) {
            check_keys(*t, "generator",
                       {"provider", "model", "base_url", "max_tokens", "temperature", "concurrency",
                        "system", "contexts", "variants", "rows_per_request"});
            load_model(*t, "generator", spec.generator);
            if (const toml::node* node = t->get("contexts")) {
                const toml::array* arr = node->as_array();
                if (arr == nullptr) fail(*node, "generator.contexts: expected an array of strings");
                for (const auto& item : *arr) {
                    if (!item.is_string())
                        fail(item.source().begin.line != 0 ? item : *node,
                             "generator.contexts: expected an array of strings");
                    const std::string& c = item.as_string()->get();
                    if (trim_blanks(c).empty())
                        fail(item, "generator.contexts: a context must not be empty");
                    spec.generator.contexts.push_back(c);
                }
            }
            if (const toml::array* variants =
                    tables_at(*t, "generator", "variants", "[[generator.variants]]")) {
                std::map<std::string, std::size_t> first_line;
                std::size_t index = 0;
                for (const auto& item : *variants) {
                    ++index;
                    const toml::table& v = *item.as_table();
                    check_keys(v, "generator.variants", {"name", "prompt", "rows_per_request"});
                    Variant variant;
                    auto name = get_string(v, "generator.variants", "name");
                    if (!name)
                        fail(v,
                             "generator.variants.name: missing in [[generator.variants]] number " +
                                 std::to_string(index));
                    if (trim_blanks(*name).empty())
                        fail(*v.get("name"), "generator.variants.name: must not be empty");
                    variant.name = *name;
                    auto prompt = get_string(v, "generator.variants", "prompt");
                    if (!prompt)
                        fail(v, "generator.variants.prompt: missing for variant \"" + variant.name +
                                    "\"");
                    if (trim_blanks(*prompt).empty())
                        fail(*v.get("prompt"), "generator.variants.prompt: empty for variant \"" +
                                                   variant.name + "\"");
                    check_template(*v.get("prompt"), "generator.variants.prompt", *prompt);
                    variant.prompt = *prompt;
                    variant.rows_per_request = get_int_in(
                        v, "generator.variants", "rows_per_request", bounds::kRowsPerRequest);
                    const std::size_t line = v.get("name")->source().begin.line;
                    auto [it, inserted] = first_line.emplace(variant.name, line);
                    if (!inserted) {
                        fail(line, "generator.variants.name: duplicate variant \"" + variant.name +
                                       "\" (first defined on line " + std::to_string(it->second) +
                                       ")");
                    }
                    spec.generator.variants.push_back(std::move(variant));
                }
            }
        }
        if (spec.generator.variants.empty()) {
            spec.generator.variants.push_back({kDefaultVariantName, kDefaultVariantPrompt});
        }
    }

    void load_judge(const toml::table& root, Spec& spec) const {
        spec.judge.model = kDefaultJudgeModel;
        const toml::table* t = table_at(root, "", "judge");
        if (t == nullptr) return;
        check_keys(*t, "judge",
                   {"provider", "model", "base_url", "max_tokens", "temperature", "concurrency",
                    "system", "blind", "rows_per_request", "rationale"});
        load_model(*t, "judge", spec.judge);
        if (auto v = get_bool(*t, "judge", "blind")) spec.judge.blind = *v;
        if (auto v = get_bool(*t, "judge", "rationale")) spec.judge.rationale = *v;
    }

    void load_input(const toml::table& root, Spec& spec) const {
        const toml::table* t = table_at(root, "", "input");
        if (t == nullptr) return;
        check_keys(*t, "input", {"text_column", "label_column", "format", "columns", "label_map"});
        for (const char* key : {"text_column", "label_column"}) {
            if (auto v = get_string(*t, "input", key)) {
                if (v->empty()) fail(*t->get(key), std::string("input.") + key + ": must not be empty");
                (std::string(key) == "text_column" ? spec.input.text_column
                                                   : spec.input.label_column) = *v;
            }
        }
        if (auto v = get_string(*t, "input", "format")) {
            if (*v != "auto" && *v != "csv" && *v != "tsv" && *v != "jsonl")
                fail(*t->get("format"), "input.format: expected auto, csv, tsv or jsonl");
            spec.input.format = *v;
        }
        if (const toml::node* n = t->get("columns")) {
            const toml::array* a = n->as_array();
            if (a == nullptr || a->empty())
                fail(*n, "input.columns: expected a non-empty array of column names");
            for (const toml::node& c : *a) {
                if (!c.is_string() || c.value<std::string>()->empty())
                    fail(c, "input.columns: expected a non-empty array of column names");
                spec.input.columns.push_back(*c.value<std::string>());
            }
        }
        if (const toml::node* n = t->get("label_map")) {
            const toml::table* m = n->as_table();
            if (m == nullptr) fail(*n, "input.label_map: expected a table of value = \"label\"");
            for (auto&& [key, value] : *m) {
                if (!value.is_string())
                    fail(value, "input.label_map." + std::string(key.str()) +
                                    ": expected a label name (a string)");
                const std::string name = *value.value<std::string>();
                if (spec.label_index(name) < 0)
                    fail(value, "input.label_map." + std::string(key.str()) + ": \"" + name +
                                    "\" is not a label of this spec");
                spec.input.label_map[std::string(key.str())] = name;
            }
        }
    }

    void load_dedup(const toml::table& root, Spec& spec) const {
        const toml::table* t = table_at(root, "", "dedup");
        if (t == nullptr) return;
        check_keys(*t, "dedup", {"shingle", "ngram", "threshold", "num_perm", "max_miss", "method"});
        if (auto v = get_string(*t, "dedup", "shingle")) {
            if (std::string what = shingle_error(*v); !what.empty())
                fail(*t->get("shingle"), "dedup.shingle: " + what);
            spec.dedup.shingle = *v;
        }
        if (auto v = get_int_in(*t, "dedup", "ngram", bounds::kNgram)) spec.dedup.ngram = *v;
        if (auto v = get_number_in(*t, "dedup", "threshold", bounds::kThreshold))
            spec.dedup.threshold = *v;
        if (auto v = get_int_in(*t, "dedup", "num_perm", bounds::kNumPerm))
            spec.dedup.num_perm = *v;
        if (auto v = get_number_in(*t, "dedup", "max_miss", bounds::kMaxMiss))
            spec.dedup.max_miss = *v;
        if (auto v = get_string(*t, "dedup", "method")) {
            if (std::string what = dedup_method_error(*v); !what.empty())
                fail(*t->get("method"), "dedup.method: " + what);
            spec.dedup.method = *v;
        }
    }

    /// [gate]: every key and range from the table of figures (common/figures.h), checked by
    /// Gate::set as --gate-set is.
    void load_gate(const toml::table& root, Spec& spec) const {
        const toml::table* t = table_at(root, "", "gate");
        if (t == nullptr) return;
        for (auto&& [key, node] : *t) {
            const std::string name(key.str());
            const std::size_t line =
                key.source().begin.line != 0 ? key.source().begin.line : node.source().begin.line;
            if (figures::find_gate_key(name) == nullptr) {
                fail(line, "unknown key \"gate." + name +
                               "\" (known: " + figures::gate_keys_list() + ")");
            }
            const double v = *get_number(*t, "gate", name);
            if (std::string what = spec.gate.set(name, v); !what.empty())
                fail(line, "gate." + name + ": " + what);
        }
    }

    const std::string& file_;
    const std::string& text_;
};

}  // namespace

int Spec::label_index(const std::string& label) const {
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i].name == label) return static_cast<int>(i);
    }
    return -1;
}

namespace {

/// A bound as people write it: 1, 0.8, 2147483647.
std::string bound_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.15g", v);
    return buf;
}

}  // namespace

std::string IntRange::error(long long v) const {
    if (v >= lo && v <= hi) return "";
    return "must be between " + std::to_string(lo) + " and " + std::to_string(hi);
}

std::string RealRange::error(double v) const {
    if (!std::isfinite(v)) return "expected a finite number";
    if ((lo_open ? v > lo : v >= lo) && v <= hi) return "";
    if (lo_open) return "must be > " + bound_text(lo) + " and <= " + bound_text(hi);
    return "must be between " + bound_text(lo) + " and " + bound_text(hi);
}

std::string shingle_error(std::string_view shingle) {
    if (shingle == "char" || shingle == "word") return "";
    return "expected \"char\" or \"word\", not \"" + std::string(shingle) + "\"";
}

std::string dedup_method_error(std::string_view method) {
    for (std::string_view m : bounds::kDedupMethods)
        if (method == m) return "";
    return "expected \"auto\", \"lsh\" or \"exact\", not \"" + std::string(method) + "\"";
}

std::string Gate::set(const std::string& key, double value) {
    const figures::Figure* figure = figures::find_gate_key(key);
    if (figure == nullptr) return "unknown key (known: " + figures::gate_keys_list() + ")";
    if (std::string what = figures::threshold_error(*figure, value); !what.empty()) return what;
    if (figure->id == figures::Id::kMinRealism)
        min_realism = value;
    else
        thresholds[key] = value;
    return "";
}

Spec parse(const std::string& text, const std::string& name) {
    toml::table root;
    try {
        root = toml::parse(text, name);
    } catch (const toml::parse_error& e) {
        throw InputError(name, e.source().begin.line == 0 ? 1 : e.source().begin.line,
                         std::string(e.description()));
    }
    return Loader(name, text).load(root);
}

Spec load(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw IoError(path + ": cannot read: " + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) throw IoError(path + ": cannot read: " + std::strerror(EISDIR));
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError(path + ": cannot read: " + std::strerror(errno != 0 ? errno : EACCES));
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) throw IoError(path + ": read error");
    return parse(buffer.str(), path);
}

std::string render(std::string_view tmpl, const PlaceholderLookup& lookup) {
    // One renderer: the template split once (Template) and filled by name. Text substituted in
    // is never scanned again (a persona holding "{{label}}" stays as is).
    const Template split{std::string(tmpl)};
    return split.render([&](std::size_t i) { return lookup(split.name(i)); });
}

Template::Template(std::string text) : text_(std::move(text)) {
    Placeholder ph{};
    for (std::size_t from = 0; next_placeholder(text_, from, ph); from = ph.end)
        placeholders_.push_back({ph.begin, ph.end, std::string(ph.name)});
}

std::string render(const std::string& tmpl, const std::map<std::string, std::string>& values) {
    return render(std::string_view(tmpl), [&values](std::string_view name) -> const std::string* {
        for (const auto& [key, value] : values) {  // ordered: stop once past the name
            if (key == name) return &value;
            if (std::string_view(key) > name) break;
        }
        return nullptr;
    });
}

}  // namespace synthmod::spec
