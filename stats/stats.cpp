#include "stats/stats.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include "common/csv.h"
#include "common/errors.h"
#include "common/output_file.h"
#include "common/signals.h"
#include "common/spec.h"
#include "common/text.h"
#include "stats/compare.h"
#include "stats/dataset.h"
#include "stats/dedup.h"
#include "stats/gate.h"
#include "stats/gold.h"
#include "stats/ground_truth.h"
#include "stats/reference.h"
#include "stats/report.h"
#include "stats/review.h"

namespace synthmod::stats {

namespace {

namespace fs = std::filesystem;

std::string stem_of(const std::string& path) {
    if (path == "-") return "stdin";
    std::string stem = fs::path(path).stem().string();
    return stem.empty() ? "dataset" : stem;
}

std::string base_name(const std::string& path) {
    if (path == "-") return "<stdin>";
    std::string name = fs::path(path).filename().string();
    return name.empty() ? path : name;
}

std::string join_path(const std::string& dir, const std::string& name) {
    return (fs::path(dir) / name).string();
}

}  // namespace

namespace {

/// Peak resident set so far (VmHWM), in MB; -1 where /proc is missing.
long peak_rss_mb() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10) / 1024;
    return -1;
}

/// Wall time of each stage, printed with --timings (how the benchmark reports the dedup stage).
class StageClock {
   public:
    explicit StageClock(bool on) : on_(on), last_(std::chrono::steady_clock::now()) {}
    void lap(const char* stage, std::size_t items = 0) {
        auto now = std::chrono::steady_clock::now();
        double s = std::chrono::duration<double>(now - last_).count();
        last_ = now;
        if (!on_) return;
        std::fprintf(stderr, "synthmod-stats: %-10s %8.3f s", stage, s);
        if (items) std::fprintf(stderr, "  (%.0f items/s)", static_cast<double>(items) / s);
        std::fprintf(stderr, "  peak RSS %ld MB\n", peak_rss_mb());
    }

   private:
    bool on_;
    std::chrono::steady_clock::time_point last_;
};

/// SIGINT/SIGTERM (signals::install in main) stop the run between stages and before anything is
/// renamed into place: the temporaries are removed and earlier outputs are left as they were.
void stop_if_requested() {
    if (signals::stop_requested())
        throw Error("interrupted: nothing written, earlier outputs left as they were",
                    ExitCode::kInterrupted);
}

}  // namespace

