#include "stats/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "common/errors.h"
#include "stats/charts.h"
#include "stats/figures.h"

namespace synthmod::report {

namespace {

std::string pct(double share) { return fixed(100.0 * share, 2) + " %"; }

std::string opt(const std::optional<double>& v, int decimals = 4) {
    return v ? fixed(*v, decimals) : std::string("n/a");
}

std::string count(std::uint64_t n) { return std::to_string(n); }

/// A ratio that is infinite when a spec label has no row (metrics.json writes null).
std::string ratio(double v, int decimals) {
    return std::isinf(v) ? std::string("infinite (a spec label has no row)") : fixed(v, decimals);
}

std::string signed_fixed(double v, int decimals = 4) {
    std::string s = fixed(v, decimals);
    return v >= 0 ? "+" + s : s;
}

/// Decodes one UTF-8 code point at s[i] (input is valid UTF-8); returns its length.
std::size_t decode(std::string_view s, std::size_t i, char32_t* cp) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (i + len > s.size()) len = 1;
    char32_t v = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < len; ++k)
        v = (v << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    *cp = v;
    return len;
}

}  // namespace

std::string fixed(double value, int decimals) {
    if (std::isnan(value)) return "n/a";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    if (std::string(buf) == "-" + std::string(buf + 1) && std::strtod(buf, nullptr) == 0.0)
        return buf + 1;  // no "-0.0000"
    return buf;
}

std::string escape_text(std::string_view in, std::size_t max_code_points) {
    std::string text = printable(std::string(in));  // ANSI escapes and C0/C1 controls out
    std::string out;
    std::size_t cps = 0;
    bool space = false;
    for (std::size_t i = 0; i < text.size();) {
        char32_t cp;
        std::size_t len = decode(text, i, &cp);
        std::string_view raw(text.data() + i, len);
        i += len;
        if (cp == '\n' || cp == '\r' || cp == '\t' || cp == ' ') {
            space = !out.empty();
            continue;
        }
        // Bidi overrides and isolates could reorder the report's own text.
        if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
            cp == 0x200F || cp == 0xFEFF)
            continue;
        if (cps >= max_code_points) {
            out += "\xe2\x80\xa6";
            return out;
        }
        if (space) {
            out += ' ';
            ++cps;
            space = false;
        }
        ++cps;
        switch (cp) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '|':
            case '`':
            case '*':
            case '_':
            case '[':
            case ']':
            case '\\':
            case '~':
            case '$':
                out += "&#" + std::to_string(static_cast<unsigned>(cp)) + ";";
                break;
            case '#':
            case '=':
            case '-':
            case '+':
            case '!':
                // Only a line's first character starts a heading, rule or list.
                if (out.empty())
                    out += "&#" + std::to_string(static_cast<unsigned>(cp)) + ";";
                else
                    out += raw;
                break;
            default:
                out += raw;
        }
    }
    return out;
}

