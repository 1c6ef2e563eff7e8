// plan: which posts to ask for — deterministic from the spec, the personas and the seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace synthmod::generator {

/// One post to generate. Items of the same `group` share persona, target label and context and
/// differ only in the prompt variant, so variants can be compared pairwise.
struct PlanItem {
    std::string id;  ///< stable 16-hex id: hash of variant, target, persona, context, group, seed
    std::size_t group = 0;
    std::string variant;
    std::string target_label;
    std::string persona;
    std::string context;
};

/// What a plan is made from (the spec after flag overrides).
struct PlanRequest {
    std::size_t rows = 0;  ///< all variants together
    long long seed = 42;
    std::vector<std::string> labels;    ///< label names, spec order
    std::vector<double> weights;        ///< one per label
    std::vector<std::string> variants;  ///< variant names, at least one
    std::vector<std::string> contexts;  ///< at least one
};

struct Plan {
    std::vector<PlanItem> items;  ///< plan order: group by group, variants in request order
    std::size_t groups = 0;
    std::size_t personas_used = 0;  ///< distinct personas the plan uses
    std::size_t personas_available = 0;
};

/// Splits `total` into integer counts proportional to `weights` by the largest-remainder
/// method (ties go to the earlier label). The counts sum to `total`.
std::vector<std::size_t> apportion(const std::vector<double>& weights, std::size_t total);

/// An index in [0, n) by rejection sampling: the same on every standard library
/// (std::uniform_int_distribution is not).
std::uint64_t uniform_index(std::mt19937_64& rng, std::uint64_t n);

/// Builds the plan. With V variants there are ceil(rows / V) groups; when rows is not a
/// multiple of V the last group is generated under the first rows % V variants only. Target
/// labels are apportioned over the groups and shuffled; personas are drawn from a seeded
/// shuffle without reuse until all are used (then reshuffled); contexts rotate per label.
Plan make_plan(const PlanRequest& request, const std::vector<std::string>& personas);

}  // namespace synthmod::generator
