// clock: the two clocks the runner reads — monotonic seconds for scheduling, Unix seconds for
// HTTP dates and rate-limit resets.
#pragma once

#include <chrono>

namespace synthmod::runner {

/// Seconds on a monotonic clock (timers, rates, ETA).
inline double mono_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// Unix seconds (comparing with retry-after dates and anthropic-ratelimit-*-reset).
inline double unix_s() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace synthmod::runner
