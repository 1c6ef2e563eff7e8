// stderr_capture: what in-process code writes to stderr (fd 2), for tests of messages, progress
// and --verbose lines.
#pragma once

#include <string>

namespace synthmod::test {

/// Redirects fd 2 to a file in a fresh temporary folder while it lives (or until text()).
///
///     StderrCapture capture;
///     runner::run_job(...);
///     CHECK(capture.text().find("3 ok") != std::string::npos);
class StderrCapture {
   public:
    StderrCapture();
    ~StderrCapture();  ///< restores stderr if text() was not called
    StderrCapture(const StderrCapture&) = delete;
    StderrCapture& operator=(const StderrCapture&) = delete;

    /// Restores stderr and returns everything written to it meanwhile.
    std::string text();

   private:
    void restore();
    std::string path_;
    int saved_ = -1;
};

}  // namespace synthmod::test