namespace {

/// What run() decides from the flags and the spec before it reads any row; every usage error
/// is found here, before any output exists.
struct Settings {
    int threads = 1;
    std::optional<spec::Spec> spec;
    dedup::NearDupOptions dedup;
    metrics::Reference reference;
    std::map<std::string, double> thresholds;
    std::string gate_source;
    double min_realism = spec::Gate{}.min_realism;  ///< [gate] min_realism or --gate-set
    std::string baseline_text;              ///< the --baseline file, read (and checked) up front
    std::vector<gold::Reviewer> reviewers;  ///< the --gold files, read (and checked) up front
    reference::ReferenceSet references;     ///< the --reference files
    records::Mapping mapping;   ///< how the inputs are read (spec [input], then the flags)
};

/// Issue 13's flags: the review page's options checked, --gold and --reference files read.
void ground_truth_settings(const Options& options, Settings& s) {
    if (options.review_format != "html" && options.review_format != "label-studio")
        throw UsageError("--review-format: expected html or label-studio, got '" +
                         options.review_format + "'");
    if (options.review_blind != "answer" && options.review_blind != "full")
        throw UsageError("--review-blind: expected answer or full, got '" + options.review_blind +
                         "'");
    if (options.review == 0 && !options.review_out.empty())
        throw UsageError("--review-out needs --review N");
    if (!options.reference_pairs.empty() && options.references.empty())
        throw UsageError("--reference-pairs needs --reference F");
    for (const auto& path : options.gold)
        for (auto& r : gold::read_gold(path)) s.reviewers.push_back(std::move(r));
    if (!options.reference_text_column.empty() && options.references.empty())
        throw UsageError("--reference-text-column needs --reference F");
    s.references = reference::load_references(options.references, options.reference_text_column);
}

/// The duplicate search's options: the spec's [dedup], overridden by the flags, checked.
dedup::NearDupOptions dedup_options(const Options& options, const std::optional<spec::Spec>& sp,
                                    int threads) {
    dedup::NearDupOptions dd;
    // Defaults and bounds are the spec's (common/spec.h): a spec value was checked when the
    // spec was read, a flag is checked here against the same bounds.
    const spec::Dedup dedup_options = sp ? sp->dedup : spec::Dedup{};
    std::string shingle = options.shingle.value_or(dedup_options.shingle);
    dd.ngram = options.ngram.value_or(dedup_options.ngram);
    dd.threshold = options.threshold.value_or(dedup_options.threshold);
    dd.num_perm = options.num_perm.value_or(dedup_options.num_perm);
    if (std::string what = spec::shingle_error(shingle); !what.empty())
        throw UsageError("--shingle: " + what);
    dd.shingle = shingle == "word" ? minhash::ShingleKind::kWord : minhash::ShingleKind::kChar;
    if (std::string what = spec::bounds::kNgram.error(dd.ngram); !what.empty())
        throw UsageError("--ngram: " + what);
    if (std::string what = spec::bounds::kThreshold.error(dd.threshold); !what.empty())
        throw UsageError("--threshold: " + what);
    if (std::string what = spec::bounds::kNumPerm.error(dd.num_perm); !what.empty())
        throw UsageError("--num-perm: " + what);
    dd.max_miss = options.max_miss.value_or(dedup_options.max_miss);
    if (std::string what = spec::bounds::kMaxMiss.error(dd.max_miss); !what.empty())
        throw UsageError("--max-miss: " + what);
    if (options.lsh_rounds &&
        (*options.lsh_rounds < 1 || *options.lsh_rounds > minhash::kMaxRounds))
        throw UsageError("--lsh-rounds: must be between 1 and " +
                         std::to_string(minhash::kMaxRounds));
    dd.rounds = options.lsh_rounds.value_or(0);
    const std::string method = options.dedup_method.value_or(dedup_options.method);
    if (std::string what = spec::dedup_method_error(method); !what.empty())
        throw UsageError("--dedup-method: " + what);
    dd.method = method == "exact" ? dedup::Method::kExact
                : method == "lsh" ? dedup::Method::kLsh
                                  : dedup::Method::kAuto;
    dd.threads = threads;
    dd.seed = 42;
    return dd;
}

/// The gate's thresholds (the spec's [gate], then --gate-set, each checked by spec::Gate::set)
/// and where they came from; min_realism (the filter's threshold) may be set by either.
void gate_thresholds(const Options& options, Settings& s) {
    spec::Gate gate_settings = s.spec ? s.spec->gate : spec::Gate{};
    gate::apply_settings(gate_settings, options.gate_set);
    s.thresholds = gate_settings.thresholds;
    s.min_realism = gate_settings.min_realism;
    s.gate_source = "--gate-set";
    if (s.spec) s.gate_source = "the spec's [gate] (" + base_name(options.spec) + ")";
    if (s.spec && !options.gate_set.empty()) s.gate_source += " with --gate-set overrides";
    if (options.gate && s.thresholds.empty())
        throw UsageError(
            "--gate: no thresholds (give --spec with a [gate] table or --gate-set key=value)");
}

Settings settle(const Options& options) {
    Settings s;
    s.threads = options.threads > 0
                    ? options.threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    if (!options.spec.empty()) s.spec = spec::load(options.spec);
    s.dedup = dedup_options(options, s.spec, s.threads);
    gate_thresholds(options, s);
    if (!options.baseline.empty()) {
        s.baseline_text = read_file(options.baseline);
        compare::against_baseline(options.baseline, s.baseline_text, metrics::Metrics{});
    }
    if (s.spec) {
        for (const auto& l : s.spec->labels) s.reference.labels.push_back(l.name);
        s.reference.weights = s.spec->label_weights;
        s.reference.rows = static_cast<std::size_t>(s.spec->rows);
    }
    s.reference.min_realism = s.min_realism;
    s.mapping = input::mapping(options.input, s.spec ? &*s.spec : nullptr);
    ground_truth_settings(options, s);
    return s;
}

/// Everything computed from the rows.
struct Results {
    dataset::Dataset data;
    dedup::NearDupResult dups;
    metrics::Metrics metrics;
    std::optional<gate::Result> gate;
    std::optional<compare::Comparison> comparison;
    std::optional<compare::Baseline> baseline;
    /// Issue 13: sections and figures of --gold, --reference and vote ties; the review page.
    std::vector<std::string> extra_sections;
    std::vector<ground_truth::NamedFigure> extra_figures;
    std::optional<reference::Result> contamination;
    std::optional<gold::Figures> gold;  ///< --gold: metrics.json's tables read it
    std::string review_page;
    std::string review_config;  ///< label-studio: the labeling config
};

/// Vote ties (judge --votes K): a section when the input has judge_votes or a tie.
void votes(Results& r) {
    const auto v = ground_truth::vote_figures(r.data);
    const auto& h = r.data.header;
    if (v.tie_rows == 0 && std::find(h.begin(), h.end(), "judge_votes") == h.end()) return;
    r.extra_sections.push_back(ground_truth::votes_markdown(v));
    const auto f = ground_truth::vote_named_figures(v);
    r.extra_figures.insert(r.extra_figures.end(), f.begin(), f.end());
}

/// --reference, the search: run right after the dedup, whose band keys of the dataset's texts
/// (when its LSH ran) it takes and frees before the figures are computed.
void find_contamination(const Settings& s, Results& r) {
    r.contamination = reference::find_contamination(r.data.normalized, s.references.views(),
                                                    s.dedup, std::move(r.dups.reference_keys));
}

/// --reference, after the figures: contaminated rows are rejected, whatever else holds for them
/// (a leaked test row must go); the section, its figures, and the pairs for --reference-pairs.
void contamination(const Settings& s, Results& r) {
    const auto& refs = s.references;
    auto& m = r.metrics;
    std::vector<std::size_t> kept;
    for (std::size_t i : m.kept_rows) {
        if (r.contamination->contaminated[i]) {
            m.reasons[i] = metrics::Reason::kContaminated;
            ++m.rejected_by_reason[metrics::reason_name(metrics::Reason::kContaminated)];
        } else {
            kept.push_back(i);
        }
    }
    m.kept_rows = std::move(kept);
    ground_truth::ContaminationInput ci;
    ci.result = &*r.contamination;
    ci.rows = r.data.size();
    ci.reference_rows = refs.normalized.size();
    for (const auto& f : refs.files) ci.files.push_back(base_name(f));
    ci.row_text = [&](std::uint32_t i) { return r.data.text(i); };
    ci.ref_text = [&](std::uint32_t j) { return refs.raw[j]; };
    ci.ref_where = [&](std::uint32_t j) {
        return base_name(refs.files[refs.file[j]]) + " row " + std::to_string(refs.index[j]);
    };
    r.extra_sections.push_back(ground_truth::contamination_markdown(ci));
    const auto f = ground_truth::contamination_figures(*r.contamination, r.data.size(),
                                                       refs.normalized.size());
    r.extra_figures.insert(r.extra_figures.end(), f.begin(), f.end());
}

/// --gold: people's labels against ours and the judge's.
void against_people(const Options& options, const Settings& s, Results& r) {
    // The labels a person may give: the spec's, then those in the data (ours, the judge's).
    std::vector<std::string> labels = s.reference.labels;
    auto add = [&](const std::string& l) {
        if (!l.empty() && std::find(labels.begin(), labels.end(), l) == labels.end())
            labels.push_back(l);
    };
    for (const auto& [l, n] : r.metrics.label_counts) add(l);
    for (const auto& l : r.metrics.confusion_labels) add(l);
    r.gold = gold::compute(s.reviewers, gold::row_facts(r.data), labels);
    std::vector<std::string> files;
    for (const auto& f : options.gold) files.push_back(base_name(f));
    r.extra_sections.push_back(ground_truth::gold_markdown(*r.gold, files));
    const auto f = ground_truth::gold_figures(*r.gold);
    r.extra_figures.insert(r.extra_figures.end(), f.begin(), f.end());
}

/// --review N: the sample for people, as a page or as Label Studio tasks.
void review_page(const Options& options, const Settings& s, Results& r) {
    auto page = review::build_page(r.data, options.review,
                                   s.spec ? static_cast<std::uint64_t>(s.spec->seed) : 42,
                                   s.reference.labels);
    page.title = "synthmod review: " + base_name(options.inputs.front());
    page.blind_full = options.review_blind == "full";
    if (options.review_format == "html") {
        r.review_page = review::html(page);
    } else {
        r.review_page = review::label_studio_tasks(page);
        r.review_config = review::label_studio_config(page);
    }
}

/// Writes the row files from the figures' reasons (write_rows), beside the diversity figures.
using RowsBeside = std::function<void(const Results&, const metrics::Metrics&)>;

Results compute(const Options& options, const Settings& s, StageClock& clock,
                const RowsBeside& rows_beside) {
    Results r{dataset::load(options.inputs, s.mapping, s.threads), {}, {}, {}, {}, {}, {}, {}, {},
              {}, {}, {}};
    dataset::Dataset& data = r.data;
    clock.lap("read", data.size());
    stop_if_requested();
    if (!options.compare_by.empty() &&
        std::find(data.header.begin(), data.header.end(), options.compare_by) == data.header.end())
        throw UsageError("--compare-by: the input has no column '" + options.compare_by + "'");
    data.prepare(s.threads);
    clock.lap("normalise", data.size());
    stop_if_requested();
    dedup::NearDupOptions dedup_options = s.dedup;
    dedup_options.keep_reference_keys = !options.references.empty();  // for find_contamination()
    r.dups = dedup::find_near_duplicates(data.normalized, dedup_options);
    clock.lap("near-dup", data.size());
    stop_if_requested();
    if (!options.references.empty()) {
        find_contamination(s, r);
        clock.lap("reference", data.size());
        stop_if_requested();
    }
    metrics::Alongside alongside;
    if (rows_beside) alongside = [&](const metrics::Metrics& m) { rows_beside(r, m); };
    r.metrics = metrics::compute(data, r.dups, s.reference, {}, s.threads, alongside);
    r.metrics.raw_exact_dup_rows = data.raw_exact_dup_rows;
    clock.lap("metrics", data.size());
    stop_if_requested();
    votes(r);
    if (!options.references.empty()) contamination(s, r);
    if (!options.gold.empty()) against_people(options, s, r);
    if (options.review > 0) review_page(options, s, r);
    for (const auto& f : r.extra_figures) r.metrics.extra[f.name] = {f.value, f.why_missing};
    if (options.gate) r.gate = gate::evaluate(s.thresholds, r.metrics);
    if (!options.compare_by.empty())
        r.comparison = compare::by_column(data, options.compare_by, s.dedup, s.reference,
                                          s.spec ? static_cast<std::uint64_t>(s.spec->seed) : 42);
    if (!options.baseline.empty()) {
        r.baseline = compare::against_baseline(options.baseline, s.baseline_text, r.metrics,
                                               options.baseline_tolerance);
        if (r.gate) gate::add_baseline_checks(*r.gate, *r.baseline);
    }
    return r;
}

/// report.md, metrics.json and the charts, rendered in memory.
struct Rendered {
    std::string markdown;
    std::string json;
    std::vector<std::pair<std::string, std::string>> charts;
};

Rendered render(const Options& options, const Settings& s, const Results& r) {
    report::Input in;
    in.data = &r.data;
    in.metrics = &r.metrics;
    in.dups = &r.dups;
    // File names only: a report must not depend on where the checkout lives (the committed
    // example report is regenerated byte for byte on other machines).
    for (const auto& path : options.inputs) in.info.inputs.push_back(base_name(path));
    in.info.spec = options.spec;
    in.info.dedup = {s.dedup.shingle == minhash::ShingleKind::kWord ? "word" : "char",
                     s.dedup.ngram, s.dedup.threshold, s.dedup.num_perm};
    in.info.gate_source = s.gate_source;
    in.gate = r.gate ? &*r.gate : nullptr;
    in.comparison = r.comparison ? &*r.comparison : nullptr;
    in.baseline = r.baseline ? &*r.baseline : nullptr;
    in.extra_sections = r.extra_sections;
    in.gold = r.gold ? &*r.gold : nullptr;
    return {report::markdown(in), report::metrics_json(in), report::charts(in)};
}

/// The report folder, created with its missing parents; the ones this run created are removed
/// again unless used() is called (nothing written).
class ReportFolder {
   public:
    explicit ReportFolder(std::string dir) : dir_(std::move(dir)) {
        std::error_code ec;
        for (fs::path p = fs::absolute(dir_, ec); !ec && !p.empty() && !fs::exists(p, ec);
             p = p.parent_path()) {
            made_.push_back(p);  // deepest first
            if (p == p.parent_path()) break;
        }
        ec.clear();
        fs::create_directories(dir_, ec);
        if (ec) {
            remove_made();
            throw IoError(dir_ + ": cannot create the report folder: " + ec.message());
        }
    }
    ReportFolder(const ReportFolder&) = delete;
    ReportFolder& operator=(const ReportFolder&) = delete;
    ~ReportFolder() {
        if (!used_) remove_made();
    }
    const std::string& path() const { return dir_; }
    void used() { used_ = true; }

