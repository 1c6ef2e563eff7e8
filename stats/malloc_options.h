// malloc_options: how glibc's malloc keeps the memory synthmod-stats frees.
#pragma once

namespace synthmod::stats {

/// Makes glibc's malloc keep freed memory for the process's next allocations instead of giving it
/// back to the kernel at once: blocks up to 32 MiB come from the heap (M_MMAP_THRESHOLD, the most
/// glibc's own sliding threshold reaches), and up to 64 MiB free at the heap's top stay mapped
/// (M_TRIM_THRESHOLD). Each stage of a run frees buffers the next one allocates again; with
/// glibc's defaults most of them were fresh mappings, every page zeroed by the kernel at its first
/// touch (~20 % of the 100k short-post job's CPU samples). `environment` is the process's
/// (`environ`, null-terminated): where it sets either threshold itself (GLIBC_TUNABLES'
/// glibc.malloc.mmap_threshold or trim_threshold, or MALLOC_MMAP_THRESHOLD_ or
/// MALLOC_TRIM_THRESHOLD_), nothing is changed and the user's setting decides. Returns whether the
/// options were set. Call it before the first thread starts.
bool keep_freed_memory(const char* const* environment);

}  // namespace synthmod::stats
