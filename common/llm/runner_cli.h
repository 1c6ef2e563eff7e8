// runner_cli: what synthmod-generate and synthmod-judge share on the command line — the runner
// flags (provider, budget, rate limits, batches, resume, output, --shard), declared and checked
// once and turned into runner::Options once; the shape of the help; and the end of a run.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "common/llm/runner.h"
#include "common/llm/shard.h"
#include "common/spec.h"

namespace CLI {
class App;
class Validator;
}  // namespace CLI

namespace synthmod::runner {

/// The flags both tools take (DESIGN section 6). Empty strings and unset optionals leave the
/// spec's value.
struct CommonFlags {
    std::string provider;  ///< anthropic | openai | offline
    std::string model;
    std::string base_url;
    std::optional<int> concurrency;
    /// --rows-per-request K: items asked in one request (overrides the spec's, variants' too).
    std::optional<int> rows_per_request;
    std::optional<int> max_retries;
    std::optional<double> max_cost;  ///< USD
    double rpm = 0;                  ///< requests per minute (0 = unlimited)
    double tpm = 0;                  ///< tokens per minute (0 = unlimited)
    std::string pricing;             ///< --pricing F; empty = the built-in table
    std::string cacert;
    std::string format;  ///< csv | jsonl; empty = from --out's extension (output_format)
    bool batch = false;
    bool dry_run = false;
    bool force = false;
    bool native_json = false;  ///< anthropic: output_config json_schema instead of tool use
    bool csv_safe = false;     ///< neutralise formula prefixes (csv::Writer)
    bool quiet = false;
    bool verbose = false;
    Shard shard;  ///< --shard I/N; 0/1 = the whole run
};

/// What one tool's help says besides its flags.
struct ToolHelp {
    std::string name;          ///< "synthmod-generate": the usage line and --version
    std::string summary;       ///< one paragraph: what the tool does
    std::string example;       ///< one command line
    std::string notes;         ///< after the example, before the exit codes (may be empty)
    std::string spec_section;  ///< "[generator]" or "[judge]": where the defaults come from
};

/// Gives `app` the tool's name (the usage line names the program, not its path), --version
/// ("synthmod-generate 0.2.0"), a parse-error message without control characters, and a footer
/// with the example and the exit codes.
void describe_tool(CLI::App& app, const ToolHelp& help);

/// Declares the shared flags, bound to `flags`, with their checks (a bad value exits 2 before
/// anything runs). `model_names` is the CLI11 name list of the model flag (e.g.
/// "--model,--judge-model").
void add_common_flags(CLI::App& app, CommonFlags& flags, const ToolHelp& help,
                      const std::string& model_names = "--model");

/// A flag check for a flag that overrides a spec value: refuses a value outside `range` (one of
/// spec::bounds) with the spec reader's words ("--concurrency: must be between 1 and 10000"), so
/// that the flag and the spec accept the same values.
CLI::Validator within(const spec::IntRange& range);

/// csv or jsonl: --format, else jsonl when `out_path` ends in ".jsonl", else csv.
std::string output_format(const CommonFlags& flags, const std::string& out_path);

/// "<out>.journal"; when writing to stdout ("-"), "<tool>.journal" in the current folder.
std::string journal_path(const std::string& tool, const std::string& out_path);

/// The runner's options for a run of `tool` writing `out_path` with `concurrency` requests in
/// flight (the spec's value after --concurrency).
Options make_options(const CommonFlags& flags, const std::string& tool, int concurrency,
                     const std::string& out_path);

/// The end of a run, after the output was written from the journal: with --verbose, how many
/// rows went where; a provider failure that stopped the run is thrown as ProviderError (main
/// prints it, exit 3); a stop during the final write is exit 130. Returns the exit code.
int finish_run(const Options& options, const Summary& summary, const std::string& out_path,
               std::size_t rows_written, std::size_t rows_total);

}  // namespace synthmod::runner
