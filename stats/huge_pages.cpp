#include "stats/huge_pages.h"

#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace synthmod::huge_pages {

void advise(const void* data, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    constexpr std::uintptr_t kHuge = std::uintptr_t{1} << 21;
    if (bytes < kHuge) return;
    const auto start = reinterpret_cast<std::uintptr_t>(data);
    const std::uintptr_t begin = (start + kHuge - 1) & ~(kHuge - 1);
    const std::uintptr_t end = (start + bytes) & ~(kHuge - 1);
    // Advice: a refusal (EINVAL without THP) leaves the pages as they were.
    if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
    (void)data;
    (void)bytes;
#endif
}

void Prefault::ahead(const void* data, std::size_t bytes) {
    wait();
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
    pending_ = std::async(std::launch::async, [data, bytes] { populate(data, bytes); });
#else
    (void)data;
    (void)bytes;
#endif
}

}  // namespace synthmod::huge_pages
