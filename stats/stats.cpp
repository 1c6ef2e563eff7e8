#include "stats/stats.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "common/csv.h"
#include "common/errors.h"
#include "common/output_file.h"
#include "common/signals.h"
#include "common/spec.h"
#include "common/text.h"
#include "stats/compare.h"
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

/// read_table's UTF-8 check, per record as it streams in: `file:line: invalid UTF-8 ...`.
void check_utf8(const std::string& name, std::size_t line, const std::vector<std::string>& fields,
                const std::vector<std::string>* header) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
        std::size_t bad = 0;
        if (text::is_valid_utf8(fields[i], &bad)) continue;
        std::size_t at = line;
        for (std::size_t k = 0; k < i; ++k)
            at += static_cast<std::size_t>(std::count(fields[k].begin(), fields[k].end(), '\n'));
        at += static_cast<std::size_t>(
            std::count(fields[i].begin(), fields[i].begin() + static_cast<long>(bad), '\n'));
        char byte[8];
        std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned char>(fields[i][bad]));
        std::string where =
            header ? "in column \"" + printable((*header)[i]) + "\"" : std::string("in the header");
        throw InputError(name, at, "invalid UTF-8 (byte " + std::string(byte) + ") " + where);
    }
}

}  // namespace

metrics::Dataset load_inputs(const std::vector<std::string>& paths) {
    if (paths.empty()) throw UsageError("--in is required");
    if (std::count(paths.begin(), paths.end(), std::string("-")) > 1)
        throw UsageError("--in -: stdin can be read only once");
    metrics::Dataset data;
    // Streamed record by record into the compact row store (a whole csv::Table would hold every
    // field as its own string next to the store).
    for (const auto& path : paths) {
        auto reader = csv::Reader::open(path);
        const std::string& name = reader->name();
        std::vector<std::string> header;
        if (!reader->next(header)) throw InputError(name, 1, "empty file (no header row)");
        const std::size_t header_line = reader->line();
        check_utf8(name, header_line, header, nullptr);
        for (const char* required : {"content", "label"})
            if (std::find(header.begin(), header.end(), required) == header.end())
                throw InputError(name, header_line,
                                 std::string("missing column \"") + required + "\"");
        if (data.header.empty()) data.header = header;
        // Columns by name: a shard may order them differently but must have the same set.
        std::vector<int> map;
        for (const auto& column : data.header) {
            auto it = std::find(header.begin(), header.end(), column);
            if (it == header.end())
                throw InputError(name, header_line,
                                 "column \"" + printable(column) + "\" of " + paths.front() +
                                     " is missing (shards must share their columns)");
            map.push_back(static_cast<int>(it - header.begin()));
        }
        if (header.size() != data.header.size())
            throw InputError(name, header_line,
                             "has " + std::to_string(header.size()) + " columns, the first input " +
                                 std::to_string(data.header.size()) +
                                 " (shards must share their columns)");
        bool same_order = true;
        for (std::size_t k = 0; k < map.size(); ++k) same_order &= map[k] == static_cast<int>(k);
        const auto file_index = static_cast<std::uint32_t>(data.files.size());
        data.files.push_back(name);
        std::vector<std::string> fields, ordered;
        while (reader->next(fields)) {
            check_utf8(name, reader->line(), fields, &header);
            if (fields.size() != header.size())
                throw InputError(name, reader->line(),
                                 "expected " + std::to_string(header.size()) + " fields, found " +
                                     std::to_string(fields.size()));
            if (same_order) {
                data.add_row(fields, file_index, reader->line());
            } else {
                ordered.clear();
                for (int c : map) ordered.push_back(fields[c]);
                data.add_row(ordered, file_index, reader->line());
            }
            fields.clear();
        }
    }
    return data;
}

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

