// mimalloc_options: the options of mimalloc for the tools that link it (synthmod_malloc in the
// top-level CMakeLists.txt compiles this file into each of them), set before the first allocation.
//
// mimalloc maps its first segment at the first malloc, which comes before main (libstdc++ and
// libcurl allocate in their constructors); mi_option_set in main comes too late for that memory.
// A function in the executable's .preinit_array runs before every library's constructor, so before
// that first malloc. mimalloc's option table is static data: setting it there needs no allocation.
#include <mimalloc.h>

#include <cstring>

namespace {

bool in_environment(char** envp, const char* name) {
    const std::size_t n = std::strlen(name);
    for (char** e = envp; e != nullptr && *e != nullptr; ++e)
        if (std::strncmp(*e, name, n) == 0 && (*e)[n] == '=') return true;
    return false;
}

/// Large OS pages: mimalloc asks the kernel for transparent huge pages (madvise) for its segments,
/// so the heap is faulted in 2 MiB at a time instead of 4 KiB. A 2,000-request generate run took
/// ~3,400 page faults without and ~640 with, and ~20 % less CPU (bench/RESULTS.md, "Allocator");
/// peak RSS ~5 MB more. Where the kernel has no transparent huge pages it changes nothing. A
/// MIMALLOC_LARGE_OS_PAGES in the environment (read from envp: environ is not set up yet) still
/// decides, as mimalloc documents.
void set_options(int /*argc*/, char** /*argv*/, char** envp) {
    if (!in_environment(envp, "MIMALLOC_LARGE_OS_PAGES")) mi_option_set(mi_option_large_os_pages, 1);
}

}  // namespace

__attribute__((section(".preinit_array"), used)) static void (*const synthmod_mimalloc_options)(
    int, char**, char**) = set_options;
