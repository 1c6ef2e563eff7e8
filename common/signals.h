// signals: SIGINT/SIGTERM turn into a flag the runner polls (stop dispatching, finish, exit 130).
#pragma once

namespace synthmod::signals {

/// Installs the SIGINT/SIGTERM handlers and ignores SIGXFSZ (a write past `ulimit -f` then
/// fails with EFBIG instead of killing the process). From main, once.
void install();
/// True once SIGINT or SIGTERM arrived.
bool stop_requested();
/// For tests and for the budget path: request a stop as a signal would.
void request_stop();

}  // namespace synthmod::signals
