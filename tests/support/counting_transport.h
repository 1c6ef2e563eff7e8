// counting_transport: a transport that counts the requests on their way to a real one (lets a
// runner test stop a run at a chosen point, or check how many requests a run made).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "common/llm/http.h"

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

}  // namespace synthmod::test
