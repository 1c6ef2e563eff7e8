// json_file: a JSON file the tools wrote (metrics.json, review.json, ...), parsed for a test.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <stdexcept>
#include <string>

#include "tests/support/process.h"

namespace synthmod::test {

/// The document in `path`. A file that is not JSON throws, which fails the test with the file's
/// name, rapidjson's reason and the byte offset.
inline rapidjson::Document json_file(const std::string& path) {
    const std::string text = slurp(path);
    rapidjson::Document d;
    d.Parse(text.c_str(), text.size());
    if (d.HasParseError())
        throw std::runtime_error(path + ": not JSON at byte " + std::to_string(d.GetErrorOffset()) +
                                 ": " + rapidjson::GetParseError_En(d.GetParseError()));
    return d;
}

}  // namespace synthmod::test
