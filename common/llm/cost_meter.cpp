#include "common/llm/cost_meter.h"

#include <cmath>
#include <iostream>

namespace synthmod::runner {

CostMeter::CostMeter(const llm::Provider& provider, const Options& options)
    : remote_(provider.remote()), model_(provider.model()) {
    if (!remote_) return;  // local answers cost nothing
    pricing::Table table = options.pricing_path.empty()
                               ? pricing::Table::builtin()
                               : pricing::Table::load(options.pricing_path);
    price_ = table.find(model_);
}

double CostMeter::cost(const llm::Usage& usage, bool batch) {
    if (!remote_) return 0;
    if (!price_) {
        if (!warned_) {
            std::cerr << "synthmod: warning: no price known for model '" << model_
                      << "'; cost is reported as unknown (add it with --pricing F)\n";
            warned_ = true;
        }
        return 0;
    }
    return pricing::cost(*price_, usage, batch);
}

double CostMeter::estimate_tokens(const llm::Prompt& prompt) {
    double in =
        static_cast<double>(prompt.system.size() + prompt.user.size() + prompt.schema_json.size()) /
        4.0;
    return in + prompt.max_tokens;
}

double CostMeter::estimate(const llm::Prompt& prompt, bool batch) const {
    if (!remote_ || !price_) return 0;
    llm::Usage u;
    u.input_tokens = static_cast<std::int64_t>(std::ceil(
        static_cast<double>(prompt.system.size() + prompt.user.size() + prompt.schema_json.size()) /
        4.0));
    u.output_tokens = prompt.max_tokens;
    return pricing::cost(*price_, u, batch);
}

}  // namespace synthmod::runner
