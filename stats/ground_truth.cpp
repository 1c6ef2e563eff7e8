#include "stats/ground_truth.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "common/text.h"
#include "stats/report.h"

namespace synthmod::ground_truth {

namespace {

using report::escape_text;
using report::fixed;

std::optional<double> as_count(std::size_t n) { return static_cast<double>(n); }

std::string opt(const std::optional<double>& v, int decimals = 4) {
    return v ? fixed(*v, decimals) : "n/a";
}

}  // namespace

std::vector<NamedFigure> gold_figures(const gold::Figures& f) {
    const char* no_gold = "no row has a gold label (--gold)";
    const char* no_judge = "no gold row was graded ok by the judge";
    auto with = [](const char* name, const std::optional<double>& v, const char* why) {
        return NamedFigure{name, v, v ? "" : why};
    };
    std::optional<double> more;
    if (f.more_rows_for_2pt) more = static_cast<double>(*f.more_rows_for_2pt);
    return {
        {"human_rows", as_count(f.human_rows), ""},
        {"human_reviewers", as_count(f.reviewers), ""},
        {"human_answers", as_count(f.answers), ""},
        {"human_reviewed_rows", as_count(f.reviewed_rows), ""},
        {"human_tie_rows", as_count(f.human_tie_rows), ""},
        with("human_label_accuracy", f.human_label_accuracy, no_gold),
        with("human_label_accuracy_lower", f.human_label_accuracy_lower, no_gold),
        with("human_label_accuracy_upper", f.human_label_accuracy_upper, no_gold),
        {"human_effective_rows", f.effective_rows, ""},
        with("human_rows_more_for_2pt", more, no_gold),
        {"judge_human_rows", as_count(f.judge_human_rows), ""},
        with("judge_human_agreement", f.judge_human_agreement, no_judge),
        with("judge_human_kappa", f.judge_human_kappa, no_judge),
        with("judge_flag_precision", f.judge_flag_precision,
             "the judge flagged no gold row (label_correct=false)"),
        with("judge_flag_recall", f.judge_flag_recall, "no gold row has a wrong label"),
        {"reviewer_overlap_rows", as_count(f.reviewer_overlap_rows), ""},
        with("reviewer_kappa", f.reviewer_kappa, "needs exactly two reviewers with rows in common"),
        with("reviewer_fleiss_kappa", f.reviewer_fleiss_kappa,
             "no row was labelled by two reviewers (or all used one label)"),
        with("reviewer_alpha", f.reviewer_alpha,
             "no row was labelled by two reviewers (or all used one label)"),
    };
}

std::string gold_markdown(const gold::Figures& f, const std::vector<std::string>& files) {
    std::string o = "## Against people\n\n";
    o += "Gold labels from ";
    for (std::size_t i = 0; i < files.size(); ++i)
        o += (i ? ", " : "") + ("`" + escape_text(files[i], 80) + "`");
    o += " (" + std::to_string(f.reviewers) + " reviewer" + (f.reviewers == 1 ? "" : "s") + ", " +
         std::to_string(f.answers) +
         " answers). A row's gold label is its reviewers' "
         "majority; a tie leaves it out. Figures over rows are weighted by each row's inclusion "
         "weight (the review sample's `weight`), so an over-sampled stratum counts for what it "
         "stands for; the interval is Wilson's on the effective sample size.\n\n";
    o += "| figure | value |\n|---|---:|\n";
    o += "| rows with a gold label (human_rows) | " + std::to_string(f.human_rows) + " |\n";
    o += "| rows left out: reviewers tied | " + std::to_string(f.human_tie_rows) + " |\n";
    o +=
        "| our label = gold label (human_label_accuracy) | " + opt(f.human_label_accuracy) + " |\n";
    o += "| Wilson 95 % interval | [" + opt(f.human_label_accuracy_lower) + ", " +
         opt(f.human_label_accuracy_upper) + "] |\n";
    o += "| effective sample size | " + fixed(f.effective_rows, 1) + " |\n";
    o += "| more gold rows for a +-2 point interval | " +
         (f.more_rows_for_2pt ? std::to_string(*f.more_rows_for_2pt) : std::string("n/a")) + " |\n";
    o += "| gold rows the judge graded ok | " + std::to_string(f.judge_human_rows) + " |\n";
    o += "| judge label = gold label (judge_human_agreement) | " + opt(f.judge_human_agreement) +
         " |\n";
    o += "| Cohen's kappa, judge x gold (judge_human_kappa) | " + opt(f.judge_human_kappa) + " |\n";
    o += "| judge's label_correct=false: precision for a wrong label | " +
         opt(f.judge_flag_precision) + " |\n";
    o += "| judge's label_correct=false: recall of wrong labels | " + opt(f.judge_flag_recall) +
         " |\n";
    o += "| rows labelled by two or more reviewers | " + std::to_string(f.reviewer_overlap_rows) +
         " |\n";
    o += "| Cohen's kappa between the two reviewers (reviewer_kappa) | " + opt(f.reviewer_kappa) +
         " |\n";
    o += "| Fleiss' kappa (reviewer_fleiss_kappa) | " + opt(f.reviewer_fleiss_kappa) + " |\n";
    o += "| Krippendorff's alpha, nominal (reviewer_alpha) | " + opt(f.reviewer_alpha) + " |\n\n";
    if (f.judge_human_rows > 0) {
        o += "Confusion (rows: gold label, columns: judge label; weighted rows):\n\n| gold \\ "
             "judge |";
        for (const auto& l : f.confusion_labels) o += " " + escape_text(l, 40) + " |";
        o += "\n|---|";
        for (std::size_t k = 0; k < f.confusion_labels.size(); ++k) o += "---:|";
        o += "\n";
        for (std::size_t r = 0; r < f.confusion_labels.size(); ++r) {
            o += "| " + escape_text(f.confusion_labels[r], 40) + " |";
            for (std::size_t c = 0; c < f.confusion_labels.size(); ++c)
                o += " " +
                     fixed(f.confusion(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)),
                           2) +
                     " |";
            o += "\n";
        }
        o +=
            "\nPer label, the judge against the gold label:\n\n| label | precision | recall | F1 | "
            "gold rows (weighted) |\n|---|---:|---:|---:|---:|\n";
        for (const auto& l : f.confusion_labels) {
            const auto& p = f.per_label.at(l);
            o += "| " + escape_text(l, 60) + " | " + fixed(p.precision) + " | " + fixed(p.recall) +
                 " | " + fixed(p.f1) + " | " + fixed(p.support, 2) + " |\n";
        }
        o += "\n";
    }
    return o;
}

