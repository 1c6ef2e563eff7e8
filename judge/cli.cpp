#include "judge/cli.h"

#include "common/errors.h"

namespace synthmod::judge {

void add_flags(CLI::App& app, Options& o) {
    app.description(
        "Grades every row of a CSV with content,label by a second model: its own label, realism "
        "1-5, issue tags and a rationale. Writes judged.csv: every input column, then "
        "judge_label,label_correct,realism,issues,rationale,judge_model,judge_status.\n"
        "Blind by default: the judge does not see our label and label_correct is judge_label == "
        "label. With --no-blind it sees our label and label_correct is its verdict.\n"
        "--votes K asks K times per row and adds judge_votes (the K labels, ';'-joined, empty for "
        "a vote that was refused or failed) and judge_confidence (share of answering votes that "
        "agree with the majority). Majority vote; a tie goes to the label listed first in the "
        "spec.\n"
        "Rows the run did not reach (interrupted, budget) are written with judge_status=error and "
        "a rationale starting 'not judged:'; rerunning the same command resumes from "
        "<out>.journal.\n"
        "Exit codes: 0 ok, 2 bad usage or input, 3 provider failure, 4 budget reached, "
        "130 interrupted.");
    app.add_option("--spec", o.spec_path, "Dataset spec (TOML)")->required();
    app.add_option("--in", o.in_path, "Input CSV with content,label ('-' = stdin)")->required();
    app.add_option("--out", o.out_path, "Output file ('-' = stdout)")->capture_default_str();
    app.add_option("--provider", o.provider,
                   "anthropic | openai | offline (default: spec [judge])");
    app.add_option("--model,--judge-model", o.model, "Judge model (default: spec [judge])");
    app.add_option("--base-url", o.base_url,
                   "API base URL (default: *_BASE_URL or the provider's)");
    app.add_option("--concurrency", o.concurrency, "Requests in flight (default: spec [judge])");
    app.add_option("--max-cost", o.max_cost,
                   "Stop before spending more than this many USD (exit 4)");
    app.add_option("--max-retries", o.max_retries, "Retries per request (default 8)");
    app.add_option("--rpm", o.rpm, "Requests per minute limit (0 = none)");
    app.add_option("--tpm", o.tpm, "Tokens per minute limit (0 = none)");
    app.add_flag("--batch", o.batch, "Use Message Batches (anthropic; half price)");
    app.add_flag("--no-blind", o.no_blind, "Show the judge our label and ask for a verdict");
    app.add_option("--votes", o.votes, "Requests per row; majority label")->capture_default_str();
    app.add_flag("--dry-run", o.dry_run, "Print the plan and estimated cost; send nothing");
    app.add_flag("--force", o.force, "Start over instead of resuming <out>.journal");
    app.add_flag("--csv-safe", o.csv_safe,
                 "Spreadsheet safety: a cell starting with = + - @ TAB or CR gets a leading ' "
                 "(OWASP CSV injection); off by default, cells are written byte for byte");
    app.add_flag("--quiet", o.quiet, "No progress or summary on stderr");
    app.add_flag("--verbose", o.verbose, "Log requests (the API key is never shown)");
    app.add_option("--pricing", o.pricing_path, "Price table (TOML) instead of the built-in one");
    app.add_option("--cacert", o.cacert, "Extra CA bundle for TLS");
    app.add_flag("--allow-unknown-labels", o.allow_unknown_labels,
                 "Judge rows whose label is not in the spec");
    app.add_flag("--native-json", o.native_json,
                 "anthropic: native structured outputs instead of forced tool use");
    app.add_option("--format", o.format, "csv | jsonl (default: from --out's extension)")
        ->check(CLI::IsMember({"csv", "jsonl"}));
    app.set_version_flag("--version", std::string("synthmod-judge ") + SYNTHMOD_VERSION);
    // A parse error may quote a flag's value: printed without control characters.
    app.failure_message([](const CLI::App*, const CLI::Error& e) {
        return printable(e.what()) + "\nRun with --help for more information.\n";
    });
}

}  // namespace synthmod::judge
