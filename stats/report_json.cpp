// report_json: metrics.json, every entry of the table of figures (common/figures.h) in its order,
// then the gate, comparison and baseline sections of a run that has them.
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <stdexcept>

#include "stats/figures.h"
#include "stats/report.h"

namespace synthmod::report {

namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;
using figures::Id;

/// Shortest round-trip form (std::to_chars), so a figure reads back bit-identical.
void number(Writer& w, double v) {
    if (!std::isfinite(v)) {
        w.Null();
        return;
    }
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf - 3, v);
    std::size_t len = static_cast<std::size_t>(res.ptr - buf);
    if (std::string_view(buf, len).find_first_of(".e") == std::string_view::npos) {
        buf[len++] = '.';
        buf[len++] = '0';
    }
    w.RawValue(buf, len, rapidjson::kNumberType);
}

void number(Writer& w, const std::optional<double>& v) {
    if (v)
        number(w, *v);
    else
        w.Null();
}

void string_list(Writer& w, const std::vector<std::string>& v) {
    w.StartArray();
    for (const auto& s : v) w.String(s);
    w.EndArray();
}

/// {"name": count, ...} in the map's order.
void count_object(Writer& w, const std::map<std::string, std::size_t>& counts) {
    w.StartObject();
    for (const auto& [name, c] : counts) {
        w.Key(name);
        w.Uint64(c);
    }
    w.EndObject();
}

void length_object(Writer& w, const metrics::LabelLength& l) {
    w.StartObject();
    w.Key("mean");
    number(w, l.mean);
    w.Key("median");
    number(w, l.median);
    w.Key("p95");
    number(w, l.p95);
    w.EndObject();
}

void label_shares(Writer& w, const metrics::Metrics& m) {
    w.StartObject();
    for (const auto& [label, c] : m.label_counts) {
        w.Key(label);
        number(w, m.rate(c));
    }
    w.EndObject();
}

/// One near-duplicate cluster: {"cluster", "rows", "labels", "first_row"}.
void cluster_object(Writer& w, int cluster, std::size_t rows, const std::vector<std::string>& labels,
                    std::size_t first_row) {
    w.StartObject();
    w.Key("cluster");
    w.Int(cluster);
    w.Key("rows");
    w.Uint64(rows);
    w.Key("labels");
    string_list(w, labels);
    w.Key("first_row");
    w.Uint64(first_row);
    w.EndObject();
}

void label_conflicts(Writer& w, const metrics::Metrics& m) {
    w.StartArray();
    for (const auto& c : m.conflicts) cluster_object(w, c.cluster, c.rows, c.labels, c.example_row);
    w.EndArray();
}

void largest_clusters(Writer& w, const Input& in) {
    w.StartArray();
    if (in.data != nullptr) {
        for (const auto& c : figures::largest_clusters(*in.dups, *in.data))
            cluster_object(w, c.cluster, c.rows, c.labels, c.first_row);
    }
    w.EndArray();
}

/// The near-duplicate search as run: the method, options, and for LSH its banding and match
/// probabilities (null bands, rows and rounds and probability 1 for the exact join).
void dedup_object(Writer& w, const Input& in) {
    const auto& d = *in.dups;
    const auto& o = in.info.dedup;
    const bool lsh = d.method == dedup::Method::kLsh;
    auto int_or_null = [&](int v) { lsh ? static_cast<void>(w.Int(v)) : static_cast<void>(w.Null()); };
    w.StartObject();
    w.Key("method");
    w.String(dedup::method_name(d.method));
    w.Key("shingle");
    w.String(o.shingle);
    w.Key("ngram");
    w.Int(o.ngram);
    w.Key("threshold");
    number(w, o.threshold);
    w.Key("num_perm");
    w.Int(o.num_perm);
    w.Key("bands");
    int_or_null(d.banding.bands);
    w.Key("rows_per_band");
    int_or_null(d.banding.rows);
    w.Key("rounds");
    int_or_null(d.rounds);
    w.Key("max_miss");
    number(w, d.options.max_miss);
    w.Key("match_probability");
    w.StartArray();
    for (const auto& p : figures::match_probabilities(o.threshold, d.banding, d.rounds)) {
        w.StartObject();
        w.Key("jaccard");
        number(w, p.jaccard);
        w.Key("probability");
        number(w, lsh ? p.probability : 1.0);
        w.EndObject();
    }
    w.EndArray();
    w.Key("unique_texts");
    w.Uint64(d.unique_texts);
    w.Key("candidate_pairs");
    w.Uint64(d.candidates);
    w.EndObject();
}

