// synthmod-generate: flags → generator::run → exit code.
#include <curl/curl.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "common/errors.h"
#include "common/signals.h"
#include "generator/cli.h"
#include "generator/generate.h"

int main(int argc, char** argv) {
    CLI::App app;
    synthmod::generator::Options options;
    synthmod::generator::add_flags(app, options);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : static_cast<int>(synthmod::ExitCode::kUsage);
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    synthmod::signals::install();
    int code;
    try {
        code = synthmod::generator::run(options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "synthmod-generate: error: %s\n",
                     synthmod::printable(e.what()).c_str());
        code = static_cast<int>(synthmod::exit_code_for(e));
    }
    curl_global_cleanup();
    return code;
}
