// huge_pages: large buffers backed by transparent huge pages where the kernel allows it, so that
// filling them costs one page fault per 2 MB instead of one per 4 KB (on a VM a fault is several
// microseconds: a million rows took ~20,000 of them for the row store alone).
#pragma once

#include <cstddef>
#include <vector>

namespace synthmod::huge_pages {

/// Asks for transparent huge pages on [data, data + bytes) (the whole 2 MB pages inside it).
/// Advice only: without THP ("never") or on another system it changes nothing.
void advise(const void* data, std::size_t bytes);

/// `v.reserve(capacity)`, then advise() on the reserved bytes; call it before filling `v`.
template <class T>
void reserve(std::vector<T>& v, std::size_t capacity) {
    v.reserve(capacity);
    advise(v.data(), v.capacity() * sizeof(T));
}

}  // namespace synthmod::huge_pages
