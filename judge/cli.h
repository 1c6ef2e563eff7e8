// cli: synthmod-judge's flags (CLI11), declared once so main stays thin and tests can parse.
#pragma once

#include <CLI/CLI.hpp>

#include "judge/judge.h"

namespace synthmod::judge {

/// Declares every flag of DESIGN section 6 (and the shared runner flags) on `app`, bound to
/// `options`.
void add_flags(CLI::App& app, Options& options);

}  // namespace synthmod::judge