std::vector<NamedFigure> contamination_figures(const reference::Result& r, std::size_t rows,
                                               std::size_t reference_rows) {
    return {
        {"contamination_rows", as_count(r.contaminated_rows), ""},
        {"contamination_rate",
         rows ? std::optional<double>(static_cast<double>(r.contaminated_rows) /
                                      static_cast<double>(rows))
              : std::optional<double>(0.0),
         ""},
        {"contamination_exact_rows", as_count(r.exact_rows), ""},
        {"contamination_pairs", as_count(r.pairs.size()), ""},
        {"contamination_reference_rows", as_count(reference_rows), ""},
    };
}

std::string contamination_markdown(const ContaminationInput& in, std::size_t examples) {
    const auto& r = *in.result;
    std::string o = "## Overlap with the reference set\n\nReference: ";
    for (std::size_t i = 0; i < in.files.size(); ++i)
        o += (i ? ", " : "") + ("`" + escape_text(in.files[i], 80) + "`");
    o += " (" + std::to_string(in.reference_rows) +
         " rows). A row is contaminated when its normalised text equals a reference row's or "
         "their shingle sets reach the near-duplicate threshold (exact Jaccard, every pair "
         "verified); such rows go to rejected.csv as `contaminated`. Reference rows are not "
         "compared with each other.\n\n";
    o += "| figure | value |\n|---|---:|\n";
    o += "| contaminated rows (contamination_rows) | " + std::to_string(r.contaminated_rows) +
         " |\n";
    o += "| contamination_rate | " +
         fixed(in.rows ? static_cast<double>(r.contaminated_rows) / static_cast<double>(in.rows)
                       : 0.0) +
         " |\n";
    o += "| of which equal after normalisation | " + std::to_string(r.exact_rows) + " |\n";
    o += "| row x reference pairs | " + std::to_string(r.pairs.size()) + " |\n\n";
    if (r.pairs.empty()) return o;
    std::vector<std::size_t> order(r.pairs.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return r.pairs[a].jaccard > r.pairs[b].jaccard;
    });
    o += "Most similar pairs:\n\n| row | reference | Jaccard | row text | reference text |\n"
         "|---:|---|---:|---|---|\n";
    for (std::size_t k = 0; k < std::min(examples, order.size()); ++k) {
        const auto& p = r.pairs[order[k]];
        o += "| " + std::to_string(p.row) + " | " + escape_text(in.ref_where(p.ref), 80) + " | " +
             fixed(p.jaccard) + " | " + escape_text(in.row_text(p.row), 100) + " | " +
             escape_text(in.ref_text(p.ref), 100) + " |\n";
    }
    return o + "\n";
}