   private:
    void remove_made() {
        std::error_code ignored;  // a folder that is not empty stays
        for (const auto& p : made_) fs::remove(p, ignored);
    }
    std::string dir_;
    std::vector<fs::path> made_;
    bool used_ = false;
};

void write_filtered(std::ostream& out, const Options& options, const dataset::Dataset& data,
                    const metrics::Metrics& m) {
    csv::Writer w(out, options.csv_safe);
    std::string text;  // each row's raw content, rebuilt
    if (options.keep_columns) {
        w.write_row(data.header);
        for (std::size_t i : m.kept_rows) w.write_row(data.row(i, text));
    } else {
        w.write_row(std::vector<std::string>{"content", "label"});
        for (std::size_t i : m.kept_rows)
            w.write_row(std::vector<std::string_view>{data.text(i, text), data.label_of(i)});
    }
}

void write_rejected(std::ostream& out, const Options& options, const dataset::Dataset& data,
                    const dedup::NearDupResult& dups, const metrics::Metrics& m) {
    csv::Writer w(out, options.csv_safe);
    std::vector<std::string> header = data.header;
    header.push_back("reason");
    header.push_back("cluster");
    w.write_row(header);
    std::string text;
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (m.reasons[i] == metrics::Reason::kKeep) continue;
        std::vector<std::string_view> row = data.row(i, text);
        std::string cluster = dups.cluster[i] >= 0 ? std::to_string(dups.cluster[i]) : "";
        row.push_back(metrics::reason_name(m.reasons[i]));
        row.push_back(cluster);
        w.write_row(row);
    }
}

