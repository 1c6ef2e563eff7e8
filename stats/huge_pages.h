// huge_pages: large buffers backed by transparent huge pages where the kernel allows it, so that
// filling them costs one page fault per 2 MB instead of one per 4 KB (on a VM a fault is several
// microseconds: a million rows took ~20,000 of them for the row store alone).
#pragma once

#include <algorithm>
#include <cstddef>
#include <future>
#include <iterator>
#include <vector>

#include "common/pages.h"

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

/// Faults in the pages of [data, data + bytes) writable in one call (common/pages.h); a buffer
/// under 2 MB gets no huge page, so this is what spares its 4 KB faults.
using pages::populate;

/// Gives the whole pages inside [data, data + bytes) back to the kernel (common/pages.h).
using pages::discard;

/// `v.assign(n, value)` on huge pages, its pages faulted in by populate() first (v's old buffer
/// is freed first).
template <class T>
void assign(std::vector<T>& v, std::size_t n, const T& value = T()) {
    std::vector<T>().swap(v);
    reserve(v, n);
    populate(v.data(), n * sizeof(T));
    v.assign(n, value);
}

/// make_room's growing: a buffer twice as large (or `more` larger) on huge pages, all its pages
/// faulted in by populate() before the copy: copied or pushed page by page, each 4 KB took a
/// fault (~11 us on this VM; the row store's references, grown from 1024, took ~12 % of the
/// short-post run's page faults, on the reading thread), populated ~1 us. At most the
/// capacity's unused half is faulted in for nothing. Out of line: callers' loops stay small.
template <class T>
[[gnu::noinline]] void grow(std::vector<T>& v, std::size_t more) {
    std::vector<T> bigger;
    reserve(bigger, std::max<std::size_t>({1024, 2 * v.capacity(), v.size() + more}));
    populate(bigger.data(), bigger.capacity() * sizeof(T));
    bigger.insert(bigger.end(), std::make_move_iterator(v.begin()),
                  std::make_move_iterator(v.end()));
    v.swap(bigger);
}

/// Room for `more` elements after v's end: grown by doubling, the new part on huge pages.
template <class T>
void make_room(std::vector<T>& v, std::size_t more) {
    if (v.capacity() - v.size() < more) grow(v, more);
}

/// Faults in the pages of a buffer a little ahead of the thread filling it, on a second thread:
/// the kernel's page zeroing, the bulk of filling fresh memory on a VM, leaves the filling
/// thread's path. One range in flight at a time.
class Prefault {
   public:
    Prefault() = default;
    Prefault(Prefault&&) = default;
    Prefault& operator=(Prefault&&) = default;
    ~Prefault() { wait(); }
    /// Waits for the previous range, then starts faulting in [data, data + bytes) (writable;
    /// MADV_POPULATE_WRITE). Advice only: where the kernel lacks it the pages fault as written.
    void ahead(const void* data, std::size_t bytes);
    /// Waits for the range in flight, if any.
    void wait() {
        if (pending_.valid()) pending_.get();
    }

   private:
    std::future<void> pending_;
};

}  // namespace synthmod::huge_pages
