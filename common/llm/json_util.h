// json_util: the small JSON helpers both HTTP providers parse answers with (anthropic, openai).
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace synthmod::llm::json {

/// Deeper JSON is refused: to_json walks a value recursively, and a body nested a million levels
/// deep (a broken or hostile server) must be an error, not a stack overflow.
constexpr std::size_t kMaxDepth = 512;

/// Parses `text` without recursion (kParseIterativeFlag; the default parser recurses once per
/// level) and refuses nesting deeper than kMaxDepth. False on either, with the reason in `why`.
bool parse(rapidjson::Document& d, const char* text, std::size_t size, std::string* why = nullptr);

/// Compact JSON text of `v`.
std::string to_json(const rapidjson::Value& v);

/// The member `key` of an object, or nullptr (also when `obj` is not an object).
const rapidjson::Value* member(const rapidjson::Value& obj, const char* key);

/// The string member `key`, or "" when it is absent or not a string.
std::string string_at(const rapidjson::Value& obj, const char* key);

/// The integer member `key`, or 0 when it is absent, null or not an integer.
std::int64_t int_at(const rapidjson::Value& obj, const char* key);

/// A short, printable, one-line excerpt of a body that is not the JSON we expected.
std::string excerpt(const std::string& body);

}  // namespace synthmod::llm::json
