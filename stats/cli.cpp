#include "stats/cli.h"

#include <cstdio>

#include "common/spec.h"
#include "stats/dedup.h"

namespace synthmod::stats {

namespace {

/// Program name, description, example, exit codes, --version.
void add_help(CLI::App& app) {
    // The same help shape as synthmod-generate and synthmod-judge: what it does, the usage line
    // with the program's own name, the flags, one example, the exit codes.
    app.name("synthmod-stats");
    app.description(
        "Measures a dataset: label balance, exact and near duplicates, judge agreement, "
        "diversity; writes report.md, SVG charts, metrics.json, filtered.csv and rejected.csv; "
        "gates a release on thresholds; compares groups or an earlier release.");
    app.footer(
        "Example:\n"
        "  synthmod-stats --in run/judged.csv --spec examples/moderation.toml --report-dir "
        "run/report --gate\n"
        "\n"
        "Exit codes: 0 ok, 1 quality gate failed (--gate), 2 bad usage or input, 130 interrupted.");
    app.set_version_flag("--version", std::string("synthmod-stats ") + SYNTHMOD_VERSION);
}

/// What is read and where the report, filtered.csv and rejected.csv go.
void add_output_flags(CLI::App& app, Options& o) {
    app.add_option("--in", o.inputs,
                   "input CSV (content,label[,judge columns]); repeat for shards; - is stdin")
        ->required();
    app.add_option("--spec", o.spec, "dataset spec (TOML): label weights, [dedup], [gate]");
    app.add_option("--report-dir", o.report_dir,
                   "folder for report.md, charts, metrics.json (default reports/<input name>/)");
    app.add_option("--filtered", o.filtered, "rows that pass (default <report-dir>/filtered.csv)");
    app.add_option("--rejected", o.rejected,
                   "rows dropped, with reason and cluster (default <report-dir>/rejected.csv)");
    app.add_flag("--keep-columns", o.keep_columns, "filtered.csv keeps every input column");
}

/// The near-duplicate search: the spec's [dedup] values, overridden.
void add_dedup_flags(CLI::App& app, Options& o) {
    app.add_option("--shingle", o.shingle, "char | word (overrides [dedup] shingle)");
    // Defaults and bounds: the spec's [dedup] (common/spec.h), which these flags override.
    const spec::Dedup dedup;
    const auto range = [](const spec::IntRange& r) {
        return std::to_string(r.lo) + "-" + std::to_string(r.hi);
    };
    const auto real = [](double v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g", v);
        return std::string(buf);
    };
    app.add_option("--ngram", o.ngram,
                   "shingle length, " + range(spec::bounds::kNgram) + " (default " +
                       std::to_string(dedup.ngram) + ")");
    app.add_option(
        "--threshold", o.threshold,
        "near-duplicate Jaccard threshold, > 0 and <= 1 (default " + real(dedup.threshold) + ")");
    app.add_option("--num-perm", o.num_perm,
                   "MinHash permutations, " + range(spec::bounds::kNumPerm) + " (default " +
                       std::to_string(dedup.num_perm) + ")");
    app.add_option("--max-miss", o.max_miss,
                   "share of pairs at exactly the threshold the LSH may miss, > 0 and <= 0.5 "
                   "(default " +
                       real(dedup.max_miss) + "); picks the bands, rows and rounds");
    app.add_option("--lsh-rounds", o.lsh_rounds,
                   "fix the independent LSH rounds (default 3, more when --max-miss needs them)");
    app.add_option("--dedup-method", o.dedup_method,
                   "near-duplicate search: auto (the exact join for up to " +
                       std::to_string(dedup::kAutoExactAnyTexts) + " distinct texts, or up to " +
                       std::to_string(dedup::kAutoExactShortTexts) + " averaging at most " +
                       real(dedup::kAutoExactMaxShingles) +
                       " shingles; else LSH), lsh, or exact (overrides [dedup] method; default " +
                       dedup.method + ")");
    app.add_option("--pairs", o.pairs,
                   "write every verified near-duplicate pair as CSV row_i,row_j,jaccard");
}

/// The gate and the comparisons (groups, an earlier release).
void add_gate_flags(CLI::App& app, Options& o) {
    app.add_flag("--gate", o.gate, "check the quality gate; exit 1 when it fails");
    app.add_option("--gate-set", o.gate_set, "gate threshold key=value (overrides the spec)");
    app.add_option("--compare-by", o.compare_by, "column to compare groups by (e.g. variant)");
    app.add_option("--baseline", o.baseline,
                   "metrics.json of an earlier release to compare against; with --gate a "
                   "regression past --baseline-tolerance fails the gate");
    app.add_option("--baseline-tolerance", o.baseline_tolerance,
                   "how much worse than the baseline a figure may be: absolute for a share "
                   "(0.01 = one point), relative otherwise (0.01 = 1 %); default 0.01")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--junit", o.junit, "write the gate checks as JUnit XML");
}

/// Threads, CSV safety and how the input's columns and labels are read.
void add_input_flags(CLI::App& app, Options& o) {
    app.add_option("--threads", o.threads, "worker threads (default: all cores)");
    app.add_flag("--csv-safe", o.csv_safe,
                 "spreadsheet safety: a cell of filtered.csv or rejected.csv starting with = + - @ "
                 "TAB or CR gets a leading ' (OWASP CSV injection); off by default, byte for byte");
    input::add_flags(app, o.input, true);
    app.add_flag("--allow-unknown-labels", o.input.allow_unknown,
                 "keep a label value the --label-map lacks as it is (default: an error naming "
                 "the value, its rows and the first)");
}

/// Human review (page, gold labels), the real test set (--reference), what stderr shows.
void add_ground_truth_flags(CLI::App& app, Options& o) {
    app.add_option("--review", o.review,
                   "write a review page of N rows (seeded, stratified by label x judge verdict)");
    app.add_option("--review-out", o.review_out,
                   "review page path (default <report-dir>/review.html; label-studio: review.json "
                   "and review.label_config.xml beside it)");
    app.add_option("--review-format", o.review_format,
                   "html (one self-contained page) | label-studio (tasks + labeling config)");
    app.add_option("--review-blind", o.review_blind,
                   "answer (our and the judge's label shown after answering, default) | full "
                   "(never on the page)");
    app.add_option("--gold", o.gold,
                   "reviewers' labels (review CSV or Label Studio JSON export), matched by key; "
                   "repeat, one file per reviewer");
    app.add_option("--reference", o.references,
                   "a real test set (CSV, TSV, JSON Lines by the extension, .gz too; text in "
                   "content or text); rows equal or near one of its rows are rejected as "
                   "contaminated; repeatable");
    app.add_option("--reference-text-column", o.reference_text_column,
                   "the --reference files' text column (default: content, else text)");
    app.add_option("--reference-pairs", o.reference_pairs,
                   "write every dataset x reference pair as CSV row_i,ref_j,jaccard");
    app.add_flag("--quiet", o.quiet, "no summary line on stderr");
    app.add_flag("--timings", o.timings, "per-stage wall times on stderr");
}

}  // namespace

void add_flags(CLI::App& app, Options& o) {
    add_help(app);
    add_output_flags(app, o);
    add_dedup_flags(app, o);
    add_gate_flags(app, o);
    add_input_flags(app, o);
    add_ground_truth_flags(app, o);
}

}  // namespace synthmod::stats
