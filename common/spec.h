// spec: the dataset spec of DESIGN section 4 (TOML) loaded into validated structs.
#pragma once

#include <climits>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace synthmod::spec {

/// Prompt of the variant `baseline` that a spec without [[generator.variants]] gets. The generator
/// engineer owns its wording (edit freely; the placeholders must stay among placeholders()).
inline constexpr const char* kDefaultVariantPrompt =
    "Write {{context}} by the following person: {{persona}}\n\n"
    "The post should be one a moderator would label \"{{label}}\": {{label_definition}}\n\n"
    "The possible labels are {{labels}}. Write only the post itself.";

/// Models a spec without [generator] model / [judge] model gets.
inline constexpr const char* kDefaultGeneratorModel = "claude-haiku-4-5";
inline constexpr const char* kDefaultJudgeModel = "claude-sonnet-4-5";

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
    std::string prompt;  ///< template with {{persona}} {{label}} {{label_definition}} {{labels}}
                         ///< {{context}}
    /// The variant's own rows_per_request; unset: the [generator] value.
    std::optional<int> rows_per_request = std::nullopt;
};

/// Inclusive bounds of an integer spec value.
struct IntRange {
    long long lo;
    long long hi;
    /// "must be between lo and hi", or empty when `v` is within the bounds.
    std::string error(long long v) const;
};

/// Bounds of a real spec value; `lo_open` excludes `lo` itself.
struct RealRange {
    double lo;
    double hi;
    bool lo_open = false;
    /// "must be between lo and hi" ("must be > lo and <= hi"), or empty when `v` is within them.
    std::string error(double v) const;
};

/// The bounds of every numeric spec value, in one place: the spec reader refuses a value outside
/// them (`spec.toml:line: key: must be ...`) and a tool's flag that overrides the key checks the
/// same bounds (`--ngram: must be ...`).
namespace bounds {
inline constexpr IntRange kRows{1, INT_MAX};        ///< [dataset] rows
inline constexpr IntRange kMaxTokens{1, 1000000};   ///< [generator]/[judge] max_tokens
inline constexpr RealRange kTemperature{0, 2};      ///< [generator]/[judge] temperature
inline constexpr IntRange kConcurrency{1, 10000};   ///< [generator]/[judge] concurrency
/// [generator]/[judge]/[[generator.variants]] rows_per_request (items asked in one request).
inline constexpr IntRange kRowsPerRequest{1, 64};
inline constexpr IntRange kNgram{1, 64};            ///< [dedup] ngram
inline constexpr RealRange kThreshold{0, 1, true};  ///< [dedup] threshold (Jaccard)
inline constexpr IntRange kNumPerm{8, 1024};        ///< [dedup] num_perm
/// [dedup] max_miss: the LSH may miss at most this share of the pairs at the threshold.
inline constexpr RealRange kMaxMiss{0, 0.5, true};
/// [dedup] method: how near-duplicate candidates are found (stats/dedup.h's Method).
inline constexpr std::string_view kDedupMethods[] = {"auto", "lsh", "exact"};
}  // namespace bounds

/// Why `shingle` is not a [dedup] shingle kind ("expected \"char\" or \"word\", not ..."), or
/// empty when it is one.
std::string shingle_error(std::string_view shingle);

/// Why `method` is not one of bounds::kDedupMethods ("expected \"auto\", \"lsh\" or
/// \"exact\", not ..."), or empty when it is one.
std::string dedup_method_error(std::string_view method);

/// Model settings of one stage (generator or judge).
struct ModelConfig {
    std::string provider = "anthropic";  ///< anthropic | openai | offline
    std::string model;
    std::string base_url;  ///< empty: the provider's default / environment
    int max_tokens = 400;
    std::optional<double> temperature;
    int concurrency = 16;
    std::string system;  ///< empty: built-in default
    /// Items asked in one request (issue 15); bounds::kRowsPerRequest.
    int rows_per_request = 1;
};

struct Generator : ModelConfig {
    std::vector<std::string> contexts;
    std::vector<Variant> variants;
};

struct Judge : ModelConfig {
    bool blind = true;
    /// true: the answer ends with a rationale, one or two sentences a person reads in judged.csv.
    /// Off by default (issue 15): no figure, gate or report of stats reads it, it is asked after
    /// the label so the label is not reasoned from it, and it is most of the judge's output, the
    /// judge's cost. Off, judged.csv keeps its rationale column, empty for graded rows.
    bool rationale = false;
};