namespace {

/// Appends each of `names` not yet in `out`.
void add_new(std::vector<std::string>& out, const std::vector<std::string>& names) {
    for (const auto& n : names)
        if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
}

/// The confusion matrix over every spec label, rows and columns, also a label no row has (spec
/// order, from the quota), then the other labels ours or the judge's; counts as metrics.json's.
/// The chart and the report's table both show it.
struct FullConfusion {
    std::vector<std::string> labels;
    Eigen::MatrixXd matrix;
};

FullConfusion full_confusion(const metrics::Metrics& m) {
    std::vector<std::string> labels;
    for (const auto& q : m.quota) labels.push_back(q.label);
    add_new(labels, m.confusion_labels);
    for (const auto& [name, c] : m.label_counts)
        if (!(m.generator_refused > 0 && name == "refused")) add_new(labels, {name});
    add_new(labels, m.spec_labels_missing);
    const auto n = static_cast<Eigen::Index>(labels.size());
    Eigen::MatrixXd matrix = Eigen::MatrixXd::Zero(n, n);
    auto at = [&](const std::string& l) {
        return static_cast<Eigen::Index>(std::find(labels.begin(), labels.end(), l) -
                                         labels.begin());
    };
    const auto k = static_cast<Eigen::Index>(m.confusion_labels.size());
    for (Eigen::Index r = 0; r < k; ++r)
        for (Eigen::Index c = 0; c < k; ++c)
            matrix(at(m.confusion_labels[r]), at(m.confusion_labels[c])) = m.confusion(r, c);
    return {labels, matrix};
}

std::string confusion_chart(const metrics::Metrics& m) {
    const FullConfusion full = full_confusion(m);
    return charts::heat_map("Confusion: our label x judge label (judge_status ok)", full.labels,
                            full.labels, full.matrix, "our label", "judge label");
}

/// Target x returned label (refused last), as metrics.json's drift_matrix.
std::string drift_chart(const metrics::Metrics& m) {
    Eigen::MatrixXd matrix(static_cast<Eigen::Index>(m.drift_targets.size()),
                           static_cast<Eigen::Index>(m.drift_returned.size()));
    for (std::size_t t = 0; t < m.drift_targets.size(); ++t)
        for (std::size_t c = 0; c < m.drift_returned.size(); ++c)
            matrix(static_cast<Eigen::Index>(t), static_cast<Eigen::Index>(c)) =
                static_cast<double>(m.drift_matrix[t][c]);
    return charts::heat_map("Drift: target label x label returned", m.drift_targets,
                            m.drift_returned, matrix, "target label (asked for)",
                            "label the generator gave");
}

/// Generator refusals per target label: the drift matrix's "refused" column over its row.
std::string refusals_chart(const metrics::Metrics& m) {
    const bool column = !m.drift_returned.empty() && m.drift_returned.back() == "refused";
    std::vector<charts::Bar> bars;
    for (std::size_t t = 0; t < m.drift_targets.size(); ++t) {
        std::size_t rows = 0;
        for (auto n : m.drift_matrix[t]) rows += n;
        const std::size_t refused = column ? m.drift_matrix[t].back() : 0;
        bars.push_back({m.drift_targets[t], static_cast<double>(refused),
                        count(refused) + " of " + count(rows) + " (" +
                            pct(rows ? double(refused) / double(rows) : 0) + ")"});
    }
    return charts::bar_chart("Generator refusals by target label", bars,
                             "refused rows (of the rows asked for that label)");
}

}  // namespace

std::vector<std::pair<std::string, std::string>> charts(const Input& input) {
    const auto& m = *input.metrics;
    std::vector<std::pair<std::string, std::string>> out;
    std::vector<charts::Bar> bars;
    for (const auto& [name, c] : m.label_counts)
        bars.push_back({name, static_cast<double>(c), count(c) + " (" + pct(m.rate(c)) + ")"});
    for (const auto& name : m.spec_labels_missing) bars.push_back({name, 0, "0 (no row)"});
    out.emplace_back("label_balance.svg", charts::bar_chart("Rows per label", bars, "rows"));

    std::vector<charts::Spread> spreads;
    for (const auto& [name, l] : m.length_by_label)
        spreads.push_back({name, l.mean, l.median, l.p95});
    out.emplace_back("length_by_label.svg",
                     charts::spread_chart("Length in words by label", spreads, "words"));

    if (m.realism_mean) {
        std::vector<charts::Bar> realism;
        std::size_t total = 0;
        for (auto c : m.realism_histogram) total += c;
        for (int r = 0; r < 5; ++r) {
            auto c = m.realism_histogram[r];
            realism.push_back({"realism " + std::to_string(r + 1), static_cast<double>(c),
                               count(c) + " (" + pct(total ? double(c) / total : 0) + ")"});
        }
        out.emplace_back("realism.svg",
                         charts::bar_chart("Judge realism scores (1-5)", realism, "rows"));
    }
    if (m.has_target) {
        out.emplace_back("drift.svg", drift_chart(m));
        out.emplace_back("refusals.svg", refusals_chart(m));
    }
    if (m.kappa) out.emplace_back("confusion.svg", confusion_chart(m));
    return out;
}

