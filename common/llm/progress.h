// progress: what a run shows on stderr — the live line on a terminal (done/total, rate, ETA,
// spend, retries, in-flight cap), --verbose lines, and the summary line at the end (DESIGN
// section 6).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "common/llm/runner.h"

namespace synthmod::runner {

/// Answers the live line waits for before it projects the run's total cost.
constexpr std::size_t kProjectAfter = 50;

/// The run's projected total cost: the mean cost of an answered item so far (`spent`, every
/// journalled record and what is charged but not yet journalled, over `answered` items: those
/// journalled by earlier runs and this one's finished ones) times the items planned. Empty
/// before kProjectAfter answers, when a smaller sample would mislead.
std::optional<double> projected_cost(double spent, std::size_t answered, std::size_t planned);

/// The live progress line (stderr is a terminal) and the final summary line.
class Progress {
   public:
    Progress(const Options& options, std::size_t total, std::size_t resumed);
    /// Redraws the live line, at most 4 times a second (always when `force`).
    void tick(const Summary& summary, int inflight_cap, double spent, bool force = false);
    /// Clears the live line and prints the summary line (unless quiet).
    void finish(const Summary& summary);
    /// An error worth a line of its own ("<tool>: <line>"), printed even with --quiet.
    void warn(const std::string& line);
    /// A --verbose line (never contains a secret: callers redact).
    void log(const std::string& line);
    /// Extra words on the live line (e.g. the batch being polled).
    void set_note(const std::string& note) { note_ = note; }

   private:
    void clear_line();
    std::string tool_;
    bool live_ = false, quiet_ = false, verbose_ = false;
    std::size_t total_ = 0, resumed_ = 0;
    double start_ = 0, last_draw_ = -1;
    bool drawn_ = false;
    std::string note_;
};

}  // namespace synthmod::runner
