#include "common/csv_split.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "common/errors.h"

namespace synthmod::csv {

namespace {

/// The scan's state across the file's chunks.
struct Scan {
    std::uint64_t middle = 0;
    std::uint64_t quotes = 0;  ///< quotes so far (their parity: inside a quoted field)
    std::size_t lfs = 0;       ///< LFs so far
    bool after_cr = false;     ///< the last byte scanned was a CR
    bool lone_cr = false;      ///< a CR not followed by an LF: give up
    std::optional<Split> found;

    /// Scans `n` bytes at file offset `at` (the file's chunks in order); true once the answer
    /// is known.
    bool chunk(const char* p, std::size_t n, std::uint64_t at) {
        std::size_t i = 0;
        // Before the middle only the counts matter: runs of kRun bytes counted by a loop the
        // compiler vectorises (no branch per byte; 8-bit counts, so a run is under 256 bytes),
        // each CR in a run checked for its LF (the byte after the run included: it must be in
        // this chunk too).
        constexpr std::size_t kRun = 192;
        for (; i + kRun < n && at + i + kRun <= middle; i += kRun) {
            const char* r = p + i;
            std::uint8_t q = 0, l = 0, cr = 0, crlf = 0;
            for (std::size_t k = 0; k < kRun; ++k) {
                q += r[k] == '"';
                l += r[k] == '\n';
                cr += r[k] == '\r';
                crlf += (r[k] == '\r') & (r[k + 1] == '\n');
            }
            if ((after_cr && r[0] != '\n') || cr != crlf) return lone_cr = true;
            quotes += q;
            lfs += l;
            after_cr = r[kRun - 1] == '\r';
        }
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
    // Read in chunks into one buffer that stays in cache, not mapped: mapping the first half
    // (its page-table entries made, then torn down) cost more than copying it.
    constexpr std::size_t kChunk = std::size_t{1} << 18;
    const std::unique_ptr<char[]> buffer(new char[kChunk]);
    Scan scan;
    scan.middle = middle;
    for (std::uint64_t at = 0;;) {
        const ssize_t n = ::pread(fd, buffer.get(), kChunk, static_cast<off_t>(at));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            throw IoError(path + ": cannot read: " + why);
        }
        if (n == 0 || scan.chunk(buffer.get(), static_cast<std::size_t>(n), at)) break;
        at += static_cast<std::uint64_t>(n);
    }
    ::close(fd);
    if (scan.lone_cr) return std::nullopt;
    return scan.found;
}

}  // namespace synthmod::csv