namespace {

/// The distinct values of the first of `columns` the input has, most rows first, with their row
/// counts when there is more than one; what the report says when none is there.
std::string models(const metrics::Dataset& data, const std::vector<std::string>& columns) {
    const std::vector<std::string>& header = data.header;
    for (const auto& name : columns) {
        const auto it = std::find(header.begin(), header.end(), name);
        if (it == header.end()) continue;
        const int column = static_cast<int>(it - header.begin());
        std::map<std::string_view, std::size_t> rows;
        for (std::size_t i = 0; i < data.size(); ++i) ++rows[data.field(i, column)];
        std::vector<std::pair<std::string, std::size_t>> by_rows(rows.begin(), rows.end());
        std::stable_sort(by_rows.begin(), by_rows.end(),
                         [](const auto& a, const auto& b) { return a.second > b.second; });
        std::string o;
        for (std::size_t k = 0; k < by_rows.size() && k < 5; ++k) {
            const auto& [model, n] = by_rows[k];
            o +=
                (k ? ", " : "") + (model.empty() ? std::string("(empty)") : escape_text(model, 80));
            if (by_rows.size() > 1) o += " (" + count(n) + (n == 1 ? " row)" : " rows)");
        }
        if (by_rows.size() > 5) o += " and " + count(by_rows.size() - 5) + " more";
        return o + " (`" + name + "` column)";
    }
    return "not in the input (no `" + columns.front() + "` column)";
}

/// The cost columns the input has, as the summary's cost adds them.
std::string cost_columns(const metrics::Dataset& data) {
    if (data.gen_cost >= 0 && data.judge_cost >= 0) return "gen_cost_usd + judge_cost_usd";
    return data.gen_cost >= 0 ? "gen_cost_usd" : "judge_cost_usd";
}

}  // namespace

namespace section {

std::string title(const Input& input) {
    const RunInfo& info = input.info;
    std::string o;
    std::string name = info.inputs.empty() ? "dataset" : info.inputs.front();
    o += "# Dataset report: " + escape_text(name, 200) + "\n\n";
    if (info.inputs.size() > 1)
        o += "Inputs (read as one dataset): " + std::to_string(info.inputs.size()) + " files.\n\n";
    const std::string spec = info.spec.substr(info.spec.find_last_of('/') + 1);
    o += "Spec: " + (spec.empty() ? std::string("none (no --spec)") : escape_text(spec, 200));
    if (input.data) {
        o +=
            " · generator model: " + models(*input.data, {"model", "gen_model", "generator_model"});
        o += " · judge model: " + models(*input.data, {"judge_model"});
    }
    if (input.data && input.metrics && input.metrics->cost_usd) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "$%.4f", *input.metrics->cost_usd);
        o += " · cost: " + std::string(buf) + " (" + cost_columns(*input.data) + ", all rows)";
    } else if (input.data && (input.data->gen_cost >= 0 || input.data->judge_cost >= 0)) {
        o += " · cost: unknown (a row's " + cost_columns(*input.data) + " is empty or unreadable)";
    }
    return o + "\n\n";
}

std::string summary(const metrics::Metrics& m) {
    std::string o = "## Summary\n\n| figure | value |\n|---|---:|\n";
    o += "| rows | " + count(m.rows) + " |\n";
    o += "| labels | " + count(m.label_counts.size()) + " (imbalance ratio " +
         ratio(m.imbalance_ratio, 2) + ") |\n";
    if (m.has_target)
        o += "| drift (label differs from target_label) | " + count(m.drift_rows) + " of " +
             count(m.answered_rows) + " answered (" + pct(m.drift_rate().value_or(0)) + ") |\n";
    if (m.has_target || m.generator_refused > 0)
        o += "| generator refusals | " + count(m.generator_refused) + " (" +
             pct(m.generator_refusal_rate()) + ") |\n";
    if (auto fill = m.min_quota_fill())
        o += "| worst quota fill (kept / asked) | " + pct(*fill) + " |\n";
    o += "| exact duplicates (normalised) | " + count(m.exact_dup_rows) + " (" +
         pct(m.exact_dup_rate()) + ") |\n";
    o += "| near-duplicate rows removed | " + count(m.near_dup_removed) + " (" +
         pct(m.near_dup_rate()) + ") |\n";
    o += "| rows in label-conflict clusters | " + count(m.label_conflict_rows) + " (" +
         pct(m.label_conflict_rate()) + ") |\n";
    if (m.judged) {
        o += "| judge agreement | " +
             (m.agreement ? pct(*m.agreement) + " [" + pct(m.agreement_ci.lower) + ", " +
                                pct(m.agreement_ci.upper) + "]"
                          : std::string("n/a")) +
             " |\n";
        o += "| Cohen's kappa | " + opt(m.kappa, 3) + " |\n";
        o += "| realism mean | " + opt(m.realism_mean, 2) + " |\n";
    } else {
        o += "| judge | no judge columns |\n";
    }
    o += "| distinct-2 | " + fixed(m.distinct_2, 3) + " |\n";
    o += "| kept in filtered.csv | " + count(m.kept_rows.size()) + " (" +
         pct(m.rate(m.kept_rows.size())) + ") |\n";
    if (m.cost_usd) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "$%.4f", *m.cost_usd);
        std::string line = "| cost of all rows (generate + judge) | " + std::string(buf);
        if (m.cost_per_accepted_row) {
            std::snprintf(buf, sizeof buf, "$%.6f", *m.cost_per_accepted_row);
            line += ", " + std::string(buf) + " per accepted row";
        }
        std::string by_label;
        for (const auto& [label, usd] : m.cost_per_accepted_row_by_label) {
            std::snprintf(buf, sizeof buf, "$%.6f", usd);
            by_label += (by_label.empty() ? "" : "; ") + escape_text(label, 100) + " " + buf;
        }
        if (!by_label.empty()) line += " (" + by_label + ")";
        o += line + " |\n";
    }
    o += "\n";
    return o;
}