/// {"labels": [...], "matrix": [[...], ...]}; `cell` writes one cell (counts or weights).
template <class Cell>
void labelled_matrix(Writer& w, const std::vector<std::string>& labels,
                     const Eigen::MatrixXd& matrix, Cell cell) {
    w.StartObject();
    w.Key("labels");
    string_list(w, labels);
    w.Key("matrix");
    w.StartArray();
    for (Eigen::Index r = 0; r < matrix.rows(); ++r) {
        w.StartArray();
        for (Eigen::Index c = 0; c < matrix.cols(); ++c) cell(matrix(r, c));
        w.EndArray();
    }
    w.EndArray();
    w.EndObject();
}

/// One label's {"precision", "recall", "f1", "support"}: support a row count or a weight.
void support_value(Writer& w, std::size_t rows) { w.Uint64(rows); }
void support_value(Writer& w, double weight) { number(w, weight); }
template <class PerLabel>
void precision_recall(Writer& w, const PerLabel& p) {
    w.StartObject();
    w.Key("precision");
    number(w, p.precision);
    w.Key("recall");
    number(w, p.recall);
    w.Key("f1");
    number(w, p.f1);
    w.Key("support");
    support_value(w, p.support);
    w.EndObject();
}

void confusion(Writer& w, const metrics::Metrics& m) {
    if (!m.kappa) {
        w.Null();
        return;
    }
    labelled_matrix(w, m.confusion_labels, m.confusion,
                    [&w](double n) { w.Uint64(static_cast<std::uint64_t>(n)); });
}

void per_label(Writer& w, const metrics::Metrics& m) {
    w.StartObject();
    for (const auto& [label, p] : m.per_label) {
        w.Key(label);
        precision_recall(w, p);
    }
    w.EndObject();
}

/// judge_human_confusion: {"labels": [...], "matrix": [[...], ...]}, rows the gold label,
/// columns the judge's, weighted rows; null unless a gold row was graded ok by the judge (as
/// report.md's "Against people" shows it).
void judge_human_confusion(Writer& w, const gold::Figures* g) {
    if (g == nullptr || g->judge_human_rows == 0) {
        w.Null();
        return;
    }
    labelled_matrix(w, g->confusion_labels, g->confusion, [&w](double x) { number(w, x); });
}

/// judge_human_per_label: per label (confusion order) precision, recall, F1 and the weighted
/// gold rows; null when judge_human_confusion is.
void judge_human_per_label(Writer& w, const gold::Figures* g) {
    if (g == nullptr || g->judge_human_rows == 0) {
        w.Null();
        return;
    }
    w.StartObject();
    for (const auto& label : g->confusion_labels) {
        w.Key(label);
        precision_recall(w, g->per_label.at(label));
    }
    w.EndObject();
}

void realism_histogram(Writer& w, const metrics::Metrics& m) {
    w.StartObject();
    for (int r = 0; r < 5; ++r) {
        w.Key(std::to_string(r + 1));
        w.Uint64(m.judged ? m.realism_histogram[r] : 0);
    }
    w.EndObject();
}

void length_words(Writer& w, const metrics::Metrics& m) {
    w.StartObject();
    w.Key("all");
    length_object(w, m.length_all);
    w.Key("by_label");
    w.StartObject();
    for (const auto& [label, l] : m.length_by_label) {
        w.Key(label);
        length_object(w, l);
    }
    w.EndObject();
    w.EndObject();
}