std::string reference_pairs_csv(const reference::Result& r,
                                const std::vector<std::uint32_t>& ref_file,
                                const std::vector<std::uint32_t>& ref_index,
                                const std::vector<std::string>& files) {
    const bool several = files.size() > 1;
    std::string out = several ? "row_i,ref_j,jaccard,reference\n" : "row_i,ref_j,jaccard\n";
    char buf[64];
    for (const auto& p : r.pairs) {
        std::snprintf(buf, sizeof buf, "%u,%u,%.6f", p.row, ref_index[p.ref], p.jaccard);
        out += buf;
        if (several) {
            // A file name may hold a comma or a quote: quoted as RFC 4180 says.
            const std::string& f = files[ref_file[p.ref]];
            std::string q = "\"";
            for (char c : f) q += c == '"' ? std::string("\"\"") : std::string(1, c);
            out += "," + q + "\"";
        }
        out += "\n";
    }
    return out;
}

VoteFigures vote_figures(const metrics::Dataset& data) {
    VoteFigures v;
    auto column = [&](const char* name) {
        auto it = std::find(data.header.begin(), data.header.end(), name);
        return it == data.header.end() ? -1 : static_cast<int>(it - data.header.begin());
    };
    const int status = column("judge_status");
    const int votes = column("judge_votes");
    std::map<std::string, std::size_t> label_index;
    std::vector<std::vector<double>> counts;
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (status >= 0 && text::trim(data.field(i, status)) == "tie") ++v.tie_rows;
        if (votes < 0) continue;
        std::vector<double> row;
        std::string_view s = data.field(i, votes);
        std::size_t answered = 0;
        while (true) {
            const std::size_t semi = s.find(';');
            const std::string label = text::trim(s.substr(0, semi));
            if (!label.empty()) {
                auto [it, fresh] = label_index.emplace(label, label_index.size());
                if (row.size() <= it->second) row.resize(it->second + 1, 0);
                row[it->second] += 1;
                ++answered;
            }
            if (semi == std::string_view::npos) break;
            s.remove_prefix(semi + 1);
        }
        if (answered >= 2) {
            ++v.voted_rows;
            counts.push_back(std::move(row));
        }
    }
    for (auto& row : counts) row.resize(label_index.size(), 0);
    v.fleiss_kappa = gold::fleiss_kappa(counts);
    return v;
}

std::vector<NamedFigure> vote_named_figures(const VoteFigures& v) {
    return {{"judge_tie_rows", as_count(v.tie_rows), ""},
            {"judge_voted_rows", as_count(v.voted_rows), ""},
            {"judge_votes_fleiss_kappa", v.fleiss_kappa,
             v.fleiss_kappa ? "" : "no row has two answering votes (judge --votes K)"}};
}

std::string votes_markdown(const VoteFigures& v) {
    return "## Judge votes\n\nRows whose votes tied have no judge label (`judge_status` `tie`) "
           "and are rejected like any row the judge did not confirm.\n\n"
           "| figure | value |\n|---|---:|\n| rows whose votes tied (judge_tie_rows) | " +
           std::to_string(v.tie_rows) + " |\n| rows with two or more answering votes | " +
           std::to_string(v.voted_rows) +
           " |\n| Fleiss' kappa across the votes "
           "(judge_votes_fleiss_kappa) | " +
           opt(v.fleiss_kappa) + " |\n\n";
}

}  // namespace synthmod::ground_truth
