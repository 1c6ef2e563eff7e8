#include "common/csv_split.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/errors.h"

namespace synthmod::csv {

namespace {

/// Set bits of a 16-bit mask, inline (without -mpopcnt __builtin_popcount is a libgcc call).
inline unsigned popcount16(unsigned x) {
    x -= (x >> 1) & 0x5555u;
    x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
    x = (x + (x >> 4)) & 0x0f0fu;
    return (x + (x >> 8)) & 0x1fu;
}

/// The scan's state across the file's chunks.
struct Scan {
    std::uint64_t middle = 0;
    std::uint64_t quotes = 0;  ///< quotes so far (their parity: inside a quoted field)
    std::size_t lfs = 0;       ///< LFs so far
    bool after_cr = false;     ///< the last byte scanned was a CR
    bool lone_cr = false;      ///< a CR not followed by an LF: give up
    std::optional<Split> found;

    /// Scans `n` bytes at file offset `at` (the whole file, or chunks of it in order); true
    /// once the answer is known.
    bool chunk(const char* p, std::size_t n, std::uint64_t at) {
        std::size_t i = 0;
#ifdef __SSE2__
        // Whole blocks before the middle: counts only, 16 bytes a step.
        const __m128i quote = _mm_set1_epi8('"'), lf = _mm_set1_epi8('\n');
        const __m128i cr = _mm_set1_epi8('\r');
        for (; i + 16 <= n && at + i + 16 <= middle; i += 16) {
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
            const auto q = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)));
            const auto l = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf)));
            const auto c = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, cr)));
            quotes += popcount16(q);
            lfs += popcount16(l);
            if (after_cr && !(l & 1u)) return lone_cr = true;
            if (((c << 1) & 0xffffu & ~l) != 0) return lone_cr = true;
            after_cr = (c & 0x8000u) != 0;
        }
#endif
        for (; i < n; ++i) {
            const char b = p[i];
            if (after_cr && b != '\n') return lone_cr = true;
            after_cr = b == '\r';
            if (b == '"') ++quotes;
            if (b != '\n') continue;
            ++lfs;
            if (at + i >= middle && quotes % 2 == 0) {
                found = Split{at + i + 1, lfs + 1};
                return true;
            }
        }
        return false;
    }
};

}  // namespace

std::optional<Split> find_split(const std::string& path, std::uint64_t middle) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw IoError(path + ": cannot read: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || st.st_size <= 0) {
        ::close(fd);
        return std::nullopt;
    }
    // Mapped, not read: the scan goes through half the file, and a read() copies every byte.
    const auto size = static_cast<std::size_t>(st.st_size);
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) throw IoError(path + ": cannot map: " + std::strerror(errno));
#ifdef MADV_POPULATE_READ
    ::madvise(map, std::min<std::size_t>(size, middle), MADV_POPULATE_READ);  // advice only
#endif
    Scan scan;
    scan.middle = middle;
    scan.chunk(static_cast<const char*>(map), size, 0);
    ::munmap(map, size);
    if (scan.lone_cr) return std::nullopt;
    return scan.found;
}

}  // namespace synthmod::csv