void write_pairs(std::ostream& out, const dedup::NearDupResult& dups) {
    out << "row_i,row_j,jaccard\n";
    char buf[64];
    for (const auto& p : dedup::row_pairs(dups)) {
        int len = std::snprintf(buf, sizeof buf, "%u,%u,%.6f\n", p.i, p.j, p.jaccard);
        out.write(buf, len);
    }
}

std::string report_dir(const Options& options) {
    return options.report_dir.empty() ? join_path("reports", stem_of(options.inputs.front()))
                                      : options.report_dir;
}

/// The three row files — filtered.csv, rejected.csv, --pairs: the bulk of the output —
/// written to their temporaries, then committed by write_outputs with the other files.
struct RowFiles {
    std::unique_ptr<ReportFolder> folder;
    std::vector<std::unique_ptr<OutputFile>> files;  ///< in write_outputs' commit order
    bool written = false;
    std::exception_ptr error;  ///< what writing them threw, rethrown where write_outputs would
};

/// Writes the row files, filtered.csv on a second thread; the folder is made if still missing.
void write_rows(const Options& options, const dataset::Dataset& data,
                const dedup::NearDupResult& dups, const metrics::Metrics& m, RowFiles& rows) {
    if (!rows.folder) rows.folder = std::make_unique<ReportFolder>(report_dir(options));
    const std::string& dir = rows.folder->path();
    auto open = [&](const std::string& path) -> std::ostream& {
        rows.files.push_back(std::make_unique<OutputFile>(path));
        return rows.files.back()->stream();
    };
    std::ostream& filtered_out =
        open(options.filtered.empty() ? join_path(dir, "filtered.csv") : options.filtered);
    std::ostream& rejected_out =
        open(options.rejected.empty() ? join_path(dir, "rejected.csv") : options.rejected);
    std::ostream* pairs_out = options.pairs.empty() ? nullptr : &open(options.pairs);
    // Each file's writeback starts once it is written: commit()'s fsync then waits for less.
    OutputFile& filtered_file = *rows.files[0];
    std::exception_ptr filtered_error;
    std::thread filtered_writer([&] {
        try {
            write_filtered(filtered_out, options, data, m);
            filtered_file.start_writeback();
        } catch (...) {
            filtered_error = std::current_exception();
        }
    });
    try {
        write_rejected(rejected_out, options, data, dups, m);
        rows.files[1]->start_writeback();
        if (pairs_out) write_pairs(*pairs_out, dups);
    } catch (...) {
        filtered_writer.join();
        throw;
    }
    filtered_writer.join();
    if (filtered_error) std::rethrow_exception(filtered_error);
    rows.written = true;
}

