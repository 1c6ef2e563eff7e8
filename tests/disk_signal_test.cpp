// Disk and signal failures of the real tools as processes (issue 6, part 5): an output folder
// that cannot be written, a full disk (`ulimit -f`, and a small tmpfs where mount is allowed),
// SIGTERM during the final write. Each time: a clear `file: what` error, the DESIGN's exit code,
// the journal intact (the same command resumes and completes), no truncated output in place
// (an older file is left as it was) and no temporary left behind.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/csv.h"
#include "common/errors.h"
#include "common/output_file.h"
#include "support/fsync_fault.h"
#include "support/process.h"

using namespace synthmod;
using synthmod::test::exists;
using synthmod::test::list_dir;
using synthmod::test::run;
using synthmod::test::slurp;
using synthmod::test::spit;
using synthmod::test::temp_dir;
using synthmod::test::tool;

namespace {

const std::string kSpec = SYNTHMOD_SOURCE_DIR "/examples/moderation.toml";

/// Names in `dir` that are OutputFile temporaries (`<name>.tmp-<pid>`).
std::vector<std::string> temporaries(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& n : list_dir(dir))
        if (n.find(".tmp-") != std::string::npos) out.push_back(n);
    return out;
}

/// Every file of `dir` with its content.
std::map<std::string, std::string> snapshot(const std::string& dir) {
    std::map<std::string, std::string> out;
    for (const auto& n : list_dir(dir)) out[n] = slurp(dir + "/" + n);
    return out;
}

std::string last_line(const std::string& s) {
    std::string t = s;
    while (!t.empty() && t.back() == '\n') t.pop_back();
    auto nl = t.rfind('\n');
    return nl == std::string::npos ? t : t.substr(nl + 1);
}

std::vector<std::string> generate_argv(const std::string& out, int rows) {
    return {tool("synthmod-generate"), "--spec", kSpec, "--provider", "offline", "--rows",
            std::to_string(rows),      "--out",  out};
}

std::vector<std::string> judge_argv(const std::string& in, const std::string& out) {
    return {
        tool("synthmod-judge"), "--spec", kSpec, "--provider", "offline", "--in", in, "--out", out};
}

std::vector<std::string> stats_argv(const std::string& in, const std::string& report_dir) {
    return {tool("synthmod-stats"), "--in", in, "--report-dir", report_dir, "--quiet"};
}

/// A generated dataset of `rows` rows (samples.csv of the offline provider) in `dir`.
std::string make_samples(const std::string& dir, int rows) {
    const std::string path = dir + "/samples.csv";
    auto r = run(generate_argv(path, rows));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return path;
}

struct Interrupted {
    int exit_code = -1;
    std::string err;
    bool mid_write = false;  ///< a temporary output existed when SIGTERM was sent
};

