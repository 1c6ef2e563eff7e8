// output_file: write-to-temporary-then-rename, so no output is ever left half-written.
#pragma once

#include <fstream>
#include <memory>
#include <ostream>
#include <string>
#include <thread>

namespace synthmod {

/// An output file written to `<path>.tmp-<pid>` and renamed over `path` by commit().
/// Destroyed without commit() (an exception, a stop), the temporary is removed and `path`
/// is left as it was. "-" writes straight to stdout.
class OutputFile {
   public:
    explicit OutputFile(std::string path);
    ~OutputFile();
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    std::ostream& stream();
    /// Hands what is written so far to the kernel and fsyncs it on a helper thread, so that the
    /// disk's wait overlaps the caller's work instead of commit()'s (ext4 makes the first
    /// fsync after a large file wait for all of it). Changes nothing else: commit() still
    /// fsyncs before the rename, and a failed write or a writeback error, including one that
    /// helper fsync met, still shows at commit(). Once per file; later calls do nothing.
    void start_writeback();
    /// Flushes, fsyncs and renames into place. Throws IoError (e.g. disk full).
    void commit();
    const std::string& path() const { return path_; }

   private:
    std::string path_;
    std::string tmp_;
    /// The stream's buffer: 1 MB, so that a large file goes to the kernel in few write calls
    /// (the default 8 KB made 40,000 of them for a 330 MB filtered.csv).
    std::unique_ptr<char[]> buffer_;
    std::ofstream file_;
    bool committed_ = false;
    /// start_writeback's fsync, joined before commit() reads its errno (0: it succeeded).
    std::thread early_sync_;
    int early_sync_errno_ = 0;
};

/// Throws IoError unless the folder that would hold `path` exists and is writable, so a run
/// fails before it spends anything rather than at the final write.
void check_writable(const std::string& path);

/// Writes `content` to `path` atomically.
void write_file_atomic(const std::string& path, const std::string& content);

/// Reads a whole file; IoError when missing or unreadable.
std::string read_file(const std::string& path);

}  // namespace synthmod
