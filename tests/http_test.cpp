// Tests of common/http (the libcurl multi transport) against tests/fake_server.py.
#include <catch2/catch.hpp>

#include "tests/support/fake_server.h"

using synthmod::test::FakeServer;

TEST_CASE("fake server fixture starts, answers, logs and takes control settings", "[http]") {
    FakeServer server({"--require-key", "k1"});
    REQUIRE(server.port() > 0);
    auto raw = synthmod::test::raw_http(server.port(), "POST", "/v1/chat/completions",
                                        R"({"messages":[{"role":"user","content":"hi"}]})");
    CHECK(raw.compare(0, 12, "HTTP/1.1 401") == 0);  // no key
    server.control(R"({"script": "429"})");
    CHECK_THROWS(server.control(R"({"script": "no_such_fault"})"));
    auto log = server.log();
    REQUIRE(log.size() == 3);
    CHECK(log[0].path == "/v1/chat/completions");
    CHECK(log[0].status == 401);
    CHECK_FALSE(log[0].bearer_present);
    CHECK(log[2].status == 400);
    CHECK(server.count("/_control") == 2);
}
