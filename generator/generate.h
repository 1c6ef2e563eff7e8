// generate: the synthmod-generate tool — spec + personas → plan → prompts → runner → samples.csv.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "common/spec.h"
#include "generator/plan.h"

namespace CLI {
class App;
}

namespace synthmod::generator {

/// The tool's flags (DESIGN section 6). Unset optionals leave the spec's value.
struct Options {
    std::string spec_path;
    std::string out = "samples.csv";
    std::string personas;               ///< overrides [personas] path
    std::vector<std::string> variants;  ///< subset of the spec's variants; empty = all
    std::optional<int> rows;
    std::string provider, model, base_url;
    std::optional<int> concurrency;
    std::optional<int> max_retries;
    std::optional<double> max_cost;
    double rpm = 0, tpm = 0;
    std::string pricing;  ///< --pricing F
    std::string cacert;
    std::string format = "csv";  ///< csv | jsonl
    bool batch = false;
    bool dry_run = false;
    bool force = false;
    bool quiet = false;
    bool verbose = false;
    bool native_json = false;  ///< anthropic: output_config json_schema instead of tool use
    bool csv_safe = false;     ///< --csv-safe: neutralise formula prefixes (csv::Writer)
};

/// Declares every flag on `app`, writing into `options`.
void setup_cli(CLI::App& app, Options& options);

/// The spec after the flags that override it (rows, provider, model, base URL, concurrency).
spec::Spec effective_spec(const Options& options);

/// The plan request of a spec and the selected variants (unknown variant: UsageError).
PlanRequest plan_request(const spec::Spec& spec, const std::vector<std::string>& selected);

/// Runs the tool; returns the exit code (DESIGN section 6). Throws synthmod::Error for bad
/// usage or input before anything is sent.
int run(const Options& options);

}  // namespace synthmod::generator