/// Runs `argv`, sends SIGTERM the moment an output temporary appears in `watch`, waits.
Interrupted term_during_write(const std::vector<std::string>& argv, const std::string& watch,
                              const std::string& err_path) {
    Interrupted result;
    test::Background p(argv, {}, "", err_path);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (p.running() && std::chrono::steady_clock::now() < deadline) {
        if (!temporaries(watch).empty()) {
            p.kill(SIGTERM);
            result.mid_write = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    result.exit_code = p.wait();
    result.err = slurp(err_path);
    return result;
}

/// Can this process mount a tmpfs (root in a container that allows it)?
bool mount_tmpfs(const std::string& dir, const std::string& size) {
    return run({"/bin/sh", "-c", "mount -t tmpfs -o size=" + size + " tmpfs '" + dir + "'"})
               .exit_code == 0;
}

}  // namespace

TEST_CASE("an output folder that cannot be written: exit 2, file: what, nothing written",
          "[disk]") {
    const std::string dir = temp_dir("disk-notdir");
    // Root ignores permissions, so the first cases use a path under a regular file (ENOTDIR),
    // which fails for every user.
    spit(dir + "/file", "a regular file\n");
    const std::string samples = make_samples(dir, 40);
    struct Case {
        std::string what;
        std::vector<std::string> argv;
        std::string names;  ///< the path the message names
    };
    std::vector<Case> cases = {
        {"generate --out", generate_argv(dir + "/file/samples.csv", 40), "file/samples.csv"},
        {"judge --out", judge_argv(samples, dir + "/file/judged.csv"), "file/judged.csv"},
        {"stats --report-dir", stats_argv(samples, dir + "/file/report"), "file/report"},
        {"stats --filtered",
         [&] {
             auto a = stats_argv(samples, dir + "/report");
             a.insert(a.end(), {"--filtered", dir + "/file/filtered.csv"});
             return a;
         }(),
         "file/filtered.csv"},
    };
    const auto before = list_dir(dir);
    for (const auto& c : cases) {
        auto r = run(c.argv);
        INFO(c.what << ": " << r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("\n") == r.err.size() - 1);  // one line
        CHECK(r.err.find(c.names) != std::string::npos);
        CHECK(r.err.find("Not a directory") != std::string::npos);
        CHECK(slurp(dir + "/file") == "a regular file\n");
    }
    // Nothing new beside the inputs: not even the report folder stats made before it failed.
    CHECK(list_dir(dir) == before);

    // A read-only folder: as root, the tools run as nobody (uid 65534) so permissions count.
    const bool root = ::geteuid() == 0;
    test::RunOptions as_user;
    if (root) {
        as_user.uid = 65534;
        if (run({"/usr/bin/id", "-u"}, as_user).out != "65534\n") {
            WARN("cannot drop privileges here: the read-only folder case is skipped");
            return;
        }
        // A checkout in a folder only root may enter (mktemp -d makes one 0700) keeps nobody
        // from the tools and the spec: the case would test that, not the output folder.
        if (run({"/usr/bin/test", "-x", tool("synthmod-generate"), "-a", "-x",
                 tool("synthmod-judge"), "-a", "-x", tool("synthmod-stats"), "-a", "-r", kSpec},
                as_user)
                .exit_code != 0) {
            WARN("nobody cannot reach the tools or the spec in this checkout: the read-only "
                 "folder case is skipped");
            return;
        }
    }
    REQUIRE(::chmod(dir.c_str(), 0755) == 0);
    REQUIRE(::chmod(samples.c_str(), 0644) == 0);
    const std::string ro = dir + "/readonly";
    REQUIRE(::mkdir(ro.c_str(), 0555) == 0);
    REQUIRE(::chmod(ro.c_str(), 0555) == 0);
    std::vector<Case> ro_cases = {
        {"generate --out", generate_argv(ro + "/samples.csv", 40), "readonly/samples.csv"},
        {"judge --out", judge_argv(samples, ro + "/judged.csv"), "readonly/judged.csv"},
        {"stats --report-dir (new)", stats_argv(samples, ro + "/report"), "readonly/report"},
        {"stats --report-dir (existing)", stats_argv(samples, ro), "readonly/report.md"},
    };
    for (const auto& c : ro_cases) {
        auto r = run(c.argv, as_user);
        INFO(c.what << ": " << r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("\n") == r.err.size() - 1);
        CHECK(r.err.find(c.names) != std::string::npos);
        CHECK(r.err.find("Permission denied") != std::string::npos);
    }
    CHECK(list_dir(ro).empty());
}

TEST_CASE("disk full (ulimit -f): clear error, old output unchanged, the same command resumes",
          "[disk]") {
    const std::string dir = temp_dir("disk-full");
    const std::string ref = dir + "/ref";
    const std::string work = dir + "/work";
    for (const auto& d : {ref, work}) REQUIRE(::mkdir(d.c_str(), 0755) == 0);
    const int rows = 1500;  // samples.csv ~600 KB, its journal ~750 KB
    test::RunOptions full;
    full.file_size_limit = 256 * 1024;

    SECTION("generate: the limit is hit while journalling, then at the final write") {
        auto want = run(generate_argv(ref + "/samples.csv", rows));
        REQUIRE(want.exit_code == 0);
        const std::string expected = slurp(ref + "/samples.csv");
        const std::string out = work + "/samples.csv";
        spit(out, "an older samples.csv\n");

        auto mid = run(generate_argv(out, rows), full);
        INFO(mid.err);
        CHECK(mid.exit_code == 2);
        CHECK(mid.err.find("samples.csv.journal: cannot write journal: File too large") !=
              std::string::npos);  // file first, and the real cause (EFBIG), not a guess
        CHECK(slurp(out) == "an older samples.csv\n");
        CHECK(temporaries(work).empty());

        // Resumes from what the journal holds; the final write alone now passes the limit.
        auto resumed = run(generate_argv(out, rows));
        INFO(resumed.err);
        REQUIRE(resumed.exit_code == 0);
        CHECK(resumed.err.find("from the journal") != std::string::npos);
        CHECK(slurp(out) == expected);
        spit(out, "an older samples.csv\n");
        const std::string journal = slurp(out + ".journal");
        auto final_write = run(generate_argv(out, rows), full);
        INFO(final_write.err);
        CHECK(final_write.exit_code == 2);
        CHECK(last_line(final_write.err) ==
              "synthmod-generate: error: " + out + ": cannot write: File too large");
        CHECK(slurp(out) == "an older samples.csv\n");
        CHECK(slurp(out + ".journal") == journal);
        CHECK(temporaries(work).empty());
        auto again = run(generate_argv(out, rows));
        REQUIRE(again.exit_code == 0);
        CHECK(slurp(out) == expected);
    }

    SECTION("judge: same, and no request is repeated on the rerun") {
        const std::string samples = make_samples(ref, rows);
        auto want = run(judge_argv(samples, ref + "/judged.csv"));
        REQUIRE(want.exit_code == 0);
        const std::string out = work + "/judged.csv";
        auto mid = run(judge_argv(samples, out), full);
        INFO(mid.err);
        CHECK(mid.exit_code == 2);
        CHECK(mid.err.find("judged.csv.journal") != std::string::npos);
        CHECK_FALSE(exists(out));
        CHECK(temporaries(work).empty());
        auto resumed = run(judge_argv(samples, out));
        INFO(resumed.err);
        REQUIRE(resumed.exit_code == 0);
        CHECK(resumed.err.find("from the journal") != std::string::npos);
        CHECK(slurp(out) == slurp(ref + "/judged.csv"));
        spit(out, "older\n");
        auto final_write = run(judge_argv(samples, out), full);
        INFO(final_write.err);
        CHECK(final_write.exit_code == 2);
        CHECK(last_line(final_write.err) ==
              "synthmod-judge: error: " + out + ": cannot write: File too large");
        CHECK(final_write.err.find(" 0 requests") != std::string::npos);  // all from the journal
        CHECK(slurp(out) == "older\n");
        CHECK(temporaries(work).empty());
    }

    SECTION("stats: no report file is renamed into place when one of them cannot be written") {
        const std::string samples = make_samples(ref, rows);
        auto first = run(stats_argv(samples, work + "/report"));
        REQUIRE(first.exit_code == 0);
        const auto old = snapshot(work + "/report");
        REQUIRE(old.count("filtered.csv") == 1);
        // Another dataset into the same folder, under the limit: every old file must remain.
        const std::string other = make_samples(work, rows / 2);
        test::RunOptions small = full;
        small.file_size_limit = 64 * 1024;  // the report, metrics and charts fit; the CSVs do not
        auto r = run(stats_argv(other, work + "/report"), small);
        INFO(r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("\n") == r.err.size() - 1);
        CHECK(r.err.find("report/filtered.csv: cannot write: File too large") != std::string::npos);
        CHECK(snapshot(work + "/report") == old);
    }
}

TEST_CASE("disk full on a small tmpfs: ENOSPC is reported and the run resumes once space is back",
          "[disk]") {
    const std::string dir = temp_dir("disk-tmpfs");
    const std::string mnt = dir + "/mnt";
    REQUIRE(::mkdir(mnt.c_str(), 0755) == 0);
    if (!mount_tmpfs(mnt, "256k")) {
        WARN(
            "cannot mount a tmpfs here (not root or no CAP_SYS_ADMIN): ENOSPC case skipped; "
            "the ulimit -f test covers a full disk");
        return;
    }
    struct Unmount {
        std::string path;
        ~Unmount() { run({"/bin/sh", "-c", "umount -l '" + path + "'"}); }
    } unmount{mnt};
    auto want = run(generate_argv(dir + "/ref.csv", 1500));
    REQUIRE(want.exit_code == 0);
    const std::string out = mnt + "/samples.csv";
    auto r = run(generate_argv(out, 1500));
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("No space left on device") != std::string::npos);
    CHECK_FALSE(exists(out));
    CHECK(temporaries(mnt).empty());
    REQUIRE(run({"/bin/sh", "-c", "mount -o remount,size=8m '" + mnt + "'"}).exit_code == 0);
    auto resumed = run(generate_argv(out, 1500));
    INFO(resumed.err);
    REQUIRE(resumed.exit_code == 0);
    CHECK(slurp(out) == slurp(dir + "/ref.csv"));
}

