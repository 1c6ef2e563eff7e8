// rubric: what the judge model is shown (labels, definitions, realism anchors, issue tags) and
// the structured answer it must give (JSON schema of submit_grade, and its validation).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/llm/provider.h"
#include "common/spec.h"

namespace synthmod::judge {

/// The fixed issue tags of DESIGN section 5, in the order they are documented.
const std::vector<std::string>& issue_tags();

/// Name of the structured answer (the tool the model is forced to call).
inline constexpr const char* kToolName = "submit_grade";

/// One judge answer, parsed and checked.
struct Grade {
    std::string label;                ///< one of the spec's labels
    int realism = 0;                  ///< 1..5
    std::vector<std::string> issues;  ///< tags from issue_tags(), without repeats
    std::string rationale;
    /// Only when not blind: whether the judge agrees with our label.
    std::optional<bool> agrees;
};

/// The judge's instructions for one spec. Blind: the judge labels the post itself; not blind:
/// it is shown our label and gives a verdict as well as the label it would give.
class Rubric {
   public:
    /// `intro` replaces the built-in opening paragraph of the system prompt when not empty
    /// (the spec's [judge] system); the labels, anchors and tags always follow it. Without
    /// `rationale` the answer has no rationale field and the prompt does not ask for one.
    Rubric(std::vector<spec::Label> labels, bool blind, std::string intro = "",
           bool rationale = true);

    bool blind() const { return blind_; }
    bool rationale() const { return rationale_; }
    const std::vector<spec::Label>& labels() const { return labels_; }

    /// Shared by every request of a run (so it is cached by the provider).
    const std::string& system_prompt() const { return system_.str(); }
    /// The post, and our label when not blind.
    std::string user_prompt(const std::string& content, const std::string& our_label) const;
    /// JSON Schema of the answer: label enum, realism 1..5, issues enum array, rationale (unless
    /// asked without) (+ verdict agree|disagree when not blind).
    const std::string& schema_json() const { return schema_.str(); }

    /// The full prompt of one request; `vars` carry the facts for the offline judge
    /// (content, labels, definitions, our_label when not blind).
    llm::Prompt prompt(const std::string& content, const std::string& our_label, int max_tokens,
                       std::optional<double> temperature) const;

    /// "" when `answer_json` is a valid grade, else what is wrong (the runner re-asks).
    std::string validate(const std::string& answer_json) const;
    /// Parses a valid grade; throws InputError("answer: what") when validate() would fail.
    Grade parse(const std::string& answer_json) const;
    /// Whether `answer_json` is a valid grade with exactly the fields this rubric asks for: a
    /// rationale only if it asks for one, a verdict only when not blind. The dry run sizes
    /// answers from earlier ones like these only (an answer with a rationale is longer).
    bool same_shape(const std::string& answer_json) const;

   private:
    std::vector<spec::Label> labels_;
    bool blind_;
    bool rationale_;
    llm::SharedText system_;  ///< one copy, shared by every row's prompt
    llm::SharedText schema_;
};

}  // namespace synthmod::judge
