#include <CLI/CLI.hpp>

#include "common/errors.h"
#include "generator/generate.h"

namespace synthmod::generator {

void setup_cli(CLI::App& app, Options& o) {
    app.description(
        "Generates labeled, persona-conditioned user posts for a content-moderation dataset.\n"
        "Reads the API key from ANTHROPIC_API_KEY / OPENAI_API_KEY (never from a flag).");
    app.set_version_flag("--version", SYNTHMOD_VERSION);
    // A parse error may quote a flag's value: printed without control characters.
    app.failure_message([](const CLI::App*, const CLI::Error& e) {
        return printable(e.what()) + "\nRun with --help for more information.\n";
    });
    app.footer(
        "Exit codes: 0 ok, 2 bad usage or input, 3 provider failure, 4 budget reached,\n"
        "130 interrupted. Finished rows are journalled in <out>.journal: the same command\n"
        "resumes an interrupted run; --force starts over.");
    app.add_option("--spec", o.spec_path, "dataset spec (TOML)")->required();
    app.add_option("--rows", o.rows, "rows to generate, all variants together")
        ->check(CLI::PositiveNumber);
    app.add_option("--out", o.out, "output file ('-' = stdout); journal at <out>.journal")
        ->capture_default_str();
    app.add_option("--personas", o.personas, "persona file (.jsonl, .csv or one per line)");
    app.add_option("--variant", o.variants, "prompt variant to run (repeatable; default all)")
        ->allow_extra_args(false);
    app.add_option("--provider", o.provider, "anthropic | openai | offline")
        ->check(CLI::IsMember({"anthropic", "openai", "offline"}));
    app.add_option("--model", o.model, "model id");
    app.add_option("--base-url", o.base_url, "API base URL (else *_BASE_URL or the default)");
    app.add_option("--concurrency", o.concurrency, "requests in flight")
        ->check(CLI::PositiveNumber);
    app.add_option("--max-retries", o.max_retries, "retries per row (default 8)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--max-cost", o.max_cost, "stop before spending more than this (USD)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--rpm", o.rpm, "requests per minute limit (0 = none)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--tpm", o.tpm, "tokens per minute limit (0 = none)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--pricing", o.pricing, "price table (TOML) replacing the built-in one");
    app.add_option("--cacert", o.cacert, "extra CA bundle for TLS");
    app.add_option("--format", o.format, "output format")
        ->check(CLI::IsMember({"csv", "jsonl"}))
        ->capture_default_str();
    app.add_flag("--batch", o.batch, "use the Message Batches API (half price, slower)");
    app.add_flag("--dry-run", o.dry_run, "print the plan, tokens and cost range; send nothing");
    app.add_flag("--force", o.force, "start over, discarding the journal of an earlier run");
    app.add_flag("--native-json", o.native_json,
                 "anthropic: native structured outputs instead of tool use");
    app.add_flag("--csv-safe", o.csv_safe,
                 "spreadsheet safety: a cell starting with = + - @ TAB or CR gets a leading ' "
                 "(OWASP CSV injection); off by default, cells are written byte for byte");
    app.add_flag("--quiet", o.quiet, "no progress or summary on stderr");
    app.add_flag("--verbose", o.verbose, "log requests (key redacted) on stderr");
}

}  // namespace synthmod::generator
