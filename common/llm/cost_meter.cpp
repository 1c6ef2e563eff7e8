#include "common/llm/cost_meter.h"

#include <iostream>

#include "common/llm/estimate.h"

namespace synthmod::runner {

CostMeter::CostMeter(const llm::Provider& provider, const Options& options)
    : tool_(options.tool), remote_(provider.remote()), model_(provider.model()) {
    if (!remote_) return;  // local answers cost nothing
    price_ = estimate::find_price(model_, options.pricing_path);
}

double CostMeter::cost(const llm::Usage& usage, bool batch) {
    if (!remote_) return 0;
    if (!price_) {
        if (!warned_) {
            std::cerr << tool_ << ": warning: no price known for model '" << model_
                      << "'; cost is reported as unknown (add it with --pricing F)\n";
            warned_ = true;
        }
        return 0;
    }
    return pricing::cost(*price_, usage, batch);
}

double CostMeter::estimate_tokens(const llm::Prompt& prompt) {
    return static_cast<double>(estimate::input_tokens(prompt) + prompt.max_tokens);
}

double CostMeter::estimate(const llm::Prompt& prompt, bool batch) const {
    if (!remote_ || !price_) return 0;
    estimate::Tokens tokens;
    tokens.add(prompt);
    // A cacheable prefix may be written by this request: 1.25 x the input price on that part.
    bool may_cache = estimate::cache_of(tokens, *price_) != estimate::Cache::kTooShort;
    return pricing::cost(
        *price_, may_cache ? estimate::written_usage(tokens) : estimate::upper_usage(tokens),
        batch);
}

}  // namespace synthmod::runner
