#include "common/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <sstream>
#include <system_error>

#include "common/errors.h"

namespace synthmod {

namespace {

std::string parent_dir(const std::string& path) {
    auto slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

std::string errno_text() { return std::strerror(errno); }

/// Why writing `path` failed. The stream keeps no errno (and the failed write may have run on
/// another thread), so one byte is appended again: a full disk or `ulimit -f` (SIGXFSZ ignored)
/// fails the same way and names itself. The caller removes the file.
std::string write_failure(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND);
    if (fd < 0) return errno_text();
    int error = 0;
    if (::write(fd, "\n", 1) != 1)
        error = errno;
    else if (::fsync(fd) != 0)
        error = errno;
    ::close(fd);
    return error != 0 ? std::strerror(error) : "write failed";
}

}  // namespace

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
    if (path_ == "-") return;
    tmp_ = path_ + ".tmp-" + std::to_string(::getpid());
    constexpr std::size_t kBuffer = std::size_t{1} << 20;
    buffer_.reset(new char[kBuffer]);
    file_.rdbuf()->pubsetbuf(buffer_.get(), kBuffer);  // before open(), or it is ignored
    file_.open(tmp_, std::ios::binary | std::ios::trunc);
    if (!file_) throw IoError(path_ + ": cannot write: " + errno_text());
}

OutputFile::~OutputFile() {
    if (early_sync_.joinable()) early_sync_.join();
    if (path_ != "-" && !committed_) {
        file_.close();
        std::remove(tmp_.c_str());
    }
}

std::ostream& OutputFile::stream() {
    if (path_ == "-") return std::cout;
    return file_;
}

void OutputFile::start_writeback() {
    // A failed write is commit()'s to report.
    if (path_ == "-" || early_sync_.joinable() || !file_.flush()) return;
    // The errno is kept: commit() opens the file anew, and a descriptor opened after a
    // writeback error would not see it.
    early_sync_ = std::thread([this] {
        if (int fd = ::open(tmp_.c_str(), O_RDONLY); fd >= 0) {
            if (::fsync(fd) != 0) early_sync_errno_ = errno;
            ::close(fd);
        }
    });
}

void OutputFile::sync() {
    if (path_ == "-") {
        std::cout.flush();
        return;
    }
    if (synced_) return;
    file_.flush();
    const bool written = static_cast<bool>(file_);
    file_.close();
    if (early_sync_.joinable()) early_sync_.join();
    std::string why;
    if (!written || file_.fail()) {
        why = write_failure(tmp_);
    } else if (early_sync_errno_ != 0) {
        why = std::strerror(early_sync_errno_);
    } else if (int fd = ::open(tmp_.c_str(), O_RDONLY); fd >= 0) {
        if (::fsync(fd) != 0) why = errno_text();
        ::close(fd);
    }
    if (!why.empty()) {
        std::remove(tmp_.c_str());
        throw IoError(path_ + ": cannot write: " + why);
    }
    synced_ = true;
}

void OutputFile::commit() {
    sync();
    if (path_ == "-") {
        committed_ = true;
        return;
    }
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
        const std::string rename_error = errno_text();
        std::remove(tmp_.c_str());
        throw IoError(path_ + ": cannot rename into place: " + rename_error);
    }
    committed_ = true;
}

void commit_all(const std::vector<std::unique_ptr<OutputFile>>& files) {
    // Each file synced on a thread of its own (stdout on this one); the first error in the
    // files' order is thrown once all are done, before any rename.
    std::vector<std::exception_ptr> errors(files.size());
    std::vector<std::thread> syncs;
    syncs.reserve(files.size());
    auto sync = [&](std::size_t k) {
        try {
            files[k]->sync();
        } catch (...) {
            errors[k] = std::current_exception();
        }
    };
    for (std::size_t k = 0; k < files.size(); ++k) {
        try {
            if (files[k]->path() != "-") {
                syncs.emplace_back(sync, k);
                continue;
            }
        } catch (const std::system_error&) {
            // No thread to be had: this file is synced on this one.
        }
        sync(k);
    }
    for (auto& t : syncs) t.join();
    for (const auto& e : errors)
        if (e) std::rethrow_exception(e);
    for (const auto& f : files) f->commit();
}

void check_writable(const std::string& path) {
    if (path == "-") return;
    std::string dir = parent_dir(path);
    if (::access(dir.c_str(), W_OK) != 0)
        throw IoError(path + ": cannot write into " + dir + ": " + errno_text());
}

void write_file_atomic(const std::string& path, const std::string& content) {
    OutputFile out(path);
    out.stream() << content;
    out.commit();
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError(path + ": cannot read: " + errno_text());
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw IoError(path + ": read error");
    return ss.str();
}

}  // namespace synthmod
