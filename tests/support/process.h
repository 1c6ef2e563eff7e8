// process: run the built tools (and the fake server) as separate processes, as a user would.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace synthmod::test {

struct ProcessResult {
    int exit_code = -1;  ///< exit status, or 128 + signal
    std::string out;
    std::string err;
};

struct RunOptions {
    std::map<std::string, std::string>
        env;  ///< added to (or, with value "\x01unset", removed from) the environment
    std::string stdin_data;
    std::string cwd;
    int timeout_s = 120;  ///< killed with SIGKILL after this
    /// RLIMIT_FSIZE for the child in bytes (`ulimit -f`), -1 = inherited. SIGXFSZ is reset to
    /// its default in the child, so what happens past the limit is the tool's own doing.
    long long file_size_limit = -1;
    /// Runs the child as this user and group (e.g. 65534, nobody) when >= 0; needs root. Root
    /// ignores file permissions, so a test of a read-only folder drops privileges first.
    int uid = -1;
    /// stderr is a pseudo-terminal (the tools draw their live progress line only on a
    /// terminal); what the child writes to it is returned as `err`, with the terminal's CR LF.
    bool stderr_terminal = false;
};

/// Runs argv[0] (a path) with arguments; waits; returns status and captured output.
ProcessResult run(const std::vector<std::string>& argv, const RunOptions& options = {});

/// A process left running in the background (e.g. the fake server, or a tool to kill -9).
class Background {
   public:
    Background(const std::vector<std::string>& argv, const RunOptions& options = {},
               const std::string& stdout_path = "", const std::string& stderr_path = "");
    ~Background();  ///< SIGKILLs if still running
    Background(const Background&) = delete;
    Background& operator=(const Background&) = delete;

    pid_t pid() const { return pid_; }
    void kill(int sig);
    /// Waits for exit; returns the exit code (128 + signal when killed).
    int wait();
    /// True while the process runs; once it has exited, reaps it without blocking (wait() then
    /// returns its exit code at once).
    bool running();

   private:
    pid_t pid_ = -1;
    bool reaped_ = false;
    int status_ = 0;
};

/// Path of a built tool: SYNTHMOD_BIN_DIR/<dir>/<name>.
std::string tool(const std::string& name);
/// A fresh empty temporary directory (removed at process exit is not promised).
std::string temp_dir(const std::string& tag);
std::string slurp(const std::string& path);
void spit(const std::string& path, const std::string& content);
/// `bytes` gzip-compressed into `path`; throws when zlib cannot write it.
void spit_gzip(const std::string& path, const std::string& bytes);
bool exists(const std::string& path);
/// Names in `dir` (without . and ..), sorted; empty when it cannot be read.
std::vector<std::string> list_dir(const std::string& dir);
/// "" when python3's expat parser reads `path` as well-formed XML, else its error text.
std::string xml_problem(const std::string& path);

}  // namespace synthmod::test