void top_openings(Writer& w, const metrics::Metrics& m) {
    w.StartArray();
    for (const auto& op : m.top_openings) {
        w.StartObject();
        w.Key("words");
        w.String(op.words);
        w.Key("rows");
        w.Uint64(op.count);
        w.Key("share");
        number(w, op.share);
        w.EndObject();
    }
    w.EndArray();
}

/// {"targets": [...], "labels": [...], "counts": [[...], ...]}: rows are target labels.
void drift_matrix(Writer& w, const metrics::Metrics& m) {
    w.StartObject();
    w.Key("targets");
    string_list(w, m.drift_targets);
    w.Key("labels");
    string_list(w, m.drift_returned);
    w.Key("counts");
    w.StartArray();
    for (const auto& row : m.drift_matrix) {
        w.StartArray();
        for (auto n : row) w.Uint64(n);
        w.EndArray();
    }
    w.EndArray();
    w.EndObject();
}

/// {"labels": [{label, asked, answered, refused, failed, drifted_in, drifted_out, kept,
/// shortfall, fill}...], "min_fill"}: what synthmod-generate --top-up reads.
void quota(Writer& w, const metrics::Metrics& m) {
    w.StartObject();
    w.Key("labels");
    w.StartArray();
    for (const auto& q : m.quota) {
        w.StartObject();
        w.Key("label");
        w.String(q.label);
        const std::pair<const char*, std::size_t> counts[] = {
            {"asked", q.asked},       {"answered", q.answered},       {"refused", q.refused},
            {"failed", q.failed},     {"drifted_in", q.drifted_in},   {"drifted_out", q.drifted_out},
            {"kept", q.kept},         {"shortfall", q.shortfall}};
        for (const auto& [key, n] : counts) {
            w.Key(key);
            w.Uint64(n);
        }
        w.Key("fill");
        number(w, q.fill);
        w.EndObject();
    }
    w.EndArray();
    w.Key("min_fill");
    number(w, m.min_quota_fill());
    w.EndObject();
}

/// An entry that is not a number (Kind kText, kFlag, kTable).
void other_entry(Writer& w, Id id, const Input& in) {
    const auto& m = *in.metrics;
    switch (id) {
        case Id::kLabelCounts:
            return count_object(w, m.label_counts);
        case Id::kLabelShares:
            return label_shares(w, m);
        case Id::kChiSquareReference:
            w.String(m.chi_reference);
            return;
        case Id::kSpecLabelsMissing:
            return string_list(w, m.spec_labels_missing);
        case Id::kUnknownLabels:
            return string_list(w, m.unknown_labels);
        case Id::kDriftMatrix:
            return drift_matrix(w, m);
        case Id::kQuota:
            return quota(w, m);
        case Id::kLabelConflicts:
            return label_conflicts(w, m);
        case Id::kLargestClusters:
            return largest_clusters(w, in);
        case Id::kDedup:
            return dedup_object(w, in);
        case Id::kJudged:
            w.Bool(m.judged);
            return;
        case Id::kConfusion:
            return confusion(w, m);
        case Id::kPerLabel:
            return per_label(w, m);
        case Id::kRealismHistogram:
            return realism_histogram(w, m);
        case Id::kIssueCounts:
            return count_object(w, m.issue_counts);
        case Id::kGeneratorRefusalSource:
            w.String(m.generator_refusal_source);
            return;
        case Id::kLengthWords:
            return length_words(w, m);
        case Id::kTopOpenings:
            return top_openings(w, m);
        case Id::kRejectedByReason:
            return count_object(w, m.rejected_by_reason);
        case Id::kCostPerAcceptedRowByLabel:
            w.StartObject();
            for (const auto& [label, usd] : m.cost_per_accepted_row_by_label) {
                w.Key(label);
                number(w, usd);
            }
            w.EndObject();
            return;
        case Id::kJudgeHumanConfusion:
            return judge_human_confusion(w, in.gold);
        case Id::kJudgeHumanPerLabel:
            return judge_human_per_label(w, in.gold);
        default:
            // A table row without a writer: every metrics_json call fails on it, tests included.
            throw std::logic_error(std::string("metrics.json: no writer for ") +
                                   figures::of(id).name);
    }
}

