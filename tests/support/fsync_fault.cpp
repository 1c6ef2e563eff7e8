#include "tests/support/fsync_fault.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace {

std::atomic<int> g_armed{0};
std::atomic<int> g_error{EIO};
std::atomic<int> g_failed{0};

}  // namespace

namespace synthmod::test {

void fail_next_fsyncs(int count, int error) {
    g_error = error;
    g_armed = count;
}

int failed_fsyncs() { return g_failed; }

}  // namespace synthmod::test

extern "C" int fsync(int fd) {
    int armed = g_armed.load();
    while (armed > 0) {
        if (g_armed.compare_exchange_weak(armed, armed - 1)) {
            ++g_failed;
            errno = g_error;
            return -1;
        }
    }
    return static_cast<int>(::syscall(SYS_fsync, fd));
}
