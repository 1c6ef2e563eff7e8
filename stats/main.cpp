// synthmod-stats: flags -> stats::run -> exit code.
#include <unistd.h>  // environ

#include <CLI/CLI.hpp>
#include <iostream>

#include "common/errors.h"
#include "common/signals.h"
#include "stats/cli.h"
#include "stats/malloc_options.h"
#include "stats/stats.h"

int main(int argc, char** argv) {
    synthmod::stats::keep_freed_memory(environ);
    synthmod::stats::Options o;
    CLI::App app;
    synthmod::stats::add_flags(app, o);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
        std::cerr << "synthmod-stats: error: " << synthmod::printable(e.what())
                  << " (see --help)\n";
        return static_cast<int>(synthmod::ExitCode::kUsage);
    }
    synthmod::signals::install();
    try {
        return synthmod::stats::run(o);
    } catch (const std::exception& e) {
        std::cerr << "synthmod-stats: error: " << synthmod::printable(e.what()) << "\n";
        return static_cast<int>(synthmod::exit_code_for(e));
    }
}
