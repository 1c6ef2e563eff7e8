// review: a seeded, stratified sample of rows for people to label (`--review N`), written as one
// self-contained HTML page (no network, no framework) or as Label Studio tasks + labeling config.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "stats/metrics.h"

namespace synthmod::review {

/// The judge's verdict on a row, the second axis of the strata.
enum class Verdict { kAgrees, kDisagrees, kNotJudged };
const char* verdict_name(Verdict v);

/// One row drawn into the sample.
struct Draw {
    std::size_t row = 0;  ///< 0-based data-row index
    /// Inverse inclusion probability N_h / n_h of its stratum: how many rows of the dataset it
    /// stands for. Weighted figures (stats/gold.h) use it to undo the over-sampling.
    double weight = 1;
    std::size_t stratum = 0;  ///< index into the `strata` given to stratified_sample
};

/// Draws `n` rows stratified by `stratum_of_row` (a small integer per row, e.g. label x verdict)
/// from a seeded Fisher-Yates shuffle of each stratum (own generator, the same on every
/// platform). Allocation: every non-empty stratum gets one row when n allows, the rest goes to
/// the stratum furthest below its target n * size_h * boost_h / sum(size * boost) (ties: lower
/// stratum index), never more than the stratum holds. `boost` (per stratum, default 1)
/// over-samples strata such as judge disagreements. n >= rows takes every row (weight 1). The
/// result is in a seeded random order, so strata are not grouped on the page.
std::vector<Draw> stratified_sample(const std::vector<std::size_t>& stratum_of_row,
                                    std::size_t strata, std::size_t n, std::uint64_t seed,
                                    const std::vector<double>& boost = {});

/// A weight as text: the shortest decimal that reads back as the same double ("%.17g"-exact).
std::string weight_text(double weight);

/// The issue tags of DESIGN section 5 (the judge's fixed list, judge::issue_tags()).
const std::vector<std::string>& default_issue_tags();

/// A row as the reviewer sees it.
struct Item {
    std::string key;  ///< the row's `id`, else its 0-based data-row index
    std::string text;
    std::string context;      ///< empty when the input has no context column
    std::string label;        ///< our label
    std::string judge_label;  ///< empty when not judged
    Verdict verdict = Verdict::kNotJudged;
    double weight = 1;
};

struct Page {
    std::string title = "synthmod review";
    std::vector<std::string> labels;      ///< the choices, in order (one key each)
    std::vector<std::string> issue_tags;  ///< check boxes (one key each)
    bool blind_full = false;  ///< never show our label or the judge's (not even after answering)
    std::uint64_t seed = 0;   ///< part of the autosave key, with the sample's keys
    std::vector<Item> items;
};

/// The keyboard keys of the labels and then the tags, in order: 1-9, 0, then letters that the
/// page does not use for itself (n next unanswered, u undo, j/k previous/next). Throws
/// UsageError when there are more choices than keys.
std::vector<std::string> choice_keys(std::size_t labels, std::size_t tags);

/// Draws the sample from a prepared dataset: strata = our label x verdict (agrees, disagrees,
/// not judged: no judge columns or judge_status not ok); disagreements get `disagree_boost`.
/// `labels` orders the choices (spec order); labels found in the sample but not in it are added.
Page build_page(const metrics::Dataset& data, std::size_t n, std::uint64_t seed,
                std::vector<std::string> labels, double disagree_boost = 2.0);

/// The sample's embedded data as JSON safe inside an HTML <script> element: `<`, `>`, `&`,
/// U+2028 and U+2029 are written as \u escapes, so no row can close the element, open a
/// comment or break a JavaScript string.
std::string page_json(const Page& page);

/// SHA-256 of `data`, base64 (the form a Content-Security-Policy hash source takes).
std::string sha256_base64(std::string_view data);

/// The review page: one HTML file, inline script and style allowed by their hashes only
/// (default-src 'none': no connection, image, font, frame or form target), row text set as
/// textContent only.
std::string html(const Page& page);

/// Label Studio import: a JSON array of tasks {"data": {key, text, context, weight}} (our
/// label and the judge's are left out: blind).
std::string label_studio_tasks(const Page& page);

/// Label Studio labeling config (XML) with controls named label, realism, issues, note — the
/// names read_gold() reads from Label Studio's JSON export.
std::string label_studio_config(const Page& page);

}  // namespace synthmod::review
