#include "common/llm/multi_item.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>

#include "common/llm/json_util.h"

namespace synthmod::llm {

namespace {

/// The parts' answer schema with a required integer `index` in 0..n-1 added.
rapidjson::Value indexed_schema(const std::string& schema_json, std::size_t n,
                                rapidjson::Document::AllocatorType& a) {
    rapidjson::Document item;
    item.Parse(schema_json.c_str(), schema_json.size());
    rapidjson::Value out(rapidjson::kObjectType);
    if (item.HasParseError() || !item.IsObject()) {
        out.AddMember("type", "object", a);
    } else {
        out.CopyFrom(item, a);
    }
    if (!out.HasMember("properties")) out.AddMember("properties", rapidjson::kObjectType, a);
    rapidjson::Value index(rapidjson::kObjectType);
    index.AddMember("type", "integer", a);
    // No minimum/maximum: Anthropic's native structured outputs refuse them
    // (docs/ANTHROPIC_API.md); the range is in words and split_answer checks it.
    const std::string says =
        "The number of the request this answers, 0 to " + std::to_string(n - 1) + ".";
    index.AddMember("description", rapidjson::Value(says.c_str(), a), a);
    out["properties"].RemoveMember("index");
    out["properties"].AddMember("index", index, a);
    if (!out.HasMember("required") || !out["required"].IsArray())
        out.AddMember("required", rapidjson::kArrayType, a);
    out["required"].PushBack("index", a);
    return out;
}

}  // namespace

Prompt combine_prompts(const std::vector<const Prompt*>& parts, const std::vector<std::string>& ids,
                       bool exact_count) {
    if (parts.empty() || parts.size() != ids.size())
        throw std::invalid_argument("combine_prompts: one id per part, at least one part");
    const Prompt& first = *parts.front();
    const std::size_t n = parts.size();
    Prompt out;
    out.task = first.task;
    out.system = first.system;
    out.tool_name = first.tool_name;
    out.temperature = first.temperature;
    out.max_tokens = 0;
    out.user = "Answer the " + std::to_string(n) +
               " requests below in one answer: `items` holds exactly one answer per request, "
               "each with the request's `index`. Treat every request on its own, as if it were "
               "the only one.";
    for (std::size_t i = 0; i < n; ++i) {
        out.user += "\n\n### Request " + std::to_string(i) + "\n\n" + parts[i]->user;
        out.max_tokens += parts[i]->max_tokens;
        out.parts.push_back(PromptPart{ids[i], parts[i]->user, parts[i]->vars});
    }

    rapidjson::Document schema(rapidjson::kObjectType);
    auto& a = schema.GetAllocator();
    rapidjson::Value array(rapidjson::kObjectType);
    array.AddMember("type", "array", a);
    if (exact_count) {
        array.AddMember("minItems", static_cast<std::int64_t>(n), a);
        array.AddMember("maxItems", static_cast<std::int64_t>(n), a);
    }
    array.AddMember("items", indexed_schema(first.schema_json.str(), n, a), a);
    rapidjson::Value props(rapidjson::kObjectType);
    props.AddMember("items", array, a);
    schema.AddMember("type", "object", a);
    schema.AddMember("properties", props, a);
    rapidjson::Value required(rapidjson::kArrayType);
    required.PushBack("items", a);
    schema.AddMember("required", required, a);
    schema.AddMember("additionalProperties", false, a);
    out.schema_json = json::to_json(schema);
    return out;
}

std::vector<std::string> split_answer(const std::string& answer_json, std::size_t parts,
                                      std::string* why) {
    std::vector<std::string> out(parts);
    std::vector<int> seen(parts, 0);
    auto note = [why](const std::string& what) {
        if (why && why->empty()) *why = what;
    };
    rapidjson::Document doc;
    std::string parse_error;
    if (!json::parse(doc, answer_json.c_str(), answer_json.size(), &parse_error)) {
        note("answer is not valid JSON: " + parse_error);
        return out;
    }
    const rapidjson::Value* items = json::member(doc, "items");
    if (!items || !items->IsArray()) {
        note("answer has no array \"items\"");
        return out;
    }
    for (const auto& v : items->GetArray()) {
        const rapidjson::Value* index = json::member(v, "index");
        if (!index || !index->IsInt64() || index->GetInt64() < 0 ||
            index->GetInt64() >= static_cast<std::int64_t>(parts)) {
            note("an item has no \"index\" within 0.." + std::to_string(parts - 1));
            continue;
        }
        auto i = static_cast<std::size_t>(index->GetInt64());
        if (++seen[i] > 1) continue;
        rapidjson::Document one(rapidjson::kObjectType);
        for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
            if (std::string(m->name.GetString(), m->name.GetStringLength()) == "index") continue;
            rapidjson::Value key(m->name, one.GetAllocator());
            rapidjson::Value value(m->value, one.GetAllocator());
            one.AddMember(key, value, one.GetAllocator());
        }
        out[i] = json::to_json(one);
    }
    for (std::size_t i = 0; i < parts; ++i) {
        if (seen[i] == 0) note("item " + std::to_string(i) + " is missing");
        if (seen[i] > 1) {
            note("item " + std::to_string(i) + " is answered more than once");
            out[i].clear();
        }
    }
    return out;
}

