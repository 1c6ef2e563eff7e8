// estimate: tokens and cost before anything is sent — the one rule behind the runner's budget
// meter (--max-cost), its --tpm bucket and both tools' --dry-run: text bytes / 4, rounded up
// (the usual rule of thumb for English), and max_tokens as the most a request can answer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/llm/pricing.h"
#include "common/llm/provider.h"

namespace synthmod::estimate {

/// Tokens of `bytes` bytes of text: bytes / 4, rounded up.
std::int64_t tokens_of(std::size_t bytes);

/// Input tokens of one request: system prompt, user message and answer schema together.
std::int64_t input_tokens(const llm::Prompt& prompt);

/// Of those, the part every request of a run repeats (system prompt and schema): what the
/// prompt cache can serve.
std::int64_t shared_tokens(const llm::Prompt& prompt);

/// The estimate of a set of requests (one request, or a whole plan).
struct Tokens {
    std::int64_t requests = 0;
    std::int64_t input = 0;       ///< input_tokens summed
    std::int64_t shared = 0;      ///< shared_tokens of one request (the first added)
    std::int64_t output_max = 0;  ///< max_tokens summed: the most the answers can be

    void add(const llm::Prompt& prompt);
};

/// The most the requests can use: every input token uncached, every answer at max_tokens.
llm::Usage upper_usage(const Tokens& tokens);

/// The low end: answers of `output_tokens` in all; with `cached`, the shared part is written to
/// the cache by the first request and read from it by every other.
llm::Usage lower_usage(const Tokens& tokens, std::int64_t output_tokens, bool cached);

/// The price of `model` in the built-in table, or in `pricing_path` when given (a bad file
/// throws InputError); nullopt when the model has none.
std::optional<pricing::Price> find_price(const std::string& model, const std::string& pricing_path);

}  // namespace synthmod::estimate
