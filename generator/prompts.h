// prompts: the generator's prompts — system prompt with the policy taxonomy, the variant's
// user template, and the answer schema {content, label} (DESIGN section 4).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/llm/provider.h"
#include "common/spec.h"
#include "generator/plan.h"

namespace synthmod::generator {

/// Name of the structured answer (the tool the model is forced to call).
inline constexpr const char* kToolName = "submit_post";

/// The built-in system prompt (realism and safety rules), used when the spec sets none.
const std::string& default_system_prompt();

/// The system prompt sent with every request: the spec's (or the default) followed by the
/// policy labels and their definitions, so the shared taxonomy is one cacheable block.
std::string system_prompt(const spec::Spec& spec);

/// JSON Schema of the answer: {"content": string, "label": one of the spec's label names}.
std::string answer_schema(const std::vector<spec::Label>& labels);

/// Every label name, quoted and comma-separated (the {{labels}} placeholder).
std::string label_list(const std::vector<spec::Label>& labels);

/// Builds the prompts of one run: what every item shares (the label list, the label names, the
/// definitions, system prompt and schema) is computed once, and each item's prompt is rendered
/// from the item's own strings (issue 15: no per-item map of copies).
class PromptBuilder {
   public:
    PromptBuilder(const spec::Spec& spec, llm::SharedText system, llm::SharedText schema);

    /// The prompt of one plan item; `with_vars` fills Prompt::vars (only the offline provider
    /// reads them).
    llm::Prompt build(const spec::Variant& variant, const PlanItem& item, bool with_vars) const;

   private:
    /// What fills a placeholder of a variant's prompt.
    enum class Fill { kPersona, kLabel, kDefinition, kLabels, kContext, kNone };
    /// A variant's prompt split once (spec::Template) with each placeholder's filling, so an
    /// item's prompt is rendered without scanning the template or comparing names again.
    struct ParsedPrompt {
        spec::Template tmpl;
        std::vector<Fill> fills;  ///< one per placeholder of tmpl
    };
    static ParsedPrompt parse(const std::string& prompt);

    const spec::Spec& spec_;
    llm::SharedText system_, schema_;
    std::string label_list_;   ///< the {{labels}} placeholder
    std::string label_names_;  ///< vars["labels"]: one name per line (names may hold commas)
    std::map<std::string, std::string, std::less<>> definitions_;  ///< by label name
    /// The spec's variant prompts and the default one, parsed, by prompt text (a variant not
    /// among them is parsed when its item is built).
    std::map<std::string, ParsedPrompt, std::less<>> parsed_;
};

/// The prompt of one plan item. `system` and `schema` are computed once per run.
llm::Prompt build_prompt(const spec::Spec& spec, const spec::Variant& variant, const PlanItem& item,
                         const llm::SharedText& system, const llm::SharedText& schema);

/// What samples.csv takes from an accepted answer, kept when it is validated so that the answer
/// is parsed once: its `content` as decoded, and which of the spec's labels it names.
struct AnswerCells {
    bool set = false;  ///< false: not validated in this run (a resumed row), parse the record
    std::string content;
    std::size_t label = 0;  ///< index into the spec's labels
};

/// Checks an answer: a JSON object with a non-empty string `content` and a `label` among the
/// spec's labels. Returns "" when fine, else what is wrong (the runner re-asks). When fine and
/// `cells` is given, fills it from the answer.
std::string validate_answer(const std::string& answer_json, const std::vector<spec::Label>& labels,
                            AnswerCells* cells = nullptr);

}  // namespace synthmod::generator
