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

/// How many of the bytes the cut depends on a range holds.
struct Counts {
    std::uint64_t quotes = 0;
    std::uint64_t lfs = 0;
    std::uint64_t crs = 0;
    std::uint64_t crlfs = 0;  ///< CRs followed by an LF
};

#ifdef __SSE2__
/// The sum of the 16 byte counters in `acc`.
std::uint64_t sum_bytes(__m128i acc) {
    std::uint64_t halves[2];
    _mm_storeu_si128(reinterpret_cast<__m128i*>(halves), _mm_sad_epu8(acc, _mm_setzero_si128()));
    return halves[0] + halves[1];
}
#endif

/// The counts over p[0, n); p[n] is read too (the byte after a CR). With SSE2 16 bytes a step,
/// into byte counters summed every 255 steps before they overflow: the scan goes through half
/// the file before the second part can start.
Counts count(const char* p, std::size_t n) {
    Counts c;
    std::size_t i = 0;
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    while (i + 16 <= n) {
        __m128i quotes = _mm_setzero_si128(), lfs = quotes, crs = quotes, crlfs = quotes;
        for (int k = 0; k < 255 && i + 16 <= n; ++k, i += 16) {
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
            const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 1));
            const __m128i is_cr = _mm_cmpeq_epi8(v, cr);
            // A match is -1 in its byte: subtracting it counts it.
            quotes = _mm_sub_epi8(quotes, _mm_cmpeq_epi8(v, quote));
            lfs = _mm_sub_epi8(lfs, _mm_cmpeq_epi8(v, lf));
            crs = _mm_sub_epi8(crs, is_cr);
            crlfs = _mm_sub_epi8(crlfs, _mm_and_si128(is_cr, _mm_cmpeq_epi8(next, lf)));
        }
        c.quotes += sum_bytes(quotes);
        c.lfs += sum_bytes(lfs);
        c.crs += sum_bytes(crs);
        c.crlfs += sum_bytes(crlfs);
    }
#endif
    for (; i < n; ++i) {
        c.quotes += p[i] == '"';
        c.lfs += p[i] == '\n';
        c.crs += p[i] == '\r';
        c.crlfs += p[i] == '\r' && p[i + 1] == '\n';
    }
    return c;
}

/// The cut in the file's bytes `data` (see find_split).
std::optional<Split> cut(const char* data, std::size_t size, std::size_t middle) {
    if (middle >= size) return std::nullopt;
    const Counts before = count(data, middle);
    if (before.crs != before.crlfs) return std::nullopt;
    std::uint64_t quotes = before.quotes;
    std::size_t lfs = before.lfs;
    for (std::size_t i = middle; i < size; ++i) {
        const char b = data[i];
        if (b == '"') {
            ++quotes;
        } else if (b == '\r' && (i + 1 == size || data[i + 1] != '\n')) {
            return std::nullopt;
        } else if (b == '\n') {
            ++lfs;
            if (quotes % 2 == 0) return Split{i + 1, lfs + 1};
        }
    }
    return std::nullopt;
}

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
    const std::optional<Split> found =
        cut(static_cast<const char*>(map), size, static_cast<std::size_t>(middle));
    ::munmap(map, size);
    return found;
}

}  // namespace synthmod::csv
