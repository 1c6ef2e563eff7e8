#include "common/llm/estimate.h"

#include <algorithm>

namespace synthmod::estimate {

std::int64_t tokens_of(std::size_t bytes) { return static_cast<std::int64_t>((bytes + 3) / 4); }

std::int64_t input_tokens(const llm::Prompt& prompt) {
    return tokens_of(prompt.system.size() + prompt.user.size() + prompt.schema_json.size());
}

std::int64_t shared_tokens(const llm::Prompt& prompt) {
    return tokens_of(prompt.system.size() + prompt.schema_json.size());
}

void Tokens::add(const llm::Prompt& prompt) {
    if (requests == 0) shared = shared_tokens(prompt);
    ++requests;
    input += input_tokens(prompt);
    output_max += prompt.max_tokens;
}

llm::Usage upper_usage(const Tokens& tokens) {
    llm::Usage u;
    u.input_tokens = tokens.input;
    u.output_tokens = tokens.output_max;
    return u;
}

llm::Usage lower_usage(const Tokens& tokens, std::int64_t output_tokens, bool cached) {
    llm::Usage u;
    u.input_tokens = tokens.input;
    u.output_tokens = output_tokens;
    if (cached && tokens.requests > 0) {
        std::int64_t shared = std::min(tokens.shared * tokens.requests, tokens.input);
        u.input_tokens = tokens.input - shared;
        u.cache_creation_input_tokens = tokens.shared;
        u.cache_read_input_tokens = shared - tokens.shared;
    }
    return u;
}

std::optional<pricing::Price> find_price(const std::string& model,
                                         const std::string& pricing_path) {
    pricing::Table table =
        pricing_path.empty() ? pricing::Table::builtin() : pricing::Table::load(pricing_path);
    return table.find(model);
}

}  // namespace synthmod::estimate
