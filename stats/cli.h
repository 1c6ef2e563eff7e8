// cli: the flags of synthmod-stats (DESIGN section 6) declared on a CLI11 app, so main stays thin.
#pragma once

#include <CLI/CLI.hpp>

#include "stats/stats.h"

namespace synthmod::stats {

/// Declares every flag of synthmod-stats on `app`, writing into `options`.
void add_flags(CLI::App& app, Options& options);

}  // namespace synthmod::stats
