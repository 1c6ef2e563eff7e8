#include "tests/support/fsync_fault.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <string>

namespace {

std::atomic<int> g_armed{0};
std::atomic<int> g_error{EIO};
std::atomic<int> g_failed{0};
std::mutex g_name_mutex;
std::string g_name_part;  ///< fail_fsyncs_of's; empty: none

/// Whether fd's file is one fail_fsyncs_of names (its path from /proc/self/fd).
bool named(int fd) {
    std::lock_guard<std::mutex> lock(g_name_mutex);
    if (g_name_part.empty()) return false;
    char path[4096];
    const std::string link = "/proc/self/fd/" + std::to_string(fd);
    const ssize_t n = ::readlink(link.c_str(), path, sizeof path);
    return n > 0 &&
           std::string(path, static_cast<std::size_t>(n)).find(g_name_part) != std::string::npos;
}

}  // namespace

namespace synthmod::test {

void fail_next_fsyncs(int count, int error) {
    g_error = error;
    g_armed = count;
}

void fail_fsyncs_of(const std::string& name_part) {
    std::lock_guard<std::mutex> lock(g_name_mutex);
    g_name_part = name_part;
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
    if (named(fd)) {
        ++g_failed;
        errno = EIO;
        return -1;
    }
    return static_cast<int>(::syscall(SYS_fsync, fd));
}
