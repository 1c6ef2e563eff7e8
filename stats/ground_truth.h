// ground_truth: the report sections and named figures of issue 13 — "Against people" (--gold),
// "Overlap with the reference set" (--reference) and the judge's vote ties (--votes) — kept
// apart from report.cpp so the sections can be placed wherever the report's layout puts them.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "stats/gold.h"
#include "stats/metrics.h"
#include "stats/reference.h"

namespace synthmod::ground_truth {

/// A figure under its metrics.json / gate name (DESIGN section 12), absent with a reason.
struct NamedFigure {
    std::string name;
    std::optional<double> value;
    std::string why_missing;  ///< when absent
};

/// human_rows, human_label_accuracy (+ _lower, _upper), judge_human_agreement,
/// judge_human_kappa, reviewer_kappa, reviewer_fleiss_kappa, reviewer_alpha and the rest.
std::vector<NamedFigure> gold_figures(const gold::Figures& f);

/// The "Against people" section (Markdown), `files` the --gold files (names only).
std::string gold_markdown(const gold::Figures& f, const std::vector<std::string>& files);

/// What the contamination section shows of the two sides.
struct ContaminationInput {
    const reference::Result* result = nullptr;
    std::size_t rows = 0;                                 ///< dataset rows
    std::size_t reference_rows = 0;                       ///< reference rows, all files
    std::vector<std::string> files;                       ///< reference file names
    std::function<std::string(std::uint32_t)> row_text;   ///< raw text of a dataset row
    std::function<std::string(std::uint32_t)> ref_text;   ///< raw text of a reference row
    std::function<std::string(std::uint32_t)> ref_where;  ///< "file row j" of a reference row
};

/// contamination_rows, contamination_rate, contamination_exact_rows, contamination_pairs,
/// contamination_reference_rows (`reference_rows`: all reference files together).
std::vector<NamedFigure> contamination_figures(const reference::Result& r, std::size_t rows,
                                               std::size_t reference_rows);

/// The "Overlap with the reference set" section: the figures and the `examples` most similar
/// pairs (highest Jaccard first), both texts escaped (report::escape_text).
std::string contamination_markdown(const ContaminationInput& in, std::size_t examples = 10);

/// `--reference-pairs`: `row_i,ref_j,jaccard` (ref_j 0-based within its reference file), with a
/// fourth column `reference` (the file) when there are several reference files.
std::string reference_pairs_csv(const reference::Result& r,
                                const std::vector<std::uint32_t>& ref_file,
                                const std::vector<std::uint32_t>& ref_index,
                                const std::vector<std::string>& files);

/// Votes (judge --votes K): rows whose votes tied, and Fleiss' kappa across the K votes of
/// every row (from the `judge_votes` column, `;`-separated labels, empty for a vote that gave
/// none). Absent without that column.
struct VoteFigures {
    std::size_t tie_rows = 0;
    std::size_t voted_rows = 0;  ///< rows with two or more answering votes
    std::optional<double> fleiss_kappa;
};
VoteFigures vote_figures(const metrics::Dataset& data);

/// judge_tie_rows, judge_voted_rows, judge_votes_fleiss_kappa.
std::vector<NamedFigure> vote_named_figures(const VoteFigures& v);
/// The "Judge votes" section.
std::string votes_markdown(const VoteFigures& v);

}  // namespace synthmod::ground_truth
