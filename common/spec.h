// spec: the dataset spec of DESIGN section 4 (TOML) loaded into validated structs.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace synthmod::spec {

/// Prompt of the variant `baseline` that a spec without [[generator.variants]] gets. The generator
/// engineer owns its wording (edit freely; the placeholders must stay among placeholders()).
inline constexpr const char* kDefaultVariantPrompt =
    "Write {{context}} by the following person: {{persona}}\n\n"
    "The post should be one a moderator would label \"{{label}}\": {{label_definition}}\n\n"
    "The possible labels are {{labels}}. Write only the post itself.";

/// Name of the variant added when the spec defines none.
inline constexpr const char* kDefaultVariantName = "baseline";

/// The placeholders a variant prompt may use: `{{persona}}` etc. (spaces inside braces allowed).
inline const std::vector<std::string>& placeholders() {
    static const std::vector<std::string> names = {"persona", "label", "label_definition", "labels",
                                                   "context"};
    return names;
}

/// One policy label and the definition the generator and the judge are shown.
struct Label {
    std::string name;
    std::string definition;
};

/// A prompt variant; rows are split evenly and paired across variants.
struct Variant {
    std::string name;
    std::string prompt;  ///< template with {{persona}} {{label}} {{label_definition}} {{labels}} {{context}}
};

/// Model settings of one stage (generator or judge).
struct ModelConfig {
    std::string provider = "anthropic";  ///< anthropic | openai | offline
    std::string model;
    std::string base_url;  ///< empty: the provider's default / environment
    int max_tokens = 400;
    std::optional<double> temperature;
    int concurrency = 16;
    std::string system;  ///< empty: built-in default
};

struct Generator : ModelConfig {
    std::vector<std::string> contexts;
    std::vector<Variant> variants;
};

struct Judge : ModelConfig {
    bool blind = true;
};

struct Dedup {
    std::string shingle = "char";  ///< char | word
    int ngram = 5;
    double threshold = 0.8;
    int num_perm = 128;
};

/// Gate thresholds (DESIGN section 9); only the keys present in the spec are checked.
struct Gate {
    std::map<std::string, double> thresholds;
    double min_realism = 3;  ///< filter threshold for realism (not a check by itself)
};

struct Personas {
    std::string path;  ///< resolved against the spec's folder; empty = none given
    std::string field = "persona";
};

struct Spec {
    std::string file;  ///< the spec's own path, for messages
    std::string name;
    int rows = 1000;
    long long seed = 42;
    /// Label weights in label order, summing to 1 (uniform when the spec says "uniform").
    std::vector<double> label_weights;
    std::vector<Label> labels;
    Personas personas;
    Generator generator;
    Judge judge;
    Dedup dedup;
    Gate gate;
    std::string source_text;  ///< the file's bytes, hashed into the journal header

    /// Index of label `name`, or -1.
    int label_index(const std::string& name) const;
};

/// The gate keys DESIGN section 9 defines (`min_rows`, `max_near_dup_rate`, ...).
const std::vector<std::string>& gate_keys();

/// Loads and validates a spec. Every error throws InputError("file:line: key: what").
Spec load(const std::string& path);

/// Parses spec text (as if read from `name`), for tests.
Spec parse(const std::string& text, const std::string& name);

/// Renders a prompt template; the placeholders are checked at load time.
std::string render(const std::string& tmpl, const std::map<std::string, std::string>& values);

}  // namespace synthmod::spec