std::string gate_checks(const gate::Result* result, const std::string& source) {
    std::string o = "## Gate\n\n";
    if (result) {
        o += "Thresholds from " + escape_text(source, 200) + ".\n\n";
        o += gate::markdown_table(*result);
        for (const auto& c : result->checks)
            if (!c.passed) o += "\n- " + escape_text(c.message, 300);
        o += "\n\n";
    } else {
        o += "Not run (pass `--gate` to check thresholds).\n\n";
    }
    return o;
}

std::string balance(const metrics::Metrics& m) {
    std::string o = "## Label balance\n\n![Rows per label](label_balance.svg)\n\n";
    o += "| label | rows | share |\n|---|---:|---:|\n";
    for (const auto& [label, c] : m.label_counts)
        o += "| " + escape_text(label, 80) + " | " + count(c) + " | " + pct(m.rate(c)) + " |\n";
    for (const auto& l : m.spec_labels_missing)
        o += "| " + escape_text(l, 80) + " | 0 | " + pct(0) + " |\n";
    o += "\n- imbalance ratio (largest / smallest label): " + ratio(m.imbalance_ratio, 4) + "\n";
    o += "- normalised entropy: " + fixed(m.entropy, 4) + " (1 = perfectly even)\n";
    o += "- chi-square against " + m.chi_reference + ": " + fixed(m.chi.statistic, 4) + " with " +
         std::to_string(m.chi.df) + " degrees of freedom, p = " + fixed(m.chi.p, 6) + "\n";
    if (!m.spec_labels_missing.empty()) {
        o += "- spec labels with no row:";
        for (const auto& l : m.spec_labels_missing) o += " " + escape_text(l, 80) + ";";
        o += "\n";
    }
    if (!m.unknown_labels.empty()) {
        o += "- labels the spec does not define (left out of the chi-square):";
        for (const auto& l : m.unknown_labels) o += " " + escape_text(l, 80) + ";";
        o += "\n";
    }
    return o;
}

