// output_file: write-to-temporary-then-rename, so no output is ever left half-written.
#pragma once

#include <fstream>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

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
    /// Flushes and fsyncs the temporary (waiting for start_writeback's fsync first), without
    /// renaming it. Throws IoError (e.g. disk full), the temporary then removed. Once per file.
    void sync();
    /// sync(), then renames into place. Throws IoError.
    void commit();
    const std::string& path() const { return path_; }

   private:
    std::string path_;
    std::string tmp_;
    /// The stream's buffer: 1 MB, so that a large file goes to the kernel in few write calls
    /// (the default 8 KB made 40,000 of them for a 330 MB filtered.csv).
    std::unique_ptr<char[]> buffer_;
    std::ofstream file_;
    bool synced_ = false;
    bool committed_ = false;
    /// start_writeback's fsync, joined before commit() reads its errno (0: it succeeded).
    std::thread early_sync_;
    int early_sync_errno_ = 0;
};

/// Commits `files` as one: each synced (closed, then fsynced) on a thread of its own, then all
/// renamed into place in their order, none before every one is synced. One after another each
/// fsync waited for a journal commit of its own (ext4: ~3.5 ms each on this VM, 7 files ~25 ms,
/// both cores idle); at once they share a few. The first file (in order) that fails to sync
/// throws its IoError with nothing renamed.
void commit_all(const std::vector<std::unique_ptr<OutputFile>>& files);

/// Throws IoError unless the folder that would hold `path` exists and is writable, so a run
/// fails before it spends anything rather than at the final write.
void check_writable(const std::string& path);

/// Writes `content` to `path` atomically.
void write_file_atomic(const std::string& path, const std::string& content);

/// Reads a whole file; IoError when missing or unreadable.
std::string read_file(const std::string& path);

}  // namespace synthmod
