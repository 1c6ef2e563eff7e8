// estimate: tokens and cost before anything is sent — the one rule behind the runner's budget
// meter (--max-cost), its --tpm bucket and both tools' --dry-run: text bytes / 4, rounded up
// (the usual rule of thumb for English), max_tokens as the most a request can answer, the
// output tokens seen in the journal of earlier runs (else a stated prior) as the least, and the
// model's minimum cacheable prefix deciding whether the prompt cache engages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

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
    std::int64_t items = 0;       ///< answers asked for: K per request of K items (issue 15)
    std::int64_t input = 0;       ///< input_tokens summed
    std::int64_t shared = 0;      ///< shared_tokens of one request (the first added)
    std::int64_t output_max = 0;  ///< max_tokens summed: the most the answers can be

    void add(const llm::Prompt& prompt);
};

/// The most the requests can use: every input token uncached, every answer at max_tokens.
llm::Usage upper_usage(const Tokens& tokens);

/// The low end: answers of `output_tokens` in all; with `cached`, every request reads the shared
/// part from the cache. An earlier run of the same prefix within the cache's lifetime (five
/// minutes from its last read) wrote it, so this run may write nothing.
llm::Usage lower_usage(const Tokens& tokens, std::int64_t output_tokens, bool cached);

/// Usage when every request writes its shared part to the cache (concurrent first requests and
/// expired entries miss it): the most a request whose prefix is cacheable can cost.
llm::Usage written_usage(const Tokens& tokens);

/// Whether the shared prefix reaches the model's minimum cacheable length.
enum class Cache {
    kEngages,   ///< prefix >= min_cache_tokens: the first request writes, the others read
    kTooShort,  ///< below the minimum: sent uncached (the API says nothing)
    kUnknown,   ///< the price table gives no minimum: both cases are possible
};
Cache cache_of(const Tokens& tokens, const pricing::Price& price);

/// Output tokens of all the requests, least and most, and where the figures come from.
struct OutputRange {
    std::int64_t low = 0;
    std::int64_t high = 0;
    std::string source;  ///< e.g. "journal: 40 earlier answers, 31-118 tokens each"
};

/// From `observed` (output tokens of earlier answers to the same spec, from the journal) when
/// there are any: each answer (item) is between the least and 1.5 x the most seen (never above
/// max_tokens); else the prior: `prior_low` tokens per answer up to max_tokens. `prior_why`
/// says what the prior stands for ("a short post").
OutputRange output_range(const Tokens& tokens, const std::vector<std::int64_t>& observed,
                         std::int64_t prior_low, const std::string& prior_why);

/// A cost range in USD, and how the cache was counted.
struct CostRange {
    double low = 0;
    double high = 0;
    Cache cache = Cache::kUnknown;
};
/// Low: answers of output.low tokens, every prefix read from the cache (when it may engage).
/// High: answers of output.high tokens, every prefix written (when it may engage) or every input
/// token at the full price.
CostRange cost_range(const Tokens& tokens, const pricing::Price& price, const OutputRange& output,
                     bool batch);

/// The dry run's lines on tokens, the prompt cache and cost, each starting with `indent`
/// (one text for both tools). `price` nullopt: cost unknown; `local`: nothing is paid.
void print_cost(std::ostream& out, const std::string& indent, const std::string& model,
                const Tokens& tokens, const OutputRange& output,
                const std::optional<pricing::Price>& price, bool local, bool batch);

/// Output tokens of each finished answer (status ok or refused) in the journal at `path`
/// written by `tool` for the spec whose hash is `spec_hash` (any plan); empty when there is
/// none or it belongs to another spec. With `same_shape`, only answers it accepts (given the
/// answer's JSON) count: an earlier plan of the same spec may have asked for a longer answer.
/// Never throws for a missing or unreadable file.
std::vector<std::int64_t> journal_output_tokens(
    const std::string& path, const std::string& tool, const std::string& spec_hash,
    const std::function<bool(const std::string&)>& same_shape = {});

/// The price of `model` in the built-in table, or in `pricing_path` when given (a bad file
/// throws InputError); nullopt when the model has none.
std::optional<pricing::Price> find_price(const std::string& model, const std::string& pricing_path);

}  // namespace synthmod::estimate