namespace {

/// How the near duplicates were found, with the options the search ran with.
std::string duplicate_method(const dedup::NearDupResult& d) {
    const dedup::NearDupOptions& options = d.options;
    const char* shingle = options.shingle == minhash::ShingleKind::kWord ? "word" : "char";
    const std::string chosen = options.method == dedup::Method::kAuto
                                   ? " (chosen by method auto: few or short texts)"
                                   : " (method " + std::string(dedup::method_name(d.method)) + ")";
    if (d.method == dedup::Method::kExact)
        return "Method: " + std::string(shingle) + " " + std::to_string(options.ngram) +
               "-gram shingles of the normalised text (NFKC, case folded, punctuation deleted, "
               "whitespace collapsed), xxHash3; exact similarity join by prefix filtering" +
               chosen +
               ": shingles ordered rare first, each text's prefix probed against the smaller "
               "texts' with the length and positional filters, every candidate verified by exact "
               "Jaccard >= " +
               fixed(options.threshold, 2) +
               ", so every pair at or above the threshold is listed and none below it. " +
               count(d.unique_texts) + " distinct texts, " + count(d.candidates) +
               " candidate pairs checked.\n\n";
    const auto banding = d.banding;
    // The same two points metrics.json lists under dedup.match_probability.
    const auto match = figures::match_probabilities(options.threshold, banding, d.rounds);
    return "Method: " + std::string(shingle) + " " + std::to_string(options.ngram) +
           "-gram shingles of the normalised text (NFKC, case folded, punctuation deleted, "
           "whitespace collapsed), xxHash3; MinHash LSH" +
           (options.method == dedup::Method::kAuto ? std::string(" (chosen by method auto)")
                                                   : chosen) +
           ": one-permutation MinHash with " + std::to_string(options.num_perm) + " bins; LSH " +
           std::to_string(banding.bands) + " bands x " + std::to_string(banding.rows) + " rows" +
           (d.rounds == 1 ? std::string(", one round")
                          : " in each of " + std::to_string(d.rounds) + " independent rounds") +
           " (the cheapest design that misses at most " + pct(options.max_miss) +
           " of the pairs at the threshold); every candidate verified by exact Jaccard >= " +
           fixed(options.threshold, 2) +
           ", so no listed pair is below it. A pair at exactly the "
           "threshold is proposed with probability " +
           pct(match[0].probability) + ", one at " + fixed(match[1].jaccard, 2) + " with " +
           pct(match[1].probability) + ". " + count(d.unique_texts) + " distinct texts, " +
           count(d.candidates) + " candidate pairs checked.\n\n";
}

/// The five largest clusters with their labels and first row's text, as metrics.json's
/// `largest_clusters` lists them.
std::string largest_clusters(const dedup::NearDupResult& d, const metrics::Dataset& data) {
    const auto biggest = figures::largest_clusters(d, data);
    if (biggest.empty()) return "";
    std::string o =
        "Largest clusters:\n\n| cluster | rows | labels | example (first row) "
        "|\n|---:|---:|---|---|\n";
    for (const auto& c : biggest) {
        std::string joined;
        for (const auto& l : c.labels) joined += (joined.empty() ? "" : ", ") + escape_text(l, 60);
        o += "| " + std::to_string(c.cluster) + " | " + count(c.rows) + " | " + joined + " | " +
             escape_text(data.text(c.first_row)) + " |\n";
    }
    return o + "\n";
}

}  // namespace

std::string duplicates(const metrics::Metrics& m, const dedup::NearDupResult& d,
                       const metrics::Dataset& data) {
    std::string o = "\n## Duplicates\n\n| figure | value |\n|---|---:|\n";
    o += "| exact duplicate rows (normalised text) | " + count(m.exact_dup_rows) + " (" +
         pct(m.exact_dup_rate()) + ") |\n";
    o += "| exact duplicate rows (raw, trimmed text) | " + count(m.raw_exact_dup_rows) + " (" +
         pct(m.rate(m.raw_exact_dup_rows)) + ") |\n";
    o += "| empty rows (nothing left after normalisation) | " + count(m.empty_rows) + " |\n";
    o += "| rows shorter than one shingle (their own single shingle) | " + count(m.short_rows) +
         " |\n";
    o += "| near-duplicate pairs (identical texts included) | " + count(m.near_dup_pairs) + " |\n";
    o += "| near-duplicate clusters | " + count(m.near_dup_clusters) + " |\n";
    o += "| rows in clusters | " + count(m.rows_in_clusters) + " |\n";
    o += "| rows removed (one kept per cluster) | " + count(m.near_dup_removed) + " (" +
         pct(m.near_dup_rate()) + ") |\n\n";
    return o + duplicate_method(d) + largest_clusters(d, data);
}

std::string label_conflicts(const metrics::Metrics& m, const metrics::Dataset& data) {
    std::string o =
        "## Label conflicts\n\nNear-duplicate clusters whose rows carry more than one label: the "
        "worst defect a moderation dataset can have. All their rows are left out of "
        "filtered.csv.\n\n";
    o += "- conflict clusters: " + count(m.conflicts.size()) +
         "; rows in them: " + count(m.label_conflict_rows) + " (" + pct(m.label_conflict_rate()) +
         ")\n\n";
    if (m.conflicts.empty()) return o;
    o += "| cluster | rows | labels | example |\n|---:|---:|---|---|\n";
    for (std::size_t k = 0; k < m.conflicts.size() && k < 20; ++k) {
        const auto& c = m.conflicts[k];
        std::string joined;
        for (const auto& l : c.labels) joined += (joined.empty() ? "" : ", ") + escape_text(l, 60);
        o += "| " + std::to_string(c.cluster) + " | " + count(c.rows) + " | " + joined + " | " +
             escape_text(data.text(c.example_row)) + " |\n";
    }
    if (m.conflicts.size() > 20)
        o += "\n(" + count(m.conflicts.size() - 20) + " more in metrics.json)\n";
    return o + "\n";
}

