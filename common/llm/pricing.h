// pricing: the price table (USD per million tokens) and the cost of a response.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/llm/provider.h"

namespace synthmod::pricing {

/// USD per million tokens.
struct Price {
    double input = 0;
    double output = 0;
    double cache_write = 0;  ///< 5-minute cache write
    double cache_read = 0;
    /// Shortest prefix (tokens) the prompt cache takes; a shorter one is sent uncached.
    /// 0: not known (a dry run then prices both cases).
    std::int64_t min_cache_tokens = 0;
};

class Table {
   public:
    /// The table shipped with synthmod (data/pricing.toml, compiled in).
    static Table builtin();
    /// A user's table (`--pricing F`), same format as data/pricing.toml. Bad file: InputError.
    static Table load(const std::string& path);

    /// Price of `model`: exact id, else the longest known id that `model` starts with
    /// (dated ids such as claude-haiku-4-5-20251001). nullopt: unknown (cost reported unknown).
    std::optional<Price> find(const std::string& model) const;

   private:
    std::vector<std::pair<std::string, Price>> entries_;
};

/// A per-row cost cell (gen_cost_usd, judge_cost_usd): USD with up to 9 significant digits,
/// "0" for nothing paid, "" when unknown (no price for the model).
std::string cost_cell(double usd, bool known);

/// Cost in USD of `usage` at `price`; batch requests cost 50 %.
double cost(const Price& price, const llm::Usage& usage, bool batch);

}  // namespace synthmod::pricing
