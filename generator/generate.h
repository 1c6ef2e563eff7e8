// generate: the synthmod-generate tool — spec + personas → plan → prompts → runner → samples.csv.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "common/llm/runner_cli.h"
#include "common/spec.h"
#include "generator/plan.h"

namespace synthmod::generator {

/// The tool's flags (DESIGN section 6). Unset optionals leave the spec's value.
struct Options {
    std::string spec_path;
    std::string out = "samples.csv";
    std::string personas;               ///< overrides [personas] path
    std::vector<std::string> variants;  ///< subset of the spec's variants; empty = all
    std::optional<int> rows;
    runner::CommonFlags run;  ///< the runner flags the judge shares (provider, budget, --shard ...)
};

/// The spec after the flags that override it (rows, provider, model, base URL, concurrency).
spec::Spec effective_spec(const Options& options);

/// The plan request of a spec and the selected variants (unknown variant: UsageError).
PlanRequest plan_request(const spec::Spec& spec, const std::vector<std::string>& selected);

/// Runs the tool; returns the exit code (DESIGN section 6). Throws synthmod::Error for bad
/// usage or input before anything is sent.
int run(const Options& options);

}  // namespace synthmod::generator
