#include "common/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sstream>

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

}  // namespace

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
    if (path_ == "-") return;
    tmp_ = path_ + ".tmp-" + std::to_string(::getpid());
    file_.open(tmp_, std::ios::binary | std::ios::trunc);
    if (!file_) throw IoError(path_ + ": cannot write: " + errno_text());
}

OutputFile::~OutputFile() {
    if (path_ != "-" && !committed_) {
        file_.close();
        std::remove(tmp_.c_str());
    }
}

std::ostream& OutputFile::stream() {
    if (path_ == "-") return std::cout;
    return file_;
}

void OutputFile::commit() {
    if (path_ == "-") {
        std::cout.flush();
        committed_ = true;
        return;
    }
    file_.flush();
    bool ok = static_cast<bool>(file_);
    file_.close();
    ok = ok && !file_.fail();
    if (ok) {
        int fd = ::open(tmp_.c_str(), O_RDONLY);
        if (fd >= 0) {
            ok = ::fsync(fd) == 0;
            ::close(fd);
        }
    }
    if (!ok) {
        std::string why = errno ? errno_text() : "write failed";
        std::remove(tmp_.c_str());
        throw IoError(path_ + ": cannot write: " + why);
    }
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
        std::string why = errno_text();
        std::remove(tmp_.c_str());
        throw IoError(path_ + ": cannot rename into place: " + why);
    }
    committed_ = true;
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
