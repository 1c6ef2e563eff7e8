// The judge's K-row requests end to end (issue 15 item 2): synthmod-judge run with
// --rows-per-request 8 against the loopback fake server, whose log lists, per multi-item request,
// the SHA-256 prefix of each item's text in the order the request carried them. The test maps
// those back to input rows (hashing each row's rubric text with Python's hashlib) and checks the
// order is shuffled, the same on every run, and drawn from the spec's seed.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/spec.h"
#include "judge/rubric.h"
#include "tests/support/fake_server.h"
#include "tests/support/generate_fixture.h"
#include "tests/support/process.h"

namespace t = synthmod::test;

namespace {

constexpr int kRows = 40;
constexpr int kPerRequest = 8;

/// The rows as the requests listed them: one vector of input row indices per K-row request,
/// the requests sorted (their arrival order is not what is checked).
using Orders = std::vector<std::vector<int>>;

/// SHA-256 prefix (16 hex, as fake_server.py logs it) of each text, by Python's hashlib.
std::vector<std::string> sha256_prefixes(const std::vector<std::string>& texts) {
    std::string input;
    for (const auto& text : texts) {
        rapidjson::StringBuffer b;
        rapidjson::Writer<rapidjson::StringBuffer> w(b);
        w.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
        input += std::string(b.GetString()) + "\n";
    }
    t::RunOptions options;
    options.stdin_data = input;
    auto r = t::run({"/usr/bin/python3", "-c",
                     "import sys,json,hashlib\nfor l in sys.stdin: "
                     "print(hashlib.sha256(json.loads(l).encode()).hexdigest()[:16])"},
                    options);
    REQUIRE(r.exit_code == 0);
    std::istringstream lines(r.out);
    std::vector<std::string> out(texts.size());
    for (auto& line : out) std::getline(lines, line);
    return out;
}

/// Runs the judge from scratch (a fresh server, output and journal) over `in` with `spec` and
/// returns the order of every K-row request it sent, as input row indices.
Orders judged_orders(const std::string& dir, const std::string& spec, const std::string& in,
                     const std::map<std::string, int>& row_of) {
    t::FakeServer server({"--seed", "3"});
    auto r = t::run({t::tool("synthmod-judge"), "--spec", spec, "--in", in, "--out",
                     dir + "/judged.csv", "--base-url", server.base_url(), "--rows-per-request",
                     std::to_string(kPerRequest), "--quiet"},
                    t::with_anthropic_key("sk-ant-test-request-order"));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    Orders orders;
    for (const auto& line : server.log_lines()) {
        rapidjson::Document d;
        d.Parse(line.c_str());
        REQUIRE(!d.HasParseError());
        if (!d.HasMember("item_sha256")) continue;
        std::vector<int> order;
        for (const auto& key : d["item_sha256"].GetArray()) {
            auto it = row_of.find(key.GetString());
            REQUIRE(it != row_of.end());
            order.push_back(it->second);
        }
        orders.push_back(order);
    }
    std::sort(orders.begin(), orders.end());
    return orders;
}

}  // namespace

TEST_CASE(
    "the judge's K-row requests list their rows shuffled, by the spec's seed, every run alike",
    "[rows_per_request][rows_per_request_http][judge]") {
    const std::string dir = t::example_dir("rpr-order");
    const std::string spec_path = dir + "/moderation.toml";
    const std::string spec_text = t::slurp(spec_path);
    REQUIRE(spec_text.find("\nseed = 42\n") != std::string::npos);

    // Input rows with distinct texts, and the text the blind rubric gives each in a request.
    const auto spec = synthmod::spec::load(spec_path);
    synthmod::judge::Rubric rubric(spec.labels, true);
    std::string csv = "content,label\n";
    std::vector<std::string> texts;
    for (int i = 0; i < kRows; ++i) {
        const std::string content = "post number " + std::to_string(i) + " about the bus timetable";
        csv += content + ",Safe\n";
        texts.push_back(rubric.user_prompt(content, "Safe"));
    }
    t::spit(dir + "/in.csv", csv);
    std::map<std::string, int> row_of;
    const auto keys = sha256_prefixes(texts);
    for (int i = 0; i < kRows; ++i) row_of[keys[i]] = i;
    REQUIRE(row_of.size() == static_cast<std::size_t>(kRows));

    std::string d1 = dir + "/run1", d2 = dir + "/run2", d3 = dir + "/seed7";
    for (const auto& d : {d1, d2, d3}) std::filesystem::create_directories(d);
    const Orders first = judged_orders(d1, spec_path, dir + "/in.csv", row_of);

    // Every row sent once, in 5 requests of 8.
    REQUIRE(first.size() == static_cast<std::size_t>(kRows / kPerRequest));
    std::set<int> seen;
    for (const auto& order : first) {
        CHECK(order.size() == static_cast<std::size_t>(kPerRequest));
        seen.insert(order.begin(), order.end());
    }
    CHECK(seen.size() == static_cast<std::size_t>(kRows));

    // (1) A second run from scratch lists every request's rows in the same order.
    CHECK(judged_orders(d2, spec_path, dir + "/in.csv", row_of) == first);

    // (2) Not the input order, and the first position goes to different places of the input:
    // per request, the rank in input order of the row listed first.
    std::size_t shuffled = 0;
    std::set<long> first_ranks;
    for (const auto& order : first) {
        std::vector<int> sorted = order;
        std::sort(sorted.begin(), sorted.end());
        shuffled += order != sorted;
        first_ranks.insert(std::lower_bound(sorted.begin(), sorted.end(), order[0]) -
                           sorted.begin());
    }
    CHECK(shuffled > 0);
    CHECK(first_ranks.size() > 1);

    // (3) Another spec seed, another order (the same rows per request).
    std::string seed7 = spec_text;
    seed7.replace(seed7.find("\nseed = 42\n"), 11, "\nseed = 7\n");
    t::spit(d3 + "/moderation.toml", seed7);
    const Orders other = judged_orders(d3, d3 + "/moderation.toml", dir + "/in.csv", row_of);
    REQUIRE(other.size() == first.size());
    CHECK(other != first);
    auto as_sets = [](const Orders& orders) {
        std::set<std::set<int>> out;
        for (const auto& order : orders) out.insert(std::set<int>(order.begin(), order.end()));
        return out;
    };
    CHECK(as_sets(other) == as_sets(first));
}
