// synthmod-judge: grades each row of a dataset with a second model (see judge/judge.h).
#include <curl/curl.h>

#include <iostream>

#include "common/errors.h"
#include "common/signals.h"
#include "judge/cli.h"
#include "judge/judge.h"

int main(int argc, char** argv) {
    synthmod::judge::Options options;
    CLI::App app;
    synthmod::judge::add_flags(app, options);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : static_cast<int>(synthmod::ExitCode::kUsage);
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    synthmod::signals::install();
    int code;
    try {
        code = synthmod::judge::run(options);
    } catch (const std::exception& e) {
        std::cerr << "synthmod-judge: error: " << synthmod::printable(e.what()) << "\n";
        code = static_cast<int>(synthmod::exit_code_for(e));
    }
    curl_global_cleanup();
    return code;
}
