// metrics: the figures of DESIGN section 9 (balance, duplicates, label conflicts, judge agreement,
// diversity) and the row filter, computed from a loaded dataset and its duplicate search.
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stats/dedup.h"

namespace synthmod::metrics {

// ---- statistics building blocks ----

struct Interval {
    double lower = 0;
    double upper = 0;
};

/// Wilson score interval of a proportion (z = 1.96 for 95 %); {0, 0} when n = 0.
Interval wilson(std::size_t successes, std::size_t n, double z = 1.959963984540054);

/// Regularised upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a) (series for x < a + 1, Lentz's
/// continued fraction otherwise). Hand-written: the C++ standard library has no incomplete gamma
/// and the only packaged alternative (Boost.Math) would be a new dependency for one function.
double gamma_q(double a, double x);

/// P(X >= x) for X ~ chi-square with `df` degrees of freedom: Q(df/2, x/2).
double chi_square_sf(double x, double df);

struct ChiSquare {
    double statistic = 0;
    int df = 0;
    double p = 1;
};

/// Pearson's goodness of fit of `observed` counts against `weights` (normalised to sum 1).
ChiSquare chi_square_gof(const std::vector<double>& observed, const std::vector<double>& weights);

/// Cohen's kappa of a square confusion matrix (rows: rater A, columns: rater B).
double cohen_kappa(const Eigen::MatrixXd& confusion);

/// Shannon entropy of the shares divided by log(k) for k categories (1 when k <= 1).
double normalized_entropy(const std::vector<double>& counts);

/// Linear-interpolation percentile (numpy's default), q in [0, 1]; 0 for an empty list.
double percentile(std::vector<double> values, double q);

// ---- the dataset ----

/// What the judge said about a row.
/// kTie: the judge's votes tied (judge --votes K), so it gave no label.
enum class JudgeStatus { kNone, kOk, kRefused, kError, kTie };

/// Every field of every row in a few large blocks: a million rows stored as a million vectors
/// of strings would cost 50 % more memory than the text itself. One column (the content) can be
/// kept in blocks of its own, so that they can be freed once it is stored another way.
class RowStore {
   public:
    void add(const std::vector<std::string>& fields);
    std::string_view at(std::size_t row, std::size_t column) const {
        const Ref& r = refs_[row * columns_ + column];
        const auto& blocks = column == separate_ ? separate_blocks_ : blocks_;
        return {blocks[r.block].data() + r.offset, r.size};
    }
    std::size_t size() const { return columns_ ? refs_.size() / columns_ : 0; }
    std::size_t columns() const { return columns_; }
    /// `separate`: the column kept in blocks of its own (none when >= columns).
    void set_columns(std::size_t columns, std::size_t separate) {
        columns_ = columns;
        separate_ = separate;
    }
    /// The separate column's blocks, and the one row `row`'s field of it lies in.
    std::size_t separate_blocks() const { return separate_blocks_.size(); }
    std::size_t separate_block_of(std::size_t row) const {
        return refs_[row * columns_ + separate_].block;
    }
    /// Frees a block of the separate column: its fields must not be read again.
    void release_separate_block(std::size_t block) {
        std::vector<char>().swap(separate_blocks_[block]);
    }

   private:
    struct Ref {
        std::uint32_t block;
        std::uint32_t offset;
        std::uint32_t size;
    };
    static constexpr std::size_t kBlock = std::size_t{1} << 26;  ///< 64 MB
    std::size_t columns_ = 0;
    std::size_t separate_ = SIZE_MAX;
    std::vector<std::vector<char>> blocks_;
    std::vector<std::vector<char>> separate_blocks_;
    std::vector<Ref> refs_;
};

/// The rows stats works on, with the columns it reads found by name (-1 when absent).
///
/// Until prepare() the content column is stored as read. prepare() normalises it and keeps the
/// raw text only as edits against the normalised one (stats/patch.h), freeing the raw copy: read
/// the raw text through text() and whole rows through row(), which rebuild it.
struct Dataset {
    std::vector<std::string> header;
    std::vector<std::string> files;   ///< input names, for messages
    std::vector<std::uint32_t> file;  ///< per row: index into `files`
    std::vector<std::size_t> line;    ///< per row: line its record starts on
    int content = -1;
    int label = -1;
    int judge_label = -1;
    int label_correct = -1;
    int realism = -1;
    int issues = -1;
    int judge_status = -1;
    int persona = -1;
    int target_label = -1;
    int status = -1;  ///< a generator status column (`status`/`gen_status`), if any

    /// DESIGN section 9 normalisation of content, one view per row into `normalized_store`
    /// (a few large buffers instead of a million small strings).
    std::vector<std::string_view> normalized;
    std::vector<std::vector<char>> normalized_store;
    /// Per row: the edits that rebuild the raw content from `normalized` (after prepare()).
    std::vector<std::string_view> raw_edits;
    std::vector<std::vector<char>> raw_edits_store;
    std::size_t raw_exact_dup_rows = 0;  ///< rows whose trimmed raw text equals an earlier row's
    std::vector<std::uint32_t> words;    ///< per row: words in content (Python's str.split())
    std::vector<JudgeStatus> judge;      ///< per row (kNone without judge columns)
    std::vector<char> correct;           ///< label_correct parsed as true
    std::vector<int> realism_score;      ///< 1..5, 0 when missing

