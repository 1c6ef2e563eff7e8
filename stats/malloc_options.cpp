#include "stats/malloc_options.h"

#include <cstring>

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#include <malloc.h>
#define SYNTHMOD_GLIBC_MALLOC 1
#endif

namespace synthmod::stats {

#if SYNTHMOD_GLIBC_MALLOC
namespace {

bool user_sets_thresholds(const char* const* environment) {
    for (const char* const* e = environment; e != nullptr && *e != nullptr; ++e) {
        const char* v = *e;
        if (std::strncmp(v, "MALLOC_MMAP_THRESHOLD_=", 23) == 0 ||
            std::strncmp(v, "MALLOC_TRIM_THRESHOLD_=", 23) == 0)
            return true;
        if (std::strncmp(v, "GLIBC_TUNABLES=", 15) == 0 &&
            (std::strstr(v, "glibc.malloc.mmap_threshold") != nullptr ||
             std::strstr(v, "glibc.malloc.trim_threshold") != nullptr))
            return true;
    }
    return false;
}

}  // namespace
#endif

bool keep_freed_memory(const char* const* environment) {
#if SYNTHMOD_GLIBC_MALLOC
    if (user_sets_thresholds(environment)) return false;
    constexpr int kMiB = 1 << 20;
    // Setting either turns glibc's sliding mmap threshold off, so both are set.
    return mallopt(M_MMAP_THRESHOLD, 32 * kMiB) == 1 && mallopt(M_TRIM_THRESHOLD, 64 * kMiB) == 1;
#else
    (void)environment;  // another allocator (or ASan's) keeps its own policy
    return false;
#endif
}

}  // namespace synthmod::stats
