// llm/offline_judge: the offline provider's judge path (a keyword classifier; no network).
#pragma once

#include <string>

#include "common/llm/provider.h"

namespace synthmod::llm {

/// Grades the post in `prompt.vars` deterministically from `item_id`; called by the offline
/// provider for prompts whose task is "judge". Owned by the judge module.
Result offline_judge(const Prompt& prompt, const std::string& item_id);

}  // namespace synthmod::llm