namespace {

std::string judge_figures(const metrics::Metrics& m) {
    std::string o = "| figure | value |\n|---|---:|\n";
    o += "| rows judged ok | " + count(m.judge_ok) + " |\n";
    o += "| agreement (label_correct among ok) | " + opt(m.agreement) + " |\n";
    o += "| Wilson 95 % interval | [" + fixed(m.agreement_ci.lower) + ", " +
         fixed(m.agreement_ci.upper) + "] |\n";
    o += "| Cohen's kappa (our label x judge label) | " + opt(m.kappa) + " |\n";
    o += "| realism mean (1-5) | " + opt(m.realism_mean, 3) + " |\n";
    o += "| judge refusals | " + count(m.judge_refused) + " (" + pct(m.rate(m.judge_refused)) +
         ") |\n";
    o += "| judge errors | " + count(m.judge_errors) + " (" + pct(m.rate(m.judge_errors)) + ") |\n";
    o += "| generator refusals (" + escape_text(m.generator_refusal_source, 60) + ") | " +
         count(m.generator_refused) + " (" + pct(m.generator_refusal_rate()) + ") |\n\n";
    o += "A row whose judge_status is not `ok` (refused or error) cannot be confirmed and goes "
         "to "
         "rejected.csv as `judge_disagrees`.\n\n";
    return o;
}

/// The confusion matrix and the per-label scores (when the judge gave labels).
std::string confusion(const metrics::Metrics& m) {
    std::string o =
        "![Confusion heat map](confusion.svg)\n\nConfusion (rows: our label, columns: "
        "judge "
        "label, judge_status=ok; every spec label, also one no row has):\n\n| our \\ judge |";
    const FullConfusion full = full_confusion(m);
    for (const auto& l : full.labels) o += " " + escape_text(l, 40) + " |";
    o += "\n|---|";
    for (std::size_t k = 0; k < full.labels.size(); ++k) o += "---:|";
    o += "\n";
    for (std::size_t r = 0; r < full.labels.size(); ++r) {
        o += "| " + escape_text(full.labels[r], 40) + " |";
        for (std::size_t c = 0; c < full.labels.size(); ++c)
            o += " " +
                 fixed(full.matrix(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)), 0) +
                 " |";
        o += "\n";
    }
    o += "\nPer label, taking the judge as reference:\n\n| label | precision | recall | F1 "
         "| "
         "judge rows |\n|---|---:|---:|---:|---:|\n";
    for (const auto& [label, p] : m.per_label)
        o += "| " + escape_text(label, 60) + " | " + fixed(p.precision) + " | " + fixed(p.recall) +
             " | " + fixed(p.f1) + " | " + count(p.support) + " |\n";
    return o + "\n";
}

std::string realism_and_issues(const metrics::Metrics& m) {
    std::string o;
    if (m.realism_mean) {
        o += "![Realism histogram](realism.svg)\n\n| realism | rows |\n|---:|---:|\n";
        for (int r = 0; r < 5; ++r)
            o += "| " + std::to_string(r + 1) + " | " + count(m.realism_histogram[r]) + " |\n";
        o += "\n";
    }
    if (!m.issue_counts.empty()) {
        o += "| issue tag | rows |\n|---|---:|\n";
        for (const auto& [tag, c] : m.issue_counts)
            o += "| " + escape_text(tag, 60) + " | " + count(c) + " |\n";
        o += "\n";
    }
    return o;
}

}  // namespace

std::string judge(const metrics::Metrics& m) {
    std::string o = "## Judge\n\n";
    if (!m.judged)
        return o +
               "No judge columns in the input (`judge_label`, `label_correct`, `realism`, "
               "`issues`, `judge_status`): run `synthmod-judge` to add them.\n\n";
    o += judge_figures(m);
    if (m.kappa) o += confusion(m);
    return o + realism_and_issues(m);
}

