// report_json: metrics.json, every figure of the report under the names of DESIGN sections 5/9.
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <charconv>
#include <cmath>

#include "stats/report.h"

namespace synthmod::report {

namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

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

void key(Writer& w, const char* k) { w.Key(k); }

void string_list(Writer& w, const std::vector<std::string>& v) {
    w.StartArray();
    for (const auto& s : v) w.String(s);
    w.EndArray();
}

void length_object(Writer& w, const metrics::LabelLength& l) {
    w.StartObject();
    key(w, "mean");
    number(w, l.mean);
    key(w, "median");
    number(w, l.median);
    key(w, "p95");
    number(w, l.p95);
    w.EndObject();
}

}  // namespace

std::string metrics_json(const Input& input) {
    const auto& m = *input.metrics;
    const auto& d = *input.dups;
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.SetIndent(' ', 2);
    w.StartObject();
    key(w, "tool");
    w.String("synthmod-stats");
    key(w, "inputs");
    string_list(w, input.info.inputs);
    key(w, "rows");
    w.Uint64(m.rows);
    key(w, "label_counts");
    w.StartObject();
    for (const auto& [label, c] : m.label_counts) {
        w.Key(label);
        w.Uint64(c);
    }
    w.EndObject();
    key(w, "label_shares");
    w.StartObject();
    for (const auto& [label, c] : m.label_counts) {
        w.Key(label);
        number(w, m.rate(c));
    }
    w.EndObject();
    key(w, "imbalance_ratio");
    number(w, m.imbalance_ratio);
    key(w, "entropy");
    number(w, m.entropy);
    key(w, "chi_square");
    number(w, m.chi.statistic);
    key(w, "chi_square_df");
    w.Int(m.chi.df);
    key(w, "chi_square_p");
    number(w, m.chi.p);
    key(w, "chi_square_reference");
    w.String(m.chi_reference);
    key(w, "spec_labels_missing");
    string_list(w, m.spec_labels_missing);
    key(w, "unknown_labels");
    string_list(w, m.unknown_labels);

    key(w, "exact_dup_rows");
    w.Uint64(m.exact_dup_rows);
    key(w, "exact_dup_rate");
    number(w, m.exact_dup_rate());
    key(w, "raw_exact_dup_rows");
    w.Uint64(m.raw_exact_dup_rows);
    key(w, "raw_exact_dup_rate");
    number(w, m.rate(m.raw_exact_dup_rows));
    key(w, "empty_rows");
    w.Uint64(m.empty_rows);
    key(w, "short_rows");
    w.Uint64(m.short_rows);
    key(w, "near_dup_pairs");
    w.Uint64(m.near_dup_pairs);
    key(w, "near_dup_clusters");
    w.Uint64(m.near_dup_clusters);
    key(w, "rows_in_clusters");
    w.Uint64(m.rows_in_clusters);
    key(w, "near_dup_removed");
    w.Uint64(m.near_dup_removed);
    key(w, "near_dup_rate");
    number(w, m.near_dup_rate());
    key(w, "label_conflict_clusters");
    w.Uint64(m.conflicts.size());
    key(w, "label_conflict_rows");
    w.Uint64(m.label_conflict_rows);
    key(w, "label_conflict_rate");
    number(w, m.label_conflict_rate());
    key(w, "label_conflicts");
    w.StartArray();
    for (const auto& c : m.conflicts) {
        w.StartObject();
        key(w, "cluster");
        w.Int(c.cluster);
        key(w, "rows");
        w.Uint64(c.rows);
        key(w, "labels");
        string_list(w, c.labels);
        key(w, "first_row");
        w.Uint64(c.example_row);
        w.EndObject();
    }
    w.EndArray();
    key(w, "dedup");
    w.StartObject();
    key(w, "shingle");
    w.String(input.info.shingle);
    key(w, "ngram");
    w.Int(input.info.ngram);
    key(w, "threshold");
    number(w, input.info.threshold);
    key(w, "num_perm");
    w.Int(input.info.num_perm);
    key(w, "bands");
    w.Int(d.banding.bands);
    key(w, "rows_per_band");
    w.Int(d.banding.rows);
    key(w, "rounds");
    w.Int(d.rounds);
    key(w, "unique_texts");
    w.Uint64(d.unique_texts);
    key(w, "candidate_pairs");
    w.Uint64(d.candidates);
    w.EndObject();

    key(w, "judged");
    w.Bool(m.judged);
    key(w, "judge_ok");
    w.Uint64(m.judge_ok);
    key(w, "agreement");
    number(w, m.agreement);
    key(w, "agreement_lower");
    number(w, m.agreement ? std::optional<double>(m.agreement_ci.lower) : std::nullopt);
    key(w, "agreement_upper");
    number(w, m.agreement ? std::optional<double>(m.agreement_ci.upper) : std::nullopt);
    key(w, "kappa");
    number(w, m.kappa);
    key(w, "confusion");
    if (m.kappa) {
        w.StartObject();
        key(w, "labels");
        string_list(w, m.confusion_labels);
        key(w, "matrix");
        w.StartArray();
        for (Eigen::Index r = 0; r < m.confusion.rows(); ++r) {
            w.StartArray();
            for (Eigen::Index c = 0; c < m.confusion.cols(); ++c)
                w.Uint64(static_cast<std::uint64_t>(m.confusion(r, c)));
            w.EndArray();
        }
        w.EndArray();
        w.EndObject();
    } else {
        w.Null();
    }
    key(w, "per_label");
    w.StartObject();
    for (const auto& [label, p] : m.per_label) {
        w.Key(label);
        w.StartObject();
        key(w, "precision");
        number(w, p.precision);
        key(w, "recall");
        number(w, p.recall);
        key(w, "f1");
        number(w, p.f1);
        key(w, "support");
        w.Uint64(p.support);
        w.EndObject();
    }
    w.EndObject();
    key(w, "realism_mean");
    number(w, m.realism_mean);
    key(w, "realism_histogram");
    w.StartObject();
    for (int r = 0; r < 5; ++r) {
        w.Key(std::to_string(r + 1));
        w.Uint64(m.judged ? m.realism_histogram[r] : 0);
    }
    w.EndObject();
    key(w, "issue_counts");
    w.StartObject();
    for (const auto& [tag, c] : m.issue_counts) {
        w.Key(tag);
        w.Uint64(c);
    }
    w.EndObject();
    key(w, "judge_refusal_rate");
    number(w, m.judge_refusal_rate);
    key(w, "judge_error_rate");
    number(w, m.judged ? std::optional<double>(m.rate(m.judge_errors)) : std::nullopt);
    key(w, "generator_refusal_rate");
    number(w, m.generator_refusal_rate());
    key(w, "generator_refusal_source");
    w.String(m.generator_refusal_source);
    key(w, "refusal_rate");
    number(w, m.refusal_rate());

    key(w, "distinct_1");
    number(w, m.distinct_1);
    key(w, "distinct_2");
    number(w, m.distinct_2);
    key(w, "length_words");
    w.StartObject();
    key(w, "all");
    length_object(w, m.length_all);
    key(w, "by_label");
    w.StartObject();
    for (const auto& [label, l] : m.length_by_label) {
        w.Key(label);
        length_object(w, l);
    }
    w.EndObject();
    w.EndObject();
    key(w, "top_openings");
    w.StartArray();
    for (const auto& op : m.top_openings) {
        w.StartObject();
        key(w, "words");
        w.String(op.words);
        key(w, "rows");
        w.Uint64(op.count);
        key(w, "share");
        number(w, op.share);
        w.EndObject();
    }
    w.EndArray();
    key(w, "top_opening_share");
    number(w, m.top_openings.empty() ? 0.0 : m.top_openings.front().share);
    key(w, "persona_coverage");
    number(w, m.persona_coverage);
    key(w, "distinct_personas");
    w.Uint64(m.distinct_personas);

    key(w, "filtered_rows");
    w.Uint64(m.kept_rows.size());
    key(w, "rejected_rows");
    w.Uint64(m.rows - m.kept_rows.size());
    key(w, "rejected_by_reason");
    w.StartObject();
    for (const auto& [reason, c] : m.rejected_by_reason) {
        w.Key(reason);
        w.Uint64(c);
    }
    w.EndObject();
    key(w, "min_realism");
    number(w, m.min_realism);

    if (input.gate) {
        key(w, "gate");
        w.StartObject();
        key(w, "passed");
        w.Bool(input.gate->passed());
        key(w, "source");
        w.String(input.info.gate_source);
        key(w, "checks");
        w.StartArray();
        for (const auto& c : input.gate->checks) {
            w.StartObject();
            key(w, "key");
            w.String(c.key);
            key(w, "metric");
            w.String(c.metric);
            key(w, "threshold");
            number(w, c.threshold);
            key(w, "value");
            number(w, c.value);
            key(w, "passed");
            w.Bool(c.passed);
            key(w, "message");
            w.String(c.message);
            w.EndObject();
        }
        w.EndArray();
        w.EndObject();
    }
    if (input.comparison) {
        const auto& cmp = *input.comparison;
        key(w, "compare");
        w.StartObject();
        key(w, "column");
        w.String(cmp.column);
        key(w, "groups");
        string_list(w, cmp.groups);
        key(w, "rows");
        w.StartArray();
        for (auto s : cmp.sizes) w.Uint64(s);
        w.EndArray();
        key(w, "bootstrap");
        w.String(cmp.paired ? "paired" : "unpaired");
        key(w, "resamples");
        w.Int(cmp.resamples);
        key(w, "seed");
        w.Uint64(cmp.seed);
        key(w, "metrics");
        w.StartObject();
        for (const auto& row : cmp.rows) {
            w.Key(row.metric);
            w.StartObject();
            for (std::size_t g = 0; g < cmp.groups.size(); ++g) {
                w.Key(cmp.groups[g]);
                w.StartObject();
                key(w, "value");
                number(w, row.values[g]);
                if (g > 0) {
                    key(w, "diff");
                    number(w, row.diff[g]);
                    key(w, "lower");
                    number(w, row.lower[g]);
                    key(w, "upper");
                    number(w, row.upper[g]);
                }
                w.EndObject();
            }
            w.EndObject();
        }
        w.EndObject();
        w.EndObject();
    }
    if (input.baseline) {
        const auto& b = *input.baseline;
        key(w, "baseline");
        w.StartObject();
        key(w, "path");
        w.String(b.path);
        key(w, "regressions");
        w.Uint64(b.regressions);
        key(w, "metrics");
        w.StartObject();
        for (const auto& r : b.rows) {
            w.Key(r.metric);
            w.StartObject();
            key(w, "baseline");
            number(w, r.baseline);
            key(w, "current");
            number(w, r.current);
            key(w, "regression");
            w.Bool(r.regression);
            w.EndObject();
        }
        w.EndObject();
        w.EndObject();
    }
    for (const auto& f : input.extra_figures) {
        w.Key(f.name);
        number(w, f.value);
    }
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace synthmod::report