    /// "file:line" of row i, for messages.
    std::string where(std::size_t i) const {
        return files[file[i]] + ":" + std::to_string(line[i]);
    }
    /// Appends a row read from input `file_index` at `line_number` (`header` set first).
    void add_row(const std::vector<std::string>& row, std::uint32_t file_index,
                 std::size_t line_number);
    bool has_judge() const { return judge_status >= 0 || label_correct >= 0 || judge_label >= 0; }
    std::size_t size() const { return rows_.size(); }
    /// Field `column` of row i; not the content once prepare() has run (use text()).
    std::string_view field(std::size_t i, int column) const;
    /// The raw content of row i: a view of the stored text, or rebuilt into `buffer`.
    std::string_view text(std::size_t i, std::string& buffer) const;
    std::string text(std::size_t i) const {
        std::string buffer;
        return std::string(text(i, buffer));
    }
    /// Every field of row i, in header order (the content rebuilt into `buffer`).
    std::vector<std::string_view> row(std::size_t i, std::string& buffer) const;
    std::string_view label_of(std::size_t i) const { return field(i, label); }

   private:
    friend void prepare(Dataset& data, int threads);
    RowStore rows_;
    bool packed_ = false;  ///< content held as raw_edits
};

/// Finds the columns, parses the judge columns (bad values throw InputError "file:line: ...")
/// and normalises the texts on `threads` threads (the first time: later calls only find the
/// columns and parse the judge columns again).
void prepare(Dataset& data, int threads);

// ---- the figures ----

struct LabelLength {
    double mean = 0;
    double median = 0;
    double p95 = 0;
};

struct PerLabel {
    double precision = 0;
    double recall = 0;
    double f1 = 0;
    std::size_t support = 0;  ///< rows the judge gave this label
};

struct Opening {
    std::string words;
    std::size_t count = 0;
    double share = 0;
};

struct Conflict {
    std::int32_t cluster = 0;
    std::vector<std::string> labels;
    std::size_t rows = 0;
    std::size_t example_row = 0;
};

/// Why a row is not in filtered.csv (DESIGN section 5), checked in this order: an empty text
/// first (it is nothing to keep), then the duplicate and judge reasons.
enum class Reason {
    kKeep,
    kEmpty,
    kExactDup,
    kNearDup,
    kLabelConflict,
    kJudgeDisagrees,
    kLowRealism,
    kContaminated  ///< equal or near a --reference row (set after compute, stats/reference.h)
};
const char* reason_name(Reason r);

struct Metrics {
    std::size_t rows = 0;
    std::map<std::string, std::size_t> label_counts;
    std::vector<std::string> spec_labels_missing;  ///< spec labels with no row
    std::vector<std::string> unknown_labels;       ///< labels the spec does not define
    double imbalance_ratio = 0;
    double entropy = 0;
    ChiSquare chi;
    std::string chi_reference;  ///< "spec weights" or "uniform"

    std::size_t exact_dup_rows = 0;
    std::size_t raw_exact_dup_rows = 0;
    std::size_t empty_rows = 0;
    std::size_t short_rows = 0;  ///< non-empty texts shorter than one shingle
    std::uint64_t near_dup_pairs = 0;
    std::size_t near_dup_clusters = 0;
    std::size_t rows_in_clusters = 0;
    std::size_t near_dup_removed = 0;
    std::size_t label_conflict_rows = 0;
    std::vector<Conflict> conflicts;

    // judge (present when has_judge)
    bool judged = false;
    std::size_t judge_ok = 0;
    std::size_t judge_correct = 0;
    std::size_t judge_refused = 0;
    std::size_t judge_errors = 0;
    std::optional<double> agreement;
    Interval agreement_ci;
    std::optional<double> kappa;
    std::vector<std::string> confusion_labels;
    Eigen::MatrixXd confusion;  ///< our label (rows) x judge label (columns), ok rows
    std::map<std::string, PerLabel> per_label;
    std::optional<double> realism_mean;
    std::vector<std::size_t> realism_histogram;  ///< index 0..4 = realism 1..5
    std::map<std::string, std::size_t> issue_counts;
    std::optional<double> judge_refusal_rate;
    std::size_t generator_refused = 0;
    std::string generator_refusal_source;  ///< which column said so

    double distinct_1 = 0;
    double distinct_2 = 0;
    std::map<std::string, LabelLength> length_by_label;
    LabelLength length_all;
    std::vector<Opening> top_openings;  ///< up to 5, most common first
    std::optional<double> persona_coverage;
    std::size_t distinct_personas = 0;

    std::vector<Reason> reasons;  ///< per row
    std::vector<std::size_t> kept_rows;
    std::map<std::string, std::size_t> rejected_by_reason;
    double min_realism = 3;

    double rate(double count) const { return rows ? count / static_cast<double>(rows) : 0.0; }
    double exact_dup_rate() const { return rate(exact_dup_rows); }
    double near_dup_rate() const { return rate(near_dup_removed); }
    double label_conflict_rate() const { return rate(label_conflict_rows); }
    double generator_refusal_rate() const { return rate(generator_refused); }
    /// The larger of the generator's and the judge's refusal rates.
    double refusal_rate() const;
};

/// Spec knowledge the figures use (empty without --spec).
struct Reference {
    std::vector<std::string> labels;
    std::vector<double> weights;
    double min_realism = 3;
};

/// Computes every figure over the rows `subset` of `data` (all rows when empty), whose
/// duplicates are `dups` (indices of `dups` are positions in the subset), on `threads` threads.
Metrics compute(const Dataset& data, const dedup::NearDupResult& dups, const Reference& reference,
                const std::vector<std::size_t>& subset = {}, int threads = 1);

}  // namespace synthmod::metrics
