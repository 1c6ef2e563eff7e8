#include "common/llm/estimate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/llm/journal.h"

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
    items += prompt.parts.empty() ? 1 : static_cast<std::int64_t>(prompt.parts.size());
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
        u.cache_read_input_tokens = shared;
    }
    return u;
}

llm::Usage written_usage(const Tokens& tokens) {
    llm::Usage u;
    u.input_tokens = tokens.input;
    u.output_tokens = tokens.output_max;
    if (tokens.requests > 0) {
        std::int64_t shared = std::min(tokens.shared * tokens.requests, tokens.input);
        u.input_tokens = tokens.input - shared;
        u.cache_creation_input_tokens = shared;
    }
    return u;
}

Cache cache_of(const Tokens& tokens, const pricing::Price& price) {
    if (price.min_cache_tokens <= 0) return Cache::kUnknown;
    return tokens.shared >= price.min_cache_tokens ? Cache::kEngages : Cache::kTooShort;
}

OutputRange output_range(const Tokens& tokens, const std::vector<std::int64_t>& observed,
                         std::int64_t prior_low, const std::string& prior_why) {
    OutputRange r;
    const std::int64_t n = tokens.items;  // answers: a K-item request gives K
    const std::int64_t per_max = n > 0 ? tokens.output_max / n : 0;
    if (observed.empty()) {
        r.low = std::min(prior_low * n, tokens.output_max);
        r.high = tokens.output_max;
        r.source = "prior: " + std::to_string(prior_low) + " tokens (" + prior_why +
                   ") up to max_tokens per answer";
        return r;
    }
    auto [lo, hi] = std::minmax_element(observed.begin(), observed.end());
    std::int64_t high_each = std::min<std::int64_t>(per_max, (*hi * 3 + 1) / 2);
    r.low = std::min(*lo, high_each) * n;
    r.high = std::min(high_each * n, tokens.output_max);
    r.source = "journal: " + std::to_string(observed.size()) + " earlier answers of " +
               std::to_string(*lo) + "-" + std::to_string(*hi) +
               " tokens; each answer between the least and 1.5 x the most";
    return r;
}

CostRange cost_range(const Tokens& tokens, const pricing::Price& price, const OutputRange& output,
                     bool batch) {
    CostRange r;
    r.cache = cache_of(tokens, price);
    const bool may_cache = r.cache != Cache::kTooShort;
    r.low = pricing::cost(price, lower_usage(tokens, output.low, may_cache), batch);
    llm::Usage high = may_cache ? written_usage(tokens) : upper_usage(tokens);
    high.output_tokens = output.high;
    r.high = pricing::cost(price, high, batch);
    return r;
}

namespace {

std::string grouped(std::int64_t n) {
    std::string s = std::to_string(n);
    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3)
        s.insert(static_cast<std::size_t>(i), ",");
    return s;
}

std::string usd(double x) {
    char buf[48];
    std::snprintf(buf, sizeof buf, x < 10 ? "$%.4f" : "$%.2f", x);
    return buf;
}

}  // namespace

void print_cost(std::ostream& out, const std::string& indent, const std::string& model,
                const Tokens& tokens, const OutputRange& output,
                const std::optional<pricing::Price>& price, bool local, bool batch) {
    out << indent << "estimated tokens: input " << grouped(tokens.input) << " ("
        << grouped(tokens.shared) << " per request shared: tools and system prompt), output "
        << grouped(output.low) << " - " << grouped(output.high) << "\n";
    out << indent << "  output from " << output.source << "\n";
    if (local) {
        out << indent << "estimated cost: $0 (offline: nothing is sent)\n";
        return;
    }
    if (!price) {
        out << indent << "estimated cost: unknown (no price for model '" << model
            << "'; add it with --pricing F)\n";
        return;
    }
    CostRange range = cost_range(tokens, *price, output, batch);
    out << indent << "prompt cache: ";
    switch (range.cache) {
        case Cache::kEngages:
            out << "engages (shared prefix " << grouped(tokens.shared) << " >= " << model
                << "'s minimum " << grouped(price->min_cache_tokens)
                << " tokens): written at 1.25 x, read at 0.1 x the input price\n";
            break;
        case Cache::kTooShort:
            out << "does not engage (shared prefix " << grouped(tokens.shared) << " < " << model
                << "'s minimum " << grouped(price->min_cache_tokens)
                << " tokens): every request pays the full input price\n";
            break;
        case Cache::kUnknown:
            out << "unknown (no min_cache_tokens for " << model
                << " in the price table): the range spans cached and uncached\n";
            break;
    }
    out << indent << "estimated cost: " << usd(range.low) << " - " << usd(range.high)
        << (batch ? " (message batches, 50 % price)" : "")
        << (range.cache == Cache::kTooShort
                ? "; low: least output, high: most output"
                : "; low: least output, every prefix read from the cache; high: most output, "
                  "every prefix written")
        << "\n";
}

std::vector<std::int64_t> journal_output_tokens(
    const std::string& path, const std::string& tool, const std::string& spec_hash,
    const std::function<bool(const std::string&)>& same_shape) {
    std::vector<std::int64_t> out;
    for (const journal::Record& r : journal::read_records(path, tool, spec_hash))
        if ((r.status == "ok" || r.status == "refused") && r.attempts == 1 && r.repairs == 0 &&
            (!same_shape || same_shape(r.answer_json)))
            out.push_back(r.usage.output_tokens);
    return out;
}

std::optional<pricing::Price> find_price(const std::string& model,
                                         const std::string& pricing_path) {
    pricing::Table table =
        pricing_path.empty() ? pricing::Table::builtin() : pricing::Table::load(pricing_path);
    return table.find(model);
}

}  // namespace synthmod::estimate
