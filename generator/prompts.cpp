#include "generator/prompts.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>
#include <optional>
#include <utility>

#include "common/llm/json_util.h"
#include "common/text.h"

namespace synthmod::generator {

const std::string& default_system_prompt() {
    static const std::string text =
        "You write realistic user-generated posts for training and testing content-moderation "
        "classifiers. Each post must read exactly like something a real person typed on the "
        "platform named in the request: their own voice, vocabulary, slang, emoji, run-on "
        "sentences and the occasional typo that fit the persona. Never sound like an assistant: no "
        "disclaimers, no warnings, no hashtags or formatting the platform would not have, no "
        "explanation before or after the post, and never name or hint at the moderation label "
        "inside the post.\n\n"
        "Safety rules that always apply:\n"
        "- Personal data must be fake and reserved: phone numbers only in the 555-0100 to "
        "555-0199 range, e-mail addresses only at example.com, example.org or example.net, web "
        "links only under example.com, identity, card and account numbers only in formats that "
        "can never be valid (for example starting with 000). Never use a real person's details.\n"
        "- Self-harm and suicide posts express distress, hopelessness or ideation the way people "
        "really write it, but never include methods, means, amounts, places or any instructions.\n"
        "- Scam posts may imitate scams but must not contain working links, real brands' real "
        "contact details or real wallet addresses.\n\n"
        "Answer by calling the submit_post tool with the post as `content` and, as `label`, the "
        "policy label a careful moderator would give the text you actually wrote (normally the one "
        "requested).";
    return text;
}

std::string system_prompt(const spec::Spec& spec) {
    std::string out =
        spec.generator.system.empty() ? default_system_prompt() : spec.generator.system;
    out += "\n\nThe moderation policy labels:\n";
    for (const auto& label : spec.labels)
        out += "\n## " + label.name + "\n" + label.definition + "\n";
    return out;
}

std::string answer_schema(const std::vector<spec::Label>& labels) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("type");
    w.String("object");
    w.Key("properties");
    w.StartObject();
    w.Key("content");
    w.StartObject();
    w.Key("type");
    w.String("string");
    w.Key("description");
    w.String("The post exactly as the user would write it.");
    w.EndObject();
    w.Key("label");
    w.StartObject();
    w.Key("type");
    w.String("string");
    w.Key("enum");
    w.StartArray();
    for (const auto& label : labels) w.String(label.name);
    w.EndArray();
    w.Key("description");
    w.String("The policy label a careful moderator would give the post as written.");
    w.EndObject();
    w.EndObject();
    w.Key("required");
    w.StartArray();
    w.String("content");
    w.String("label");
    w.EndArray();
    w.Key("additionalProperties");
    w.Bool(false);
    w.EndObject();
    return buf.GetString();
}

std::string label_list(const std::vector<spec::Label>& labels) {
    std::string out;
    for (const auto& label : labels) {
        if (!out.empty()) out += ", ";
        out += "\"" + label.name + "\"";
    }
    return out;
}

PromptBuilder::PromptBuilder(const spec::Spec& spec, llm::SharedText system, llm::SharedText schema)
    : spec_(spec),
      system_(std::move(system)),
      schema_(std::move(schema)),
      label_list_(label_list(spec.labels)) {
    for (const auto& label : spec.labels) {
        label_names_ += label.name + "\n";
        definitions_[label.name] = label.definition;  // the last of a repeated name, as before
    }
    for (const auto& variant : spec.generator.variants)
        if (parsed_.count(variant.prompt) == 0)
            parsed_.emplace(variant.prompt, parse(variant.prompt));
    if (parsed_.count(spec::kDefaultVariantPrompt) == 0)
        parsed_.emplace(spec::kDefaultVariantPrompt, parse(spec::kDefaultVariantPrompt));
}

