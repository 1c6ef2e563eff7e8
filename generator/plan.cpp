#include "generator/plan.h"

#include <algorithm>
#include <numeric>
#include <set>
#include <stdexcept>

#include "common/errors.h"
#include "common/llm/journal.h"

namespace synthmod::generator {

std::vector<std::size_t> apportion(const std::vector<double>& weights, std::size_t total) {
    std::vector<std::size_t> counts(weights.size(), 0);
    if (weights.empty()) return counts;
    long double sum = 0;
    for (double w : weights) sum += w > 0 ? w : 0;
    if (sum <= 0) throw UsageError("label weights must not all be zero");
    std::vector<long double> remainder(weights.size());
    std::size_t given = 0;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        long double quota =
            (weights[i] > 0 ? weights[i] : 0) * static_cast<long double>(total) / sum;
        counts[i] = static_cast<std::size_t>(quota);
        remainder[i] = quota - static_cast<long double>(counts[i]);
        given += counts[i];
    }
    std::vector<std::size_t> order(weights.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
    for (std::size_t k = 0; given < total; ++k, ++given) ++counts[order[k % order.size()]];
    return counts;
}

std::uint64_t uniform_index(std::mt19937_64& rng, std::uint64_t n) {
    if (n <= 1) return 0;
    const std::uint64_t limit = std::mt19937_64::max() - std::mt19937_64::max() % n;
    std::uint64_t x;
    do {
        x = rng();
    } while (x >= limit);
    return x % n;
}

namespace {

template <typename T>
void shuffle(std::vector<T>& v, std::mt19937_64& rng) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[uniform_index(rng, i)]);
}

std::string item_id(const std::string& variant, const std::string& label,
                    const std::string& persona, const std::string& context, std::size_t group,
                    long long seed) {
    const char sep = '\x1f';
    std::string key = variant + sep + label + sep + persona + sep + context + sep +
                      std::to_string(group) + sep + std::to_string(seed);
    return journal::hash_hex(key).substr(0, 16);
}

}  // namespace

Plan make_plan(const PlanRequest& request, const std::vector<std::string>& personas) {
    if (request.labels.empty()) throw UsageError("the spec has no labels");
    if (request.weights.size() != request.labels.size())
        throw UsageError("label weights do not match the labels");
    if (request.variants.empty()) throw UsageError("no prompt variant selected");
    if (request.contexts.empty()) throw UsageError("no contexts");
    if (personas.empty()) throw UsageError("no personas");

    Plan plan;
    const std::size_t nv = request.variants.size();
    plan.groups = (request.rows + nv - 1) / nv;
    plan.personas_available = personas.size();

    std::mt19937_64 rng(static_cast<std::uint64_t>(request.seed));
    std::vector<std::size_t> counts = apportion(request.weights, plan.groups);
    std::vector<std::size_t> group_label;
    for (std::size_t l = 0; l < counts.size(); ++l)
        group_label.insert(group_label.end(), counts[l], l);
    shuffle(group_label, rng);

    std::vector<std::size_t> persona_order(personas.size());
    std::iota(persona_order.begin(), persona_order.end(), 0);
    shuffle(persona_order, rng);
    std::size_t next_persona = 0;
    std::vector<std::size_t> seen_per_label(request.labels.size(), 0);
    std::set<std::size_t> used;

    plan.items.reserve(request.rows);
    for (std::size_t g = 0; g < plan.groups; ++g) {
        if (next_persona == persona_order.size()) {
            shuffle(persona_order, rng);
            next_persona = 0;
        }
        std::size_t p = persona_order[next_persona++];
        used.insert(p);
        std::size_t l = group_label[g];
        const std::string& label = request.labels[l];
        const std::string& context =
            request.contexts[seen_per_label[l]++ % request.contexts.size()];
        std::size_t variants_here = std::min(nv, request.rows - g * nv);
        for (std::size_t v = 0; v < variants_here; ++v) {
            PlanItem item;
            item.group = g;
            item.variant = request.variants[v];
            item.target_label = label;
            item.persona = personas[p];
            item.context = context;
            item.id = item_id(item.variant, label, item.persona, context, g, request.seed);
            plan.items.push_back(std::move(item));
        }
    }
    plan.personas_used = used.size();
    return plan;
}

}  // namespace synthmod::generator
