#include "common/llm/json_util.h"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <utility>
#include <vector>

#include "common/errors.h"

namespace synthmod::llm::json {

bool parse(rapidjson::Document& d, const char* text, std::size_t size, std::string* why) {
    d.Parse<rapidjson::kParseIterativeFlag>(text, size);
    if (d.HasParseError()) {
        if (why)
            *why = std::string(rapidjson::GetParseError_En(d.GetParseError())) + " at offset " +
                   std::to_string(d.GetErrorOffset());
        return false;
    }
    std::vector<std::pair<const rapidjson::Value*, std::size_t>> stack = {{&d, 1}};
    while (!stack.empty()) {
        const auto [value, depth] = stack.back();
        stack.pop_back();
        if (depth > kMaxDepth) {
            if (why) *why = "nesting deeper than " + std::to_string(kMaxDepth);
            return false;
        }
        if (value->IsArray()) {
            for (const auto& item : value->GetArray()) stack.push_back({&item, depth + 1});
        } else if (value->IsObject()) {
            for (const auto& m : value->GetObject()) stack.push_back({&m.value, depth + 1});
        }
    }
    return true;
}

std::string to_json(const rapidjson::Value& v) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    v.Accept(w);
    return std::string(sb.GetString(), sb.GetSize());
}

const rapidjson::Value* member(const rapidjson::Value& obj, const char* key) {
    if (!obj.IsObject()) return nullptr;
    auto it = obj.FindMember(key);
    return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::string string_at(const rapidjson::Value& obj, const char* key) {
    const auto* v = member(obj, key);
    return v && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : std::string();
}

std::int64_t int_at(const rapidjson::Value& obj, const char* key) {
    const auto* v = member(obj, key);  // cache fields are nullable
    return v && v->IsInt64() ? v->GetInt64() : 0;
}

std::string excerpt(const std::string& body) {
    std::string out = printable(body.substr(0, 200));
    for (auto& c : out)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (body.size() > 200) out += "...";
    return out;
}

}  // namespace synthmod::llm::json
