// generate_fixture: what the tests that run synthmod-generate against the fake API share — a
// copy of the example spec and personas, the command line, and a user's environment with a key.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tests/support/process.h"

namespace synthmod::test {

/// A fresh folder holding copies of examples/moderation.toml and examples/personas.jsonl.
std::string example_dir(const std::string& tag);

/// synthmod-generate --spec DIR/moderation.toml --provider anthropic --base-url URL --rows N
/// --out OUT, then `extra` (the provider's value is argv[4], for a test that swaps it).
std::vector<std::string> generate_args(const std::string& dir, const std::string& out, int rows,
                                       const std::string& base_url,
                                       const std::vector<std::string>& extra = {});

/// A user's environment: ANTHROPIC_API_KEY = `key`, no ANTHROPIC_BASE_URL (the flag decides).
RunOptions with_anthropic_key(const std::string& key);

/// The two figures of a dry run's "estimated cost: $A - $B" line (a test failure without one).
std::pair<double, double> dry_range(const std::string& out);

/// The sum of a numeric column of a CSV (a cost column such as gen_cost_usd).
double column_sum(const std::string& path, const std::string& column);

}  // namespace synthmod::test
