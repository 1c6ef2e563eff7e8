// stats::keep_freed_memory: glibc's malloc told to keep freed blocks for the next allocations,
// checked through glibc's own accounting (mallinfo2), and left alone where the environment sets
// the thresholds itself.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>

#include "stats/malloc_options.h"

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#include <malloc.h>

namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

}  // namespace

TEST_CASE("keep_freed_memory leaves thresholds the environment sets to the user") {
    const char* tunables[] = {"PATH=/bin", "GLIBC_TUNABLES=glibc.malloc.trim_threshold=1", nullptr};
    CHECK_FALSE(synthmod::stats::keep_freed_memory(tunables));
    const char* tunables_mmap[] = {"GLIBC_TUNABLES=glibc.malloc.mmap_threshold=65536", nullptr};
    CHECK_FALSE(synthmod::stats::keep_freed_memory(tunables_mmap));
    const char* legacy[] = {"MALLOC_MMAP_THRESHOLD_=131072", nullptr};
    CHECK_FALSE(synthmod::stats::keep_freed_memory(legacy));
    const char* legacy_trim[] = {"MALLOC_TRIM_THRESHOLD_=131072", nullptr};
    CHECK_FALSE(synthmod::stats::keep_freed_memory(legacy_trim));
}

TEST_CASE("keep_freed_memory: blocks up to 32 MiB come from the heap and are used again") {
    // Other tunables, and names that only contain the words, do not count as the user's choice.
    const char* environment[] = {"GLIBC_TUNABLES=glibc.rtld.nns=4", "XMALLOC_TRIM_THRESHOLD_=1",
                                 nullptr};
    REQUIRE(synthmod::stats::keep_freed_memory(environment));

    const std::size_t mapped_before = mallinfo2().hblkhd;
    auto* block = static_cast<char*>(std::malloc(24 * kMiB));
    REQUIRE(block != nullptr);
    std::memset(block, 1, 24 * kMiB);
    CHECK(mallinfo2().hblkhd == mapped_before);  // from the heap, not a mapping of its own
    const std::size_t heap = mallinfo2().arena;
    std::free(block);
    CHECK(mallinfo2().arena == heap);  // freed, but not given back (64 MiB trim threshold)
    block = static_cast<char*>(std::malloc(24 * kMiB));
    REQUIRE(block != nullptr);
    CHECK(mallinfo2().arena == heap);  // the same memory again: the heap did not grow
    std::free(block);

    // Above 32 MiB a block is still a mapping of its own, returned when freed.
    block = static_cast<char*>(std::malloc(40 * kMiB));
    REQUIRE(block != nullptr);
    CHECK(mallinfo2().hblkhd >= mapped_before + 40 * kMiB);
    std::free(block);
    CHECK(mallinfo2().hblkhd == mapped_before);
}
#endif