/// Whether the row files can be written beside the diversity figures: nothing after the filter
/// changes a row's reason (--reference marks rows contaminated later) and none goes to stdout
/// (a later error must leave nothing written).
bool rows_early(const Options& options) {
    return options.references.empty() && options.filtered != "-" && options.rejected != "-" &&
           options.pairs != "-";
}

/// Writes every file to a temporary, then renames them all into place; returns the folder.
/// The row files may be written already (write_rows beside the figures).
std::string write_outputs(const Options& options, const Settings& s, const Results& r,
                          const Rendered& rendered, RowFiles& rows) {
    if (!rows.folder) rows.folder = std::make_unique<ReportFolder>(report_dir(options));
    ReportFolder& folder = *rows.folder;
    const std::string& dir = folder.path();
    std::vector<std::unique_ptr<OutputFile>> files;
    auto open = [&](const std::string& path) -> std::ostream& {
        files.push_back(std::make_unique<OutputFile>(path));
        return files.back()->stream();
    };
    open(join_path(dir, "report.md")) << rendered.markdown;
    open(join_path(dir, "metrics.json")) << rendered.json;
    for (const auto& [name, svg] : rendered.charts) open(join_path(dir, name)) << svg;
    const std::size_t rows_at = files.size();  // the row files' place in the commit order
    if (!options.reference_pairs.empty())
        open(options.reference_pairs) << ground_truth::reference_pairs_csv(
            *r.contamination, s.references.file, s.references.index, s.references.files);
    if (options.review > 0) {
        const bool html = options.review_format == "html";
        const std::string path = !options.review_out.empty()
                                     ? options.review_out
                                     : join_path(dir, html ? "review.html" : "review.json");
        open(path) << r.review_page;
        if (!html) {
            const fs::path config = fs::path(path).parent_path() /
                                    (fs::path(path).stem().string() + ".label_config.xml");
            open(config.string()) << r.review_config;
        }
    }
    // The row files: written beside the figures, or now.
    if (rows.error) std::rethrow_exception(rows.error);
    if (!rows.written) write_rows(options, r.data, r.dups, r.metrics, rows);
    files.insert(files.begin() + static_cast<std::ptrdiff_t>(rows_at),
                 std::make_move_iterator(rows.files.begin()),
                 std::make_move_iterator(rows.files.end()));
    rows.files.clear();
    if (r.gate && !options.junit.empty()) open(options.junit) << gate::junit_xml(*r.gate);
    stop_if_requested();
    // A failed write (disk full, `ulimit -f`) shows at the flush: that file is committed first,
    // so its IoError comes before any output is renamed into place.
    for (auto& f : files)
        if (!f->stream().flush()) f->commit();
    commit_all(files);
    folder.used();
    return dir;
}

