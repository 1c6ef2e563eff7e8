// counting_transport: a transport that counts the requests on their way to a real one (lets a
// runner test stop a run at a chosen point, or check how many requests a run made), and the
// runner options such a test starts from.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/llm/http.h"
#include "common/llm/runner.h"

namespace synthmod::test {

class CountingTransport : public http::Transport {
   public:
    explicit CountingTransport(http::Transport& inner) : inner_(inner) {}
    void start(std::uint64_t tag, const http::Request& request) override {
        ++starts;
        inner_.start(tag, request);
    }
    std::vector<std::pair<std::uint64_t, http::Response>> poll(int timeout_ms) override {
        return inner_.poll(timeout_ms);
    }
    std::size_t in_flight() const override { return inner_.in_flight(); }
    void cancel_all() override { inner_.cancel_all(); }
    int starts = 0;

   private:
    http::Transport& inner_;
};

/// Runner options for a test run in `dir`: quiet, fast backoff and batch polls, the journal at
/// dir/out.journal, never asked to stop.
inline runner::Options runner_options(const std::string& dir, int concurrency) {
    runner::Options o;
    o.concurrency = concurrency;
    o.quiet = true;
    o.backoff_scale = 0.01;
    o.journal_path = dir + "/out.journal";
    o.stop_requested = [] { return false; };
    o.batch_poll_s = 0.05;
    return o;
}

}  // namespace synthmod::test
