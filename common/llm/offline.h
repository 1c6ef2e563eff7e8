// llm/offline: the built-in offline provider (no network; deterministic from the item id).
#pragma once

#include <memory>
#include <string>

#include "common/llm/provider.h"

namespace synthmod::llm {

/// Builds the offline provider; `model` is the name written into outputs ("offline").
std::unique_ptr<Provider> make_offline_provider(const std::string& model);

}  // namespace synthmod::llm
