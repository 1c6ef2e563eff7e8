#include "common/pages.h"

#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace synthmod::pages {

namespace {

#if defined(__linux__)
/// madvise(advice) on the whole pages inside [data, data + bytes), if there are any.
void advise_whole_pages(const void* data, std::size_t bytes, int advice) {
    constexpr std::uintptr_t kPage = 4096;
    const auto start = reinterpret_cast<std::uintptr_t>(data);
    const std::uintptr_t begin = (start + kPage - 1) & ~(kPage - 1);
    const std::uintptr_t end = (start + bytes) & ~(kPage - 1);
    if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, advice);
}
#endif

}  // namespace

void populate(const void* data, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
    advise_whole_pages(data, bytes, MADV_POPULATE_WRITE);
#else
    (void)data;
    (void)bytes;
#endif
}

void discard(const void* data, std::size_t bytes) {
#if defined(__linux__)
    advise_whole_pages(data, bytes, MADV_DONTNEED);
#else
    (void)data;
    (void)bytes;
#endif
}

}  // namespace synthmod::pages
