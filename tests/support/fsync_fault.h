// fsync_fault: makes the next fsync(2) calls of this test process fail, to reach the error paths
// of code that fsyncs (OutputFile). The test binary defines fsync itself, so every call in it,
// the libraries linked in included, comes here first; unarmed it is the system call.
#pragma once

#include <string>

namespace synthmod::test {

/// The next `count` fsync calls, from any thread, fail with `error` (EIO by default).
void fail_next_fsyncs(int count, int error = 5 /* EIO */);
/// Every fsync of a file whose path contains `name_part` fails with EIO, from any thread,
/// until called again with "" (none). Where the next-N count cannot say which file fails.
void fail_fsyncs_of(const std::string& name_part);
/// fsync calls that failed on purpose since the process started.
int failed_fsyncs();

}  // namespace synthmod::test