/// The gate's failures on stderr (and in $GITHUB_STEP_SUMMARY), then a one-line summary.
void tell_user(const Options& options, const Results& r, const std::string& dir) {
    if (r.gate) {
        if (const char* summary = std::getenv("GITHUB_STEP_SUMMARY"); summary && *summary) {
            std::ofstream out(summary, std::ios::app);
            out << "### synthmod-stats gate: " << report::escape_text(options.inputs.front(), 200)
                << "\n\n"
                << gate::markdown_table(*r.gate) << "\n";
        }
        for (const auto& c : r.gate->checks)
            if (!c.passed) std::cerr << "synthmod-stats: gate: " << c.message << "\n";
    }
    if (options.quiet) return;
    const auto& m = r.metrics;
    std::cerr << "synthmod-stats: " << m.rows << " rows, " << m.exact_dup_rows
              << " exact duplicates, " << m.near_dup_removed << " near-duplicate rows, "
              << m.label_conflict_rows << " in label conflicts; kept " << m.kept_rows.size()
              << "; report in " << dir;
    if (r.gate) std::cerr << "; gate " << (r.gate->passed() ? "passed" : "FAILED");
    std::cerr << "\n";
}

}  // namespace

int run(const Options& options) {
    StageClock clock(options.timings);
    const Settings settings = settle(options);
    // The row files are written beside the diversity figures when nothing later changes them
    // (the cores would otherwise idle while they are fsynced); an error is kept for its turn.
    RowFiles rows;
    RowsBeside rows_beside;
    if (rows_early(options))
        rows_beside = [&](const Results& r, const metrics::Metrics& m) {
            try {
                write_rows(options, r.data, r.dups, m, rows);
            } catch (...) {
                rows.error = std::current_exception();
            }
        };
    const Results results = compute(options, settings, clock, rows_beside);
    const Rendered rendered = render(options, settings, results);
    clock.lap("report");
    stop_if_requested();
    const std::string dir = write_outputs(options, settings, results, rendered, rows);
    clock.lap("write");
    tell_user(options, results, dir);
    return results.gate && !results.gate->passed() ? static_cast<int>(ExitCode::kGateFailed) : 0;
}

}  // namespace synthmod::stats