TEST_CASE("SIGTERM during the final write: exit 130, no truncated file, no temporary, resumable",
          "[signals]") {
    const std::string dir = temp_dir("sigterm-write");
    const std::string ref = dir + "/ref";
    REQUIRE(::mkdir(ref.c_str(), 0755) == 0);
    const int rows = 4000;
    const std::string samples = make_samples(ref, rows);
    auto judged = run(judge_argv(samples, ref + "/judged.csv"));
    REQUIRE(judged.exit_code == 0);
    auto reported = run(stats_argv(ref + "/judged.csv", ref + "/report"));
    REQUIRE(reported.exit_code == 0);
    int mid_writes = 0;

    // generate and judge finish the write they are in (the file is complete) and exit 130.
    struct Tool {
        std::string name;
        std::vector<std::string> argv;
        std::string out, expected;
    };
    std::vector<Tool> journalled = {
        {"generate", generate_argv(dir + "/g/samples.csv", rows), dir + "/g/samples.csv",
         slurp(samples)},
        {"judge", judge_argv(samples, dir + "/j/judged.csv"), dir + "/j/judged.csv",
         slurp(ref + "/judged.csv")},
    };
    for (const auto& t : journalled) {
        const std::string folder = t.out.substr(0, t.out.rfind('/'));
        REQUIRE(::mkdir(folder.c_str(), 0755) == 0);
        spit(t.out, "an older output\n");
        auto r = term_during_write(t.argv, folder, dir + "/" + t.name + ".err");
        INFO(t.name << ": " << r.err);
        mid_writes += r.mid_write;
        // 0 only when the signal came after the tool's last look at it (a loaded machine).
        CHECK((r.exit_code == 130 || r.exit_code == 0));
        if (r.exit_code == 0 && r.mid_write)
            WARN(t.name << ": SIGTERM arrived after its last check");
        if (r.exit_code == 130)
            CHECK(last_line(r.err).find("interrupted during the final write") != std::string::npos);
        CHECK(temporaries(folder).empty());
        CHECK(slurp(t.out) == t.expected);  // the write in progress was finished
        auto again = run(t.argv);
        INFO(again.err);
        CHECK(again.exit_code == 0);
        CHECK(again.err.find(" 0 requests") != std::string::npos);  // the journal had it all
        CHECK(slurp(t.out) == t.expected);
    }

    // stats keeps no journal: it stops before renaming anything, so the old report stays whole.
    const std::string report = dir + "/s/report";
    auto first = run(stats_argv(samples, report));
    REQUIRE(first.exit_code == 0);
    const auto old = snapshot(report);
    auto argv = stats_argv(ref + "/judged.csv", report);
    auto r = term_during_write(argv, report, dir + "/stats.err");
    INFO("stats: " << r.err);
    mid_writes += r.mid_write;
    CHECK(temporaries(report).empty());
    if (r.exit_code == 130) {
        CHECK(r.err ==
              "synthmod-stats: error: interrupted: nothing written, earlier outputs "
              "left as they were\n");
        CHECK(snapshot(report) == old);
    } else {
        CHECK(r.exit_code == 0);  // the signal came after the last check, all renamed
        CHECK(snapshot(report) == snapshot(ref + "/report"));
    }
    auto again = run(argv);
    CHECK(again.exit_code == 0);
    CHECK(snapshot(report) == snapshot(ref + "/report"));
    if (mid_writes < 3) WARN("SIGTERM reached only " << mid_writes << " of 3 tools mid-write");
}

