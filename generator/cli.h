// cli: synthmod-generate's flags (CLI11), declared once so main stays thin and tests can parse.
#pragma once

#include <CLI/CLI.hpp>

#include "generator/generate.h"

namespace synthmod::generator {

/// Declares the tool's own flags and the runner flags it shares with the judge on `app`, bound
/// to `options`, with the help's usage line, example and exit codes.
void add_flags(CLI::App& app, Options& options);

}  // namespace synthmod::generator
