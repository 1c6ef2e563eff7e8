// jsonl: JSON-lines reading and writing on top of RapidJSON.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

namespace synthmod::jsonl {

/// Calls `on_line(doc, line_no)` for every non-blank line of `path`. A line that is not valid
/// JSON throws InputError("path:line: ..."), unless `tolerate_torn_tail` and it is the last
/// line without a trailing newline (a torn write), which is then skipped and reported by the
/// return value (true = a torn tail was dropped).
bool for_each(const std::string& path,
              const std::function<void(const rapidjson::Document&, std::size_t)>& on_line,
              bool tolerate_torn_tail = false);

/// Serialises a JSON value to one line (no trailing newline).
std::string to_line(const rapidjson::Value& value);

/// A JSON object of string fields in the given order, as one line (for `--format jsonl`).
std::string object_line(const std::vector<std::string>& keys,
                        const std::vector<std::string_view>& values);

/// Parses `text`; on error throws InputError("name: offset N: message").
rapidjson::Document parse(std::string_view text, const std::string& name);

}  // namespace synthmod::jsonl