TEST_CASE("OutputFile: start_writeback's early fsync, then commit, puts the whole file in place",
          "[output_file]") {
    // start_writeback fsyncs on a helper thread; what is written after it, and commit(), must
    // still land, and a file dropped without commit() must leave no temporary behind.
    const std::string dir = temp_dir("output_file_writeback");
    const std::string path = dir + "/out.csv";
    const std::string whole = "first part\nwritten after the writeback started\n";
    {
        OutputFile f(path);
        f.stream() << "first part\n";
        f.start_writeback();
        f.stream() << "written after the writeback started\n";
        f.start_writeback();  // a second call does nothing
        f.commit();
    }
    CHECK(slurp(path) == whole);
    CHECK(temporaries(dir).empty());
    {
        OutputFile f(path);
        f.stream() << "never committed\n";
        f.start_writeback();
    }
    CHECK(slurp(path) == whole);
    CHECK(temporaries(dir).empty());
}

TEST_CASE("OutputFile: commit_all renames no file when one of them fails to sync",
          "[output_file]") {
    // commit_all fsyncs every file before it renames any: the last file's fsync failing must
    // leave the earlier ones as they were (committed one after another, they would be in place).
    const std::string dir = temp_dir("output_file_commit_all");
    const std::vector<std::string> names = {"a.md", "b.json", "c.csv"};
    for (const auto& n : names) spit(dir + "/" + n, "old " + n + "\n");
    auto write_all = [&] {
        std::vector<std::unique_ptr<OutputFile>> files;
        for (const auto& n : names) {
            files.push_back(std::make_unique<OutputFile>(dir + "/" + n));
            files.back()->stream() << "new " << n << "\n";
        }
        return files;
    };
    const int failed_before = synthmod::test::failed_fsyncs();
    {
        auto files = write_all();
        synthmod::test::fail_fsyncs_of("/c.csv.tmp-");
        CHECK_THROWS_WITH(commit_all(files), dir + "/c.csv: cannot write: " + std::strerror(EIO));
        synthmod::test::fail_fsyncs_of("");
    }
    CHECK(synthmod::test::failed_fsyncs() > failed_before);
    for (const auto& n : names) CHECK(slurp(dir + "/" + n) == "old " + n + "\n");
    CHECK(temporaries(dir).empty());

    SECTION("without a failure every file is put in place") {
        commit_all(write_all());
        for (const auto& n : names) CHECK(slurp(dir + "/" + n) == "new " + n + "\n");
        CHECK(temporaries(dir).empty());
    }
}

