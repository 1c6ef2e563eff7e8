#include "common/signals.h"

#include <csignal>

namespace synthmod::signals {

namespace {

/// Set from the handler; sig_atomic_t is what a handler may write without a data race.
volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_signal(int) { g_stop = 1; }

}  // namespace

void install() {
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    // No SA_RESTART: a blocking poll()/select() returns EINTR so the event loop wakes and sees
    // the flag at once instead of waiting for its next timeout.
    action.sa_flags = 0;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    // Past `ulimit -f`, the default SIGXFSZ kills the process mid-write and leaves a temporary
    // behind; ignored, the write fails with EFBIG and OutputFile reports "file: cannot write".
    std::signal(SIGXFSZ, SIG_IGN);
}

bool stop_requested() { return g_stop != 0; }

void request_stop() { g_stop = 1; }

}  // namespace synthmod::signals