/// The near-duplicate search's options (DESIGN section 9) with their defaults: the spec's
/// [dedup] and synthmod-stats' --shingle, --ngram, --threshold, --num-perm, --max-miss start from
/// these.
struct Dedup {
    std::string shingle = "char";  ///< char | word
    int ngram = 5;                 ///< bounds::kNgram
    double threshold = 0.8;        ///< bounds::kThreshold
    int num_perm = 128;            ///< bounds::kNumPerm
    double max_miss = 0.005;       ///< bounds::kMaxMiss; P(candidate | J = threshold) >= 0.995
    /// bounds::kDedupMethods: "auto" runs the exact join on short texts (few shingles per text,
    /// where it is exact and fast) and LSH on long ones; "lsh" and "exact" force one.
    std::string method = "auto";
};

/// Gate thresholds (DESIGN section 9); only the keys present are checked. The keys and their
/// valid ranges are those of the table of figures (common/figures.h).
struct Gate {
    std::map<std::string, double> thresholds;
    double min_realism = 3;  ///< filter threshold for realism (not a check by itself)

    /// Sets `key` (a gate key of common/figures.h, `min_realism` included) to `value`. Returns
    /// why it cannot: `unknown key (known: ...)` or `must be between 0 and 1`; empty when set.
    /// The spec's [gate] and --gate-set both go through here.
    [[nodiscard]] std::string set(const std::string& key, double value);
};

/// How the judge and stats read an existing dataset (issue 17): which column is the text and
/// which the label, and a map from the file's label values to the spec's label names. The flags
/// --text-column, --label-column, --label-map, --columns and --in-format override these.
struct Input {
    std::string text_column = "content";
    std::string label_column = "label";
    std::string format = "auto";       ///< auto | csv | tsv | jsonl
    std::vector<std::string> columns;  ///< a header-less file's columns, in order
    std::map<std::string, std::string> label_map;  ///< file value -> spec label name
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
    Input input;
    std::string source_text;  ///< the file's bytes, hashed into the journal header

    /// Index of label `name`, or -1.
    int label_index(const std::string& name) const;
};

/// Loads and validates a spec. Every error throws InputError("file:line: key: what").
Spec load(const std::string& path);

/// Parses spec text (as if read from `name`), for tests.
Spec parse(const std::string& text, const std::string& name);

/// Renders a prompt template; the placeholders are checked at load time.
std::string render(const std::string& tmpl, const std::map<std::string, std::string>& values);

/// The value of a placeholder by name, or nullptr to leave the placeholder as written.
using PlaceholderLookup = std::function<const std::string*(std::string_view name)>;

/// Renders a template once with values looked up by name (Template split and rendered once);
/// the result is allocated once, at its exact size.
std::string render(std::string_view tmpl, const PlaceholderLookup& lookup);

/// A template split once into its text and its placeholders, for rendering it many times (the
/// generator renders its variant's prompt once per plan item): render() copies the pieces in
/// order without scanning the text again. spec::render is this, split and rendered once.
class Template {
   public:
    explicit Template(std::string text);

    /// The template's placeholders in order of appearance, by trimmed name.
    std::size_t size() const { return placeholders_.size(); }
    std::string_view name(std::size_t i) const { return placeholders_[i].name; }

    /// The text with placeholder i replaced by *value(i), or left as written when value(i) is
    /// nullptr; allocated once, at its exact size. `value`: const std::string* (std::size_t).
    template <typename Value>
    std::string render(Value value) const {
        std::size_t size = text_.size();
        for (std::size_t i = 0; i < placeholders_.size(); ++i)
            if (const std::string* v = value(i))
                size += v->size() - (placeholders_[i].end - placeholders_[i].begin);
        std::string out;
        out.reserve(size);
        std::size_t from = 0;
        for (std::size_t i = 0; i < placeholders_.size(); ++i) {
            const Slot& ph = placeholders_[i];
            if (const std::string* v = value(i)) {
                out.append(text_, from, ph.begin - from);
                out += *v;
                from = ph.end;
            }
        }
        out.append(text_, from, std::string::npos);
        return out;
    }

   private:
    struct Slot {
        std::size_t begin, end;  ///< bytes of `{{ name }}` in text_, braces included
        std::string name;        ///< trimmed of blanks
    };
    std::string text_;
    std::vector<Slot> placeholders_;
};

}  // namespace synthmod::spec