std::string diversity(const metrics::Metrics& m) {
    std::string o = "## Diversity\n\n";
    o += "- distinct-1: " + fixed(m.distinct_1) + ", distinct-2: " + fixed(m.distinct_2) +
         " (distinct word uni-/bigrams of the normalised texts over all of them)\n";
    if (m.persona_coverage)
        o += "- persona coverage: " + count(m.distinct_personas) + " distinct personas / " +
             count(m.rows) + " rows = " + fixed(*m.persona_coverage) + "\n";
    o += "\n![Length by label](length_by_label.svg)\n\n| label | mean words | median | p95 |\n"
         "|---|---:|---:|---:|\n";
    for (const auto& [label, l] : m.length_by_label)
        o += "| " + escape_text(label, 60) + " | " + fixed(l.mean, 1) + " | " + fixed(l.median, 1) +
             " | " + fixed(l.p95, 1) + " |\n";
    o += "| (all) | " + fixed(m.length_all.mean, 1) + " | " + fixed(m.length_all.median, 1) +
         " | " + fixed(m.length_all.p95, 1) + " |\n\n";
    if (!m.top_openings.empty()) {
        o += "Most common openings (first three normalised words; a high share means templated "
             "posts):\n\n| opening | rows | share |\n|---|---:|---:|\n";
        for (const auto& op : m.top_openings)
            o += "| " + escape_text(op.words, 80) + " | " + count(op.count) + " | " +
                 pct(op.share) + " |\n";
        o += "\n";
    }
    return o;
}

std::string filter(const metrics::Metrics& m) {
    std::string o = "## Filter\n\n";
    o += "filtered.csv keeps " + count(m.kept_rows.size()) + " of " + count(m.rows) +
         " rows. A row is rejected, with the first reason that applies, when it is `empty` after "
         "normalisation; an `exact_dup` (its normalised text occurs in another row) or `near_dup` "
         "dropped from its cluster (the kept row is judged correct first, then highest realism, "
         "then first in file order); in a `label_conflict` cluster";
    if (m.judged)
        o += "; `judge_disagrees` (judge_status not ok, or label_correct false); `low_realism` "
             "(realism < " +
             fixed(m.min_realism, 1) + ")";
    o += ".\n\n| reason | rows |\n|---|---:|\n";
    for (const auto& [reason, c] : m.rejected_by_reason)
        o += "| " + reason + " | " + count(c) + " |\n";
    return o + "\n";
}

namespace {

/// The comparison table's header: each group with its size, then each difference.
std::string comparison_header(const compare::Comparison& cmp) {
    std::string o = "| metric |";
    for (std::size_t g = 0; g < cmp.groups.size(); ++g)
        o += " " + escape_text(cmp.groups[g], 40) + " (" + count(cmp.sizes[g]) + ") |";
    for (std::size_t g = 1; g < cmp.groups.size(); ++g)
        o += " diff " + escape_text(cmp.groups[g], 40) + " [95 %] |";
    o += "\n|---|";
    for (std::size_t g = 0; g + 1 < 2 * cmp.groups.size(); ++g) o += "---:|";
    return o + "\n";
}

}  // namespace

std::string comparison(const compare::Comparison& cmp) {
    std::string o = "## Comparison by " + escape_text(cmp.column, 60) + "\n\n";
    o += cmp.paired ? "Intervals: paired bootstrap over rows matched by persona x target_label "
                      "(the k-th row of a pair key in each group), "
                    : "Intervals: unpaired bootstrap (each group resampled on its own; the "
                      "rows are not paired by persona x target_label), ";
    o += std::to_string(cmp.resamples) + " resamples, seed " + std::to_string(cmp.seed) +
         ", 95 % percentile intervals of the difference against the first group. Figures "
         "that need a duplicate search per resample have no interval.\n\n";
    o += comparison_header(cmp);
    for (const auto& row : cmp.rows) {
        o += "| " + row.metric + " |";
        for (const auto& v : row.values) o += " " + opt(v, row.decimals) + " |";
        for (std::size_t g = 1; g < cmp.groups.size(); ++g) {
            o += " " + (row.diff[g] ? signed_fixed(*row.diff[g]) : std::string("n/a"));
            if (row.lower[g])
                o += " [" + signed_fixed(*row.lower[g]) + ", " + signed_fixed(*row.upper[g]) + "]";
            o += " |";
        }
        o += "\n";
    }
    return o + "\n";
}

