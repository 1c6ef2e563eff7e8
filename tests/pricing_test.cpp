// Tests of common/pricing: the built-in table, user tables and cost arithmetic.
#include "common/llm/pricing.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <random>

#include "common/errors.h"
#include "tests/support/process.h"

using synthmod::llm::Usage;
using namespace synthmod::pricing;

TEST_CASE("built-in table: Anthropic prices and dated ids", "[pricing]") {
    Table t = Table::builtin();
    auto haiku = t.find("claude-haiku-4-5");
    REQUIRE(haiku);
    CHECK(haiku->input == Approx(1.0));
    CHECK(haiku->output == Approx(5.0));
    CHECK(haiku->cache_write == Approx(1.25));
    CHECK(haiku->cache_read == Approx(0.10));
    auto dated = t.find("claude-haiku-4-5-20251001");
    REQUIRE(dated);
    CHECK(dated->output == Approx(5.0));
    auto sonnet = t.find("claude-sonnet-4-5-20250929");
    REQUIRE(sonnet);
    CHECK(sonnet->input == Approx(3.0));
    CHECK(sonnet->output == Approx(15.0));
    auto opus41 = t.find("claude-opus-4-1-20250805");
    REQUIRE(opus41);
    CHECK(opus41->input == Approx(15.0));
    auto opus46 = t.find("claude-opus-4-6");
    REQUIRE(opus46);
    CHECK(opus46->input == Approx(5.0));
    CHECK(opus46->output == Approx(25.0));
    // claude-opus-4-20250514 is listed itself, not matched to a shorter prefix.
    CHECK(t.find("claude-opus-4-20250514")->input == Approx(15.0));
    CHECK_FALSE(t.find("gpt-4o").has_value());
    CHECK_FALSE(t.find("claude-haiku-4-50").has_value());  // not a dated form of claude-haiku-4-5
    CHECK_FALSE(t.find("offline").has_value());
}

TEST_CASE("cost arithmetic: tokens, cache tokens, batch at 50 %", "[pricing]") {
    Price p{3.0, 15.0, 3.75, 0.30};
    Usage u;
    u.input_tokens = 1'000'000;
    u.output_tokens = 200'000;
    CHECK(cost(p, u, false) == Approx(3.0 + 3.0));
    CHECK(cost(p, u, true) == Approx(3.0));
    u.cache_creation_input_tokens = 100'000;
    u.cache_read_input_tokens = 2'000'000;
    CHECK(cost(p, u, false) == Approx(6.0 + 0.375 + 0.6));
    CHECK(cost(p, u, true) == Approx((6.0 + 0.375 + 0.6) / 2));
    CHECK(cost(p, Usage{}, false) == 0.0);
    // One typical generation request on Haiku 4.5: 500 in, 120 out.
    Usage one;
    one.input_tokens = 500;
    one.output_tokens = 120;
    CHECK(cost(*Table::builtin().find("claude-haiku-4-5"), one, false) == Approx(0.0011));
}

TEST_CASE("cost_cell writes printf's %.9g", "[pricing]") {
    CHECK(cost_cell(0.001869, true) == "0.001869");
    CHECK(cost_cell(1.5, false) == "");
    std::mt19937_64 rng(9);
    std::vector<double> values = {0,
                                  -0.0,
                                  1,
                                  0.1,
                                  1e-7,
                                  123456789,
                                  1234567890,
                                  0.000123456789012,
                                  1e21,
                                  5e-324,
                                  0.00186900000001,
                                  2.5e-5,
                                  99999.99995};
    for (int i = 0; i < 2000; ++i) {
        const double tokens = static_cast<double>(rng() % 200'000);
        values.push_back(tokens * (rng() % 2 ? 1.0 : 5.0) / 1e6);  // costs as they come
        values.push_back(
            std::ldexp(static_cast<double>(rng() >> 11), -static_cast<int>(rng() % 80)));
    }
    for (double v : values) {
        char expected[64];
        std::snprintf(expected, sizeof expected, "%.9g", v);
        INFO(expected);
        CHECK(cost_cell(v, true) == expected);
    }
}

TEST_CASE("user price tables (--pricing F)", "[pricing]") {
    std::string dir = synthmod::test::temp_dir("pricing");
    SECTION("a valid file replaces the table; cache prices default from input") {
        synthmod::test::spit(dir + "/p.toml",
                             "[models.\"my-model\"]\ninput = 2\noutput = 8.5\n"
                             "[models.\"claude-haiku-4-5\"]\ninput = 10\noutput = 50\ncache_write "
                             "= 1\ncache_read = 0\n");
        Table t = Table::load(dir + "/p.toml");
        auto m = t.find("my-model-v2");
        REQUIRE(m);
        CHECK(m->input == Approx(2.0));
        CHECK(m->output == Approx(8.5));
        CHECK(m->cache_write == Approx(2.5));
        CHECK(m->cache_read == Approx(0.2));
        CHECK(t.find("claude-haiku-4-5")->input == Approx(10.0));
        CHECK(t.find("claude-haiku-4-5")->cache_read == 0.0);
        CHECK_FALSE(t.find("claude-sonnet-4-5").has_value());
    }
    auto error_of = [&](const std::string& content) {
        synthmod::test::spit(dir + "/bad.toml", content);
        try {
            Table::load(dir + "/bad.toml");
        } catch (const synthmod::InputError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    SECTION("bad files: InputError with file:line") {
        CHECK(error_of("[models.\"a\"]\ninput = 1\noutput = \"x\"\n") ==
              dir + "/bad.toml:3: models.a.output must be a number");
        CHECK(
            error_of("[models.\"a\"]\ninput = 1\noutput = 2\nbatch = 0.5\n") ==
            dir +
                "/bad.toml:4: unknown key models.a.batch (input, output, cache_write, cache_read, "
                "min_cache_tokens)");
        CHECK(error_of("[models.\"a\"]\ninput = 1\n").find(dir + "/bad.toml:1: ") == 0);
        CHECK(error_of("[models.\"a\"]\ninput = -1\noutput = 2\n") ==
              dir + "/bad.toml:2: models.a.input must not be negative");
        CHECK(error_of("[models\ninput = 1\n").find(dir + "/bad.toml:1: ") == 0);
        CHECK(error_of("").find(dir + "/bad.toml: ") == 0);
    }
    CHECK_THROWS_AS(Table::load(dir + "/missing.toml"), synthmod::IoError);
}