PromptBuilder::ParsedPrompt PromptBuilder::parse(const std::string& prompt) {
    ParsedPrompt parsed{spec::Template(prompt), {}};
    for (std::size_t i = 0; i < parsed.tmpl.size(); ++i) {
        const std::string_view name = parsed.tmpl.name(i);
        parsed.fills.push_back(name == "persona"            ? Fill::kPersona
                               : name == "label"            ? Fill::kLabel
                               : name == "label_definition" ? Fill::kDefinition
                               : name == "labels"           ? Fill::kLabels
                               : name == "context"          ? Fill::kContext
                                                            : Fill::kNone);
    }
    return parsed;
}

llm::Prompt PromptBuilder::build(const spec::Variant& variant, const PlanItem& item,
                                 bool with_vars) const {
    static const std::string kNoDefinition;
    auto found = definitions_.find(item.target_label);
    const std::string& definition = found == definitions_.end() ? kNoDefinition : found->second;
    llm::Prompt prompt;
    prompt.task = "generate";
    prompt.system = system_;
    std::optional<ParsedPrompt> unlisted;  // a variant that is not the spec's
    auto listed = parsed_.find(variant.prompt);
    const ParsedPrompt& parsed =
        listed != parsed_.end() ? listed->second : unlisted.emplace(parse(variant.prompt));
    prompt.user = parsed.tmpl.render([&](std::size_t i) -> const std::string* {
        switch (parsed.fills[i]) {
            case Fill::kPersona:
                return &item.persona;
            case Fill::kLabel:
                return &item.target_label;
            case Fill::kDefinition:
                return &definition;
            case Fill::kLabels:
                return &label_list_;
            case Fill::kContext:
                return &item.context;
            case Fill::kNone:
                break;
        }
        return nullptr;
    });
    prompt.tool_name = kToolName;
    prompt.schema_json = schema_;
    prompt.max_tokens = spec_.generator.max_tokens;
    prompt.temperature = spec_.generator.temperature;
    if (with_vars)
        prompt.vars = {{"persona", item.persona},        {"label", item.target_label},
                       {"label_definition", definition}, {"labels", label_names_},
                       {"context", item.context},        {"variant", variant.name}};
    return prompt;
}

llm::Prompt build_prompt(const spec::Spec& spec, const spec::Variant& variant, const PlanItem& item,
                         const llm::SharedText& system, const llm::SharedText& schema) {
    return PromptBuilder(spec, system, schema).build(variant, item, true);
}

std::string validate_answer(const std::string& answer_json, const std::vector<spec::Label>& labels,
                            AnswerCells* cells) {
    llm::json::LocalDocument local;
    rapidjson::Document& doc = local.doc();
    // Well-formed UTF-8 as a whole (text::is_valid_utf8, 16 ASCII bytes a step) has nothing for
    // rapidjson's check of every string's encoding to find, so the answer is parsed without it;
    // only an answer that fails the whole-text check is parsed with it, for rapidjson's error.
    if (text::is_valid_utf8(answer_json))
        local.parse_plain<rapidjson::kParseDefaultFlags>(answer_json);
    else
        local.parse_plain<rapidjson::kParseValidateEncodingFlag>(answer_json);
    if (doc.HasParseError())
        return std::string("answer is not valid JSON: ") +
               rapidjson::GetParseError_En(doc.GetParseError());
    if (!doc.IsObject()) return "answer is not a JSON object";
    auto content = doc.FindMember("content");
    if (content == doc.MemberEnd() || !content->value.IsString())
        return "answer has no string \"content\"";
    if (text::trim_view({content->value.GetString(), content->value.GetStringLength()}).empty())
        return "answer's \"content\" is empty";
    auto label = doc.FindMember("label");
    if (label == doc.MemberEnd() || !label->value.IsString())
        return "answer has no string \"label\"";
    const std::string_view name(label->value.GetString(), label->value.GetStringLength());
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i].name != name) continue;
        if (cells) {
            cells->content.assign(content->value.GetString(), content->value.GetStringLength());
            cells->label = i;
            cells->set = true;
        }
        return "";
    }
    return "answer's \"label\" \"" + std::string(name) + "\" is not one of the spec's labels";
}

}  // namespace synthmod::generator