Usage usage_share(const Usage& total, std::size_t n, std::size_t i) {
    auto share = [n, i](std::int64_t v) {
        const auto k = static_cast<std::int64_t>(n);
        return v / k + (static_cast<std::int64_t>(i) < v % k ? 1 : 0);
    };
    Usage u;
    u.input_tokens = share(total.input_tokens);
    u.output_tokens = share(total.output_tokens);
    u.cache_creation_input_tokens = share(total.cache_creation_input_tokens);
    u.cache_read_input_tokens = share(total.cache_read_input_tokens);
    return u;
}

std::vector<std::size_t> request_order(const std::vector<std::string>& ids, std::uint64_t seed) {
    std::vector<std::size_t> order(ids.size());
    std::iota(order.begin(), order.end(), 0);
    if (seed == 0 || ids.size() < 2) return order;
    std::string key = std::to_string(seed);
    for (const auto& id : ids) key += "\x1f" + id;
    std::seed_seq seq(key.begin(), key.end());
    std::mt19937_64 rng(seq);
    // Fisher-Yates with our own draws: std::shuffle's use of the generator is not specified, so
    // the order would differ between standard libraries.
    for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng() % (i + 1)]);
    return order;
}

Result answer_parts(const Prompt& combined,
                    const std::function<Result(const Prompt&, const std::string&)>& answer_one) {
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    rapidjson::Value items(rapidjson::kArrayType);
    Result out;
    out.status = Status::kOk;
    out.stop_reason = "tool_use";
    for (std::size_t i = 0; i < combined.parts.size(); ++i) {
        const PromptPart& part = combined.parts[i];
        Prompt one;
        one.task = combined.task;
        one.system = combined.system;
        one.user = part.user;
        one.vars = part.vars;
        Result r = answer_one(one, part.id);
        out.usage.output_tokens += r.usage.output_tokens;
        if (r.status != Status::kOk) continue;
        rapidjson::Document answer;
        if (!json::parse(answer, r.answer_json.c_str(), r.answer_json.size()) || !answer.IsObject())
            continue;
        rapidjson::Value item(rapidjson::kObjectType);
        item.AddMember("index", static_cast<std::int64_t>(i), a);
        for (auto m = answer.MemberBegin(); m != answer.MemberEnd(); ++m)
            item.AddMember(rapidjson::Value(m->name, a), rapidjson::Value(m->value, a), a);
        items.PushBack(item, a);
    }
    doc.AddMember("items", items, a);
    out.answer_json = json::to_json(doc);
    out.usage.input_tokens = static_cast<std::int64_t>(
        (combined.system.size() + combined.user.size() + combined.schema_json.size() + 3) / 4);
    return out;
}

}  // namespace synthmod::llm
