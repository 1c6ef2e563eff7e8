// The API key is sent only in its header: every tool is run with a recognisable key — through
// faults, --verbose, --dry-run, --batch, a budget stop and a rejected key — and every file they
// wrote and every stream they printed is searched for it.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/fake_server.h"
#include "tests/support/process.h"

namespace t = synthmod::test;
namespace fs = std::filesystem;

namespace {

const std::string kKey = "sk-ant-api03-LEAKCANARY-7f3c9e1d2b";
const std::string kOpenAiKey = "sk-proj-LEAKCANARY-openai-55aa";

t::RunOptions env_with(const std::string& key) {
    t::RunOptions o;
    o.env = {{"ANTHROPIC_API_KEY", key},
             {"OPENAI_API_KEY", kOpenAiKey},
             {"ANTHROPIC_BASE_URL", "\x01unset"},
             {"OPENAI_BASE_URL", "\x01unset"}};
    return o;
}

/// Every regular file under `dir` (recursively) that contains `needle`.
std::vector<std::string> files_containing(const std::string& dir, const std::string& needle) {
    std::vector<std::string> hits;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file() && t::slurp(e.path().string()).find(needle) != std::string::npos)
            hits.push_back(e.path().string());
    return hits;
}

}  // namespace

TEST_CASE("the API key appears in no file or stream any tool writes", "[security][http]") {
    t::FakeServer server({"--require-key", kKey, "--faults", "429,529,500,drop,badjson,refusal",
                          "--fault-rate", "0.3", "--seed", "5", "--retry-after", "0"});
    std::string dir = t::temp_dir("key-leak");
    std::string src = std::string(SYNTHMOD_SOURCE_DIR) + "/examples/";
    t::spit(dir + "/moderation.toml", t::slurp(src + "moderation.toml"));
    t::spit(dir + "/personas.jsonl", t::slurp(src + "personas.jsonl"));
    const std::string spec = dir + "/moderation.toml";
    const std::string url = server.base_url();

    std::vector<t::ProcessResult> runs;
    auto run = [&](std::vector<std::string> args, const std::string& key = kKey) {
        runs.push_back(t::run(args, env_with(key)));
        INFO(runs.back().err);
        return runs.back().exit_code;
    };
    const std::string gen = t::tool("synthmod-generate"), judge = t::tool("synthmod-judge"),
                      stats = t::tool("synthmod-stats");

    CHECK(run({gen, "--spec", spec, "--dry-run"}) == 0);
    CHECK(run({gen, "--spec", spec, "--provider", "anthropic", "--base-url", url, "--rows", "24",
               "--out", dir + "/samples.csv", "--verbose", "--concurrency", "4"}) == 0);
    CHECK(run({gen, "--spec", spec, "--provider", "anthropic", "--base-url", url, "--rows", "8",
               "--out", dir + "/batch.csv", "--batch", "--verbose"}) == 0);
    CHECK(run({gen, "--spec", spec, "--provider", "anthropic", "--base-url", url, "--rows", "40",
               "--out", dir + "/budget.csv", "--max-cost", "0.0005", "--verbose"}) == 4);
    CHECK(run({judge, "--spec", spec, "--in", dir + "/samples.csv", "--out", dir + "/judged.csv",
               "--provider", "anthropic", "--base-url", url, "--verbose", "--votes", "2"}) == 0);
    CHECK(run({judge, "--spec", spec, "--in", dir + "/samples.csv", "--out", dir + "/dry.csv",
               "--provider", "anthropic", "--dry-run"}) == 0);
    CHECK(run({stats, "--in", dir + "/judged.csv", "--spec", spec, "--report-dir",
               dir + "/report", "--pairs", dir + "/pairs.csv", "--gate", "--junit",
               dir + "/junit.xml"}) <= 1);
    // A wrong key is refused by the server (401): the run stops with exit 3 and its message must
    // not quote the key it sent.
    const std::string wrong = "sk-ant-api03-WRONGCANARY-0000";
    CHECK(run({gen, "--spec", spec, "--provider", "anthropic", "--base-url", url, "--rows", "4",
               "--out", dir + "/denied.csv", "--verbose"},
              wrong) == 3);
    // The OpenAI-compatible provider sends its key as a bearer token.
    t::FakeServer plain;
    CHECK(run({gen, "--spec", spec, "--provider", "openai", "--model", "local-model",
               "--base-url", plain.base_url(), "--rows", "4", "--out", dir + "/openai.csv", "--verbose"}) ==
          0);

    for (const auto& key : {kKey, wrong, kOpenAiKey}) {
        INFO("key " << key);
        for (const auto& r : runs) {
            CHECK(r.out.find(key) == std::string::npos);
            CHECK(r.err.find(key) == std::string::npos);
        }
        CHECK(files_containing(dir, key).empty());
    }
    // The canary was really in play: requests carried the key header, and something was written.
    std::size_t with_key = 0;
    for (const auto& e : server.log()) with_key += e.key_present;
    CHECK(with_key > 24);
    std::size_t bearer = 0;
    for (const auto& e : plain.log()) bearer += e.bearer_present;
    CHECK(bearer >= 4);
    CHECK(t::exists(dir + "/report/report.md"));
    CHECK(t::exists(dir + "/samples.csv.journal"));
}
