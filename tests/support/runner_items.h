// runner_items: the plan items and journal header the runner's HTTP tests start from.
#pragma once

#include <string>
#include <vector>

#include "common/llm/journal.h"
#include "common/llm/runner.h"

namespace synthmod::test {

/// The items' answer schema: a post and one of two labels.
inline const char* const kPostSchema =
    R"({"type":"object","properties":{"content":{"type":"string"},)"
    R"("label":{"type":"string","enum":["Safe","Spam & Scams"]}},"required":["content","label"]})";

/// `n` items, ids <tag>1000, <tag>1001, ..., each asking for one short post (its own user
/// text), `rows_per_request` of them to a request within `group`.
inline std::vector<runner::Item> post_items(int n, const std::string& tag, int rows_per_request = 1,
                                            const std::string& group = "") {
    std::vector<runner::Item> items;
    for (int i = 0; i < n; ++i) {
        runner::Item item;
        item.id = tag + std::to_string(1000 + i);
        item.prompt.task = "generate";
        item.prompt.system = "You write short social media posts for a moderation dataset.";
        item.prompt.user = "Write post number " + std::to_string(i) + " for run " + tag + ".";
        item.prompt.tool_name = "post";
        item.prompt.schema_json = kPostSchema;
        item.prompt.max_tokens = 200;
        item.rows_per_request = rows_per_request;
        item.group = group;
        items.push_back(item);
    }
    return items;
}

/// The journal header of a generate run with fixed spec and plan hashes.
inline journal::Header runner_header() {
    return {"synthmod-generate", "spec-h", "plan-h", 0, {}, {}};
}

}  // namespace synthmod::test
