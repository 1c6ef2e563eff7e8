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
    /// A top-up (--top-up): groups to plan per label (spec order), drawn after the `rows` of the
    /// run it tops up, which are drawn first and left out, so that no (persona, label, context)
    /// of that run comes back. Empty = a normal plan.
    std::vector<std::size_t> top_up_groups;
    /// Mixed into every id (a top-up's round), so its ids never collide with an earlier run's.
    std::string id_tag;
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
/// multiple of V the last group is generated under the first rows % V variants only.
///
/// Groups are drawn one after the other from seeded generators, so the plan of N + k rows
/// begins with the plan of N rows (a larger --rows extends a finished run). Each group's target
/// label is the one furthest behind its weight's share (ties drawn at random), so every prefix
/// is within one row of the weights per label; personas come from a seeded shuffle without reuse
/// until all are used (then reshuffled); contexts rotate per label. No (persona, target label,
/// context) repeats while that label has an unused combination: a persona that has had every
/// context with the label gives its turn to the next one that has not.
Plan make_plan(const PlanRequest& request, const std::vector<std::string>& personas);

}  // namespace synthmod::generator
