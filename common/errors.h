// errors: the exception hierarchy and the exit codes of DESIGN section 6.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace synthmod {

/// Process exit codes (DESIGN section 6). Mapped from exceptions in main only.
enum class ExitCode : int {
    kOk = 0,
    kGateFailed = 1,
    kUsage = 2,  ///< bad usage or bad input
    kProvider = 3,
    kBudget = 4,
    kInterrupted = 130,
};

/// Base of every synthmod exception; carries the exit code main should return.
class Error : public std::runtime_error {
   public:
    Error(const std::string& what, ExitCode code) : std::runtime_error(what), code_(code) {}
    ExitCode exit_code() const { return code_; }

   private:
    ExitCode code_;
};

/// Bad flags or flag combinations.
class UsageError : public Error {
   public:
    explicit UsageError(const std::string& what) : Error(what, ExitCode::kUsage) {}
};

/// Bad input file contents; the message starts with `file:line: `.
class InputError : public Error {
   public:
    explicit InputError(const std::string& what) : Error(what, ExitCode::kUsage) {}
    InputError(const std::string& file, std::size_t line, const std::string& what)
        : Error(where(file, line) + what, ExitCode::kUsage) {}
    /// "file:line: " (line 0 means the file as a whole: "file: ").
    static std::string where(const std::string& file, std::size_t line);
};

/// A file that cannot be opened, read or written (missing input, full disk, ...).
class IoError : public Error {
   public:
    explicit IoError(const std::string& what) : Error(what, ExitCode::kUsage) {}
};

/// The provider failed for the whole run (auth, permission, model not found, retries spent).
class ProviderError : public Error {
   public:
    explicit ProviderError(const std::string& what) : Error(what, ExitCode::kProvider) {}
};

/// Exit code for any exception escaping a tool's run().
ExitCode exit_code_for(const std::exception& e);

/// Strips terminal control sequences, C0/C1 controls and bidi overrides/isolates from text that
/// is about to be printed, so no row content can drive the user's terminal; line breaks and tabs
/// become a space, so a message quoting input stays on one line.
std::string printable(const std::string& text);

}  // namespace synthmod
