// top_up: what `synthmod-generate --top-up metrics.json` asks for — each label's shortfall in an
// earlier run's stats, scaled by that label's observed yield.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace synthmod::generator {

/// The rows a top-up asks for. Read from the `quota` section synthmod-stats writes with --spec:
///
///     "quota": {
///       "labels": [
///         {"label": "Self-harm & Suicide", "asked": 250, "answered": 180, "refused": 70,
///          "failed": 0, "drifted_in": 3, "drifted_out": 41, "kept": 130, "shortfall": 120,
///          "fill": 0.52},
///         ...
///       ],
///       "min_fill": 0.52
///     }
///
/// Only `label`, `answered`, `kept` and `shortfall` are read (the others may be absent). For
/// each label with a shortfall, rows = ceil(shortfall / yield) with yield = kept / answered (the
/// share of that label's answered rows that stats kept), bounded to [kMinYield, 1]; a label with
/// no answered row is asked its shortfall as is.
struct TopUp {
    std::vector<std::size_t> rows;   ///< rows to ask per label, in the order of `labels`
    std::vector<double> yields;      ///< yield used per label (1 when unknown)
    std::vector<std::string> notes;  ///< what the user should know (bounded yield, unknown, ...)
    std::string round_key;           ///< 12 hex digits of the quota read: the top-up's id tag
    std::size_t base_rows = 0;       ///< sum of `asked` (the run topped up), 0 when absent
};

/// The lowest yield a top-up scales by: a label that kept almost nothing is asked at most
/// 1 / kMinYield times its shortfall.
inline constexpr double kMinYield = 0.2;

/// Reads `metrics_path` and plans the top-up for the spec's `labels`. A file that is not JSON,
/// has no quota section, or names a label the spec lacks: InputError("file: ...").
TopUp read_top_up(const std::string& metrics_path, const std::vector<std::string>& labels);

}  // namespace synthmod::generator
