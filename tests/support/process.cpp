#include "tests/support/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace synthmod::test {

namespace {

void apply_env(const std::map<std::string, std::string>& env) {
    for (const auto& [k, v] : env) {
        if (v == "\x01unset")
            ::unsetenv(k.c_str());
        else
            ::setenv(k.c_str(), v.c_str(), 1);
    }
}

std::vector<char*> make_argv(const std::vector<std::string>& argv) {
    std::vector<char*> out;
    for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
    out.push_back(nullptr);
    return out;
}

/// In the child before exec: `ulimit -f` and dropped privileges (RunOptions).
void apply_limits(const RunOptions& options) {
    if (options.file_size_limit >= 0) {
        const auto limit = static_cast<rlim_t>(options.file_size_limit);
        struct rlimit rl {};
        rl.rlim_cur = rl.rlim_max = limit;
        if (::setrlimit(RLIMIT_FSIZE, &rl) != 0) ::_exit(125);
        ::signal(SIGXFSZ, SIG_DFL);
    }
    if (options.uid >= 0) {
        const auto id = static_cast<uid_t>(options.uid);
        if (::setgroups(0, nullptr) != 0 || ::setgid(id) != 0 || ::setuid(id) != 0) ::_exit(125);
    }
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

ProcessResult run(const std::vector<std::string>& argv, const RunOptions& options) {
    int in_pipe[2], out_pipe[2], err_pipe[2];
    if (::pipe(in_pipe) || ::pipe(out_pipe)) throw std::runtime_error("pipe");
    if (options.stderr_terminal) {  // [0] the terminal's master side, [1] the child's side
        if (::openpty(&err_pipe[0], &err_pipe[1], nullptr, nullptr, nullptr) != 0)
            throw std::runtime_error("openpty");
    } else if (::pipe(err_pipe)) {
        throw std::runtime_error("pipe");
    }
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork");
    if (pid == 0) {
        ::dup2(in_pipe[0], 0);
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
        for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
            ::close(fd);
        if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) ::_exit(126);
        apply_env(options.env);
        apply_limits(options);
        auto args = make_argv(argv);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    ::signal(SIGPIPE, SIG_IGN);
    ProcessResult result;
    std::size_t written = 0;
    int in_fd = in_pipe[1];
    if (options.stdin_data.empty()) {
        ::close(in_fd);
        in_fd = -1;
    } else {
        ::fcntl(in_fd, F_SETFL, O_NONBLOCK);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.timeout_s);
    bool out_open = true, err_open = true;
    char buf[65536];
    while (out_open || err_open) {
        std::vector<pollfd> fds;
        if (out_open) fds.push_back({out_pipe[0], POLLIN, 0});
        if (err_open) fds.push_back({err_pipe[0], POLLIN, 0});
        if (in_fd >= 0) fds.push_back({in_fd, POLLOUT, 0});
        int n = ::poll(fds.data(), fds.size(), 200);
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            break;
        }
        if (n <= 0) continue;
        for (auto& p : fds) {
            if (!p.revents) continue;
            if (p.fd == in_fd) {
                ssize_t w = ::write(in_fd, options.stdin_data.data() + written,
                                    options.stdin_data.size() - written);
                if (w > 0) written += static_cast<std::size_t>(w);
                if (w < 0 && errno != EAGAIN) written = options.stdin_data.size();
                if (written >= options.stdin_data.size()) {
                    ::close(in_fd);
                    in_fd = -1;
                }
                continue;
            }
            ssize_t r = ::read(p.fd, buf, sizeof buf);
            if (r <= 0) {
                if (p.fd == out_pipe[0])
                    out_open = false;
                else
                    err_open = false;
                continue;
            }
            (p.fd == out_pipe[0] ? result.out : result.err)
                .append(buf, static_cast<std::size_t>(r));
        }
    }
    if (in_fd >= 0) ::close(in_fd);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.exit_code = decode_status(status);
    return result;
}

Background::Background(const std::vector<std::string>& argv, const RunOptions& options,
                       const std::string& stdout_path, const std::string& stderr_path) {
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
        ::setpgid(0, 0);
        int devnull = ::open("/dev/null", O_RDWR);
        ::dup2(devnull, 0);
        int out = stdout_path.empty()
                      ? devnull
                      : ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = stderr_path.empty()
                      ? devnull
                      : ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(out, 1);
        ::dup2(err, 2);
        if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) ::_exit(126);
        apply_env(options.env);
        auto args = make_argv(argv);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
}

Background::~Background() {
    if (!reaped_ && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        wait();
    }
}

void Background::kill(int sig) {
    if (!reaped_ && pid_ > 0) ::kill(pid_, sig);
}

bool Background::running() {
    if (reaped_ || pid_ <= 0) return false;
    if (::waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
    return !reaped_;
}

int Background::wait() {
    if (!reaped_) {
        ::waitpid(pid_, &status_, 0);
        reaped_ = true;
    }
    return decode_status(status_);
}

std::string tool(const std::string& name) {
    std::string dir = name == "synthmod-generate" ? "generator"
                      : name == "synthmod-judge"  ? "judge"
                      : name == "synthmod-stats"  ? "stats"
                                                  : "";
    return std::string(SYNTHMOD_BIN_DIR) + "/" + dir + "/" + name;
}

std::string temp_dir(const std::string& tag) {
    std::string tmpl = std::string(SYNTHMOD_BIN_DIR) + "/test-tmp";
    ::mkdir(tmpl.c_str(), 0755);
    tmpl += "/" + tag + "-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data())) throw std::runtime_error("mkdtemp");
    return buf.data();
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void spit(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
}

void spit_gzip(const std::string& path, const std::string& bytes) {
    gzFile f = gzopen(path.c_str(), "wb");
    if (f == nullptr) throw std::runtime_error("gzopen " + path + " failed");
    const int wrote = gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    if (gzclose(f) != Z_OK || wrote != static_cast<int>(bytes.size()))
        throw std::runtime_error("writing " + path + " (gzip) failed");
}

bool exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

std::vector<std::string> list_dir(const std::string& dir) {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (auto* e = ::readdir(d)) {
            std::string n = e->d_name;
            if (n != "." && n != "..") out.push_back(n);
        }
        ::closedir(d);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string xml_problem(const std::string& path) {
    auto r = run({"/usr/bin/python3", "-c",
                  "import sys, xml.etree.ElementTree as E\nE.parse(sys.argv[1])", path});
    return r.exit_code == 0 ? "" : r.err;
}

}  // namespace synthmod::test
