#include "generator/plan.h"

#include <algorithm>
#include <numeric>
#include <set>
#include <stdexcept>
#include <unordered_set>

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
                    long long seed, const std::string& tag) {
    const char sep = '\x1f';
    // The key built in one allocation (a chain of + made a temporary per part).
    const std::string group_text = std::to_string(group), seed_text = std::to_string(seed);
    std::string key;
    key.reserve(variant.size() + label.size() + persona.size() + context.size() +
                group_text.size() + seed_text.size() + tag.size() + 6);
    for (const std::string* part : {&variant, &label, &persona, &context, &group_text})
        (key += *part) += sep;
    key += seed_text;
    if (!tag.empty()) (key += sep) += tag;
    return journal::hash_hex(key).substr(0, 16);
}

/// One group: what its items share.
struct Group {
    std::size_t label = 0;
    std::size_t persona = 0;
    std::size_t context = 0;
};

/// Draws groups one at a time; everything it decides depends only on the groups before, which
/// makes plans prefix-stable.
class GroupDrawer {
   public:
    GroupDrawer(const PlanRequest& r, std::size_t personas)
        : weights_(r.weights),
          label_rng_(static_cast<std::uint64_t>(r.seed)),
          persona_rng_(static_cast<std::uint64_t>(r.seed) ^ 0x9e3779b97f4a7c15ULL),
          personas_(personas),
          contexts_(r.contexts.size()),
          deck_(personas),
          label_count_(r.labels.size(), 0),
          context_cursor_(r.labels.size(), 0),
          fallback_cursor_(r.labels.size(), 0),
          used_per_label_(r.labels.size(), 0),
          used_pairs_(r.labels.size() * personas, 0) {
        std::iota(deck_.begin(), deck_.end(), 0);
        shuffle(deck_, persona_rng_);
        for (double w : weights_) weight_sum_ += w > 0 ? w : 0;
        if (weight_sum_ <= 0) throw UsageError("label weights must not all be zero");
    }

    /// The next group's label: the one furthest behind its share of `weights` after `drawn`
    /// groups, among those `allowed` (ties: a seeded draw).
    std::size_t next_label(const std::vector<double>& weights, double sum, std::size_t drawn,
                           const std::vector<std::size_t>& counts,
                           const std::vector<bool>& allowed) {
        std::vector<std::size_t> best;
        double best_deficit = 0;
        for (std::size_t l = 0; l < weights.size(); ++l) {
            if (!allowed[l] || weights[l] <= 0) continue;
            double deficit =
                weights[l] / sum * static_cast<double>(drawn + 1) - static_cast<double>(counts[l]);
            if (best.empty() || deficit > best_deficit + 1e-9) {
                best = {l};
                best_deficit = deficit;
            } else if (deficit > best_deficit - 1e-9) {
                best.push_back(l);
            }
        }
        return best[uniform_index(label_rng_, best.size())];
    }

    /// Draws the next group of the plan (its label by the weights).
    Group next() {
        std::vector<bool> all(weights_.size(), true);
        std::size_t l = next_label(weights_, weight_sum_, drawn_, label_count_, all);
        ++label_count_[l];
        ++drawn_;
        return with_label(l);
    }

    /// Draws a group for label `l` (a top-up's): persona and context as next() would.
    Group with_label(std::size_t l) {
        Group g;
        g.label = l;
        g.persona = next_persona(l);
        std::size_t start = context_cursor_[l]++;
        g.context = start % contexts_;
        for (std::size_t k = 0; k < contexts_; ++k) {
            std::size_t c = (start + k) % contexts_;
            if (!used_.count(key(l, g.persona, c))) {
                g.context = c;
                break;
            }
        }
        if (used_.insert(key(l, g.persona, g.context)).second) {
            ++used_pairs_[l * personas_ + g.persona];
            ++used_per_label_[l];
        }
        return g;
    }

   private:
    std::uint64_t key(std::size_t l, std::size_t p, std::size_t c) const {
        return (static_cast<std::uint64_t>(l) * personas_ + p) * contexts_ + c;
    }
    bool has_free(std::size_t l, std::size_t p) const {
        return used_pairs_[l * personas_ + p] < contexts_;
    }

