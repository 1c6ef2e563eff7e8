// fake_server: starts tests/fake_server.py (the loopback fake Anthropic/OpenAI API) as a process
// for integration tests, waits until it listens, and reads its request log.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/llm/provider.h"
#include "tests/support/process.h"

namespace synthmod::test {

/// One line of the server's request log (--log), as fake_server.py writes it.
struct FakeLogEntry {
    std::string method;
    std::string path;
    long status = 0;          ///< status returned; 0 for a dropped connection
    std::string fault;        ///< "ok" or the injected fault (429, drop, truncate, ...)
    std::string user_sha256;  ///< SHA-256 hex of the user message text (messages/chat only)
    std::vector<std::string> custom_ids;  ///< batch create only
    bool key_present = false;             ///< x-api-key header sent (its value is never logged)
    bool bearer_present = false;          ///< Authorization: Bearer sent
    int attempt = 0;                      ///< how many times this user message had been seen before
    double t_arrival = 0;                 ///< Unix time the request was read in full
    /// The usage object of an answer sent whole with status 200 (Anthropic's four counts; a
    /// count the object lacks is 0); none for any other request.
    std::optional<llm::Usage> usage;
    /// The property names the answer schema asked for, sorted (one item's, for K rows).
    std::vector<std::string> answer_fields;
};

/// A running fake server; killed when destroyed.
///
///     FakeServer server({"--faults", "429,500", "--fault-rate", "0.2", "--seed", "7"});
///     RunOptions env;
///     env.env["ANTHROPIC_API_KEY"] = "test-key";
///     run({tool("synthmod-generate"), ..., "--base-url", server.base_url()}, env);
///     CHECK(server.count("/v1/messages", 200) == 40);
///
/// Flags (see the docstring of tests/fake_server.py): --faults LIST --fault-rate R --seed S
/// --script LIST --latency-ms N --slow-ms N --retry-after S --require-key K --batch-polls N
/// --batch-errored R --batch-expired R --rl-requests N --rl-input-tokens N --rl-window-s S
/// --hostile-errors. --port-file and --log are set by the fixture.
class FakeServer {
   public:
    explicit FakeServer(const std::vector<std::string>& args = {});
    ~FakeServer();
    FakeServer(const FakeServer&) = delete;
    FakeServer& operator=(const FakeServer&) = delete;

    int port() const { return port_; }
    /// "http://127.0.0.1:PORT" (what --base-url / ANTHROPIC_BASE_URL take).
    std::string base_url() const;
    /// The folder holding the port file, the log and the server's stderr.
    const std::string& dir() const { return dir_; }
    std::string log_path() const { return dir_ + "/requests.jsonl"; }

    /// Raw log lines, one JSON object each.
    std::vector<std::string> log_lines() const;
    std::vector<FakeLogEntry> log() const;
    /// Log entries for `path` (exact), optionally only those answered with `status` (-1: any).
    std::size_t count(const std::string& path, long status = -1) const;

    /// POST /_control with a JSON object of settings, e.g. R"({"script": "429,ok"})".
    /// Throws std::runtime_error unless the server answers 200.
    void control(const std::string& json) const;

    /// Kills the server now (e.g. to test connection refused).
    void stop();

   private:
    std::string dir_;
    int port_ = 0;
    std::unique_ptr<Background> process_;
};

/// Sends one HTTP/1.1 request over a plain socket to 127.0.0.1:`port` and returns the raw
/// response (status line, headers and body). For fixtures only; the product uses libcurl.
std::string raw_http(int port, const std::string& method, const std::string& path,
                     const std::string& body);

}  // namespace synthmod::test
