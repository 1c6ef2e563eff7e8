// cost_meter: what the runner's answers cost, and what a request is expected to cost before it
// is sent (the --max-cost budget), at the price table's price for the model.
#pragma once

#include <optional>
#include <string>

#include "common/llm/pricing.h"
#include "common/llm/provider.h"
#include "common/llm/runner.h"

namespace synthmod::runner {

/// Prices responses at the model's price; a model without a price is reported unknown (one
/// warning), never counted as free. Local providers cost nothing.
class CostMeter {
   public:
    CostMeter(const llm::Provider& provider, const Options& options);
    /// USD of one response's usage.
    double cost(const llm::Usage& usage, bool batch);
    /// Upper estimate of one request (common/llm/estimate.h): max_tokens of answer, its input
    /// tokens uncached, or its shared prefix written to the cache when that can engage.
    double estimate(const llm::Prompt& prompt, bool batch) const;
    /// Estimated tokens of one request (input + max output), for --tpm.
    static double estimate_tokens(const llm::Prompt& prompt);
    bool known() const { return !remote_ || price_.has_value(); }

   private:
    std::string tool_;
    bool remote_ = false;
    std::string model_;
    std::optional<pricing::Price> price_;
    bool warned_ = false;
};

}  // namespace synthmod::runner