/// One entry of the table of figures.
void entry(Writer& w, const figures::Figure& f, const Input& in) {
    w.Key(f.name);
    const auto value = figures::value(f.id, *in.metrics);
    if (f.kind == figures::Kind::kCount && value)
        w.Int64(static_cast<std::int64_t>(*value));
    else if (f.kind == figures::Kind::kCount || f.kind == figures::Kind::kNumber)
        number(w, value);
    else
        other_entry(w, f.id, in);
}

void gate_section(Writer& w, const Input& in) {
    w.Key("gate");
    w.StartObject();
    w.Key("passed");
    w.Bool(in.gate->passed());
    w.Key("source");
    w.String(in.info.gate_source);
    w.Key("checks");
    w.StartArray();
    for (const auto& c : in.gate->checks) {
        w.StartObject();
        w.Key("key");
        w.String(c.key);
        w.Key("metric");
        w.String(c.metric);
        w.Key("threshold");
        number(w, c.threshold);
        w.Key("value");
        number(w, c.value);
        w.Key("passed");
        w.Bool(c.passed);
        w.Key("message");
        w.String(c.message);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
}

/// compare.metrics: per figure, per group its value and (after the first group) the difference
/// with its interval.
void compared_figures(Writer& w, const compare::Comparison& cmp) {
    w.StartObject();
    for (const auto& row : cmp.rows) {
        w.Key(row.metric);
        w.StartObject();
        for (std::size_t g = 0; g < cmp.groups.size(); ++g) {
            w.Key(cmp.groups[g]);
            w.StartObject();
            w.Key("value");
            number(w, row.values[g]);
            if (g > 0) {
                w.Key("diff");
                number(w, row.diff[g]);
                w.Key("lower");
                number(w, row.lower[g]);
                w.Key("upper");
                number(w, row.upper[g]);
            }
            w.EndObject();
        }
        w.EndObject();
    }
    w.EndObject();
}

void compare_section(Writer& w, const compare::Comparison& cmp) {
    w.Key("compare");
    w.StartObject();
    w.Key("column");
    w.String(cmp.column);
    w.Key("groups");
    string_list(w, cmp.groups);
    w.Key("rows");
    w.StartArray();
    for (auto s : cmp.sizes) w.Uint64(s);
    w.EndArray();
    w.Key("bootstrap");
    w.String(cmp.paired ? "paired" : "unpaired");
    w.Key("resamples");
    w.Int(cmp.resamples);
    w.Key("seed");
    w.Uint64(cmp.seed);
    w.Key("metrics");
    compared_figures(w, cmp);
    w.EndObject();
}

void baseline_section(Writer& w, const compare::Baseline& b) {
    w.Key("baseline");
    w.StartObject();
    w.Key("path");
    w.String(b.path);
    w.Key("regressions");
    w.Uint64(b.regressions);
    w.Key("metrics");
    w.StartObject();
    for (const auto& r : b.rows) {
        w.Key(r.metric);
        w.StartObject();
        w.Key("baseline");
        number(w, r.baseline);
        w.Key("current");
        number(w, r.current);
        w.Key("change");  // report.md's "change" column
        number(w, r.change);
        w.Key("allowed");  // the tolerance as it applies to this figure (--baseline-tolerance)
        number(w, r.allowed);
        w.Key("regression");
        w.Bool(r.regression);
        w.EndObject();
    }
    w.EndObject();
    w.EndObject();
}

}  // namespace

std::string metrics_json(const Input& input) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.SetIndent(' ', 2);
    w.StartObject();
    w.Key("tool");
    w.String("synthmod-stats");
    w.Key("inputs");
    string_list(w, input.info.inputs);
    for (const auto& f : figures::all()) entry(w, f, input);
    if (input.gate) gate_section(w, input);
    if (input.comparison) compare_section(w, *input.comparison);
    if (input.baseline) baseline_section(w, *input.baseline);
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace synthmod::report