    std::size_t next_persona(std::size_t l) {
        if (next_ == deck_.size()) {
            shuffle(deck_, persona_rng_);
            next_ = 0;
        }
        if (used_per_label_[l] < personas_ * contexts_) {
            // The next persona of the deck that still has an unused context with this label
            // takes this turn (usually the first one).
            for (std::size_t j = next_; j < deck_.size() && j < next_ + kLookahead; ++j) {
                if (!has_free(l, deck_[j])) continue;
                std::swap(deck_[next_], deck_[j]);
                return deck_[next_++];
            }
            // None close by: the first persona (in file order) with one; personas only ever
            // run out of unused contexts, so the cursor never goes back.
            while (!has_free(l, fallback_cursor_[l])) ++fallback_cursor_[l];
            return fallback_cursor_[l];
        }
        return deck_[next_++];  // every combination of this label is used: repeats from here
    }

    static constexpr std::size_t kLookahead = 256;
    std::vector<double> weights_;
    double weight_sum_ = 0;
    std::mt19937_64 label_rng_, persona_rng_;
    std::size_t personas_, contexts_;
    std::vector<std::size_t> deck_;
    std::size_t next_ = 0, drawn_ = 0;
    std::vector<std::size_t> label_count_, context_cursor_, fallback_cursor_, used_per_label_;
    std::vector<std::uint32_t> used_pairs_;  ///< per (label, persona): contexts used
    std::unordered_set<std::uint64_t> used_;
};

}  // namespace

Plan make_plan(const PlanRequest& request, const std::vector<std::string>& personas) {
    if (request.labels.empty()) throw UsageError("the spec has no labels");
    if (request.weights.size() != request.labels.size())
        throw UsageError("label weights do not match the labels");
    if (request.variants.empty()) throw UsageError("no prompt variant selected");
    if (request.contexts.empty()) throw UsageError("no contexts");
    if (personas.empty()) throw UsageError("no personas");
    if (!request.top_up_groups.empty() && request.top_up_groups.size() != request.labels.size())
        throw UsageError("top-up counts do not match the labels");

    Plan plan;
    const std::size_t nv = request.variants.size();
    const std::size_t base_groups = (request.rows + nv - 1) / nv;
    plan.personas_available = personas.size();
    GroupDrawer drawer(request, personas.size());
    std::set<std::size_t> used;

    auto add_group = [&](std::size_t index, const Group& g, std::size_t variants_here) {
        used.insert(g.persona);
        const std::string& label = request.labels[g.label];
        for (std::size_t v = 0; v < variants_here; ++v) {
            PlanItem item;
            item.group = index;
            item.variant = request.variants[v];
            item.target_label = label;
            item.persona = personas[g.persona];
            item.context = request.contexts[g.context];
            item.id = item_id(item.variant, label, item.persona, item.context, index, request.seed,
                              request.id_tag);
            plan.items.push_back(std::move(item));
        }
        ++plan.groups;
    };

    if (request.top_up_groups.empty()) {
        plan.items.reserve(request.rows);
        for (std::size_t g = 0; g < base_groups; ++g)
            add_group(g, drawer.next(), std::min(nv, request.rows - g * nv));
    } else {
        // The run topped up is drawn again (and left out) so that its combinations are used.
        for (std::size_t g = 0; g < base_groups; ++g) drawer.next();
        std::vector<double> weights(request.top_up_groups.begin(), request.top_up_groups.end());
        std::size_t total = 0;
        for (std::size_t n : request.top_up_groups) total += n;
        std::vector<std::size_t> counts(weights.size(), 0);
        for (std::size_t k = 0; k < total; ++k) {
            std::vector<bool> allowed(weights.size());
            for (std::size_t l = 0; l < weights.size(); ++l)
                allowed[l] = counts[l] < request.top_up_groups[l];
            std::size_t l =
                drawer.next_label(weights, static_cast<double>(total), k, counts, allowed);
            ++counts[l];
            add_group(base_groups + k, drawer.with_label(l), nv);
        }
    }
    plan.personas_used = used.size();
    return plan;
}

}  // namespace synthmod::generator