TEST_CASE("OutputFile: an early fsync that fails is reported by commit, and nothing is put in place",
          "[output_file]") {
    // The writeback's fsync runs on a helper thread, before commit(). The kernel reports a
    // writeback error once: commit()'s own fsync on a descriptor opened later would succeed, so
    // the early error must be kept and reported, with the temporary removed.
    const std::string dir = temp_dir("output_file_fsync");
    const std::string path = dir + "/out.csv";
    spit(path, "the previous version\n");
    const int failed_before = synthmod::test::failed_fsyncs();
    {
        OutputFile f(path);
        f.stream() << "first part\n";
        synthmod::test::fail_next_fsyncs(1);
        f.start_writeback();
        f.stream() << "second part\n";
        try {
            f.commit();
            FAIL("commit() succeeded after its early fsync failed");
        } catch (const IoError& e) {
            CHECK(std::string(e.what()) == path + ": cannot write: " + std::strerror(EIO));
        }
    }
    CHECK(synthmod::test::failed_fsyncs() == failed_before + 1);
    CHECK(slurp(path) == "the previous version\n");
    CHECK(temporaries(dir).empty());

    SECTION("commit's own fsync failing is reported the same way") {
        {
            OutputFile f(path);
            f.stream() << "no writeback started\n";
            synthmod::test::fail_next_fsyncs(1);
            CHECK_THROWS_WITH(f.commit(), path + ": cannot write: " + std::strerror(EIO));
        }
        CHECK(slurp(path) == "the previous version\n");
        CHECK(temporaries(dir).empty());
    }
}