int run(const Options& options) {
    StageClock clock(options.timings);
    // ---- validate everything before any output exists ----
    int threads = options.threads > 0
                      ? options.threads
                      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    std::optional<spec::Spec> sp;
    if (!options.spec.empty()) sp = spec::load(options.spec);

    dedup::NearDupOptions dd;
    std::string shingle = sp ? sp->dedup.shingle : "char";
    dd.ngram = sp ? sp->dedup.ngram : 5;
    dd.threshold = sp ? sp->dedup.threshold : 0.8;
    dd.num_perm = sp ? sp->dedup.num_perm : 128;
    if (options.shingle) shingle = *options.shingle;
    if (options.ngram) dd.ngram = *options.ngram;
    if (options.threshold) dd.threshold = *options.threshold;
    if (options.num_perm) dd.num_perm = *options.num_perm;
    if (shingle != "char" && shingle != "word")
        throw UsageError("--shingle: expected char or word, got '" + shingle + "'");
    dd.shingle = shingle == "word" ? minhash::ShingleKind::kWord : minhash::ShingleKind::kChar;
    if (dd.ngram < 1 || dd.ngram > 64) throw UsageError("--ngram: must be between 1 and 64");
    if (!(dd.threshold > 0 && dd.threshold <= 1))
        throw UsageError("--threshold: must be in (0, 1]");
    if (dd.num_perm < 1 || dd.num_perm > 1024)
        throw UsageError("--num-perm: must be between 1 and 1024");
    if (options.lsh_rounds < 1 || options.lsh_rounds > 64)
        throw UsageError("--lsh-rounds: must be between 1 and 64");
    dd.rounds = options.lsh_rounds;
    dd.threads = threads;
    dd.seed = 42;

    std::map<std::string, double> thresholds;
    std::string gate_source = "--gate-set";
    if (sp) {
        thresholds = sp->gate.thresholds;
        gate_source = "the spec's [gate] (" + base_name(options.spec) + ")";
    }
    for (const auto& s : options.gate_set) {
        auto [k, v] = gate::parse_setting(s);
        thresholds[k] = v;
    }
    if (sp && !options.gate_set.empty()) gate_source += " with --gate-set overrides";
    if (options.gate && thresholds.empty())
        throw UsageError(
            "--gate: no thresholds (give --spec with a [gate] table or --gate-set key=value)");

    std::string baseline_text;
    if (!options.baseline.empty()) {
        baseline_text = read_file(options.baseline);
        compare::against_baseline(options.baseline, baseline_text, metrics::Metrics{});
    }

    // Issue 13: the review page, people's labels, a real test set.
    if (options.review_format != "html" && options.review_format != "label-studio")
        throw UsageError("--review-format: expected html or label-studio, got '" +
                         options.review_format + "'");
    if (options.review_blind != "answer" && options.review_blind != "full")
        throw UsageError("--review-blind: expected answer or full, got '" + options.review_blind +
                         "'");
    if (!options.reference_pairs.empty() && options.references.empty())
        throw UsageError("--reference-pairs needs --reference F");
    std::vector<gold::Reviewer> reviewers;
    for (const auto& path : options.gold)
        for (auto& r : gold::read_gold(path)) reviewers.push_back(std::move(r));
    const reference::ReferenceSet refs = reference::load_references(options.references);

    metrics::Dataset data = load_inputs(options.inputs);
    clock.lap("read", data.size());
    stop_if_requested();
    if (!options.compare_by.empty() &&
        std::find(data.header.begin(), data.header.end(), options.compare_by) == data.header.end())
        throw UsageError("--compare-by: the input has no column '" + options.compare_by + "'");
    metrics::prepare(data, threads);
    clock.lap("normalise", data.size());
    stop_if_requested();

    // ---- compute ----
    auto dups = dedup::find_near_duplicates(data.normalized, dd);
    clock.lap("near-dup", data.size());
    stop_if_requested();
    metrics::Reference reference;
    if (sp) {
        for (const auto& l : sp->labels) reference.labels.push_back(l.name);
        reference.weights = sp->label_weights;
        reference.min_realism = sp->gate.min_realism;
    }
    metrics::Metrics m = metrics::compute(data, dups, reference, {}, threads);
    m.raw_exact_dup_rows = data.raw_exact_dup_rows;

    clock.lap("metrics", data.size());
    stop_if_requested();

    std::vector<std::string> extra_sections;
    std::vector<gate::Figure> extra_figures;
    auto add_figures = [&](const std::vector<gate::Figure>& f) {
        extra_figures.insert(extra_figures.end(), f.begin(), f.end());
    };
    const auto votes = ground_truth::vote_figures(data);
    if (votes.tie_rows > 0 ||
        std::find(data.header.begin(), data.header.end(), "judge_votes") != data.header.end()) {
        extra_sections.push_back(ground_truth::votes_markdown(votes));
        add_figures(ground_truth::vote_named_figures(votes));
    }
    std::optional<reference::Result> contamination;
    if (!options.references.empty()) {
        contamination = reference::find_contamination(data.normalized, refs.views(), dd);
        // A contaminated row is rejected whatever else holds for it.
        std::vector<std::size_t> kept;
        for (std::size_t i : m.kept_rows) {
            if (contamination->contaminated[i]) {
                m.reasons[i] = metrics::Reason::kContaminated;
                ++m.rejected_by_reason[metrics::reason_name(metrics::Reason::kContaminated)];
            } else {
                kept.push_back(i);
            }
        }
        m.kept_rows = std::move(kept);
        ground_truth::ContaminationInput ci;
        ci.result = &*contamination;
        ci.rows = data.size();
        ci.reference_rows = refs.normalized.size();
        for (const auto& f : refs.files) ci.files.push_back(base_name(f));
        ci.row_text = [&](std::uint32_t i) { return data.text(i); };
        ci.ref_text = [&](std::uint32_t j) { return refs.raw[j]; };
        ci.ref_where = [&](std::uint32_t j) {
            return base_name(refs.files[refs.file[j]]) + " row " + std::to_string(refs.index[j]);
        };
        extra_sections.push_back(ground_truth::contamination_markdown(ci));
        add_figures(ground_truth::contamination_figures(*contamination, data.size()));
        clock.lap("reference", data.size());
    }
    if (!options.gold.empty()) {
        // The labels a person may give: the spec's, then those in the data (ours, the judge's).
        std::vector<std::string> labels = reference.labels;
        auto add = [&](const std::string& l) {
            if (!l.empty() && std::find(labels.begin(), labels.end(), l) == labels.end())
                labels.push_back(l);
        };
        for (const auto& [l, n] : m.label_counts) add(l);
        for (const auto& l : m.confusion_labels) add(l);
        auto figures = gold::compute(reviewers, gold::row_facts(data), labels);
        std::vector<std::string> files;
        for (const auto& f : options.gold) files.push_back(base_name(f));
        extra_sections.push_back(ground_truth::gold_markdown(figures, files));
        add_figures(ground_truth::gold_figures(figures));
    }
    std::string review_page, review_config;
    if (options.review > 0) {
        auto page = review::build_page(
            data, options.review, sp ? static_cast<std::uint64_t>(sp->seed) : 42, reference.labels);
        page.title = "synthmod review: " + base_name(options.inputs.front());
        page.blind_full = options.review_blind == "full";
        if (options.review_format == "html") {
            review_page = review::html(page);
        } else {
            review_page = review::label_studio_tasks(page);
            review_config = review::label_studio_config(page);
        }
    }

    std::optional<gate::Result> gate_result;
    if (options.gate) gate_result = gate::evaluate(thresholds, m, extra_figures);
    std::optional<compare::Comparison> comparison;
    if (!options.compare_by.empty())
        comparison = compare::by_column(data, options.compare_by, dd, reference,
                                        sp ? static_cast<std::uint64_t>(sp->seed) : 42);
    std::optional<compare::Baseline> baseline;
    if (!options.baseline.empty())
        baseline = compare::against_baseline(options.baseline, baseline_text, m);

    report::Input in;
    in.data = &data;
    in.metrics = &m;
    in.dups = &dups;
    // File names only: a report must not depend on where the checkout lives (the committed
    // example report is regenerated byte for byte on other machines).
    for (const auto& path : options.inputs) in.info.inputs.push_back(base_name(path));
    in.info.spec = options.spec;
    in.info.shingle = shingle;
    in.info.ngram = dd.ngram;
    in.info.threshold = dd.threshold;
    in.info.num_perm = dd.num_perm;
    in.info.gate_source = gate_source;
    in.gate = gate_result ? &*gate_result : nullptr;
    in.comparison = comparison ? &*comparison : nullptr;
    in.baseline = baseline ? &*baseline : nullptr;
    in.extra_sections = std::move(extra_sections);
    in.extra_figures = extra_figures;
    const std::string md = report::markdown(in);
    const std::string json = report::metrics_json(in);
    const auto svgs = report::charts(in);

    clock.lap("report");
    stop_if_requested();

    // ---- write: every file to a temporary, then all renamed into place ----
    const std::string dir = options.report_dir.empty()
                                ? join_path("reports", stem_of(options.inputs.front()))
                                : options.report_dir;
    std::error_code ec;
    // The folders this run creates (deepest first), removed again if nothing gets written.
    std::vector<fs::path> made;
    for (fs::path p = fs::absolute(dir, ec); !ec && !p.empty() && !fs::exists(p, ec);
         p = p.parent_path()) {
        made.push_back(p);
        if (p == p.parent_path()) break;
    }
    struct RemoveIfUnused {
        const std::vector<fs::path>& made;
        bool used = false;
        ~RemoveIfUnused() {
            std::error_code ignored;  // a folder that is not empty stays
            if (!used)
                for (const auto& p : made) fs::remove(p, ignored);
        }
    } made_guard{made};
    ec.clear();
    fs::create_directories(dir, ec);
    if (ec) throw IoError(dir + ": cannot create the report folder: " + ec.message());
    std::vector<std::unique_ptr<OutputFile>> files;
    auto open = [&](const std::string& path) -> std::ostream& {
        files.push_back(std::make_unique<OutputFile>(path));
        return files.back()->stream();
    };
    open(join_path(dir, "report.md")) << md;
    open(join_path(dir, "metrics.json")) << json;
    for (const auto& [name, svg] : svgs) open(join_path(dir, name)) << svg;
    // The three row files are the bulk of the output: filtered.csv on a second thread.
    std::ostream& filtered_out =
        open(options.filtered.empty() ? join_path(dir, "filtered.csv") : options.filtered);
    std::ostream& rejected_out =
        open(options.rejected.empty() ? join_path(dir, "rejected.csv") : options.rejected);
    std::ostream* pairs_out = options.pairs.empty() ? nullptr : &open(options.pairs);
    if (!options.reference_pairs.empty())
        open(options.reference_pairs)
            << ground_truth::reference_pairs_csv(*contamination, refs.file, refs.index, refs.files);
    if (options.review > 0) {
        const bool html = options.review_format == "html";
        const std::string path = !options.review_out.empty()
                                     ? options.review_out
                                     : join_path(dir, html ? "review.html" : "review.json");
        open(path) << review_page;
        if (!html) {
            fs::path config = fs::path(path).parent_path() /
                              (fs::path(path).stem().string() + ".label_config.xml");
            open(config.string()) << review_config;
        }
    }
    std::exception_ptr filtered_error;
    std::thread filtered_writer([&] {
        try {
            csv::Writer w(filtered_out, options.csv_safe);
            std::string text;  // each row's raw content, rebuilt
            if (options.keep_columns) {
                w.write_row(data.header);
                for (std::size_t i : m.kept_rows) w.write_row(data.row(i, text));
            } else {
                w.write_row(std::vector<std::string>{"content", "label"});
                for (std::size_t i : m.kept_rows)
                    w.write_row(
                        std::vector<std::string_view>{data.text(i, text), data.label_of(i)});
            }
        } catch (...) {
            filtered_error = std::current_exception();
        }
    });
    try {
        csv::Writer w(rejected_out, options.csv_safe);
        auto header = data.header;
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
        if (pairs_out) {
            *pairs_out << "row_i,row_j,jaccard\n";
            char buf[64];
            for (const auto& p : dedup::row_pairs(dups)) {
                int len = std::snprintf(buf, sizeof buf, "%u,%u,%.6f\n", p.i, p.j, p.jaccard);
                pairs_out->write(buf, len);
            }
        }
    } catch (...) {
        filtered_writer.join();
        throw;
    }
    filtered_writer.join();
    if (filtered_error) std::rethrow_exception(filtered_error);
    if (gate_result && !options.junit.empty()) open(options.junit) << gate::junit_xml(*gate_result);
    stop_if_requested();
    // A failed write (disk full, `ulimit -f`) shows at the flush: that file is committed first,
    // so its IoError comes before any output is renamed into place.
    for (auto& f : files)
        if (!f->stream().flush()) f->commit();
    for (auto& f : files) f->commit();
    made_guard.used = true;
    clock.lap("write");

    // ---- tell the user ----
    if (gate_result) {
        if (const char* summary = std::getenv("GITHUB_STEP_SUMMARY"); summary && *summary) {
            std::ofstream out(summary, std::ios::app);
            out << "### synthmod-stats gate: " << report::escape_text(options.inputs.front(), 200)
                << "\n\n"
                << gate::markdown_table(*gate_result) << "\n";
        }
        for (const auto& c : gate_result->checks)
            if (!c.passed) std::cerr << "synthmod-stats: gate: " << c.message << "\n";
    }
    if (!options.quiet) {
        std::cerr << "synthmod-stats: " << m.rows << " rows, " << m.exact_dup_rows
                  << " exact duplicates, " << m.near_dup_removed << " near-duplicate rows, "
                  << m.label_conflict_rows << " in label conflicts; kept " << m.kept_rows.size()
                  << "; report in " << dir;
        if (gate_result) std::cerr << "; gate " << (gate_result->passed() ? "passed" : "FAILED");
        std::cerr << "\n";
    }
    return gate_result && !gate_result->passed() ? static_cast<int>(ExitCode::kGateFailed) : 0;
}

}  // namespace synthmod::stats
