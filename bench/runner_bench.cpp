// runner_bench: the runner's own cost per item, with the network taken out. N items go through
// run_job at concurrency C over an in-memory transport that answers at once, with a real journal
// on disk (one write(2) per record, fdatasync every second); then the journal is reopened (what a
// resumed run pays before its first request). Reports items/s, CPU, peak RSS, journal size.
// Usage: runner_bench [--items N] [--concurrency C] [--dir D]
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <vector>

#include "common/llm/journal.h"
#include "common/llm/runner.h"

namespace {

using namespace synthmod;

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec +
           u.ru_stime.tv_usec / 1e6;
}

long peak_rss_mb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss / 1024;
}

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// Answers every request at once (the body echoes the item id).
class InstantTransport : public http::Transport {
   public:
    void start(std::uint64_t tag, const http::Request& request) override {
        http::Response r;
        r.status = 200;
        r.body = request.body;
        pending_.emplace_back(tag, std::move(r));
    }
    std::vector<std::pair<std::uint64_t, http::Response>> poll(int) override {
        std::vector<std::pair<std::uint64_t, http::Response>> out(
            std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.end()));
        pending_.clear();
        return out;
    }
    std::size_t in_flight() const override { return pending_.size(); }
    void cancel_all() override { pending_.clear(); }

   private:
    std::deque<std::pair<std::uint64_t, http::Response>> pending_;
};

/// A remote provider whose answer is a ~300-byte JSON object, usage as a short generation.
class EchoProvider : public llm::Provider {
   public:
    std::string name() const override { return "echo"; }
    std::string model() const override { return "claude-haiku-4-5"; }
    bool remote() const override { return true; }
    http::Request build_request(const llm::Prompt& prompt) const override {
        http::Request r;
        r.url = "http://127.0.0.1/v1/messages";
        r.body = prompt.user;
        return r;
    }
    llm::Result parse_response(const http::Response& response) const override {
        llm::Result r;
        r.status = llm::Status::kOk;
        r.answer_json = R"({"content":")" + std::string(260, 'x') + R"( )" + response.body +
                        R"(","label":"Safe"})";
        r.usage.input_tokens = 900;
        r.usage.output_tokens = 120;
        r.request_id = "req_" + response.body;
        return r;
    }
};

}  // namespace

int main(int argc, char** argv) {
    int n = 200000, concurrency = 256;
    std::string dir = "/tmp";
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string flag = argv[i];
        if (flag == "--items")
            n = std::atoi(argv[i + 1]);
        else if (flag == "--concurrency")
            concurrency = std::atoi(argv[i + 1]);
        else if (flag == "--dir")
            dir = argv[i + 1];
    }
    std::vector<runner::Item> items(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        items[i].id = journal::hash_hex("item" + std::to_string(i)).substr(0, 16);
        items[i].prompt.user = items[i].id;
        items[i].prompt.max_tokens = 400;
    }
    runner::Options options;
    options.concurrency = concurrency;
    options.quiet = true;
    options.journal_path = dir + "/runner_bench." + std::to_string(getpid()) + ".journal";
    options.force = true;
    options.stop_requested = [] { return false; };
    journal::Header header{"bench", "s", "p"};

    EchoProvider provider;
    InstantTransport transport;
    double cpu0 = cpu_seconds(), t0 = now_s();
    auto result = runner::run_job(header, items, provider, &transport, options, {});
    double wall = now_s() - t0, cpu = cpu_seconds() - cpu0;
    long run_rss = peak_rss_mb();

    double t1 = now_s();
    std::size_t reopened = 0;
    {
        journal::Journal j(options.journal_path, header, false);
        reopened = j.records().size();
    }
    double reopen = now_s() - t1;
    long bytes = 0;
    if (FILE* f = std::fopen(options.journal_path.c_str(), "rb")) {
        std::fseek(f, 0, SEEK_END);
        bytes = std::ftell(f);
        std::fclose(f);
    }
    std::printf(
        "items %d concurrency %d: %.2f s wall, %.2f s CPU, %.0f items/s, %zu ok, peak RSS %ld MB "
        "after the run\n"
        "journal %.1f MB, reopen of %zu records %.2f s\n",
        n, concurrency, wall, cpu, n / wall, result.summary.ok, run_rss, bytes / 1e6, reopened,
        reopen);
    std::remove(options.journal_path.c_str());
    return result.summary.ok == static_cast<std::size_t>(n) ? 0 : 1;
}