std::string baseline(const compare::Baseline& b) {
    std::string o = "## Against the baseline\n\nBaseline: " + escape_text(b.path, 200) + ". " +
                    count(b.regressions) +
                    " regression(s) (a figure worse than the baseline's).\n\n"
                    "| metric | baseline | now | change | |\n|---|---:|---:|---:|---|\n";
    for (const auto& r : b.rows) {
        o += "| " + r.metric + " | " + opt(r.baseline, r.decimals) + " | " +
             opt(r.current, r.decimals) + " | " + (r.change ? signed_fixed(*r.change) : "n/a") +
             " | " + (r.regression ? "⚠️ regression" : "") + " |\n";
    }
    return o + "\n";
}

}  // namespace section

namespace section {

std::string asked(const metrics::Metrics& m) {
    if (!m.has_target && m.quota.empty()) return "";
    std::string o = "## Asked for vs got\n\n";
    if (m.has_target) {
        o += "Rows per target label (what the generator was asked for, down) and the label it "
             "gave its own text (across); a refusal is a row too.\n\n![Drift by target "
             "label](drift.svg)\n\n| target \\ returned |";
        for (const auto& l : m.drift_returned) o += " " + escape_text(l, 40) + " |";
        o += " drifted |\n|---|";
        for (std::size_t c = 0; c <= m.drift_returned.size(); ++c) o += "---:|";
        o += "\n";
        for (std::size_t t = 0; t < m.drift_targets.size(); ++t) {
            std::size_t answered = 0, drifted = 0;
            o += "| " + escape_text(m.drift_targets[t], 40) + " |";
            for (std::size_t c = 0; c < m.drift_returned.size(); ++c) {
                const std::size_t n = m.drift_matrix[t][c];
                o += " " + count(n) + " |";
                if (m.drift_returned[c] == "refused" && c + 1 == m.drift_returned.size()) continue;
                answered += n;
                if (m.drift_returned[c] != m.drift_targets[t]) drifted += n;
            }
            o += " " + count(drifted) + " of " + count(answered) + " |\n";
        }
        o += "\n- drift: " + count(m.drift_rows) + " of " + count(m.answered_rows) +
             " answered rows (" + pct(m.drift_rate().value_or(0)) + ")\n";
        o += "- generator refusals: " + count(m.generator_refused) + " of " + count(m.rows) +
             " rows (" + pct(m.generator_refusal_rate()) + ")\n\n";
        o += "![Generator refusals by target label](refusals.svg)\n\n";
    }
    if (!m.quota.empty()) {
        o += "Quota: the spec asks for " + count(m.asked_rows) +
             " rows, split by its label weights. *Failed* is what was asked for and is not in "
             "the input (failed requests, or rows not generated yet); *kept* is in "
             "filtered.csv.\n\n";
        o += "| label | asked | answered | refused | failed | drifted out | drifted in | kept | "
             "shortfall | fill |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
        for (const auto& q : m.quota)
            o += "| " + escape_text(q.label, 80) + " | " + count(q.asked) + " | " +
                 count(q.answered) + " | " + count(q.refused) + " | " + count(q.failed) + " | " +
                 count(q.drifted_out) + " | " + count(q.drifted_in) + " | " + count(q.kept) +
                 " | " + count(q.shortfall) + " | " + pct(q.fill) + " |\n";
        o += "\n- worst fill: " + opt(m.min_quota_fill(), 4) +
             " (gate key `min_quota_fill`); `synthmod-generate --top-up metrics.json` asks for "
             "the shortfall\n";
    }
    return o;
}

}  // namespace section

std::string markdown(const Input& input) {
    const auto& m = *input.metrics;
    std::string o = section::title(input);
    o += section::summary(m);
    o += section::gate_checks(input.gate, input.info.gate_source);
    o += section::balance(m);
    o += section::asked(m);
    o += section::duplicates(m, *input.dups, *input.data);
    o += section::label_conflicts(m, *input.data);
    o += section::judge(m);
    o += section::diversity(m);
    for (const auto& extra : input.extra_sections) o += extra;
    o += section::filter(m);
    if (input.comparison) o += section::comparison(*input.comparison);
    if (input.baseline) o += section::baseline(*input.baseline);
    return o;
}

}  // namespace synthmod::report
