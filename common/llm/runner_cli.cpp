#include "common/llm/runner_cli.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "common/errors.h"
#include "common/signals.h"

namespace synthmod::runner {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

CLI::Validator within(const spec::IntRange& range) {
    return CLI::Validator(
        [range](std::string& text) {
            long long v = 0;
            // Not a number: CLI11's own conversion refuses it after the checks.
            if (!CLI::detail::lexical_cast(text, v)) return std::string();
            return range.error(v);
        },
        "INT in [" + std::to_string(range.lo) + " - " + std::to_string(range.hi) + "]");
}

void describe_tool(CLI::App& app, const ToolHelp& help) {
    app.name(help.name);
    app.description(help.summary);
    app.set_version_flag("--version", help.name + " " + SYNTHMOD_VERSION);
    // A parse error may quote a flag's value: printed without control characters.
    app.failure_message([](const CLI::App*, const CLI::Error& e) {
        return printable(e.what()) + "\nRun with --help for more information.\n";
    });
    std::string footer = "Example:\n  " + help.example + "\n";
    if (!help.notes.empty()) footer += "\n" + help.notes + "\n";
    footer +=
        "\nExit codes: 0 ok, 2 bad usage or input, 3 provider failure, 4 budget reached "
        "(--max-cost),"
        "\n130 interrupted. Finished rows are journalled in <out>.journal: the same command resumes"
        "\nan interrupted run; --force starts over.";
    app.footer(footer);
}

void add_common_flags(CLI::App& app, CommonFlags& f, const ToolHelp& help,
                      const std::string& model_names) {
    const std::string from_spec = " (default: spec " + help.spec_section + ")";
    app.add_option("--provider", f.provider, "anthropic | openai | offline" + from_spec)
        ->check(CLI::IsMember({"anthropic", "openai", "offline"}));
    app.add_option(model_names, f.model, "model id" + from_spec);
    app.add_option("--base-url", f.base_url, "API base URL (else *_BASE_URL or the provider's)");
    app.add_option("--concurrency", f.concurrency, "requests in flight" + from_spec)
        ->check(within(spec::bounds::kConcurrency));
    app.add_option("--rows-per-request", f.rows_per_request,
                   "rows asked in one request (default: spec " + help.spec_section +
                       " rows_per_request, else 1; overrides every variant's)")
        ->check(within(spec::bounds::kRowsPerRequest));
    app.add_option("--max-retries", f.max_retries, "retries per request (default 8)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--max-cost", f.max_cost,
                   "stop before spending more than this many USD (exit 4)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--rpm", f.rpm, "requests per minute limit (0 = none)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--tpm", f.tpm, "tokens per minute limit (0 = none)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--pricing", f.pricing, "price table (TOML) replacing the built-in one");
    app.add_option("--cacert", f.cacert, "extra CA bundle for TLS");
    app.add_option("--format", f.format, "csv | jsonl (default: jsonl when --out ends in .jsonl)")
        ->check(CLI::IsMember({"csv", "jsonl"}));
    app.add_option_function<std::string>(
           "--shard", [&f](const std::string& text) { f.shard = parse_shard(text); },
           "do only part I of N (0 <= I < N), chosen by row id; give each shard its own "
           "--out")
        ->type_name("I/N")
        ->check(CLI::Validator(
            [](std::string& text) {
                try {
                    parse_shard(text);
                } catch (const UsageError& e) {
                    std::string what = e.what();
                    return what.substr(what.find(": ") + 2);  // CLI11 names the flag itself
                }
                return std::string();
            },
            ""));
    app.add_flag("--batch", f.batch, "use the Message Batches API (anthropic; half price, slower)");
    app.add_flag("--dry-run", f.dry_run, "print the plan, tokens and cost range; send nothing");
    app.add_flag("--force", f.force, "start over, discarding the journal of an earlier run");
    app.add_flag("--native-json", f.native_json,
                 "anthropic: native structured outputs instead of forced tool use");
    app.add_flag("--csv-safe", f.csv_safe,
                 "spreadsheet safety: a cell starting with = + - @ TAB or CR gets a leading ' "
                 "(OWASP CSV injection); off by default, cells are written byte for byte");
    app.add_flag("--quiet", f.quiet, "no progress or summary on stderr");
    app.add_flag("--verbose", f.verbose, "log requests on stderr (the API key is never shown)");
}

std::string output_format(const CommonFlags& flags, const std::string& out_path) {
    if (!flags.format.empty()) return flags.format;
    return ends_with(out_path, ".jsonl") ? "jsonl" : "csv";
}

std::string journal_path(const std::string& tool, const std::string& out_path) {
    return (out_path == "-" ? tool : out_path) + ".journal";
}

Options make_options(const CommonFlags& f, const std::string& tool, int concurrency,
                     const std::string& out_path) {
    Options o;
    o.tool = tool;
    o.concurrency = concurrency;
    if (f.max_retries) o.max_retries = *f.max_retries;
    o.max_cost = f.max_cost;
    o.rpm = f.rpm;
    o.tpm = f.tpm;
    o.batch = f.batch;
    o.quiet = f.quiet;
    o.verbose = f.verbose;
    o.http.cacert = f.cacert;
    o.http.verbose = f.verbose;
    o.pricing_path = f.pricing;
    o.journal_path = journal_path(tool, out_path);
    o.force = f.force;
    return o;
}

int finish_run(const Options& options, const Summary& summary, const std::string& out_path,
               std::size_t rows_written, std::size_t rows_total) {
    if (options.verbose && !options.quiet)  // the runner printed the one summary line
        std::cerr << options.tool << ": wrote " << rows_written << " of " << rows_total
                  << " rows to " << printable(out_path) << "\n";
    if (summary.stop == Stop::kFatal)
        throw ProviderError(summary.fatal_message.empty() ? "the provider failed"
                                                          : summary.fatal_message);
    // SIGINT/SIGTERM after the last item, during the final write: the write is finished first
    // (the file is complete), then the stop is reported as any other (exit 130).
    if (summary.stop == Stop::kCompleted && signals::stop_requested()) {
        std::cerr << options.tool << ": " << printable(out_path)
                  << ": interrupted during the final write; the file is complete\n";
        return static_cast<int>(ExitCode::kInterrupted);
    }
    return exit_code(summary);
}

}  // namespace synthmod::runner
