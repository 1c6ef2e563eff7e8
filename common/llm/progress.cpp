#include "common/llm/progress.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <sstream>

#include "common/errors.h"
#include "common/llm/clock.h"

namespace synthmod::runner {

std::optional<double> projected_cost(double spent, std::size_t answered, std::size_t planned) {
    if (answered < kProjectAfter) return std::nullopt;
    return spent / static_cast<double>(answered) * static_cast<double>(planned);
}

Progress::Progress(const Options& options, std::size_t total, std::size_t resumed)
    : tool_(options.tool),
      live_(!options.quiet && ::isatty(2) == 1),
      quiet_(options.quiet),
      verbose_(options.verbose),
      total_(total),
      resumed_(resumed),
      start_(mono_s()) {}

void Progress::clear_line() {
    if (drawn_) {
        std::fputs("\r\033[K", stderr);
        drawn_ = false;
    }
}

void Progress::tick(const Summary& s, int inflight_cap, double spent, bool force) {
    if (!live_) return;
    double now = mono_s();
    if (!force && last_draw_ >= 0 && now - last_draw_ < 0.25) return;
    last_draw_ = now;
    std::size_t done_now = s.ok + s.refused + s.failed;  // finished in this run
    std::size_t done = resumed_ + done_now;
    double elapsed = now - start_;
    double rate = elapsed > 0 ? static_cast<double>(done_now) / elapsed : 0;
    std::ostringstream line;
    line << tool_ << ": " << done << "/" << total_;
    char buf[64];
    std::snprintf(buf, sizeof buf, " %.1f/s", rate);
    line << buf;
    if (rate > 0 && done < total_) {
        double eta = static_cast<double>(total_ - done) / rate;
        std::snprintf(buf, sizeof buf, " ETA %dm%02ds", static_cast<int>(eta) / 60,
                      static_cast<int>(eta) % 60);
        line << buf;
    }
    if (s.cost_known) {
        std::snprintf(buf, sizeof buf, " $%.4f", spent);
        line << buf;
        if (auto projected = projected_cost(spent, done, total_)) {
            std::snprintf(buf, sizeof buf, " so far, ~$%.2f projected", *projected);
            line << buf;
        }
    } else {
        line << " $?";
    }
    line << " retries " << s.retries << " in-flight cap " << inflight_cap;
    if (!note_.empty()) line << " " << note_;
    std::fputs("\r\033[K", stderr);
    std::fputs(line.str().c_str(), stderr);
    std::fflush(stderr);
    drawn_ = true;
}

void Progress::finish(const Summary& summary) {
    clear_line();
    if (!quiet_) {
        std::string line = printable(summary_line(summary, tool_));
        std::fprintf(stderr, "%s\n", line.c_str());
    }
    // Why rows failed is said even with --quiet: it is what the user has to act on.
    for (const auto& line : failure_lines(summary, tool_))
        std::fprintf(stderr, "%s\n", printable(line).c_str());
    std::fflush(stderr);
}

void Progress::warn(const std::string& line) {
    clear_line();
    std::fprintf(stderr, "%s: %s\n", tool_.c_str(), printable(line).c_str());
    std::fflush(stderr);
    last_draw_ = -1;
}

void Progress::log(const std::string& line) {
    if (quiet_ || !verbose_) return;
    clear_line();
    std::fprintf(stderr, "%s: %s\n", tool_.c_str(), printable(line).c_str());
    last_draw_ = -1;  // redraw the live line at the next tick
}

}  // namespace synthmod::runner
